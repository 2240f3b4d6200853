"""A region's batch run: every pooling area's pipeline (``region.pipeline.run_area``) as one task,
serially in this process or on a ``dask.distributed`` cluster (a ``LocalCluster`` sized to the
machine by default, or an existing one by address), then the region's files, written here on
the client in area order:

- ``summary.csv``: a row per area (``region.pipeline.ROW_COLUMNS``), status ok, resumed or failed;
- ``region.json``: the provenance (inputs, settings, version, the time, stamped once here), the
  rows, the failed areas with their reasons, and how the run went (``run``: scheduler, workers,
  seconds);
- ``grids.gpkg`` (layer ``grids``) and ``grids.parquet`` (GeoParquet): every area's grids with
  their area, district, lead hospital, residents and units, in EPSG:4326.

A failed area (its data, its settings, a plan the rules cannot allow, a crash, a worker out of
memory) is reported with its reason and the others finish. With ``resume``, an area whose
``done.json`` was written under the same inputs and settings is not computed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import geopandas as gpd
import pandas as pd

from geodata.export import write_csv, write_geoparquet, write_gpkg, write_json
from region.areas import Area, find_areas
from region.pipeline import (DONE, ROW_COLUMNS, AreaFailed, AreaOutcome, area_package, area_record, config_digest,
                             failed, fingerprint, load_area_package, run_area)
from texts import LANGS, render

SERIAL = "serial"
CONNECT_SECONDS = 10  # to reach a scheduler given by address
GRID_COLUMNS = ["area_code", "area_name", "district_code", "district_name", "grid_id", "lead_code", "lead_name",
                "population", "units", "geometry"]
REGION_FILES = ("summary.csv", "region.json", "grids.gpkg", "grids.parquet")


class RegionError(Exception):
    """The region cannot be run at all (nothing found, a cluster out of reach): both languages."""

    def __init__(self, code: str, **params: object) -> None:
        self.messages = {lang: render(code, lang, **params) for lang in LANGS}
        super().__init__(self.messages["en"])


@dataclass(frozen=True)
class RegionOutcome:
    """What a batch run did: the rows in area order, the failed areas with their reasons, the
    provenance written, how it ran, and the region's files."""

    out: Path
    rows: list[dict]
    failed: list[dict]
    provenance: dict
    run: dict
    files: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.rows)


def project_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ylt-grid-planner")
    except PackageNotFoundError:
        return "unknown"


def run_region(path: Path | str, out: Path | str, *, cells: Path | str | None = None, scheduler: str | None = None,
               workers: int | None = None, resume: bool = True, progress: TextIO | str | None = "stderr",
               settings: dict | None = None, sites: int = 10, config_text: str | None = None,
               lang: str = "zh") -> RegionOutcome:
    """Run every pooling area of the region at ``path`` and write the region's files into
    ``out`` (see the module docstring). ``scheduler``: None for a ``LocalCluster`` of
    ``workers`` processes (default: one per CPU), ``"serial"`` for this process alone, or a
    scheduler's address (``tcp://host:8786``; its workers must see ``path`` and ``out`` at the
    same paths, a shared disk); ``settings``: grid settings for every area (``run_area``);
    ``progress``: where a line per area goes (``"stderr"``: ``sys.stderr`` at the time of the
    call; None: nowhere)."""
    started = time.perf_counter()
    path, out = Path(path), Path(out)
    if not path.exists():
        raise RegionError("batch.not_found", region=str(path))
    if cells is not None and not Path(cells).is_dir():
        raise RegionError("batch.cells_not_found", cells=str(cells))
    areas = [a for a in find_areas(path, cells) if not _inside(Path(a.source), out)]  # not an earlier run's results
    if not areas:
        raise RegionError("batch.none_found", region=str(path))
    settings = dict(settings or {})
    created = datetime.now(UTC).isoformat(timespec="seconds")  # the one clock of the run: the client's
    version = project_version()
    out.mkdir(parents=True, exist_ok=True)
    prints = Progress(sys.stderr if progress == "stderr" else progress, len(areas), lang)
    task = {"settings": settings, "sites": sites, "config_text": config_text, "version": version}
    outcomes = _done_before(out, areas, task) if resume else {}
    todo = [a for a in areas if a.code not in outcomes]
    task["packages"], refused = shared_packages(todo, config_text)
    outcomes.update(refused)
    for area in areas:  # what is known before any task runs: done before, or a shared package refused
        if area.code in outcomes:
            prints.area(area, outcomes[area.code])
    with _executor(scheduler, workers) as (submit_all, how):
        for area, outcome in submit_all([a for a in todo if a.code not in refused], str(out), task):
            outcomes[area.code] = outcome
            prints.area(area, outcome)
    prints.finish()
    rows = [outcomes[a.code].row for a in areas]
    failures = [{"area_code": a.code, "area_name": a.name, **outcomes[a.code].error}
                for a in areas if not outcomes[a.code].ok]
    provenance = _provenance(path, cells, areas, created, task)
    run = {**how, "seconds": round(time.perf_counter() - started, 3), "computed": len(todo),
           "resumed": len(areas) - len(todo)}
    files = write_region(out, areas, outcomes, provenance, run, failures)
    return RegionOutcome(out=out, rows=rows, failed=failures, provenance=provenance, run=run, files=files)


