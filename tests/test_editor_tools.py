"""The workspace's tools beside the map (issue 18, round two), without a browser: the locks that
keep a re-proposal from mending a plan, named and unlocked in one click; a drawn shape that
paints in one version; the search; the paint list that follows the district in view; notices of
a new action replacing the old ones; the map's words in Chinese. The page runs in AppTest with a
stand-in for the map component (the real map: ``test_browser_workmap.py``)."""

from __future__ import annotations

import re

import json

import pytest
import shapely
import streamlit_folium
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geodata.default import load_default
from geodata.plans import PlanStore
from geodata.store import data_dir
from planning.edits import assign
from planning.plan import plan_from_dict
from planning.session import PlanningSession
from ui import repair, search, workmap, worktools
from ui.i18n import plain

QINGPU, JINSHAN = "310118", "310116"


@pytest.fixture(scope="module")
def default():
    pkg = load_default()
    session = PlanningSession(pkg)
    return pkg, session, session.propose_grids().plan


def _cut(session, plan):
    """A Qingpu unit that leads nothing and a Qingpu grid it does not touch: moved there (and
    locked, as assigning does by default) it cuts that grid (G6)."""
    world, index = session.world, session.world.index_of()
    leads = {str(world.unit_codes[j]) for j in world.lead_unit if j >= 0}
    grids = [g.grid_id for g in plan.grids if g.district_code == QINGPU]
    for code in map(str, world.unit_codes[world.units_of(QINGPU)]):
        near = {plan.assignment[str(world.unit_codes[j])] for j in world.adjacency[index[code]].indices}
        far = [g for g in grids if g not in near and g != plan.assignment[code]]
        if far and code not in leads:
            return code, far[0]
    raise AssertionError("no unit to cut a grid with")


def test_the_locks_that_block_a_repair_are_found_and_named_names_first(default):
    pkg, session, plan = default
    unit, grid = _cut(session, plan)
    cut, _ = assign(session.world, plan, [unit], grid, lock=True)
    assert repair.blocking_locks(session, plan) == []
    assert repair.blocking_locks(session, cut) == [unit]
    assert repair.blocking_locks(session, cut, JINSHAN) == []  # another district: not in scope
    assert repair.blocking_locks(session, cut.unlock([unit])) == []  # unlocked: a re-proposal may move it
    name = str(pkg.units.loc[pkg.units["unit_code"] == unit, "unit_name"].iloc[0])
    said = repair.blocked_messages(session, cut, [unit], changed=False)
    # markdown, the names escaped as data (310118\\-G02 shows as 310118-G02)
    assert f"{plain(name)}（{unit}，网格 {plain(grid)}）" in said["zh"] and "锁定阻止了修复" in said["zh"]
    assert f"{plain(name)} ({unit}, grid {plain(grid)})" in said["en"] and "locks prevent the repair" in said["en"]
    many = repair.unit_list(session, cut, [unit] * 9, "zh")
    assert many.endswith("等 3 个单元") and many.count(unit) == repair.SHOWN


def test_search_finds_units_grids_hospitals_and_places_by_name_or_code(default):
    pkg, session, plan = default
    units = pkg.units.reset_index(drop=True)
    found = search.entries(("test",), session, plan, units)
    unit = pkg.units[pkg.units["district_code"] == QINGPU].iloc[0]
    best = search.find(found, str(unit["unit_code"]))[0]
    assert (best.kind, best.code, best.units) == ("unit", unit["unit_code"], (unit["unit_code"],))
    assert search.find(found, "青浦")[0].kind == "district"  # the place itself before its units
    assert search.label(search.find(found, str(unit["unit_name"]))[0], "zh") == f"{unit['unit_name']}（{unit['unit_code']}）· 单元"
    grid = plan.grids[0]
    hit = search.find(found, grid.grid_id.lower())[0]
    assert hit.kind == "grid" and set(hit.units) == {u for u, g in plan.assignment.items() if g == grid.grid_id}
    lead = session.world.lead_name(grid.lead_facility_code)
    assert any(e.kind == "grid" and e.code == grid.grid_id for e in search.find(found, lead, limit=50))
    hospital = pkg.facilities.iloc[0]
    at = search.find(found, str(hospital["facility_code"]))[0]
    assert at.kind == "facility" and len(at.units) == 1
    assert search.find(found, "  ") == [] and search.find(found, "没有这个地方") == []


