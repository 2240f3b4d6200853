"""Loading a planning data package: a folder (or zip, or GeoPackage) of layers plus config.

``load_package`` reads every layer, interprets it (``geodata.validate``), then checks the layers
against each other: districts of units and facilities by location, units straddling districts,
population totals, GCJ-02-shifted points, village-clinic links, partnerships. What cannot be
used is kept in ``report.rejected``; everything else loads. Only a package without usable
districts raises ``DataValidationError``.
"""

from __future__ import annotations

import json
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata import coords
from geodata.errors import DataValidationError, LoadReport, UnsafeArchiveError, issue
from geodata.readers import (DEFAULT_LIMITS, TABLE_SUFFIXES, VECTOR_SUFFIXES, Limits, RawLayer, archive_issue, read_file,
                             safe_extract, zip_members)
from geodata.store import MANIFEST, data_dir, package_info, package_path, save_upload
from geodata.schema import FACILITIES, LAYER_FILE_HINTS, LAYERS, LEAD_KINDS, LayerMeta, layer_for_file
from geodata.units import HEX_CELL_BUDGET, apportion, hex_size_within, hex_units, overlapping_pairs, part_gap, uncovered
from geodata.validate import POS, interpret
from planning.config import ConfigProblem, PlanConfig
from planning.errors import ConfigError

# A unit with more than this share of its area in a second district is reported.
STRADDLE_SHARE = 0.05
# Overlapping pairs listed one by one; beyond, one issue counts the rest.
OVERLAPS_LISTED = 20
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


# Files that travel with a Shapefile and are read through its .shp.
SHAPEFILE_PARTS = (".prj", ".cpg", ".dbf", ".shx", ".sbn", ".sbx", ".qix", ".fix", ".qmd", ".xml", ".atx", ".ain", ".aih")
# Files that explain a package rather than hold its data: named in a note, not read.
DOCUMENT_SUFFIXES = (".md", ".txt", ".pdf", ".doc", ".docx", ".rtf", ".htm", ".html", ".png", ".jpg", ".jpeg", "")
# Left alone without a word: what operating systems and the store put beside the data.
SYSTEM_FILES = ("thumbs.db", "desktop.ini", "manifest.json", "config.toml")
LISTED_NAMES = 12


# --- the dataset's name: given on import, kept in the stored upload's manifest -------------------
NAME_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_name(text: str) -> str:
    """A dataset name as kept: control and direction characters dropped, runs of spaces made one,
    at most ``NAME_MAX`` characters (the sidebar and the filing's metadata show it on one line)."""
    return " ".join(_CONTROL.sub("", " ".join(str(text).split())).split())[:NAME_MAX].strip()


def name_upload(package_id: str, name: str) -> str:
    """Keep ``name`` (cleaned) as the name of the stored upload ``package_id``, beside what its
    manifest recorded at upload (key ``name``); an empty name removes it. Returns the name kept.
    The same files uploaded again are the same package: the latest name given wins."""
    path = package_path(package_id)
    manifest = (path if path.is_dir() else path.parent) / MANIFEST
    info = package_info(package_id)
    kept = clean_name(name)
    if kept:
        info["name"] = kept
    else:
        info.pop("name", None)
    tmp = manifest.with_name(manifest.name + ".part")
    tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    tmp.replace(manifest)
    return kept


