"""Exact grids (planning/exact.py) against brute force, county alliances, neighbours by shared
edges, island links, and the access-versus-balance frontier.

Worlds are the lattices of ``tests/test_grids.py`` (1 km cells near Shanghai)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import connected_components

from planning.config import PlanConfig
from planning.errors import ConfigError
from planning.grids import GridSolver
from planning.rules import grid_rules
from planning.world import build_world
from tests.test_grids import check, invariants, lattice


def _lexicographic_optimum(world, k: int, target: float, fixed=None) -> tuple[float, float]:
    """Brute force over every contiguous plan with the leads' units in their grids (and the
    ``fixed`` units, index -> grid, in theirs): the best max/min, and the least access among
    plans within max(target, best max/min)."""
    n = world.n
    roots = [int(u) for u in world.lead_unit]
    d = np.hypot(world.xy[:, None, 0] - world.lead_xy[None, :, 0], world.xy[:, None, 1] - world.lead_xy[None, :, 1])
    free = [i for i in range(n) if i not in roots]
    plans = []
    for combo in itertools.product(range(k), repeat=len(free)):
        label = np.empty(n, dtype=int)
        label[roots] = range(k)
        label[free] = combo
        if any(label[u] != g for u, g in (fixed or {}).items()):
            continue
        if all(connected_components(world.adjacency[m][:, m], directed=False)[0] == 1
               for m in (np.flatnonzero(label == g) for g in range(k))):
            sizes = np.bincount(label, weights=world.population, minlength=k)
            plans.append((sizes.max() / sizes.min(), float((world.population * d[np.arange(n), label]).sum())))
    best_ratio = min(r for r, _ in plans)
    limit = max(target, best_ratio) + 1e-4
    return best_ratio, min(a for r, a in plans if r <= limit)


@pytest.mark.parametrize("case", range(12))
def test_exact_solver_matches_brute_force_balance_first_then_access(case):
    """Random 3x3 and 4x3 districts, heavy-tailed populations, 2-3 leads, targets 1.1 / 1.4 /
    access only: the exact solver proves optimality and matches the brute-force optimum of
    balance first (when the target cannot be met) and then access."""
    rng = np.random.default_rng(100 + case)
    cols, k = (3, 3) if case % 2 else (4, 2)
    n = cols * 3
    pops = {"A": np.round(rng.pareto(1.5, n) * 2000 + 500)}
    cells = rng.choice(n, size=k, replace=False)
    leads = [("A", int(c) // 3, int(c) % 3) for c in cells]
    world = build_world(*lattice({"A": (0, 0, cols, 3)}, pops, leads=leads))
    target = (1.1, 1.4, math.inf)[case % 3]
    proposal = GridSolver(band=(0, math.inf), counts={"A": k}, balance_target=target, exact_units=100,
                          exact_seconds=30).solve(world)
    q = proposal.quality["A"]
    best_ratio, best_access = _lexicographic_optimum(world, k, target)
    invariants(world, proposal.plan)
    assert q.method == "exact" and q.proved
    if best_ratio > target:
        assert q.balance == pytest.approx(best_ratio, rel=1e-4)
        assert q.balance_bound == pytest.approx(best_ratio, rel=1e-3)
    else:
        assert q.balance <= target + 1e-4
    assert q.access_km * world.population.sum() * 1000 == pytest.approx(best_access, rel=1e-4)
    assert q.access_bound_km <= q.access_km + 1e-9


def test_a_lock_the_plan_keeps_costs_no_solve_and_a_lock_that_moves_a_unit_is_solved_exactly(monkeypatch):
    """Locking units where the proved plan put them leaves it optimal (locks only remove
    plans): the re-proposal reuses it without a solve. Locking a unit into another grid is
    solved again, and matches brute force under that lock."""
    from planning import exact

    rng = np.random.default_rng(11)
    pops = {"A": np.round(rng.pareto(1.5, 12) * 2000 + 500)}
    world = build_world(*lattice({"A": (0, 0, 4, 3)}, pops, leads=[("A", 0, 0), ("A", 3, 2), ("A", 1, 2)]))
    solver = GridSolver(band=(0, math.inf), counts={"A": 3}, balance_target=1.1, exact_units=100, exact_seconds=30)
    first = solver.solve(world)
    calls = []
    real = exact._solve
    monkeypatch.setattr(exact, "_solve", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    leads = set(world.lead_unit.tolist())
    plain = [str(world.unit_codes[i]) for i in range(world.n) if i not in leads]
    kept = solver.solve(world, previous=first.plan.lock(plain[:3]))
    assert calls == [] and kept.plan.assignment == first.plan.assignment and kept.quality["A"].proved
    # move a unit next to another grid's lead into that grid, and lock it there
    index = {str(c): i for i, c in enumerate(world.unit_codes)}
    grid_of = {g.grid_id: n for n, g in enumerate(first.plan.grids)}
    for code in plain:
        i = index[code]
        others = [g.grid_id for g in first.plan.grids if g.grid_id != first.plan.assignment[code]
                  and world.adjacency[i, world.lead_unit[grid_of[g.grid_id]]]]
        if others:
            break
    moved = solver.solve(world, previous=first.plan.reassign({code: others[0]}).lock([code]))
    assert calls and moved.plan.assignment[code] == others[0]
    invariants(world, moved.plan)
    ratio, access = _lexicographic_optimum(world, 3, 1.1, fixed={i: grid_of[others[0]]})
    q = moved.quality["A"]
    assert q.proved and q.access_km * world.population.sum() * 1000 == pytest.approx(access, rel=1e-4)
    assert max(q.balance, 1.1) == pytest.approx(max(ratio, 1.1), rel=1e-4)


def test_exact_is_never_worse_than_the_heuristic_and_reports_its_bounds():
    """A 6x5 district, 4 leads: the exact result meets the target or is at least as balanced as
    the heuristic's, with access no worse at the same balance, and it says how sure it is."""
    rng = np.random.default_rng(5)
    pops = {"A": np.round(rng.lognormal(8, 1.2, 30))}
    leads = [("A", 0, 0), ("A", 5, 4), ("A", 2, 2), ("A", 4, 1)]
    world = build_world(*lattice({"A": (0, 0, 6, 5)}, pops, leads=leads))
    common = dict(band=(0, math.inf), counts={"A": 4}, balance_target=1.2)
    heuristic = GridSolver(**common).solve(world).quality["A"]
    exact = GridSolver(**common, exact_units=60, exact_seconds=20).solve(world).quality["A"]
    assert heuristic.method == "heuristic" and not heuristic.proved and math.isnan(heuristic.balance_bound)
    assert heuristic.access_bound_km <= heuristic.access_km
    assert exact.method == "exact"
    assert exact.balance <= max(1.2, heuristic.balance) + 1e-6
    if exact.balance_met and heuristic.balance_met:
        assert exact.access_km <= heuristic.access_km + 1e-9
    assert exact.proved or exact.gap > 0 or exact.balance_gap > 0