def _provenance(path: Path, cells: Path | str | None, areas: list[Area], created: str, task: dict) -> dict:
    """Where the results come from: the inputs, the settings, the version, the run's time."""
    return {"name": path.name or str(path), "created": created,
            "inputs": {"region": str(path.resolve()), "cells": str(Path(cells).resolve()) if cells else None,
                       "config_sha256": config_digest(task["config_text"]), "areas": [area_record(a) for a in areas]},
            "settings": {"grid": task["settings"], "sites": task["sites"]}, "version": task["version"]}


def _done_before(out: Path, areas: list[Area], task: dict) -> dict[str, AreaOutcome]:
    """The areas a resumed run skips (``done_record``), as resumed outcomes."""
    found = {}
    for area in areas:
        record = done_record(out, area, task["settings"], sites=task["sites"], config_text=task["config_text"],
                             version=task["version"])
        if record is not None:
            found[area.code] = resumed(area, record)
    return found


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


# --- running the tasks --------------------------------------------------------------------------

# A LocalCluster shares the machine's cores with its scheduler and this client, so its workers keep
# their housekeeping down: no statistical profiler (a thread sampling the task's stack every 10 ms),
# the memory and system monitors polled less often, no spilling to disk (a task keeps nothing for
# later). A worker past 95 % of its memory is still restarted (its area reported as out of memory).
# Measured on 40 synthetic counties, 2 workers on 2 cores: the tasks' seconds from 22.9 to 21.6,
# the wall time from 12.5 s to 11.8 s (serial: 19.7 s); docs/SCALE.md.
# The scheduler's HTTP server (Dask starts one even without a dashboard; 8787 when not told) on a
# free loopback port: two clusters at once (tests on two workers, a second batch) never compete for
# 8787, and nothing listens beyond this machine.
HTTP = "127.0.0.1:0"
QUIET = {"distributed.worker.profile.enabled": False, "distributed.worker.memory.monitor-interval": "2s",
         "distributed.admin.system-monitor.interval": "5s", "distributed.admin.tick.interval": "200ms",
         "distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}


@contextlib.contextmanager
def _executor(scheduler: str | None, workers: int | None) -> Iterator[tuple]:
    """(a function running areas and yielding (area, outcome) as each finishes, how it runs)."""
    if scheduler == SERIAL:
        yield _serial, {"scheduler": SERIAL, "workers": 1}
        return
    from distributed import Client, LocalCluster

    if scheduler is None:
        import dask

        n = workers or os.cpu_count() or 1
        with dask.config.set(QUIET), LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                  dashboard_address=HTTP, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield _on(client), {"scheduler": "local", "workers": n}
        return
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, not an address
        raise RegionError("batch.cluster_unreachable", address=scheduler, reason=str(exc)) from None
    with client:
        client.wait_for_workers(1, timeout=60)
        yield _on(client), {"scheduler": scheduler, "workers": len(client.scheduler_info()["workers"])}


def _serial(areas: list[Area], out: str, task: dict) -> Iterator[tuple[Area, AreaOutcome]]:
    for area in areas:
        try:
            outcome = run_area(area, out, task["settings"], sites=task["sites"], config_text=task["config_text"],
                               version=task["version"], package=task["packages"].get(area.code))
        except Exception as exc:  # a crash of one area is that area's failure: the others go on
            outcome = crashed(area, exc)
        yield area, outcome


def _on(client):
    """Areas as tasks on ``client``'s cluster: one task each (keyed by its code and this run), as
    they finish; a task that raised (a crash, a worker killed out of memory) fails its area."""
    from distributed import as_completed

    def submit_all(areas: list[Area], out: str, task: dict) -> Iterator[tuple[Area, AreaOutcome]]:
        run = hashlib.sha1(f"{out}{time.time_ns()}".encode()).hexdigest()[:8]
        futures = {client.submit(run_area, area, out, task["settings"], sites=task["sites"],
                                 config_text=task["config_text"], version=task["version"],
                                 package=_scattered(client, task["packages"].get(area.code)),
                                 key=f"area-{area.code}-{run}", pure=False): area for area in areas}
        for future in as_completed(futures):
            area = futures[future]
            if future.status == "error":
                outcome = crashed(area, future.exception())
            else:
                outcome = future.result()
            future.release()
            yield area, outcome

    return submit_all


def _scattered(client, part):
    """An area's part of a shared package sent to the cluster as data of its own (not inside the
    task: a county's layers can be megabytes)."""
    return None if part is None else client.scatter(part, hash=False)


def shared_packages(areas: list[Area], config_text: str | None) -> tuple[dict, dict[str, AreaOutcome]]:
    """A package holding several of ``areas`` (one province package split by pooling area) is
    loaded once, here, and each area's task receives its part (``area_package``), rather than
    every task loading the whole province: (area code -> its part, area code -> its failure when
    the package cannot be used)."""
    by_source: dict[str, list[Area]] = {}
    for area in areas:
        by_source.setdefault(area.source, []).append(area)
    parts: dict = {}
    refused: dict[str, AreaOutcome] = {}
    for group in by_source.values():
        if len(group) < 2:
            continue
        try:
            package = load_area_package(group[0], config_text)
        except AreaFailed as exc:
            refused.update({a.code: failed(a, exc.kind, exc.messages) for a in group})
            continue
        for area in group:
            try:
                parts[area.code] = area_package(package, area)
            except AreaFailed as exc:
                refused[area.code] = failed(area, exc.kind, exc.messages)
    return parts, refused


def crashed(area: Area, exc: BaseException) -> AreaOutcome:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):  # its own text is a paragraph for programmers: the worker is enough
        worker = getattr(getattr(exc, "last_worker", None), "address", "")
        code, kind, error = "batch.out_of_memory", "memory", f"KilledWorker {worker}".strip()
    else:
        code, kind, error = "batch.crashed", "crash", f"{type(exc).__name__}: {exc}"
    return failed(area, kind, {lang: render(code, lang, error=error) for lang in LANGS})


