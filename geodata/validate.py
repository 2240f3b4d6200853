"""Interpreting one raw layer: column aliases, types, geometry, coordinate system.

``interpret`` turns a ``RawLayer`` into a GeoDataFrame of canonical columns in EPSG:4326 plus a
``_pos`` column (the row's place in the planner's file), and the rows it could not use, each
with its reason. It never raises for bad rows: every problem becomes an ``Issue``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata import coords
from geodata.errors import Issue, issue
from geodata.readers import RawLayer
from geodata.schema import (
    FALSE_WORDS,
    LATITUDE_ALIASES,
    LONGITUDE_ALIASES,
    TRUE_WORDS,
    VALUE_ALIASES,
    WKT_ALIASES,
    Column,
    ColumnMapping,
    Layer,
    LayerMeta,
    control_characters,
    looks_like_formula,
    shown,
    without_control,
)

POS = "_pos"
_REJECT = object()  # the layer's coordinates cannot be interpreted
# A unit or district of more than this many residents is a typing error (Shanghai has 25 million).
MAX_POPULATION = 50_000_000
DBF_NAME_LENGTH = 10  # the longest column name a Shapefile's .dbf holds


@dataclass
class Interpreted:
    frame: gpd.GeoDataFrame | pd.DataFrame
    rejected: pd.DataFrame
    issues: list[Issue]
    meta: LayerMeta
    reject_reasons: dict[int, str] = field(default_factory=dict)


def normalise_name(name: object) -> str:
    return re.sub(r"[\s_\-（）()]+", "_", str(name).strip().lower()).strip("_")


def map_columns(layer: Layer, names: list[str]) -> dict[str, str]:
    """Source column -> canonical column, canonical names first, then aliases, one source each."""
    by_norm = {normalise_name(n): n for n in reversed(names)}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for col in layer.columns:
        source = by_norm.get(normalise_name(col.name))
        if source is not None and source not in mapping:
            mapping[source] = col.name
            taken.add(col.name)
    for col in layer.columns:
        if col.name in taken:
            continue
        for alias in col.aliases:
            source = by_norm.get(normalise_name(alias))
            if source is not None and source not in mapping:
                mapping[source] = col.name
                taken.add(col.name)
                break
    # a Shapefile's .dbf holds names of at most 10 characters: GIS software cut district_code to
    # district_c, facility_code to facility_c; such a name stands for the one longer name it begins
    for name in names:
        cut = str(name).strip().lower()
        if name in mapping or len(cut) != DBF_NAME_LENGTH:
            continue
        fits = [c.name for c in layer.columns if c.name not in taken and len(c.name) > DBF_NAME_LENGTH
                and c.name.startswith(cut)]
        if len(fits) == 1:
            mapping[name] = fits[0]
            taken.add(fits[0])
    return mapping


def _find(names: list[str], aliases: tuple[str, ...]) -> str | None:
    by_norm = {normalise_name(n): n for n in names}
    return next((by_norm[normalise_name(a)] for a in aliases if normalise_name(a) in by_norm), None)


def _clean_code(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    # Spreadsheets turn 310101 into 310101.0.
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _number(value: object) -> float | None:
    """Parse a number as planners write it (thousands separators allowed); None if not one."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def _bool(value: object) -> bool | None | str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return "?"


class _Rows:
    """Collects per-row rejections and issues while a layer is interpreted."""

    def __init__(self, layer: Layer, positions: list[int], kind: str, *, source: str = "",
                 formulas: dict[tuple[int, str], str] | None = None) -> None:
        self.layer = layer
        self.positions = positions
        self.kind = kind
        self.source = source  # the planner's file, named in messages about a cell's text
        # spreadsheet cells holding a formula but no value saved with it (row, column) -> formula
        self.formulas = formulas or {}
        self.noted: set[tuple[int, str]] = set()
        self.issues: list[Issue] = []
        self.rejected: dict[int, str] = {}

    def note(self, severity: str, code: str, i: int | None, *, reject: bool = False, **kw: object) -> None:
        column = str(kw.get("column", ""))
        if i is not None and (i, column) in self.formulas:
            # blank only because the workbook holds a formula and no value: say so, not "empty"
            code, kw = "formula_no_value", {"column": column, "value": self.formulas[i, column], "file": self.source}
        if i is not None and column:
            self.noted.add((i, column))
        pos = self.positions[i] if i is not None else None
        self.issues.append(issue(severity, code, layer=self.layer.name, position=pos,
                                 position_kind=self.kind if i is not None else "file", **kw))  # type: ignore[arg-type]
        if reject and i is not None:
            self.rejected.setdefault(i, code)


