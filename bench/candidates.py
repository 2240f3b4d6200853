"""Candidate sites from where people live against unit centres (issue 17), in one run.

    .venv/bin/python bench/candidates.py [--sites 10] [--per-unit 30]

For the embedded Shanghai default and the real-boundary package of tests/corpus/realdata (13
real counties, 6 units each: coarse units), the same number of new sites (``--sites``) is chosen
by the maximal covering model (``planning.sites.maximal_covering``, HiGHS) from two candidate
sets of the same size, one per unit: every unit's centre (today's default) and the
population-weighted k-means centres of the demand (``planning.sites.demand_candidates``). Both
reach the residents not yet within reach of a CHC or THC (each at its own threshold, the rule of
``planning.analysis.within_primary``), a new site reaching ``chc_threshold_km`` / detour, as the
coverage page. Printed per package: residents reached by each set and the ratio clusters /
centres, for two ways of placing the residents:

- ``as given``: the package's population points, else one point per unit (its representative
  point): neither package has population points, so here the clusters can only regroup the
  unit points;
- ``spread``: a modelled spread of each unit's residents, ``--per-unit`` points drawn uniformly
  inside the unit (seeded), as population points would place them; coverage is then counted on
  where the residents are, not at the unit's point.

Also printed: the seconds to derive the clusters and to solve the model on the clusters (points
with the same covering sites are one row: ``--per-unit 2000`` puts about 470,000 points on the
Shanghai default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from geodata.default import load_default  # noqa: E402
from geodata.package import load_package  # noqa: E402
from planning.analysis import within_primary  # noqa: E402
from planning.coverage import Demand, Facilities  # noqa: E402
from planning.sites import candidates_of, coverage_of_sites  # noqa: E402
from planning.session import PlanningSession  # noqa: E402


def realdata_package():
    from corpus.realdata.faults import CASES, write

    folder = Path(tempfile.mkdtemp(prefix="bench-candidates-"))
    return load_package(write(CASES["clean-enclaves-exclaves-islands"](), folder / "clean"))


def spread(world, units, per_unit: int, seed: int = 17) -> Demand:
    """``per_unit`` points uniformly inside each unit (metres), its residents shared equally."""
    rng = np.random.default_rng(seed)
    geoms = units.set_index("unit_code").loc[world.unit_codes].geometry.to_crs(world.crs).to_numpy()
    xy, pop, unit = [], [], []
    for i, g in enumerate(geoms):
        minx, miny, maxx, maxy = g.bounds
        got: list[np.ndarray] = []
        while sum(len(p) for p in got) < per_unit:
            trial = rng.uniform((minx, miny), (maxx, maxy), (per_unit * 4, 2))
            got.append(trial[shapely.contains_xy(g, trial[:, 0], trial[:, 1])])
        pts = np.vstack(got)[:per_unit]
        xy.append(pts), pop.append(np.full(len(pts), world.population[i] / len(pts))), unit.append(np.full(len(pts), i))
    return Demand(np.vstack(xy), np.concatenate(pop), np.concatenate(unit))


def compare(name: str, pkg, sites: int, per_unit: int) -> None:
    world = PlanningSession(pkg).world  # the session builds the world (tests/test_layers.py)
    config = pkg.config
    fac = Facilities.from_frame(pkg.facilities, world.crs)
    radius = config.chc_threshold_km / config.detour_factor * 1000
    given = Demand.of_points(world, pkg.units, pkg.population_points) if pkg.population_points is not None \
        else Demand.of_units(world)
    print(f"\n{name}: {world.n} units, {len(world.districts)} districts, {world.population.sum():,.0f} residents, "
          f"{sites} sites within {config.chc_threshold_km:g} km (detour {config.detour_factor:g})")
    for label, demand in (("as given", given), (f"spread ({per_unit} per unit)", spread(world, pkg.units, per_unit))):
        far = ~within_primary(demand, fac, config, None)  # the analysis's rule: a CHC's reach, a THC's wider one
        xy, weight = demand.xy[far], demand.population[far]
        centres = candidates_of(world, pkg.units)[0]
        t0 = time.perf_counter()
        clusters = candidates_of(world, pkg.units, demand=demand)[0]
        made = time.perf_counter() - t0
        by_centres = coverage_of_sites(xy, weight, centres, sites, radius)
        t0 = time.perf_counter()
        by_clusters = coverage_of_sites(xy, weight, clusters, sites, radius)
        solved = time.perf_counter() - t0
        ratio = by_clusters / by_centres if by_centres > 0 else float("inf")
        print(f"  {label:<24} {len(demand.xy):>7,} points, {weight.sum():>12,.0f} beyond reach | candidates "
              f"{len(centres)} centres vs {len(clusters)} clusters ({made:.2f} s) | reached: centres "
              f"{by_centres:>10,.0f}, clusters {by_clusters:>10,.0f} | ratio {ratio:.3f} | model {solved:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--per-unit", type=int, default=30)
    args = parser.parse_args()
    gpd.options.io_engine = "pyogrio"
    compare("Shanghai default", load_default(), args.sites, args.per_unit)
    compare("Real boundaries (tests/corpus/realdata, clean)", realdata_package(), args.sites, args.per_unit)


if __name__ == "__main__":
    main()
