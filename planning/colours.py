"""One colouring of a plan's grids for every view (workspace, grid page, review, PDF, HTML).

Computed once per plan from which grids touch, so that neighbours always differ, across
district lines too. Pure: no Streamlit, no folium; ``geodata`` and ``ui`` both import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import shapely

PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd",
           "#ccebc5", "#ffed6f", "#d9d9d9")
NO_GRID = "#d9d9d9"  # a unit in no grid
TOUCH_DEG = 1e-5  # grids this close (about a metre, in degrees) touch: the export's 6 decimals stay within it


def grid_colours(grids: Iterable[str], touching: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A colour per grid such that grids that touch differ (greedy colouring, most-connected grids
    first, each taking the least used colour its neighbours leave; the palette's 12 colours are
    plenty for planar maps). The same grids and pairs give the same colours."""
    grids = sorted({str(g) for g in grids})
    neighbours: dict[str, set[str]] = {g: set() for g in grids}
    for a, b in touching:
        a, b = str(a), str(b)
        if a in neighbours and b in neighbours and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    colour: dict[str, str] = {}
    count = dict.fromkeys(PALETTE, 0)
    for grid in sorted(grids, key=lambda g: (-len(neighbours[g]), g)):
        used = {colour[n] for n in neighbours[grid] if n in colour}
        free = [c for c in PALETTE if c not in used] or list(PALETTE)
        colour[grid] = min(free, key=lambda c: count[c])  # the least used: the whole palette shows
        count[colour[grid]] += 1
    return colour


def touching_pairs(grids: Sequence[str], geometries: Sequence, tolerance: float = TOUCH_DEG) -> set[tuple[str, str]]:
    """The pairs of grids whose geometries (shapely, EPSG:4326) come within ``tolerance`` of each
    other: sharing an edge or a corner. Missing or empty geometries touch nothing."""
    ids = [str(g) for g in grids]
    geoms = np.array([g if g is not None else shapely.Point() for g in geometries], dtype=object)
    if len(geoms) < 2:
        return set()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=tolerance)
    return {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in zip(left, right) if ids[i] != ids[j]}


def shape_colours(grids: Sequence[str], geometries: Sequence) -> dict[str, str]:
    """The plan's colouring from its grids' outlines (the dissolved grids or the exported features)."""
    return grid_colours(grids, touching_pairs(grids, geometries))


def feature_colours(features: Sequence[dict]) -> dict[str, str]:
    """The colours of exported grid features: their ``fill`` property when the export carries it
    (``geodata.export.layout_collection``), else computed from their geometries."""
    ids = [str(f["properties"]["grid_id"]) for f in features]
    carried = {str(f["properties"]["grid_id"]): f["properties"].get("fill") for f in features}
    if ids and all(isinstance(c, str) and c for c in carried.values()):
        return carried
    geoms = [shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None for f in features]
    return shape_colours(ids, geoms)


def unit_touching(units: Sequence[str], geometries: Sequence, tolerance: float = TOUCH_DEG) -> set[tuple[str, str]]:
    """The pairs of units (codes) within ``tolerance`` of each other, across district lines:
    computed once per data package, then ``assignment_colours`` colours any plan of it cheaply."""
    return touching_pairs(units, geometries, tolerance)


def assignment_colours(unit_pairs: Iterable[tuple[str, str]], assignment: Mapping[str, str],
                       grids: Iterable[str]) -> dict[str, str]:
    """The plan's colouring from its units' grids: two grids touch when any of their units do,
    which is exactly when their dissolved outlines do (the same colours as ``shape_colours``)."""
    touching = {(assignment.get(a), assignment.get(b)) for a, b in unit_pairs}
    return grid_colours(grids, {(a, b) for a, b in touching if a and b and a != b})