def _table_geometry(raw: RawLayer, layer: Layer, rows: _Rows, meta: LayerMeta) -> gpd.GeoSeries | None:
    frame = raw.frame
    names = [str(c) for c in frame.columns]
    lon, lat, wkt = _find(names, LONGITUDE_ALIASES), _find(names, LATITUDE_ALIASES), _find(names, WKT_ALIASES)
    geoms: list[object] = [None] * len(frame)
    if lon and lat:
        for i, (x, y) in enumerate(zip(frame[lon], frame[lat])):
            fx, fy = _number(x), _number(y)
            if fx is None or fy is None or math.isnan(fx) or math.isnan(fy) or math.isinf(fx) or math.isinf(fy):
                bad = x if (fx is None or not math.isfinite(fx or math.nan)) else y
                rows.note("error", "geometry_missing" if str(bad).strip() == "" else "not_a_number", i,
                          reject=True, column=lon if bad is x else lat, value=bad)
                continue
            geoms[i] = shapely.Point(fx, fy)
        for c, target in ((lon, "longitude"), (lat, "latitude")):
            meta.mappings.append(ColumnMapping(layer.name, c, target))
            rows.issues.append(issue("info", "column_mapped", layer=layer.name, position_kind="file",
                                     source=c, target=target))
        return gpd.GeoSeries(geoms, index=frame.index)
    if wkt:
        meta.mappings.append(ColumnMapping(layer.name, wkt, "geometry"))
        for i, text in enumerate(frame[wkt]):
            if str(text).strip() == "":
                rows.note("error", "geometry_missing", i, reject=True, column=wkt)
                continue
            try:
                geoms[i] = shapely.from_wkt(str(text))
            except shapely.errors.GEOSException:
                rows.note("error", "wkt_invalid", i, reject=True, column=wkt, value=text)
        return gpd.GeoSeries(geoms, index=frame.index)
    return None


def _coerce_column(col: Column, values: pd.Series, rows: _Rows, source: str) -> pd.Series:
    out: list[object] = []
    for i, v in enumerate(values):
        if col.dtype == "str":
            out.append(_safe_text(_clean_code(v), i, rows, source))
        elif col.dtype == "float":
            x = _number(v)
            fatal = col.name == "population"
            if x is None:
                rows.note("error" if fatal else "warning", "not_a_number", i, reject=fatal, column=source, value=v)
                x = math.nan
            elif math.isinf(x):
                rows.note("error" if fatal else "warning", "not_finite", i, reject=fatal, column=source, value=v)
                x = math.nan
            elif x < 0:
                rows.note("error" if fatal else "warning", "negative", i, reject=fatal, column=source, value=v)
                x = math.nan
            elif fatal and x > MAX_POPULATION:
                rows.note("error", "implausible_population", i, reject=True, column=source, value=v,
                          limit=f"{MAX_POPULATION:,}")
                x = math.nan
            out.append(x)
        elif col.dtype == "enum":
            text = _safe_text(_clean_code(v), i, rows, source, formulas=False)
            canon = VALUE_ALIASES.get(col.name, {}).get(text.lower(), VALUE_ALIASES.get(col.name, {}).get(text, text))
            canon = canon.lower() if canon.lower() in col.choices else canon
            if canon == "" and not col.required:
                out.append(col.default if col.default is not None else "")
            elif canon in col.choices:
                out.append(canon)
            else:
                rows.note("error" if col.required else "warning", "bad_choice", i, reject=col.required,
                          column=source, value=v, choices=", ".join(c for c in col.choices if c),
                          choices_zh=_choices_text(col))
                out.append(col.default if col.default is not None else "")
        elif col.dtype == "bool":
            b = _bool(v)
            if b == "?":
                rows.note("warning", "bad_bool", i, column=source, value=v)
                b = None
            out.append(b)
    return pd.Series(out, index=values.index, dtype=object)


def _safe_text(text: str, i: int, rows: _Rows, source: str, *, formulas: bool = True) -> str:
    """A name or code as it can be kept: control characters and lone surrogates left out (a tab or
    line break as a space), with a warning naming the file, row, column and what was removed
    (XLSX cannot hold them: the export would fail); text a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@`` first) is kept, with a warning that exports write it as text."""
    bad = control_characters(text)
    if bad:
        rows.note("warning", "control_characters", i, column=source, value=shown(text), file=rows.source,
                  chars=" ".join(shown(c) for c in bad))
        text = without_control(text).strip()
    if formulas and looks_like_formula(text) and text.strip("=+-@ \t\r"):  # a lone "-" runs nothing
        rows.note("warning", "formula_text", i, column=source, value=text, file=rows.source, prefix=text[0])
    return text


