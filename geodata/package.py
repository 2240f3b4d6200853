"""Loading a planning data package: a folder (or zip, or GeoPackage) of layers plus config.

``load_package`` reads every layer, interprets it (``geodata.validate``), then checks the layers
against each other: districts of units and facilities by location, units straddling districts,
population totals, GCJ-02-shifted points, village-clinic links, partnerships. What cannot be
used is kept in ``report.rejected``; everything else loads. Only a package without usable
districts raises ``DataValidationError``.
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import coords
from geodata.errors import DataValidationError, LoadReport, UnsafeArchiveError, issue
from geodata.readers import DEFAULT_LIMITS, VECTOR_SUFFIXES, TABLE_SUFFIXES, Limits, RawLayer, read_file, safe_extract
from geodata.schema import FACILITIES, LAYERS, LEAD_KINDS, LayerMeta, layer_for_file
from geodata.units import apportion, hex_units
from geodata.validate import POS, interpret
from planning.config import PlanConfig
from planning.errors import ConfigError

# A unit with more than this share of its area in a second district is reported.
STRADDLE_SHARE = 0.05
GCJ_MIN_MISFITS = 3


@dataclass(frozen=True)
class DataPackage:
    """Validated layers (EPSG:4326, canonical columns), config, and how they were loaded."""

    name: str
    districts: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    partnerships: pd.DataFrame
    config: PlanConfig
    report: LoadReport
    meta: Mapping[str, LayerMeta] = field(default_factory=dict)
    modelled_layers: tuple[str, ...] = ()
    roads: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    population_points: gpd.GeoDataFrame | None = None

    @property
    def population(self) -> float:
        return float(self.units["population"].sum())


def parse_config(text: str) -> PlanConfig:
    """Parse a ``config.toml`` (tomllib: data only, nothing evaluated)."""
    return PlanConfig.from_mapping(tomllib.loads(text))


def _layer_files(folder: Path, limits: Limits) -> tuple[dict[str, tuple[str, RawLayer]], list]:
    """Find layer files in ``folder`` (or one sub-folder of it, as zips often have)."""
    candidates = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    if not any(layer_for_file(p.stem) or p.suffix.lower() == ".gpkg" for p in candidates) and len(subdirs) == 1:
        return _layer_files(subdirs[0], limits)
    found: dict[str, tuple[str, RawLayer]] = {}
    notes = []
    for path in sorted(candidates):
        suffix = path.suffix.lower()
        if suffix in (".toml", ".md", ".prj", ".cpg", ".dbf", ".shx", ".qmd", ".xml") or path.name == "manifest.json":
            continue
        if suffix not in VECTOR_SUFFIXES + TABLE_SUFFIXES:
            continue
        for stem, raw in read_file(path, limits=limits):
            name = stem if suffix == ".gpkg" else layer_for_file(stem)
            if name is None:
                notes.append(issue("warning", "layer_unknown", position_kind="file", name=path.name))
                continue
            if name in found:
                notes.append(issue("warning", "layer_duplicate", layer=name, position_kind="file",
                                   name=path.name, used=found[name][0]))
            elif name in LAYERS:
                found[name] = (path.name, raw)
    return found, notes


def load_package(
    path: Path,
    *,
    config: PlanConfig | None = None,
    config_text: str | None = None,
    crs_overrides: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DataPackage:
    """Load the data package at ``path``: a folder, a ``.zip`` of one, or a ``.gpkg``.

    ``config`` (or ``config_text``) replaces the package's own ``config.toml``;
    ``crs_overrides`` (layer -> coordinate system) takes precedence over both.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="ylt-pkg-") as tmp:
            try:
                safe_extract(path.read_bytes(), Path(tmp), limits=limits)
            except UnsafeArchiveError as exc:
                code = "archive_damaged" if exc.damaged else "unsafe_archive"
                raise DataValidationError([issue("error", code, position_kind="file", detail=str(exc))]) from exc
            package = load_package(Path(tmp), config=config, config_text=config_text,
                                   crs_overrides=crs_overrides, limits=limits)
            return replace(package, name=path.stem)
    report = LoadReport()
    if path.is_file():
        found = {name: (path.name, raw) for name, raw in read_file(path, limits=limits) if name in LAYERS}
        folder = path.parent
        notes: list = []
    else:
        folder = path
        found, notes = _layer_files(path, limits)
    report.extend(notes)
    if config is None:
        config = _read_config(folder if path.is_dir() else None, config_text, report)
    if crs_overrides:
        config = replace(config, layer_crs=MappingProxyType({**config.layer_crs, **crs_overrides}))
    return build_package(path.stem if path.is_file() else path.name, found, config, report)


