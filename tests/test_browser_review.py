"""The review in a real browser (chromium, network blocked), with a plan of four versions whose
v2 breaks rules in Qingpu (tests/review_plans.py): broken grids hatched in red, the large label
naming the grid under the pointer; presentation mode on a 1920x1080 projector and at 150 % zoom
(sidebar and controls gone, the whole map above the fold, kept by a refresh, a full-screen button); compare with both
maps side by side and the before/after chart. Screenshots go to ``tests/output/``."""

from __future__ import annotations

import pytest
import shapely
from browsing import MAP

from geodata.default import load_default
from geodata.plans import PlanStore

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

HATCHED = 'path[fill="url(#ylt-hatch)"]'


@pytest.fixture(scope="module")
def review_app(tmp_path_factory):
    """The app with the plan stored; (app, plan id, what v2 moved, the broken grid's outline)."""
    from browsing import running_app
    from review_plans import make_store

    folder = tmp_path_factory.mktemp("review_app")
    plan_id, _, moved = make_store(folder / "data")
    assignment = PlanStore(folder / "data" / "plans.sqlite").load(plan_id)[1]
    units = load_default().units
    mine = units[units["unit_code"].astype(str).map(_assignment(assignment)).eq(moved["from"])]
    with running_app(folder) as app:
        yield app, plan_id, moved, shapely.union_all(mine.geometry.values)


def _assignment(payload: dict) -> dict:
    from planning.plan import plan_from_dict

    return dict(plan_from_dict(payload).assignment)


def _open(browser, url: str, size: tuple[int, int], scale: float = 1.0):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=scale,
                                  locale="zh-CN")
    outside: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url.split("/review")[0], "ws://127.0.0.1",
                                                                                "data:", "blob:", "about:"))
                  else (outside.append(r.request.url), r.abort()))
    page = context.new_page()
    page.goto(url)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
    return context, page, outside


def _frame(page, n: int = 0):
    page.locator(MAP).nth(n).wait_for()
    return page.locator(MAP).nth(n).element_handle().content_frame()


def _hover_grid(page, outline) -> str:
    """Move the pointer over the grid at points inside ``outline`` until the label names a grid
    (a lead's marker may sit on the first point); the label's text."""
    frame = _frame(page)
    frame.locator(HATCHED).first.wait_for(timeout=60_000)
    page.locator(MAP).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = page.locator(MAP).first.bounding_box()
    west, south, east, north = outline.bounds
    candidates = [outline.representative_point()] + [
        shapely.Point(west + (east - west) * i / 6, south + (north - south) * j / 6) for i in range(1, 6) for j in range(1, 6)]
    for point in (p for p in candidates if outline.contains(p)):
        x, y = frame.evaluate("([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
                              [point.y, point.x])
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(300)
        label = frame.locator(".ylt-hover")
        if label.is_visible() and label.inner_text().strip():
            return label.inner_text()
    raise AssertionError("no grid label under the pointer")


def test_broken_grids_are_hatched_and_the_label_follows_the_pointer(browser, review_app, output_dir):
    app, plan_id, moved, outline = review_app
    context, page, outside = _open(browser, f"{app['url']}/review?plan={plan_id}", (1600, 1000))
    try:
        frame = _frame(page)
        text = _hover_grid(page, outline)
        number = int(moved["from"].rsplit("G", 1)[1])
        assert f"青浦区 第{number}网格（{moved['from']}）" in text and "G3" in text, text
        hatched = frame.locator(HATCHED)
        assert hatched.count() >= 1 and hatched.first.get_attribute("stroke") == "#d7191c"
        label = frame.locator(".ylt-hover")
        assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20
        assert label.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        tooltip = frame.locator(".leaflet-tooltip").first
        assert "违反的规则" in tooltip.inner_text() and "G3" in tooltip.inner_text()
        page.screenshot(path=str(output_dir / "review_broken_hover_1600.png"))
        cards = page.locator(".ylt-card h4")
        assert cards.first.inner_text().startswith("黄浦区 第1网格")  # the name first; the id on the next line
        assert outside == []
    finally:
        context.close()


def test_presentation_mode_on_a_projector_and_at_150_percent(browser, review_app, output_dir):
    app, plan_id, _, outline = review_app
    url = f"{app['url']}/review?plan={plan_id}&present=1"
    for size, scale, name in (((1920, 1080), 1.0, "review_present_1920.png"), ((1280, 720), 1.5, "review_present_150pct.png")):
        context, page, outside = _open(browser, url, size, scale)
        try:
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
            assert not page.locator('[data-testid="stMain"] h1').is_visible()
            assert not page.get_by_text("违反的规则", exact=True).first.is_visible()  # the filters are hidden
            _hover_grid(page, outline)
            page.locator('[data-testid="stMain"]').evaluate("e => e.scrollTo(0, 0)")
            page.wait_for_timeout(500)
            box = page.locator(MAP).first.bounding_box()
            assert box["y"] < 160 and box["y"] + box["height"] <= size[1], box  # the map first, all of it in view
            label = _frame(page).locator(".ylt-hover")
            assert label.is_visible() and float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 30
            page.screenshot(path=str(output_dir / name))
            assert outside == []
        finally:
            context.close()
    # the full-screen button (a click is what lets a page go full screen), then the switch brings the
    # controls back and leaves the URL
    context, page, _ = _open(browser, url, (1600, 1000))
    try:
        button = page.frame_locator('iframe[title="st.iframe"]').first.locator("#ylt-full")
        button.click()
        page.wait_for_function("() => !!document.fullscreenElement")
        assert button.inner_text() == "退出全屏"
        button.click()
        page.wait_for_function("() => !document.fullscreenElement")
        page.get_by_text("演示模式").click()
        page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
        page.get_by_text("只看有违规的网格").wait_for(state="visible")
        assert "present=" not in page.url
    finally:
        context.close()


def test_compare_shows_both_versions_side_by_side_and_a_chart(browser, review_app, output_dir):
    app, plan_id, moved, _ = review_app
    context, page, outside = _open(browser, f"{app['url']}/review?plan={plan_id}", (1600, 1000))
    try:
        page.get_by_text("版本对比", exact=True).click()
        page.get_by_text("方案初稿（v1）").wait_for()
        page.locator(MAP).nth(1).wait_for(timeout=60_000)
        before, after = page.locator(MAP).nth(0).bounding_box(), page.locator(MAP).nth(1).bounding_box()
        assert abs(before["y"] - after["y"]) < 2 and after["x"] > before["x"] + before["width"] - 2
        for n in (0, 1):  # each in its grid colours, the moved units outlined
            _frame(page, n).locator('path[stroke="#e6007e"]').first.wait_for(timeout=60_000)
        page.locator(MAP).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(output_dir / "review_compare_maps_1600.png"))
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        assert chart.bounding_box()["height"] > 150
        body = page.locator("body").inner_text()
        assert "主要指标前后对比" in body and "原网格" in body and "新网格" in body
        page.screenshot(path=str(output_dir / "review_compare_chart_1600.png"))
        assert outside == []
    finally:
        context.close()
