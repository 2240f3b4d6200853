"""Travel times on the planner's road network (no download: the roads come in the data package).

Roads become a graph: every vertex a node (vertices within 1 m merge, so roads meet where they
share a point), every segment an edge weighted by its minutes at the road's speed (its own
``speed_kmh``, else the class default). A trip is: walk (straight line, ``walk_kmh``) from the
origin to its nearest node, drive along the graph, walk from the node nearest the facility.
The nearest facility for every node comes from one Dijkstra run (scipy) from a virtual source
joined to each facility's node by that facility's walking minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

SPEEDS_KMH = {
    "motorway": 80, "trunk": 60, "primary": 50, "secondary": 40, "tertiary": 30, "unclassified": 25,
    "residential": 20, "living_street": 10, "service": 15, "track": 15,
    "高速": 80, "高速公路": 80, "快速路": 60, "国道": 60, "主干道": 50, "省道": 50, "次干道": 40, "县道": 40,
    "支路": 30, "乡道": 30, "村道": 20,
}
DEFAULT_KMH = 25
SNAP_M = 1.0


@dataclass(frozen=True)
class RoadNetwork:
    """Nodes (metres) and a sparse graph of minutes between them."""

    xy: np.ndarray
    graph: object  # scipy CSR matrix, minutes

    @property
    def n(self) -> int:
        return len(self.xy)


def speed_of(road_class: str, speed: float | None) -> float:
    if speed is not None and np.isfinite(speed) and speed > 0:
        return float(speed)
    key = str(road_class or "").strip().lower()
    return float(SPEEDS_KMH.get(key, SPEEDS_KMH.get(key.removesuffix("_link"), DEFAULT_KMH)))


def build_network(lines: list[np.ndarray], speeds_kmh: list[float]) -> RoadNetwork:
    """A graph from polylines (arrays of (x, y) in metres), each with its speed."""
    pts = np.vstack(lines) if lines else np.zeros((0, 2))
    keys = np.round(pts / SNAP_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    nodes = pts[first]
    a, b, w = [], [], []
    offset = 0
    for line, speed in zip(lines, speeds_kmh):
        ids = inverse[offset: offset + len(line)]
        seg = np.hypot(*np.diff(line, axis=0).T)
        minutes = seg / 1000 / speed * 60
        keep = ids[:-1] != ids[1:]
        a.append(ids[:-1][keep]), b.append(ids[1:][keep]), w.append(minutes[keep])
        offset += len(line)
    a, b, w = (np.concatenate(x) if x else np.zeros(0) for x in (a, b, w))
    n = len(nodes)
    rows, cols, data = np.concatenate([a, b]).astype(int), np.concatenate([b, a]).astype(int), np.concatenate([w, w])
    # parallel segments between two nodes: keep the fastest (a sparse matrix would add them up)
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    graph = coo_matrix((data[first], (rows[first], cols[first])), shape=(n, n)).tocsr()
    return RoadNetwork(nodes, graph)


def minutes_to_nearest(network: RoadNetwork, origins: np.ndarray, sites: np.ndarray, *, walk_kmh: float = 5.0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from each origin to its nearest site over the network (walking both ends), and
    whether walking straight there is faster (then that time counts)."""
    if len(sites) == 0:
        return np.full(len(origins), np.inf), np.zeros(len(origins), dtype=bool)
    tree = cKDTree(network.xy)
    site_gap, site_node = tree.query(sites)
    origin_gap, origin_node = tree.query(origins)
    walk = lambda metres: metres / 1000 / walk_kmh * 60  # noqa: E731
    n = network.n
    # virtual source n, joined to each site's node by that site's walking minutes (fastest kept)
    best = {}
    for node, minutes in zip(site_node, walk(site_gap)):
        best[int(node)] = min(minutes, best.get(int(node), np.inf))
    extra = coo_matrix((list(best.values()), ([n] * len(best), list(best.keys()))), shape=(n + 1, n + 1))
    base = coo_matrix(network.graph)
    graph = coo_matrix((np.concatenate([base.data, extra.data]), (np.concatenate([base.row, extra.row]),
                        np.concatenate([base.col, extra.col]))), shape=(n + 1, n + 1)).tocsr()
    to_site = dijkstra(graph, directed=True, indices=n)[:n]
    by_road = walk(origin_gap) + to_site[origin_node]
    straight = walk(cKDTree(sites).query(origins)[0])
    return np.minimum(by_road, straight), straight < by_road


def network_from(roads, crs) -> RoadNetwork:
    """The network of a ``roads`` layer (EPSG:4326 GeoDataFrame) in the metric ``crs``."""
    import shapely

    metric = roads.to_crs(crs)
    lines, speeds = [], []
    for geom, road_class, speed in zip(metric.geometry, metric["road_class"], metric["speed_kmh"]):
        for part in getattr(geom, "geoms", [geom]):
            xy = shapely.get_coordinates(part)
            if len(xy) >= 2:
                lines.append(xy)
                speeds.append(speed_of(road_class, None if speed is None else float(speed)))
    return build_network(lines, speeds)


def reachable(network: RoadNetwork, origins: np.ndarray, sites: np.ndarray, limit_min: float, *,
              walk_kmh: float = 5.0) -> list[np.ndarray]:
    """For each site, the origins within ``limit_min`` minutes of it (walk, roads, walk; or
    walking straight), from one bounded Dijkstra per site."""
    tree = cKDTree(network.xy)
    origin_gap, origin_node = tree.query(origins)
    site_gap, site_node = tree.query(sites)
    walk = lambda metres: metres / 1000 / walk_kmh * 60  # noqa: E731
    out = []
    straight = cKDTree(origins)
    for j in range(len(sites)):
        budget = limit_min - walk(site_gap[j])
        by_road = np.array([], dtype=int)
        if budget > 0:
            times = dijkstra(network.graph, directed=False, indices=int(site_node[j]), limit=budget)
            by_road = np.flatnonzero(walk(origin_gap) + times[origin_node] <= limit_min)
        on_foot = np.array(straight.query_ball_point(sites[j], r=limit_min / 60 * walk_kmh * 1000), dtype=int)
        out.append(np.union1d(by_road, on_foot))
    return out
