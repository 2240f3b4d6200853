"""Grid engine against PySAL spopt and scikit-learn, side by side on the same districts.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/grids.py [--sizes 2000 20000 50000] [--timeout 120]

Synthetic districts: square lattices of 1 km cells with clustered population (six Gaussian
peaks over a floor), 2K candidate lead hospitals at random cells, K grids. Every method gets the
same units, the same K and rook contiguity. For the regionalisation methods (which have no lead
hospitals) each region is given the candidate that serves it best, which favours them on access.
Printed per method: solve time, peak Python memory (tracemalloc, in a second run, since tracing
slows Python code; "nan" when that run did not finish), population max/min,
population-weighted mean distance to the lead, and whether every region is contiguous; the
ratios at the end compare each with this engine in the same run. Methods run in a child process
and are stopped at ``--timeout`` seconds. Also times the whole Shanghai default.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import tracemalloc
import warnings

import numpy as np

SIZES = {2000: 5, 20000: 30, 50000: 30}


def district(n: int, k: int, seed: int = 1):
    """The synthetic district (``geodata.synth.lattice_package``) as a planning session and its
    units in metres (for the other libraries)."""
    from geodata.synth import lattice_package
    from planning.session import PlanningSession

    session = PlanningSession(lattice_package(n, k, seed=seed))
    return session, session.package.units.to_crs(32651)


def evaluate(world, labels: np.ndarray, leads_xy: np.ndarray | None) -> dict:
    """Balance, access and contiguity of a labelling (regions without leads get their best one)."""
    from scipy.sparse.csgraph import connected_components

    pop = world.population
    k = labels.max() + 1
    sizes = np.bincount(labels, weights=pop, minlength=k)
    access = 0.0
    contiguous = True
    for g in range(k):
        m = np.flatnonzero(labels == g)
        if len(m) == 0:
            continue
        if connected_components(world.adjacency[m][:, m], directed=False)[0] > 1:
            contiguous = False
        if leads_xy is None:
            d = np.hypot(world.xy[m, None, 0] - world.lead_xy[None, :, 0], world.xy[m, None, 1] - world.lead_xy[None, :, 1])
            access += float((d * pop[m, None]).sum(axis=0).min())
        else:
            access += float((np.hypot(*(world.xy[m] - leads_xy[g]).T) * pop[m]).sum())
    return {"max_min": float(sizes.max() / max(sizes.min(), 1.0)), "access_km": access / pop.sum() / 1000,
            "contiguous": contiguous, "regions": int((sizes > 0).sum())}


def run_ours(session, units, k):
    world = session.world
    proposal = session.propose_grids()  # k grids within 20 % of the mean (the package's settings)
    ids = {g.grid_id: n for n, g in enumerate(proposal.plan.grids)}
    labels = np.array([ids[proposal.plan.assignment[c]] for c in world.unit_codes])
    lead = {str(c): j for j, c in enumerate(world.lead_codes)}
    leads_xy = np.array([world.lead_xy[lead[g.lead_facility_code]] for g in proposal.plan.grids])
    return labels, leads_xy


def _spopt(name):
    def run(session, units, k):
        import libpysal
        from spopt.region import AZP, MaxPHeuristic, Skater, WardSpatial

        gdf = units.copy()
        world = session.world
        gdf["x"], gdf["y"] = world.xy[:, 0] / 1000, world.xy[:, 1] / 1000
        w = libpysal.weights.Rook.from_dataframe(gdf, use_index=False, silence_warnings=True)
        if name == "skater":
            model = Skater(gdf, w, ["x", "y"], n_clusters=k, floor=1, trace=False, islands="increase")
        elif name == "azp":
            model = AZP(gdf, w, ["x", "y"], n_clusters=k)
        elif name == "ward":
            model = WardSpatial(gdf, w, ["x", "y"], n_clusters=k)
        else:
            model = MaxPHeuristic(gdf, w, ["x", "y"], "population", world.population.sum() / k * 0.8, top_n=2)
        model.solve()
        return np.asarray(model.labels_, dtype=int) - np.asarray(model.labels_).min(), None
    return run


def run_sklearn(session, units, k):
    from sklearn.cluster import AgglomerativeClustering

    world = session.world
    model = AgglomerativeClustering(n_clusters=k, connectivity=world.adjacency, linkage="ward")
    return model.fit_predict(world.xy / 1000), None


METHODS = {"this engine": run_ours, "spopt SKATER": _spopt("skater"), "spopt AZP": _spopt("azp"),
           "spopt max-p": _spopt("maxp"), "spopt Ward": _spopt("ward"), "sklearn agglomerative (ward)": run_sklearn}


def _child(method, n, k, queue):
    warnings.simplefilter("ignore")
    session, units = district(n, k)
    t0 = time.perf_counter()
    labels, leads_xy = METHODS[method](session, units, k)
    elapsed = time.perf_counter() - t0
    result = {"time_s": elapsed, **evaluate(session.world, np.asarray(labels), leads_xy)}
    queue.put(result)  # the timing stands even if the memory run below is stopped
    tracemalloc.start()  # a second run for memory: tracing slows Python code several times
    METHODS[method](session, units, k)
    queue.put({**result, "peak_mb": tracemalloc.get_traced_memory()[1] / 1e6})


def measure(method, n, k, timeout):
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_child, args=(method, n, k, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
    results = []
    while not queue.empty():
        results.append(queue.get())
    if not results:
        return None if proc.exitcode is None or proc.exitcode < 0 else {"error": f"exit {proc.exitcode}"}
    return {"peak_mb": float("nan"), **results[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    from geodata.default import load_default
    from planning.session import PlanningSession

    pkg = load_default()
    t0 = time.perf_counter()
    session = PlanningSession(pkg)
    t1 = time.perf_counter()
    proposal = session.propose_grids()
    t2 = time.perf_counter()
    session.propose_grids(previous=proposal.plan.lock([session.world.unit_codes[0]]))
    t3 = time.perf_counter()
    print(f"Shanghai default: {session.world.n} units, {len(proposal.plan.grids)} grids; session (world, pairing "
          f"problem) {t1 - t0:.3f} s, propose {t2 - t1:.3f} s, re-propose around a lock {t3 - t2:.3f} s")

    small, _ = district(2000, 5)
    first = small.propose_grids().plan
    unit = str(small.world.unit_codes[0])
    other = next(g.grid_id for g in first.grids if g.grid_id != first.assignment[unit])
    edited = first.reassign({unit: other}).lock([unit])
    t0 = time.perf_counter()
    small.propose_grids(previous=edited)
    print(f"2,000 units, K = 5: re-propose after one locked edit {time.perf_counter() - t0:.3f} s")

    print("\n| units | K | method | time s | peak MB | pop max/min | mean access km | contiguous | ratio time vs ours |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        k = SIZES.get(n, 30)
        ours = None
        for method in METHODS:
            if n > 2000 and method.startswith("spopt") and method != "spopt SKATER":
                print(f"| {n} | {k} | {method} | not run above 2,000 units (see the 2,000 row) | | | | | |")
                continue
            r = measure(method, n, k, args.timeout)
            if r is None:
                print(f"| {n} | {k} | {method} | > {args.timeout:.0f} (stopped) | | | | | |")
                continue
            if "error" in r:
                print(f"| {n} | {k} | {method} | failed: {r['error']} | | | | | |")
                continue
            ours = r if method == "this engine" else ours
            ratio = r["time_s"] / ours["time_s"] if ours else float("nan")
            print(f"| {n} | {k} | {method} | {r['time_s']:.3f} | {r['peak_mb']:.0f} | {r['max_min']:.2f} | "
                  f"{r['access_km']:.2f} | {'yes' if r['contiguous'] else 'no'} | {ratio:.1f} |", flush=True)


if __name__ == "__main__":
    main()