def test_the_paint_list_puts_the_district_in_view_first(default):
    pkg, session, plan = default
    units = pkg.units.reset_index(drop=True)
    point = units[units["district_code"] == JINSHAN].geometry.iloc[0].representative_point()
    assert worktools.district_at(session, units, {"lat": point.y, "lng": point.x}) == JINSHAN
    assert worktools.district_at(session, units, {"lat": 30.0, "lng": 123.5}) in session.world.districts  # off the land: nearest
    assert worktools.district_at(session, units, {"lat": float("nan"), "lng": 1}) is None
    assert worktools.district_at(session, units, None) is None
    order = worktools.paint_order(plan, JINSHAN)
    ours = [g.grid_id for g in plan.grids if g.district_code == JINSHAN]
    assert order[:len(ours)] == ours and sorted(order) == sorted(g.grid_id for g in plan.grids)


def test_the_maps_own_words_follow_the_language():
    zh, en = workmap._local_words("zh"), workmap._local_words("en")
    assert zh["zoom"] == {"in": "放大", "out": "缩小"} and en["zoom"] == {"in": "Zoom in", "out": "Zoom out"}
    assert zh["draw"]["toolbar"]["buttons"]["rectangle"] == "画矩形"
    script = workmap.json_for_script({"a": "</script><b>&"})
    assert "<" not in script and ">" not in script and json.loads(script) == {"a": "</script><b>&"}


# --- the page, with a stand-in for the map ------------------------------------------------------

@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda fig, key=None, **kw: None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/workspace.py")
    at.run()
    at.button(key="ws_first_plan").click().run()
    assert not at.exception
    return at, at.query_params["plan"], PlanStore(data_dir() / "plans.sqlite")


def _event(at, **kw) -> None:
    at.session_state["ws-map-default"] = {"last_object_clicked": None, "last_object_clicked_count": 0,
                                          "all_drawings": None, **kw}
    at.run()
    assert not at.exception


def _texts(at) -> list[str]:
    return [e.value for e in (*at.warning, *at.info, *at.error, *at.success)]


@pytest.mark.slow
def test_repropose_names_the_locks_and_one_click_unlocks_and_mends(page, default):
    at, plan_id, store = page
    pkg, session, _ = default
    plan = plan_from_dict(store.load(plan_id)[1])
    unit, grid = _cut(session, plan)
    point = pkg.units.loc[pkg.units["unit_code"] == unit].geometry.iloc[0].representative_point()
    at.radio(key="ws_mode").set_value("paint").run()
    at.selectbox(key="ws_paint").set_value(grid).run()
    _event(at, last_object_clicked={"lat": point.y, "lng": point.x}, last_object_clicked_count=1)
    version, payload = store.load(plan_id)
    assert payload["assignment"][unit] == grid and unit in payload["locked"]

    next(b for b in at.button if b.label == "围绕锁定重新生成").click().run()
    assert not at.exception
    assert store.load(plan_id)[0] == version  # nothing to save: the locks hold the cut
    warned = [w for w in _texts(at) if "锁定阻止了修复" in w]
    assert len(warned) == 1 and unit in warned[0] and warned[0].startswith("没有变化")
    offer = at.button(key="ws_unlock_offer_button")
    assert offer.label == "解锁这 1 个单元并重新生成"
    offer.click().run()
    assert not at.exception
    after, mended = store.load(plan_id)
    assert after == version + 1 and store.history(plan_id)[-1]["action"] == "unlock_repropose"
    assert unit not in mended["locked"] and mended["assignment"][unit] != grid
    assert not any("锁定阻止了修复" in w for w in _texts(at))  # the old notice went with the new action
    assert "ws_unlock_offer_button" not in [b.key for b in at.button]


