"""Writing plans: RFC 7946 GeoJSON of the grids, and the tables beside it.

GDAL (through pyogrio) writes the GeoJSON with ``RFC7946=YES``: WGS84 longitude/latitude,
counter-clockwise outer rings, no ``crs`` member, 6 decimals, UTF-8 with Chinese unescaped.
Same plan, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd


def grid_layer(units: gpd.GeoDataFrame, assignment: Mapping[str, str], metrics: pd.DataFrame) -> gpd.GeoDataFrame:
    """One feature per grid: the dissolved units with the grid's figures (EPSG:4326)."""
    frame = units[["unit_code", "geometry"]].copy()
    frame["grid_id"] = frame["unit_code"].map(assignment)
    dissolved = frame.dissolve(by="grid_id", as_index=False)[["grid_id", "geometry"]]
    out = dissolved.merge(metrics, on="grid_id", how="left").sort_values("grid_id").reset_index(drop=True)
    columns = ["grid_id", "district_code", "lead_facility_code", "lead_name", "population", "units", "area_km2",
               "mean_access_km", "max_access_km", "polsby_popper", "geometry"]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=4326)


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    path = Path(path)
    path.unlink(missing_ok=True)
    gdf.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES", COORDINATE_PRECISION=6,
                             WRITE_NAME="NO")


def write_json(data: object, path: Path) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=float) + "\n",
                          encoding="utf-8")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
