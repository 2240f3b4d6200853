"""Accessibility, the 2SFCA family and RAAM (issue 17): equal to PySAL ``access`` to 1e-9, hand
values on a small world, the equity measures, the neighbour search and the settings."""

from __future__ import annotations

import math
import tomllib
import warnings

import numpy as np
import pandas as pd
import pytest

from planning import accessibility as acc
from planning.accessibility import AccessParams, CostMatrix
from planning.config import PlanConfig
from planning.errors import ConfigError

access = pytest.importorskip("access")  # test dependency (requirements-dev.txt)

TOL = 1e-9


# --- PySAL access on the same inputs --------------------------------------------------------------


def pysal(costs: CostMatrix, demand, supply) -> access.Access:
    dem = pd.DataFrame({"pop": np.asarray(demand, dtype=float)}, index=pd.RangeIndex(costs.shape[0], name="geoid"))
    sup = pd.DataFrame({"doc": np.asarray(supply, dtype=float)}, index=pd.RangeIndex(costs.shape[1], name="geoid"))
    cost = pd.DataFrame({"origin": costs.rows, "dest": costs.cols, "cost": costs.cost})
    return access.Access(demand_df=dem, demand_index=True, demand_value="pop", supply_df=sup, supply_index=True,
                         supply_value="doc", cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")


def dai(d0):
    """Dai (2010)'s Gaussian weight as a scalar function for ``access`` (written apart from ours)."""
    return lambda x: (math.exp(-0.5 * (x / d0) ** 2) - math.exp(-0.5)) / (1 - math.exp(-0.5)) if x <= d0 else 0.0


def theirs(costs, demand, supply, params: AccessParams) -> dict[str, np.ndarray]:
    """Every measure as ``access`` computes it; its NaN (nothing in reach) read as our 0."""
    from access import weights

    d0 = params.catchment
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            "two_sfca": pysal(costs, demand, supply).two_stage_fca(max_cost=d0).iloc[:, 0],
            "e2sfca": pysal(costs, demand, supply).enhanced_two_stage_fca(
                weight_fn=weights.step_fn(dict(params.e2sfca_steps))).iloc[:, 0],
            "g2sfca": pysal(costs, demand, supply).two_stage_fca(max_cost=d0, weight_fn=dai(d0)).iloc[:, 0],
            "three_sfca": pysal(costs, demand, supply).three_stage_fca(
                weight_fn=weights.step_fn(dict(params.three_sfca_steps))).iloc[:, 0],
            "raam": pysal(costs.within(params.raam_reach), demand, supply).raam(
                tau=params.raam_tau, max_cycles=params.raam_cycles).iloc[:, 0],
        }
    return {k: v.reindex(range(costs.shape[0])).to_numpy() for k, v in out.items()}


def ours(costs, demand, supply, params: AccessParams) -> dict[str, np.ndarray]:
    return {"two_sfca": acc.two_sfca(costs, demand, supply, params.catchment),
            "e2sfca": acc.enhanced_two_sfca(costs, demand, supply, params.e2sfca_steps),
            "g2sfca": acc.gaussian_two_sfca(costs, demand, supply, params.catchment),
            "three_sfca": acc.three_sfca(costs, demand, supply, params.three_sfca_steps),
            "raam": acc.raam(costs.within(params.raam_reach), demand, supply, params.raam_tau,
                             cycles=params.raam_cycles)}


def assert_equal_to_access(costs, demand, supply, params) -> dict[str, float]:
    mine, ref = ours(costs, demand, supply, params), theirs(costs, demand, supply, params)
    diffs = {}
    for name in mine:
        nothing = np.isnan(ref[name])  # access: NaN where nothing is in reach
        assert np.isfinite(mine[name][~nothing]).all(), name
        if name == "raam":
            assert np.isinf(mine[name][nothing]).all(), name
        else:
            assert (mine[name][nothing] == 0).all(), name
        diffs[name] = float(np.abs(mine[name][~nothing] - ref[name][~nothing]).max())
        scale = np.abs(ref[name][~nothing]).max()
        assert scale > 0 and (~nothing).sum() > 0.5 * len(nothing), name  # the comparison compared something
        # to 1e-9, and to 1e-9 of the largest value (2SFCA values are GPs per resident, ~1e-4)
        assert diffs[name] <= TOL * min(1.0, scale), (name, diffs[name])
        assert np.unique(ref[name][~nothing]).size > 1, name
    return diffs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equal_to_pysal_access_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    n, m = 400, 50
    points, sites = rng.uniform(0, 60_000, (n, 2)), rng.uniform(0, 60_000, (m, 2))
    demand = rng.integers(1, 8_000, n).astype(float)  # whole residents: RAAM moves whole residents
    supply = rng.integers(1, 40, m).astype(float)
    params = AccessParams.from_config(PlanConfig(), minutes=False)  # km: d0 10 km, RAAM reach 20 km
    costs = acc.distance_costs(points, sites, params.reach, detour=1.3)
    assert len(costs.cost) > 5 * n
    assert_equal_to_access(costs, demand, supply, params)


