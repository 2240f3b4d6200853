"""GCJ-02 / BD-09 conversion accuracy, CRS names, and reprojection."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from geodata import coords

GEOD = pyproj.Geod(ellps="WGS84")


def _points(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # mainland China, roughly: where the obfuscation applies
    return np.column_stack([rng.uniform(75, 134, n), rng.uniform(18.5, 53, n)])


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
@pytest.mark.slow
def test_round_trip_is_better_than_half_a_metre_on_20000_points(system):
    wgs = _points(20_000)
    geoms = shapely.points(wgs)
    shifted = coords.wgs84_to_shifted(geoms, system)
    back = coords.shifted_to_wgs84(shifted, system)
    xy = shapely.get_coordinates(back)
    _, _, dist = GEOD.inv(wgs[:, 0], wgs[:, 1], xy[:, 0], xy[:, 1])
    assert dist.max() < 0.5, f"max error {dist.max():.3f} m"
    # the shift itself is hundreds of metres, so the test is not vacuous
    sx = shapely.get_coordinates(shifted)
    _, _, shift = GEOD.inv(wgs[:, 0], wgs[:, 1], sx[:, 0], sx[:, 1])
    assert np.median(shift) > 100


def test_gcj02_shift_in_shanghai_is_about_500_m():
    p = shapely.points([[121.4737, 31.2304]])
    g = shapely.get_coordinates(coords.wgs84_to_shifted(p, "gcj02"))[0]
    _, _, d = GEOD.inv(121.4737, 31.2304, g[0], g[1])
    assert 300 < d < 700


def test_points_outside_china_are_not_shifted():
    p = shapely.points([[2.35, 48.85]])
    assert shapely.equals(coords.shifted_to_wgs84(p, "gcj02")[0], p[0])


def test_polygons_keep_shared_vertices_shared():
    a, b = shapely.box(121.0, 31.0, 121.1, 31.1), shapely.box(121.1, 31.0, 121.2, 31.1)
    ca, cb = coords.shifted_to_wgs84(np.array([a, b]), "gcj02")
    assert ca.intersection(cb).length > 0
    assert ca.intersection(cb).area == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("wgs84", 4326), ("WGS-84", 4326), ("CGCS2000", 4490), ("EPSG:4490", 4490), ("epsg:32651", 32651),
     ("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("高德", "gcj02"), ("bd09", "bd09"), ("百度", "bd09")],
)
def test_parse_crs_names(text, expected):
    spec = coords.parse_crs(text)
    assert (spec if isinstance(spec, str) else spec.to_epsg()) == expected


def test_parse_crs_rejects_nonsense():
    with pytest.raises(ValueError):
        coords.parse_crs("not-a-crs")


def test_to_wgs84_from_utm_and_cgcs2000():
    utm = gpd.GeoDataFrame(geometry=[shapely.Point(350000, 3455000)], crs=32651)
    out = coords.to_wgs84(utm, None)
    assert out.crs.to_epsg() == 4326
    assert 120 < out.geometry.x[0] < 122 and 31 < out.geometry.y[0] < 32
    cgcs = gpd.GeoDataFrame(geometry=[shapely.Point(121.5, 31.2)], crs=4490)
    assert coords.to_wgs84(cgcs, None).geometry.x[0] == 121.5


def test_metric_crs_is_utm_51n_in_shanghai():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(121.5, 31.2)], crs=4326)
    assert coords.metric_crs(gdf).to_epsg() == 32651
