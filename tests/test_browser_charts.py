"""In chromium: the population chart (Vega-Lite through Altair, offline) on the grid page and in
review, bars in the plan's grid colours, and the review map in the same colours as the export.
Screenshots at 1600x1000 and 1920x1080 in tests/output/."""

from __future__ import annotations

import re
import time

import pytest

from geodata.default import load_default
from geodata.filing import build
from geodata.plans import PlanStore
from planning.plan import plan_to_dict
from planning.session import PlanningSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART = '[data-testid="stVegaLiteChart"]'
LOCAL = ("data:", "blob:", "about:")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    from browsing import running_app

    folder = tmp_path_factory.mktemp("charts")
    session = PlanningSession(load_default())
    plan = session.propose().plan
    (folder / "data").mkdir()
    plan_id = PlanStore(folder / "data" / "plans.sqlite").create("图表方案", "default", plan_to_dict(plan), author="张三")
    meta = {"plan_id": plan_id, "plan_name": "图表方案", "version": 1, "author": "张三"}
    fills = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in build(session, plan, meta).collection["features"]}
    with running_app(folder) as app:
        yield app, fills


def _open(browser, base: str, path: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    outside: list[str] = []
    context.route("**/*", lambda r: (r.continue_ if r.request.url.startswith((base, "ws://127.0.0.1", *LOCAL))
                                     else (outside.append(r.request.url), r.abort)[1])())
    pg = context.new_page()
    pg.goto(base + path, timeout=120_000)
    pg.wait_for_selector(f"{CHART} canvas, {CHART} svg", timeout=180_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and pg.locator('[data-testid="stStatusWidget"]').count():
        pg.wait_for_timeout(250)
    pg.wait_for_timeout(1500)
    return context, pg, outside


@pytest.mark.parametrize("size", [(1600, 1000), (1920, 1080)])
@pytest.mark.parametrize("where", ["grids", "review"])
def test_population_chart_offline_in_chinese_in_the_grid_colours(browser, stored, output_dir, where, size):
    app, fills = stored
    context, pg, outside = _open(browser, app["url"], f"/{where}?lang=zh", size)
    try:
        chart = pg.locator(CHART).first
        chart.scroll_into_view_if_needed()
        pg.wait_for_timeout(800)
        pg.screenshot(path=str(output_dir / f"charts_{where}_{size[0]}.png"))
        text = pg.locator("body").inner_text()
        assert "各网格常住人口" in text and "人口区间 20–80 万人" in text
        assert chart.bounding_box()["height"] > 200
        assert outside == [], f"requests left the machine: {outside}"
    finally:
        context.close()


def test_review_map_uses_the_exported_colours(browser, stored):
    app, fills = stored
    context, pg, outside = _open(browser, app["url"], "/review?lang=zh", (1600, 1000))
    try:
        frame = pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        shown = set(frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
        grids = shown - {None, "#1f4e9c", "#d62728", "#ffffff"}  # leads, partner hospitals
        assert grids <= set(fills.values()) and len(grids) > 3
        assert outside == []
    finally:
        context.close()


def test_review_cards_and_grid_table_carry_the_grid_colour(browser, stored, output_dir):
    app, fills = stored
    context, pg, outside = _open(browser, app["url"], "/review?lang=zh", (1600, 1000))
    try:
        cards = pg.locator('.ylt-card h4 span[style*="background"]')
        cards.first.scroll_into_view_if_needed()
        pg.wait_for_timeout(800)
        pg.screenshot(path=str(output_dir / "charts_review_cards_1600.png"))
        shown = cards.evaluate_all("ss => ss.map(s => getComputedStyle(s).backgroundColor)")
        hexes = {"#%02x%02x%02x" % tuple(int(v) for v in re.findall(r"\d+", c)[:3]) for c in shown}
        assert len(shown) > 3 and hexes <= set(fills.values())
        assert outside == []
    finally:
        context.close()
    context, pg, outside = _open(browser, app["url"], "/grids?lang=zh", (1600, 1000))
    try:
        table = pg.locator('[data-testid="stDataFrame"]').nth(1)
        table.scroll_into_view_if_needed()
        pg.wait_for_timeout(1000)
        pg.screenshot(path=str(output_dir / "charts_grid_table_1600.png"))
        assert outside == []
    finally:
        context.close()
