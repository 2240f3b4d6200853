"""Issue 16: validation messages that say what happened, where, and how to fix it.

Formula-like names and control characters (items 3 and 6), and the "validation messages to
sharpen" list: overlapping districts, an unreadable ``.prj``, a polygon outside China, a formula
cell without a value, and a Shapefile's truncated column names.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import shapely

from conftest import A, B, collection, district_features, facilities_csv, facility_rows, unit_features, write_world
from geodata.errors import DataValidationError
from geodata.package import load_package
from geodata.readers import RawLayer, read_table
from geodata.schema import DISTRICTS, FACILITIES, UNITS
from geodata.validate import interpret, map_columns


def table(rows: list[dict], name: str = "机构.csv") -> RawLayer:
    frame = pd.DataFrame(rows).astype(object)
    return RawLayer(frame, name, "line", list(range(2, len(frame) + 2)), is_table=True)


GOOD = {"facility_code": "F1", "name": "甲", "kind": "chc", "lon": "121.01", "lat": "31.01"}


def found(result, code: str) -> list:
    return [i for i in result.issues if i.code == code]


# --- item 3: names a spreadsheet would run ---------------------------------------------------------

def test_formula_like_names_are_kept_with_a_warning_naming_file_row_column_and_value():
    rows = [GOOD, {**GOOD, "facility_code": "F2", "name": '=HYPERLINK("http://x","y")'},
            {**GOOD, "facility_code": "@F3", "name": "+1"}, {**GOOD, "facility_code": "F4", "name": "-丙"}]
    result = interpret(FACILITIES, table(rows))
    assert result.frame["name"].tolist() == ["甲", '=HYPERLINK("http://x","y")', "+1", "-丙"]  # kept as written
    warned = {(i.position, i.column, i.value) for i in found(result, "formula_text")}
    assert warned == {(3, "name", '=HYPERLINK("http://x","y")'), (4, "facility_code", "@F3"), (4, "name", "+1"),
                      (5, "name", "-丙")}
    first = next(i for i in found(result, "formula_text") if i.position == 3)
    assert all(i.severity == "warning" for i in found(result, "formula_text"))
    assert "机构.csv" in first.message("en") and "formula" in first.message("en") and "as text" in first.message("en")
    assert "公式" in first.message("zh") and "文本" in first.message("zh")
    assert first.where("en") == "facilities · line 3 · column name"
    assert len(result.frame) == 4  # nothing rejected


def test_a_dash_for_none_is_no_formula_and_not_warned_about():
    rows = [{**GOOD, "name": "-"}, {**GOOD, "facility_code": "F2", "name": "--"}, {**GOOD, "facility_code": "F3", "name": "+"}]
    assert not found(interpret(FACILITIES, table(rows)), "formula_text")


# --- item 6: control characters --------------------------------------------------------------------

def test_control_characters_are_stripped_with_a_warning_naming_what_was_removed():
    rows = [{**GOOD, "name": "甲\x01区"}, {**GOOD, "facility_code": "F\x02" + "2", "name": "乙\t区\n二"},
            {**GOOD, "facility_code": "F3", "name": "丙\x7f"}]
    result = interpret(FACILITIES, table(rows))
    assert result.frame["name"].tolist() == ["甲区", "乙 区 二", "丙"]
    assert result.frame["facility_code"].tolist() == ["F1", "F2", "F3"]
    warned = found(result, "control_characters")
    assert {(i.position, i.column) for i in warned} == {(2, "name"), (3, "facility_code"), (3, "name"), (4, "name")}
    one = next(i for i in warned if i.position == 2)
    assert one.severity == "warning" and one.value == "甲\\x01区"  # shown, never the raw character
    assert "\\x01" in one.message("en") and "机构.csv" in one.message("en") and "removed" in one.message("en")
    assert "控制字符" in one.message("zh") and "源文件" in one.fix("zh")
    assert all("\x01" not in i.message(lang) for i in warned for lang in ("zh", "en"))


def test_a_code_that_is_only_control_characters_is_empty_and_rejected():
    result = interpret(FACILITIES, table([GOOD, {**GOOD, "facility_code": "\x01\x02"}]))
    assert result.frame["facility_code"].tolist() == ["F1"]
    assert [(i.code, i.position) for i in result.issues if i.severity == "error"] == [("code_missing", 3)]


def test_a_package_with_control_characters_loads_and_exports_to_xlsx(tmp_path):
    from geodata.export import write_xlsx

    folder = write_world(tmp_path / "w")
    rows = facility_rows()
    rows[0]["name"] = "甲区\x01中心医院"
    (folder / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    package = load_package(folder)
    assert "control_characters" in {i.code for i in package.report.warnings}
    write_xlsx(tmp_path / "f.xlsx", {"f": package.facilities.drop(columns="geometry")})  # no IllegalCharacterError
    assert "甲区中心医院" in package.facilities["name"].tolist()


# --- overlapping districts -------------------------------------------------------------------------

def test_overlapping_districts_name_both_the_area_and_the_fix(tmp_path):
    write_world(tmp_path)
    d = district_features()
    d[0]["geometry"] = shapely.geometry.mapping(shapely.box(121.0, 31.0, 121.05, 31.04))
    (tmp_path / "districts.geojson").write_text(collection(d), encoding="utf-8")
    [pair] = [i for i in load_package(tmp_path).report.errors if i.code == "districts_overlap"]
    for lang in ("zh", "en"):
        message, fix = pair.message(lang), pair.fix(lang)
        assert A in message and B in message and "km²" in message
        assert A in fix and B in fix and "km²" in fix  # which one keeps the ground, and cut it from the other
    assert "overlap by 4.2" in pair.message("en") and "Difference" in pair.fix("en")
    assert pair.where("en") == "districts · feature 1" and "feature 2" in pair.message("en")


# --- an unreadable .prj ------------------------------------------------------------------------------

def _districts_shapefile(folder, prj: str | None):
    frame = gpd.GeoDataFrame.from_features(district_features(), crs=4326)
    frame = frame.rename(columns={"district_code": "code", "district_name": "name"})
    frame.to_file(folder / "districts.shp")
    (folder / "districts.geojson").unlink()
    if prj is not None:
        (folder / "districts.prj").write_text(prj, encoding="utf-8")


def test_an_unreadable_prj_is_named_with_what_was_assumed_and_the_fix(tmp_path):
    write_world(tmp_path)
    _districts_shapefile(tmp_path, "this is not a coordinate system")
    package = load_package(tmp_path)
    [note] = [i for i in package.report.issues if i.code == "prj_unreadable"]
    assert note.severity == "warning" and note.layer == "districts"
    assert "districts.prj" in note.message("en") and "WGS84" in note.message("en")
    assert "[crs]" in note.fix("en") and 'districts = "EPSG:' in note.fix("en") and ".prj" in note.fix("en")
    assert "districts.prj" in note.message("zh") and "WGS84" in note.message("zh")
    assert len(package.districts) == 2  # read, as the message says


def test_a_readable_prj_or_a_declared_system_gives_no_such_warning(tmp_path):
    write_world(tmp_path / "a")
    _districts_shapefile(tmp_path / "a", None)
    (tmp_path / "a" / "districts.prj").unlink(missing_ok=True)
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326).to_file(tmp_path / "p.shp")
    (tmp_path / "a" / "districts.prj").write_text((tmp_path / "p.prj").read_text())
    assert "prj_unreadable" not in {i.code for i in load_package(tmp_path / "a").report.issues}
    write_world(tmp_path / "b")
    _districts_shapefile(tmp_path / "b", "garbage")
    declared = load_package(tmp_path / "b", config_text='[crs]\ndistricts = "wgs84"\n')
    assert "prj_unreadable" not in {i.code for i in declared.report.issues}


# --- outside China: a coordinate from the file ------------------------------------------------------

def test_a_polygon_outside_china_quotes_one_of_its_own_vertices():
    far = shapely.Polygon([(10.125, 10.5), (10.25, 10.5), (10.25, 10.75), (10.125, 10.5)])
    frame = gpd.GeoDataFrame(pd.DataFrame([{"unit_code": "U1", "district_code": "1"}]), geometry=[far], crs=None)
    result = interpret(UNITS, RawLayer(frame, "单元.geojson", "feature", [1]))
    [issue] = found(result, "outside_china")
    x, y = (float(v) for v in issue.value.split(", "))
    assert (x, y) in set(far.exterior.coords)  # a vertex the planner can find, not the polygon's centre
    assert issue.value == "10.125, 10.5" and "as the file has it" in issue.message("en")
    assert "[crs]" in issue.fix("en") and "units" in issue.fix("en")


def test_a_projected_polygon_outside_china_quotes_the_file_s_metres():
    """Declared EPSG:3857 and far from China: the message quotes the file's own metres."""
    ring = [(4_187_000.5, 7_508_000.0), (4_190_000.0, 7_508_000.0), (4_190_000.0, 7_511_000.0), (4_187_000.5, 7_508_000.0)]
    frame = gpd.GeoDataFrame(pd.DataFrame([{"unit_code": "U1"}]), geometry=[shapely.Polygon(ring)], crs=None)
    result = interpret(UNITS, RawLayer(frame, "单元.geojson", "feature", [1]), crs_text="EPSG:3857")
    [issue] = found(result, "outside_china")
    assert issue.value == "4187000.5, 7508000"


