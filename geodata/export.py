"""Writing plans: RFC 7946 GeoJSON of the grids, and the tables beside it.

GDAL (through pyogrio) writes the GeoJSON with ``RFC7946=YES``: WGS84 longitude/latitude,
counter-clockwise outer rings, no ``crs`` member, 6 decimals, UTF-8 with Chinese unescaped.
Same plan, same bytes.
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.coords import metric_crs
from geodata.schema import looks_like_formula
from planning.colours import feature_colours


PRECISION_DEG = 1e-6  # the 6 decimals of RFC 7946 output (about 0.1 m)
MIN_PART_M2 = 1.0  # polygon parts and holes smaller than this are slivers


def grid_layer(units: gpd.GeoDataFrame, assignment: Mapping[str, str], metrics: pd.DataFrame, *,
               crs: object = None) -> gpd.GeoDataFrame:
    """One feature per grid: the dissolved units with the grid's figures (EPSG:4326). Units in no
    grid of the plan (a G1 error the rules report) are in no feature. Every geometry is a Polygon
    or MultiPolygon that survives 6-decimal output (``polygonal_grids``); ``crs``: the metric CRS
    to dissolve in (the planning world's), estimated from the units when not given."""
    frame = units[["unit_code", "geometry"]].copy()
    frame["grid_id"] = frame["unit_code"].map(assignment)
    frame = frame[frame["grid_id"].isin(set(metrics["grid_id"]))]
    dissolved = polygonal_grids(frame, crs=crs)
    out = dissolved.merge(metrics, on="grid_id", how="left").sort_values("grid_id").reset_index(drop=True)
    columns = ["grid_id", "district_code", "lead_facility_code", "lead_name", "population", "units", "area_km2",
               "mean_access_km", "max_access_km", "polsby_popper", "geometry"]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=4326)


def polygonal_grids(units: gpd.GeoDataFrame, *, by: str = "grid_id", crs: object = None) -> gpd.GeoDataFrame:
    """Units dissolved by ``by`` into geometries that are only Polygon or MultiPolygon, in
    EPSG:4326, on the 1e-6-degree grid of RFC 7946 output.

    Real boundaries dissolve into slivers, hairline holes and line or point pieces; rounded to 6
    decimals a sliver collapses into a line and the feature becomes a GeometryCollection, which a
    Shapefile, a map's tooltips and the report's map cannot take. So: repair and dissolve in the
    data's UTM zone, keep only polygonal parts, drop parts and holes under ``MIN_PART_M2``,
    reproject, snap to ``PRECISION_DEG`` (GEOS snap-rounding, so what collapses disappears
    instead of turning into a line), and keep the polygonal parts of that, again without specks.
    Clean data on 6 decimals (the default's) comes out with the same coordinates."""
    frame = units[[by, "geometry"]]
    if frame.crs is None:
        frame = frame.set_crs(4326)
    metric = crs if crs is not None else metric_crs(frame.to_crs(4326))
    local = frame.to_crs(metric)
    local = local.set_geometry([_polygonal(g, keep_all=True) for g in shapely.make_valid(local.geometry.values)])
    dissolved = local.dissolve(by=by, as_index=False)[[by, "geometry"]]
    clean = np.array([_polygonal(g) for g in shapely.make_valid(dissolved.geometry.values)], dtype=object)
    lonlat = gpd.GeoSeries(clean, crs=metric).to_crs(4326).values
    # rounding each vertex keeps the rings as they are; where that breaks a ring (a sliver or a
    # hairline collapsing), snap-rounding rebuilds the parts and drops what collapsed
    snapped = shapely.set_precision(lonlat, PRECISION_DEG, mode="pointwise")
    broken = ~shapely.is_valid(snapped)
    snapped[broken] = shapely.set_precision(lonlat[broken], PRECISION_DEG)
    back = gpd.GeoSeries(snapped, crs=4326).to_crs(metric).values
    kept = [_polygonal(g, measured=m) for g, m in zip(snapped, back)]
    return gpd.GeoDataFrame({by: dissolved[by].to_numpy(), "geometry": kept}, geometry="geometry", crs=4326)


