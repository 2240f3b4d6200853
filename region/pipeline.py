"""One pooling area's whole pipeline, as one Dask task: load and validate its package, keep its
districts, count its residents from the population cells (when there are any), propose grids and
pairings, judge them, measure coverage and accessibility, link the village clinics, and write
the results into ``<out>/areas/<code>/``.

The task returns plain data (``AreaOutcome``), never raises for a problem of the data or the
plan: a package that cannot be loaded, settings it refuses, a plan the rules cannot allow come
back as a failed outcome with the reason in both languages (verdicts are data). Only a crash (a
bug, a worker out of memory) propagates, and the runner reports it for that area alone.

Every file written is a function of the area's package and the settings alone (no clock, no
random name), so a run on a cluster writes the same bytes as a serial run. ``done.json`` is
written last, atomically: it marks the area done for a resumed run, and holds its summary row
with the seconds and peak memory measured (which alone differ between runs).
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import pandas as pd

from geodata.errors import DataValidationError, GeodataError
from geodata.export import (checks_document, grid_layer, grid_settings, quality_rows, write_csv, write_geojson,
                            write_json, write_layout)
from geodata.package import load_package
from planning.config import PlanConfig
from planning.coverage import summary_by, supply_per_1000
from planning.errors import CodedError, ConfigError, PlanningError
from planning.metrics import district_metrics
from planning.session import PlanningSession
from planning.villages import integration
from region.areas import Area
from texts import LANGS, render

AREA_FILES = ("issues.csv", "layout.geojson", "units.csv", "pairings.csv", "checks.json", "coverage.json",
              "villages.csv")
DONE = "done.json"
ISSUES_LISTED = 3  # a package that cannot be used: its first problems name the reason


@dataclass(frozen=True)
class AreaOutcome:
    """What one area's task hands back: its summary row (``status`` ok or failed), the reason
    when it failed (``error``: ``{"kind", "zh", "en"}``), and, done, its grids as the GeoJSON
    text of its ``layout.geojson`` with its districts' names (for the region's grids, which the
    client writes: a cluster's workers need not share the client's disk)."""

    code: str
    row: dict
    error: dict | None = None
    layout: str | None = None
    district_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class AreaFailed(Exception):
    """A problem of the area's data or settings: its kind and reason in both languages."""

    def __init__(self, kind: str, messages: dict[str, str]) -> None:
        super().__init__(messages["en"])
        self.kind, self.messages = kind, messages


def fingerprint(area: Area, settings: dict, *, sites: int, config_text: str | None, version: str) -> dict:
    """What an area's results depend on besides its files' contents: a resumed run skips an area
    only when its ``done.json`` was written under the same."""
    return {"source": area.source, "districts": list(area.districts), "cells": area.cells,
            "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)), "sites": int(sites),
            "config_sha256": config_digest(config_text), "version": version}


def config_digest(config_text: str | None) -> str | None:
    """The SHA-256 of the ``config.toml`` given for every area (None: each package's own)."""
    return hashlib.sha256(config_text.encode("utf-8")).hexdigest() if config_text else None


def run_area(area: Area, out_root: str | Path, settings: dict, *, sites: int = 10, config_text: str | None = None,
             version: str = "", package=None) -> AreaOutcome:
    """The whole pipeline of ``area`` (see the module docstring); ``settings``: grid settings
    that change the package's (``planning.config`` names, as ``cli.setting_overrides`` reads
    them: ``grid_counts`` maps district codes to a number, None for automatic, and a code of
    another area is left to that area); ``config_text``: a ``config.toml`` for every area in
    place of each package's own; ``sites``: new primary-care sites the coverage proposes;
    ``package``: the area's part of its package, loaded already (``area_package``: a package
    holding many areas is loaded once, by the runner, not once per area)."""
    reset_peak_memory()
    started = time.perf_counter()
    folder = Path(out_root) / "areas" / area.code
    (folder / DONE).unlink(missing_ok=True)  # results of other settings are not this run's until it says so
    try:
        outcome = _pipeline(area, folder, settings, sites=sites, config_text=config_text, package=package)
    except AreaFailed as exc:
        outcome = failed(area, exc.kind, exc.messages)
    outcome.row.update(seconds=round(time.perf_counter() - started, 3), peak_mb=peak_memory_mb())
    if outcome.ok:  # the row without what was measured: done.json is the same bytes from any run
        write_json({"area": area_record(area), "fingerprint": fingerprint(area, settings, sites=sites,
                                                                           config_text=config_text, version=version),
                    "row": {k: v for k, v in outcome.row.items() if k not in MEASURED},
                    "district_names": outcome.district_names}, folder / DONE)
    return outcome