def _county(pops=None, leads=(("A", 0, 0), ("A", 0, 0), ("A", 3, 3)), cells=(4, 4)):
    units, districts, facilities = lattice({"A": (0, 0, *cells)}, pops, leads=list(leads), ring="county")
    return units, districts, facilities


def test_two_county_hospitals_in_the_county_seat_each_lead_an_alliance():
    """人民医院 and 中医院 both in the county seat: two alliances, each led by one of them; the
    second reaches its lead's township through a neighbour, and the plan says so (G3, a
    warning), with every rule otherwise holding."""
    units, districts, facilities = _county(leads=(("A", 0, 0), ("A", 0, 0)))
    world = build_world(units, districts, facilities)
    for exact_units in (0, 60):
        proposal = GridSolver(band=(200_000, 800_000), counts={"A": 2}, exact_units=exact_units).solve(world)
        leads = {g.lead_facility_code for g in proposal.plan.grids}
        assert leads == {"H0", "H1"}, leads  # today's error said "1 hospitals may lead"
        found = check(world, proposal.plan, grid_rules(band=(200_000, 800_000), counts={"A": 2}))
        errors = {r: [v for v in vs if v.severity == "error"] for r, vs in found.items()}
        assert not any(errors.values()), errors
        assert [v.what.code for v in found["G3"]] == ["rule.G3.lead_shares_unit"]
        assert not found["G6"]  # a county: no city band; contiguous through the lead's township