def test_equal_to_pysal_access_in_minutes_with_the_papers_steps():
    """The default steps in minutes (Luo & Qi; Wan et al.), costs drawn at random up to 60 min."""
    rng = np.random.default_rng(7)
    n, m = 300, 30
    rows, cols = np.divmod(rng.choice(n * m, size=n * m // 3, replace=False), m)
    costs = CostMatrix.from_pairs(rows, cols, rng.uniform(0, 60, len(rows)), (n, m))
    demand, supply = rng.integers(1, 5_000, n).astype(float), rng.integers(1, 25, m).astype(float)
    assert_equal_to_access(costs, demand, supply, AccessParams())


@pytest.fixture(scope="module")
def shanghai():
    from geodata.default import load_default
    from planning.coverage import Facilities
    from planning.world import build_world

    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    return world, Facilities.from_frame(pkg.facilities, world.crs), pkg.config


def test_equal_to_pysal_access_on_the_default(shanghai):
    """Shanghai's units (their residents, whole) and its CHCs and THCs (GPs, else physicians),
    over straight-line km times the detour factor."""
    world, fac, config = shanghai
    sites = fac.of(("chc", "thc"))
    sites = sites[np.isfinite(fac.clinicians[sites]) & (fac.clinicians[sites] > 0)]
    params = AccessParams.from_config(config, minutes=False)
    costs = acc.distance_costs(world.xy, fac.xy[sites], params.reach, detour=config.detour_factor)
    demand = np.round(world.population)
    assert len(sites) > 100 and len(costs.cost) > 1000
    assert_equal_to_access(costs, demand, fac.clinicians[sites], params)
    # normalised as access normalises (demand-weighted mean 1)
    two = acc.two_sfca(costs, demand, fac.clinicians[sites], params.catchment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysal(costs, demand, fac.clinicians[sites]).two_stage_fca(max_cost=params.catchment, normalize=True)
    ref = ref.iloc[:, 0].reindex(range(len(demand))).to_numpy()
    seen = np.isfinite(ref)
    assert np.abs(acc.normalised(two, demand)[seen] - ref[seen]).max() <= TOL


# --- hand values ----------------------------------------------------------------------------------


def three_by_three() -> tuple[CostMatrix, np.ndarray, np.ndarray]:
    """A 3 x 3 world, 1 km apart; residents at every point, two facilities (F1: 2 GPs, F2: 1 GP)::

        y=2   d7 (100)    d8 (200)    d9 (100) F2
        y=1   d4 (200)    d5 (400)    d6 (200)
        y=0   d1 (100) F1 d2 (200)    d3 (100)
              x=0         x=1         x=2

    Costs are straight-line km; everything within 1.5 km of a facility is in the matrix."""
    xy = np.array([(x, y) for y in range(3) for x in range(3)], dtype=float) * 1000
    sites = np.array([[0, 0], [2000, 2000]], dtype=float)
    costs = acc.distance_costs(xy, sites, 1.5)
    return costs, np.array([100, 200, 100, 200, 400, 200, 100, 200, 100], dtype=float), np.array([2.0, 1.0])


def test_the_three_by_three_world_by_hand():
    costs, demand, supply = three_by_three()
    # F1 reaches d1 (0 km), d2, d4 (1 km), d5 (1.414 km); F2 reaches d9, d8, d6, d5; d3 and d7 neither
    assert sorted(zip(costs.rows.tolist(), costs.cols.tolist())) == [
        (0, 0), (1, 0), (3, 0), (4, 0), (4, 1), (5, 1), (7, 1), (8, 1)]
    # 2SFCA, d0 = 1.5: each facility's catchment holds 900 residents: R1 = 2/900, R2 = 1/900
    two = acc.two_sfca(costs, demand, supply, 1.5)
    assert two == pytest.approx(np.array([2, 2, 0, 2, 3, 1, 0, 1, 1]) / 900, abs=1e-15)
    # E2SFCA, steps 0.5 / 1.0 / 1.5 km -> 1 / 0.5 / 0.25 (a cost on a break takes that step):
    # F1's weighted residents 100 + 100 + 100 + 100 = 400 -> R1 = 1/200; F2's likewise -> R2 = 1/400
    steps = ((0.5, 1.0), (1.0, 0.5), (1.5, 0.25))
    e2 = acc.enhanced_two_sfca(costs, demand, supply, steps)
    assert e2 == pytest.approx([0.005, 0.0025, 0, 0.0025, 0.25 / 200 + 0.25 / 400, 0.00125, 0, 0.00125, 0.0025],
                               abs=1e-15)
    # 3SFCA, same steps: d5 splits its choice (G = 0.5 to each); F1's load 100 + 100 + 100 + 50 = 350
    three = acc.three_sfca(costs, demand, supply, steps)
    assert three * 350 == pytest.approx([2, 1, 0, 1, 0.375, 0.5, 0, 0.5, 1], abs=1e-12)
    # Gaussian 2SFCA, d0 = 1.5 km: weights 1 at the door, g(1) and g(sqrt 2) between, 0 at d0
    g = lambda d: (math.exp(-0.5 * (d / 1.5) ** 2) - math.exp(-0.5)) / (1 - math.exp(-0.5))  # noqa: E731
    load = 100 + 2 * 200 * g(1) + 400 * g(math.sqrt(2))  # the same for both facilities
    gauss = acc.gaussian_two_sfca(costs, demand, supply, 1.5)
    assert gauss[0] == pytest.approx(2 / load, rel=1e-12)
    assert gauss[4] == pytest.approx(g(math.sqrt(2)) * 3 / load, rel=1e-12)
    assert gauss[2] == gauss[6] == 0
    assert acc.gaussian_weight(np.array([0.0, 1.5, 2.0]), 1.5) == pytest.approx([1, 0, 0], abs=1e-15)
    # every measure hands out exactly the supply it can reach: sum_i P_i A_i = total supply
    for values in (two, e2, three, gauss):
        assert (demand * values).sum() == pytest.approx(supply.sum(), rel=1e-12)


def test_raam_by_hand():
    """One point of 10 residents 1 km from one facility, tau = 2 km: rho = 10 / S makes the
    congestion 1, so the cost is 1 / 2 + 1. Two such points by two facilities stay at the nearest;
    ``rho`` counts every resident, also the 10 with nothing in reach (as ``access``): 30 / 8, so each
    facility's congestion is 10 / (4 x 30 / 8) = 2/3. A point of no residents faces the cheapest
    cost; a point with nothing in reach, infinity."""
    one = CostMatrix.from_pairs([0], [0], [1.0], (1, 1))
    assert acc.raam(one, [10], [3], tau=2) == pytest.approx([1.5])
    twins = CostMatrix.from_pairs([0, 0, 1, 1, 2], [0, 1, 0, 1, 1], [1.0, 5.0, 5.0, 1.0, 2.0], (4, 2))
    out = acc.raam(twins, [10, 10, 0, 10], [4, 4], tau=2)
    assert out[:2] == pytest.approx([1 / 2 + 2 / 3] * 2)
    assert out[2] == pytest.approx(2 / 2 + 2 / 3) and out[3] == math.inf


def pysal_raam(costs: CostMatrix, demand, supply, tau: float) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysal(costs, demand, supply).raam(tau=tau).iloc[:, 0]
    return ref.reindex(range(costs.shape[0])).to_numpy()


@pytest.mark.parametrize("block_slots", [1, 1024, 10**9])  # a band per row length, the default, one band
def test_raam_equal_to_access_with_ties_and_uneven_rows(monkeypatch, block_slots):
    """Facilities in pairs at one address with the same supply (exact ties of cost: the first
    facility wins, as numpy's argmin/argmax on ``access``'s dense rows), points with from 1 to 60
    facilities in reach (rows of many lengths, padded into bands), whatever the banding."""
    monkeypatch.setattr(acc, "BLOCK_SLOTS", block_slots)
    rng = np.random.default_rng(11)
    n = 600
    sites = np.repeat(np.vstack([rng.uniform(0, 40_000, (30, 2)), rng.normal(20_000, 2_000, (15, 2))]), 2, axis=0)
    supply = np.repeat(rng.integers(1, 20, 45), 2).astype(float)
    points = np.vstack([rng.uniform(0, 40_000, (n - 100, 2)), rng.normal(20_000, 1_500, (100, 2))])
    costs = acc.distance_costs(points, sites, 9.0)
    demand = rng.integers(1, 3_000, n).astype(float)
    lengths = np.bincount(costs.rows, minlength=n)
    assert lengths.max() >= 40 and (lengths == 2).any() and len(np.unique(lengths)) > 15, np.unique(lengths)
    mine, ref = acc.raam(costs, demand, supply, tau=6.0), pysal_raam(costs, demand, supply, 6.0)
    seen = np.isfinite(ref)
    assert seen.sum() > 0.8 * n and np.isinf(mine[~seen]).all()
    assert np.abs(mine[seen] - ref[seen]).max() <= TOL


def test_raam_row_minima_and_held_maxima_are_numpys_on_dense_rows(monkeypatch):
    """The cheapest slot of each row and the costliest held one, on values full of ties (small
    whole numbers): numpy's argmin / masked argmax on the dense rows, the first of equals."""
    monkeypatch.setattr(acc, "BLOCK_SLOTS", 8)
    rng = np.random.default_rng(13)
    n, m = 200, 12
    dense = rng.integers(0, 4, (n, m)).astype(float)
    reach = rng.random((n, m)) < 0.6
    reach[np.arange(n), rng.integers(0, m, n)] = True
    rows, cols = np.nonzero(reach)
    layout = acc._RaamLayout.of(rows, cols, dense[rows, cols], np.ones(n), m)
    assert len(layout.blocks) > 3
    given = np.full(len(layout.cols), -1)  # the given row of each slot
    for first, count, at, width in layout.blocks:
        given[at:at + count * width] = np.tile(layout.order[first:first + count], width)
    real = np.isfinite(layout.travel)
    assert sorted(zip(given[real], layout.cols[real])) == sorted(zip(rows, cols))
    cheapest = layout.row_arg(layout.travel, np.empty(n, dtype=np.intp)).copy()
    assert (given[cheapest] == layout.order).all()
    assert (layout.cols[cheapest] == np.ma.masked_array(dense, ~reach).argmin(axis=1)[layout.order]).all()
    # hold the cheapest and some of the rest, one more a row at a time as the cycles do
    holding = acc._Holding(cheapest, len(layout.cols))
    held = np.zeros((n, m), dtype=bool)
    held[layout.order, layout.cols[cheapest]] = True
    for _ in range(6):
        pick = np.flatnonzero(real & (rng.random(len(real)) < 0.1) & ~held[given.clip(0), layout.cols.clip(0, m - 1)])
        pick = pick[np.unique(given[pick], return_index=True)[1]]  # one a row
        local = np.argsort(layout.order)[given[pick]]
        holding.take(pick, local)
        held[given[pick], layout.cols[pick]] = True
    assert holding.table.shape[0] > 1
    values = np.append(np.where(real, layout.travel, 0.0), -np.inf)
    for _ in range(2):
        best, place = holding.argmax(values)
        want = np.ma.masked_array(dense, ~held).argmax(axis=1)[layout.order]
        assert (layout.cols[best] == want).all() and (holding.table[place, np.arange(n)] == best).all()
        slots, of = holding.slots()
        assert (np.diff(slots) > 0).all() and held[layout.order[of], layout.cols[slots]].all() and len(slots) == held.sum()
        several = np.flatnonzero(held[layout.order].sum(axis=1) > 1)  # let go of the costliest where another is held
        holding.release(place[several], several)
        held[layout.order[several], layout.cols[best[several]]] = False


def test_raam_with_fractional_residents_follows_access():
    """Residents spread over points are not whole: the demand at the facilities is summed anew each
    cycle (no running total) and the result still follows ``access``."""
    rng = np.random.default_rng(12)
    n, m = 300, 40
    costs = acc.distance_costs(rng.uniform(0, 30_000, (n, 2)), rng.uniform(0, 30_000, (m, 2)), 8.0)
    demand, supply = rng.uniform(0.5, 900, n), rng.integers(1, 20, m).astype(float)
    mine, ref = acc.raam(costs, demand, supply, tau=8.0), pysal_raam(costs, demand, supply, 8.0)
    seen = np.isfinite(ref)
    assert seen.sum() > 0.8 * n and np.abs(mine[seen] - ref[seen]).max() <= TOL


def test_steps_follow_access_at_the_breaks():
    from access import weights

    steps = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))
    cost = np.array([0, 5, 10, 10.0000001, 20, 25, 30, 30.5, 90])
    fn = weights.step_fn(dict(steps))
    assert acc.step_weight(cost, steps).tolist() == [fn(c) for c in cost]


# --- equity ---------------------------------------------------------------------------------------


def test_gini_and_theil_by_hand_and_by_residents():
    assert acc.gini([3, 3, 3], [1, 5, 2]) == 0
    assert acc.gini([1, 2, 3, 4], [1, 1, 1, 1]) == pytest.approx(0.25)
    # residents weigh: 1 (three residents) and 3 (one) is the same as 1, 1, 1, 3
    assert acc.gini([1, 3], [3, 1]) == pytest.approx(acc.gini([1, 1, 1, 3], [1, 1, 1, 1])) == pytest.approx(0.25)
    assert acc.gini([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert acc.theil([1, 3], [1, 1]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    assert acc.theil([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(math.log(4))
    assert acc.theil([2, 2], [7, 1]) == 0
    rng = np.random.default_rng(3)
    for _ in range(20):
        x, w = rng.exponential(size=50), rng.integers(0, 100, 50)
        assert acc.theil(x, w) >= 0 and 0 <= acc.gini(x, w) < 1
        # weighting by residents is repeating each value that many times
        assert acc.gini(x, w) == pytest.approx(acc.gini(np.repeat(x, w), np.ones(w.sum())), rel=1e-9)
        assert acc.theil(x, w) == pytest.approx(acc.theil(np.repeat(x, w), np.ones(w.sum())), rel=1e-9)
    assert math.isnan(acc.gini([1, 2], [0, 0]))


def test_shares_below_and_within_the_circle():
    assert acc.share_below([1, 5, 10], [100, 200, 700], 5) == pytest.approx(0.1)
    assert acc.share_below([np.nan, 5], [1, 1], 1) == pytest.approx(0.5)
    assert acc.circle_share(np.array([10, 15, 20, np.inf]), [1, 1, 2, 0], 15) == pytest.approx(0.5)
    params = AccessParams()
    result = acc.equity([10, 2], [3, 1], np.array([5.0, 40.0]), params)
    assert result["circle_share"] == pytest.approx(0.75) and result["circle_meets_target"] is False
    assert result["share_below"] == pytest.approx(0.25) and result["mean"] == pytest.approx(8.0)


def test_equity_by_ring_puts_remote_suburbs_first():
    frame = pd.DataFrame({"ring": ["central", "remote_suburb", "near_suburb", "central", "remote_suburb"],
                          "district_code": ["A", "B", "C", "A", "B"], "e2sfca": [6.0, 2.0, 4.0, 6.0, 3.0],
                          "population": [100, 50, 80, 100, 50], "nearest": [5.0, 30.0, 12.0, 8.0, 14.0]})
    by_ring = acc.equity_by(frame, "ring", AccessParams())
    assert by_ring["ring"].tolist() == ["remote_suburb", "near_suburb", "central"]
    remote = by_ring.iloc[0]
    assert remote["residents"] == 100 and remote["mean"] == pytest.approx(2.5)
    assert remote["share_below"] == pytest.approx(1.0) and remote["circle_share"] == pytest.approx(0.5)
    assert by_ring.iloc[2]["gini"] == 0 and bool(by_ring.iloc[2]["circle_meets_target"])
    assert acc.equity_by(frame, "district_code", AccessParams())["district_code"].tolist() == ["A", "B", "C"]


# --- the neighbour search and the costs -----------------------------------------------------------


def test_pairs_within_equal_brute_force_in_slices(monkeypatch):
    """Many slices, the last ones far denser than the first (the result arrays grow as they fill),
    in one thread or two: every pair once, the same order either way."""
    monkeypatch.setattr(acc, "CHUNK_POINTS", 300)  # many slices
    rng = np.random.default_rng(5)
    points = np.vstack([rng.uniform(0, 20_000, (1500, 2)), rng.normal(5000, 300, (500, 2))])
    sites = rng.uniform(0, 20_000, (120, 2))
    rows, cols, dist = acc.pairs_within(points, sites, 3000.0)
    brute = np.hypot(points[:, None, 0] - sites[None, :, 0], points[:, None, 1] - sites[None, :, 1])
    want = set(zip(*np.nonzero(brute <= 3000.0)))
    assert set(zip(rows.tolist(), cols.tolist())) == want and len(rows) == len(want)
    assert np.abs(dist - brute[rows, cols]).max() < 1e-6
    assert rows.dtype == cols.dtype == np.intp and rows.flags.owndata
    alone = acc.pairs_within(points, sites, 3000.0, workers=1)
    assert all((a == b).all() for a, b in zip(alone, (rows, cols, dist)))
    empty = acc.pairs_within(points[:10], sites, 1.0)
    assert [len(x) for x in empty] == [0, 0, 0]
    costs = acc.distance_costs(points, sites, 3.9, detour=1.3)
    assert costs.cost.max() <= 3.9 and len(costs.cost) == len(rows)
    assert set(zip(costs.rows.tolist(), costs.cols.tolist())) == want


def test_travel_costs_on_roads_agree_with_the_nearest_minutes():
    from planning.roads import build_network, minutes_to_nearest

    road = np.column_stack([np.linspace(0, 20_000, 41), np.zeros(41)])
    network = build_network([road], [40.0])
    rng = np.random.default_rng(2)
    points = np.column_stack([rng.uniform(0, 20_000, 200), rng.uniform(-300, 300, 200)])
    sites = np.array([[1000.0, 100.0], [15_000.0, -50.0], [9000.0, 400.0]])
    costs = acc.travel_costs(network, points, sites, 30.0, walk_kmh=5.0)
    best, _ = minutes_to_nearest(network, points, sites, walk_kmh=5.0)
    nearest = acc.nearest_cost(costs)
    inside = best <= 30.0
    assert inside.sum() > 150
    assert np.abs(nearest[inside] - best[inside]).max() < 1e-9
    assert np.isinf(nearest[~inside]).all() and costs.cost.max() <= 30.0


def test_measures_table_per_point(shanghai):
    world, fac, config = shanghai
    sites = fac.of(("chc", "thc"))
    params = AccessParams.from_config(config, minutes=False)
    costs = acc.distance_costs(world.xy, fac.xy[sites], params.reach, detour=config.detour_factor)
    table = acc.measures(costs, world.population, np.nan_to_num(fac.clinicians[sites]), params)
    assert list(table.columns) == ["two_sfca", "e2sfca", "g2sfca", "three_sfca", "raam", "nearest"]
    assert len(table) == world.n and (table[["two_sfca", "e2sfca", "three_sfca"]] >= 0).all().all()
    # GPs per 10,000 residents: the population-weighted mean of 2SFCA is the supply it reaches over residents
    reached = np.unique(costs.within(params.catchment).cols)
    assert (table["two_sfca"] * world.population).sum() / 10_000 == pytest.approx(
        np.nan_to_num(fac.clinicians[sites])[reached].sum(), rel=1e-9)


# --- settings -------------------------------------------------------------------------------------


def test_the_accessibility_table_of_config_toml():
    config = PlanConfig.from_mapping(tomllib.loads(
        "[accessibility]\naccess_catchment_min = 20\naccess_e2sfca_breaks_min = [5, 10, 20]\n"
        "access_e2sfca_weights = [1, 0.6, 0.2]\naccess_raam_tau_min = 30\n"))
    assert config.access_catchment_min == 20 and config.access_e2sfca_breaks_min == (5.0, 10.0, 20.0)
    params = AccessParams.from_config(config, minutes=True)
    assert params.catchment == 20 and params.e2sfca_steps == ((5, 1), (10, 0.6), (20, 0.2)) and params.raam_tau == 30
    default = AccessParams.from_config(PlanConfig(), minutes=True)
    assert default == AccessParams()  # the defaults, in minutes
    km = AccessParams.from_config(PlanConfig(), minutes=False)  # 10 km for 30 min: every minute value / 3
    assert km.catchment == pytest.approx(10) and km.raam_tau == pytest.approx(20) and km.circle == 1.5
    assert [b for b, _ in km.three_sfca_steps] == pytest.approx([10 / 3, 20 / 3, 10, 20])
    for bad in ("access_catchment_min = 500", "access_catchment_km = 0", "access_e2sfca_breaks_min = [20, 10, 30]",
                "access_e2sfca_weights = [1, 0.5]", "access_3sfca_weights = [2, 1, 1, 1]",
                'access_3sfca_breaks_min = "60"', "access_e2sfca_breaks_min = [1,2,3,4,5,6,7,8,9,10,11]",
                "access_e2sfca_breaks_min = [10, nan, 30]", "access_raam_cycles = 100000"):
        with pytest.raises(ConfigError):
            PlanConfig.from_mapping(tomllib.loads(f"[accessibility]\n{bad}\n"))


def test_the_search_keeps_to_the_threads_the_process_is_given(monkeypatch):
    from planning.accessibility import search_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what a Dask worker is given
    assert search_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    assert search_threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert search_threads() == 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert search_threads() == 2