def _read_config(folder: Path | None, text: str | None, report: LoadReport) -> PlanConfig:
    if text is None and folder is not None:
        toml = next((p for p in sorted(folder.rglob("config.toml"))), None)
        text = toml.read_text(encoding="utf-8-sig") if toml else None
    if not text:
        return PlanConfig()
    try:
        return parse_config(text)
    except (ConfigError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        report.add(issue("error", "config_invalid", layer="config", position_kind="file", detail=str(exc)))
        return PlanConfig()


def build_package(
    name: str,
    found: Mapping[str, tuple[str, RawLayer]],
    config: PlanConfig,
    report: LoadReport,
) -> DataPackage:
    """Interpret raw layers and check them against each other (see the module docstring)."""
    frames: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {}
    meta: dict[str, LayerMeta] = {}
    for layer_name, layer in LAYERS.items():
        if layer_name not in found:
            if not layer.optional:
                report.add(issue("error", "layer_missing", layer=layer_name, position_kind="file"))
            continue
        _, raw = found[layer_name]
        result = interpret(layer, raw, crs_text=config.layer_crs.get(layer_name))
        report.extend(result.issues)
        if len(result.rejected):
            report.rejected[layer_name] = result.rejected
        frames[layer_name] = result.frame
        meta[layer_name] = result.meta

    districts = frames.get("districts")
    if districts is None or len(districts) == 0:
        problems = [i for i in report.ordered() if i.severity != "info"]
        raise DataValidationError(problems or [issue("error", "layer_empty", layer="districts", position_kind="file")])
    districts = districts.copy()
    districts["pooling_area"] = districts["pooling_area"].replace("", "all")
    districts["district_name"] = districts["district_name"].where(districts["district_name"] != "", districts["district_code"])

    units = frames.get("units")
    if units is not None and len(units):
        units = _place_units(units, districts, report)
    units = _fill_population(units, districts, frames.get("population_points"), config, report, meta)
    districts = _reconcile_population(districts, units, report)

    facilities = frames.get("facilities")
    if facilities is None:
        facilities = interpret(FACILITIES, RawLayer(pd.DataFrame(), "", "feature", []), crs_text=None).frame
    else:
        if "facilities" not in config.layer_crs:
            _warn_if_gcj02(facilities, districts, report)
        facilities = _place_facilities(facilities, districts, report)
        facilities = _complete_facilities(facilities, report)

    partnerships = frames.get("partnerships", pd.DataFrame(columns=["hospital_code", "district_code", "since", "form", POS]))
    partnerships = _check_partnerships(partnerships, facilities, districts, report)
    modelled = tuple(
        n for n, f in (("units", units), ("facilities", facilities))
        if len(f) and "source" in f and (f["source"] == "modelled").any()
    )
    return DataPackage(
        name=name,
        districts=districts.reset_index(drop=True),
        units=units.reset_index(drop=True),
        facilities=facilities.reset_index(drop=True),
        partnerships=partnerships.reset_index(drop=True),
        config=config,
        roads=frames["roads"].reset_index(drop=True) if len(frames.get("roads", ())) else None,
        candidates=frames["candidates"].reset_index(drop=True) if len(frames.get("candidates", ())) else None,
        population_points=frames["population_points"].reset_index(drop=True)
        if len(frames.get("population_points", ())) else None,
        report=report,
        meta=meta,
        modelled_layers=modelled,
    )


def _reject(report: LoadReport, layer: str, frame: pd.DataFrame, mask: np.ndarray, reasons: list[str]) -> None:
    gone = pd.DataFrame(frame[mask]).drop(columns=[c for c in ("geometry",) if c in frame]).copy()
    gone.insert(0, "reason", reasons)
    gone.insert(0, "position", gone.pop(POS))
    report.rejected[layer] = pd.concat([report.rejected.get(layer, pd.DataFrame()), gone], ignore_index=True)


def _place_units(units: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """Give each unit the district holding most of its area; report straddling units."""
    crs = coords.metric_crs(districts)
    mu, md = units.to_crs(crs), districts.to_crs(crs)
    pairs = gpd.overlay(
        mu[["unit_code", "geometry"]], md[["district_code", "geometry"]], how="intersection", keep_geom_type=True
    )
    pairs["area"] = pairs.area
    areas = mu.set_index("unit_code").area
    known = set(districts["district_code"])
    located: dict[str, str] = {}
    for code, group in pairs.sort_values("area", ascending=False).groupby("unit_code", sort=False):
        located[code] = group["district_code"].iloc[0]
        total = areas[code]
        if len(group) > 1 and total > 0 and group["area"].iloc[1] / total > STRADDLE_SHARE:
            pos = int(units.loc[units["unit_code"] == code, POS].iloc[0])
            report.add(issue("warning", "unit_two_districts", layer="units", position=pos, value=code,
                             share=f"{group['area'].iloc[1] / total * 100:.0f}", other=group["district_code"].iloc[1]))
    units = units.copy()
    drop = np.zeros(len(units), dtype=bool)
    reasons = []
    for i, (code, stated, pos) in enumerate(zip(units["unit_code"], units["district_code"], units[POS])):
        found = located.get(code)
        if stated and stated not in known:
            report.add(issue("warning", "district_unknown", layer="units", position=int(pos), column="district_code", value=stated))
            stated = ""
        if stated and found and stated != found:
            report.add(issue("warning", "district_mismatch", layer="units", position=int(pos), column="district_code",
                             value=stated, found=found))
        units.iat[i, units.columns.get_loc("district_code")] = stated or found or ""
        if not (stated or found):
            report.add(issue("error", "unit_outside_districts", layer="units", position=int(pos), value=code))
            drop[i] = True
            reasons.append("unit_outside_districts")
    if drop.any():
        _reject(report, "units", units, drop, reasons)
    return units[~drop]


def _fill_population(
    units: gpd.GeoDataFrame | None,
    districts: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame | None,
    config: PlanConfig,
    report: LoadReport,
    meta: dict[str, LayerMeta],
) -> gpd.GeoDataFrame:
    """Generate units when there are none; give units without population a share by area."""
    if units is None or len(units) == 0:
        units = hex_units(districts, size_km=config.hex_size_km, population_points=points)
        code = "units_generated_points" if points is not None and len(points) else "units_generated"
        report.add(issue("info", code, layer="units", position_kind="file", count=len(units),
                         size_km=f"{config.hex_size_km:g}"))
        meta["units"] = LayerMeta(layer="units", source="generated", crs="EPSG:4326", rows_loaded=len(units), generated=True)
        units[POS] = np.arange(1, len(units) + 1)
        return units
    units = units.copy()
    units["population"] = pd.to_numeric(units["population"], errors="coerce")
    missing = units["population"].isna()
    if missing.any():
        metric = units.to_crs(coords.metric_crs(units))
        totals = districts.set_index("district_code")["population"]
        for code, idx in units[missing].groupby("district_code").groups.items():
            known = units.loc[(units["district_code"] == code) & ~missing, "population"].sum()
            total = totals.get(code, np.nan)
            rest = int(max(0, round(total - known))) if np.isfinite(total) else 0
            units.loc[idx, "population"] = apportion(rest, metric.loc[idx].area.to_numpy()).astype(float)
    return units


def _reconcile_population(districts: gpd.GeoDataFrame, units: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """District population is the sum of its units; differences over 1 % are reported."""
    sums = units.groupby("district_code")["population"].sum()
    districts = districts.copy()
    out = []
    for code, stated, pos in zip(districts["district_code"], pd.to_numeric(districts["population"]), districts[POS]):
        total = float(sums.get(code, 0.0))
        if total == 0 and not np.isfinite(stated):
            report.add(issue("error", "population_missing", layer="districts", position=int(pos), value=code))
        elif np.isfinite(stated) and stated > 0 and abs(total - stated) / stated > 0.01:
            report.add(issue("warning", "population_mismatch", layer="districts", position=int(pos),
                             value=f"{total:,.0f}", expected=f"{stated:,.0f}", share=f"{abs(total - stated) / stated * 100:.1f}"))
        out.append(total)
    districts["population"] = out
    return districts


def _misfits(points: np.ndarray, stated: list[str], districts: gpd.GeoDataFrame) -> int:
    """Points not inside their stated district (or, with none stated, inside no district)."""
    tree = shapely.STRtree(districts.geometry.values)
    codes = districts["district_code"].to_numpy()
    hits = tree.query(points, predicate="within")
    inside: dict[int, set[str]] = {}
    for p, d in zip(*hits):
        inside.setdefault(int(p), set()).add(codes[d])
    return sum(
        1 for i, code in enumerate(stated)
        if (code and code in set(codes) and code not in inside.get(i, set())) or (not code and i not in inside)
    )


def _warn_if_gcj02(facilities: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, report: LoadReport) -> None:
    """A systematic GCJ-02 shift shows as points that fit the boundaries only once corrected."""
    if len(facilities) == 0:
        return
    points = facilities.geometry.values
    stated = list(facilities["district_code"].fillna(""))
    before = _misfits(points, stated, districts)
    if before < GCJ_MIN_MISFITS:
        return
    after = _misfits(coords.shifted_to_wgs84(points, "gcj02"), stated, districts)
    if after <= before / 3:
        report.add(issue("warning", "looks_gcj02", layer="facilities", position_kind="file",
                         count=before, after=after))


def _place_facilities(facilities: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    tree = shapely.STRtree(districts.geometry.values)
    codes = districts["district_code"].to_numpy()
    hits = tree.query(facilities.geometry.values, predicate="within")
    located: dict[int, str] = {}
    for p, d in zip(*hits):
        located.setdefault(int(p), codes[d])
    known = set(codes)
    facilities = facilities.copy()
    out, drop, reasons = [], np.zeros(len(facilities), dtype=bool), []
    for i, (stated, pos, g) in enumerate(zip(facilities["district_code"].fillna(""), facilities[POS], facilities.geometry)):
        found = located.get(i)
        if stated and stated not in known:
            report.add(issue("warning", "district_unknown", layer="facilities", position=int(pos),
                             column="district_code", value=stated))
            stated = ""
        if not found:
            if stated:
                report.add(issue("warning", "outside_districts", layer="facilities", position=int(pos),
                                 value=f"{g.x:.5f}, {g.y:.5f}"))
            else:
                report.add(issue("error", "outside_districts", layer="facilities", position=int(pos),
                                 value=f"{g.x:.5f}, {g.y:.5f}"))
                drop[i] = True
                reasons.append("outside_districts")
        elif stated and stated != found:
            report.add(issue("warning", "district_mismatch", layer="facilities", position=int(pos),
                             column="district_code", value=stated, found=found))
        out.append(stated or found or "")
    facilities["district_code"] = out
    if drop.any():
        _reject(report, "facilities", facilities, drop, reasons)
    return facilities[~drop]


def _complete_facilities(facilities: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """Defaults that depend on the kind, and village-clinic links to existing THCs."""
    f = facilities.copy()
    lead_default = f["kind"].isin(LEAD_KINDS)
    f["can_lead"] = [bool(d) if v is None else bool(v) for v, d in zip(f["can_lead"], lead_default)]
    hospital = f["kind"] == "city_hospital"
    f.loc[hospital & (f["hospital_code"] == ""), "hospital_code"] = f.loc[hospital & (f["hospital_code"] == ""), "facility_code"]
    f.loc[hospital & (f["campus_role"] == ""), "campus_role"] = "main"
    f.loc[hospital & (f["subkind"] == ""), "subkind"] = "general"
    thcs = set(f.loc[f["kind"] == "thc", "facility_code"])
    clinics = f["kind"] == "village_clinic"
    for i in np.flatnonzero(clinics.to_numpy()):
        link = f["thc_code"].iat[i]
        if link and link not in thcs:
            report.add(issue("warning", "thc_unknown", layer="facilities", position=int(f[POS].iat[i]),
                             column="thc_code", value=link))
            f.iat[i, f.columns.get_loc("thc_code")] = ""
    return f


def _check_partnerships(partnerships: pd.DataFrame, facilities: gpd.GeoDataFrame, districts: gpd.GeoDataFrame,
                        report: LoadReport) -> pd.DataFrame:
    if len(partnerships) == 0:
        return partnerships
    hospitals = set(facilities.loc[facilities["kind"] == "city_hospital", "hospital_code"])
    known = set(districts["district_code"])
    drop, reasons = np.zeros(len(partnerships), dtype=bool), []
    for i, (h, d, pos) in enumerate(zip(partnerships["hospital_code"], partnerships["district_code"], partnerships[POS])):
        for column, value, ok in (("hospital_code", h, h in hospitals), ("district_code", d, d in known)):
            if not ok:
                report.add(issue("error", "partnership_unknown", layer="partnerships", position=int(pos),
                                 position_kind="line", column=column, value=value))
                if not drop[i]:
                    drop[i] = True
                    reasons.append("partnership_unknown")
    if drop.any():
        _reject(report, "partnerships", partnerships, drop, reasons)
    return partnerships[~drop]
