"""Accessibility benchmark (issue 17): the 2SFCA family and RAAM of ``planning.accessibility``
against PySAL ``access`` (``pip install -r requirements-dev.txt``) on the same data, in one run.

    .venv/bin/python bench/accessibility.py                      # ~4-6 min
    .venv/bin/python bench/accessibility.py --raam               # + our RAAM at full size (~1.5-2 min, ~3 GB)
    .venv/bin/python bench/accessibility.py --access-full        # + access's 2SFCA at full size (minutes, GBs)

Data: ``n`` demand points (default 1,000,000; whole residents 1-49 each) and ``n / 100``
facilities (1-29 GPs), uniform over a square of ``n / 10`` km² (100,000 km² at full size, about
Zhejiang's area), so a 10 km catchment holds about 31 facilities at every size. Costs are
straight-line km (metres for ``access``'s own table: the measures do not depend on the unit).

Ours: the neighbour search (k-d trees) and each measure on the matrix it gives; best of
``--repeat`` runs; peak memory by tracemalloc (numpy's arrays) and the process's peak RSS.

``access``, two ways, at the sizes it can do here:

- *end to end* (``--e2e-sizes``, ``--raam-sizes`` for RAAM): from the points as each library takes
  them (ours: coordinate arrays; ``access``: GeoDataFrames of points, built outside the timing),
  ``access`` building its own cost table (``Access.create_euclidean_distance(threshold=10 km)``:
  a cross join of every point with every facility, then geopandas' ``distance``, then the pairs
  under the threshold) and then the measure, against our neighbour search and the measure; the
  table is built once and each measure's line is table + measure on both sides;
- *the measure only* (``--access-sizes``, ``--raam-sizes``): ``access`` given our pairs as its
  cost table, against our measure on the same pairs.

Its ``two_stage_fca`` / ``enhanced_two_stage_fca`` / G2SFCA (``two_stage_fca`` with Dai's weight)
/ ``three_stage_fca`` / ``raam`` are one run each (its RAAM builds a dense points x facilities
matrix; its weights are applied pair by pair in Python). At full size nothing of ``access`` is run
unless ``--access-full`` (2SFCA on our table): its times there are extrapolated, linearly in the
pairs for a measure and in points x facilities for its table (the cross join: 10^10 rows at full
size, far beyond this machine's memory), and the lines say so. Timings are wall-clock on a
machine shared with other work: run twice and compare.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from planning import accessibility as acc

CATCHMENT_KM = 10.0
E2 = ((CATCHMENT_KM / 3, 1.00), (2 * CATCHMENT_KM / 3, 0.68), (CATCHMENT_KM, 0.22))  # Luo & Qi's steps, 10 km for 30 min
THREE = ((CATCHMENT_KM / 3, 0.962), (2 * CATCHMENT_KM / 3, 0.704), (CATCHMENT_KM, 0.377))
TAU = 20.0  # km: 60 min at 10 km per 30 min


def instance(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    m = max(1, n // 100)
    side = math.sqrt(n / 10) * 1000
    points, sites = rng.uniform(0, side, (n, 2)), rng.uniform(0, side, (m, 2))
    return points, sites, rng.integers(1, 50, n).astype(float), rng.integers(1, 30, m).astype(float)


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        result = None  # the last run's arrays go before the next run makes its own
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return min(times), result


def ours(costs, demand, supply) -> dict[str, callable]:
    return {"2SFCA": lambda: acc.two_sfca(costs, demand, supply, CATCHMENT_KM),
            "E2SFCA": lambda: acc.enhanced_two_sfca(costs, demand, supply, E2),
            "G2SFCA": lambda: acc.gaussian_two_sfca(costs, demand, supply, CATCHMENT_KM),
            "3SFCA": lambda: acc.three_sfca(costs, demand, supply, THREE),
            "RAAM": lambda: acc.raam(costs, demand, supply, TAU)}


def theirs(costs, demand, supply) -> dict[str, callable]:
    import access
    from access import weights

    dem = pd.DataFrame({"pop": demand}, index=pd.RangeIndex(len(demand), name="geoid"))
    sup = pd.DataFrame({"doc": supply}, index=pd.RangeIndex(len(supply), name="geoid"))
    table = pd.DataFrame({"origin": costs.rows.astype(np.int64), "dest": costs.cols.astype(np.int64), "cost": costs.cost})

    def model():
        return access.Access(demand_df=dem, demand_index=True, demand_value="pop", supply_df=sup, supply_index=True,
                             supply_value="doc", cost_df=table, cost_origin="origin", cost_dest="dest", cost_name="cost")

    edge = math.exp(-0.5)
    dai = lambda x: (math.exp(-0.5 * (x / CATCHMENT_KM) ** 2) - edge) / (1 - edge) if x <= CATCHMENT_KM else 0.0  # noqa: E731
    return {"2SFCA": lambda: model().two_stage_fca(max_cost=CATCHMENT_KM).iloc[:, 0],
            "E2SFCA": lambda: model().enhanced_two_stage_fca(weight_fn=weights.step_fn(dict(E2))).iloc[:, 0],
            "G2SFCA": lambda: model().two_stage_fca(max_cost=CATCHMENT_KM, weight_fn=dai).iloc[:, 0],
            "3SFCA": lambda: model().three_stage_fca(weight_fn=weights.step_fn(dict(THREE))).iloc[:, 0],
            "RAAM": lambda: model().raam(tau=TAU).iloc[:, 0]}


def largest_gap(mine: np.ndarray, ref: pd.Series) -> float:
    ref = ref.reindex(range(len(mine))).to_numpy()
    seen = np.isfinite(ref)
    return float(np.abs(mine[seen] - ref[seen]).max())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def full_size(n: int, repeat: int, with_raam: bool) -> tuple[dict[str, float], int]:
    points, sites, demand, supply = instance(n)
    search, costs = best_of(repeat, lambda: acc.distance_costs(points, sites, CATCHMENT_KM))
    del costs
    before = rss_mb()
    tracemalloc.start()
    costs = acc.distance_costs(points, sites, CATCHMENT_KM)
    two, _ = best_of(repeat, lambda: acc.two_sfca(costs, demand, supply, CATCHMENT_KM))
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rss = rss_mb()
    print(f"ours, {n:,} points x {len(sites):,} facilities, {CATCHMENT_KM:g} km catchment: {len(costs.cost):,} pairs "
          f"({len(costs.cost) / n:.1f} per point)")
    print(f"  neighbour search (k-d trees): {search:.2f} s")
    verdict = "PASS" if search + two < 2 and max(peak, rss) < 2048 else "FAIL"
    print(f"  2SFCA from the points: {search + two:.2f} s; peak memory {peak:,.0f} MB (tracemalloc, numpy arrays of "
          f"the search and the measure), process peak RSS {rss:,.0f} MB (everything, the data included; "
          f"{before:,.0f} MB before) -- target < 2 s and < 2 GB: {verdict}")
    times = {"search": search, "2SFCA": two}
    for name, run in ours(costs, demand, supply).items():
        if name == "RAAM" and not with_raam:
            continue
        if name != "2SFCA":
            times[name], _ = best_of(1 if name == "RAAM" else repeat, run)
        print(f"  {name}: {times[name]:.2f} s on the matrix, {search + times[name]:.2f} s with the search")
    return times, len(costs.cost)


def against_access(n: int, repeat: int, measures: tuple[str, ...]) -> tuple[dict[str, tuple[float, float]], int]:
    points, sites, demand, supply = instance(n)
    costs = acc.distance_costs(points, sites, CATCHMENT_KM)
    mine, ref = ours(costs, demand, supply), theirs(costs, demand, supply)
    out = {}
    print(f"{n:,} points x {len(sites):,} facilities, {len(costs.cost):,} pairs:")
    for name in measures:
        t_mine, values = best_of(repeat, mine[name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_ref, ref_values = best_of(1, ref[name])
        out[name] = (t_mine, t_ref)
        print(f"  {name}: ours {t_mine:.3f} s, access {t_ref:.2f} s, ratio {t_ref / t_mine:,.0f}x, "
              f"largest difference {largest_gap(values, ref_values):.1e}")
    return out, len(costs.cost)


def geo_frames(points, sites, demand, supply):
    """``access``'s input: GeoDataFrames of points (metres), indexed 0..n-1."""
    import geopandas as gpd

    def frame(xy, column, values):
        return gpd.GeoDataFrame({column: values}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                                index=pd.RangeIndex(len(xy), name="geoid"), crs=3857)

    return frame(points, "pop", demand), frame(sites, "doc", supply)


