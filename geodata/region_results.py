"""Reading a region's batch results (issue 19) for the app: the folders under ``<data dir>/regions``
that hold a ``region.json``, and in each its summary rows, failed areas and grids.

The format is the batch's (``region/runner.py``): ``region.json`` ({"provenance": {name?, inputs,
settings, version, created}, "areas": [summary rows], "failed": [...]}), ``summary.csv`` (the same
rows) and ``grids.gpkg`` (layer ``grids``) or ``grids.parquet``. Only reads; never writes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.errors import GeodataError
from geodata.store import data_dir
from texts import Text

REGIONS = "regions"
MANIFEST = "region.json"
GRID_COLUMNS = ("area_code", "area_name", "district_code", "district_name", "grid_id", "lead_code", "lead_name",
                "population", "units")
CODES = ("area_code", "district_code", "grid_id", "lead_code")  # identifiers: always text ("630001", never 630001)


class RegionResultError(GeodataError):
    """A results folder that cannot be read; ``text`` says why in either language."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text.render("en"))


@dataclass(frozen=True)
class RegionEntry:
    """A results folder as listed: where it is, its name (the run's input, e.g. the packages'
    folder), how many areas, when it was made."""

    folder: Path
    name: str
    areas: int
    created: str
    stamp: float  # the manifest's modification time: a new run of the batch is read afresh


@dataclass(frozen=True)
class RegionResult:
    """One region's results: its provenance, the summary rows (one per area, in area order) and the
    failed areas (``area_code``, ``area_name``, ``message`` {zh, en})."""

    folder: Path
    name: str
    provenance: dict
    summary: pd.DataFrame
    failed: list[dict] = field(default_factory=list)


def regions_root() -> Path:
    """Where the app looks for results folders: ``<data dir>/regions``."""
    return data_dir() / REGIONS


def find_results(root: Path | None = None) -> list[RegionEntry]:
    """Every folder directly under ``root`` (``regions_root()``) holding a ``region.json``, by name;
    a manifest that cannot be parsed is listed under its folder's name (opening it says why)."""
    root = regions_root() if root is None else Path(root)
    entries = []
    for manifest in sorted(root.glob(f"*/{MANIFEST}")) if root.is_dir() else []:
        try:
            data = _manifest(manifest)
        except RegionResultError:
            data = {}
        provenance = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}
        name = str(provenance.get("name") or manifest.parent.name)
        areas = data.get("areas") if isinstance(data.get("areas"), list) else []
        entries.append(RegionEntry(manifest.parent, name, len(areas), str(provenance.get("created", "")),
                                   manifest.stat().st_mtime))
    return sorted(entries, key=lambda e: (e.folder.name, e.name))  # by the folder the planner named (--out)


def _manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RegionResultError(Text("region.bad_json", {"detail": type(exc).__name__})) from exc
    if not isinstance(data, dict):
        raise RegionResultError(Text("region.bad_json", {"detail": type(data).__name__}))
    return data


def read_result(folder: Path) -> RegionResult:
    """The results in ``folder``: the summary rows from ``region.json`` (else ``summary.csv``), the
    failed areas from its ``failed`` list (else the rows whose status is ``failed``)."""
    folder = Path(folder)
    data = _manifest(folder / MANIFEST)
    provenance = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}
    rows = data.get("areas")
    if isinstance(rows, list) and rows:
        summary = pd.DataFrame([r for r in rows if isinstance(r, dict)])
    elif (folder / "summary.csv").is_file():
        summary = pd.read_csv(folder / "summary.csv", dtype={"area_code": str}, keep_default_na=True)
    else:
        summary = pd.DataFrame(columns=["area_code", "area_name", "status"])
    for column in ("area_code", "area_name", "status"):
        if column not in summary:
            summary[column] = ""
    summary["area_code"] = summary["area_code"].astype(str)
    failed = [_failure(f) for f in data.get("failed", []) if isinstance(f, dict)] if isinstance(data.get("failed"), list) else []
    if not failed:
        failed = [_failure(row) for row in summary[summary["status"] == "failed"].to_dict("records")]
    return RegionResult(folder, str(provenance.get("name") or folder.name), provenance, summary, failed)


def _failure(entry: dict) -> dict:
    """A failed area as {area_code, area_name, message: {zh, en}} whichever keys the entry uses."""
    code = entry.get("area_code", entry.get("code", ""))
    name = entry.get("area_name", entry.get("name", entry.get("area", code)))
    message = entry.get("message", entry.get("reason", entry.get("error", entry.get("errors", ""))))
    if isinstance(message, dict):
        zh = message.get("zh") or message.get("en") or ""
        en = message.get("en") or zh
    else:
        zh = en = "" if message is None or (isinstance(message, float) and pd.isna(message)) else str(message)
    zh, en = entry.get("zh", entry.get("message_zh", zh)), entry.get("en", entry.get("message_en", en))  # the batch's: zh, en
    return {"area_code": str(code), "area_name": str(name), "message": {"zh": str(zh), "en": str(en)}}


def input_names(provenance: dict) -> list[str]:
    """The inputs a run read, by their folder or file names: the batch's ``{"region": path, "cells":
    path}`` (or a list of paths, or one)."""
    inputs = provenance.get("inputs")
    if isinstance(inputs, dict):
        inputs = [inputs.get("region"), inputs.get("cells")]
    elif not isinstance(inputs, list):
        inputs = [inputs]
    return [Path(str(i)).name or str(i) for i in inputs if i and isinstance(i, str)]


def setting(provenance: dict, name: str) -> object:
    """A grid setting the run used (the batch's ``settings.grid``, or ``settings`` itself), or None."""
    settings = provenance.get("settings") if isinstance(provenance.get("settings"), dict) else {}
    grid = settings.get("grid") if isinstance(settings.get("grid"), dict) else {}
    return grid.get(name, settings.get(name))


def read_grids(folder: Path) -> gpd.GeoDataFrame:
    """Every area's grids (``grids.gpkg`` layer ``grids``, else ``grids.parquet``) in EPSG:4326,
    codes as text. Raises ``RegionResultError`` when neither can be read."""
    folder = Path(folder)
    try:
        if (folder / "grids.gpkg").is_file():
            grids = gpd.read_file(folder / "grids.gpkg", layer="grids", engine="pyogrio")
        elif (folder / "grids.parquet").is_file():
            grids = gpd.read_parquet(folder / "grids.parquet")
        else:
            raise RegionResultError(Text("region.no_grids"))
    except RegionResultError:
        raise
    except Exception as exc:  # a truncated or foreign file: GDAL, Arrow and shapely raise their own kinds
        raise RegionResultError(Text("region.bad_grids", {"detail": type(exc).__name__})) from exc
    if grids.crs is not None and grids.crs.to_epsg() != 4326:
        grids = grids.to_crs(4326)
    for column in CODES:
        if column in grids:
            grids[column] = grids[column].astype(str)
    return grids
