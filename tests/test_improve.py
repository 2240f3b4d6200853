"""Improving accessibility under a budget (planning/improve.py): the mixed-integer model is exact
against every allocation of the pool on small worlds, merges rows only where that is exact unless
told, and the session gives the before and after with names first."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from planning.accessibility import CostMatrix, distance_costs, enhanced_two_sfca, step_weight
from planning.improve import Budget, merge_rows, objective_of, solve

STEPS = ((1.0, 1.0), (2.0, 0.68), (3.0, 0.22))  # km
T = 4.5


def world(seed: int, n: int = 14, existing: int = 2, candidates: int = 3):
    """``n`` demand points, ``existing`` facilities with supply and ``candidates`` new sites at
    random on a 5 km square (metres)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 5000, (n, 2))
    sites = rng.uniform(0, 5000, (existing + candidates, 2))
    demand = rng.integers(200, 3000, n).astype(float)
    supply = np.concatenate([rng.integers(0, 3, existing).astype(float), np.zeros(candidates)])
    costs = distance_costs(points, sites, STEPS[-1][0])
    costs = CostMatrix.from_pairs(costs.rows, costs.cols, costs.cost, costs.shape)
    return costs, demand, supply, np.arange(existing + candidates) >= existing


def brute_force(costs, demand, supply, candidate, budget: Budget) -> float:
    """The best objective over every whole allocation of at most ``budget.gps`` GPs (exactly, for
    spread) with at most ``budget.sites`` new sites each given at least ``site_gps``, measured by
    ``enhanced_two_sfca`` on every point."""
    m = costs.shape[1]
    best = math.inf
    for added in itertools.product(range(budget.gps + 1), repeat=m):
        total = sum(added)
        if total > budget.gps or (budget.objective == "spread" and total != budget.gps):
            continue
        opened = [j for j in range(m) if candidate[j] and added[j] > 0]
        if len(opened) > budget.sites or any(added[j] < budget.site_gps for j in opened):
            continue
        values = 10_000 * enhanced_two_sfca(costs, demand, supply + np.array(added), STEPS)
        best = min(best, objective_of(values, demand, budget.objective, T))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("objective", ["shortfall", "spread"])
def test_the_model_is_optimal_against_every_allocation(seed, objective):
    costs, demand, supply, candidate = world(seed)
    budget = Budget(gps=4, sites=1, site_gps=2, objective=objective, seconds=30)
    sol = solve(costs, demand, supply, candidate, STEPS, T, budget)
    assert sol.status == "optimal" and sol.rows in ("points", "patterns")
    assert sol.value == pytest.approx(brute_force(costs, demand, supply, candidate, budget), rel=1e-6, abs=1e-6)
    assert sol.value <= sol.start + 1e-9
    assert sol.bound <= sol.value + 1e-6 * max(1.0, sol.value)
    # what it reports is what it did: the after is the measure of the supply it added
    assert np.allclose(sol.after, 10_000 * enhanced_two_sfca(costs, demand, supply + sol.added, STEPS))
    assert sol.added.sum() <= budget.gps and len(sol.opened) <= budget.sites
    assert all(sol.added[j] >= budget.site_gps for j in sol.opened)
    assert not sol.added[candidate & ~np.isin(np.arange(len(candidate)), sol.opened)].any()