# --- resuming -----------------------------------------------------------------------------------

def done_record(out: Path, area: Area, settings: dict, *, sites: int, config_text: str | None,
                version: str) -> dict | None:
    """The area's ``done.json`` when it was written under the same inputs and settings and its
    results are all there; None otherwise (to be computed)."""
    from region.pipeline import AREA_FILES

    folder = out / "areas" / area.code
    try:
        record = json.loads((folder / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    wanted = fingerprint(area, settings, sites=sites, config_text=config_text, version=version)
    if not isinstance(record, dict) or record.get("fingerprint") != wanted:
        return None
    if not all((folder / name).is_file() for name in AREA_FILES):
        return None
    return record


def resumed(area: Area, record: dict) -> AreaOutcome:
    row = {**dict.fromkeys(ROW_COLUMNS), **record["row"], "status": "resumed"}  # nothing measured this run
    return AreaOutcome(code=area.code, row=row, layout=None, district_names=dict(record.get("district_names", {})))


# --- the region's files ---------------------------------------------------------------------------

def write_region(out: Path, areas: list[Area], outcomes: dict[str, AreaOutcome], provenance: dict, run: dict,
                 failures: list[dict]) -> list[Path]:
    rows = [outcomes[a.code].row for a in areas]
    write_csv(pd.DataFrame(rows, columns=list(ROW_COLUMNS)), out / "summary.csv")
    write_json({"provenance": provenance, "run": run, "areas": rows, "failed": failures}, out / "region.json")
    grids = region_grids(out, areas, outcomes)
    write_gpkg(out / "grids.gpkg", {"grids": grids}, metadata={"provenance": provenance}, dated=provenance["created"])
    write_geoparquet(grids, out / "grids.parquet", metadata={"provenance": provenance})
    return [out / name for name in REGION_FILES]


def region_grids(out: Path, areas: list[Area], outcomes: dict[str, AreaOutcome]) -> gpd.GeoDataFrame:
    """Every done area's grids, in area order, from its ``layout.geojson`` (the text the task
    handed back, or the file of an area done before): the same rows fresh or resumed."""
    frames = []
    for area in areas:
        outcome = outcomes[area.code]
        if not outcome.ok:
            continue
        text = outcome.layout
        if text is None:
            text = (out / "areas" / area.code / "layout.geojson").read_text(encoding="utf-8")
        frames.append(_area_grids(area, json.loads(text), outcome.district_names))
    if not frames:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in GRID_COLUMNS[:-1]}, geometry=gpd.GeoSeries([]),
                                crs=4326)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)