def failed(area: Area, kind: str, messages: dict[str, str]) -> AreaOutcome:
    """The outcome of an area that could not be planned: its row says failed, and why."""
    return AreaOutcome(code=area.code, row=empty_row(area, "failed", reason=messages.get("en", "")),
                       error={"kind": kind, **messages})


def area_record(area: Area) -> dict:
    return {"code": area.code, "name": area.name, "source": area.source, "districts": list(area.districts),
            "cells": area.cells}


MEASURED = ("seconds", "peak_mb")  # of this run: a resumed area's row leaves them empty
ROW_COLUMNS = ("area_code", "area_name", "status", "districts", "units", "population", "grids", "grid_population_min",
               "grid_population_max", "balance", "village_clinics", "villages_linked", "served_share", "access_mean",
               "access_gini", "rules_failed", "errors", "warnings", "seconds", "peak_mb", "reason")


def empty_row(area: Area, status: str, *, reason: str = "") -> dict:
    row = dict.fromkeys(ROW_COLUMNS)
    row.update(area_code=area.code, area_name=area.name, status=status, reason=reason)
    return row


# --- the pipeline ---------------------------------------------------------------------------------

def _pipeline(area: Area, folder: Path, settings: dict, *, sites: int, config_text: str | None,
              package=None) -> AreaOutcome:
    pkg = area_package(load_area_package(area, config_text) if package is None else package, area)
    pkg = _with_residents(pkg, area)
    pkg = replace(pkg, config=_configured(pkg, settings))
    try:
        session = PlanningSession(pkg, pkg.config)
        proposal = session.propose()
    except CodedError as exc:
        raise AreaFailed("plan", _reason("batch.failed_plan", exc.messages)) from None
    except PlanningError as exc:
        raise AreaFailed("plan", _reason("batch.failed_plan", dict.fromkeys(LANGS, str(exc)))) from None
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(issues_table(pkg.report), folder / "issues.csv")
    plan, pairing = proposal.plan, proposal.pairing
    settings_record = grid_settings(pkg.config)
    verdict = session.judge(plan, pairings=pairing.pairings)
    table = session.metrics(plan)
    world = session.world
    quality = quality_rows(proposal.grids.quality, world.district_names,
                           [d for d, ring in world.district_ring.items() if ring == "county"])
    warnings = _carried(pkg)
    layout = _layout_text(grid_layer(pkg.units, plan.assignment, table, crs=world.crs), {"settings": settings_record})
    write_layout(json.loads(layout), folder / "layout.geojson")
    write_csv(pd.DataFrame(sorted(plan.assignment.items()), columns=["unit_code", "grid_id"]), folder / "units.csv")
    write_csv(pd.DataFrame([{"hospital_code": p.hospital_code, "district_code": p.district_code, "role": p.role,
                             "fixed": p.fixed, "reason": "; ".join(r.render("en") for r in p.reasons)}
                            for p in pairing.pairings],
                           columns=["hospital_code", "district_code", "role", "fixed", "reason"]), folder / "pairings.csv")
    write_json({**checks_document(verdict, pairing, session.binding_caps(), settings=settings_record, quality=quality),
                "data_warnings": warnings}, folder / "checks.json")
    coverage = session.coverage(sites=sites)
    villages = coverage.villages
    access = session.accessibility(plan)
    write_json(_coverage_document(pkg, coverage, plan, access, warnings), folder / "coverage.json")
    write_csv(villages, folder / "villages.csv")
    names = {str(k): str(v) for k, v in sorted(world.district_names.items())}
    row = {**_row(area, pkg, table, coverage, villages, access), "rules_failed": " ".join(verdict.failed)}
    return AreaOutcome(code=area.code, row=row, layout=(folder / "layout.geojson").read_text(encoding="utf-8"),
                       district_names=names)


def load_area_package(area: Area, config_text: str | None):
    """The area's whole package; ``AreaFailed`` (load) when it cannot be used."""
    try:
        return load_package(Path(area.source), config_text=config_text)
    except DataValidationError as exc:
        raise AreaFailed("load", _reason("batch.failed_load", _issues_text(exc.issues))) from None
    except (GeodataError, OSError) as exc:
        text = getattr(exc, "strerror", None) or str(exc)
        raise AreaFailed("load", _reason("batch.failed_load", dict.fromkeys(LANGS, text))) from None


