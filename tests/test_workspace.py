"""The workspace: edits as pure functions, undo/redo from the log, picking units on the map, and
the page's logic with AppTest and a stand-in for the map component (the real map is driven in
``test_browser.py``)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pyarrow.ipc
import pytest
import shapely
import streamlit_folium
from streamlit.testing.v1 import AppTest
from test_grids import lattice

from conftest import ROOT
from geodata.plans import PlanStore, undo_redo
from geodata.store import data_dir
from geodata.default import load_default
from geodata.select import bounds_of, unit_at, units_within
from planning.edits import EditError, assign, change_lead, free_leads, lock_grids, new_grid, repropose
from planning.errors import InfeasiblePlanError
from planning.grids import GridSolver
from planning.metrics import band_deviation
from planning.plan import Plan, PlanPairing, plan_from_dict, plan_to_dict
from planning.rules import grid_rules, units_at
from planning.verdict import Place, Verdict
from planning.world import build_world

BAND = (1_000, 20_000)


def judge(world, plan, band=BAND) -> Verdict:
    """The grid rules' verdict on ``plan``."""
    return Verdict.of((rule, rule(world, plan)) for rule in grid_rules(band=band))


@pytest.fixture
def two_districts():
    """A: 4x4 units with leads H0 (0,0), H1 (3,3), H2 (0,3); B: 2x4 units with lead H3."""
    units, districts, facilities = lattice({"A": (0, 0, 4, 4), "B": (4, 0, 2, 4)},
                                           leads=[("A", 0, 0), ("A", 3, 3), ("A", 0, 3), ("B", 5, 0)])
    world = build_world(units, districts, facilities)
    solver = GridSolver(band=BAND, counts={"A": 2, "B": 1})
    return world, solver, solver.solve(world).plan, units


def test_assign_moves_locks_and_refuses_other_districts(two_districts):
    world, _, plan, _ = two_districts
    grid_b = next(g.grid_id for g in plan.grids if g.district_code == "B")
    a_unit = next(u for u, g in plan.assignment.items() if u.startswith("A"))
    b_unit = next(u for u, g in plan.assignment.items() if u.startswith("B") and g == grid_b)
    other = next(g.grid_id for g in plan.grids if g.district_code == "A" and g.grid_id != plan.assignment[a_unit])
    edited, refused = assign(world, plan, [a_unit, b_unit], other)
    assert refused == [b_unit]
    assert edited.assignment[a_unit] == other and edited.assignment[b_unit] == grid_b
    assert a_unit in edited.locked and b_unit not in edited.locked
    unlocked, _ = assign(world, plan, [a_unit], other, lock=False)
    assert a_unit not in unlocked.locked
    with pytest.raises(EditError):
        assign(world, plan, [a_unit], "A-G99")


def test_emptied_grid_is_dropped_and_a_new_grid_takes_a_free_lead(two_districts):
    world, _, plan, _ = two_districts
    grids_a = [g.grid_id for g in plan.grids if g.district_code == "A"]
    everything = [u for u in plan.assignment if u.startswith("A")]
    merged, _ = assign(world, plan, everything, grids_a[0])
    assert [g.grid_id for g in merged.grids if g.district_code == "A"] == [grids_a[0]]
    free = next(c for c in ("H0", "H1", "H2") if c not in {g.lead_facility_code for g in merged.grids})
    split, gid, refused = new_grid(world, merged, ["A-0001", "A-0002"], free)
    assert not refused and gid in split.grid_by_id and split.grid_by_id[gid].lead_facility_code == free
    lead_unit = str(world.unit_codes[world.lead_unit[list(world.lead_codes).index(free)]])
    assert split.assignment[lead_unit] == gid  # the lead's own unit joins it (G3)
    with pytest.raises(EditError):
        new_grid(world, split, [], free)  # already leads


