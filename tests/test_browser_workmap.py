"""The workspace map in a real browser (issue 18): a double click zooms and never edits, even in
涂色 mode; a single click still paints; the wheel zooms; 涂色 offers the grid last clicked; a
lead's own unit is refused before any save (G3); 定位 brings the map into view; re-proposing
names the locks that block a repair and unlocks them in one click, its notice beside the map
(the map does not move); a search selects and zooms; a drawn rectangle paints; Ctrl+Z / Ctrl+Y;
the map's own titles in Chinese; the paint list follows the district in view; the map's height
follows the window. Screenshots go to ``tests/output/``."""

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
    """The map is most of the window's height and ends above the fold, the tools beside it; it
    follows the window when that is resized, never lower than 520 px."""
    _new_plan(page, server["url"])
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.evaluate("() => window.scrollTo(0, 0)")
    box = _map_box_settled(page)
    assert box["height"] >= 0.6 * size[1] and size[1] - 40 <= box["y"] + box["height"] <= size[1], box
    assert abs(_map_frame(page).evaluate("() => window.map.getSize().y") - box["height"]) < 2  # the map fills its frame
    tools = page.get_by_text("地图点击").bounding_box()
    assert tools["x"] > box["x"] + box["width"] and tools["y"] < box["y"] + box["height"]
    page.screenshot(path=str(output_dir / f"workmap_layout_{size[0]}x{size[1]}.png"))
    page.set_viewport_size({"width": size[0], "height": 640})  # a small window: the floor
    assert _map_box_settled(page)["height"] == 520


def _map_box_settled(pg) -> dict:
    """The map frame's box once its height has stopped changing."""
    last = None
    for _ in range(40):
        pg.wait_for_timeout(150)
        box = pg.locator(MAP).bounding_box()
        if last is not None and abs(box["height"] - last["height"]) < 1:
            return box
        last = box
    return last


def _scroll_top(pg) -> None:
    pg.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    pg.wait_for_timeout(300)


def test_locks_that_block_a_repair_are_named_and_unlocked_in_one_click(page, server, output_dir):
    """A unit painted into a grid it does not touch is locked (the default) and cuts that grid
    (G6): re-proposing cannot move it and says so by name; the offered button unlocks it and
    re-proposes. The notice sits beside the map: the map does not move."""
    from geodata.default import load_default
    from planning.session import PlanningSession

    pkg = load_default()
    session = PlanningSession(pkg)
    plan_id = _new_plan(page, server["url"])
    before, plan = _latest(server, plan_id)
    unit, grid = _paint_case(session.world, plan)
    name = str(pkg.units.loc[pkg.units["unit_code"] == unit, "unit_name"].iloc[0])

    page.get_by_text("涂色", exact=True).click()
    _choose(page, "涂色网格", grid)
    page.wait_for_timeout(1000)
    page.mouse.click(*_pixel(page, *_point(pkg, unit)))
    _wait_version(server, plan_id, lambda v: v > before)
    version, painted = _latest(server, plan_id)
    assert painted.assignment[unit] == grid and unit in painted.locked
    page.get_by_text(f"已保存：网格方案 第 {version} 版").wait_for()

    _scroll_top(page)
    top = page.locator(MAP).bounding_box()["y"]
    page.get_by_role("button", name="围绕锁定重新生成").click()
    notice = page.get_by_text("锁定阻止了修复")
    notice.wait_for(timeout=60_000)
    text = notice.inner_text()
    assert f"{name}（{unit}，网格 {grid}）" in text  # the name first, then the code and the grid
    _scroll_top(page)
    assert abs(page.locator(MAP).bounding_box()["y"] - top) < 2  # the notice did not push the map down
    page.screenshot(path=str(output_dir / "workmap_locks_block_repair.png"))

    offer = page.get_by_role("button", name=re.compile(r"解锁这 \d+ 个单元并重新生成"))
    box, shown = page.locator(MAP).bounding_box(), offer.bounding_box()
    assert shown["x"] > box["x"] + box["width"] and shown["y"] + shown["height"] < box["y"] + 260  # beside the map, at the top
    offer.click()
    after = _wait_version(server, plan_id, lambda v: v > version, seconds=60)
    assert after == version + 1  # the unlock and the re-proposal: one version
    _, mended = _latest(server, plan_id)
    assert unit not in mended.locked and mended.assignment[unit] != grid
    assert PlanningSession(pkg).judge(mended).only("G").errors == []
    page.get_by_text(f"已保存：网格方案 第 {after} 版").wait_for()
    expect_gone = page.get_by_text("锁定阻止了修复")
    for _ in range(50):
        if expect_gone.count() == 0:
            break
        page.wait_for_timeout(100)
    assert expect_gone.count() == 0  # the old notice went with the new action
    _scroll_top(page)
    assert abs(page.locator(MAP).bounding_box()["y"] - top) < 2
    page.screenshot(path=str(output_dir / "workmap_locks_unlocked.png"))


