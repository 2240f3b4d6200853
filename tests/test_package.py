"""Loading whole packages: layers checked against each other; the rest always loads."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import shapely

from conftest import (A, B, collection, district_features, facilities_csv, facility_rows, feature, square, unit_features,
                      write_world)
from geodata import coords
from geodata.errors import DataValidationError
from geodata.package import load_package


def issue_codes(pkg, severity=None):
    return [i.code for i in pkg.report.issues if severity is None or i.severity == severity]


def test_clean_world_loads_without_errors_or_warnings(world):
    pkg = load_package(world)
    assert issue_codes(pkg, "error") == [] and issue_codes(pkg, "warning") == []
    assert len(pkg.districts) == 2 and len(pkg.units) == 32 and len(pkg.facilities) == 7
    assert pkg.population == 32_000
    assert pkg.districts.crs.to_epsg() == 4326
    assert dict(zip(pkg.facilities["facility_code"], pkg.facilities["district_code"]))["THC-B"] == B
    assert set(pkg.facilities.loc[pkg.facilities["can_lead"], "facility_code"]) == {"DH-A", "DH-B"}
    assert pkg.districts["pooling_area"].tolist() == ["all", "all"]


def test_zip_and_geopackage_packages_load_the_same(world, tmp_path):
    z = tmp_path / "pkg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in world.iterdir():
            zf.write(f, f"my-package/{f.name}")
    assert len(load_package(z).units) == 32
    base = load_package(world)
    gpkg = tmp_path / "pkg.gpkg"
    base.districts.drop(columns="_pos").to_file(gpkg, layer="districts", engine="pyogrio")
    base.units.drop(columns="_pos").to_file(gpkg, layer="units", engine="pyogrio")
    base.facilities.drop(columns="_pos").to_file(gpkg, layer="facilities", engine="pyogrio")
    pkg = load_package(gpkg)
    assert len(pkg.units) == 32 and len(pkg.facilities) == 7 and pkg.population == 32_000


def test_missing_districts_layer_cannot_be_used(tmp_path):
    (tmp_path / "facilities.csv").write_text(facilities_csv(), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_package(tmp_path)
    assert [i.code for i in err.value.issues] == ["layer_missing"]
    assert "districts" in str(err.value)


def test_unit_district_is_derived_when_absent(tmp_path):
    units = unit_features()
    for f in units:
        del f["properties"]["district_code"]
    write_world(tmp_path)
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert (pkg.units["district_code"] == pkg.units["unit_code"].str[:6]).all()


def test_unit_straddling_two_districts_is_reported_and_placed_by_majority(tmp_path):
    write_world(tmp_path)
    units = unit_features()
    # widen the last unit of A 40 % into B
    units[15]["geometry"] = shapely.geometry.mapping(shapely.box(121.03, 31.03, 121.044, 31.04))
    del units[15]["properties"]["district_code"]
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")
    pkg = load_package(tmp_path)
    straddle = [i for i in pkg.report.issues if i.code == "unit_two_districts"]
    assert len(straddle) == 1 and straddle[0].position == 16
    assert dict(straddle[0].params)["other"] == B
    assert pkg.units.set_index("unit_code").loc[f"{A}-33", "district_code"] == A


def test_stated_district_that_disagrees_with_location_is_reported(tmp_path):
    write_world(tmp_path)
    units = unit_features()
    units[0]["properties"]["district_code"] = B
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")
    pkg = load_package(tmp_path)
    mismatch = next(i for i in pkg.report.issues if i.code == "district_mismatch")
    assert (mismatch.layer, mismatch.position, mismatch.value, dict(mismatch.params)["found"]) == ("units", 1, B, A)


def test_facility_outside_every_district_is_rejected_and_kept_aside(tmp_path):
    rows = facility_rows() + [{"facility_code": "FAR", "name": "远处", "kind": "chc", "lon": 121.5, "lat": 31.5}]
    write_world(tmp_path)
    (tmp_path / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert "FAR" not in set(pkg.facilities["facility_code"])
    outside = next(i for i in pkg.report.issues if i.code == "outside_districts")
    assert outside.severity == "error" and outside.position == 9
    rejected = pkg.report.rejected["facilities"]
    assert rejected["facility_code"].tolist() == ["FAR"] and rejected["position"].tolist() == [9]


def test_gcj02_shifted_facilities_are_detected_and_conversion_fixes_them(tmp_path):
    """Facilities hugging district edges, given in GCJ-02: many fall in the wrong district."""
    write_world(tmp_path)
    rng = np.random.default_rng(3)
    wgs = []
    for k in range(40):  # 80-250 m inside the A/B boundary at lon 121.04, on both sides
        side = 1 if k % 2 else -1
        wgs.append((121.04 + side * rng.uniform(0.0008, 0.0025), rng.uniform(31.005, 31.035), A if side < 0 else B))
    pts = coords.wgs84_to_shifted(shapely.points([(x, y) for x, y, _ in wgs]), "gcj02")
    rows = [{"facility_code": f"F{k}", "name": f"机构{k}", "kind": "chc", "district_code": d,
             "lon": round(p.x, 7), "lat": round(p.y, 7)} for k, ((_, _, d), p) in enumerate(zip(wgs, pts))]
    lines = ["facility_code,name,kind,district_code,lon,lat"] + [",".join(str(r[c]) for c in
             ("facility_code", "name", "kind", "district_code", "lon", "lat")) for r in rows]
    (tmp_path / "facilities.csv").write_text("\n".join(lines), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert "looks_gcj02" in issue_codes(pkg, "warning")
    converted = load_package(tmp_path, crs_overrides={"facilities": "gcj02"})
    assert "looks_gcj02" not in issue_codes(converted)
    assert "district_mismatch" not in issue_codes(converted)
    back = shapely.get_coordinates(converted.facilities.geometry.values)
    assert np.abs(back - np.array([(x, y) for x, y, _ in wgs])).max() < 1e-6


def test_wgs84_facilities_do_not_trigger_the_gcj02_warning(world):
    assert "looks_gcj02" not in issue_codes(load_package(world))


def test_village_clinic_linked_to_unknown_thc_is_reported(tmp_path):
    rows = facility_rows()
    rows[4]["thc_code"] = "NO-SUCH-THC"
    write_world(tmp_path)
    (tmp_path / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    pkg = load_package(tmp_path)
    bad = next(i for i in pkg.report.issues if i.code == "thc_unknown")
    assert (bad.position, bad.value) == (6, "NO-SUCH-THC")
    assert pkg.facilities.set_index("facility_code").loc["V-B1", "thc_code"] == ""


def test_partnerships_with_unknown_codes_are_rejected(world):
    (world / "partnerships.csv").write_text(
        "hospital_code,district_code,since,form\nCITY,900002,2019,技术支持\nNOPE,900001,2020,托管\nCITY,123,2020,托管\n",
        encoding="utf-8")
    pkg = load_package(world)
    assert pkg.partnerships["hospital_code"].tolist() == ["CITY"]
    bad = [(i.position, i.column) for i in pkg.report.issues if i.code == "partnership_unknown"]
    assert bad == [(3, "hospital_code"), (4, "district_code")]


def test_population_mismatch_between_districts_and_units_is_reported(tmp_path):
    write_world(tmp_path)
    d = district_features()
    d[0]["properties"]["population"] = 20000
    (tmp_path / "districts.geojson").write_text(collection(d), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert "population_mismatch" in issue_codes(pkg, "warning")
    assert pkg.districts.set_index("district_code").loc[A, "population"] == 16000


def test_units_without_population_share_the_district_total_by_area(tmp_path):
    write_world(tmp_path)
    units = unit_features()
    for f in units[16:]:
        f["properties"]["population"] = None
    d = district_features()
    d[1]["properties"]["population"] = 32000
    (tmp_path / "districts.geojson").write_text(collection(d), encoding="utf-8")
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")
    pkg = load_package(tmp_path)
    b = pkg.units[pkg.units["district_code"] == B]["population"]
    assert b.sum() == 32000 and b.min() == 2000


def test_without_units_hex_cells_are_generated_and_population_conserved(tmp_path):
    write_world(tmp_path, units=False)
    pkg = load_package(tmp_path, config_text="[grids]\nhex_size_km = 0.8\n")
    assert "units_generated" in issue_codes(pkg, "info")
    assert pkg.meta["units"].generated
    assert pkg.units.groupby("district_code")["population"].sum().to_dict() == {A: 16000, B: 16000}
    assert pkg.units["unit_code"].is_unique
    # cells tile each district
    for code, geom in zip(pkg.districts["district_code"], pkg.districts.geometry):
        cells = pkg.units[pkg.units["district_code"] == code].geometry
        assert shapely.union_all(cells.values).symmetric_difference(geom).area < geom.area * 1e-4


def test_population_points_drive_generated_units(tmp_path):
    write_world(tmp_path, units=False)
    pts = [feature({"population": 500}, shapely.Point(121.005, 31.005)),
           feature({"population": 700}, shapely.Point(121.075, 31.035))]
    (tmp_path / "population_points.geojson").write_text(collection(pts), encoding="utf-8")
    pkg = load_package(tmp_path, config_text="[grids]\nhex_size_km = 1.0\n")
    assert pkg.population == 1200
    assert pkg.units.groupby("district_code")["population"].sum().to_dict() == {A: 500, B: 700}


def test_invalid_config_is_reported_and_defaults_used(world):
    (world / "config.toml").write_text("[rules]\ndistrict_cap = 'two'\nbogus = 1\n", encoding="utf-8")
    pkg = load_package(world)
    err = next(i for i in pkg.report.issues if i.code == "config_invalid")
    assert "district_cap" in err.message("en") and "bogus" in err.message("en")
    assert pkg.config.district_cap == 2


def test_config_sets_caps_overrides_and_layer_crs(world):
    (world / "config.toml").write_text(
        '[rules]\ndistrict_cap = 3\n[rules.district_cap_overrides]\n900001 = {limit = 4, reason = "人口多"}\n'
        '[crs]\nfacilities = "wgs84"\n', encoding="utf-8")
    pkg = load_package(world)
    assert pkg.config.district_cap == 3
    assert pkg.config.district_cap_overrides["900001"].limit == 4
    assert pkg.config.layer_crs["facilities"] == "wgs84"


def test_unknown_layer_file_is_named(world):
    (world / "hospitals.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    pkg = load_package(world)
    assert any(i.code == "layer_unknown" and dict(i.params)["name"] == "hospitals.geojson" for i in pkg.report.issues)


def test_every_message_formats_in_both_languages():
    from geodata.errors import Issue
    from texts.data import ISSUES

    for code, texts in ISSUES.items():
        names = {n for t in texts for n in __import__("string").Formatter().parse(t) for n in [n[1]] if n}
        params = tuple((n, "X") for n in sorted(names - {"layer", "column", "value"}))
        issue = Issue("error", code, layer="units", column="c", value="v", params=params)
        for lang in ("zh", "en"):
            assert issue.message(lang) and issue.fix(lang)


def test_unsafe_package_zip_is_refused_with_a_reason(tmp_path):
    z = tmp_path / "pkg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../escape.geojson", "{}")
    with pytest.raises(DataValidationError) as err:
        load_package(z)
    assert err.value.issues[0].code == "unsafe_archive"
    assert not (tmp_path.parent / "escape.geojson").exists()


def test_shapefile_parts_in_a_folder_load(world, tmp_path):
    import geopandas as gpd

    base = load_package(world)
    folder = tmp_path / "shp"
    folder.mkdir()
    base.districts[["district_code", "geometry"]].rename(columns={"district_code": "adcode"}).to_file(
        folder / "districts.shp", engine="pyogrio")
    pkg = load_package(folder)
    assert sorted(pkg.districts["district_code"]) == [A, B]
    assert ("adcode", "district_code") in {(m.source, m.target) for m in pkg.meta["districts"].mappings}
    assert isinstance(pkg.units, gpd.GeoDataFrame) and len(pkg.units) > 0  # generated


def test_unknown_stated_district_is_reported_and_location_used(tmp_path):
    write_world(tmp_path)
    rows = facility_rows()
    rows[0]["district_code"] = "999999"
    lines = facilities_csv(rows).splitlines()
    header = lines[0] + ",district_code"
    body = [line + ("," + r.get("district_code", "")) for line, r in zip(lines[1:], rows)]
    (tmp_path / "facilities.csv").write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    pkg = load_package(tmp_path)
    bad = next(i for i in pkg.report.issues if i.code == "district_unknown")
    assert (bad.layer, bad.position, bad.value) == ("facilities", 2, "999999")
    assert pkg.facilities.set_index("facility_code").loc["DH-A", "district_code"] == A


def test_unit_outside_every_district_is_rejected(tmp_path):
    write_world(tmp_path)
    units = unit_features()
    units.append(feature({"unit_code": "FAR", "population": 10}, shapely.box(121.3, 31.3, 121.31, 31.31)))
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert "FAR" not in set(pkg.units["unit_code"])
    assert pkg.report.rejected["units"]["position"].tolist() == [33]
    assert "unit_outside_districts" in issue_codes(pkg, "error")


def test_district_without_any_population_is_an_error(tmp_path):
    write_world(tmp_path, units=False)
    d = district_features()
    d[1]["properties"]["population"] = None
    (tmp_path / "districts.geojson").write_text(collection(d), encoding="utf-8")
    pkg = load_package(tmp_path)
    bad = next(i for i in pkg.report.issues if i.code == "population_missing")
    assert bad.value == B
    assert pkg.districts.set_index("district_code").loc[B, "population"] == 0


def test_empty_layer_is_reported(world):
    (world / "facilities.csv").write_text("facility_code,kind,lon,lat\n", encoding="utf-8")
    pkg = load_package(world)
    assert "layer_empty" in issue_codes(pkg, "error")
    assert len(pkg.units) == 32


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_layers_declared_in_shifted_systems_are_converted(world, system):
    pkg_wgs = load_package(world)
    shifted = coords.wgs84_to_shifted(pkg_wgs.facilities.geometry.values, system)
    lines = ["facility_code,kind,lon,lat"] + [f"{c},{k},{p.x:.9f},{p.y:.9f}" for c, k, p in
                                              zip(pkg_wgs.facilities["facility_code"], pkg_wgs.facilities["kind"], shifted)]
    (world / "facilities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (world / "config.toml").write_text(f'[crs]\nfacilities = "{system}"\n', encoding="utf-8")
    pkg = load_package(world)
    assert "crs_converted" in issue_codes(pkg, "info")
    assert pkg.meta["facilities"].crs == {"gcj02": "GCJ-02", "bd09": "BD-09"}[system]
    diff = shapely.get_coordinates(pkg.facilities.geometry.values) - shapely.get_coordinates(pkg_wgs.facilities.geometry.values)
    assert np.abs(diff).max() < 1e-7


def test_second_file_for_a_layer_is_named_and_ignored(world):
    (world / "facilities.xlsx").write_bytes(b"not really a spreadsheet")
    pkg = load_package(world)
    dup = next(i for i in pkg.report.issues if i.code == "layer_duplicate")
    assert dict(dup.params) == {"name": "facilities.xlsx", "used": "facilities.csv"}
    assert len(pkg.facilities) == 7


def test_truncated_zip_is_called_damaged_not_unsafe(tmp_path, world):
    z = tmp_path / "pkg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in world.iterdir():
            zf.write(f, f.name)
    z.write_bytes(z.read_bytes()[:200])
    with pytest.raises(DataValidationError) as err:
        load_package(z)
    assert err.value.issues[0].code == "archive_damaged"
    assert "damaged or incomplete" in err.value.issues[0].message("en")


def test_chinese_layer_file_names_are_recognised(tmp_path, world):
    for src, dst in (("districts.geojson", "区县边界.geojson"), ("facilities.csv", "医疗机构.csv"), ("units.geojson", "单元.geojson")):
        (world / src).rename(world / dst)
    pkg = load_package(world)
    assert len(pkg.districts) == 2 and len(pkg.facilities) == 7 and len(pkg.units) == 32


def test_unusable_package_error_lists_ignored_files_too(tmp_path):
    (tmp_path / "边界文件.geojson").write_text(collection(district_features()), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_package(tmp_path)
    issues = {i.code: i for i in err.value.issues}
    assert sorted(issues) == ["layer_missing", "layer_unknown"]
    unknown = issues["layer_unknown"]
    assert unknown.severity == "error"  # a file no layer recognises is never passed over
    assert "边界文件.geojson" in unknown.message("zh") and "districts（区县边界）" in unknown.fix("zh")


# --- issue 14: nothing lost in silence -------------------------------------------------------------

def _units_geojson(tmp_path, units):
    (tmp_path / "units.geojson").write_text(collection(units), encoding="utf-8")


def test_overlapping_units_are_named_pair_by_pair_with_the_area(tmp_path):
    """Unit A-00 redrawn to reach 0.002 degrees (~190 m) into A-10 and A-01: two pairs."""
    write_world(tmp_path)
    units = unit_features()
    units[0]["geometry"] = shapely.geometry.mapping(square(121.0, 31.0, 0.012))
    _units_geojson(tmp_path, units)
    pkg = load_package(tmp_path)
    pairs = [i for i in pkg.report.errors if i.code == "units_overlap"]
    assert {(i.value, dict(i.params)["other"]) for i in pairs} == {("900001-00", "900001-01"), ("900001-00", "900001-10"),
                                                                    ("900001-00", "900001-11")}
    first = max(pairs, key=lambda i: int(dict(i.params)["area_m2"]))
    assert 180_000 < int(dict(first.params)["area_m2"]) < 240_000  # 0.002 x 0.01 degrees, in metres
    assert "km²" in first.message("en") and "900001-10" in first.message("zh")
    assert len(pkg.units) == 32  # reported, not dropped


def test_overlaps_under_the_threshold_are_not_reported_and_the_threshold_is_a_setting(tmp_path):
    write_world(tmp_path)
    units = unit_features()
    units[0]["geometry"] = shapely.geometry.mapping(square(121.0, 31.0, 0.0101))  # ~10 m into the neighbours
    _units_geojson(tmp_path, units)
    assert "units_overlap" not in issue_codes(load_package(tmp_path, config_text="[checks]\noverlap_min_m2 = 20000\n"))
    assert "units_overlap" in issue_codes(load_package(tmp_path))


def test_overlapping_districts_are_errors(tmp_path):
    write_world(tmp_path)
    d = district_features()
    d[0]["geometry"] = shapely.geometry.mapping(shapely.box(121.0, 31.0, 121.05, 31.04))
    (tmp_path / "districts.geojson").write_text(collection(d), encoding="utf-8")
    pkg = load_package(tmp_path)
    [pair] = [i for i in pkg.report.errors if i.code == "districts_overlap"]
    assert (pair.value, dict(pair.params)["other"]) == (A, B)


def test_a_unit_with_a_part_far_away_over_land_is_a_warning(tmp_path):
    """Unit B-33 also owns the far corner of A (about 7 km south-west, across A's other units)."""
    write_world(tmp_path)
    units = unit_features()
    far = shapely.MultiPolygon([square(121.07, 31.03, 0.01), shapely.box(121.0, 31.0, 121.003, 31.003)])
    units[-1]["geometry"] = shapely.geometry.mapping(far)
    units[0]["geometry"] = shapely.geometry.mapping(square(121.0, 31.0, 0.01).difference(shapely.box(121.0, 31.0, 121.003, 31.003)))
    _units_geojson(tmp_path, units)
    pkg = load_package(tmp_path, config_text="[checks]\nunit_part_gap_km = 3\n")
    [apart] = [i for i in pkg.report.issues if i.code == "unit_parts_apart"]
    assert apart.severity == "warning" and apart.value == "900002-33" and 6.5 < float(dict(apart.params)["gap"]) < 7.5
    assert "unit_parts_apart" not in issue_codes(load_package(tmp_path, config_text="[checks]\nunit_part_gap_km = 8\n"))


def test_a_unit_that_fails_to_load_is_never_replaced_by_generated_cells(tmp_path):
    write_world(tmp_path)
    (tmp_path / "units.geojson").write_text(collection([]), encoding="utf-8")
    pkg = load_package(tmp_path)
    assert {"layer_empty", "units_not_generated"} <= set(issue_codes(pkg, "error"))
    assert len(pkg.units) == 0 and "units_generated" not in issue_codes(pkg, "info")
    assert list(pkg.districts["population"]) == [16000.0, 16000.0] and len(pkg.facilities) == 7


def test_gaps_between_units_and_facilities_in_them_are_named(tmp_path):
    write_world(tmp_path)
    units = [u for u in unit_features() if u["properties"]["unit_code"] != "900001-11"]  # holds DH-A
    _units_geojson(tmp_path, units)
    pkg = load_package(tmp_path)
    [gap] = [i for i in pkg.report.warnings if i.code == "units_gap"]
    assert gap.value == A and dict(gap.params)["count"] == "1"
    assert [i.value for i in pkg.report.warnings if i.code == "facility_outside_units"] == ["DH-A"]


def test_positions_in_xlsx_are_rows_and_in_csv_lines_everywhere(tmp_path):
    import pandas as pd

    write_world(tmp_path)
    rows = facility_rows() + [{"facility_code": "FAR", "name": "远", "kind": "chc", "lon": 121.5, "lat": 31.5}]
    (tmp_path / "facilities.csv").unlink()
    pd.DataFrame(rows).to_excel(tmp_path / "facilities.xlsx", index=False)
    (tmp_path / "partnerships.xlsx").write_bytes(b"")
    pd.DataFrame([{"hospital_code": "NOPE", "district_code": A}]).to_excel(tmp_path / "partnerships.xlsx", index=False)
    pkg = load_package(tmp_path)
    placed = {i.code: i for i in pkg.report.issues if i.position is not None}
    assert placed["outside_districts"].where("en") == "facilities · row 9"
    assert placed["partnership_unknown"].where("zh").startswith("partnerships · 第 2 行")
    assert placed["partnership_unknown"].position_kind == "row"


def test_every_row_read_is_loaded_or_rejected(world):
    pkg = load_package(world)
    for name in ("districts", "units", "facilities"):
        assert pkg.meta[name].rows_read == len(getattr(pkg, name)) + len(pkg.report.rejected.get(name, ()))
    assert "rows_unaccounted" not in issue_codes(pkg)


@pytest.mark.parametrize("setting", ["overlap_min_m2 = 0", "unit_part_gap_km = -1", "overlap_min_m2 = nan"])
def test_bad_check_thresholds_are_config_errors(world, setting):
    pkg = load_package(world, config_text=f"[checks]\n{setting}\n")
    assert "config_invalid" in issue_codes(pkg, "error")


def test_files_nobody_claims_are_errors_and_documents_a_note(world):
    (world / "说明.md").write_text("x", encoding="utf-8")
    (world / "医疗机构.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (world / "村界.dbf").write_bytes(b"\x03")
    (world / "hospitals.csv").write_text("a\n1\n", encoding="utf-8")
    pkg = load_package(world)
    assert {"format_unsupported", "shapefile_orphan", "layer_unknown"} <= set(issue_codes(pkg, "error"))
    assert "files_not_read" in issue_codes(pkg, "info")
    unknown = next(i for i in pkg.report.errors if i.code == "layer_unknown")
    assert "hospitals.csv" in unknown.message("en") and "facilities.csv" in dict(unknown.params)["found"]