def test_change_lead_reproposes_only_its_district(two_districts):
    world, solver, plan, _ = two_districts
    grid = next(g for g in plan.grids if g.district_code == "A")
    free = next(c for c in ("H0", "H1", "H2") if c not in {g.lead_facility_code for g in plan.grids})
    b_before = {u: g for u, g in plan.assignment.items() if u.startswith("B")}
    edited = change_lead(world, plan, solver, grid.grid_id, free)
    assert edited.grid_by_id[grid.grid_id].lead_facility_code == free
    assert {u: g for u, g in edited.assignment.items() if u.startswith("B")} == b_before
    assert not judge(world, edited).violations
    with pytest.raises(EditError):
        change_lead(world, plan, solver, grid.grid_id, "H3")  # a hospital of another district
    with pytest.raises(EditError):
        change_lead(world, plan, solver, grid.grid_id, "nobody")


def test_repropose_keeps_locked_grids_and_edits(two_districts):
    world, solver, plan, _ = two_districts
    grids_a = [g.grid_id for g in plan.grids if g.district_code == "A"]
    locked = lock_grids(plan, [grids_a[0]])
    assert set(locked.units_of(grids_a[0])) <= locked.locked
    again = repropose(world, locked, solver)
    assert again.units_of(grids_a[0]) == locked.units_of(grids_a[0])
    only_b = repropose(world, locked, solver, ["B"])
    assert {u: g for u, g in only_b.assignment.items() if u.startswith("A")} == \
        {u: g for u, g in locked.assignment.items() if u.startswith("A")}


def test_a_split_grid_is_flagged_and_the_place_leads_to_its_units(two_districts):
    world, _, plan, _ = two_districts
    grid = next(g for g in plan.grids if g.district_code == "A")
    members = set(plan.units_of(grid.grid_id))
    other = next(g.grid_id for g in plan.grids if g.district_code == "A" and g.grid_id != grid.grid_id)
    # move a band of units across the grid's middle to the other grid until it falls apart
    for unit in sorted(members):
        trial, _ = assign(world, plan, [unit], other)
        found = judge(world, trial, band=(0, 1e9)).rule("G6").violations
        if found:
            violation = found[0]
            (cut,) = violation.place.grids
            flagged = units_at(world, trial, violation.place)
            assert flagged and set(flagged) == set(violation.place.units) < set(trial.units_of(cut))
            healed, _ = assign(world, trial, [unit], grid.grid_id)
            assert not judge(world, healed, band=(0, 1e9)).rule("G6").violations
            break
    else:
        pytest.fail("no single move cut a grid")
    assert units_at(world, plan, Place(units=("A-0000", "A-0101"))) == ["A-0000", "A-0101"]
    assert set(units_at(world, plan, Place(districts=("B",)))) == {u for u in plan.assignment if u.startswith("B")}
    assert units_at(world, plan, Place()) == []


def test_undo_and_redo_are_rebuilt_from_the_log():
    def log(*actions):
        return [{"version": v, "action": a} for v, a in actions]

    assert undo_redo(log((1, "create"))) == (None, None)
    edits = [(1, "create"), (2, "assign"), (3, "lock"), (3, "rename")]
    assert undo_redo(log(*edits)) == (2, None)
    assert undo_redo(log(*edits, (4, "undo"))) == (1, 3)  # 4 holds 2's content
    assert undo_redo(log(*edits, (4, "undo"), (5, "undo"))) == (None, 4)
    assert undo_redo(log(*edits, (4, "undo"), (5, "undo"), (6, "redo"))) == (5, 3)
    assert undo_redo(log(*edits, (4, "undo"), (5, "assign"))) == (4, None)  # a new edit clears redo


def test_undo_redo_through_the_store(tmp_path, two_districts):
    world, _, plan, _ = two_districts
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("p", "default", plan_to_dict(plan), author="a")
    unit = "A-0000"
    other = next(g.grid_id for g in plan.grids if g.district_code == "A" and g.grid_id != plan.assignment[unit])
    edited, _ = assign(world, plan, [unit], other)
    store.save(plan_id, plan_to_dict(edited), expected_version=1, author="a", action="assign")
    back, forward = undo_redo(store.history(plan_id))
    assert (back, forward) == (1, None)
    store.save(plan_id, store.load(plan_id, back)[1], expected_version=2, author="a", action="undo")
    assert plan_from_dict(store.load(plan_id)[1]).assignment[unit] == plan.assignment[unit]
    back, forward = undo_redo(store.history(plan_id))
    assert (back, forward) == (None, 2)
    store.save(plan_id, store.load(plan_id, forward)[1], expected_version=3, author="a", action="redo")
    assert plan_from_dict(store.load(plan_id)[1]).assignment[unit] == other