def _polygonal(geom: shapely.Geometry, *, measured: shapely.Geometry | None = None,
               keep_all: bool = False) -> shapely.Geometry:
    """The polygonal parts of ``geom`` (any type, collections included) with parts and holes
    under ``MIN_PART_M2`` dropped (unless ``keep_all``); areas taken from ``measured``, the same
    geometry in metres, when ``geom`` is in degrees (reprojection keeps every part and ring, in
    order). A Polygon when one part is left, else a MultiPolygon."""
    parts = _polygon_parts(geom)
    sizes = parts if measured is None else _polygon_parts(measured)
    out = []
    for part, size in zip(parts, sizes, strict=True):
        if keep_all:
            out.append(part)
            continue
        if size.area < MIN_PART_M2:
            continue
        holes = [h for h, s in zip(part.interiors, size.interiors, strict=True) if shapely.Polygon(s).area >= MIN_PART_M2]
        out.append(part if len(holes) == len(part.interiors) else shapely.Polygon(part.exterior, holes))
    if not out:
        return shapely.Polygon()
    return out[0] if len(out) == 1 else shapely.MultiPolygon(out)


def _polygon_parts(geom: shapely.Geometry | None) -> list[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, shapely.Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygon_parts(g)]
    return []  # points and lines


# --- writing files: whole or not at all, and text that cannot break a writer or a spreadsheet ----

@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (same folder, so the rename stays on one file system)
    for a writer to write to; renamed onto ``path`` only when the block ends without an error.
    On an error the temporary file is removed and ``path`` is as it was: never a half-written
    export that opens as if it were whole. The temporary name keeps the suffix (writers that go
    by it still can) and starts with a dot and ends in ``.part`` before it, so a folder listing
    shows it for what it is."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.part{path.suffix}")
    try:
        yield tmp
        with contextlib.suppress(OSError), open(tmp, "rb+") as done:
            os.fsync(done.fileno())  # the bytes on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        # the file and whatever a writer kept beside it (SQLite's -journal, -wal, -shm of a
        # GeoPackage): the name is this call's own, so nothing else matches it
        for left in [tmp, *tmp.parent.glob(glob.escape(tmp.name) + "-*")]:
            with contextlib.suppress(OSError):
                left.unlink()
        raise


# characters no XLSX cell can hold (openpyxl's IllegalCharacterError: the control characters
# but tab and line breaks) and lone surrogates, which no UTF-8 file can
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def writable_text(value: str) -> str:
    """``value`` without the characters no export can hold (``_UNWRITABLE``): a plan imported
    from elsewhere, or a name that escaped validation, cannot break a writer."""
    return _UNWRITABLE.sub("", value)