def save_named(files: list[tuple[str, bytes]], name: str, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """``geodata.store.save_upload``, then the dataset's name: the one given, else the one the same
    files were given before (the store writes their manifest afresh). Returns the package id."""
    earlier = {u["package_id"]: u["name"] for u in uploads() if u["name"]}
    package_id = save_upload(files, limits=limits)
    kept = clean_name(name) or earlier.get(package_id, "")
    if kept:
        name_upload(package_id, kept)
    return package_id


def upload_name(package_id: str) -> str:
    """The name given to the stored upload ``package_id`` on import ('' when none was)."""
    return clean_name(package_info(package_id).get("name", ""))


def uploads() -> list[dict]:
    """The stored uploads, newest first: ``package_id``, ``name`` (given on import, or ''),
    ``archive``, ``files`` and ``saved`` as their manifests recorded them."""
    root = data_dir() / "packages"
    out = []
    for folder in root.iterdir() if root.is_dir() else ():
        if (folder / MANIFEST).is_file():
            info = package_info(folder.name) if _is_id(folder.name) else {}
            if info:
                out.append({"package_id": folder.name, "name": clean_name(info.get("name", "")),
                            "archive": info.get("archive", ""), "files": list(info.get("files", [])),
                            "saved": info.get("saved", "")})
    return sorted(out, key=lambda u: (u["saved"], u["package_id"]), reverse=True)


def _is_id(text: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{16}", text) is not None


def _manifest_name(path: Path) -> str:
    """The name a stored upload was given (its manifest beside ``path``), '' elsewhere."""
    manifest = (path if path.is_dir() else path.parent) / MANIFEST
    try:
        return clean_name(json.loads(manifest.read_text(encoding="utf-8")).get("name", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def _package_files(folder: Path) -> list[Path]:
    """Every file under ``folder``, hidden files, Office lock files and system folders left out."""
    out = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p.startswith((".", "_")) for p in parts[:-1]) or not path.is_file():
            continue
        if path.name.startswith((".", "~$")) or path.name.lower() in SYSTEM_FILES or path.name.endswith(".part"):
            continue
        out.append(path)
    return out


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:LISTED_NAMES])
    return shown + (f" … (+{len(paths) - LISTED_NAMES})" if len(paths) > LISTED_NAMES else "")


def expected_names() -> str:
    """The file names a package's layers may have, for a planner who named one otherwise."""
    return "; ".join(f"{name}（{LAYER_FILE_HINTS.get(name, name)}）" for name in LAYERS)


def _layer_files(folder: Path, limits: Limits) -> tuple[dict[str, tuple[str, RawLayer]], list]:
    """Find layer files in ``folder`` (or one sub-folder of it, as zips often have).

    Nothing is passed over in silence: a file at the top that names no layer is an error that
    lists what was found and what is expected; a Shapefile part without its .shp is an error;
    documents and files in sub-folders that name no layer are listed in a note. Layer files in
    sub-folders are used when the top has none for that layer.
    """
    top = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    if not any(layer_for_file(p.stem) or p.suffix.lower() == ".gpkg" for p in top) and len(subdirs) == 1:
        return _layer_files(subdirs[0], limits)
    files = _package_files(folder)
    relative = {p: p.relative_to(folder).as_posix() for p in files}
    shp_stems = {(p.parent, p.stem.lower()) for p in files if p.suffix.lower() == ".shp"}
    found: dict[str, tuple[str, RawLayer]] = {}
    notes: list = []
    unread: list[str] = []
    unknown: list[Path] = []
    zipped: list[Path] = []
    for path in sorted(files, key=lambda p: (len(p.relative_to(folder).parts), relative[p])):
        suffix = path.suffix.lower()
        nested = path.parent != folder
        name_text = relative[path]
        if suffix in SHAPEFILE_PARTS:
            stem = path.stem.lower().removesuffix(".shp")
            if (path.parent, stem) not in shp_stems:
                if suffix in (".dbf", ".shx") or layer_for_file(stem):
                    notes.append(issue("error", "shapefile_orphan", layer=layer_for_file(stem) or "",
                                       position_kind="file", name=name_text))
                elif not nested:
                    unknown.append(path)
            continue
        if suffix not in VECTOR_SUFFIXES + TABLE_SUFFIXES:
            if layer_for_file(path.stem) and suffix not in DOCUMENT_SUFFIXES:
                notes.append(issue("error", "format_unsupported", layer=layer_for_file(path.stem), position_kind="file",
                                   name=name_text, suffix=suffix))
            elif suffix in DOCUMENT_SUFFIXES or nested:
                unread.append(name_text)
            else:
                unknown.append(path)
            continue
        held = _zip_holds(path, limits, notes) if suffix == ".zip" and not nested else "layer"
        if held != "layer":  # a package of its own, read after the files beside it; or invalid, said
            zipped.extend([path] if held == "package" else [])
            continue
        if suffix != ".gpkg" and not layer_for_file(path.stem):
            if nested or suffix == ".txt":
                unread.append(name_text)
            else:
                unknown.append(path)
            continue
        read = read_file(path, limits=limits)
        for stem, raw in read:
            if suffix == ".gpkg":
                single = len(read) == 1 and layer_for_file(path.stem)
                name = layer_for_file(stem) or (single if single else None)
                label = f"{name_text}:{stem}"
            else:
                name, label = layer_for_file(stem), name_text
            if name is None:
                notes.append(issue("error", "layer_unknown", position_kind="file", name=label,
                                   found=_names(list(relative.values())), expected=expected_names()))
            elif name in found:
                notes.append(issue("warning", "layer_duplicate", layer=name, position_kind="file",
                                   name=label, used=found[name][0]))
            else:
                found[name] = (label, raw)
    for path in zipped:  # after the files beside them, which name their layers themselves
        inner, inner_notes = _zipped_layers(path, relative[path], limits)
        notes.extend(inner_notes)
        for name, (label, raw) in inner.items():
            if name in found:
                notes.append(issue("warning", "layer_duplicate", layer=name, position_kind="file",
                                   name=label, used=found[name][0]))
            else:
                found[name] = (label, raw)
    for path in unknown:
        notes.append(issue("error", "layer_unknown", position_kind="file", name=relative[path],
                           found=_names(list(relative.values())), expected=expected_names()))
    if unread:
        notes.append(issue("info", "files_not_read", position_kind="file", names=_names(unread), count=len(unread)))
    return found, notes


def _zip_holds(path: Path, limits: Limits, notes: list) -> str:
    """What a zip beside other files holds: ``"package"``, layers of its own to find by their names
    (its members name a layer and either the zip's name does not, ``青浦区街镇边界2023.zip`` holding
    ``街镇.shp``, or they name another one too, ``units.zip`` holding ``区县边界.shp`` and
    ``街镇.shp``); ``"invalid"``, a zip named after no layer that cannot be opened, called invalid
    here (in ``notes``) rather than a file that matches no layer; else ``"layer"``, one layer named
    by the zip (or, named after none, a file that matches no layer)."""
    own = layer_for_file(path.stem)
    try:
        members = zip_members(path.read_bytes())
    except UnsafeArchiveError as exc:
        if own is None:
            notes.append(archive_issue(exc, path))
            return "invalid"
        return "layer"  # read as its layer, which reports it
    named = {layer_for_file(PurePosixPath(n.replace("\\", "/")).stem) for n, info in members
             if not info.is_dir() and PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES}
    named.discard(None)
    return "package" if named and (own is None or named - {own}) else "layer"


def _zipped_layers(path: Path, label: str, limits: Limits) -> tuple[dict[str, tuple[str, RawLayer]], list]:
    """The layers of a zip that holds a package of its own (``_zip_is_package``), each labelled
    ``zip name/member``: read like a folder, then the unpacked files are gone (every layer is read
    into memory)."""
    with tempfile.TemporaryDirectory(prefix="ylt-zip-") as tmp:
        try:
            safe_extract(path.read_bytes(), Path(tmp), limits=limits)
        except UnsafeArchiveError as exc:
            return {}, [archive_issue(exc, path)]
        found, notes = _layer_files(Path(tmp), limits)
    return {name: (f"{label}/{inner}", raw) for name, (inner, raw) in found.items()}, notes


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
                raise DataValidationError([archive_issue(exc, path)]) from exc
            package = load_package(Path(tmp), config=config, config_text=config_text,
                                   crs_overrides=crs_overrides, limits=limits)
            return replace(package, name=_manifest_name(path) or path.stem)
    report = LoadReport()
    if path.is_file():
        found, notes = {}, []
        for stem, raw in read_file(path, limits=limits):
            name = layer_for_file(stem) if path.suffix.lower() == ".gpkg" else layer_for_file(path.stem)
            if name is None or name in found:
                code = "layer_unknown" if name is None else "layer_duplicate"
                notes.append(issue("error" if name is None else "warning", code, layer=name or "", position_kind="file",
                                   name=f"{path.name}:{stem}", used=found[name][0] if name else "",
                                   found=path.name, expected=expected_names()))
            else:
                found[name] = (f"{path.name}:{stem}" if path.suffix.lower() == ".gpkg" else path.name, raw)
        folder = path.parent
    else:
        folder = path
        found, notes = _layer_files(path, limits)
    report.extend(notes)
    if config is None:
        config = _read_config(folder if path.is_dir() else None, config_text, report)
    if crs_overrides:
        config = replace(config, layer_crs=MappingProxyType({**config.layer_crs, **crs_overrides}))
    name = _manifest_name(path) or (path.stem if path.is_file() else path.name)
    return build_package(name, found, config, report)


def _read_config(folder: Path | None, text: str | None, report: LoadReport) -> PlanConfig:
    if text is None and folder is not None:
        toml = next((p for p in sorted(folder.rglob("config.toml"))), None)
        text = toml.read_text(encoding="utf-8-sig") if toml else None
    if not text:
        return PlanConfig()
    try:
        config, notes = PlanConfig.read(tomllib.loads(text))
    except ConfigError as exc:
        # the settings are not used (defaults apply): one error names them, and each setting out of
        # bounds has its own, in the planner's language, with the values allowed
        coded = [p for p in exc.problems if isinstance(p, ConfigProblem)]
        plain = [str(p) for p in exc.problems if not isinstance(p, ConfigProblem)]
        detail = "; ".join(plain + [f"{p.params['setting']} = {p.params['value']}" for p in coded])
        report.add(issue("error", "config_invalid", layer="config", position_kind="file", detail=detail))
        report.extend(_config_issue("error", p) for p in coded)
        return PlanConfig()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        report.add(issue("error", "config_invalid", layer="config", position_kind="file", detail=str(exc)))
        return PlanConfig()
    report.extend(_config_issue("info", p) for p in notes)
    return config


def _config_issue(severity: str, problem: ConfigProblem):
    params = dict(problem.params)
    return issue(severity, problem.code, layer="config", position_kind="file", value=params.pop("value"), **params)


def build_package(
    name: str,
    found: Mapping[str, tuple[str, RawLayer]],
    config: PlanConfig,
    report: LoadReport,
) -> DataPackage:
    """Interpret raw layers and check them against each other (see the module docstring)."""
    frames: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {}
    meta: dict[str, LayerMeta] = {}
    # a layer missing is said after what was wrong with the files that were there: a planner whose
    # only file could not be read learns that first, not that some other layer is absent
    missing = [issue("error", "layer_missing", layer=name, position_kind="file")
               for name, layer in LAYERS.items() if name not in found and not layer.optional]
    for layer_name, layer in LAYERS.items():
        if layer_name not in found:
            continue
        _, raw = found[layer_name]
        result = interpret(layer, raw, crs_text=config.layer_crs.get(layer_name))
        report.extend(result.issues)
        if len(result.rejected):
            report.rejected[layer_name] = result.rejected
        frames[layer_name] = result.frame
        meta[layer_name] = result.meta
    report.extend(missing)

    districts = frames.get("districts")
    if districts is None or len(districts) == 0:
        _in_file_terms(report, meta)
        problems = [i for i in report.ordered() if i.severity != "info"]
        raise DataValidationError(problems or [issue("error", "layer_empty", layer="districts", position_kind="file")])
    districts = districts.copy()
    districts["pooling_area"] = districts["pooling_area"].replace("", "all")
    districts["district_name"] = districts["district_name"].where(districts["district_name"] != "", districts["district_code"])

    crs = coords.metric_crs(districts)
    _check_overlaps(districts, "districts", "district_code", config, report, crs)
    units = frames.get("units")
    if units is not None and len(units):
        units = _place_units(units, districts, report)
    if "units" in found and (units is None or len(units) == 0):
        # the planner sent units that could not be used: cells made up in their place would hide it
        report.add(issue("error", "units_not_generated", layer="units", position_kind="file", name=found["units"][0]))
        units = _no_units()
    else:
        units = _fill_population(units, districts, frames.get("population_points"), config, report, meta)
        if not meta["units"].generated:
            _check_units(units, districts, config, report, crs)
    districts = _reconcile_population(districts, units, report)

    facilities = frames.get("facilities")
    if facilities is None:
        facilities = interpret(FACILITIES, RawLayer(pd.DataFrame(), "", "feature", []), crs_text=None).frame
    else:
        if "facilities" not in config.layer_crs:
            _warn_if_gcj02(facilities, districts, report)
        facilities = _place_facilities(facilities, districts, report)
        facilities = _complete_facilities(facilities, report)
        if len(units) and not meta["units"].generated:
            _check_facilities_in_units(facilities, units, report)

    partnerships = frames.get("partnerships", pd.DataFrame(columns=["hospital_code", "district_code", "since", "form", POS]))
    partnerships = _check_partnerships(partnerships, facilities, districts, report)
    modelled = tuple(
        n for n, f in (("units", units), ("facilities", facilities))
        if len(f) and "source" in f and (f["source"] == "modelled").any()
    )
    _account_for_rows({**frames, "districts": districts, "units": units, "facilities": facilities,
                       "partnerships": partnerships}, meta, report)
    _in_file_terms(report, meta)
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


def _no_units() -> gpd.GeoDataFrame:
    empty = interpret(LAYERS["units"], RawLayer(pd.DataFrame(), "", "feature", [])).frame
    empty["population"] = empty["population"].astype(float)
    return empty


def _account_for_rows(frames: Mapping[str, pd.DataFrame], meta: dict[str, LayerMeta], report: LoadReport) -> None:
    """Every row read is loaded or rejected with its reason: one that is neither is an error."""
    for name, m in meta.items():
        if m.generated:
            continue
        m.rows_loaded = len(frames.get(name, ()))
        rejected = len(report.rejected.get(name, ()))
        if m.rows_read != m.rows_loaded + rejected:
            report.add(issue("error", "rows_unaccounted", layer=name, position_kind="file", read=m.rows_read,
                             loaded=m.rows_loaded, rejected=rejected))


def _in_file_terms(report: LoadReport, meta: Mapping[str, LayerMeta]) -> None:
    """Say each position as the planner's file counts it: CSV line, sheet row, or feature.

    Checks across layers know a row only by its position; the layer's file decides the word.
    """
    kinds = {name: m.position_kind for name, m in meta.items() if m.position_kind != "file"}
    report.issues[:] = [
        replace(i, position_kind=kinds[i.layer])
        if i.layer in kinds and i.position_kind != "file" and i.position_kind != kinds[i.layer] else i
        for i in report.issues
    ]


def _area_text(m2: float) -> str:
    return f"{m2 / 1e6:,.2f} km²" if m2 >= 10_000 else f"{m2:,.0f} m²"


def _check_overlaps(frame: gpd.GeoDataFrame, layer: str, key: str, config: PlanConfig, report: LoadReport,
                    crs: pyproj.CRS) -> None:
    """Each pair of polygons overlapping by more than ``overlap_min_m2`` (at most OVERLAPS_LISTED
    pairs, then how many more): the same ground would be counted, and planned, twice."""
    if len(frame) < 2:
        return
    metric = frame.to_crs(crs)
    pairs = overlapping_pairs(metric.geometry.values, min_area=config.overlap_min_m2)
    positions = frame[POS].to_numpy()
    # names before codes: "青浦区 (310118)"
    name_col = key.replace("_code", "_name")
    names = frame[name_col].fillna("").astype(str).to_numpy() if name_col in frame else [""] * len(frame)
    codes = frame[key].astype(str).to_numpy()
    labels = [f"{n}（{c}）" if n.strip() and n.strip() != c else c for n, c in zip(names, codes)]
    code = f"{layer}_overlap"
    for i, j, area in pairs[:OVERLAPS_LISTED]:
        report.add(issue("error", code, layer=layer, position=int(positions[i]), value=codes[i], other=codes[j],
                         label=labels[i], other_label=labels[j],
                         other_pos=int(positions[j]), area=_area_text(area), area_m2=f"{area:.0f}",
                         share=f"{area / min(metric.geometry.iat[i].area, metric.geometry.iat[j].area) * 100:.0f}"))
    if len(pairs) > OVERLAPS_LISTED:
        rest = pairs[OVERLAPS_LISTED:]
        report.add(issue("error", "overlaps_more", layer=layer, position_kind="file", count=len(rest),
                         area=_area_text(sum(a for _, _, a in rest)), listed=OVERLAPS_LISTED))


def _check_units(units: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, config: PlanConfig, report: LoadReport,
                 crs: pyproj.CRS) -> None:
    """The planner's units: overlaps, parts far apart, slivers, and district ground no unit covers."""
    if len(units) == 0:
        return
    _check_overlaps(units, "units", "unit_code", config, report, crs)
    mu, md = units.to_crs(crs), districts.to_crs(crs)
    gap_m = config.unit_part_gap_km * 1000
    flagged = []
    for k, (code, pos, geom) in enumerate(zip(units["unit_code"], units[POS], mu.geometry.values)):
        if geom.area <= config.overlap_min_m2:
            report.add(issue("warning", "unit_sliver", layer="units", position=int(pos), value=code,
                             area=_area_text(geom.area), limit=_area_text(config.overlap_min_m2)))
        if geom.geom_type == "MultiPolygon":
            found = part_gap(geom, gap=gap_m)
            if found is not None:
                flagged.append((k, code, pos, found))
    tree = shapely.STRtree(mu.geometry.values) if flagged else None
    for k, code, pos, found in flagged:
        # islands: every group but the main one touches no other unit (sea, a river or ground
        # outside the package lies around it); an exclave or a stray part lies among other units
        touching = {
            int(g) for part, g in zip(found.parts, found.label)
            if any(j != k for j in tree.query(part, predicate="dwithin", distance=1.0))
        }
        islands = len(touching) <= 1
        report.add(issue("info" if islands else "warning", "unit_islands" if islands else "unit_parts_apart",
                         layer="units", position=int(pos), value=code, gap=f"{found.gap / 1000:.1f}",
                         parts=len(found.parts), groups=found.groups, limit=f"{config.unit_part_gap_km:g}"))
    for d_code, d_pos, d_geom in zip(md["district_code"], md[POS], md.geometry.values):
        mine = mu.geometry.values[(units["district_code"] == d_code).to_numpy()]
        try:
            pieces = uncovered(d_geom, mine, min_area=config.overlap_min_m2)
        except shapely.errors.GEOSException:
            continue
        if pieces:
            total = sum(p.area for p in pieces)
            report.add(issue("warning", "units_gap", layer="districts", position=int(d_pos), value=d_code,
                             count=len(pieces), area=_area_text(total), largest=_area_text(pieces[0].area),
                             share=f"{total / d_geom.area * 100:.1f}" if d_geom.area else "0"))


def _check_facilities_in_units(facilities: gpd.GeoDataFrame, units: gpd.GeoDataFrame, report: LoadReport) -> None:
    """Facilities inside a district but in no unit (a gap between units): a lead there belongs to
    no grid. The first OVERLAPS_LISTED are named, then how many more."""
    if len(facilities) == 0:
        return
    tree = shapely.STRtree(units.geometry.values)
    hit, _ = tree.query(facilities.geometry.values, predicate="intersects")
    outside = np.setdiff1d(np.arange(len(facilities)), hit)
    leads = facilities["can_lead"].to_numpy(dtype=bool) | (facilities["kind"] == "city_hospital").to_numpy()
    outside = sorted(outside, key=lambda i: (not leads[i], i))
    for i in outside[:OVERLAPS_LISTED]:
        g = facilities.geometry.iat[i]
        report.add(issue("warning", "facility_outside_units", layer="facilities", position=int(facilities[POS].iat[i]),
                         value=facilities["facility_code"].iat[i], point=f"{g.x:.5f}, {g.y:.5f}",
                         district=facilities["district_code"].iat[i]))
    if len(outside) > OVERLAPS_LISTED:
        report.add(issue("warning", "facilities_outside_units_more", layer="facilities", position_kind="file",
                         count=len(outside) - OVERLAPS_LISTED, listed=OVERLAPS_LISTED))


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
        bounds = tuple(districts.to_crs(coords.metric_crs(districts)).total_bounds)
        size_km, needed = hex_size_within(bounds, config.hex_size_km, HEX_CELL_BUDGET)
        units = hex_units(districts, size_km=size_km, population_points=points, budget=HEX_CELL_BUDGET)
        code = "units_generated_points" if points is not None and len(points) else "units_generated"
        report.add(issue("info", code, layer="units", position_kind="file", count=len(units), size_km=f"{size_km:g}"))
        if size_km != config.hex_size_km:
            report.add(issue("warning", "config_hex_too_small", layer="config", position_kind="file",
                             size=f"{config.hex_size_km:g}", cells=f"{needed:,}", budget=f"{HEX_CELL_BUDGET:,}",
                             smallest=f"{size_km:g}", count=f"{len(units):,}"))
        meta["units"] = LayerMeta(layer="units", source="generated", crs="EPSG:4326", rows_loaded=len(units), generated=True)
        units[POS] = np.arange(1, len(units) + 1)
        return units
    units = units.copy()
    units["population"] = pd.to_numeric(units["population"], errors="coerce")
    missing = units["population"].isna()
    if missing.any():
        report.add(issue("warning", "population_apportioned", layer="units", position_kind="feature",
                         count=int(missing.sum()), total=len(units), first_pos=int(units.loc[missing, POS].iloc[0])))
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
    districts = districts.copy()
    if len(units) == 0:  # no usable units (already an error): the stated totals stand
        districts["population"] = pd.to_numeric(districts["population"]).astype(float)
        return districts
    sums = units.groupby("district_code")["population"].sum()
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
