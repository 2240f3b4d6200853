"""Improving accessibility under a budget (issue 17, ``planning.improve``), in one run: the
MILP's proof or gap and its time, rows exact against rows merged, on the embedded Shanghai default
with its residents spread as population points, and the brute-force check on small worlds.

    .venv/bin/python bench/improve.py [--per-unit 50] [--gps 30] [--sites 3]

For each objective (shortfall, spread) and each row cap (the exact patterns, then 1,000 / 2,000
/ 4,000 merged rows), printed: rows, HiGHS's status, seconds, the objective measured on every
point before and after, the proved bound and the gap (value - bound) / value, and the Gini and the
share below the standard before -> after. The merged models' bounds are valid for every point
(convex objectives, Jensen): the gap is a proof. Then, on 20 random small worlds (14 points, 5
sites, 4 GPs), the MILP against every allocation (brute force), the largest difference.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from geodata.default import load_default  # noqa: E402
from planning import improve as im  # noqa: E402
from planning.accessibility import CostMatrix, distance_costs, enhanced_two_sfca, equity  # noqa: E402
from planning.coverage import Facilities  # noqa: E402
from planning.session import PlanningSession  # noqa: E402
from planning.sites import candidates_of  # noqa: E402


def spread_package(per_unit: int):
    pkg = load_default()
    units = pkg.units.to_crs(32651)
    pts = units.sample_points(per_unit, rng=np.random.default_rng(0)).explode(index_parts=False)
    pop = gpd.GeoDataFrame({"population": np.ones(len(pts))}, geometry=pts.values, crs=32651).to_crs(4326)
    return replace(pkg, population_points=pop)


def model_inputs(session):
    pkg, world = session.package, session.world
    network, demand = session._access_inputs
    result = session.accessibility()
    fac = Facilities.from_frame(pkg.facilities, world.crs)
    primary = fac.of(("chc", "thc"))
    t0 = time.perf_counter()
    cand_xy, _, _ = candidates_of(world, pkg.units, pkg.candidates, demand)
    clusters = time.perf_counter() - t0
    sites = np.vstack([fac.xy[primary], cand_xy])
    costs = distance_costs(demand.xy, sites, result.params.e2sfca_steps[-1][0], detour=pkg.config.detour_factor)
    supply = np.concatenate([np.nan_to_num(fac.clinicians[primary]), np.zeros(len(cand_xy))])
    return result, demand, costs, supply, np.arange(costs.shape[1]) >= len(primary), clusters, len(cand_xy)


def brute_force_check(worlds: int = 20) -> float:
    steps = ((1.0, 1.0), (2.0, 0.68), (3.0, 0.22))
    worst = 0.0
    for seed in range(worlds):
        rng = np.random.default_rng(seed)
        points, sites = rng.uniform(0, 5000, (14, 2)), rng.uniform(0, 5000, (5, 2))
        demand = rng.integers(200, 3000, 14).astype(float)
        supply = np.concatenate([rng.integers(0, 3, 2).astype(float), np.zeros(3)])
        c = distance_costs(points, sites, 3.0)
        costs = CostMatrix.from_pairs(c.rows, c.cols, c.cost, c.shape)
        candidate = np.arange(5) >= 2
        for objective in im.OBJECTIVES:
            budget = im.Budget(gps=4, sites=1, site_gps=2, objective=objective)
            best = math.inf
            for added in itertools.product(range(5), repeat=5):
                opened = [j for j in range(5) if candidate[j] and added[j] > 0]
                if sum(added) > 4 or (objective == "spread" and sum(added) != 4) or len(opened) > 1 or \
                        any(added[j] < 2 for j in opened):
                    continue
                values = 10_000 * enhanced_two_sfca(costs, demand, supply + np.array(added), steps)
                best = min(best, im.objective_of(values, demand, objective, 4.5))
            sol = im.solve(costs, demand, supply, candidate, steps, 4.5, budget)
            worst = max(worst, abs(sol.value - best) / max(best, 1e-9))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-unit", type=int, default=50)
    parser.add_argument("--gps", type=int, default=30)
    parser.add_argument("--sites", type=int, default=3)
    args = parser.parse_args()
    session = PlanningSession(spread_package(args.per_unit))
    result, demand, costs, supply, candidate, clusters, n_cand = model_inputs(session)
    params = result.params
    print(f"Shanghai default, {len(demand.xy):,} population points ({args.per_unit} per unit), {n_cand} candidate sites "
          f"from clusters ({clusters:.1f} s), {int((~candidate).sum())} CHCs/THCs, {len(costs.cost):,} pairs; budget "
          f"{args.gps} GPs, at most {args.sites} new sites of 6")
    for objective in im.OBJECTIVES:
        budget = im.Budget(gps=args.gps, sites=args.sites, site_gps=6, objective=objective, seconds=120)
        for cap in (10**6, 4000, 2000, 1000):
            t0 = time.perf_counter()
            sol = im.solve(costs, demand.population, supply, candidate, params.e2sfca_steps, params.threshold_per_10000,
                           budget, unit=demand.unit, district=session.world.district[demand.unit], max_rows=cap)
            seconds = time.perf_counter() - t0
            before = equity(sol.before, demand.population, np.zeros(len(sol.before)), params)
            after = equity(sol.after, demand.population, np.zeros(len(sol.after)), params)
            print(f"  {objective:9s} rows {sol.rows:8s} {sol.n_rows:6,d}: {sol.status}, {seconds:6.2f} s; objective "
                  f"{sol.start:.6g} -> {sol.value:.6g}, bound {sol.bound:.6g}, gap {sol.gap:.3%}; Gini {before['gini']:.4f} "
                  f"-> {after['gini']:.4f}, below {before['share_below']:.2%} -> {after['share_below']:.2%}")
    print(f"brute force, 20 small worlds x 2 objectives: largest relative difference {brute_force_check():.1e}")


if __name__ == "__main__":
    main()
