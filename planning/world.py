"""The planning world: units, their neighbours and the hospitals that may lead, as arrays.

Built once per data package (``build_world``) and shared by solvers, rules and metrics. Pure:
GeoDataFrames in, numbers out. Distances are in metres in the UTM zone of the data.

Adjacency: two units are neighbours when they share a stretch of boundary at least
``SHARED_MIN_M`` long, measured within ``TOUCH_M`` of each other (real boundaries rarely share
bit-identical vertices, and slivers leave small gaps, so exact touching would drop links). Units
that meet only at a corner are not neighbours: a grid held together through a corner is not
contiguous (a corner contact measures at most about ``2 * TOUCH_M``). Parts of a district that
touch nothing else in it (islands, exclaves: 崇明's three islands) are linked to their nearest
part when closer than ``island_link_km`` (every such gap, shortest first, not only the first),
and the world records those links so results can say so (G6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

TOUCH_M = 5.0
PART_NEIGHBOURS = 60  # island links: parts compared with each other part up to this many, else with their nearest
SHARED_MIN_M = 4 * TOUCH_M  # a corner contact within TOUCH_M measures up to ~2 * TOUCH_M of boundary
MEMBER_KINDS = ("chc", "thc")  # G4: government-run primary care


@dataclass(frozen=True)
class World:
    """Arrays over units (index i) and lead candidates (index j), plus per-district lookups."""

    unit_codes: np.ndarray  # str, n
    unit_names: np.ndarray  # str, n
    district: np.ndarray  # str, n: district_code of each unit
    pooling: np.ndarray  # str, n: pooling area of each unit
    population: np.ndarray  # float, n
    xy: np.ndarray  # (n, 2) metres: representative point of each unit
    area_m2: np.ndarray  # float, n
    perimeter_m: np.ndarray  # float, n
    adjacency: csr_matrix  # n x n, symmetric, 1 where neighbours (island links included)
    shared_m: csr_matrix  # n x n, length of shared boundary in metres (0 for island links)
    island_links: tuple[tuple[str, str, float], ...]  # (unit a, unit b, gap km) added for G6
    lead_codes: np.ndarray  # str, m: facilities that may lead a grid
    lead_names: np.ndarray  # str, m
    lead_district: np.ndarray  # str, m
    lead_unit: np.ndarray  # int, m: index of the unit the lead stands in (-1: none)
    lead_xy: np.ndarray  # (m, 2) metres
    district_names: dict[str, str] = field(default_factory=dict)
    district_ring: dict[str, str] = field(default_factory=dict)
    crs: object = None  # the metric CRS of ``xy`` and ``lead_xy``
    # government-run primary care (CHC, THC), index k: each belongs to a grid (G4)
    member_codes: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    member_names: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    member_kinds: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    member_district: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    member_unit: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))  # -1: in no unit of its district
    # metres from a facility to the unit it is tied to (0 when inside it): leads (m) and members (k)
    lead_gap_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    member_gap_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # beds of each lead (physicians scaled to beds where beds are blank; 1 for all when unknown)
    lead_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # island links not made: (unit a, unit b, gap km) of parts further apart than island_link_km
    island_gaps: tuple[tuple[str, str, float], ...] = ()

    @property
    def n(self) -> int:
        return len(self.unit_codes)

    def index_of(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.unit_codes)}

    def units_of(self, district_code: str) -> np.ndarray:
        return np.flatnonzero(self.district == district_code)

    def leads_of(self, district_code: str) -> np.ndarray:
        return np.flatnonzero(self.lead_district == district_code)

    @property
    def districts(self) -> list[str]:
        return sorted({str(d) for d in self.district})

    def lead_name(self, code: str) -> str:
        hits = np.flatnonzero(self.lead_codes == code)
        return str(self.lead_names[hits[0]]) if len(hits) else code

    def metres(self, lon: float, lat: float) -> tuple[float, float]:
        """A WGS84 point in the world's metric CRS (where the planner clicked on the map)."""
        from pyproj import Transformer

        return Transformer.from_crs(4326, self.crs, always_xy=True).transform(lon, lat)


