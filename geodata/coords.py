"""Coordinate systems: WGS84, CGCS2000, any EPSG code, and China's GCJ-02 and BD-09.

GCJ-02 (AMap, Tencent) and BD-09 (Baidu) are obfuscations, not datums, so pyproj does not know
them; ``prcoords`` (CC0) gives the exact forward formulas and an iterative inverse accurate to
about a centimetre, which ``tests/test_coords.py`` checks on 20,000 points. Everything inside the
program is EPSG:4326; lengths and areas are measured in an estimated UTM zone.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import shapely

from geodata.schema import CHINA_BOUNDS

Shifted = Literal["gcj02", "bd09"]
CrsSpec = Shifted | pyproj.CRS

_NAMES: dict[str, str | int] = {
    "wgs84": 4326, "wgs-84": 4326, "wgs 84": 4326, "epsg:4326": 4326, "4326": 4326,
    "cgcs2000": 4490, "cgcs 2000": 4490, "epsg:4490": 4490, "4490": 4490, "国家2000": 4490, "2000": 4490,
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "火星坐标": "gcj02", "amap": "gcj02", "高德": "gcj02",
    "tencent": "gcj02", "腾讯": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "baidu": "bd09", "百度": "bd09",
}


class CrsNotConvertible(ValueError):
    """A coordinate system pyproj knows but cannot convert to WGS84 longitude/latitude: a local
    engineering system (``LOCAL_CS``), or one of the Moon or another body."""


def parse_crs(text: str | int) -> CrsSpec:
    """Read a planner's coordinate system name: wgs84, cgcs2000, gcj02, bd09 or any EPSG/WKT.

    Raises ``ValueError`` when the name is not recognised, ``CrsNotConvertible`` (a
    ``ValueError``) when it names a system whose coordinates cannot become WGS84.
    """
    key = str(text).strip().lower()
    named = _NAMES.get(key)
    if named in ("gcj02", "bd09"):
        return named  # type: ignore[return-value]
    try:
        crs = pyproj.CRS.from_user_input(named if named is not None else text)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        raise ValueError(f"unknown coordinate system {text!r}") from exc
    if not convertible(crs):
        raise CrsNotConvertible(f"coordinate system {text!r} cannot be converted to WGS84")
    return crs


def convertible(crs: pyproj.CRS) -> bool:
    """Whether coordinates in ``crs`` can be converted to WGS84 longitude/latitude (PROJ finds
    no way from a local engineering system or from another celestial body)."""
    try:
        pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError):
        return False
    return True


def crs_label(spec: CrsSpec | None) -> str:
    if spec is None:
        return "EPSG:4326"
    if isinstance(spec, str):
        return {"gcj02": "GCJ-02", "bd09": "BD-09"}[spec]
    epsg = spec.to_epsg()
    return f"EPSG:{epsg}" if epsg else spec.name


def _apply(xy: np.ndarray, fn) -> np.ndarray:
    out = np.array(xy, dtype=float)
    for i, (lon, lat) in enumerate(out):
        # The obfuscation is applied only inside China's box; elsewhere points pass unchanged,
        # as the Chinese map APIs do.
        if prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)):
            c = fn(prcoords.Coords(lat, lon), False)
            out[i] = (c.lon, c.lat)
    return out


def _unshift(xy: np.ndarray, system: Shifted) -> np.ndarray:
    return _apply(xy, prcoords.gcj_wgs_bored if system == "gcj02" else prcoords.bd_wgs_bored)


def _shift(xy: np.ndarray, system: Shifted) -> np.ndarray:
    return _apply(xy, prcoords.wgs_gcj if system == "gcj02" else prcoords.wgs_bd)


def shifted_to_wgs84(geoms: np.ndarray, system: Shifted) -> np.ndarray:
    """GCJ-02 or BD-09 geometries to WGS84, vertex by vertex (shared vertices stay shared)."""
    return shapely.transform(geoms, lambda xy: _unshift(xy, system))


def wgs84_to_shifted(geoms: np.ndarray, system: Shifted) -> np.ndarray:
    """WGS84 geometries to GCJ-02 or BD-09 (for tests and for exports to Chinese map APIs)."""
    return shapely.transform(geoms, lambda xy: _shift(xy, system))


def to_wgs84(gdf: gpd.GeoDataFrame, spec: CrsSpec | None) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326. ``spec`` overrides the CRS recorded in the file, if any."""
    if spec is None:
        spec = gdf.crs if gdf.crs is not None else pyproj.CRS.from_epsg(4326)
    if isinstance(spec, str):
        out = gdf.set_crs(4326, allow_override=True)
        return out.set_geometry(shifted_to_wgs84(out.geometry.values, spec), crs=4326)
    crs = pyproj.CRS.from_user_input(spec)
    out = gdf.set_crs(crs, allow_override=True)
    if crs.to_epsg() in (4326, 4490):
        # CGCS2000 and WGS84 agree to a few centimetres: a relabel, not a transformation.
        return out.set_crs(4326, allow_override=True)
    return out.to_crs(4326)


def looks_projected(bounds: tuple[float, float, float, float]) -> bool:
    """Coordinates beyond any degree value are metres of some projection.

    Latitudes up to 180 are left to the swapped-coordinates check.
    """
    return max(abs(v) for v in bounds) > 180


def in_china(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    minx, miny, maxx, maxy = CHINA_BOUNDS
    return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)


def metric_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """The UTM zone that fits the data, for lengths and areas in metres."""
    crs = gdf.estimate_utm_crs() if len(gdf) else None
    return crs if crs is not None else pyproj.CRS.from_epsg(32651)
