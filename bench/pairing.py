"""Pairing engine speed, with a second exact solver on the same instances in the same run.

    .venv/bin/python bench/pairing.py [--runs 5]

Random instances of 60 hospitals x 20 districts and 400 x 160 (each hospital a main campus and
branch campuses in about a fifth of the districts, caps 1-3 per district and 2-4 per hospital,
some TCM hospitals and existing partnerships). Times the min-cost flow (``solve_general``) and
the same objective as a MILP in HiGHS (scipy), checks that both reach the same objective, and
prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from planning.pairing import Hospital, PairingProblem, milp_objective, solve_general


def instance(n_h: int, n_d: int, seed: int) -> PairingProblem:
    rng = np.random.default_rng(seed)
    districts = tuple(f"D{j}" for j in range(n_d))
    rings = ("central", "near_suburb", "remote_suburb")
    hospitals = []
    for i in range(n_h):
        home = int(rng.integers(n_d))
        branches = [j for j in range(n_d) if j != home and rng.uniform() < 0.2]
        campuses = ((districts[home], "main", 0.0, 0.0),) + tuple((districts[j], "branch", 0.0, 0.0) for j in branches)
        hospitals.append(Hospital(f"H{i}", "", "tcm" if rng.uniform() < 0.15 else "general", campuses))
    partnerships = {(f"H{int(rng.integers(n_h))}", districts[int(rng.integers(n_d))]) for _ in range(n_d)}
    return PairingProblem(
        hospitals=tuple(hospitals), districts=districts, ring={d: rings[j % 3] for j, d in enumerate(districts)},
        access_km=rng.uniform(1, 60, (n_h, n_d)), partnerships=frozenset(partnerships),
        district_cap={d: int(rng.integers(1, 4)) for d in districts},
        hospital_cap={h.code: int(rng.integers(2, 5)) for h in hospitals})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| hospitals x districts | min-cost flow (median) | HiGHS MILP (median) | ratio | same objective |")
    print("|---|---|---|---|---|")
    for n_h, n_d in ((60, 20), (400, 160)):
        flow_t, milp_t, same = [], [], True
        for seed in range(args.runs):
            p = instance(n_h, n_d, seed)
            t0 = time.perf_counter()
            _, value = solve_general(p)
            flow_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            other = milp_objective(p)
            milp_t.append(time.perf_counter() - t0)
            same &= abs(value - other) < 0.01
        f, m = statistics.median(flow_t), statistics.median(milp_t)
        print(f"| {n_h} x {n_d} | {f * 1000:.1f} ms | {m * 1000:.1f} ms | {m / f:.1f} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