def test_picking_units_by_click_and_drawn_shape(two_districts):
    _, _, _, units = two_districts
    first = units.geometry.iloc[0]
    p = first.representative_point()
    assert unit_at(units, p.x, p.y) == units["unit_code"].iloc[0]
    assert unit_at(units, 0.0, 0.0) is None
    box = shapely.box(*units.geometry.iloc[0].buffer(1e-6).bounds)
    assert units_within(units, shapely.geometry.mapping(box)) == [units["unit_code"].iloc[0]]
    whole = shapely.geometry.mapping(shapely.box(*units.total_bounds))
    assert len(units_within(units, whole)) == len(units)
    assert units_within(units, {"type": "Point", "coordinates": [p.x, p.y]}) == []
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [200, 60], [200, 0], [0, 60], [0, 0]]]}
    assert len(units_within(units, bow_tie)) >= 0  # repaired, not a crash
    assert bounds_of(units, {units["unit_code"].iloc[0]}) == pytest.approx(tuple(first.bounds))
    assert bounds_of(units, {"nope"}) is None


def test_pairings_travel_with_the_plan(two_districts):
    _, _, plan, _ = two_districts
    paired = plan.with_pairings([PlanPairing("CITY", "B", "technical_support", True), PlanPairing("CITY", "A", "tcm")])
    again = plan_from_dict(plan_to_dict(paired))
    assert again.pairings == paired.pairings and again.pairings[0].district_code == "A"
    assert band_deviation(25_000, BAND) == 0.25 and band_deviation(500, BAND) == -0.5 and band_deviation(5_000, BAND) == 0


# --- the page, with a stand-in for the map ------------------------------------------------------

@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    calls = []

    def fake_map(fig, key=None, **kwargs):
        calls.append({"key": key, **kwargs})
        return None

    monkeypatch.setattr(streamlit_folium, "st_folium", fake_map)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/workspace.py")
    return at, calls


def _first_plan(at) -> tuple[str, PlanStore]:
    """Open the workspace, create the first plan; its id and the store."""
    at.run()
    at.button(key="ws_first_plan").click().run()
    assert not at.exception
    return at.query_params["plan"], PlanStore(data_dir() / "plans.sqlite")


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_workspace_creates_a_plan_and_edits_it_with_clicks_undo_and_redo(page):
    at, calls = page
    at.run()
    assert not at.exception and "还没有方案" in at.info[0].value
    at.button(key="ws_first_plan").click().run()
    assert not at.exception
    plan_id = at.query_params["plan"]
    assert plan_id and {m.label: m.value for m in at.metric}["违反规则（错误）"] == "0"
    assert calls[-1]["key"] == "ws-map-default" and calls[-1]["feature_group_to_add"]
    store = PlanStore(data_dir() / "plans.sqlite")
    plan = plan_from_dict(store.load(plan_id)[1])
    assert plan.pairings  # the proposal's pairings are part of the plan

    # a click on a unit selects it
    units = load_default().units
    target = units[units["district_code"] == "310118"].iloc[0]
    point = target.geometry.representative_point()
    at.session_state["ws-map-default"] = {"last_object_clicked": {"lat": point.y, "lng": point.x},
                                          "last_object_clicked_count": 1, "all_drawings": None}
    at.run()
    assert not at.exception
    assert any("1 个单元" in m.value for m in at.markdown)
    current = plan.assignment[target["unit_code"]]
    other = next(g.grid_id for g in plan.grids if g.district_code == "310118" and g.grid_id != current)
    at.selectbox(key="ws_target").set_value(other)
    _button(at, "划入").click().run()
    assert not at.exception
    version, payload = store.load(plan_id)
    assert version == 2 and payload["assignment"][target["unit_code"]] == other
    assert target["unit_code"] in payload["locked"]
    assert store.history(plan_id)[-1]["action"] == "assign"
    at.selectbox(key=f"ws-chart-{plan_id}").set_value("310118").run()  # the population bars follow the edit
    people = dict(zip(units["unit_code"], units["population"]))
    after = sum(people[u] for u, g in payload["assignment"].items() if g == other)
    rows = pd.concat([pyarrow.ipc.open_stream(d.data.data).read_pandas() for c in at.get("vega_lite_chart")
                      for d in c.proto.datasets if d.data.data])
    bars = rows.dropna(subset=["name"]) if "name" in rows else rows.iloc[0:0]
    assert bars.loc[bars["name"].str.endswith(other), "population"].tolist() == [after]

    at.button(key="ws_undo").click().run()
    assert store.load(plan_id)[1]["assignment"][target["unit_code"]] == current
    at.button(key="ws_redo").click().run()
    assert store.load(plan_id)[1]["assignment"][target["unit_code"]] == other
    assert [e["action"] for e in store.history(plan_id)] == ["create", "assign", "undo", "redo"]

    # a drawn rectangle selects the units inside it
    box = shapely.geometry.mapping(shapely.box(*units[units["district_code"] == "310118"].total_bounds))
    at.session_state["ws-map-default"] = {"last_object_clicked": {"lat": point.y, "lng": point.x},
                                          "last_object_clicked_count": 1,
                                          "all_drawings": [{"type": "Feature", "properties": {}, "geometry": box}]}
    at.run()
    n = len(units_within(units, box))
    assert n > 10 and any(f"{n} 个单元" in m.value for m in at.markdown)