def _adjacency(geoms: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
    keep = left < right
    left, right = left[keep], right[keep]
    # shared boundary length: the part of one boundary within tolerance of the other
    bounds = shapely.boundary(geoms)
    shared = np.minimum(
        shapely.length(shapely.intersection(bounds[left], shapely.buffer(geoms[right], tolerance))),
        shapely.length(shapely.intersection(bounds[right], shapely.buffer(geoms[left], tolerance))))
    edge = shared >= SHARED_MIN_M
    return left[edge], right[edge], shared[edge]


def build_world(
    units: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    island_link_km: float = 15.0,
) -> World:
    """The planning world of a data package (validated layers in EPSG:4326)."""
    crs = units.estimate_utm_crs() if len(units) else None
    mu = units.to_crs(crs)
    geoms = mu.geometry.values
    n = len(mu)
    pts = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(pts)
    left, right, shared = _adjacency(np.asarray(geoms), TOUCH_M)
    district = mu["district_code"].to_numpy(dtype=str)
    same = district[left] == district[right]
    rows = [left[same], right[same]]
    lengths = [shared[same]]
    links: list[tuple[str, str, float]] = []
    gaps: list[tuple[str, str, float]] = []
    codes = mu["unit_code"].to_numpy(dtype=str)
    for code in sorted(set(district)):
        new, far = _island_links(geoms, np.flatnonzero(district == code), rows[0], rows[1], n, island_link_km * 1000)
        for i, j, gap in new:
            rows[0] = np.append(rows[0], i)
            rows[1] = np.append(rows[1], j)
            lengths.append(np.array([0.0]))
            links.append((codes[i], codes[j], round(gap / 1000, 2)))
        gaps.extend((codes[i], codes[j], round(gap / 1000, 2)) for i, j, gap in far)
    r, c = rows
    length = np.concatenate(lengths)
    adjacency = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()
    adjacency = ((adjacency + adjacency.T) > 0).astype(np.int8).tocsr()
    shared_m = coo_matrix((length, (r, c)), shape=(n, n)).tocsr()
    shared_m = (shared_m + shared_m.T).tocsr()

    pooling_of = dict(zip(districts["district_code"], districts["pooling_area"]))
    leads = facilities[facilities["can_lead"].astype(bool)] if len(facilities) else facilities
    lead_unit, lead_pts, lead_gap = _stands_in(leads, crs, geoms, district)
    members = facilities[facilities["kind"].isin(MEMBER_KINDS)] if len(facilities) else facilities
    member_unit, _, member_gap = _stands_in(members, crs, geoms, district)
    return World(
        unit_codes=codes,
        unit_names=mu["unit_name"].fillna("").to_numpy(dtype=str),
        district=district,
        pooling=np.array([str(pooling_of.get(d, "")) for d in district]),
        population=mu["population"].to_numpy(dtype=float),
        xy=xy,
        area_m2=shapely.area(geoms),
        perimeter_m=shapely.length(geoms),
        adjacency=adjacency,
        shared_m=shared_m,
        island_links=tuple(links),
        lead_codes=leads["facility_code"].to_numpy(dtype=str) if len(leads) else np.array([], dtype=str),
        lead_names=leads["name"].to_numpy(dtype=str) if len(leads) else np.array([], dtype=str),
        lead_district=leads["district_code"].to_numpy(dtype=str) if len(leads) else np.array([], dtype=str),
        lead_unit=lead_unit,
        lead_xy=shapely.get_coordinates(lead_pts) if len(leads) else np.zeros((0, 2)),
        district_names=dict(zip(districts["district_code"], districts["district_name"])),
        district_ring=dict(zip(districts["district_code"], districts["ring"])),
        crs=crs,
        member_codes=members["facility_code"].to_numpy(dtype=str) if len(members) else np.array([], dtype=str),
        member_names=members["name"].to_numpy(dtype=str) if len(members) else np.array([], dtype=str),
        member_kinds=members["kind"].to_numpy(dtype=str) if len(members) else np.array([], dtype=str),
        member_district=members["district_code"].to_numpy(dtype=str) if len(members) else np.array([], dtype=str),
        member_unit=member_unit,
        lead_gap_m=lead_gap,
        member_gap_m=member_gap,
        lead_capacity=_capacity(leads),
        island_gaps=tuple(gaps),
    )


def _island_links(geoms: np.ndarray, idx: np.ndarray, left: np.ndarray, right: np.ndarray, n: int,
                  limit_m: float) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
    """Links joining the parts of one district (Kruskal over the nearest gap between every two
    parts): each gap within ``limit_m`` is linked, shortest first, and the gaps that stay too
    long are returned apart (G6 reports them, with the ``island_link_km`` that would link them)."""
    a = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n)).tocsr()
    count, labels = connected_components((a + a.T)[idx][:, idx], directed=False)
    if count == 1:
        return [], []
    parts = [idx[labels == c] for c in range(count)]
    pairs = []
    # every two parts when they are few; else each part and its PART_NEIGHBOURS nearest by centre
    # (bounded work on hostile data: thousands of scattered parts)
    if count > PART_NEIGHBOURS:
        from scipy.spatial import cKDTree

        centre = np.array([shapely.get_coordinates(shapely.centroid(shapely.union_all(geoms[q])))[0] for q in parts])
        near = cKDTree(centre).query(centre, k=PART_NEIGHBOURS + 1)[1][:, 1:]
    for p in range(count):
        for q in (range(p + 1, count) if count <= PART_NEIGHBOURS else (int(v) for v in near[p] if v != p)):
            (pi, qi), dist = shapely.STRtree(geoms[parts[q]]).query_nearest(geoms[parts[p]], return_distance=True)
            best = int(np.argmin(dist))
            pairs.append((float(dist[best]), p, q, int(parts[p][pi[best]]), int(parts[q][qi[best]])))
    root = list(range(count))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    linked, far = [], []
    for gap, p, q, i, j in sorted(pairs):  # a minimum spanning tree of the parts
        if find(p) == find(q):
            continue
        root[find(p)] = find(q)
        (linked if gap <= limit_m else far).append((i, j, gap))
    return linked, far


