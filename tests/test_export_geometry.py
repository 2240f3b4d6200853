"""Exported grids are only ever Polygon or MultiPolygon, on real-like data with slivers.

Rounded to 6 decimals (RFC 7946), a sliver of a dissolved grid collapses into a line and GDAL
writes a GeometryCollection: the report's map then leaves the grid out, the handout's tooltips
fail and ``ogr2ogr`` to a Shapefile stops at that feature. The worlds here make exactly that
happen on a plain dissolve, and the exports must not show it.

The small world, in degrees (each unit 0.01 x 0.01, grid G01 = a, b; grid G02 = c, d)::

                 |  a's own second part, 1e-7 wide, just north of a
    lat 31.01 +------+------+------+------+
              |  a   |  b   |  c   |  d  -|---------  d's spike, 1e-7 wide, into nothing
              |     ||      |   |  |      |
    lat 31.00 +------+------+------+------+           (a's island, 0.002 square, far east)
           121.00                      121.04

``a`` stops 1e-7 short of ``b`` along the middle of their edge (a hairline hole in G01); ``c``
has a hairline slit cut into it from its south edge (a hairline inlet in G02); ``a`` also has a
sliver part 1e-7 wide and a real island.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.default import load_default
from geodata.export import MIN_PART_M2, grid_layer, write_geojson
from geodata.filing import build, write
from geodata.report import svg_map
from planning.session import PlanningSession

X0, Y0, S, W = 121.0, 31.0, 0.01, 1e-7
POLYGONAL = {"Polygon", "MultiPolygon"}
gdal = pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="gdal-bin is installed by scripts/setup.sh --dev")


def cell(i: int) -> shapely.Polygon:
    return shapely.box(X0 + i * S, Y0, X0 + (i + 1) * S, Y0 + S)


def sliver_units() -> gpd.GeoDataFrame:
    a = cell(0).difference(shapely.box(X0 + S - W, Y0 + 0.003, X0 + S, Y0 + 0.007))  # hairline gap to b
    a = shapely.MultiPolygon([a, shapely.box(X0 + 0.005, Y0 + S + 0.001, X0 + 0.005 + W, Y0 + S + 0.003),  # a sliver part
                              shapely.box(X0 + 0.06, Y0, X0 + 0.062, Y0 + 0.002)])  # a real island
    c = cell(2).difference(shapely.box(X0 + 2 * S + 0.005, Y0 - W, X0 + 2 * S + 0.005 + W, Y0 + 0.004))  # slit
    d = cell(3).union(shapely.box(X0 + 3.5 * S, Y0 + 0.008, X0 + 4.5 * S, Y0 + 0.008 + W))  # a spike
    return gpd.GeoDataFrame({"unit_code": ["a", "b", "c", "d"]}, geometry=[a, cell(1), c, d], crs=4326)


ASSIGNMENT = {"a": "900001-G01", "b": "900001-G01", "c": "900001-G02", "d": "900001-G02"}


def metrics(grids) -> pd.DataFrame:
    return pd.DataFrame({"grid_id": grids, "district_code": "900001", "lead_facility_code": "H", "lead_name": "医院",
                         "population": 1000.0, "units": 2, "area_km2": 1.0, "mean_access_km": 1.0, "max_access_km": 2.0,
                         "polsby_popper": 0.5})


def written_types(gdf: gpd.GeoDataFrame, path) -> list[str]:
    write_geojson(gdf, path)
    return [f["geometry"]["type"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def plain_dissolve(units: gpd.GeoDataFrame, assignment) -> gpd.GeoDataFrame:
    """The dissolve before issue 14: in degrees, kept as it comes."""
    frame = units[["unit_code", "geometry"]].assign(grid_id=units["unit_code"].map(assignment))
    return frame.dissolve(by="grid_id", as_index=False)[["grid_id", "geometry"]]


def test_a_plain_dissolve_of_these_units_writes_geometry_collections(tmp_path):
    """The inputs are hard enough: GDAL's 6-decimal output turns every grid of the plain
    dissolve into a GeometryCollection."""
    assert written_types(plain_dissolve(sliver_units(), ASSIGNMENT), tmp_path / "old.geojson") == \
        ["GeometryCollection", "GeometryCollection"]


def test_grids_are_polygonal_valid_and_survive_six_decimals(tmp_path):
    units = sliver_units()
    grids = grid_layer(units, ASSIGNMENT, metrics(["900001-G01", "900001-G02"]))
    assert set(grids.geom_type) <= POLYGONAL and shapely.is_valid(grids.geometry.values).all()
    coords = shapely.get_coordinates(grids.geometry.values)
    assert np.allclose(coords, np.round(coords, 6), rtol=0, atol=1e-9)  # already on the 6-decimal grid
    assert written_types(grids, tmp_path / "new.geojson") == ["MultiPolygon", "Polygon"]
    g01, g02 = grids.geometry
    assert len(g01.geoms) == 2  # the cells and the real island; the 1e-7 sliver part is gone
    assert all(len(p.interiors) == 0 for p in g01.geoms) and len(g02.interiors) == 0  # no hairline left
    assert g02.bounds[2] == pytest.approx(X0 + 4 * S, abs=1e-9)  # the spike is gone
    metric = grids.to_crs(grids.estimate_utm_crs())
    assert (shapely.area(metric.geometry.values) > 1e6).all()
    expected = units.to_crs(metric.crs).assign(grid_id=units["unit_code"].map(ASSIGNMENT)).dissolve("grid_id").area
    assert np.allclose(metric.area, expected.to_numpy(), rtol=1e-4)  # only slivers went


def test_lines_points_and_collections_in_units_leave_only_polygons():
    units = gpd.GeoDataFrame({"unit_code": ["a", "b"]}, crs=4326, geometry=[
        shapely.GeometryCollection([cell(0), shapely.LineString([(X0, Y0), (X0 - 0.01, Y0)]), shapely.Point(X0 - 1, Y0)]),
        shapely.Polygon([(X0 + S, Y0), (X0 + 2 * S, Y0 + S), (X0 + 2 * S, Y0), (X0 + S, Y0 + S)])])  # a bow-tie
    grids = grid_layer(units, {"a": "1-G01", "b": "1-G02"}, metrics(["1-G01", "1-G02"]))
    assert list(grids.geom_type) == ["Polygon", "MultiPolygon"]  # the bow-tie keeps both halves
    assert shapely.is_valid(grids.geometry.values).all()


def test_specks_below_the_minimum_area_are_dropped():
    speck = shapely.box(X0 + 0.05, Y0, X0 + 0.05 + 5e-6, Y0 + 5e-6)  # about 0.5 m x 0.55 m
    units = gpd.GeoDataFrame({"unit_code": ["a"]}, geometry=[shapely.MultiPolygon([cell(0), speck])], crs=4326)
    assert MIN_PART_M2 > 0.3
    grids = grid_layer(units, {"a": "1-G01"}, metrics(["1-G01"]))
    assert grids.geom_type.tolist() == ["Polygon"]


def test_clean_data_keeps_its_coordinates(default_export):
    """On 6-decimal data without slivers (the default's), the dissolved grids are the plain
    dissolve's, vertex for vertex (the order of parts and a ring's first vertex may differ): a
    filed layout does not move a point."""
    new = default_export.grid_shapes
    old = plain_dissolve(default_export.package.units, default_export.plan.assignment).set_index("grid_id").loc[new["grid_id"]]
    for a, b in zip(new.geometry, old.geometry):
        assert a.geom_type == b.geom_type and a.equals(b)
        vertices = [np.unique(np.round(shapely.get_coordinates(g), 6), axis=0) for g in (a, b)]
        assert np.array_equal(*vertices)


@pytest.fixture(scope="module")
def sliver_export():
    """The default package with a sliver, a hairline slit or a spike (1e-7 degrees wide) in
    every 23rd unit: its proposed plan, exported."""
    pkg = load_default()
    units = pkg.units.copy()
    geoms = list(units.geometry)
    for k, i in enumerate(range(3, len(geoms), 23)):
        g = geoms[i]
        minx, miny, maxx, maxy = g.bounds
        cx, cy = g.representative_point().coords[0]
        if k % 3 == 0:
            geoms[i] = shapely.MultiPolygon([*getattr(g, "geoms", [g]), shapely.box(maxx + 3e-4, cy, maxx + 3e-4 + W, cy + 4e-3)])
        elif k % 3 == 1:
            geoms[i] = g.difference(shapely.box(cx, cy, maxx + 1e-3, cy + W))
        else:
            geoms[i] = g.union(shapely.box(cx, cy, maxx + 3e-3, cy + W))
    units["geometry"] = geoms
    pkg = replace(pkg, units=gpd.GeoDataFrame(units, geometry="geometry", crs=4326))
    session = PlanningSession(pkg)
    plan = session.propose().plan
    return build(session, plan, {"plan_id": "sliver", "plan_name": "细条", "version": 1})


@pytest.fixture(scope="module")
def default_export():
    session = PlanningSession(load_default())
    return build(session, session.propose().plan, {"plan_id": "default", "plan_name": "默认", "version": 1})


def test_the_sliver_package_breaks_a_plain_dissolve_and_not_the_export(sliver_export, tmp_path):
    old = plain_dissolve(sliver_export.package.units, sliver_export.plan.assignment)
    assert "GeometryCollection" in written_types(old, tmp_path / "old.geojson")
    features = sliver_export.collection["features"]
    assert len(features) == len(sliver_export.filing.grids)
    assert {f["geometry"]["type"] for f in features} <= POLYGONAL
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in features)
    assert set(sliver_export.grid_shapes.geom_type) <= POLYGONAL


def test_every_grid_is_on_the_report_map_and_the_handout(sliver_export):
    from ui.handout import handout_html

    features = sliver_export.collection["features"]
    assert svg_map(features).count("<path ") == len(features)  # the city map leaves no grid out
    html = handout_html(sliver_export)
    layers = [json.JSONDecoder().raw_decode(html, m.end())[0] for m in re.finditer(r"geo_json_\w+_add\(", html)]
    grids = next(layer for layer in layers if "grid_id" in layer["features"][0]["properties"])
    assert sorted(f["properties"]["grid_id"] for f in grids["features"]) == sorted(f["id"] for f in features)
    assert {f["geometry"]["type"] for f in grids["features"]} <= POLYGONAL  # what the tooltips need


def test_report_maps_keep_no_detail_finer_than_half_a_pixel():
    """A circle of 200,000 vertices drawn 540 px across needs some 60 points to stay within half a
    pixel."""
    circle = shapely.Point(121.5, 31.2).buffer(0.2, quad_segs=50_000)
    features = [{"type": "Feature", "properties": {"grid_id": "1-G01"}, "geometry": shapely.geometry.mapping(circle)}]
    svg = svg_map(features)
    points = len(re.findall(r"[ML]\d", svg))
    assert 30 < points < 300


def _ogrinfo(path) -> str:
    return subprocess.run(["ogrinfo", "-ro", "-al", "-geom=SUMMARY", str(path)], capture_output=True, text=True,
                          check=True).stdout


def _round_trip(source, layer: str | None, tmp_path, name: str) -> dict[str, tuple[int, list[str]]]:
    """``source`` converted by ogr2ogr to a Shapefile and to a GeoPackage, read back: per format,
    the feature count ogrinfo states and the geometry type of each feature read."""
    out = {}
    for driver, suffix in (("ESRI Shapefile", ".shp"), ("GPKG", ".gpkg")):
        target = tmp_path / f"{name}{suffix}"
        options = ["-lco", "ENCODING=UTF-8", "-mapFieldType", "StringList=String,IntegerList=String"] \
            if suffix == ".shp" else []
        done = subprocess.run(["ogr2ogr", "-f", driver, *options, str(target), str(source), *([layer] if layer else [])],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        summary = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(target)], capture_output=True, text=True,
                                 check=True).stdout
        count = int(re.search(r"Feature Count: (\d+)", summary).group(1))
        types = re.findall(r"^  ([A-Z]+) : ", _ogrinfo(target), flags=re.M)  # one per feature
        out[suffix] = (count, types)
    return out


@gdal
@pytest.mark.parametrize("case", ["default_export", "sliver_export"])
def test_gdal_converts_every_grid_to_shapefile_and_geopackage(case, request, tmp_path):
    export = request.getfixturevalue(case)
    grids = len(export.filing.grids)
    layout = write(export, "geojson", tmp_path / "layout.geojson")
    gpkg = write(export, "gpkg", tmp_path / "plan.gpkg")
    for source, layer, name in ((layout, None, "from_geojson"), (gpkg, "grids", "from_gpkg")):
        for suffix, (count, types) in _round_trip(source, layer, tmp_path, name).items():
            assert count == grids and len(types) == grids, (name, suffix, count, len(types))
            assert set(types) <= {"POLYGON", "MULTIPOLYGON"}, (name, suffix, set(types))


@gdal
def test_before_the_fix_ogr2ogr_stops_at_the_sliver(sliver_export, tmp_path):
    """What the round trip above guards against: the plain dissolve's GeoJSON does not convert."""
    old = tmp_path / "old.geojson"
    write_geojson(plain_dissolve(sliver_export.package.units, sliver_export.plan.assignment), old)
    done = subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(tmp_path / "old.shp"), str(old)],
                          capture_output=True, text=True)
    read = re.search(r"Feature Count: (\d+)", subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(tmp_path / "old.shp")],
                                                            capture_output=True, text=True).stdout or "")
    assert done.returncode != 0 or not read or int(read.group(1)) < len(sliver_export.filing.grids)
