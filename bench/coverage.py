"""Coverage benchmarks, each beside a baseline in the same run.

    .venv/bin/python bench/coverage.py            (spopt for the MCLP row: pip install -r bench/requirements.txt)

1. Nearest facility for 1,000,000 population points and 10,000 facilities (k-d tree in metres),
   against brute force on a 2,000-point subsample: time, peak memory, largest difference.
2. Village-clinic links for 30,000 clinics and 1,500 THCs with capacities (min-cost flow on the
   10 nearest THCs), against the uncapacitated nearest-THC baseline.
3. Maximal covering, 2,000 demand units, 100 candidates, k = 10: this HiGHS MILP against spopt's
   MCLP (PuLP/CBC) on the same data: time and the covered population (same optimum?).
"""

from __future__ import annotations

import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from planning.config import PlanConfig
from planning.coverage import Facilities, nearest
from planning.sites import covered_weight, maximal_covering
from planning.villages import link_villages


def nearest_million() -> None:
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100_000, (1_000_000, 2))
    sites = rng.uniform(0, 100_000, (10_000, 2))
    tracemalloc.start()
    t0 = time.perf_counter()
    dist, idx = nearest(pts, sites)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    sample = rng.choice(len(pts), 2000, replace=False)
    t0 = time.perf_counter()
    brute = np.sqrt(((pts[sample, None, :] - sites[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    brute_t = time.perf_counter() - t0
    diff = np.abs(dist[sample] * 1000 - brute).max()
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"nearest, 1,000,000 points x 10,000 facilities: k-d tree {elapsed:.2f} s, peak {peak:.0f} MB traced in the "
          f"query, process peak {rss:.0f} MB; "
          f"brute force on 2,000 points {brute_t:.2f} s (whole set ~{brute_t * 500:.0f} s by extrapolation); "
          f"largest difference {diff:.6f} m")


def village_links() -> None:
    rng = np.random.default_rng(1)
    n_c, n_t = 30_000, 1_500
    thc_xy = rng.uniform(0, 150_000, (n_t, 2))
    clinic_xy = thc_xy[rng.integers(0, n_t, n_c)] + rng.normal(0, 3000, (n_c, 2))
    district = lambda xy: (xy[:, 0] // 50_000).astype(int).astype(str)  # noqa: E731
    fac = Facilities(codes=np.array([f"T{i}" for i in range(n_t)] + [f"V{i}" for i in range(n_c)]),
                     kinds=np.array(["thc"] * n_t + ["village_clinic"] * n_c),
                     district=np.concatenate([district(thc_xy), district(clinic_xy)]),
                     xy=np.vstack([thc_xy, clinic_xy]), clinicians=np.zeros(n_t + n_c))
    frame = pd.DataFrame({"facility_code": fac.codes, "thc_code": "", "integrated": False, "meets_standard": False})
    config = PlanConfig(max_clinics_per_thc=25)
    t0 = time.perf_counter()
    table = link_villages(fac, frame, {}, config)
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, idx = nearest(clinic_xy, thc_xy)
    base = time.perf_counter() - t0
    over = int((np.bincount(idx, minlength=n_t) > 25).sum())
    print(f"village links, 30,000 clinics x 1,500 THCs, at most 25 each: {elapsed:.2f} s, "
          f"{(table['link'] == 'none').sum()} left without a THC (reported), largest load "
          f"{table[table['thc_code'] != ''].groupby('thc_code').size().max()}; nearest-THC baseline {base:.3f} s but {over} THCs over 25")


def mclp() -> None:
    rng = np.random.default_rng(2)
    demand = rng.uniform(0, 50_000, (2000, 2))
    weight = rng.integers(100, 5000, 2000).astype(float)
    sites = rng.uniform(0, 50_000, (100, 2))
    t0 = time.perf_counter()
    order, gains = maximal_covering(demand, weight, sites, 10, 3000)
    ours_t = time.perf_counter() - t0
    ours = covered_weight(demand, weight, sites[order], 3000)
    try:
        import pulp
        from spopt.locate import MCLP
    except ImportError:
        print(f"maximal covering 2,000 x 100, k = 10: HiGHS {ours_t:.2f} s, {ours:,.0f} covered (spopt not installed)")
        return
    from scipy.spatial.distance import cdist

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(cdist(demand, sites), weight, 3000, p_facilities=10)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_t = time.perf_counter() - t0
    chosen = [j for j in range(len(sites)) if model.fac2cli[j]]
    theirs = covered_weight(demand, weight, sites[chosen], 3000)
    print(f"maximal covering 2,000 x 100, k = 10: HiGHS {ours_t:.2f} s, {ours:,.0f} covered; spopt MCLP (CBC) "
          f"{spopt_t:.2f} s, {theirs:,.0f} covered; same optimum: {abs(ours - theirs) < 1e-6}; "
          f"ratio {spopt_t / ours_t:.1f}")


if __name__ == "__main__":
    nearest_million()
    village_links()
    mclp()