def end_to_end(n: int, repeat: int, measures: tuple[str, ...]) -> tuple[dict[str, tuple[float, float]], dict]:
    """Ours (search + measure) against ``access`` (its own table + measure) from the points."""
    import access
    from access import weights

    points, sites, demand, supply = instance(n)
    dem, sup = geo_frames(points, sites, demand, supply)
    m = CATCHMENT_KM * 1000  # access's table is in metres
    edge = math.exp(-0.5)
    dai = lambda x: (math.exp(-0.5 * (x / m) ** 2) - edge) / (1 - edge) if x <= m else 0.0  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model = access.Access(demand_df=dem, demand_index=True, demand_value="pop", supply_df=sup, supply_index=True,
                              supply_value="doc")
        model.create_euclidean_distance(threshold=m)
        t_table = time.perf_counter() - t0
    steps = lambda table: weights.step_fn({b * 1000: w for b, w in table})  # noqa: E731
    theirs = {"2SFCA": lambda: model.two_stage_fca(max_cost=m),
              "E2SFCA": lambda: model.enhanced_two_stage_fca(weight_fn=steps(E2)),
              "G2SFCA": lambda: model.two_stage_fca(name="g2sfca", max_cost=m, weight_fn=dai),
              "3SFCA": lambda: model.three_stage_fca(weight_fn=steps(THREE)),
              "RAAM": lambda: model.raam(tau=TAU * 1000)}
    t_search, costs = best_of(repeat, lambda: acc.distance_costs(points, sites, CATCHMENT_KM))
    mine = ours(costs, demand, supply)
    print(f"{n:,} points x {len(sites):,} facilities, end to end: access's table {t_table:.2f} s "
          f"({len(model.cost_df):,} pairs), our search {t_search:.3f} s ({len(costs.cost):,} pairs)")
    out = {}
    for name in measures:
        t_mine, values = best_of(repeat, mine[name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_ref, ref = best_of(1, theirs[name])
        a, b = t_table + t_ref, t_search + t_mine
        out[name] = (b, a)
        print(f"  {name}: access {a:.2f} s (table + {t_ref:.2f} s), ours {b:.3f} s (search + {t_mine:.3f} s), "
              f"ratio {a / b:,.1f}x (target >= 10x: {'PASS' if a / b >= 10 else 'FAIL'}), "
              f"largest difference {largest_gap(values, ref.iloc[:, 0]):.1e}")
    return out, {"pairs": len(costs.cost), "table": t_table, "search": t_search, "cells": n * len(sites)}


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s]


def verdict(name: str, ratios: dict[str, float]) -> None:
    """One line: the ratio at each size (and measure) and whether the smallest reaches 10x."""
    if ratios:
        low = min(ratios.values())
        each = ", ".join(f"{k} {v:,.1f}x" for k, v in ratios.items())
        print(f"  {name}: {each} -- target >= 10x everywhere: {'PASS' if low >= 10 else 'FAIL'} (smallest {low:,.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--access-sizes", default="10000,100000", help="sizes for access's 2SFCA family on our table")
    parser.add_argument("--e2e-sizes", default="3000,10000", help="sizes for access end to end (its own table)")
    parser.add_argument("--raam-sizes", default="3000,10000,30000",
                        help="sizes for access's RAAM (a dense points x facilities matrix), both ways")
    parser.add_argument("--raam", action="store_true", help="our RAAM at full size too")
    parser.add_argument("--access-full", action="store_true", help="access's 2SFCA at full size (slow, several GB)")
    args = parser.parse_args()

    full, full_pairs = full_size(args.n, args.repeat, args.raam)
    family = ("2SFCA", "E2SFCA", "G2SFCA", "3SFCA")
    print("-- the measure only: access given our pairs as its cost table")
    largest, only, raam_only = None, {}, {}
    for n in sizes(args.access_sizes):
        largest = against_access(n, args.repeat, family)
        only.update({f"{name} {n:,}": a / b for name, (b, a) in largest[0].items()})
    for n in sizes(args.raam_sizes):
        b, a = against_access(n, args.repeat, ("RAAM",))[0]["RAAM"]
        raam_only[f"{n:,}"] = a / b
    print("-- end to end: access building its own cost table from the points, against our search")
    e2e, e2e_last, raam_e2e = {}, None, {}
    for n in sizes(args.e2e_sizes):
        times, e2e_last = end_to_end(n, args.repeat, family)
        e2e.update({f"{name} {n:,}": a / b for name, (b, a) in times.items()})
    for n in sizes(args.raam_sizes):
        b, a = end_to_end(n, args.repeat, ("RAAM",))[0]["RAAM"]
        raam_e2e[f"{n:,}"] = a / b
    measured = {}
    if args.access_full:
        measured["2SFCA"] = against_access(args.n, 1, ("2SFCA",))[0]["2SFCA"][1]
    m = max(1, args.n // 100)
    if largest:
        times, pairs = largest
        scale = full_pairs / pairs
        print(f"-- full size ({args.n:,} x {m:,}), access measured where it says so, else extrapolated: a measure "
              f"linearly in pairs from {pairs:,} to {full_pairs:,} (x{scale:.1f})" + (
                  f", its table linearly in points x facilities from {e2e_last['cells']:,} to {args.n * m:,} "
                  f"(x{args.n * m / e2e_last['cells']:,.0f}; a cross join of {args.n * m:,} rows: not runnable here)"
                  if e2e_last else "") + ":")
        for name in family:
            how = "measured" if name in measured else "extrapolated"
            t_ref = measured.get(name, times[name][1] * scale)
            line = (f"  {name}: on the same table, access {t_ref:.1f} s ({how}), ours {full[name]:.2f} s "
                    f"(~{t_ref / full[name]:.0f}x)")
            if e2e_last:
                table = e2e_last["table"] * args.n * m / e2e_last["cells"]
                ours_e2e = full["search"] + full[name]
                line += (f"; end to end, access ~{table + t_ref:,.0f} s (table ~{table:,.0f} s, extrapolated), "
                         f"ours {ours_e2e:.2f} s measured (~{(table + t_ref) / ours_e2e:,.0f}x, extrapolated)")
            print(line)
    print(f"  RAAM: access needs a dense points x facilities matrix ({args.n:,} x {m:,} float64 = "
          f"{args.n * m * 8 / 1e9:,.1f} GB, several copies per cycle): not run")
    print("-- the 10x target where access was measured")
    verdict("2SFCA family end to end (access's table + measure against our search + measure)", e2e)
    verdict("2SFCA family, the measure only (same table)", only)
    verdict("RAAM, the measure only (same table)", raam_only)
    verdict("RAAM end to end", raam_e2e)


if __name__ == "__main__":
    main()
