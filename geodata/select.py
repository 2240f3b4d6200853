"""Which units a click or a drawn shape on the map picks (longitude/latitude, WGS84)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import shapely


def unit_at(units: gpd.GeoDataFrame, lon: float, lat: float) -> str | None:
    """The unit under a clicked point, or None outside every unit."""
    hits = units.sindex.query(shapely.Point(lon, lat), predicate="intersects")
    return str(units["unit_code"].iloc[int(hits[0])]) if len(hits) else None


def units_within(units: gpd.GeoDataFrame, shape: Mapping) -> list[str]:
    """Units whose representative point lies inside a drawn GeoJSON geometry (a rectangle or
    polygon): a shape that only grazes a unit does not pick it."""
    try:
        area = shapely.geometry.shape(shape)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, shapely.errors.ShapelyError):
        return []  # not a geometry (it came from the browser)
    if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
        return []
    area = shapely.make_valid(area)
    points = units.geometry.representative_point()
    inside = shapely.contains_xy(area, points.x.to_numpy(), points.y.to_numpy())
    return units["unit_code"][inside].astype(str).tolist()


def bounds_of(units: gpd.GeoDataFrame, codes: set[str]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of the units, or None when none match."""
    rows = units[units["unit_code"].astype(str).isin(codes)]
    return tuple(float(v) for v in rows.total_bounds) if len(rows) else None