@pytest.mark.slow
def test_a_drawn_shape_paints_every_unit_inside_in_one_version(page, default):
    at, plan_id, store = page
    pkg, session, _ = default
    plan = plan_from_dict(store.load(plan_id)[1])
    world = session.world
    unit_of = dict(zip(world.lead_codes.tolist(), world.lead_unit.tolist()))
    leads = {str(world.unit_codes[unit_of[g.lead_facility_code]]) for g in plan.grids}  # the units of the grids' leads
    qingpu = pkg.units[pkg.units["district_code"] == QINGPU]
    area = shapely.box(*qingpu.total_bounds)
    grid = next(g.grid_id for g in plan.grids if g.district_code == QINGPU)
    at.radio(key="ws_mode").set_value("paint").run()
    at.selectbox(key="ws_paint").set_value(grid).run()
    version = store.load(plan_id)[0]
    _event(at, all_drawings=[{"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(area)}])
    after, payload = store.load(plan_id)
    assert after == version + 1 and store.history(plan_id)[-1]["action"] == "assign"
    lead_units = {u for u in qingpu["unit_code"] if u in leads and plan.assignment[u] != grid}
    assert lead_units and all(payload["assignment"][u] == plan.assignment[u] for u in lead_units)  # G3 kept
    assert all(payload["assignment"][u] == grid for u in qingpu["unit_code"] if u not in lead_units)
    kept = [w for w in _texts(at) if "不能移出该网格（G3）" in w]  # refused before the save, and said
    assert kept and all(re.search(r"是 \S+区 第\d+网格（\d+\\?-G\d+） 的牵头医院 \S+（", w) for w in kept)  # names first
    _event(at, all_drawings=[{"type": "Feature", "properties": {},
                              "geometry": shapely.geometry.mapping(shapely.box(150, 80, 150.1, 80.1))}])
    assert store.load(plan_id)[0] == after and any("框内没有单元" in w for w in _texts(at))


@pytest.mark.slow
def test_the_search_selects_and_zooms(page, default):
    at, plan_id, store = page
    pkg, _, _ = default
    unit = pkg.units[pkg.units["district_code"] == QINGPU].iloc[3]
    at.text_input(key=search.QUERY).input(str(unit["unit_name"])).run()
    assert not at.exception
    assert any("已选" in m.value and "1 个单元" in m.value for m in at.markdown)
    assert 11 <= at.session_state["ws_view"]["zoom"] <= search.ZOOM
    at.text_input(key=search.QUERY).input("青浦").run()  # a district: zoomed to, the selection kept
    assert at.selectbox(key=search.PICK).options[0].startswith("青浦区（310118）")
    assert any("1 个单元" in m.value for m in at.markdown)
    at.text_input(key=search.QUERY).input("没有这个地方").run()
    assert any("没有找到" in c.value for c in at.caption)


def test_the_grid_table_has_thousands_separators(default):
    """各网格指标 is shown by ``ui.tables.show``: population and the like with separators."""
    from ui.tables import number_formats

    _, session, plan = default
    config = number_formats(session.metrics(plan))
    assert "population" in config and config["population"]["type_config"]["format"] == "localized"


def test_an_unreadable_layout_is_said_in_words_not_in_pythons():
    from planning.plan import PlanProblem
    from ui.layout_errors import unreadable

    def why(data: bytes) -> str:
        try:
            json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:
            return PlanProblem("file", "", "unreadable", {"why": unreadable(exc)}).message("zh")
        raise AssertionError("read")

    cut = why(b'{"type": "FeatureCollection",\n "features": [')
    assert "第 2 行第 15 个字符处格式错误" in cut and "Expecting" not in cut and "char" not in cut
    assert "不是 UTF-8 编码" in why(b"\xb5\xc4\xff")
    assert "文件是空的" in why(b"  ")
    assert "嵌套层级过深" in why(b"[" * 100_000 + b"]" * 100_000)


def test_the_grid_offered_for_painting_follows_the_map_until_one_is_picked(page, default):
    at, plan_id, store = page
    pkg, _, _ = default
    plan = plan_from_dict(store.load(plan_id)[1])

    def centre(district: str) -> None:
        p = pkg.units[pkg.units["district_code"] == district].geometry.iloc[0].representative_point()
        _event(at, center={"lat": p.y, "lng": p.x})

    at.radio(key="ws_mode").set_value("paint").run()
    centre(JINSHAN)
    assert at.selectbox(key="ws_paint").value.startswith(JINSHAN + "-")
    assert at.selectbox(key="ws_paint").options[0].startswith(JINSHAN + "-")  # its grids listed first
    centre(QINGPU)
    assert at.selectbox(key="ws_paint").value.startswith(QINGPU + "-")
    picked = next(g.grid_id for g in plan.grids if g.district_code == QINGPU and g.grid_id != at.selectbox(key="ws_paint").value)
    at.selectbox(key="ws_paint").set_value(picked).run()
    centre(JINSHAN)
    assert at.selectbox(key="ws_paint").value == picked  # picked by the planner: it stays