def test_county_lead_choice_weighs_beds_and_the_band_does_not_apply():
    """One alliance for a county of 16,000: the 927-bed hospital leads rather than a 352-bed one
    nearer the middle, and no warning says the county is below the city band."""
    units, districts, facilities = _county(leads=(("A", 1, 1), ("A", 3, 3)))
    facilities["beds"] = [352.0, 927.0]
    world = build_world(units, districts, facilities)
    proposal = GridSolver(band=(200_000, 800_000), counts={"A": 1}).solve(world)
    assert [g.lead_facility_code for g in proposal.plan.grids] == ["H1"]
    found = check(world, proposal.plan, grid_rules(band=(200_000, 800_000)))
    assert not found["G6"] and not found["G5"]


def test_a_county_count_the_rules_do_not_allow_gets_a_fix_that_can_work():
    units, districts, facilities = _county(leads=[("A", c, r) for c, r in ((0, 0), (3, 3), (0, 3), (3, 0), (1, 2))])
    world = build_world(units, districts, facilities)
    plan = GridSolver(band=(0, math.inf), counts={"A": 5}, county_max=3).solve(world).plan
    assert len(plan.grids) == 3
    found = check(world, plan, grid_rules(band=(0, math.inf), counts={"A": 5}))
    fixes = [v.remedy.code for v in found["G5"]]
    assert fixes == ["fix.G5.fixed_count_county"], fixes
    assert "county_alliances_reason" in found["G5"][0].remedy.render("en")


def test_county_alliances_max_above_three_needs_a_recorded_reason():
    with pytest.raises(ConfigError, match="county_alliances_reason"):
        PlanConfig.from_mapping({"rules": {"county_alliances_max": 5}})
    config = PlanConfig.from_mapping({"rules": {"county_alliances_max": 5, "county_alliances_reason": "海岛县，交通隔离"}})
    assert config.county_alliances_max == 5


def test_units_meeting_only_at_a_corner_are_not_neighbours():
    world = build_world(*lattice({"A": (0, 0, 2, 2)}, leads=[("A", 0, 0)]))
    index = world.index_of()
    a, diagonal, side = index["A-0000"], index["A-0101"], index["A-0001"]
    assert world.adjacency[a, side] and not world.adjacency[a, diagonal]
    assert world.shared_m[a, side] == pytest.approx(1000, rel=0.05)