def _area_grids(area: Area, layout: dict, names: dict[str, str]) -> gpd.GeoDataFrame:
    features = layout.get("features", [])
    frame = gpd.GeoDataFrame.from_features(features, crs=4326) if features else gpd.GeoDataFrame(
        {"grid_id": []}, geometry=gpd.GeoSeries([]), crs=4326)
    frame = frame.rename(columns={"lead_facility_code": "lead_code"})
    frame["area_code"], frame["area_name"] = area.code, area.name
    frame["district_code"] = frame.get("district_code", pd.Series(dtype=object)).astype(str)
    frame["district_name"] = frame["district_code"].map(names).fillna(frame["district_code"])
    frame["population"] = frame["population"].astype(float)
    frame["units"] = frame["units"].astype(int)
    return frame[GRID_COLUMNS]


# --- progress on stderr ---------------------------------------------------------------------------

class Progress:
    """A line per area as it finishes (to a file or a pipe: CI's log); on a terminal, a counter
    rewritten in place, with a line for each failure."""

    def __init__(self, stream: TextIO | None, total: int, lang: str) -> None:
        self.stream, self.total, self.lang = stream, total, lang
        self.done = self.failed = 0
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def area(self, area: Area, outcome: AreaOutcome) -> None:
        self.done += 1
        self.failed += not outcome.ok
        if self.stream is None:
            return
        line = render("batch.progress", self.lang, done=self.done, total=self.total, name=area.name, area=area.code,
                      status=self.status(outcome))
        if self.tty:
            counter = render("batch.counter", self.lang, done=self.done, total=self.total, failed=self.failed)
            text = f"\r\033[K{line}\n" if not outcome.ok else ""
            self.stream.write(f"{text}\r\033[K{bar(self.done, self.total)} {counter}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def status(self, outcome: AreaOutcome) -> str:
        row = outcome.row
        if not outcome.ok:
            return render("batch.status_failed", self.lang, reason=outcome.error[self.lang])
        if row["status"] == "resumed":
            return render("batch.status_resumed", self.lang)
        took = render("batch.progress_took", self.lang, seconds=row["seconds"] or 0.0,
                      peak_mb="-" if row["peak_mb"] is None else f"{row['peak_mb']:,.0f}")
        return render("batch.status_ok", self.lang, took=took)

    def finish(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def bar(done: int, total: int, width: int = 30) -> str:
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"
