"""The filing export at real size: each step timed, old code against new in the same run.

Cases: the embedded default (234 units, 52 grids; what officials ask for in meetings) and a
larger synthetic district (``geodata.synth.lattice_package``, 2,000 one-kilometre cells into 20
grids, given the facility columns the export reads). Steps: the planning session (package to
proposed plan), ``geodata.filing.build``, each format written on its own (geojson, gpkg, csv,
checks, xlsx, pdf, html), and the filing ZIP written from a fresh session and export, so it
pays for everything it needs itself, as the first click in a meeting does. Imports (WeasyPrint,
openpyxl, folium) are done before timing; the CLI pays them once more (about 2 s).

``--baseline REV`` (default: the commit before the issue 14 export work) runs the same steps on
that revision's code (``git archive`` into a temporary folder, one subprocess per case), so the
ratios compare old and new on the same machine at the same time.

    .venv/bin/python bench/filing.py                      # default and lattice 2000 x 20, against the baseline
    .venv/bin/python bench/filing.py --cases default --baseline none
    .venv/bin/python bench/filing.py --profile filing     # cProfile of one step on the default, new code
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "515cdb6"  # the commit before the issue 14 export work
STEPS = ("session", "build", "geojson", "gpkg", "csv", "checks", "xlsx", "pdf", "html", "filing")


def package(case: str):
    """The package of ``case``: ``default``, ``dense:M`` (the default with its unit boundaries
    given a vertex every M metres, on 6 decimals, as detailed as real boundaries) or
    ``lattice:N:K``."""
    from geodata.default import load_default

    if case == "default":
        return load_default()
    if case.startswith("dense:"):
        return densified(load_default(), float(case.split(":")[1]))
    _, n, k = case.split(":")
    return exportable(__import__("geodata.synth", fromlist=["lattice_package"]).lattice_package(int(n), int(k)))


def densified(pkg, metres: float):
    """``pkg`` with a vertex at least every ``metres`` along its unit boundaries, rounded to 6
    decimals (shared edges then differ by a rounding here and there, as real ones do)."""
    from dataclasses import replace

    import geopandas as gpd
    import shapely

    metric = pkg.units.estimate_utm_crs()
    detailed = gpd.GeoSeries(shapely.segmentize(pkg.units.to_crs(metric).geometry.values, metres), crs=metric).to_crs(4326)
    units = pkg.units.copy()
    units["geometry"] = shapely.set_precision(detailed.values, 1e-6, mode="pointwise")
    return replace(pkg, units=gpd.GeoDataFrame(units, geometry="geometry", crs=4326))


def exportable(pkg):
    """``pkg`` with every canonical facility and unit column the exports read (the synthetic
    lattice has only those the solvers need); empty where the schema has no default."""
    from dataclasses import replace

    import numpy as np

    from geodata.schema import FACILITIES, UNITS

    def filled(frame, layer):
        frame = frame.copy()
        for column in layer.columns:
            if column.name not in frame:
                frame[column.name] = column.default if column.default is not None else np.nan
        return frame

    return replace(pkg, facilities=filled(pkg.facilities, FACILITIES), units=filled(pkg.units, UNITS))


def timings(case: str) -> dict[str, float]:
    """Seconds per step of ``case`` with whatever code ``geodata`` imports from."""
    import folium  # noqa: F401  imports are paid before timing
    import openpyxl  # noqa: F401
    import weasyprint  # noqa: F401

    from geodata.filing import build
    from planning.session import PlanningSession
    from ui.handout import write_export

    pkg = package(case)
    meta = {"plan_id": "bench", "plan_name": "bench", "version": 1, "author": "bench", "created": "2026-01-01T00:00:00+00:00"}
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        session = PlanningSession(pkg)
        plan = session.propose().plan
        out["session"] = time.perf_counter() - start
        start = time.perf_counter()
        export = build(session, plan, meta)
        out["build"] = time.perf_counter() - start
        for kind in STEPS[2:-1]:
            start = time.perf_counter()
            write_export(export, kind, Path(tmp) / f"plan.{kind}")
            out[kind] = time.perf_counter() - start
        session = PlanningSession(pkg)  # the ZIP from cold: nothing cached by the steps above
        plan = session.propose().plan
        start = time.perf_counter()
        write_export(build(session, plan, meta), "filing", Path(tmp) / "filing.zip")
        out["filing"] = time.perf_counter() - start
        out["filing_size"] = (Path(tmp) / "filing.zip").stat().st_size
    return out


def run_at(revision: str | None, case: str) -> dict[str, float]:
    """``timings(case)`` in a subprocess, on ``revision``'s code (None: the working tree)."""
    with tempfile.TemporaryDirectory() as tree:
        root = ROOT
        if revision:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
            root = Path(tree)
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(root), "--cases", case],
                              capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if done.returncode:
            raise RuntimeError(f"{case} at {revision or 'working tree'}:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="default,lattice:2000:20", help="comma-separated: default, lattice:N:K")
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare against, or 'none'")
    parser.add_argument("--profile", metavar="STEP", help="cProfile one step (of STEPS) on the first case")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = args.cases.split(",")
    if args.worker:  # one case, code from the given tree
        sys.path.insert(0, args.worker)
        print(json.dumps(timings(cases[0])))
        return
    if args.profile:
        profile(cases[0], args.profile)
        return
    baseline = None if args.baseline.lower() == "none" else args.baseline
    for case in cases:
        new = run_at(None, case)
        old = run_at(baseline, case) if baseline else None
        print(f"\n{case}: seconds per step (filing ZIP {new['filing_size'] / 1e6:.2f} MB)")
        head = f"{'step':<10}{'new':>9}{'share':>8}"
        print(head + (f"{'old ' + baseline:>16}{'old/new':>9}" if old else ""))
        for step in STEPS:
            share = f"{new[step] / new['filing']:.0%}" if step not in ("session", "build", "filing") else ""
            line = f"{step:<10}{new[step]:>9.2f}{share:>8}"
            if old:
                line += f"{old[step]:>16.2f}{old[step] / new[step]:>9.1f}"
            print(line)
        parts = sum(new[k] for k in ("geojson", "csv", "checks", "xlsx", "pdf"))
        print(f"the ZIP's five formats written one by one: {parts:.2f} s; the ZIP from cold: {new['filing']:.2f} s "
              f"({new['filing'] / parts:.2f} of that)")


def profile(case: str, step: str) -> None:
    """Where the time of ``step`` goes (cumulative, top 30)."""
    import cProfile
    import pstats

    import folium  # noqa: F401
    import openpyxl  # noqa: F401
    import weasyprint  # noqa: F401

    from geodata.filing import build
    from planning.session import PlanningSession
    from ui.handout import write_export

    session = PlanningSession(package(case))
    plan = session.propose().plan
    meta = {"plan_id": "bench", "version": 1, "created": "2026-01-01T00:00:00+00:00"}
    with tempfile.TemporaryDirectory() as tmp, cProfile.Profile() as prof:
        if step in ("session", "build"):
            build(PlanningSession(package(case)), plan, meta)
        else:
            write_export(build(session, plan, meta), step, Path(tmp) / f"plan.{step}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