def test_search_brush_keys_and_chinese_titles(page, server, output_dir):
    """The map's controls speak Chinese; a search selects a unit and zooms to it; the grid 涂色
    offers follows the district the map is moved to, until one is picked; a drawn rectangle paints
    every unit inside in one version; Ctrl+Z undoes it and Ctrl+Y redoes it."""
    import numpy as np

    from geodata.default import load_default

    pkg = load_default()
    plan_id = _new_plan(page, server["url"])
    frame = _map_frame(page)
    assert frame.locator("a.leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert frame.locator("a.leaflet-control-zoom-out").get_attribute("title") == "缩小"
    assert frame.locator("a.leaflet-draw-draw-rectangle").get_attribute("title") == "画矩形"
    assert frame.locator("a.leaflet-draw-draw-polygon").get_attribute("title") == "画多边形"

    qingpu = pkg.units[pkg.units["district_code"] == QINGPU]
    wanted = qingpu.iloc[0]
    zoom = _zoom(page)
    search = page.get_by_role("textbox", name="搜索")
    search.fill(str(wanted["unit_name"]))
    search.press("Enter")
    page.get_by_text("已选: 1 个单元").wait_for()
    for _ in range(50):
        if _zoom(page) > zoom:
            break
        page.wait_for_timeout(100)
    assert _zoom(page) > zoom
    page.screenshot(path=str(output_dir / "workmap_search.png"))

    before, plan = _latest(server, plan_id)
    from planning.session import PlanningSession

    world = PlanningSession(pkg).world
    lead_units = {str(world.unit_codes[j]) for j in world.lead_unit if j >= 0}
    points = qingpu.geometry.representative_point()
    order = np.argsort(points.x.to_numpy())
    inside = [str(c) for c in qingpu["unit_code"].to_numpy()[order[:3]]]
    target = next(g.grid_id for g in plan.grids if g.district_code == QINGPU
                  and g.grid_id not in {plan.assignment[u] for u in inside})
    page.get_by_text("涂色", exact=True).click()
    # the grid offered follows the map into another district, until the planner picks one
    box = page.get_by_role("combobox", name="涂色网格")
    box.wait_for()
    jinshan = pkg.units[pkg.units["district_code"] == "310116"].geometry.union_all().representative_point()
    _map_frame(page).evaluate("([lat, lng]) => window.map.setView([lat, lng], 11)", [jinshan.y, jinshan.x])
    for _ in range(100):
        if box.input_value().startswith("310116-"):
            break
        page.wait_for_timeout(100)
    assert box.input_value().startswith("310116-")
    page.get_by_text("列表按地图当前所在区县排序：金山区").wait_for()
    page.screenshot(path=str(output_dir / "workmap_paint_follows_view.png"))

    _choose(page, "涂色网格", target)  # picked: it stays wherever the map goes
    page.wait_for_timeout(1000)
    lons, lats = points.x.to_numpy()[order[:3]], points.y.to_numpy()[order[:3]]
    # the three units in the middle of the map, away from its toolbar
    _map_frame(page).evaluate("([lat, lng]) => window.map.setView([lat, lng], 11)", [lats.mean(), lons.mean()])
    page.wait_for_timeout(1500)
    pad = 0.004
    corner_a, corner_b = _pixel(page, lons.min() - pad, lats.max() + pad), _pixel(page, lons.max() + pad, lats.min() - pad)
    _map_frame(page).locator("a.leaflet-draw-draw-rectangle").click()
    page.mouse.move(*corner_a)
    page.mouse.down()
    page.mouse.move(*corner_b, steps=8)
    page.mouse.up()
    painted = _wait_version(server, plan_id, lambda v: v > before)
    assert painted == before + 1  # one version for the whole shape
    _, after = _latest(server, plan_id)
    moved = [u for u in inside if u not in lead_units]  # a lead's own unit stays in its grid (G3)
    assert moved and all(after.assignment[u] == target for u in moved)
    page.get_by_text(f"已保存：网格方案 第 {painted} 版").wait_for()
    page.screenshot(path=str(output_dir / "workmap_brush.png"))

    page.locator(MAP).click(position={"x": 5, "y": 300})  # the map has the keyboard (an empty corner: no unit)
    page.wait_for_timeout(800)
    page.keyboard.press("Control+z")
    undone = _wait_version(server, plan_id, lambda v: v > painted)
    assert undone == painted + 1 and dict(_latest(server, plan_id)[1].assignment) == dict(plan.assignment)
    page.get_by_text(f"已保存：网格方案 第 {undone} 版").wait_for()
    page.get_by_text("地图点击").click()  # the keys work outside the map too
    page.keyboard.press("Control+y")
    redone = _wait_version(server, plan_id, lambda v: v > undone)
    assert redone == undone + 1 and all(_latest(server, plan_id)[1].assignment[u] == target for u in moved)

    assert box.input_value().startswith(target)  # the map went back to Qingpu and elsewhere: still the grid picked