def _capacity(leads) -> np.ndarray:
    """Each lead's size for choosing leads: its beds; where beds are blank, its physicians times
    the median beds per physician of the leads that have both; 1 for every lead when neither is
    known (distance alone decides then)."""
    import pandas as pd

    if not len(leads):
        return np.zeros(0)
    beds = pd.to_numeric(leads.get("beds", pd.Series(np.nan, index=leads.index)), errors="coerce").to_numpy(float)
    doctors = pd.to_numeric(leads.get("physicians", pd.Series(np.nan, index=leads.index)), errors="coerce").to_numpy(float)
    both = (beds > 0) & (doctors > 0)
    per = float(np.median(beds[both] / doctors[both])) if both.any() else np.nan
    size = np.where(beds > 0, beds, doctors * per)
    if not np.isfinite(size).any() or not (size > 0).any():
        return np.ones(len(leads))
    return np.where(np.isfinite(size) & (size > 0), size, np.nanmedian(size[size > 0]))


def _stands_in(points: gpd.GeoDataFrame, crs, geoms: np.ndarray,
               district: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unit each facility stands in (index; -1 when its district has no unit), the points in
    metres, and the distance to that unit (0 inside it). A facility on a boundary or outside every
    unit (real layers leave out water, farms and parks) is tied to the nearest unit of its own
    district; the distance says how far it was (G3 and G4 report the far ones)."""
    if not len(points):
        return np.full(0, -1), np.array([]), np.zeros(0)
    pts = points.to_crs(crs).geometry.values
    unit = np.full(len(points), -1)
    gap = np.zeros(len(points))
    hit_pt, hit_unit = shapely.STRtree(geoms).query(pts, predicate="within")
    unit[hit_pt] = hit_unit
    own = points["district_code"].to_numpy(dtype=str)
    for j in np.flatnonzero(unit < 0):
        same_d = np.flatnonzero(district == own[j])
        if len(same_d):
            dist = shapely.distance(geoms[same_d], pts[j])
            unit[j], gap[j] = same_d[np.argmin(dist)], float(dist.min())
    return unit, pts, gap