def _issues_text(issues: list) -> dict[str, str]:
    """The first problems of a package that cannot be used, where and what, in both languages."""
    shown = issues[:ISSUES_LISTED]
    more = len(issues) - len(shown)
    return {lang: "; ".join(f"{i.where(lang)}: {i.message(lang)}".lstrip(": ") for i in shown)
            + (f" (+{more})" if more > 0 else "") for lang in LANGS}


def _reason(code: str, reason: dict[str, str]) -> dict[str, str]:
    return {lang: render(code, lang, reason=reason[lang]) for lang in LANGS}


def area_package(pkg, area: Area):
    """The package with only the area's districts (and what lies in them): the whole package
    when the area is all of it."""
    codes = set(pkg.districts["district_code"].astype(str))
    if not area.districts or set(area.districts) == codes:
        return pkg
    keep = set(area.districts)
    missing = sorted(keep - codes)
    if missing:
        raise AreaFailed("districts", {lang: render("batch.failed_districts", lang, districts=missing) for lang in LANGS})
    districts = pkg.districts[pkg.districts["district_code"].astype(str).isin(keep)].reset_index(drop=True)
    outline = districts.union_all()
    return replace(
        pkg, districts=districts,
        units=pkg.units[pkg.units["district_code"].astype(str).isin(keep)].reset_index(drop=True),
        facilities=pkg.facilities[pkg.facilities["district_code"].astype(str).isin(keep)].reset_index(drop=True),
        partnerships=pkg.partnerships[pkg.partnerships["district_code"].astype(str).isin(keep)].reset_index(drop=True),
        roads=_within(pkg.roads, outline), candidates=_within(pkg.candidates, outline),
        population_points=_within(pkg.population_points, outline))


def _within(frame: gpd.GeoDataFrame | None, outline) -> gpd.GeoDataFrame | None:
    if frame is None:
        return None
    kept = frame[frame.intersects(outline)].reset_index(drop=True)
    return kept if len(kept) else None


def _with_residents(pkg, area: Area):
    """The package with the residents of each unit counted from the area's population cells
    (``geodata.cells``: a county's cells joined to its own units alone), for the districts the
    cells cover; the districts' population is the sum of their units'."""
    if area.cells is None:
        return pkg
    from geodata.cells import cell_counties, cells_per_unit, read_county_cells

    covered = sorted(set(pkg.districts["district_code"].astype(str)) & set(cell_counties(Path(area.cells))))
    if not covered:
        return pkg
    units = pkg.units.copy()
    for county in covered:
        mine = units["district_code"].astype(str) == county
        try:
            cells = read_county_cells(Path(area.cells), county)
        except DataValidationError as exc:
            raise AreaFailed("cells", _reason("batch.failed_cells", _issues_text(exc.issues))) from None
        counted = cells_per_unit(cells, units[mine])
        del cells  # the county's cells go before the next county's come
        units.loc[mine, "population"] = units.loc[mine, "unit_code"].map(counted).fillna(0.0).astype(float).to_numpy()
    totals = units.groupby(units["district_code"].astype(str))["population"].sum()
    districts = pkg.districts.copy()
    districts["population"] = districts["district_code"].astype(str).map(totals).fillna(districts["population"])
    return replace(pkg, units=units, districts=districts)


def _configured(pkg, settings: dict) -> PlanConfig:
    """The package's settings changed by ``settings`` and checked as config.toml is."""
    if not settings:
        return pkg.config
    values = dict(settings)
    if "grid_counts" in values:
        own = set(pkg.districts["district_code"].astype(str))
        named = {str(code): n for code, n in values["grid_counts"].items() if str(code) in own}
        merged = {**pkg.config.grid_counts, **named}
        values["grid_counts"] = MappingProxyType({code: n for code, n in sorted(merged.items()) if n is not None})
    try:
        changed = replace(pkg.config, **values)
        changed.check()
    except (ConfigError, TypeError) as exc:
        problems = "; ".join(str(p) for p in getattr(exc, "problems", [exc]))
        raise AreaFailed("settings", _reason("batch.failed_settings", dict.fromkeys(LANGS, problems))) from None
    return changed


def issues_table(report) -> pd.DataFrame:
    """The package's problems, as ``ylt validate`` lists them (errors first), in both languages:
    where, what and the fix."""
    zh, en = report.table("zh"), report.table("en")
    out = zh[["severity", "code", "layer", "column", "value"]].copy()
    for name in ("position", "problem", "fix"):
        out[f"{name}_zh"], out[f"{name}_en"] = zh[name], en[name]
    return out


def _carried(pkg) -> list[dict]:
    """Problems every result of the package inherits (an undeclared GCJ-02 layer), both languages."""
    return [{"code": p.code, "layer": p.layer, "message": {lang: p.message(lang) for lang in LANGS},
             "fix": {lang: p.fix(lang) for lang in LANGS}} for p in pkg.report.carried()]


