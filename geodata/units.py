"""Population units when a package has none: hexagonal cells clipped to the districts.

Each cell is cut along district boundaries, so every unit lies in exactly one district (G2).
Population comes from population points when given, else from the district total by area; the
integers add up exactly to the district totals (largest-remainder rounding).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from geodata.coords import metric_crs


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights``, exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    if weights.sum() <= 0:
        weights = np.ones(len(weights))
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    short = int(total - base.sum())
    order = np.lexsort((np.arange(len(quota)), -(quota - base)))
    base[order[:short]] += 1
    return base


def hex_grid(bounds: tuple[float, float, float, float], size_m: float) -> list[shapely.Polygon]:
    """Pointy-top hexagons of circumradius ``size_m`` covering ``bounds`` (metres)."""
    minx, miny, maxx, maxy = bounds
    w = math.sqrt(3) * size_m
    h = 1.5 * size_m
    angles = np.radians(np.arange(6) * 60 + 30)
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * size_m
    cells = []
    row = 0
    y = miny - size_m
    while y <= maxy + size_m:
        x = minx - w + (w / 2 if row % 2 else 0)
        while x <= maxx + w:
            cells.append(shapely.Polygon(ring + (x, y)))
            x += w
        y += h
        row += 1
    return cells


# The most hexagons generated units may take (``hex_grid`` over the districts' extent): about 25,000
# units of a city, generated in a few seconds. A ``hex_size_km`` that needs more is enlarged to the
# smallest size within it (``geodata.package`` says so); the work grows with the districts, not with
# the setting (issue 16: 0.01 km ran for 90 s and 1.5 GB).
HEX_CELL_BUDGET = 50_000


def hex_count(bounds: tuple[float, float, float, float], size_m: float) -> int:
    """How many cells ``hex_grid(bounds, size_m)`` makes (at most), without making them."""
    minx, miny, maxx, maxy = bounds
    w, h = math.sqrt(3) * size_m, 1.5 * size_m
    rows = math.floor((maxy - miny + 2 * size_m) / h) + 1
    cols = math.floor((maxx - minx + 2 * w) / w) + 2
    return int(rows * cols)


def _round_up(x: float) -> float:
    """``x`` rounded up to two significant digits (0.0123 -> 0.013, 1.234 -> 1.3)."""
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return round(math.ceil(x / step - 1e-9) * step, 12)


def hex_size_within(bounds: tuple[float, float, float, float], size_km: float,
                    budget: int = HEX_CELL_BUDGET) -> tuple[float, int]:
    """The cell size to use for ``size_km`` asked over ``bounds`` (metres), and the cells the size
    asked would need: ``size_km`` itself when its cells fit the budget, else the smallest size (two
    significant digits) whose cells do."""
    needed = hex_count(bounds, size_km * 1000)
    if needed <= budget:
        return size_km, needed
    minx, miny, maxx, maxy = bounds
    area = max(maxx - minx, 1.0) * max(maxy - miny, 1.0)
    size = _round_up(max(size_km, math.sqrt(area / (1.5 * math.sqrt(3) * budget)) / 1000))
    while hex_count(bounds, size * 1000) > budget:
        size = _round_up(size * 1.01)
    return size, needed


def hex_units(
    districts: gpd.GeoDataFrame,
    *,
    size_km: float,
    population_points: gpd.GeoDataFrame | None = None,
    budget: int = HEX_CELL_BUDGET,
) -> gpd.GeoDataFrame:
    """Cells of ``size_km`` (centre to corner) clipped to each district, with population.

    ``districts`` needs ``district_code``, ``district_name`` and ``population`` (may be NaN when
    population points are given). Codes are ``<district_code>-H<nnnn>``, in row-major order.
    A size that needs more than ``budget`` cells raises ``ValueError`` (``hex_size_within`` gives
    the smallest size that does not).
    """
    crs = metric_crs(districts)
    metric = districts.to_crs(crs)
    needed = hex_count(tuple(metric.total_bounds), size_km * 1000)
    if not needed <= budget:
        raise ValueError(f"hex_size_km = {size_km:g} needs {needed} cells, more than the {budget} allowed")
    cells = gpd.GeoDataFrame(geometry=hex_grid(tuple(metric.total_bounds), size_km * 1000), crs=crs)
    pieces = gpd.overlay(
        cells.reset_index(names="cell"),
        metric[["district_code", "district_name", "population", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    pieces = pieces[pieces.area > 1.0].copy()
    pieces["_y"] = -pieces.geometry.centroid.y
    pieces["_x"] = pieces.geometry.centroid.x
    pieces = pieces.sort_values(["district_code", "_y", "_x"]).reset_index(drop=True)
    pieces["unit_code"] = pieces.groupby("district_code").cumcount().map(lambda n: f"H{n + 1:04d}")
    pieces["unit_code"] = pieces["district_code"] + "-" + pieces["unit_code"]
    pieces["unit_name"] = pieces["district_name"] + " " + pieces["unit_code"].str.split("-").str[-1]

    if population_points is not None and len(population_points):
        pts = population_points.to_crs(crs)
        joined = gpd.sjoin(pts[["population", "geometry"]], pieces[["unit_code", "geometry"]],
                           how="inner", predicate="within")
        sums = joined.groupby("unit_code")["population"].sum()
        pieces["population"] = pieces["unit_code"].map(sums).fillna(0.0).round().astype(np.int64)
    else:
        pops = np.zeros(len(pieces), dtype=np.int64)
        for _code, idx in pieces.groupby("district_code").groups.items():
            total = pieces.loc[idx, "population"].iloc[0]
            total = 0 if total is None or not np.isfinite(total) else int(round(total))
            pops[np.asarray(idx)] = apportion(total, pieces.loc[idx].area.to_numpy())
        pieces["population"] = pops
    out = pieces[["unit_code", "unit_name", "district_code", "population", "geometry"]].to_crs(4326)
    out["population"] = out["population"].astype(float)
    out["source"] = "generated"
    return out


# --- checks of planners' own units and districts (measured in metres: pass a metric CRS) ---------

def overlapping_pairs(geoms: np.ndarray, *, min_area: float) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, area)`` with ``i < j`` of polygons that overlap by more than ``min_area``.

    An STRtree finds the candidates (neighbours that touch, overlap or contain one another), so
    the work grows with the neighbours, not with the square of the count. Largest overlap first.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return []
    # touching neighbours share only a boundary: their boxes barely overlap, so most are settled
    # before any intersection is computed
    boxes = shapely.bounds(geoms)
    wx = np.minimum(boxes[left, 2], boxes[right, 2]) - np.maximum(boxes[left, 0], boxes[right, 0])
    wy = np.minimum(boxes[left, 3], boxes[right, 3]) - np.maximum(boxes[left, 1], boxes[right, 1])
    maybe = wx * wy > min_area
    left, right = left[maybe], right[maybe]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right], grid_size=None))
    found = [(int(i), int(j), float(a)) for i, j, a in zip(left, right, areas) if a > min_area]
    return sorted(found, key=lambda t: (-t[2], t[0], t[1]))


class PartGap(NamedTuple):
    """How far apart the parts of a multipart polygon lie (see ``part_gap``)."""

    gap: float  # the longest step needed to join every part (metres)
    parts: np.ndarray  # the polygons
    label: np.ndarray  # the group of each part: parts within the threshold of one another
    groups: int


def part_gap(geom: shapely.Geometry, *, gap: float) -> PartGap | None:
    """For a multipart polygon whose parts cannot all be joined by steps of at most ``gap``: the
    longest step needed to join them all (the longest edge of a minimum spanning tree over the
    parts), and the groups of parts within ``gap`` of one another. ``None`` when they hold together.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    parts = np.array([p for p in getattr(geom, "geoms", [geom]) if not p.is_empty], dtype=object)
    if len(parts) < 2:
        return None
    tree = shapely.STRtree(parts)
    a, b = tree.query(parts, predicate="dwithin", distance=gap)
    near = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(parts), len(parts)))
    groups, label = connected_components(near, directed=False)
    if groups == 1:
        return None
    clusters = np.array([shapely.union_all(parts[label == g]) for g in range(groups)], dtype=object)
    i, j = np.triu_indices(groups, k=1)
    dist = shapely.distance(clusters[i], clusters[j])
    graph = coo_matrix((np.maximum(dist, 1e-9), (i, j)), shape=(groups, groups))
    return PartGap(float(minimum_spanning_tree(graph).max()), parts, label, groups)


def uncovered(district: shapely.Geometry, units: np.ndarray, *, min_area: float) -> list[shapely.Polygon]:
    """The pieces of ``district`` that no unit covers and that are larger than ``min_area``."""
    covered = shapely.union_all(np.asarray(units, dtype=object)) if len(units) else shapely.Polygon()
    rest = shapely.difference(district, covered)
    pieces = [p for p in getattr(rest, "geoms", [rest]) if isinstance(p, shapely.Polygon) and p.area > min_area]
    return sorted(pieces, key=lambda p: -p.area)