def _note_formulas(rows: _Rows, columns: set[str]) -> None:
    """Spreadsheet cells of the layer's columns that hold a formula with no value saved (read as
    blank) and were not already reported: a warning each, naming the formula."""
    for (i, column), formula in sorted(rows.formulas.items()):
        if column in columns and (i, column) not in rows.noted and i not in rows.rejected:
            rows.note("warning", "formula_no_value", i, column=column, value=formula)


def _note_blanks(values: pd.Series, rows: _Rows, source: str) -> None:
    """A number column left blank in some rows or in all: named, since blank means unknown, not 0."""
    blank = [i for i, v in enumerate(values) if i not in rows.rejected and _is_blank(v)]
    total = len(values) - len(rows.rejected)
    if not blank or total == 0:
        return
    whole = len(blank) == total
    rows.issues.append(issue("info", "column_blank" if whole else "column_partly_blank",
                             layer=rows.layer.name, position_kind=rows.kind, column=source, count=len(blank),
                             total=total, first_pos=rows.positions[blank[0]]))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _choices_text(col: Column) -> str:
    """The allowed values with a Chinese word for each: 社区卫生服务中心 (chc), …"""
    words = {v: k for k, v in reversed(list(VALUE_ALIASES.get(col.name, {}).items()))}
    return "、".join(f"{words[c]} ({c})" if c in words else c for c in col.choices if c)


def _check_codes(layer: Layer, frame: pd.DataFrame, rows: _Rows, source: str) -> None:
    first: dict[str, int] = {}
    for i, code in enumerate(frame[layer.key]):
        if i in rows.rejected:
            continue
        if code == "":
            rows.note("error", "code_missing", i, reject=True, column=source)
        elif code in first:
            where = rows.positions[first[code]]
            rows.note("error", "code_duplicate", i, reject=True, column=source, value=code, first_pos=where)
        else:
            first[code] = i


def _check_geometry(layer: Layer, geoms: gpd.GeoSeries, rows: _Rows) -> gpd.GeoSeries:
    out = list(geoms)
    want = {"polygon": "Polygon", "point": "Point", "line": "LineString"}[layer.geometry]
    label = {"Polygon": "面 polygon", "Point": "点 point", "LineString": "线 line"}[want]
    for i, g in enumerate(out):
        if i in rows.rejected:
            continue
        if g is None or g.is_empty:
            rows.note("error", "geometry_missing", i, reject=True)
            continue
        if want not in g.geom_type:
            if want == "Polygon" and g.geom_type == "GeometryCollection":
                pass  # may still hold polygons after repair below
            else:
                rows.note("error", "geometry_wrong_type", i, reject=True, value=g.geom_type, expected=label)
                continue
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            fixed = shapely.make_valid(g)
            polys = [p for p in getattr(fixed, "geoms", [fixed]) if "Polygon" in p.geom_type]
            fixed = shapely.union_all(polys) if polys else None
            if fixed is None or fixed.is_empty:
                rows.note("error", "geometry_missing", i, reject=True)
                continue
            rows.note("warning", "geometry_repaired", i, detail=reason)
            out[i] = fixed
        elif g.geom_type == "GeometryCollection":
            polys = [p for p in g.geoms if "Polygon" in p.geom_type]
            if not polys:
                rows.note("error", "geometry_wrong_type", i, reject=True, value=g.geom_type, expected=label)
                continue
            out[i] = shapely.union_all(polys)
        if want == "Point" and g.geom_type == "MultiPoint":
            out[i] = g.geoms[0]
    return gpd.GeoSeries(out, index=geoms.index)


def _check_china(geoms: gpd.GeoSeries, rows: _Rows, point_layer: bool,
                 original: gpd.GeoSeries | None = None) -> gpd.GeoSeries:
    """Geometries outside China rejected (points with longitude and latitude swapped put back,
    with a warning). A polygon is outside when its representative point is; the message quotes a
    coordinate the file holds (``original``: the geometries as read, before any conversion), the
    first vertex outside China, never a computed centre the planner cannot find in the file."""
    out = list(geoms)
    for i, g in enumerate(out):
        if i in rows.rejected or g is None:
            continue
        p = g if point_layer else g.representative_point()
        x, y = p.x, p.y
        if coords.in_china(np.array([x]), np.array([y]))[0]:
            continue
        if point_layer and coords.in_china(np.array([y]), np.array([x]))[0]:
            rows.note("warning", "latlon_swapped", i, value=f"{x:.5f}, {y:.5f}")
            out[i] = shapely.Point(y, x)
            continue
        rows.note("error", "outside_china", i, reject=True, value=_file_coordinate(g, original, i))
    return gpd.GeoSeries(out, index=geoms.index)


