"""Every validation message: what is wrong, where (position, column), and that the rest loads."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import shapely

from geodata.readers import RawLayer
from geodata.schema import DISTRICTS, FACILITIES, UNITS
from geodata.validate import POS, interpret, map_columns


def table(rows: list[dict]) -> RawLayer:
    frame = pd.DataFrame(rows).astype(str).replace("nan", "")
    return RawLayer(frame, "t.csv", "line", list(range(2, len(frame) + 2)), is_table=True)


def vector(rows: list[dict], geoms: list) -> RawLayer:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=None)
    return RawLayer(frame, "t.geojson", "feature", list(range(1, len(frame) + 1)))


def codes(result) -> list[tuple[str, int | None, str]]:
    return [(i.code, i.position, i.column) for i in result.issues if i.code != "column_mapped"]


GOOD = {"facility_code": "F1", "name": "甲", "kind": "chc", "lon": "121.01", "lat": "31.01"}


def test_chinese_aliases_are_mapped_and_reported():
    raw = table([{"机构代码": "F1", "机构名称": "甲", "机构类型": "社区卫生服务中心", "经度": "121.01", "纬度": "31.01",
                  "床位数": "1,200"}])
    result = interpret(FACILITIES, raw)
    assert result.frame.loc[0, "facility_code"] == "F1"
    assert result.frame.loc[0, "kind"] == "chc"
    assert result.frame.loc[0, "beds"] == 1200.0
    mapped = {(m.source, m.target) for m in result.meta.mappings}
    assert {("机构代码", "facility_code"), ("机构名称", "name"), ("机构类型", "kind"), ("床位数", "beds")} <= mapped
    notes = {dict(i.params)["source"] for i in result.issues if i.code == "column_mapped"}
    assert {"经度", "纬度"} <= notes


def test_canonical_names_win_over_aliases():
    mapping = map_columns(UNITS, ["code", "unit_code", "name"])
    assert mapping["unit_code"] == "unit_code"
    assert "code" not in mapping


def test_value_aliases_for_ring_kind_subkind_role():
    raw = table([{"区县代码": "1", "名称": "甲", "圈层": "远郊", "wkt": "POLYGON((121 31,121.1 31,121.1 31.1,121 31))"}])
    assert interpret(DISTRICTS, raw).frame.loc[0, "ring"] == "remote_suburb"
    raw = table([{**GOOD, "kind": "市级医院", "subkind": "中医类", "campus_role": "分院"}])
    row = interpret(FACILITIES, raw).frame.iloc[0]
    assert (row["kind"], row["subkind"], row["campus_role"]) == ("city_hospital", "tcm", "branch")


def test_missing_and_duplicate_codes_are_rejected_with_positions():
    raw = table([GOOD, {**GOOD, "facility_code": ""}, {**GOOD}, {**GOOD, "facility_code": "F2"}])
    result = interpret(FACILITIES, raw)
    assert list(result.frame["facility_code"]) == ["F1", "F2"]
    assert ("code_missing", 3, "facility_code") in codes(result)
    dup = next(i for i in result.issues if i.code == "code_duplicate")
    assert (dup.position, dup.value, dict(dup.params)["first_pos"]) == (4, "F1", "2")
    assert "首次出现于第 2 行" in dup.message("zh") and "first seen at line 2" in dup.message("en")
    assert list(result.rejected["position"]) == [3, 4]
    assert "duplicate" in dup.message("en") and "重复" in dup.message("zh")


@pytest.mark.parametrize(
    ("value", "code"),
    [("abc", "not_a_number"), ("-5", "negative"), ("inf", "not_finite"), ("9e12", "implausible_population")],
)
def test_bad_population_rejects_the_row_only(value, code):
    geom = "POLYGON((121 31,121.1 31,121.1 31.1,121 31))"
    raw = table([{"unit_code": "U1", "population": "100", "wkt": geom},
                 {"unit_code": "U2", "population": value, "wkt": geom}])
    result = interpret(UNITS, raw)
    assert list(result.frame["unit_code"]) == ["U1"]
    assert (code, 3, "population") in codes(result)


def test_nan_population_is_left_for_apportioning():
    raw = table([{"unit_code": "U1", "population": "", "wkt": "POLYGON((121 31,121.1 31,121.1 31.1,121 31))"}])
    result = interpret(UNITS, raw)
    assert len(result.frame) == 1 and math.isnan(result.frame.loc[0, "population"])


def test_bad_optional_number_warns_and_keeps_the_row():
    result = interpret(FACILITIES, table([{**GOOD, "beds": "很多"}]))
    assert len(result.frame) == 1 and math.isnan(result.frame.loc[0, "beds"])
    assert [i.severity for i in result.issues if i.code == "not_a_number"] == ["warning"]


def test_unknown_kind_is_rejected_and_lists_the_choices():
    result = interpret(FACILITIES, table([GOOD, {**GOOD, "facility_code": "F2", "kind": "药店"}]))
    assert list(result.frame["facility_code"]) == ["F1"]
    bad = next(i for i in result.issues if i.code == "bad_choice")
    assert bad.position == 3 and "village_clinic" in bad.fix("en") and "村卫生室 (village_clinic)" in bad.fix("zh")


def test_bad_boolean_warns():
    result = interpret(FACILITIES, table([{**GOOD, "kind": "village_clinic", "integrated": "也许"}]))
    assert ("bad_bool", 2, "integrated") in codes(result)
    assert result.frame.loc[0, "integrated"] is None


def test_bow_tie_is_repaired_keeping_both_halves():
    bow = shapely.Polygon([(121.0, 31.0), (121.1, 31.1), (121.1, 31.0), (121.0, 31.1)])
    result = interpret(UNITS, vector([{"unit_code": "U1"}], [bow]))
    assert ("geometry_repaired", 1, "") in codes(result)
    fixed = result.frame.geometry.iloc[0]
    assert fixed.is_valid and len(fixed.geoms) == 2
    assert fixed.area == pytest.approx(0.005, rel=1e-6)


def test_empty_and_wrong_geometry_are_rejected():
    result = interpret(UNITS, vector(
        [{"unit_code": "U1"}, {"unit_code": "U2"}, {"unit_code": "U3"}],
        [shapely.box(121, 31, 121.1, 31.1), None, shapely.Point(121, 31)],
    ))
    assert list(result.frame["unit_code"]) == ["U1"]
    assert ("geometry_missing", 2, "") in codes(result)
    assert ("geometry_wrong_type", 3, "") in codes(result)


def test_missing_coordinates_and_bad_wkt_in_tables():
    result = interpret(FACILITIES, table([GOOD, {**GOOD, "facility_code": "F2", "lon": ""},
                                          {**GOOD, "facility_code": "F3", "lat": "北纬31度"}]))
    assert list(result.frame["facility_code"]) == ["F1"]
    assert ("geometry_missing", 3, "lon") in codes(result)
    assert ("not_a_number", 4, "lat") in codes(result)
    result = interpret(UNITS, table([{"unit_code": "U1", "wkt": "POLYGON((1 2, 3"}]))
    assert ("wkt_invalid", 2, "wkt") in codes(result)


def test_table_without_coordinates_says_how_to_fix():
    result = interpret(FACILITIES, table([{"facility_code": "F1", "kind": "chc"}]))
    assert [i.code for i in result.issues] == ["no_geometry"]
    assert "longitude" in result.issues[0].fix("en")
    assert len(result.rejected) == 1


def test_swapped_lat_lon_is_swapped_back_with_a_warning():
    result = interpret(FACILITIES, table([{**GOOD, "lon": "31.01", "lat": "121.01"}]))
    assert ("latlon_swapped", 2, "") in codes(result)
    p = result.frame.geometry.iloc[0]
    assert (p.x, p.y) == (121.01, 31.01)


def test_points_outside_china_are_rejected():
    result = interpret(FACILITIES, table([GOOD, {**GOOD, "facility_code": "F2", "lon": "2.35", "lat": "48.85"}]))
    assert list(result.frame["facility_code"]) == ["F1"]
    assert ("outside_china", 3, "") in codes(result)


def test_projected_coordinates_without_crs_are_refused_with_the_fix():
    result = interpret(FACILITIES, table([{**GOOD, "lon": "350000", "lat": "3455000"}]))
    assert [i.code for i in result.issues if i.severity == "error"] == ["looks_projected"]
    assert "EPSG" in result.issues[-1].fix("en")
    assert len(result.frame) == 0 and len(result.rejected) == 1


def test_declared_projected_crs_is_converted():
    result = interpret(FACILITIES, table([{**GOOD, "lon": "350000", "lat": "3455000"}]), crs_text="EPSG:32651")
    p = result.frame.geometry.iloc[0]
    assert 120 < p.x < 122 and 31 < p.y < 32
    assert result.meta.crs == "EPSG:32651"


def test_declared_gcj02_is_converted_to_wgs84():
    result = interpret(FACILITIES, table([GOOD]), crs_text="gcj02")
    p = result.frame.geometry.iloc[0]
    # In Shanghai GCJ-02 lies about 420 m east and 230 m south of WGS84.
    assert 121.0050 < p.x < 121.0060 and 31.0118 < p.y < 31.0125
    assert result.meta.crs == "GCJ-02"


def test_unknown_crs_name_is_an_error():
    result = interpret(FACILITIES, table([GOOD]), crs_text="mars")
    assert [i.code for i in result.issues if i.severity == "error"] == ["crs_unknown"]


def test_missing_required_column_names_its_aliases():
    result = interpret(FACILITIES, table([{"facility_code": "F1", "lon": "121", "lat": "31"}]))
    missing = next(i for i in result.issues if i.code == "column_missing")
    assert missing.column == "kind" and "类型" in missing.fix("zh")


def test_positions_are_kept_on_loaded_rows():
    result = interpret(FACILITIES, table([GOOD, {**GOOD, "facility_code": ""}, {**GOOD, "facility_code": "F3"}]))
    assert list(result.frame[POS]) == [2, 4]


# --- issue 14 -------------------------------------------------------------------------------------

def test_rows_the_reader_could_not_split_are_rejected_with_their_reason():
    raw = table([GOOD, dict(GOOD, facility_code="F2"), dict(GOOD, facility_code="F3")])
    raw.bad_rows = {1: ("fields_extra", {"count": "5", "extra": "北部院区"})}
    result = interpret(FACILITIES, raw)
    assert list(result.frame["facility_code"]) == ["F1", "F3"]
    assert ("fields_extra", 3, "") in codes(result)
    assert list(result.rejected["reason"]) == ["fields_extra"] and list(result.rejected["position"]) == [3]


@pytest.mark.parametrize("kind", ["line", "row", "feature"])
def test_the_layer_remembers_how_its_file_counts_positions(kind):
    raw = table([GOOD, dict(GOOD, kind="药店")])
    raw.position_kind = kind
    result = interpret(FACILITIES, raw)
    assert result.meta.position_kind == kind
    assert {i.position_kind for i in result.issues if i.position is not None} == {kind}


def test_blank_number_columns_are_named_once_per_column():
    rows = [dict(GOOD, facility_code=f"F{k}", gps="" if k % 2 else "3", physicians="") for k in range(6)]
    result = interpret(FACILITIES, table(rows))
    notes = {i.column: i for i in result.issues if i.code in ("column_blank", "column_partly_blank")}
    assert notes["physicians"].code == "column_blank" and notes["gps"].code == "column_partly_blank"
    assert notes["gps"].message("en") == "column gps is blank in 3 of 6 rows (first: line 3)"
    assert len(result.frame) == 6 and result.frame["gps"].isna().sum() == 3