def inert_text(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs (OWASP CSV injection): text starting with
    ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading single quote, which spreadsheets show
    as "text follows"; characters no file can hold are left out (``writable_text``). A CR inside
    a cell becomes a line feed: the CSV is written with ``\n`` line ends, so Python's writer would
    leave a lone CR unquoted, and a spreadsheet would start a new row at it (whose first cell could
    then be a formula)."""
    value = writable_text(value)
    value = "'" + value if looks_like_formula(value) else value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def _writable_frame(frame: pd.DataFrame, cell=writable_text) -> pd.DataFrame:
    """``frame`` with ``cell`` applied to every text value and column name; numbers, missing
    values and geometry as they are (a float -3.5 stays a number). The frame itself is not
    changed; the same frame comes back when there is nothing to change."""
    renamed = {c: cell(c) for c in frame.columns if isinstance(c, str) and cell(c) != c}
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)) or (
                isinstance(frame, gpd.GeoDataFrame) and name == frame.geometry.name):
            continue
        values = column.tolist()
        fixed = [cell(v) if isinstance(v, str) else v for v in values]
        if any(isinstance(a, str) and a != b for a, b in zip(values, fixed)):
            changed[name] = pd.Series(fixed, index=column.index, dtype=object)
    if not changed and not renamed:
        return frame
    out = frame.copy()
    for name, column in changed.items():
        out[name] = column
    return out.rename(columns=renamed) if renamed else out


def _json_text(data: object, **kw: object) -> str:
    """JSON with Chinese unescaped; lone surrogates (which UTF-8 cannot hold) left out."""
    return _SURROGATES.sub("", json.dumps(data, ensure_ascii=False, default=float, **kw))


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        _writable_frame(gdf.to_crs(4326)).to_file(tmp, driver="GeoJSON", engine="pyogrio", RFC7946="YES",
                                                  COORDINATE_PRECISION=6, WRITE_NAME="NO")


def write_json(data: object, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(_json_text(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def grid_settings(config) -> dict:
    """The planner's grid settings a plan was proposed and judged under (``planning.config``), as
    every export records them: the balance target (0: access only), the population band, the
    fixed numbers of grids per district, how leads are chosen, the exact solver's reach and time
    limit, contiguity across water, and the county alliances' maximum with its reason."""
    return {"grid_balance_target": float(config.grid_balance_target),
            "grid_population_min": float(config.grid_population_min),
            "grid_population_max": float(config.grid_population_max),
            "grid_counts": {str(k): int(v) for k, v in sorted(config.grid_counts.items())},
            "grid_leads": config.grid_leads,
            "grid_exact_units": int(config.grid_exact_units),
            "grid_exact_seconds": float(config.grid_exact_seconds),
            "island_link_km": float(config.island_link_km),
            "county_alliances_max": int(config.county_alliances_max),
            "county_alliances_reason": config.county_alliances_reason}


def settings_summary(settings: Mapping, lang: str, district_names: Mapping[str, str] | None = None, *,
                     bare: bool = False) -> str:
    """``grid_settings`` in one line of the reader's language (the CLI prints it, the grid page
    shows it): balance target, band, fixed numbers of grids (district names first), leads, the
    exact solver, and the county alliances' maximum with its reason when above 3. ``bare``:
    without the leading "网格设置：" (where a label says it, as in the PDF report)."""
    from texts import render

    names = district_names or {}
    target = float(settings["grid_balance_target"])
    low, high = float(settings["grid_population_min"]), float(settings["grid_population_max"])
    band = f"{low / 1e4:g}–{high / 1e4:g}" if lang == "zh" else f"{low:,.0f}–{high:,.0f}"
    counts = [f"{names.get(code, code)}（{code}）{n}" if lang == "zh" else f"{names.get(code, code)} ({code}) {n}"
              for code, n in sorted(settings["grid_counts"].items())]
    parts = [render("settings.balance", lang, target=f"{target:g}") if target else render("settings.balance_off", lang),
             render("settings.band", lang, band=band),
             render("settings.counts", lang, counts=counts) if counts else render("settings.counts_auto", lang),
             render(f"settings.leads_{settings['grid_leads']}", lang),
             render("settings.exact", lang, units=settings["grid_exact_units"], seconds=f"{float(settings['grid_exact_seconds']):g}")]
    if int(settings["county_alliances_max"]) != 3 or settings.get("county_alliances_reason"):
        parts.append(render("settings.county", lang, n=settings["county_alliances_max"],
                            reason=settings.get("county_alliances_reason") or "—"))
    joined = ("；" if lang == "zh" else "; ").join(parts)
    return joined if bare else render("settings.line", lang, parts=joined)


# --- how good each district's grids are (planning.grids.DistrictQuality) -------------------------

RATIO_TOLERANCE = 1e-4  # the exact model's precision of a population max/min (planning.exact.RATIO_SCALE)


def _number(value: float, digits: int = 4) -> float | None:
    """A finite figure rounded for the files (same proposal, same bytes); None when not known."""
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def percent_within(share: float) -> str:
    """A share as a percentage rounded *up*, so "within x %" stays true: to 0.1 % (0.105 -> 10.6%),
    to 0.01 % below 1 % (0.000015 -> 0.01%)."""
    share = max(float(share), 0.0)
    if share < 0.01:
        return f"{math.ceil(share * 10_000 - 1e-6) / 100:.2f}%"
    return f"{math.ceil(share * 1000 - 1e-6) / 10:.1f}%"


def quality_status(row: Mapping) -> str:
    """proved | single | bounded (exact, not proved: within a proved gap) | heuristic (a lower
    bound, no proof)."""
    if row["method"] == "single":
        return "single"
    if row["proved"]:
        return "proved"
    return "bounded" if row["method"] == "exact" else "heuristic"


def quality_verdict(row: Mapping, lang: str, *, county: bool = False) -> str:
    """The district's verdict in the reader's words: proved optimal; one grid; balance and access
    each proved best or within x % of the best possible (exact, not proved); or, from the
    heuristic, within x % of a lower bound (not proved)."""
    from texts import render

    status = quality_status(row)
    if status == "single":
        return render("quality.verdict_single_county" if county else "quality.verdict_single", lang)
    if status == "proved":
        return render("quality.verdict_proved", lang)
    gap = row["gap"] or 0.0
    if status == "heuristic":
        return render("quality.verdict_heuristic", lang, gap=percent_within(gap))
    if row["balance_met"]:
        balance = render("quality.balance_met", lang)
    elif row["balance_gap"] is None:
        balance = render("quality.balance_unknown", lang)
    elif row["balance_gap"] <= 0:
        balance = render("quality.balance_best", lang)
    else:
        balance = render("quality.balance_within", lang, gap=percent_within(row["balance_gap"]))
    access = render("quality.access_best", lang) if gap <= 0 else render("quality.access_within", lang,
                                                                         gap=percent_within(gap))
    return render("quality.verdict_bounded", lang, balance=balance, access=access)


def quality_rows(quality: Mapping[str, object], district_names: Mapping[str, str] | None = None,
                 counties: Iterable[str] = ()) -> list[dict]:
    """``GridProposal.quality`` (district code -> ``DistrictQuality``) as rows, one per district
    in code order, ready for JSON and for tables: name and code, method, units, grids, the
    balance target (None: access only), the balance reached and the best possible (``balance_bound``,
    None when not known), whether the target is met, the mean distance to the lead and its
    proved lower bound, the relative gaps, proved or not, ``status`` (``quality_status``) and the
    verdict in both languages. The solver's time is left out: same proposal, same bytes."""
    names = district_names or {}
    county = set(map(str, counties))
    rows = []
    for code in sorted(quality, key=str):
        q = quality[code]
        target = float(q.target)
        # the exact model states ratios in steps of 1/10,000 (planning.exact.RATIO_SCALE): a
        # max/min of 1.25009 under a target of 1.25 is the target met, as the solver counted it
        met = bool(q.balance_met) or bool(q.balance <= target * (1 + RATIO_TOLERANCE))
        row = {"district_code": str(code), "district_name": str(names.get(code, code)), "method": q.method,
               "units": int(q.units), "grids": int(q.grids),
               "target": _number(target) if math.isfinite(target) and target > 0 else None,
               "balance": _number(q.balance), "balance_bound": _number(q.balance_bound), "balance_met": met,
               "balance_gap": 0.0 if met else _number(q.balance_gap, 6), "access_km": _number(q.access_km),
               "access_bound_km": _number(q.access_bound_km), "gap": _number(q.gap, 6), "proved": bool(q.proved)}
        row["status"] = quality_status(row)
        row["verdict"] = {lang: quality_verdict(row, lang, county=str(code) in county) for lang in ("zh", "en")}
        rows.append(row)
    return rows


def quality_summary(rows: Iterable[Mapping], lang: str, *, items: int | None = 3) -> str:
    """One line: how many districts are proved optimal (how many of them have one grid), then
    the others with their verdicts, the furthest from proved first (``items`` of them; None: only
    the count)."""
    from texts import render

    rows = list(rows)
    if not rows:
        return ""
    proved = [r for r in rows if r["proved"]]
    single = sum(r["status"] == "single" for r in rows)
    line = (render("quality.summary_all", lang, n=len(rows)) if len(proved) == len(rows)
            else render("quality.summary", lang, n=len(rows), proved=len(proved)))
    if single:
        line += render("quality.summary_single", lang, n=single)
    rest = sorted((r for r in rows if not r["proved"]), key=lambda r: (-(r["gap"] or 0.0), r["district_code"]))
    if items is None or not rest:
        return line
    shown = [render("quality.summary_item", lang, name=r["district_name"], verdict=r["verdict"][lang]) for r in rest[:items]]
    if len(rest) > items:
        shown.append(render("quality.summary_more", lang, n=len(rest) - items))
    return line + ("；" if lang == "zh" else "; ") + ("；" if lang == "zh" else "; ").join(shown)


def quality_block(rows: list[Mapping]) -> dict:
    """``checks.json``'s ``quality``: the count of districts proved optimal, the summary line in
    both languages, and a row per district (``quality_rows``)."""
    return {"districts": len(rows), "proved": sum(bool(r["proved"]) for r in rows),
            "not_proved": [r["district_code"] for r in rows if not r["proved"]],
            "summary": {lang: quality_summary(rows, lang) for lang in ("zh", "en")}, "rows": list(rows)}


def checks_document(verdict, pairing=None, binding_caps=None, *, settings: Mapping | None = None,
                    quality: list[Mapping] | None = None) -> dict:
    """``checks.json`` (docs/DATA_FORMAT.md): whether the plan passes (no rule has an error), the
    rules that fail, and per rule its id, title, source, passed, errors and warnings, each
    violation with its message code, place codes, figures and texts. With a pairing result, the
    partnerships it dropped, the districts left without a partner, and the caps that bind; with
    ``settings`` (``grid_settings``), the grid settings the plan was judged under; with
    ``quality`` (``quality_rows`` of the proposal the plan is), how good each district's grids
    are (``quality_block``)."""
    out: dict = {"passed": verdict.passed, "failed": verdict.failed, "rules": verdict.as_list()}
    if settings is not None:
        out["settings"] = dict(settings)
    if quality is not None:
        out["quality"] = quality_block(quality)
    if pairing is not None:
        out["pairing"] = {
            "dropped_partnerships": [{"hospital_code": h, "district_code": d, "code": why.code, "message": why.messages}
                                     for h, d, why in pairing.dropped],
            "districts_without_partner": [{"district_code": d, "code": why.code, "message": why.messages}
                                          for d, why in pairing.unpaired],
            "binding_caps": list(binding_caps or [])}
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as UTF-8 CSV. Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR first) is written with a leading ``'``, as OWASP advises; numbers stay numbers."""
    with atomic_path(path) as tmp:
        _writable_frame(frame, inert_text).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def facility_units(facilities: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> dict[str, str]:
    """The unit each facility stands in (the nearest unit of its own district when it lies just
    outside every unit, as points on a boundary do)."""
    points = facilities[["facility_code", "geometry"]].reset_index(drop=True)
    hits = gpd.sjoin(points, units[["unit_code", "geometry"]], how="left", predicate="within")
    out = {str(f): str(u) for f, u in zip(hits["facility_code"], hits["unit_code"]) if isinstance(u, str)}
    missing = points[~points["facility_code"].astype(str).isin(out)]
    if len(missing):
        metric = units.estimate_utm_crs()
        near = gpd.sjoin_nearest(missing.to_crs(metric), units[["unit_code", "geometry"]].to_crs(metric), how="left")
        out.update({str(f): str(u) for f, u in zip(near["facility_code"], near["unit_code"]) if isinstance(u, str)})
    return out


def layout_collection(units: gpd.GeoDataFrame, grids: pd.DataFrame, plan_units: pd.DataFrame, members: pd.DataFrame,
                      pairings: pd.DataFrame, metadata: Mapping, *, layer: gpd.GeoDataFrame | None = None) -> dict:
    """The filed layout as an RFC 7946 FeatureCollection: one feature per grid (id
    ``<district_code>-G<nn>``) with its district, lead, member units and facilities, population,
    area, partner hospitals and fill colour (``planning.colours``: touching grids differ, the same
    in every view); the plan's pairings and the metadata (plan id, version, time,
    author, sources, rules summary) in a ``metadata`` member. GDAL writes the geometry (winding,
    6 decimals); the lists are added here, as GDAL writes only flat properties. ``layer``: the
    plan's ``grid_layer``, when it is at hand."""
    import tempfile

    flat = layer if layer is not None else grid_layer(units, dict(zip(plan_units["unit_code"], plan_units["grid_id"])),
                                                      grids)
    with tempfile.TemporaryDirectory() as tmp:
        write_geojson(flat, Path(tmp) / "grids.geojson")
        data = json.loads((Path(tmp) / "grids.geojson").read_text(encoding="utf-8"))
    district_names = dict(zip(grids["grid_id"], grids["district_name"].astype(str)))
    unit_codes = {g: sorted(codes) for g, codes in _grouped(plan_units["grid_id"], plan_units["unit_code"]).items()}
    member_codes = _grouped(members["grid_id"], members["facility_code"])
    partners = pairings.groupby("district_code")
    fills = feature_colours([{"properties": {"grid_id": f["properties"]["grid_id"]}, "geometry": f.get("geometry")}
                             for f in data["features"]])  # one colouring per plan, for every view (planning.colours)
    for feature in data["features"]:
        props = feature["properties"]
        grid = props["grid_id"]
        feature["id"] = grid
        if (feature.get("geometry") or {}).get("type") not in ("Polygon", "MultiPolygon", None):
            feature["geometry"] = _polygonal_mapping(feature["geometry"])  # never expected: polygonal_grids' promise
        props["district_name"] = district_names[grid]
        props["unit_codes"] = unit_codes.get(grid, [])
        props["member_facilities"] = member_codes.get(grid, [])
        district = props["district_code"]
        props["partners"] = [] if district not in partners.groups else [
            {"hospital_code": p.hospital_code, "hospital": p.hospital, "role": p.role, "fixed": bool(p.fixed)}
            for p in partners.get_group(district).itertuples()]
        props["fill"] = fills[str(grid)]
    data.pop("name", None)  # GDAL's foreign member naming the temporary layer
    data["metadata"] = dict(metadata)
    return data


def _grouped(keys: pd.Series, values: pd.Series) -> dict[str, list[str]]:
    """The values of each key as strings, in the order they come."""
    out: dict[str, list[str]] = {}
    for key, value in zip(keys, values.astype(str)):
        out.setdefault(key, []).append(value)
    return out


def _polygonal_mapping(geometry: Mapping) -> dict | None:
    """A GeoJSON geometry's polygonal parts (counter-clockwise outer rings), or None."""
    parts = _polygon_parts(shapely.geometry.shape(geometry))
    if not parts:
        return None
    geom = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    return json.loads(json.dumps(shapely.geometry.mapping(shapely.orient_polygons(geom))))


def write_layout(collection: Mapping, path: Path) -> None:
    """The layout as UTF-8 JSON, Chinese unescaped, keys in a stable order (same plan, same bytes)."""
    with atomic_path(path) as tmp:
        tmp.write_text(_json_text(collection, separators=(",", ":")) + "\n", encoding="utf-8")


def plan_payload_from_layout(collection: Mapping) -> dict:
    """The plan (as ``planning.plan.plan_from_dict`` reads it) in an exported layout: grids and
    their units from the features, locks, pairings, name and version from the metadata."""
    meta = collection.get("metadata") or {}
    grids, assignment = [], {}
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        grids.append({"grid_id": props["grid_id"], "district_code": props["district_code"],
                      "lead_facility_code": props["lead_facility_code"]})
        assignment.update({str(u): props["grid_id"] for u in props.get("unit_codes", [])})
    return {"name": meta.get("plan_name", ""), "version": int(meta.get("version", 1)), "assignment": assignment,
            "grids": grids, "locked": list(meta.get("locked_units", [])), "notes": list(meta.get("notes", [])),
            "pairings": list(meta.get("pairings", []))}


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame], *,
               metadata: Mapping[str, object] | None = None, dated: str | None = None) -> None:
    """Layers (and plain tables) in one GeoPackage; WGS84. ``metadata``: kept as the
    GeoPackage's dataset metadata (GDAL's, in ``gpkg_metadata``), texts as they are and
    anything else as JSON. ``dated`` (ISO 8601): GDAL's own timestamps in the file are this time,
    not the moment of writing (``OGR_CURRENT_DATE``), so the same content gives the same bytes."""
    import pyogrio

    dataset = {writable_text(str(k)): writable_text(v) if isinstance(v, str) else _json_text(v, sort_keys=True)
               for k, v in (metadata or {}).items()}
    if dated:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": dated.replace("+00:00", "Z")})
    try:
        with atomic_path(path) as tmp:
            for i, (name, frame) in enumerate(layers.items()):
                extra = {"dataset_metadata": dataset} if dataset and i == 0 else {}
                if isinstance(frame, gpd.GeoDataFrame):
                    _writable_frame(frame.to_crs(4326)).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **extra)
                else:
                    pyogrio.write_dataframe(_writable_frame(frame), tmp, layer=name, driver="GPKG", **extra)
    finally:
        if dated:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path, *, metadata: Mapping[str, object] | None = None) -> None:
    """A layer as GeoParquet (WGS84), ``metadata`` as JSON in the file's key-value metadata under
    ``ylt`` (beside GeoParquet's own ``geo``)."""
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        frame.to_crs(4326).to_parquet(tmp, index=False)
        if metadata:
            table = pq.read_table(tmp)
            meta = {**(table.schema.metadata or {}), b"ylt": _json_text(dict(metadata), sort_keys=True).encode("utf-8")}
            pq.write_table(table.replace_schema_metadata(meta), tmp)


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """One sheet per table, headers bold and frozen, columns wide enough to read (from their first
    200 cells). Rows go to openpyxl whole: pandas' ``to_excel`` made a styled cell object per value
    and took most of the workbook's time. Text is written as text: a name starting with ``=``,
    ``+``, ``-``, ``@``, tab or CR is a text cell marked "quote prefix" (what typing ``'`` first
    does in Excel), so no spreadsheet runs it, not even when the cell is edited; numbers stay
    numbers; characters XLSX cannot hold are left out (``writable_text``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(writable_text(name)[:31])
        headers = [writable_text(str(c)) for c in frame.columns]
        columns = [_cell_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = bold
            _as_text(cell)
        for values in zip(*columns):
            sheet.append(values)
        for i, (header, values) in enumerate(zip(headers, columns), start=1):
            width = max([len(header)] + [len(str(v)) if v is not None else 0 for v in values[:199]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, width * 1.3 + 2))
            for row in (r for r, v in enumerate(values, start=2) if looks_like_formula(v)):
                _as_text(sheet.cell(row, i))
        sheet.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        book.save(tmp)


def _as_text(cell) -> None:
    """A cell whose text a spreadsheet would run: a string (openpyxl took ``=...`` for a formula),
    with Excel's quote prefix, so editing it keeps it text."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _cell_values(column: pd.Series) -> list:
    """A column as plain Python values for openpyxl: missing values empty, text cleaned."""
    values = column.astype(object).where(column.notna(), None).tolist()
    return [writable_text(v) if isinstance(v, str) else v for v in values]