def test_a_new_site_is_opened_where_nobody_is_in_reach_and_staff_go_where_the_crowd_is():
    """Two clusters 10 km apart, each of 10,000 residents; the east one has a CHC with 2 GPs (2 per
    10,000: below 4.5), the west has no one in reach::

        west cluster (10,000)            east cluster (10,000) + CHC (2 GPs)
           x candidate                      x candidate

    With 6 GPs and new sites opening with at least 4, the best is a new site of 4 in the west and
    2 more GPs in the east: both at 4 per 10,000. The severity-weighted shortfall (quarters of 4.5
    = 1.125 with slopes 1, 2, 3, 4): before, the west 4.5 short (1.125 x 10 = 11.25) and the east
    2.5 short (1.125 + 2.25 + 0.25 x 3 = 4.125); after, both 0.5 short (0.5 each)."""
    points = np.array([[0.0, 0.0], [10_000.0, 0.0]])
    sites = np.array([[10_000.0, 0.0], [0.0, 0.0], [10_000.0, 10.0]])  # the CHC, two candidates
    costs = distance_costs(points, sites, 3.0)
    demand, supply = np.array([10_000.0, 10_000.0]), np.array([2.0, 0.0, 0.0])
    sol = solve(costs, demand, supply, np.array([False, True, True]), STEPS, T, Budget(gps=6, sites=2, site_gps=4))
    assert sol.status == "optimal"
    assert sol.added.tolist() == [2, 4, 0] and sol.opened.tolist() == [1]
    assert sol.after.tolist() == pytest.approx([4.0, 4.0])
    assert sol.start == pytest.approx(10_000 * 11.25 + 10_000 * 4.125) and sol.value == pytest.approx(2 * 10_000 * 0.5)


def test_the_shortfall_grows_more_steeply_the_deeper_it_is():
    from planning.improve import shortfall

    assert shortfall(np.array([-1.0, 0.0, 1.0, 1.125, 2.25, 4.5, 5.5]), 4.5).tolist() == pytest.approx(
        [0.0, 0.0, 1.0, 1.125, 1.125 + 2.25, 11.25, 11.25 + 4.0])


def test_nothing_to_spend_or_nobody_in_reach_changes_nothing():
    costs, demand, supply, candidate = world(5)
    sol = solve(costs, demand, supply, candidate, STEPS, T, Budget(gps=0))
    assert sol.status == "nothing" and not sol.added.any() and np.array_equal(sol.before, sol.after)
    far = distance_costs(np.array([[0.0, 0.0]]), np.array([[90_000.0, 0.0]]), 3.0)
    sol = solve(far, np.array([100.0]), np.array([1.0]), np.array([False]), STEPS, T, Budget(gps=5))
    assert sol.status == "nothing" and sol.value == sol.start == pytest.approx(100 * 11.25)


def test_points_with_the_same_pairs_are_merged_exactly_and_beyond_the_cap_by_unit_then_by_bins():
    costs, demand, supply, candidate = world(7, n=40)
    # every point split in two halves at the same place: the halves have the same pairs, so they
    # merge back into one row each and the optimum is the same
    doubled = CostMatrix.from_pairs(np.concatenate([costs.rows, costs.rows + 40]), np.tile(costs.cols, 2),
                                    np.tile(costs.cost, 2), (80, costs.shape[1]))
    budget = Budget(gps=5, sites=1, site_gps=2)
    one = solve(costs, demand, supply, candidate, STEPS, T, budget)
    two = solve(doubled, np.tile(demand, 2) / 2, supply, candidate, STEPS, T, budget)
    assert two.rows == "patterns" and two.n_rows == one.n_rows
    assert two.value == pytest.approx(one.value, rel=1e-6) and np.array_equal(two.added, one.added)
    step = np.searchsorted([1.0, 2.0, 3.0], doubled.cost)
    base = np.arange(80, dtype=float)[::-1]
    unit, district = np.arange(80) % 10, np.arange(80) % 2
    people = np.tile(demand, 2)
    row, how = merge_rows(doubled, step, people, unit, district, base, max_rows=20)
    assert how == "units" and row.max() + 1 <= 20 + 10 and (row >= 0).all()
    for r in np.unique(row):  # a row never mixes units, and holds the points of neighbouring access
        assert len(np.unique(unit[row == r])) == 1
    assert len(np.unique(row[unit == 0])) >= 2
    row, how = merge_rows(doubled, step, people, unit, district, base, max_rows=4)
    assert how == "districts" and row.max() + 1 <= 4 + 2 and (row >= 0).all()
    assert all(len(np.unique(district[row == r])) == 1 for r in np.unique(row))