def _file_coordinate(geom: shapely.Geometry, original: gpd.GeoSeries | None, i: int) -> str:
    """The first vertex of ``geom`` (EPSG:4326) outside China, as the file writes it: the same
    vertex of the geometry as read (conversions keep every vertex, in order)."""
    xy = shapely.get_coordinates(geom)
    outside = ~coords.in_china(xy[:, 0], xy[:, 1])
    k = int(np.argmax(outside)) if outside.any() else 0
    source = original.iloc[i] if original is not None and i < len(original) else None
    written = shapely.get_coordinates(source) if source is not None else xy
    x, y = (written if len(written) == len(xy) else xy)[k]
    return f"{_plain(x)}, {_plain(y)}"


def _plain(value: float) -> str:
    """A coordinate as the shortest text that reads back as the same number (10.005, 3456789.5)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def interpret(layer: Layer, raw: RawLayer, *, crs_text: str | None = None) -> Interpreted:
    """Interpret ``raw`` as ``layer``; see the module docstring."""
    meta = LayerMeta(layer=layer.name, source=raw.source, crs="EPSG:4326", rows_read=len(raw.frame),
                     position_kind=raw.position_kind)
    issues = [replace(i, layer=layer.name) for i in raw.issues]
    rows = _Rows(layer, raw.positions, raw.position_kind, source=raw.source, formulas=raw.formula_cells)
    frame = raw.frame.reset_index(drop=True)
    for i, (code, params) in sorted(raw.bad_rows.items()):
        rows.note("error", code, i, reject=True, **params)
    empty = _empty(layer)
    if frame.empty or any(i.severity == "error" and i.position is None for i in issues):
        if not any(i.severity == "error" for i in issues):
            issues.append(issue("error", "layer_empty", layer=layer.name, position_kind="file"))
        return Interpreted(empty, pd.DataFrame(), issues, meta)

    geoms: gpd.GeoSeries | None = None
    if layer.geometry is not None:
        if raw.is_table:
            geoms = _table_geometry(raw, layer, rows, meta)
            if geoms is None:
                rows.note("error", "no_geometry", None)
                return Interpreted(empty, _with_reasons(frame, raw.positions, None), issues + rows.issues, meta)
        else:
            geoms = gpd.GeoSeries(frame.geometry.values, index=frame.index)

    attrs = frame.drop(columns=[c for c in frame.columns if isinstance(frame, gpd.GeoDataFrame) and c == frame.geometry.name])
    names = [str(c) for c in attrs.columns]
    mapping = map_columns(layer, names)
    for source, target in mapping.items():
        if source != target:
            meta.mappings.append(ColumnMapping(layer.name, source, target))
            rows.issues.append(issue("info", "column_mapped", layer=layer.name, position_kind="file",
                                     source=source, target=target))
    inverse = {t: s for s, t in mapping.items()}
    missing = [c for c in layer.columns if c.required and c.name not in inverse]
    for col in missing:
        rows.note("error", "column_missing", None, column=col.name, aliases="、".join(col.aliases[:6]) or "-")
    if missing:
        return Interpreted(empty, _with_reasons(frame, raw.positions, None), issues + rows.issues, meta)

    out = pd.DataFrame(index=attrs.index)
    for col in layer.columns:
        if col.name in inverse:
            out[col.name] = _coerce_column(col, attrs[inverse[col.name]], rows, inverse[col.name])
            if col.dtype == "float" and col.name != "population":
                _note_blanks(attrs[inverse[col.name]], rows, inverse[col.name])
        else:
            out[col.name] = pd.Series([col.default] * len(attrs), index=attrs.index, dtype=object)
    if layer.key:
        _check_codes(layer, out, rows, inverse[layer.key])
    for col in layer.columns:
        if col.required and col.dtype == "str" and col.name != layer.key:
            for i, v in enumerate(out[col.name]):
                if v == "" and i not in rows.rejected:
                    rows.note("error", "code_missing", i, reject=True, column=inverse[col.name])
    _note_formulas(rows, set(inverse.values()))

    if geoms is not None:
        spec, crs_issues = _resolve_crs(layer, raw, geoms, crs_text)
        rows.issues.extend(crs_issues)
        if spec is _REJECT:
            return Interpreted(empty, _with_reasons(frame, raw.positions, None), issues + rows.issues, meta)
        geoms = _check_geometry(layer, geoms, rows)
        keep = [i for i in range(len(out)) if i not in rows.rejected]
        gdf = gpd.GeoDataFrame(out.iloc[keep], geometry=geoms.iloc[keep].values, crs=None)
        try:
            gdf = coords.to_wgs84(gdf, spec)
        except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError):  # convertible() said yes
            rows.issues.append(issue("error", "crs_unusable", layer=layer.name, position_kind="file",
                                     value=coords.crs_label(spec)))
            return Interpreted(empty, _with_reasons(frame, raw.positions, None), issues + rows.issues, meta)
        meta.crs = coords.crs_label(spec)
        sub = _Rows(layer, [raw.positions[i] for i in keep], raw.position_kind)
        read = gpd.GeoSeries(geoms.iloc[keep].values)  # as the file has them, for the messages
        gdf = gdf.set_geometry(_check_china(gdf.geometry.reset_index(drop=True), sub, layer.geometry == "point",
                                            read).values)
        rows.issues.extend(sub.issues)
        for j, code in sub.rejected.items():
            rows.rejected[keep[j]] = code
        gdf[POS] = [raw.positions[i] for i in keep]
        gdf = gdf.iloc[[j for j in range(len(keep)) if j not in sub.rejected]]
        result: gpd.GeoDataFrame | pd.DataFrame = gdf.reset_index(drop=True)
    else:
        keep = [i for i in range(len(out)) if i not in rows.rejected]
        result = out.iloc[keep].copy()
        result[POS] = [raw.positions[i] for i in keep]
        result = result.reset_index(drop=True)

    meta.rows_loaded = len(result)
    rejected = _with_reasons(frame, raw.positions, rows.rejected)
    return Interpreted(result, rejected, issues + rows.issues, meta, rows.rejected)


def _resolve_crs(layer: Layer, raw: RawLayer, geoms: gpd.GeoSeries, crs_text: str | None):
    """The coordinate system to read the layer in: config first, then the file, else WGS84."""
    if crs_text:
        try:
            spec = coords.parse_crs(crs_text)
        except coords.CrsNotConvertible:
            return _REJECT, [issue("error", "crs_unusable", layer=layer.name, position_kind="file", value=crs_text)]
        except ValueError:
            return _REJECT, [issue("error", "crs_unknown", layer=layer.name, position_kind="file", value=crs_text)]
        notes = [] if crs_text.strip().lower() in ("wgs84", "epsg:4326", "4326") else [
            issue("info", "crs_converted", layer=layer.name, position_kind="file", value=coords.crs_label(spec))]
        return spec, notes
    unreadable = [issue("warning", "prj_unreadable", layer=layer.name, position_kind="file", file=raw.prj_unreadable,
                        assumed="WGS84 (EPSG:4326)")] if raw.prj_unreadable else []
    if raw.crs is not None and not coords.convertible(raw.crs):
        return _REJECT, [issue("error", "crs_unusable_file", layer=layer.name, position_kind="file",
                               value=coords.crs_label(raw.crs), file=raw.source)]
    if raw.crs is not None:
        epsg = raw.crs.to_epsg()
        notes = [] if epsg in (4326, None) and raw.crs.is_geographic else [
            issue("info", "crs_converted", layer=layer.name, position_kind="file", value=coords.crs_label(raw.crs))]
        return raw.crs, notes
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if valid and coords.looks_projected(tuple(shapely.total_bounds(valid))):
        b = shapely.total_bounds(valid)
        return _REJECT, unreadable + [issue("error", "looks_projected", layer=layer.name, position_kind="file",
                                            value=f"{b[0]:.0f}, {b[1]:.0f}")]
    return None, unreadable


def _with_reasons(frame: pd.DataFrame, positions: list[int], reasons: dict[int, str] | None) -> pd.DataFrame:
    """The planner's own rows that were not loaded, with their position and reason.

    ``reasons=None`` means the whole layer could not be loaded.
    """
    if reasons is None:
        reasons = dict.fromkeys(range(len(frame)), "layer_not_loaded")
    if not reasons:
        return pd.DataFrame()
    idx = sorted(reasons)
    table = pd.DataFrame(frame.iloc[idx]).copy()
    if isinstance(table, gpd.GeoDataFrame):
        table = pd.DataFrame(table.drop(columns=table.geometry.name))
    table.insert(0, "reason", [reasons[i] for i in idx])
    table.insert(0, "position", [positions[i] for i in idx] if positions else idx)
    return table.reset_index(drop=True)


def _empty(layer: Layer) -> gpd.GeoDataFrame | pd.DataFrame:
    columns = list(layer.column_names) + [POS]
    if layer.geometry is None:
        return pd.DataFrame(columns=columns)
    return gpd.GeoDataFrame(columns=columns, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
