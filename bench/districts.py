"""Exact grids against the heuristic and GerryChain on real-size, irregular districts (issue 15).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/districts.py [--cases 30] [--seed 1] [--seconds 10] [--balance-target 1.25]
                                        [--epsilon E] [--no-exact] [--case N ...]

Each case is one synthetic district, seeded and deterministic: an irregular outline (a star-shaped
polygon with random harmonics and noise), cut into 10-80 units by Voronoi cells of k-means centres
of a density sample (``geodata.synth.voronoi_units``, so dense parts get small units) clipped to
it; unit populations heavy-tailed (lognormal times a Pareto factor, so a few units are huge); K = 2
to 12 hospitals in distinct units, drawn with weight on populous units; every hospital leads one
grid (``grid_leads = "given"``, ``grid_counts`` = K), band +-40 % around the mean, the balance
target (max/min) ``--balance-target`` (the default setting, 1.25).

Every method is judged under the same adjacency, the world's (``session.world.adjacency``):

- exact: ``PlanningSession(pkg, replace(config, grid_exact_units=1000, grid_exact_seconds=10))``;
- heuristic: the same with ``grid_exact_units=0``;
- GerryChain ``recursive_tree_part`` on a networkx graph of that adjacency (population as node
  attribute, target = the mean, epsilon by default (T - 1) / (T + 1) for the balance target T, so
  its max/min meets T as the engine is asked to; when no partition is found within the attempts
  the epsilon is doubled and the one used is printed). GerryChain has no hospitals, so its regions
  are then given the K hospitals by an optimal one-to-one assignment (least population-weighted
  distance), which favours it on access; whether each lead stands in its own grid (G3) is shown.

Printed per case: units, K, population, the largest unit's population over the mean grid's (above
1, no plan can reach max/min 1); per method: time (``propose_grids`` only; building the world is
not timed), population max/min of the grids, population-weighted mean distance to the lead (km), contiguity, leads in
their own grid, and for the exact solver whether it proved optimality or its gap. At the end: the
ratios and the issue's targets with PASS/FAIL and counts: (1) proved optimal or within 1 % on every
district of <= 60 units in < 10 s; (2) max/min within 5 % of the proved optimum, read as the
engine's ``DistrictQuality.balance_gap`` reads it: the balance target met, or max/min at most
1.05 times the proved lower bound on it (the bound is only computed when the target is missed).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from dataclasses import replace
from functools import partial

import numpy as np

X0, Y0 = 350_000.0, 3_450_000.0  # UTM 51N (Shanghai), metres
METRIC = 32651


# --- the districts --------------------------------------------------------------------------------
def outline(rng: np.random.Generator, area_m2: float):
    """An irregular, star-shaped outline of about ``area_m2`` around (X0, Y0)."""
    import shapely

    theta = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    r = np.ones_like(theta)
    for h in range(2, 8):
        r += rng.uniform(0, 0.28 / math.sqrt(h)) * np.cos(h * theta + rng.uniform(0, 2 * np.pi))
    noise = np.convolve(np.r_[rng.normal(0, 1, 160), rng.normal(0, 1, 4)], np.ones(5) / 5, mode="valid")[:160]
    r = np.clip(r * (1 + 0.06 * noise), 0.25, None)
    poly = shapely.Polygon(np.column_stack([np.cos(theta) * r, np.sin(theta) * r]))
    poly = shapely.make_valid(poly)
    if poly.geom_type != "Polygon":
        poly = max(shapely.get_parts(poly), key=lambda g: g.area if g.geom_type == "Polygon" else 0)
    scale = math.sqrt(area_m2 / poly.area)
    return shapely.affinity.affine_transform(poly, [scale, 0, 0, scale, X0, Y0])


def _one_part_each(cells: list) -> list:
    """Cells clipped to a concave outline can fall apart: each keeps its largest part and every
    other part joins the cell it shares the longest boundary with."""
    import shapely

    parts = [sorted((p for p in shapely.get_parts(c) if p.geom_type == "Polygon"), key=lambda p: -p.area) for c in cells]
    main = [p[0] if p else None for p in parts]
    for k, rest in enumerate(parts):
        for frag in rest[1:]:
            edge = frag.buffer(1.0)
            shared = [main[j].boundary.intersection(edge).length if j != k and main[j] is not None else -1.0
                      for j in range(len(main))]
            j = int(np.argmax(shared)) if max(shared) > 0 else k
            main[j] = shapely.union(main[j], frag).buffer(0)
    return [m for m in main if m is not None and not m.is_empty]


def make_district(case: int, seed: int, balance_target: float = 1.25):
    """The data package of one case (one district) and its numbers (units, K, population)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geodata.errors import LoadReport
    from geodata.package import DataPackage
    from geodata.synth import DensityModel, sample_points, voronoi_units
    from planning.config import PlanConfig

    rng = np.random.default_rng([seed, case])
    n = int(rng.integers(10, 81))
    area = n * float(rng.lognormal(math.log(12e6), 0.7))  # 12 km2 a unit, typically
    poly = outline(rng, area)
    c = sample_points(poly, 1, DensityModel(centre=(X0, Y0), scale_m=1e12, floor=1.0), rng)[0]
    density = DensityModel(centre=(float(c[0]), float(c[1])), scale_m=math.sqrt(area) * rng.uniform(0.15, 0.5),
                           floor=rng.uniform(0.02, 0.2))
    cells, _, share = voronoi_units(poly, n, density, rng)
    cells = _one_part_each(cells)
    n = len(cells)
    weight = np.resize(share, n) * rng.lognormal(0.0, 0.6, n) * (1 + rng.pareto(3.0, n))
    total = float(rng.lognormal(math.log(600_000), 0.6))
    pop = np.maximum(np.round(total * weight / weight.sum()), 100.0)
    k = int(rng.integers(2, min(12, max(2, n // 4)) + 1))
    p = pop ** 0.7 / (pop ** 0.7).sum()  # leads towards populous units
    at = rng.choice(n, size=k, replace=False, p=p)
    uniform = DensityModel(centre=(X0, Y0), scale_m=1e12, floor=1.0)
    sites = [shapely.Point(sample_points(cells[i], 1, uniform, rng)[0]) for i in at]

    code = f"9{case:05d}"
    units = gpd.GeoDataFrame({"unit_code": [f"{code}{i:03d}" for i in range(n)], "unit_name": "",
                              "district_code": code, "population": pop}, geometry=cells, crs=METRIC)
    districts = gpd.GeoDataFrame({"district_code": [code], "district_name": [f"case {case}"], "ring": ["central"],
                                  "pooling_area": ["all"], "population": [pop.sum()]}, geometry=[poly], crs=METRIC)
    leads = gpd.GeoDataFrame({"facility_code": [f"{code}-H{j}" for j in range(k)], "name": "", "kind": "district_hospital",
                              "district_code": code, "can_lead": True, "hospital_code": "", "subkind": "",
                              "campus_role": "", "gps": np.nan, "physicians": np.nan}, geometry=sites, crs=METRIC)
    mean = pop.sum() / k
    config = PlanConfig.from_mapping({"grids": {"grid_population_min": mean * 0.6, "grid_population_max": mean * 1.4,
                                                "grid_counts": {code: k}, "grid_leads": "given",
                                                "grid_balance_target": balance_target}})
    pkg = DataPackage(name=f"case {case}", districts=districts.to_crs(4326), units=units.to_crs(4326),
                      facilities=leads.to_crs(4326), partnerships=pd.DataFrame(columns=["hospital_code", "district_code"]),
                      config=config, report=LoadReport())
    return pkg, {"units": n, "k": k, "population": float(pop.sum()), "largest_unit_share": float(pop.max() / mean)}


# --- judging a labelling ----------------------------------------------------------------------------
def evaluate(world, labels: np.ndarray, lead_of_grid: np.ndarray) -> dict:
    """Max/min population, population-weighted mean distance to the grid's lead (km), contiguity
    under ``world.adjacency`` and how many leads stand in their own grid (labels over world units)."""
    from scipy.sparse.csgraph import connected_components

    pop = world.population
    k = len(lead_of_grid)
    sizes = np.bincount(labels, weights=pop, minlength=k)
    d = np.hypot(*(world.xy - world.lead_xy[lead_of_grid[labels]]).T)
    contiguous = all(len(m) > 0 and connected_components(world.adjacency[m][:, m], directed=False)[0] == 1
                     for m in (np.flatnonzero(labels == g) for g in range(k)))
    own = sum(int(labels[world.lead_unit[j]] == g) for g, j in enumerate(lead_of_grid) if world.lead_unit[j] >= 0)
    return {"max_min": float(sizes.max() / max(sizes.min(), 1.0)), "access_km": float((d * pop).sum() / pop.sum() / 1000),
            "contiguous": contiguous, "own": own}


def run_engine(pkg, *, exact: bool, seconds: float) -> dict:
    from planning.session import PlanningSession

    config = replace(pkg.config, grid_exact_units=1000 if exact else 0, grid_exact_seconds=seconds)
    session = PlanningSession(pkg, config)
    world = session.world
    t0 = time.perf_counter()
    proposal = session.propose_grids()
    elapsed = time.perf_counter() - t0
    grids = list(proposal.plan.grids)
    gindex = {g.grid_id: n for n, g in enumerate(grids)}
    lead = {str(c): j for j, c in enumerate(world.lead_codes)}
    labels = np.array([gindex[proposal.plan.assignment[str(c)]] for c in world.unit_codes])
    result = {"time_s": elapsed, **evaluate(world, labels, np.array([lead[g.lead_facility_code] for g in grids]))}
    quality = getattr(proposal, "quality", None) or {}
    q = quality.get(world.districts[0]) if quality else None
    if q is not None:
        result.update(method=getattr(q, "method", "?"), proved=bool(getattr(q, "proved", False)),
                      target=float(getattr(q, "target", math.nan)),
                      gap=float(getattr(q, "gap", math.nan)), balance_bound=float(getattr(q, "balance_bound", math.nan)),
                      access_bound_km=float(getattr(q, "access_bound_km", math.nan)),
                      engine_balance=float(getattr(q, "balance", math.nan)),
                      engine_access_km=float(getattr(q, "access_km", math.nan)),
                      engine_seconds=float(getattr(q, "seconds", math.nan)))
    return result


def tree_part(world, k: int, *, epsilon: float, seed: int, attempts: int = 2000) -> tuple[np.ndarray, float]:
    """GerryChain ``recursive_tree_part`` of all the world's units into ``k`` regions on a networkx
    graph of ``world.adjacency`` (population as node attribute, target the mean). When no partition
    is found within ``attempts`` spanning trees per cut, epsilon is doubled; returns the labels and
    the epsilon used (``RuntimeError`` when none up to 8)."""
    import networkx as nx
    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    pop = world.population
    g = nx.Graph()
    g.add_nodes_from((i, {"population": float(pop[i])}) for i in range(world.n))
    rows, cols = world.adjacency.nonzero()
    g.add_edges_from((int(a), int(b)) for a, b in zip(rows, cols) if a < b)
    graph = Graph.from_networkx(g)
    eps = epsilon
    while eps < 8:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assignment = recursive_tree_part(graph, list(range(k)), pop.sum() / k, "population", eps,
                                                 bipartition_tree_fn=partial(bipartition_tree, max_attempts=attempts),
                                                 rng=seed)
            return np.array([int(assignment[i]) for i in range(world.n)]), eps
        except Exception:  # no balanced cut within the attempts: loosen
            eps *= 2
    raise RuntimeError(f"no partition up to epsilon {eps / 2:g}")


def run_gerrychain(pkg, *, epsilon: float, seed: int) -> dict:
    """GerryChain's regions, then the hospitals one-to-one (least population-weighted distance)."""
    from scipy.optimize import linear_sum_assignment

    from planning.session import PlanningSession

    world = PlanningSession(pkg).world
    k = len(world.lead_codes)
    pop = world.population
    t0 = time.perf_counter()
    labels, eps = tree_part(world, k, epsilon=epsilon, seed=seed)
    d = np.hypot(world.xy[:, None, 0] - world.lead_xy[None, :, 0], world.xy[:, None, 1] - world.lead_xy[None, :, 1])
    cost = np.array([(d[labels == r] * pop[labels == r, None]).sum(axis=0) for r in range(k)])  # regions x leads
    _, lead_of = linear_sum_assignment(cost)
    elapsed = time.perf_counter() - t0
    return {"time_s": elapsed, "epsilon": eps, **evaluate(world, labels, lead_of)}


# --- the run ----------------------------------------------------------------------------------------
def _fmt(r: dict | None) -> str:
    if r is None or "error" in r:
        return f"failed: {r.get('error') if r else '-'} | | | | |"
    extra = ""
    if "proved" in r:
        extra = f"{r['method']}: " + ("proved" if r["proved"] else f"gap {r['gap'] * 100:.2f} %")
        extra += f" (bounds: max/min {r['balance_bound']:.3f}, access {r['access_bound_km']:.3f} km)"
    elif "epsilon" in r:
        extra = f"epsilon {r['epsilon']:.2f}"
    return (f"{r['time_s']:.2f} | {r['max_min']:.3f} | {r['access_km']:.3f} | {'yes' if r['contiguous'] else 'NO'} | "
            f"{r['own']} | {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0, help="the exact solver's limit per district")
    parser.add_argument("--balance-target", type=float, default=1.25, help="grid_balance_target (0: access only)")
    parser.add_argument("--epsilon", type=float, default=None,
                        help="GerryChain's population tolerance around the mean (default: (T - 1) / (T + 1))")
    parser.add_argument("--no-exact", action="store_true", help="heuristic and GerryChain only")
    parser.add_argument("--case", type=int, nargs="+", help="only these cases (numbers as printed), to reproduce one")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    target = args.balance_target or math.inf
    epsilon = args.epsilon if args.epsilon is not None else (0.25 if math.isinf(target) else (target - 1) / (target + 1))
    cases = args.case if args.case else list(range(args.cases))
    print(f"{len(cases)} districts, seed {args.seed}; balance target {target:g}, exact limit {args.seconds:g} s "
          f"(CP-SAT deterministic time, one worker), GerryChain epsilon {epsilon:.3f}\n")

    methods = ([] if args.no_exact else ["exact"]) + ["heuristic", "GerryChain"]
    rows: list[tuple[dict, dict[str, dict]]] = []
    warm, _ = make_district(max(cases) + 1, args.seed, args.balance_target)  # imports and first calls, untimed
    run_engine(warm, exact=False, seconds=args.seconds)
    run_gerrychain(warm, epsilon=epsilon, seed=0)
    print("| case | units | K | population | largest unit / mean grid | method | time s | pop max/min | "
          "mean access km | contiguous | leads in own grid | proved / gap |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        pkg, info = make_district(case, args.seed, args.balance_target)
        res: dict[str, dict] = {}
        for m in methods:
            try:
                if m == "exact":
                    res[m] = run_engine(pkg, exact=True, seconds=args.seconds)
                elif m == "heuristic":
                    res[m] = run_engine(pkg, exact=False, seconds=args.seconds)
                else:
                    res[m] = run_gerrychain(pkg, epsilon=epsilon, seed=args.seed * 1000 + case)
            except Exception as exc:  # reported in the table, the run goes on
                res[m] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"| {case} | {info['units']} | {info['k']} | {info['population']:,.0f} | "
                  f"{info['largest_unit_share']:.2f} | {m} | {_fmt(res[m])} |", flush=True)
        rows.append((info, res))
    summarise(rows, methods, target)


def summarise(rows, methods, target: float) -> None:
    ok = lambda r: r is not None and "error" not in r  # noqa: E731
    base = "exact" if "exact" in methods else "heuristic"
    print(f"\nSummary over {len(rows)} districts (ratios per district against {base}, same run):")
    print("| method | districts solved | contiguous | leads in own grid | median max/min | worst max/min | "
          f"mean access ratio vs {base} | worst access ratio | median time s | worst time s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in methods:
        rs = [(info, res[m], res.get(base)) for info, res in rows if ok(res.get(m))]
        if not rs:
            print(f"| {m} | 0 | | | | | | | | |")
            continue
        bal = [r["max_min"] for _, r, _ in rs]
        acc = [r["access_km"] / b["access_km"] for _, r, b in rs if ok(b) and b["access_km"] > 0]
        times = [r["time_s"] for _, r, _ in rs]
        own = sum(r["own"] == info["k"] for info, r, _ in rs)
        print(f"| {m} | {len(rs)} / {len(rows)} | {sum(r['contiguous'] for _, r, _ in rs)} | {own} | "
              f"{statistics.median(bal):.3f} | {max(bal):.3f} | {statistics.mean(acc):.4f} | {max(acc):.4f} | "
              f"{statistics.median(times):.2f} | {max(times):.2f} |")
    if "exact" not in methods:
        return
    pairs = [(info, res["exact"], res["heuristic"]) for info, res in rows if ok(res.get("exact")) and ok(res.get("heuristic"))]
    if pairs:
        b = [h["max_min"] / e["max_min"] for _, e, h in pairs]
        print(f"\nheuristic / exact, per district: max/min median {statistics.median(b):.3f}, worst {max(b):.3f}; "
              f"heuristic better on access in {sum(h['access_km'] < e['access_km'] - 1e-9 for _, e, h in pairs)}, "
              f"on max/min in {sum(h['max_min'] < e['max_min'] - 1e-9 for _, e, h in pairs)} of {len(pairs)}")

    # Target 1: proved optimal or within 1 % on every district of <= 60 units, in < 10 s.
    small = [(info, res.get("exact")) for info, res in rows if info["units"] <= 60]
    hit = [info for info, r in small if ok(r) and "proved" in r and (r["proved"] or r["gap"] <= 0.01)
           and r["time_s"] < 10]
    late = sum(1 for _, r in small if ok(r) and r["time_s"] >= 10)
    unknown = sum(1 for _, r in small if not ok(r) or "proved" not in r)
    verdict = "PASS" if small and len(hit) == len(small) else "FAIL"
    print(f"\nTarget 1 (proved optimal or gap <= 1 % in < 10 s, districts of <= 60 units): {verdict}: "
          f"{len(hit)} / {len(small)} (10 s or more: {late}; no quality reported or failed: {unknown})")
    proved = sum(1 for _, r in small if ok(r) and r.get("proved"))
    print(f"  proved optimal: {proved} / {len(small)}; all districts proved: "
          f"{sum(1 for _, res in rows if ok(res.get('exact')) and res['exact'].get('proved'))} / {len(rows)}")

    # Target 2: max/min within 5 % of the proved optimum (met target, or <= 1.05 x the proved bound).
    for m in ("exact", "heuristic"):
        met = within = beyond = nobound = 0
        for _, res in rows:
            r, e = res.get(m), res.get("exact")
            if not ok(r):
                nobound += 1
            elif r["max_min"] <= target + 1e-9:
                met += 1
            elif ok(e) and math.isfinite(e.get("balance_bound", math.nan)) and e["balance_bound"] > 1.0:
                if r["max_min"] <= 1.05 * e["balance_bound"] + 1e-9:
                    within += 1
                else:
                    beyond += 1
            else:
                nobound += 1
        verdict = "PASS" if met + within == len(rows) else "FAIL"
        print(f"Target 2 (max/min within 5 % of the proved optimum), {m}: {verdict}: {met + within} / {len(rows)} "
              f"(target {target:g} met: {met}; missed but within 5 % of the proved bound: {within}; "
              f"more than 5 % above it: {beyond}; missed with no bound above 1: {nobound})")
    if any("method" in res.get("exact", {}) for _, res in rows):
        fell = [info["units"] for info, res in rows if ok(res.get("exact")) and res["exact"].get("method") != "exact"]
        print(f"exact runs the engine did not solve exactly (warm start not contiguous or one grid): {len(fell)}"
              + (f" (units: {fell})" if fell else ""))


if __name__ == "__main__":
    main()