def test_every_island_within_the_link_distance_is_linked_and_the_far_one_gets_a_possible_fix():
    """A mainland and three islands at 3, 8 and 30 km: the first two are linked (the loop no
    longer stops at the first long gap), the far one is reported with the island_link_km that
    would link it."""
    units, districts, facilities = lattice({"A": (0, 0, 2, 2)}, leads=[("A", 0, 0)])
    rows = []
    for n, gap in enumerate((3, 8, 30)):
        x = 2_000 + gap * 1000
        cell = shapely.box(350_000 + x, 3_450_000 + n * 1500, 350_000 + x + 1000, 3_450_000 + n * 1500 + 1000)
        rows.append({"unit_code": f"A-I{n}", "unit_name": "", "district_code": "A", "population": 1000.0,
                     "geometry": cell})
    import geopandas as gpd
    import pandas as pd

    islands = gpd.GeoDataFrame(rows, geometry="geometry", crs=32651).to_crs(4326)
    units = gpd.GeoDataFrame(pd.concat([units, islands], ignore_index=True), crs=4326)
    world = build_world(units, districts, facilities, island_link_km=15)
    linked = {a for a, b, _ in world.island_links} | {b for a, b, _ in world.island_links}
    assert {"A-I0", "A-I1"} <= linked and "A-I2" not in linked
    assert [(g[2] > 15) for g in world.island_gaps] == [True]
    plan = GridSolver(band=(0, math.inf)).solve(world).plan
    found = check(world, plan, grid_rules(band=(0, math.inf), island_link_km=15))
    islands_found = [v for v in found["G6"] if v.what.code == "rule.G6.island"]
    assert len(islands_found) == 1 and islands_found[0].place.units == ("A-I2",)
    need = islands_found[0].figures["gap_km"]
    assert f"{math.ceil(need * 10) / 10:g}" in islands_found[0].remedy.render("en")


def test_frontier_trades_access_for_balance_and_each_point_is_a_whole_plan():
    from geodata.synth import lattice_package
    from planning.session import PlanningSession

    session = PlanningSession(lattice_package(48, 3, seed=4))
    plan = session.propose().plan
    points = session.frontier(plan, "A", seconds=10)
    assert [p.target for p in points] == [1.05, 1.1, 1.25, 1.5, None]
    for tighter, looser in zip(points, points[1:]):
        if tighter.proved and looser.proved:
            assert tighter.access_km >= looser.access_km - 1e-9
    for p in points:
        assert p.plan.assignment.keys() == plan.assignment.keys()
        assert p.target is None or p.balance <= p.target + 1e-4 or p.balance_bound > p.target - 1e-4 or not p.proved
        assert not session.judge(p.plan).errors


def test_free_leads_show_what_the_plans_leads_cost():
    """Two grids from four hospitals: with the leads chosen freely (exactly, same count) the
    district is at least as balanced, and no worse on access at the same balance, as with the
    plan's leads; the result is a whole plan without errors, led by hospitals of the district."""
    from planning.session import PlanningSession
    from geodata.synth import lattice_package

    session = PlanningSession(lattice_package(36, 4, seed=9))
    plan = session.propose().plan
    session_counts = {g.district_code for g in plan.grids}
    for district in session_counts:
        kept = session.frontier(plan, district, targets=(session.config.grid_balance_target,), seconds=10)[0]
        free = session.free_lead_choice(plan, district, seconds=10)
        assert free.method == "free_leads" and free.proved
        assert free.balance <= max(kept.balance, session.config.grid_balance_target) + 1e-6
        if kept.proved and kept.balance <= session.config.grid_balance_target:
            assert free.access_km <= kept.access_km + 1e-9
        mine = [g for g in free.plan.grids if g.district_code == district]
        assert len(mine) == sum(g.district_code == district for g in plan.grids)
        assert {g.lead_facility_code for g in mine} <= set(session.world.lead_codes[session.world.leads_of(district)])
        assert not session.judge(free.plan).errors


def test_the_filing_report_names_a_countys_groups_county_alliances(tmp_path):
    """The PDF report's page of a county heads its table 县域医共体, a city district's 网格."""
    from conftest import collection, district_features, write_world
    from geodata.filing import build
    from geodata.package import load_package
    from geodata.report import report_html
    from planning.session import PlanningSession

    world = write_world(tmp_path / "w")
    features = district_features()
    features[1]["properties"]["ring"] = "county"
    (world / "districts.geojson").write_text(collection(features), encoding="utf-8")
    session = PlanningSession(load_package(world))
    export = build(session, session.propose().plan, {"plan_id": "c", "plan_name": "县", "version": 1})
    html = report_html(export, "zh")
    assert "<th>县域医共体</th>" in html and "<th>网格</th>" in html
    assert "<th>County alliance</th>" in report_html(export, "en")