def test_a_save_on_top_of_someone_elses_is_refused_and_reloadable(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    version, payload = store.load(plan_id)
    store.save(plan_id, {**payload, "locked": ["310101001"]}, expected_version=version, author="李四",
               action="lock")  # another planner
    units = load_default().units
    _click(at, units, units["unit_code"].iloc[40], 1)
    _button(at, "锁定").click().run()
    assert not at.exception
    assert any("保存被拒绝" in e.value for e in at.error)
    assert store.history(plan_id)[-1]["author"] == "李四"  # nothing overwritten
    _button(at, "载入最新版本").click().run()
    assert not any("保存被拒绝" in e.value for e in at.error)
    _button(at, "锁定").click().run()
    assert store.history(plan_id)[-1]["action"] == "lock" and store.history(plan_id)[-1]["author"] != "李四"
    assert set(plan_from_dict(store.load(plan_id)[1]).locked) == {"310101001", units["unit_code"].iloc[40]}


def _click(at, pkg_units, code: str, count: int) -> None:
    point = pkg_units.loc[pkg_units["unit_code"] == code].geometry.iloc[0].representative_point()
    at.session_state["ws-map-default"] = {"last_object_clicked": {"lat": point.y, "lng": point.x},
                                          "last_object_clicked_count": count, "all_drawings": None}
    at.run()
    assert not at.exception


@pytest.mark.slow
def test_paint_mode_assigns_each_clicked_unit_and_lead_mode_moves_a_lead(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    plan = plan_from_dict(store.load(plan_id)[1])
    units = load_default().units
    code = units[units["district_code"] == "310118"]["unit_code"].iloc[0]
    other = next(g.grid_id for g in plan.grids if g.district_code == "310118" and g.grid_id != plan.assignment[code])

    at.radio(key="ws_mode").set_value("paint").run()
    at.selectbox(key="ws_paint").set_value(other).run()
    _click(at, units, code, 1)
    assert plan_from_dict(store.load(plan_id)[1]).assignment[code] == other
    assert store.history(plan_id)[-1]["action"] == "assign"

    # lead mode: click a grid, then a free lead candidate of its district
    at.radio(key="ws_mode").set_value("lead").run()
    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities, island_link_km=pkg.config.island_link_km)
    plan = plan_from_dict(store.load(plan_id)[1])
    grid = plan.grid_by_id[plan.assignment[code]]
    leading = {g.lead_facility_code for g in plan.grids}
    free = next(c for j, c in enumerate(world.lead_codes) if world.lead_district[j] == "310118" and c not in leading)
    _click(at, units, code, 2)
    assert any(grid.grid_id in i.value.replace("\\", "") for i in at.info)  # step 2 names the grid (escaped as markdown)
    spot = pkg.facilities.loc[pkg.facilities["facility_code"] == free].geometry.iloc[0]
    at.session_state["ws-map-default"] = {"last_object_clicked": {"lat": spot.y, "lng": spot.x},
                                          "last_object_clicked_count": 3, "all_drawings": None}
    at.run()
    assert not at.exception
    after = plan_from_dict(store.load(plan_id)[1])
    assert after.grid_by_id[grid.grid_id].lead_facility_code == free
    assert store.history(plan_id)[-1]["action"] == "lead"
    lead_unit = str(world.unit_codes[world.lead_unit[list(world.lead_codes).index(free)]])
    assert after.assignment[lead_unit] == grid.grid_id  # G3 holds after the move


def test_pairings_reoptimised_and_plans_renamed_copied_deleted(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    _button(at, "保留固定结对，重新优化其余").click().run()
    assert not at.exception
    assert any("没有变化" in i.value for i in at.info)  # the same optimum: no empty version
    assert [e["action"] for e in store.history(plan_id)] == ["create"]

    at.text_input(key=f"ws_rename_{plan_id}").set_value("东片方案").run()
    _button(at, "重命名").click().run()
    assert store.plans("default")[0]["name"] == "东片方案"
    _button(at, "另存为副本").click().run()
    copy_id = at.query_params["plan"]
    assert copy_id != plan_id and {p["plan_id"] for p in store.plans("default")} == {plan_id, copy_id}
    assert next(b for b in at.button if b.label == "删除方案").disabled  # not without the confirmation
    at.checkbox(key=f"ws_sure_{copy_id}").check().run()
    _button(at, "删除方案").click().run()
    assert [p["plan_id"] for p in store.plans("default")] == [plan_id]
    assert at.query_params["plan"] == plan_id
    assert store.load(copy_id.strip(), 1)  # deleted plans keep their versions


def test_leads_sharing_a_unit_are_not_offered_and_gone_leads_are_named(two_districts):
    world, solver, plan, _ = two_districts
    # a second hospital in the unit of a current lead may not lead a new grid (G3)
    units, districts, facilities = lattice({"A": (0, 0, 4, 4)}, leads=[("A", 0, 0), ("A", 0, 0), ("A", 3, 3)])
    shared = build_world(units, districts, facilities)
    base = GridSolver(band=BAND, counts={"A": 2}).solve(shared).plan
    leading = {g.lead_facility_code for g in base.grids}
    twin = next(c for c in ("H0", "H1") if c not in leading) if not {"H0", "H1"} <= leading else None
    if twin:
        assert twin not in free_leads(shared, base, "A")
        with pytest.raises(EditError):
            new_grid(shared, base, [], twin)
    # a plan whose lead is gone from the data: re-proposing names it instead of crashing
    gone = plan.with_lead(plan.grids[0].grid_id, "H-GONE")
    with pytest.raises(InfeasiblePlanError) as caught:
        repropose(world, gone, solver)
    assert "H-GONE" in caught.value.messages["en"] and caught.value.rules == ("G3",)


def test_repropose_in_one_district_places_units_the_plan_does_not_know(two_districts):
    world, solver, plan, _ = two_districts
    b_unit = next(u for u in plan.assignment if u.startswith("B"))
    assignment = dict(plan.assignment)
    del assignment[b_unit]  # as if the unit were renamed in the data since
    partial = Plan(assignment, plan.grids)
    again = repropose(world, partial, solver, ["A"])
    assert again.assignment[b_unit] in again.grid_by_id
    assert not judge(world, again).rule("G1").violations


def test_fixed_pairings_keep_their_role_when_the_rest_is_reoptimised(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    plan = plan_from_dict(store.load(plan_id)[1])
    general = next(p for p in plan.pairings if p.role == "technical_support")
    fixed = [replace(p, fixed=True, role="main_support") if p == general else p for p in plan.pairings]
    version = store.save(plan_id, plan_to_dict(plan.with_pairings(fixed)), expected_version=1, author="t", action="pairings")
    at.session_state["ws_working"] = None  # as a new session would, open the plan at its latest version
    at.run()
    assert at.session_state["ws_working"].version == version
    _button(at, "保留固定结对，重新优化其余").click().run()
    assert not at.exception
    after = plan_from_dict(store.load(plan_id)[1])
    kept = next(p for p in after.pairings if (p.hospital_code, p.district_code) == (general.hospital_code, general.district_code))
    assert kept.fixed and kept.role == "main_support"


def test_junk_from_the_browser_is_ignored_and_an_edit_on_a_deleted_plan_is_reported(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    for event in ({"all_drawings": [{}]}, {"all_drawings": [{"geometry": {"type": "Polygon"}}]},
                  {"all_drawings": [{"geometry": {"type": "Point", "coordinates": [float("nan"), 1]},
                                     "properties": {"ylt_lead_grid": "310118-G01"}}]},
                  {"last_object_clicked": {"lat": "x", "lng": None}, "last_object_clicked_count": 5},
                  {"last_object_clicked": {"lat": float("nan"), "lng": 121.2}, "last_object_clicked_count": 6}):
        at.session_state["ws-map-default"] = event
        at.run()
        assert not at.exception, event
    assert [e["action"] for e in store.history(plan_id)] == ["create"]
    _button(at, "围绕锁定重新生成").click().run()  # the proposal again: nothing changes, nothing saved
    assert [e["action"] for e in store.history(plan_id)] == ["create"]
    assert any("没有变化" in i.value for i in at.info)
    units = load_default().units
    _click(at, units, units["unit_code"].iloc[3], 7)
    store.delete(plan_id, author="李四")  # someone else deletes the plan
    _button(at, "锁定").click().run()
    assert not at.exception
    assert any("已被他人删除" in e.value for e in at.error)
    assert "还没有方案" in at.info[-1].value  # the only plan is gone: the page offers a new one


def test_workspace_renders_the_real_map_for_one_lead_per_district(tmp_path, monkeypatch):
    """With the real map component (no stand-in): every hospital that may lead leads a grid, so
    there is no hollow candidate to draw."""
    from conftest import write_world
    from geodata.store import save_upload

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    world = write_world(tmp_path / "w")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["data"] = package_id
    at.switch_page("pages/workspace.py")
    at.run()
    at.button(key="ws_first_plan").click().run()
    assert not at.exception
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception


@pytest.mark.slow
def test_review_page_shows_figures_cards_compare_and_makes_a_filing(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    units = load_default().units
    _click(at, units, units["unit_code"].iloc[40], 1)
    _button(at, "锁定").click().run()
    at.switch_page("pages/review.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["网格数"] == "52" and metrics["规则通过"] == "12 / 12" and "万" in metrics["常住人口"]
    assert any("310101-G01" in m.value for m in at.markdown)  # a card per grid
    at.selectbox[1].set_value(1).run()  # version 1 under review
    assert not at.exception
    at.segmented_control(key="review_view").set_value("compare").run()
    assert not at.exception
    compared = {m.label: m.value for m in at.metric}
    assert compared["调整网格的单元"] == "0"  # v1 against v1 (its own previous does not exist): nothing moved
    at.selectbox[1].set_value(2).run()
    at.selectbox(key="cmp_version").set_value(1).run()
    assert {m.label: m.value for m in at.metric}["调整网格的单元"] == "0"  # a lock moves no unit
    at.segmented_control(key="review_view").set_value("export").run()
    at.radio(key="review_kind").set_value("filing").run()
    # made as soon as the format is chosen; the demo data takes a confirmation before it is filed
    at.checkbox(key=f"review_confirm_{plan_id}_2").check().run()
    assert not at.exception
    download = at.get("download_button")
    assert download and not download[0].proto.disabled


@pytest.mark.slow
def test_a_full_disk_or_read_only_store_is_reported_and_the_plan_kept(page, monkeypatch):
    import sqlite3

    import geodata.plans as plans

    at, _ = page
    plan_id, store = _first_plan(at)
    units = load_default().units
    _click(at, units, units["unit_code"].iloc[5], 1)
    real = sqlite3.connect
    monkeypatch.setattr(plans.sqlite3, "connect", lambda path, *a, **k: real(f"file:{path}?mode=ro", *a, uri=True, **k))
    _button(at, "锁定").click().run()
    assert not at.exception
    assert any("无法保存方案" in e.value for e in at.error)
    monkeypatch.setattr(plans.sqlite3, "connect", real)
    assert store.load(plan_id)[0] == 1 and store.integrity() == "ok"
    _button(at, "锁定").click().run()  # space again: the same edit goes through
    assert store.load(plan_id)[0] == 2


def test_assigning_units_to_the_grid_they_are_in_is_answered_not_silent(page):
    at, _ = page
    plan_id, store = _first_plan(at)
    plan = plan_from_dict(store.load(plan_id)[1])
    units = load_default().units
    target = units[units["district_code"] == "310118"].iloc[2]
    _click(at, units, target["unit_code"], 1)
    at.selectbox(key="ws_target").set_value(plan.assignment[target["unit_code"]])
    at.checkbox(key="ws_lock_on_assign").uncheck()
    _button(at, "划入").click().run()
    assert not at.exception
    assert any("没有变化" in i.value for i in at.info)  # said, and no empty version saved
    assert [e["action"] for e in store.history(plan_id)] == ["create"]


def test_a_violation_of_many_units_outlines_and_zooms_to_every_one(page):
    """Eight units of two far-apart districts left out of every grid (G1): the map outlines all
    eight in red and 定位 frames all eight, not only the five its message names."""
    import json

    from ui.maps import UNIT_STYLES

    at, calls = page
    plan_id, store = _first_plan(at)
    units = load_default().units
    plan = plan_from_dict(store.load(plan_id)[1])
    codes = units["unit_code"].astype(str)
    left = [*codes[units["district_code"] == "310101"][:4], *codes[units["district_code"] == "310151"][:4]]
    assignment = {u: g for u, g in plan.assignment.items() if u not in left}
    store.save(plan_id, {**plan_to_dict(plan), "assignment": assignment}, expected_version=1, author="t", action="assign")
    at.session_state["ws_working"] = None  # open the plan at its latest version
    at.run()
    assert not at.exception
    assert any(e.value.startswith("G1") and "…" in e.value for e in at.error)  # the message names five
    styles = calls[-1]["feature_group_to_add"][0]
    script = next(iter(styles._children.values())).code
    rows = json.loads(script[script.index("var R=") + 6:script.index(";var S=")])
    red = list(UNIT_STYLES).index("flagged")
    assert set(left) <= {c for c, r in zip(codes, rows) if r[2] == red}  # (cut grids add their own)

    at.button(key="ws_zoom_0").click().run()
    assert not at.exception
    west, south, east, north = bounds_of(units, set(left))
    centre = at.session_state["ws_view"]["center"]
    assert centre[0] == pytest.approx((south + north) / 2, abs=1e-6) and centre[1] == pytest.approx((west + east) / 2)
    five = bounds_of(units, set(left[:5]))
    assert (five[0] + five[2]) / 2 != pytest.approx(centre[1], abs=1e-3)  # the first five alone sit elsewhere

    # the review: the rules with errors and warnings apart, and the broken grid's card names its rule
    at.switch_page("pages/review.py").run()
    assert not at.exception
    rules = at.dataframe[0].value
    assert list(rules.columns[-2:]) == ["错误", "警告"] and rules.set_index("ID").loc["G1", "错误"] == 1
    cards = [m.value for m in at.markdown if "ylt-card" in m.value]
    assert any("310151-G01" in c and "待解决：G6" in c for c in cards)
    assert any(e.value.startswith("G1") for e in at.error)


def test_lead_units_are_the_units_painting_would_take_from_their_lead(two_districts):
    """涂色 and 划入 refuse, before saving, to move a lead's own unit out of its grid (G3)."""
    from ui.editor import lead_units

    world, _, plan, _ = two_districts
    leads = {g.grid_id: g.lead_facility_code for g in plan.grids if g.district_code == "A"}
    grid, other = list(leads)[:2]
    own = str(world.unit_codes[world.lead_unit[list(world.lead_codes).index(leads[grid])]])
    plain = next(u for u, g in plan.assignment.items() if g == grid and u != own and u.startswith("A")
                 and u not in {str(world.unit_codes[j]) for j in world.lead_unit if j >= 0})
    assert lead_units(world, plan, [own, plain], other) == {own: (grid, leads[grid])}
    assert lead_units(world, plan, [own, plain], grid) == {}  # into its own grid: nothing to refuse
    assert lead_units(world, plan, [own], None) == {own: (grid, leads[grid])}  # nor into a new grid
    edited, _ = assign(world, plan, [own], other)
    assert "G3" in {v.rule for v in judge(world, edited).errors}  # what the refusal prevents
