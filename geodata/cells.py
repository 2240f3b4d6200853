"""Population cells at scale: GeoParquet partitioned by county, read one county at a time.

A region's cells (10⁷ and more: a population grid such as WorldPop's) never fit one process, but
each county's cells are only ever joined to that county's units (grids never cross a pooling area,
G2). So they are stored one file per county, in the hive layout pyarrow and dask understand::

    root/county=630001/part-0.parquet
    root/county=630002/part-0.parquet
    ...

Each file is GeoParquet (points in EPSG:4326, a ``population`` column, the "geo" metadata with
that county's own bounding box). :func:`read_county_cells` opens that one file and nothing else,
so memory is bounded by the largest county, not by the region. :func:`cells_per_unit` sums a
county's cells per unit and says how many fell outside every unit: none is lost in silence.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.errors import DataValidationError, issue
from geodata.export import atomic_path
from geodata.readers import unreadable_why

PART = "part-0.parquet"
PREFIX = "county="
LAYER = "population_points"
CRS = "EPSG:4326"
# a county code names a folder: letters, digits, '-' and '_' only (no '..', no separators)
_CODE = re.compile(r"[0-9A-Za-z_-]{1,64}")


def county_path(root: Path, county: str) -> Path:
    """The file of ``county``'s cells under ``root`` (``root/county=<code>/part-0.parquet``)."""
    code = str(county)
    if not _CODE.fullmatch(code):
        raise ValueError(f"a county code for a cells partition is 1-64 letters, digits, '-' or '_': {code!r}")
    return Path(root) / f"{PREFIX}{code}" / PART


def write_county_cells(frame: gpd.GeoDataFrame, root: Path, county: str) -> Path:
    """Write ``county``'s cells (points with ``population``) as its partition; returns the file.

    Only ``population`` and the geometry are kept, in EPSG:4326 (a frame in another system is
    converted; one without a system is taken as WGS84). The file is written beside and renamed
    into place, so a reader never sees half a partition."""
    if "population" not in frame.columns:
        raise ValueError("population cells need a 'population' column")
    cells = gpd.GeoDataFrame({"population": frame["population"].to_numpy()},
                             geometry=frame.geometry.to_numpy(), crs=frame.crs or CRS)
    if cells.crs != CRS:
        cells = cells.to_crs(CRS)
    path = county_path(root, county)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        cells.to_parquet(tmp, index=False, compression="snappy")
    return path


def cell_counties(root: Path) -> list[str]:
    """The county codes that have a partition under ``root``, sorted (none: ``[]``)."""
    root = Path(root)
    if not root.is_dir():
        return []
    codes = (d.name[len(PREFIX):] for d in root.iterdir() if d.is_dir() and d.name.startswith(PREFIX))
    return sorted(c for c in codes if _CODE.fullmatch(c) and (root / f"{PREFIX}{c}" / PART).is_file())


def read_county_cells(root: Path, county: str) -> gpd.GeoDataFrame:
    """``county``'s cells: points in EPSG:4326 with ``population``. Opens that partition's file only.

    A missing partition, a file that is no GeoParquet, or one without ``population`` raises
    :class:`DataValidationError` naming the partition (the same issue codes as a package's
    layers)."""
    path = county_path(root, county)
    name = f"{path.parent.name}/{path.name}"
    if not path.is_file():
        raise DataValidationError([issue("error", "layer_missing", layer=LAYER, position_kind="file", value=name)])
    try:
        cells = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise many kinds for a damaged file
        raise DataValidationError([issue("error", "file_unreadable", layer=LAYER, position_kind="file", name=name,
                                         kind="GeoParquet", **unreadable_why(exc, ".parquet"))]) from exc
    if "population" not in cells.columns:
        raise DataValidationError([issue("error", "column_missing", layer=LAYER, position_kind="file",
                                         column="population", aliases="-")])
    if cells.crs is None:
        cells = cells.set_crs(CRS)
    elif cells.crs != CRS:
        cells = cells.to_crs(CRS)
    return cells


def cells_per_unit(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """Residents per unit: the ``population`` of the cells lying within each unit, by ``unit_code``.

    Every unit of ``units`` has a row (0 when no cell lies in it), in the units' order. A cell
    within two overlapping units counts once, for the first. Cells outside every unit are not
    lost in silence: ``result.attrs["cells_outside"]`` is their number and
    ``result.attrs["population_outside"]`` their residents (see :func:`cells_outside`)."""
    points = gpd.GeoDataFrame({"population": cells["population"].to_numpy(dtype=float)},
                              geometry=cells.geometry.to_numpy(), crs=cells.crs or CRS)
    shapes = gpd.GeoDataFrame({"unit_code": units["unit_code"].astype(str).to_numpy()},
                              geometry=units.geometry.to_numpy(), crs=units.crs)
    if shapes.crs is not None and points.crs != shapes.crs:
        points = points.to_crs(shapes.crs)
    joined = gpd.sjoin(points, shapes, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    sums = joined.groupby("unit_code", sort=False)["population"].sum()
    codes = pd.Index(units["unit_code"].astype(str), name="unit_code")
    result = sums.reindex(codes, fill_value=0.0).astype(float).rename("population")
    outside = ~points.index.isin(joined.index)
    result.attrs["cells_outside"] = int(outside.sum())
    result.attrs["population_outside"] = float(points["population"].to_numpy()[outside].sum())
    return result


def cells_outside(per_unit: pd.Series) -> tuple[int, float]:
    """How many cells :func:`cells_per_unit` found outside every unit, and their residents."""
    return int(per_unit.attrs.get("cells_outside", 0)), float(per_unit.attrs.get("population_outside", 0.0))


def county_population(root: Path, county: str, units: gpd.GeoDataFrame) -> pd.Series:
    """``county``'s cells summed to ``units`` (that county's units): read one partition, join, sum."""
    return cells_per_unit(read_county_cells(root, county), units)
