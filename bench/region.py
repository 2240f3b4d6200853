"""Province runs on Dask (issue 19), in one run: a synthetic region through the batch serially,
on a ``LocalCluster`` of 2 workers, and on a real multi-process cluster on loopback (a ``dask
scheduler`` and two ``dask worker`` processes started here), with the same bytes checked.

    .venv/bin/python bench/region.py                                  # 300 counties, 10^7 cells
    .venv/bin/python bench/region.py --counties 40 --cells 1000000    # a smaller region

Printed: the region's size and the time to generate it; per mode the wall time, the tasks' summed
seconds, the speed-up against serial, the peak memory of any area (VmHWM of the worker process
for that area) and of the largest county, the load average (the machine may be shared: the
speed-up is only meaningful on an idle machine); whether every area's files are the same bytes as
serial; the cost per county and per 10^6 cells, and the extrapolation to 2,800 counties and 10^8
cells on 32 workers (docs/SCALE.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from region.runner import run_region  # noqa: E402
from region.synthetic import make_region  # noqa: E402

NATIONAL_COUNTIES, NATIONAL_CELLS, NATIONAL_WORKERS = 2_800, 10**8, 32


def digests(out: Path) -> dict[str, str]:
    """Every per-area file's SHA-256 (relative path -> digest)."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "areas").rglob("*")) if p.is_file()}


def cells_cost(made: dict) -> tuple[float, float]:
    """Seconds to read every county's cells partition and sum it to its townships, one county at
    a time (``geodata.cells``), and the peak memory of doing so (VmHWM after a reset)."""
    from geodata.cells import cell_counties, county_population
    from geodata.package import load_package
    from region.pipeline import peak_memory_mb, reset_peak_memory

    reset_peak_memory()
    seconds = 0.0
    package_of = {Path(p).name: p for p in made["packages"]}
    for county in cell_counties(made["cells_root"]):
        units = load_package(package_of[county]).units
        t0 = time.perf_counter()
        county_population(made["cells_root"], county, units)
        seconds += time.perf_counter() - t0
    return seconds, peak_memory_mb() or float("nan")


def quiet_environment() -> dict[str, str]:
    """``region.runner.QUIET`` as ``DASK_…`` environment variables (dask.config's convention)."""
    from region.runner import QUIET

    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value) for key, value in QUIET.items()}


def loopback(workers: int, tmp: Path, env: dict):
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1; returns the
    address and the processes."""
    dask = Path(sys.executable).with_name("dask")
    log = open(tmp / "cluster.log", "w")
    file = tmp / "scheduler.json"
    sched = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--dashboard-address", "127.0.0.1:0",
                              "--scheduler-file", str(file)], stdout=log, stderr=subprocess.STDOUT, env=env)
    while not file.exists():
        time.sleep(0.05)
    address = json.loads(file.read_text())["address"]
    procs = [subprocess.Popen([str(dask), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                               "--no-dashboard", "--name", f"w{i}", "--local-directory", str(tmp / f"w{i}")],
                              stdout=log, stderr=subprocess.STDOUT, env=env) for i in range(workers)]
    return address, sched, procs


def stop(sched, procs) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(timeout=60)
    sched.send_signal(signal.SIGTERM)
    sched.wait(timeout=60)


def run(mode: str, region: dict, out: Path, scheduler, workers: int) -> dict:
    t0 = time.perf_counter()
    result = run_region(region["packages_root"], out, cells=region["cells"], scheduler=scheduler,
                        workers=workers if scheduler is None else None, resume=False, progress=None)
    wall = time.perf_counter() - t0
    rows = [r for r in result.rows if r["status"] == "ok"]
    return {"mode": mode, "wall": wall, "task_seconds": sum(r["seconds"] for r in rows),
            "peak_mb": max((r["peak_mb"] for r in rows), default=0.0), "ok": len(rows), "failed": len(result.failed),
            "digests": digests(out), "rows": rows, "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=300)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=10, help="village clinics per township")
    parser.add_argument("--cells", type=int, default=10_000_000, help="population cells in the region")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="generate into (and keep) this folder")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="ylt-region-"))
    t0 = time.perf_counter()
    made = make_region(tmp / "region", args.counties, seed=0, townships=args.townships,
                       villages_per_township=args.villages, cells_per_county=args.cells // args.counties)
    region = {"packages_root": str(made["packages_root"]), "cells": str(made["cells_root"])}
    print(f"region: {args.counties} counties, {made['units']:,} townships, {made['villages']:,} village clinics, "
          f"{made['cell_count']:,} population cells; generated in {time.perf_counter() - t0:.1f} s ({tmp}); "
          f"load average {os.getloadavg()[0]:.1f}")
    cells_seconds, cells_peak = cells_cost(made)
    print(f"cells: read and summed to townships county by county in {cells_seconds:.1f} s "
          f"({cells_seconds / (made['cell_count'] / 1e6):.2f} s per 10^6 cells), peak memory {cells_peak:,.0f} MB "
          f"(one county at a time)")
    # the loopback workers get the LocalCluster's quiet housekeeping (region.runner.QUIET) as Dask
    # reads it from the environment, as an administrator would configure a real cluster
    env = {**os.environ, "PYTHONPATH": str(ROOT), **quiet_environment()}
    results = [run("serial", region, tmp / "out-serial", "serial", 1),
               run(f"LocalCluster {args.workers} workers", region, tmp / "out-local", None, args.workers)]
    address, sched, procs = loopback(args.workers, tmp, env)
    try:
        results.append(run(f"loopback cluster ({address}, {args.workers} dask worker processes)", region,
                           tmp / "out-loopback", address, args.workers))
    finally:
        stop(sched, procs)
    serial = results[0]
    for r in results:
        same = "same bytes as serial" if r["digests"] == serial["digests"] else "DIFFERENT bytes from serial"
        print(f"  {r['mode']}: {r['wall']:.1f} s wall, {r['task_seconds']:.1f} s in tasks, speed-up "
              f"{serial['wall'] / r['wall']:.2f}x, peak memory of an area {r['peak_mb']:,.0f} MB, {r['ok']} ok, "
              f"{r['failed']} failed; {len(r['digests'])} files, {same}; load average {r['load'][0]:.1f}")
    largest = max(serial["rows"], key=lambda r: r["population"])
    per_county = serial["task_seconds"] / max(serial["ok"], 1)
    per_million = cells_seconds / (made["cell_count"] / 1e6)
    print(f"cost: {per_county:.2f} s per county (its whole pipeline, serial, cells included); cells alone "
          f"{per_million:.2f} s per 10^6; the largest county ({largest['area_name']}, {largest['population']:,.0f} "
          f"residents) peaked at {largest['peak_mb']:,.0f} MB")
    # national: 2,800 counties' pipelines and 10^8 cells (10x the cells per county here) on 32 workers
    extra_cells = (NATIONAL_CELLS - NATIONAL_COUNTIES * made["cell_count"] / args.counties) / 1e6 * per_million
    national = (NATIONAL_COUNTIES * per_county + max(extra_cells, 0.0)) / NATIONAL_WORKERS
    print(f"national extrapolation: ({NATIONAL_COUNTIES:,} counties x {per_county:.2f} s + {max(extra_cells, 0):,.0f} s "
          f"for the cells beyond this density) / {NATIONAL_WORKERS} workers = {national / 60:.1f} min (target < 30 min), "
          f"if the speed-up stays linear (measured here {serial['wall'] / results[1]['wall']:.2f}x on "
          f"{args.workers} workers)")


if __name__ == "__main__":
    main()
