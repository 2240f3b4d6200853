"""Accessibility benchmark (issue 17): the 2SFCA family and RAAM of ``planning.accessibility``
against PySAL ``access`` (``pip install -r requirements-dev.txt``) on the same data, in one run.

    .venv/bin/python bench/accessibility.py                      # ~3-6 min
    .venv/bin/python bench/accessibility.py --raam               # + our RAAM at full size (~3-4 min more)
    .venv/bin/python bench/accessibility.py --access-full        # + access's 2SFCA at full size (minutes, GBs)

Data: ``n`` demand points (default 1,000,000; whole residents 1-49 each) and ``n / 100``
facilities (1-29 GPs), uniform over a square of ``n / 10`` km² (100,000 km² at full size, about
Zhejiang's area), so a 10 km catchment holds about 31 facilities at every size. Costs are
straight-line km.

Ours: the neighbour search (k-d trees) and each measure on the matrix it gives; best of
``--repeat`` runs; peak memory by tracemalloc (numpy's arrays) and the process's peak RSS.
``access``: its ``two_stage_fca`` / ``enhanced_two_stage_fca`` / G2SFCA (``two_stage_fca`` with
Dai's weight) / ``three_stage_fca`` / ``raam`` given the same pairs as its cost table, at the sizes
it can do here (its RAAM builds a dense points x facilities matrix; its weights are applied pair
by pair in Python), with the ratio at each size; at full size its time is extrapolated linearly in
the pairs unless ``--access-full`` runs it (2SFCA only), and the line says which.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--access-sizes", default="10000,100000", help="sizes for access's 2SFCA family")
    parser.add_argument("--raam-sizes", default="3000,10000", help="sizes for access's RAAM (dense matrix)")
    parser.add_argument("--raam", action="store_true", help="our RAAM at full size too")
    parser.add_argument("--access-full", action="store_true", help="access's 2SFCA at full size (slow, several GB)")
    args = parser.parse_args()

    full, full_pairs = full_size(args.n, args.repeat, args.raam)
    family = ("2SFCA", "E2SFCA", "G2SFCA", "3SFCA")
    largest = None
    for n in (int(s) for s in args.access_sizes.split(",") if s):
        largest = against_access(n, args.repeat, family)
    for n in (int(s) for s in args.raam_sizes.split(",") if s):
        against_access(n, args.repeat, ("RAAM",))
    measured = {}
    if args.access_full:
        measured["2SFCA"] = against_access(args.n, 1, ("2SFCA",))[0]["2SFCA"][1]
    m = max(1, args.n // 100)
    print(f"RAAM at full size: access needs a dense points x facilities matrix ({args.n:,} x {m:,} float64 = "
          f"{args.n * m * 8 / 1e9:,.1f} GB, several copies per cycle): not run")
    if largest:
        times, pairs = largest
        scale = full_pairs / pairs
        print(f"full size against access: measured where it says so, else extrapolated linearly in pairs from "
              f"{pairs:,} to {full_pairs:,} (x{scale:.1f}):")
        for name in family:
            how = "measured" if name in measured else "extrapolated"
            t_ref = measured.get(name, times[name][1] * scale)
            with_search = full["search"] + full[name]
            verdict = "PASS" if t_ref / full[name] >= 10 else "FAIL"
            print(f"  {name}: access {t_ref:.1f} s ({how}) on the same cost table; ours {full[name]:.2f} s on it "
                  f"(~{t_ref / full[name]:.0f}x, target >= 10x: {verdict}), {with_search:.2f} s with our search "
                  f"(~{t_ref / with_search:.1f}x; access needs the table given)")


if __name__ == "__main__":
    main()