def test_a_point_outside_china_quotes_the_file_s_own_numbers():
    result = interpret(FACILITIES, table([{**GOOD, "lon": "2.35220", "lat": "48.85660"}]))
    [issue] = found(result, "outside_china")
    assert issue.value == "2.3522, 48.8566"


# --- a formula cell without a value --------------------------------------------------------------------

def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: each formula cell with its value (``t="str"`` and ``<v>``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8")
                for ref, value in values.items():
                    text = re.sub(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?',
                                  rf'<c r="{ref}"\1 t="str"><f>\2</f><v>{value}</v>', text)
                body = text.encode("utf-8")
            target.writestr(info, body)
    return out.getvalue()


HEADER = ["facility_code", "name", "kind", "lon", "lat"]


def test_a_formula_cell_without_a_value_is_called_a_formula_not_empty():
    data = _workbook([HEADER, ['="F"&"1"', "甲", "chc", 121.01, 31.01], ["F2", "=B2&\"院\"", "chc", 121.02, 31.02],
                      ["F3", "丙", "chc", "=121+0.03", 31.03]])
    raw = read_table(data, "机构.xlsx")
    assert raw.formula_cells == {(0, "facility_code"): '="F"&"1"', (1, "name"): '=B2&"院"', (2, "lon"): "=121+0.03"}
    result = interpret(FACILITIES, raw)
    assert "code_missing" not in {i.code for i in result.issues}
    by_row = {i.position: i for i in found(result, "formula_no_value")}
    assert set(by_row) == {2, 3, 4}
    assert by_row[2].severity == "error" and by_row[2].column == "facility_code" and by_row[2].value == '="F"&"1"'
    assert by_row[3].severity == "warning" and by_row[3].column == "name"  # a name left blank: kept, said
    assert by_row[4].severity == "error" and by_row[4].column == "lon"  # no coordinate: rejected, said why
    message, fix = by_row[2].message("en"), by_row[2].fix("en")
    assert "formula" in message and "机构.xlsx" in message and "empty" not in message
    assert "values" in fix.lower() and "公式" in by_row[2].message("zh") and "数值" in by_row[2].fix("zh")
    assert result.frame["facility_code"].tolist() == ["F2"]


def test_a_formula_saved_with_its_value_reads_as_the_value():
    data = _workbook([HEADER, ['="F"&"1"', "甲", "chc", 121.01, 31.01]])
    cached = _with_cached_values(data, {"A2": "F1"})
    raw = read_table(cached, "机构.xlsx")
    assert raw.formula_cells == {} and raw.frame.iloc[0]["facility_code"] == "F1"
    result = interpret(FACILITIES, raw)
    assert result.frame["facility_code"].tolist() == ["F1"] and not found(result, "formula_no_value")


def test_a_workbook_without_formulas_is_read_once():
    raw = read_table(_workbook([HEADER, ["F1", "", "chc", 121.01, 31.01]]), "机构.xlsx")
    assert raw.formula_cells == {}


# --- a Shapefile's truncated column names ----------------------------------------------------------------

def test_dbf_truncated_names_are_recognised():
    assert map_columns(UNITS, ["unit_code", "district_c", "population"])["district_c"] == "district_code"
    assert map_columns(FACILITIES, ["facility_c", "kind", "hospital_c", "campus_rol", "location_q"]) == {
        "facility_c": "facility_code", "kind": "kind", "hospital_c": "hospital_code", "campus_rol": "campus_role",
        "location_q": "location_quality"}
    assert map_columns(DISTRICTS, ["district_c", "district_n", "pooling_ar"]) == {
        "district_c": "district_code", "district_n": "district_name", "pooling_ar": "pooling_area"}
    # a full name wins over a cut one, and a short name is never taken for a cut one
    assert map_columns(UNITS, ["district_code", "district_c", "unit_code"]).get("district_c") is None
    assert "district" not in {k for k, v in map_columns(FACILITIES, ["facility_code", "kind", "dis"]).items()}


def test_a_units_shapefile_with_district_c_has_its_districts_read_not_derived(tmp_path):
    write_world(tmp_path)
    units = gpd.GeoDataFrame.from_features(unit_features(), crs=4326)
    with warnings.catch_warnings():  # geopandas and GDAL warn that they cut the names: the point here
        warnings.simplefilter("ignore")
        units.to_file(tmp_path / "units.shp")  # GDAL cuts district_code to district_c
    (tmp_path / "units.geojson").unlink()
    assert "district_c" in gpd.read_file(tmp_path / "units.shp").columns
    package = load_package(tmp_path)
    mapped = [i for i in package.report.issues if i.code == "column_mapped" and i.layer == "units"]
    assert ("district_c", "district_code") in {(dict(i.params)["source"], dict(i.params)["target"]) for i in mapped}


def test_a_districts_shapefile_with_district_c_loads(tmp_path):
    write_world(tmp_path)
    with warnings.catch_warnings():  # district_name, district_code and the rest are cut to 10
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame.from_features(district_features(), crs=4326).to_file(tmp_path / "districts.shp")
    (tmp_path / "districts.geojson").unlink()
    try:
        package = load_package(tmp_path)
    except DataValidationError as exc:  # before: "required column district_code is missing"
        raise AssertionError(str(exc)) from exc
    assert sorted(package.districts["district_code"]) == [A, B]
    assert sorted(package.districts["district_name"]) == ["乙区", "甲区"]


# --- coordinate systems with no way to WGS84 (LOCAL_CS, the Moon) ------------------------------------

LOCAL_CS = 'LOCAL_CS["arbitrary",UNIT["metre",1]]'


def test_parse_crs_refuses_systems_that_cannot_become_wgs84():
    import pytest

    from geodata.coords import CrsNotConvertible, parse_crs

    for text in (LOCAL_CS, "IAU_2015:30100", "ESRI:104903"):
        with pytest.raises(CrsNotConvertible):
            parse_crs(text)
    with pytest.raises(ValueError):
        parse_crs("EPSG:999999999")
    assert parse_crs("EPSG:4547").to_epsg() == 4547 and parse_crs("gcj02") == "gcj02"


def test_a_prj_of_a_local_or_lunar_system_is_refused_with_the_fix_not_a_traceback(tmp_path):
    import pyproj
    import pytest

    for k, prj in enumerate((LOCAL_CS, pyproj.CRS("IAU_2015:30100").to_wkt("WKT1_ESRI"))):
        folder = write_world(tmp_path / str(k))
        _districts_shapefile(folder, prj)
        with pytest.raises(DataValidationError) as caught:
            load_package(folder)
        [problem] = [i for i in caught.value.issues if i.code == "crs_unusable_file"]
        assert "districts.shp" in problem.message("en") and "WGS84" in problem.message("en")
        assert "[crs]" in problem.fix("en") and "坐标系" in problem.message("zh")
        # declared in config, the same file loads
        assert len(load_package(folder, config_text='[crs]\ndistricts = "wgs84"\n').districts) == 2


def test_a_lunar_or_local_system_in_config_or_the_url_is_a_listed_problem(tmp_path):
    folder = write_world(tmp_path)
    for text in (LOCAL_CS, "IAU_2015:30100"):
        package = load_package(folder, crs_overrides={"facilities": text})  # ?crs=facilities:… comes this way
        [problem] = [i for i in package.report.errors if i.code == "crs_unusable"]
        assert problem.layer == "facilities" and text in problem.message("en")
        config = load_package(folder, config_text=f"[crs]\nfacilities = '{text}'\n")
        assert "crs_unusable" in {i.code for i in config.report.errors}
