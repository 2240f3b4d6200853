"""``ylt batch --scheduler tcp://…`` on a real multi-process Dask cluster on loopback: a ``dask
scheduler`` and two ``dask worker`` processes started here (the executables beside the
interpreter), the batch pointed at the scheduler by address, the same bytes as a serial run, and
every process ended cleanly (SIGTERM to the workers, then the scheduler; exit codes 0).

The scheduler and the workers import the task (``region.pipeline.run_area``) from the project:
they get ``PYTHONPATH`` at the repository's root. The region: 20 synthetic counties, small, in one
package (the client loads it once and sends each county's part to the workers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_batch import make, mixed, same_region

from region.areas import Area
from region.runner import run_region

pytestmark = pytest.mark.slow

COUNTIES = 20
DASK = Path(sys.executable).with_name("dask")


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the scheduler did not start (exit {process.poll()}); see its log")
        time.sleep(0.05)


def _stop(processes: list[subprocess.Popen]) -> list[int | None]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=30))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append(process.wait(timeout=10))
    return codes


@pytest.fixture(scope="module")
def loopback(tmp_path_factory):
    """The scheduler's address on 127.0.0.1 (a port of its choosing) with two workers; at the end,
    the workers' and the scheduler's exit codes are checked."""
    tmp = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    file = tmp / "scheduler.json"
    log = open(tmp / "cluster.log", "w")
    scheduler = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--dashboard-address", "127.0.0.1:0",
                                  "--scheduler-file", str(file)], stdout=log, stderr=subprocess.STDOUT, env=env)
    workers: list[subprocess.Popen] = []
    try:
        _wait_for(file, scheduler)
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        workers = [subprocess.Popen([str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                     "--nworkers", "1", "--no-dashboard", "--name", f"w{i}", "--death-timeout", "30",
                                     "--local-directory", str(tmp / f"w{i}")],
                                    stdout=log, stderr=subprocess.STDOUT, env=env) for i in range(2)]
        yield address
    finally:
        codes = _stop(workers) + _stop([scheduler])
        log.close()
    assert codes == [0, 0, 0], (tmp / "cluster.log").read_text(encoding="utf-8")[-3000:]


def test_a_batch_by_address_on_a_loopback_cluster_writes_the_same_bytes_as_serial(loopback, tmp_path):
    region = make(tmp_path / "region", COUNTIES, layout="package")  # one package: its parts sent to the workers
    packages, cells = str(region["packages_root"]), str(region["cells_root"])
    run_region(packages, tmp_path / "serial", cells=cells, scheduler="serial", progress=None)
    done = subprocess.run([sys.executable, "cli.py", "--lang", "en", "batch", packages, "--out", str(tmp_path / "cluster"),
                           "--cells", cells, "--scheduler", loopback], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{COUNTIES} done, 0 done before and skipped, 0 failed" in done.stdout
    assert done.stderr.count("\n") == COUNTIES and f"[{COUNTIES}/{COUNTIES}]" in done.stderr
    run = json.loads((tmp_path / "cluster" / "region.json").read_text(encoding="utf-8"))["run"]
    assert run["scheduler"] == loopback and run["workers"] == 2
    same_region(tmp_path / "serial", tmp_path / "cluster")


def test_on_the_cluster_a_failed_or_crashed_area_is_reported_and_the_others_finish(loopback, tmp_path, monkeypatch):
    """p1 cannot be planned and p2 not loaded (failures as data, from the workers); the last area
    crashes its task on the worker (cells given as a number: a TypeError there)."""
    import region.runner as runner

    real = runner.find_areas
    monkeypatch.setattr(runner, "find_areas", lambda *a: [*real(*a), Area("zz", "坏区域", str(a[0]), cells=42)])
    result = run_region(mixed(tmp_path / "mixed"), tmp_path / "out", scheduler=loopback, progress=None)
    kinds = [(f["area_code"], f["kind"]) for f in result.failed]
    assert [r["status"] for r in result.rows] == ["ok", "failed", "failed", "failed"]
    assert kinds == [("p1", "plan"), ("p2", "load"), ("zz", "crash")]
    assert "TypeError" in result.failed[2]["en"] and result.failed[2]["zh"].startswith("计算中断（程序错误 TypeError")
    assert (tmp_path / "out" / "areas" / "p0" / "done.json").is_file()
