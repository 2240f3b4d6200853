"""The workspace map in a real browser (issue 18): a double click zooms and never edits, even in
涂色 mode; a single click still paints; the wheel zooms; 涂色 offers the grid last clicked; a
lead's own unit is refused before any save (G3); 定位 brings the map into view. Screenshots go to
``tests/output/``."""

from __future__ import annotations

import re

import pytest
from browsing import MAP
from playwright.sync_api import Error as PlaywrightError
from test_browser_workspace import QINGPU, _latest, _map_frame, _new_plan, _pixel

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]


def _zoom(pg) -> float:
    return _map_frame(pg).evaluate("() => window.map.getZoom()")


def _point(pkg, code: str) -> tuple[float, float]:
    p = pkg.units.loc[pkg.units["unit_code"] == code].geometry.iloc[0].representative_point()
    return p.x, p.y


def _wait_version(server, plan_id: str, wanted, seconds: float = 15) -> int:
    import time

    deadline = time.monotonic() + seconds
    version = _latest(server, plan_id)[0]
    while time.monotonic() < deadline and not wanted(version):
        time.sleep(0.2)
        version = _latest(server, plan_id)[0]
    return version


def _choose(pg, label: str, option: str) -> None:
    """Pick ``option`` of a long list (only its first options are drawn): typed, then chosen."""
    box = pg.get_by_role("combobox", name=label)
    for _ in range(5):  # a rerun that lands just then closes the list: open it again
        box.click()
        pg.keyboard.type(option)
        try:
            pg.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click(timeout=3000)
            break
        except PlaywrightError:
            pg.keyboard.press("Escape")
    assert box.input_value().startswith(option)


def _paint_case(world, plan):
    """A Qingpu unit that leads nothing, and a Qingpu grid it does not touch (painting it there
    cuts that grid: a G6 error to zoom to)."""
    leads = {str(world.unit_codes[j]) for j in world.lead_unit if j >= 0}
    grids, index = [g.grid_id for g in plan.grids if g.district_code == QINGPU], world.index_of()
    for code in world.unit_codes[world.units_of(QINGPU)]:
        code = str(code)
        near = {plan.assignment[str(world.unit_codes[j])] for j in world.adjacency[index[code]].indices}
        far = [g for g in grids if g not in near and g != plan.assignment[code]]
        if far and code not in leads:
            return code, far[0]
    raise AssertionError("no unit to paint")


def test_double_click_zooms_and_never_edits(page, server, output_dir):
    from geodata.default import load_default
    from planning.session import PlanningSession

    pkg = load_default()
    world = PlanningSession(pkg).world
    plan_id = _new_plan(page, server["url"])
    before, plan = _latest(server, plan_id)
    unit, grid = _paint_case(world, plan)

    page.get_by_text("涂色", exact=True).click()
    _choose(page, "涂色网格", grid)
    page.wait_for_timeout(1500)
    zoom = _zoom(page)
    page.mouse.dblclick(*_pixel(page, *_point(pkg, unit)))
    page.wait_for_timeout(3000)
    assert _latest(server, plan_id)[0] == before  # no new version: the double click edited nothing
    assert _latest(server, plan_id)[1].assignment[unit] == plan.assignment[unit]
    assert _zoom(page) > zoom  # and it zoomed
    page.screenshot(path=str(output_dir / "workmap_double_click.png"))

    zoom = _zoom(page)  # the wheel zooms, about one level a notch
    x, y = _pixel(page, *_point(pkg, unit))
    page.mouse.move(x, y)
    page.mouse.wheel(0, -100)
    page.wait_for_timeout(800)
    assert _zoom(page) >= zoom + 0.5

    lng = _map_frame(page).evaluate("() => window.map.getCenter().lng")  # the arrow keys pan
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)
    assert _map_frame(page).evaluate("() => window.map.getCenter().lng") > lng

    page.mouse.click(*_pixel(page, *_point(pkg, unit)))  # one click still paints
    page.wait_for_timeout(1000)
    box = page.locator(MAP).bounding_box()
    page.mouse.move(box["x"] + box["width"] + 40, box["y"] + 40)  # the pointer leaves: no tooltip stays
    page.wait_for_timeout(800)
    assert _map_frame(page).locator(".leaflet-tooltip").count() == 0
    after = _wait_version(server, plan_id, lambda v: v > before)
    assert after == before + 1
    assert _latest(server, plan_id)[1].assignment[unit] == grid

    # 定位 from the rules table below the map brings the map back into view
    page.set_viewport_size({"width": 1600, "height": 1000})
    zoom_button = page.get_by_role("button", name="定位").first
    zoom_button.wait_for(timeout=15_000)
    zoom_button.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert page.locator(MAP).bounding_box()["y"] + 300 < 0  # the map is scrolled away
    zoom_button.click()
    for _ in range(100):
        box = page.locator(MAP).bounding_box()
        if box["y"] > -5 and box["y"] + box["height"] < 1005:
            break
        page.wait_for_timeout(100)
    assert box["y"] > -5 and box["y"] + box["height"] < 1005, box
    page.screenshot(path=str(output_dir / "workmap_zoom_to_1600x1000.png"))


def test_paint_refuses_a_leads_unit_and_offers_the_clicked_grid(page, server, output_dir):
    from geodata.default import load_default
    from planning.session import PlanningSession

    pkg = load_default()
    world = PlanningSession(pkg).world
    plan_id = _new_plan(page, server["url"])
    before, plan = _latest(server, plan_id)
    unit, grid = _paint_case(world, plan)
    # a lead's own unit of Qingpu, and a Qingpu grid that is not the lead's
    lead_unit, lead_grid = next((str(world.unit_codes[world.lead_unit[j]]), g.grid_id) for g in plan.grids
                                for j, c in enumerate(world.lead_codes.tolist())
                                if c == g.lead_facility_code and g.district_code == QINGPU and world.lead_unit[j] >= 0)
    other = next(g.grid_id for g in plan.grids if g.district_code == QINGPU and g.grid_id != lead_grid)

    page.mouse.click(*_pixel(page, *_point(pkg, unit)))  # in 选择 mode: selects, and 涂色 then offers its grid
    page.wait_for_timeout(2500)
    page.get_by_text("涂色", exact=True).click()
    box = page.get_by_role("combobox", name="涂色网格")
    box.wait_for()
    assert box.input_value().startswith(plan.assignment[unit])

    _choose(page, "涂色网格", other)
    page.wait_for_timeout(1000)
    page.mouse.click(*_pixel(page, *_point(pkg, lead_unit)))
    page.get_by_text("不能移出该网格（G3）").wait_for(timeout=15_000)
    assert _latest(server, plan_id)[0] == before  # refused before any save
    page.screenshot(path=str(output_dir / "workmap_paint_g3.png"))
    assert page.locator(MAP).count() == 1


@pytest.mark.parametrize("size", [(1600, 1000), (1920, 1080)])
def test_map_takes_most_of_the_window(page, server, output_dir, size):
    """The map is most of the window's height and ends above the fold, the tools beside it."""
    _new_plan(page, server["url"])
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(1000)
    box = page.locator(MAP).bounding_box()
    assert box["height"] >= 0.6 * size[1] and box["y"] + box["height"] <= size[1], box
    tools = page.get_by_text("地图点击").bounding_box()
    assert tools["x"] > box["x"] + box["width"] and tools["y"] < box["y"] + box["height"]
    page.screenshot(path=str(output_dir / f"workmap_layout_{size[0]}x{size[1]}.png"))