def _layout_text(grids: gpd.GeoDataFrame, metadata: dict) -> str:
    """The grids as the CLI's ``layout.geojson`` (RFC 7946 by GDAL, with a ``metadata`` member)."""
    with tempfile.TemporaryDirectory(prefix="ylt-batch-") as tmp:
        write_geojson(grids, Path(tmp) / "grids.geojson")
        data = json.loads((Path(tmp) / "grids.geojson").read_text(encoding="utf-8"))
    data.pop("name", None)
    data["metadata"] = metadata
    return json.dumps(data, ensure_ascii=False)


def _coverage_document(pkg, coverage, plan, access, warnings: list[dict]) -> dict:
    """``coverage.json`` as the CLI writes it, but for the budget's improvement (a solver with a
    wall-clock limit, whose answer could differ between a loaded and an idle machine)."""
    table = coverage.table
    grid_of_unit = table["unit_code"].map(plan.assignment)
    placed = gpd.sjoin(pkg.facilities, pkg.units[["unit_code", "geometry"]], how="inner", predicate="within")
    grid_population = table.assign(grid_id=grid_of_unit).groupby("grid_id")["population"].sum()
    population = pkg.districts.set_index("district_code")["population"]
    villages, config = coverage.villages, pkg.config
    return {
        "city": summary_by(table.assign(city="all"), "city").to_dict(orient="records")[0],
        "districts": summary_by(table, "district_code").to_dict(orient="records"),
        "grids": summary_by(table.assign(grid_id=grid_of_unit), "grid_id").to_dict(orient="records"),
        "supply": supply_per_1000(pkg.facilities, population).to_dict(orient="records"),
        "supply_grids": supply_per_1000(placed.assign(grid_id=placed["unit_code"].map(plan.assignment)),
                                        grid_population, by="grid_id").to_dict(orient="records"),
        "villages": {"by_district": integration(villages, "district_code", config).to_dict(orient="records"),
                     "by_thc": integration(villages, "thc_code", config).to_dict(orient="records"),
                     "city": next(iter(integration(villages.assign(city="all"), "city", config).to_dict(orient="records")),
                                  {"city": "all", "clinics": 0})},
        "sites_population_gained": float(sum(coverage.site_gains)),
        "data_warnings": warnings,
        "capacity": {"no_staffing_recorded": coverage.staffing_gaps.to_dict(orient="records")},
        "travel": "road network" if coverage.network is not None else f"straight line x {config.detour_factor}",
        "demand": f"{len(coverage.demand.xy)} population points" if coverage.demand is not None else "one point per unit",
        "accessibility": access.document(),
    }


def _row(area: Area, pkg, table: pd.DataFrame, coverage, villages: pd.DataFrame, access) -> dict:
    """The area's line of the region's summary (the measurements are added by ``run_area``)."""
    counts = pkg.report.counts()
    pops = table["population"]
    balances = district_metrics(table)["population_max_min_ratio"] if len(table) else pd.Series(dtype=float)
    city = summary_by(coverage.table.assign(city="all"), "city").iloc[0]
    row = empty_row(area, "ok")
    row.update(
        districts=int(len(pkg.districts)), units=int(len(pkg.units)), population=round(float(pkg.population), 1),
        grids=int(len(table)), grid_population_min=round(float(pops.min()), 1) if len(pops) else None,
        grid_population_max=round(float(pops.max()), 1) if len(pops) else None,
        balance=_number(balances.max()) if len(balances) else None,
        village_clinics=int(len(villages)),
        villages_linked=int(villages["link"].isin(["given", "proposed"]).sum()) if len(villages) else 0,
        served_share=_number(city["served_share"]), access_mean=_number(access.equity.get("mean")),
        access_gini=_number(access.equity.get("gini")), errors=int(counts["error"]), warnings=int(counts["warning"]))
    return row


def _number(value, digits: int = 4) -> float | None:
    """A figure rounded for the summary; None when not finite (a Gini of nobody)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return round(value, digits) if math.isfinite(value) else None


# --- peak memory of the process, per area ---------------------------------------------------------

def reset_peak_memory() -> None:
    """Reset the process's peak resident memory (Linux: ``/proc/self/clear_refs``, 5), so the
    peak read at the end is this area's (a worker runs one task at a time: one thread)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_memory_mb() -> float | None:
    """The process's peak resident memory since the last reset, in MB (``VmHWM``); None where
    the system does not say (not Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None