@pytest.mark.parametrize("objective", ["shortfall", "spread"])
def test_merged_rows_give_a_bound_below_the_true_optimum(objective):
    """Both objectives are convex in the access, so the merged model's bound is below the best
    plan measured on every point (found here by brute force): the gap reported is a proof."""
    costs, demand, supply, candidate = world(13, n=30)
    budget = Budget(gps=4, sites=1, site_gps=2, objective=objective, seconds=30)
    sol = solve(costs, demand, supply, candidate, STEPS, T, budget, unit=np.arange(30) % 5,
                district=np.zeros(30, dtype=int), max_rows=5)
    assert sol.rows == "units"
    best = brute_force(costs, demand, supply, candidate, budget)
    assert sol.bound <= best + 1e-9 <= sol.value + 1e-9
    assert sol.gap == pytest.approx((sol.value - sol.bound) / sol.value)


def test_a_row_merged_by_unit_is_still_solved_and_measured_on_every_point():
    costs, demand, supply, candidate = world(9, n=60)
    sol = solve(costs, demand, supply, candidate, STEPS, T, Budget(gps=6, sites=1, site_gps=2),
                unit=np.arange(60) % 6, district=np.zeros(60, dtype=int), max_rows=6)
    assert sol.rows == "units" and sol.n_rows <= 12
    assert sol.value == pytest.approx(objective_of(sol.after, demand, "shortfall", T))
    assert sol.value <= sol.start


def test_coefficients_are_one_gp_over_the_weighted_demand():
    costs, demand, supply, candidate = world(11)
    from planning.improve import coefficients

    a, _ = coefficients(costs, demand, STEPS)
    w = step_weight(costs.cost, STEPS)
    j = int(costs.cols[0])
    load = (demand[costs.rows] * w)[costs.cols == j].sum()
    assert a[0] == pytest.approx(10_000 * w[0] / load)


@pytest.fixture(scope="module")
def spread_session():
    """The embedded default with its residents spread as 8 population points per unit."""
    from dataclasses import replace

    import geopandas as gpd

    from geodata.default import load_default
    from planning.session import PlanningSession

    pkg = load_default()
    metric = pkg.units.to_crs(32651)
    pts = metric.sample_points(8, rng=np.random.default_rng(3)).explode(index_parts=False)
    points = gpd.GeoDataFrame({"population": np.ones(len(pts))}, geometry=pts.values, crs=32651).to_crs(4326)
    return PlanningSession(replace(pkg, population_points=points))


def test_the_session_improves_among_the_coverage_candidates_and_measures_the_after(spread_session):
    from planning.accessibility import equity

    session = spread_session
    better = session.improve_access(Budget(gps=12, sites=1, site_gps=6))
    access = session.accessibility()
    assert better.candidate_source == "population" and better.candidates == session.coverage(sites=3).candidate_count
    assert better.status == "optimal" and better.gps_used <= 12 and better.value <= better.start
    assert better.before == equity(access.points["e2sfca"], access.points["population"], access.points["nearest"],
                                   access.params)
    assert better.after["mean"] > better.before["mean"]
    # the actions: names first, new sites first, each one's GPs, and every one inside the city's units
    actions = better.actions
    assert list(actions.columns[:3]) == ["action", "name", "facility_code"]
    assert (actions["action"] == "new_site").sum() <= 1 and actions["gps_added"].sum() == better.gps_used
    assert actions["action"].tolist() == sorted(actions["action"], key=lambda a: a != "new_site")
    assert set(actions["unit_code"]) <= set(session.world.unit_codes) and actions["district_name"].ne("").all()
    new = actions[actions["action"] == "new_site"]
    assert (new["gps_added"] >= 6).all() and (new["gps_before"] == 0).all()
    assert better.by_ring["ring"].iloc[0] == "remote_suburb"
    assert better.by_district["residents"].sum() == pytest.approx(better.before["residents"])
    document = better.document()
    assert document["gps_used"] == better.gps_used and len(document["actions"]) == len(actions)
    assert session.improve_access(Budget(gps=12, sites=1, site_gps=6)) is better  # cached per budget
