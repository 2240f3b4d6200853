"""Spatial accessibility as health geographers measure it: the two-step floating catchment area
(2SFCA) family, RAAM, and the equity of what residents get (issue 17, the computational core).

Everything works on a sparse demand x supply cost matrix (``CostMatrix``): the pairs within reach
only, costs in km (straight line times the detour factor, as ``planning.coverage``) or in travel
minutes on the package's roads (walk, roads, walk, as ``planning.roads``). Pairs come from the
k-d tree (scipy ``cKDTree``) the coverage code already uses.

Measures (``A_i``, supply per resident at demand point ``i``; ``P_i`` demand, ``S_j`` supply,
``w`` a weight of the cost ``d_ij``):

- 2SFCA, Luo & Wang (2003), *Environment and Planning B* 30(6): ``R_j = S_j / sum_i P_i [d_ij <= d0]``,
  ``A_i = sum_j R_j [d_ij <= d0]``.
- Enhanced 2SFCA, Luo & Qi (2009), *Health & Place* 15(4): the same with stepped weights in both
  steps (0-10 / 10-20 / 20-30 min -> 1.00 / 0.68 / 0.22).
- Gaussian 2SFCA, Dai (2010), *Health & Place* 16(5): the weight
  ``(exp(-(d/d0)^2/2) - exp(-1/2)) / (1 - exp(-1/2))`` inside ``d0``, 0 beyond.
- 3SFCA, Wan, Zou & Sternberg (2012), *IJGIS* 26(6): a selection weight ``G_ij = W_ij / sum_k W_ik``
  multiplies the stepped weight in both steps ({10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}).
- RAAM, Saxon & Snow (2020), *Geographical Analysis* 52(1): residents choose the facility that
  minimises travel (``d_ij / tau``) plus congestion; the result is a cost (lower is better).

The conventions are those of PySAL's ``access`` 1.1.10 (``access.fca``, ``access.weights``,
``access.raam``), which ``tests/test_accessibility.py`` checks to 1e-9; where we differ, the
docstring says so (a point with nothing in reach gets 0, not NaN; a facility whose catchment holds
no demand passes on nothing, not infinity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

# remote suburbs first when results go by ring (the rings of ``world.district_ring``)
RING_ORDER = ("remote_suburb", "county", "near_suburb", "central")
CHUNK_POINTS = 31_250  # demand points are searched in slices of this many (``pairs_within``)
BLOCK_SLOTS = 1024  # RAAM: a block of rows costs about as much as this many padding slots (one numpy call)


# --- parameters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessParams:
    """The measures' parameters, in the cost's unit (minutes on roads, else km).

    Defaults are the papers' (minutes): 2SFCA/G2SFCA catchment ``d0`` = 30 min; E2SFCA steps of
    Luo & Qi (2009); 3SFCA steps of Wan et al. (2012); RAAM ``tau`` = 60 min of Saxon & Snow (2020)
    and ``access``'s 150 cycles; the 15-minute community health circle against the 80 % target."""

    catchment: float = 30.0
    e2sfca_steps: tuple[tuple[float, float], ...] = ((10.0, 1.00), (20.0, 0.68), (30.0, 0.22))
    three_sfca_steps: tuple[tuple[float, float], ...] = ((10.0, 0.962), (20.0, 0.704), (30.0, 0.377), (60.0, 0.042))
    raam_tau: float = 60.0
    raam_reach: float = 60.0
    raam_cycles: int = 150
    threshold_per_10000: float = 4.5  # LW-14: GPs per 10,000 residents
    circle: float = 15.0  # the 15-minute community health circle (its cost in the same unit)
    circle_target: float = 0.80

    @property
    def reach(self) -> float:
        """The farthest cost any measure looks at: the neighbour search radius."""
        return max(self.catchment, self.e2sfca_steps[-1][0], self.three_sfca_steps[-1][0], self.raam_reach, self.circle)

    @classmethod
    def from_config(cls, config, *, minutes: bool) -> AccessParams:
        """From the planner's settings (``[accessibility]`` in config.toml). On roads the minute
        values are used as they are; over straight-line distance every minute value is scaled by
        ``access_catchment_km / access_catchment_min`` (10 km for 30 min by default), and the
        circle is ``chc_threshold_km`` instead of ``chc_threshold_min``."""
        scale = 1.0 if minutes else config.access_catchment_km / config.access_catchment_min

        def steps(breaks, weights):
            return tuple((float(b) * scale, float(w)) for b, w in zip(breaks, weights))

        return cls(catchment=config.access_catchment_min * scale,
                   e2sfca_steps=steps(config.access_e2sfca_breaks_min, config.access_e2sfca_weights),
                   three_sfca_steps=steps(config.access_3sfca_breaks_min, config.access_3sfca_weights),
                   raam_tau=config.access_raam_tau_min * scale, raam_reach=config.access_raam_reach_min * scale,
                   raam_cycles=int(config.access_raam_cycles), threshold_per_10000=config.access_threshold_per_10000,
                   circle=config.chc_threshold_min if minutes else config.chc_threshold_km,
                   circle_target=config.access_circle_target)


# --- the sparse cost matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class CostMatrix:
    """Demand x supply pairs within reach (each pair once, in any order; ``from_pairs`` sorts them
    by demand point then facility)."""

    rows: np.ndarray  # demand point of each pair
    cols: np.ndarray  # facility of each pair
    cost: np.ndarray  # km or minutes
    shape: tuple[int, int]

    @classmethod
    def from_pairs(cls, rows, cols, cost, shape: tuple[int, int]) -> CostMatrix:
        rows, cols, cost = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(cost, dtype=float)
        order = np.lexsort((cols, rows))
        return cls(rows[order], cols[order], cost[order], (int(shape[0]), int(shape[1])))

    def within(self, limit: float) -> CostMatrix:
        """The pairs of cost at most ``limit``."""
        keep = self.cost <= limit
        return CostMatrix(self.rows[keep], self.cols[keep], self.cost[keep], self.shape)


def search_threads() -> int:
    """Threads for the neighbour search: 2, or fewer when the process is told to keep to fewer
    (``OMP_NUM_THREADS``, which Dask's workers set to 1, so a batch's workers do not each take both
    cores). The threads change the time, never the pairs or their order."""
    import os

    try:
        return max(1, min(2, int(os.environ.get("OMP_NUM_THREADS", "2"))))
    except ValueError:
        return 2


def pairs_within(points: np.ndarray, sites: np.ndarray, radius: float, *, workers: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, site) pair at most ``radius`` apart (metres) and its distance, from scipy's k-d
    trees (``cKDTree.sparse_distance_matrix``, a dual-tree search of the sites' tree against a tree
    of each slice of ``CHUNK_POINTS`` points; ``workers`` slices at a time, in threads; default
    ``search_threads``). Pairs come
    slice by slice (the same order on every run), not sorted.

    Each slice's pairs are written straight into the three result arrays, sized from the pairs per
    point seen so far and grown (or trimmed at the end) in place: no per-slice copies to join, and
    slices small enough for the allocator to reuse their memory, since fresh pages (the kernel
    zeroing them) cost more than the search on a busy machine."""
    from concurrent.futures import ThreadPoolExecutor

    index = np.intp  # what bincount and take index with: int32 would be copied to it by every measure
    if not len(points) or not len(sites):
        return np.zeros(0, dtype=index), np.zeros(0, dtype=index), np.zeros(0)
    tree, chunk = cKDTree(sites), CHUNK_POINTS

    def slice_at(start: int) -> np.ndarray:
        return tree.sparse_distance_matrix(cKDTree(points[start:start + chunk]), radius, output_type="ndarray")

    starts = range(0, len(points), chunk)
    rows, cols, dist = np.empty(0, dtype=index), np.empty(0, dtype=index), np.empty(0)
    filled = 0
    with ThreadPoolExecutor(max(1, workers if workers is not None else search_threads())) as pool:
        for start, found in zip(starts, pool.map(slice_at, starts)):
            end = filled + len(found)
            if end > len(rows):  # room for this slice and, at the density so far, the rest (+25 %)
                room = max(end, int(end / min(start + chunk, len(points)) * len(points) * 1.25))
                for part in (rows, cols, dist):
                    part.resize(room, refcheck=False)  # no view of them is alive here
            np.add(found["j"], start, out=rows[filled:end], casting="unsafe")
            cols[filled:end] = found["i"]
            dist[filled:end] = found["v"]
            filled = end
            del found
    for part in (rows, cols, dist):
        part.resize(filled, refcheck=False)
    return rows, cols, dist


def distance_costs(points: np.ndarray, sites: np.ndarray, reach_km: float, *, detour: float = 1.0) -> CostMatrix:
    """Costs in km (straight line times ``detour``, as ``planning.coverage.nearest``) of every pair
    within ``reach_km``; points and sites in metres."""
    rows, cols, cost = pairs_within(points, sites, reach_km / detour * 1000)
    cost *= detour / 1000
    keep = cost <= reach_km
    if not keep.all():
        rows, cols, cost = rows[keep], cols[keep], cost[keep]
    return CostMatrix(rows, cols, cost, (len(points), len(sites)))


def travel_costs(network, points: np.ndarray, sites: np.ndarray, reach_min: float, *, walk_kmh: float = 5.0,
                 batch: int = 64) -> CostMatrix:
    """Minutes of every pair within ``reach_min`` on the road ``network`` (``planning.roads``): walk
    to the nearest node, drive, walk from the node nearest the site, or walk straight when that is
    faster (as ``planning.roads.minutes_to_nearest``). One bounded Dijkstra per site, ``batch``
    sites at a time."""
    from scipy.sparse.csgraph import dijkstra

    walk = lambda metres: metres / 1000 / walk_kmh * 60  # noqa: E731
    rows, cols, minutes = [], [], []
    if len(points) and len(sites) and network.n:
        nodes = cKDTree(network.xy)
        origin_gap, origin_node = nodes.query(points)
        site_gap, site_node = nodes.query(sites)
        origin_walk, site_walk = walk(origin_gap), walk(site_gap)
        for start in range(0, len(sites), batch):
            group = np.arange(start, min(start + batch, len(sites)))
            times = np.atleast_2d(dijkstra(network.graph, directed=False, indices=site_node[group], limit=reach_min))
            for j, row in zip(group, times):
                total = site_walk[j] + row[origin_node] + origin_walk
                hit = np.flatnonzero(total <= reach_min)
                rows.append(hit), cols.append(np.full(len(hit), j)), minutes.append(total[hit])
    on_foot = pairs_within(points, sites, reach_min / 60 * walk_kmh * 1000)
    rows.append(on_foot[0]), cols.append(on_foot[1]), minutes.append(walk(on_foot[2]))
    rows, cols, minutes = (np.concatenate(x).astype(t) for x, t in ((rows, np.int64), (cols, np.int64), (minutes, float)))
    # a pair found both ways keeps the faster
    order = np.lexsort((minutes, cols, rows))
    rows, cols, minutes = rows[order], cols[order], minutes[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return CostMatrix(rows[first], cols[first], minutes[first], (len(points), len(sites)))


# --- weights --------------------------------------------------------------------------------------


def step_weight(cost: np.ndarray, steps: Sequence[tuple[float, float]]) -> np.ndarray:
    """The weight of the first step whose upper break is at least the cost, 0 beyond the last (as
    ``access.weights.step_fn``: a cost equal to a break takes that step's weight)."""
    breaks = np.array([b for b, _ in steps], dtype=float)
    weights = np.array([w for _, w in steps] + [0.0], dtype=float)
    order = np.argsort(breaks, kind="stable")
    return weights[np.append(order, len(breaks))][np.searchsorted(breaks[order], cost, side="left")]


def gaussian_weight(cost: np.ndarray, d0: float) -> np.ndarray:
    """Dai (2010)'s Gaussian weight: 1 at the door, 0 at the catchment ``d0`` and beyond."""
    edge = math.exp(-0.5)
    inside = (np.exp(-0.5 * (np.asarray(cost, dtype=float) / d0) ** 2) - edge) / (1 - edge)
    return np.where(np.asarray(cost) <= d0, inside, 0.0)


def selection_weight(costs: CostMatrix, weight: np.ndarray) -> np.ndarray:
    """Wan et al. (2012)'s selection weight ``G_ij = W_ij / sum_k W_ik`` over each point's pairs (0
    where a point's weights add up to 0; ``access`` leaves NaN there, which it then skips)."""
    total = np.bincount(costs.rows, weights=weight, minlength=costs.shape[0])
    return np.divide(weight, total[costs.rows], out=np.zeros_like(weight), where=total[costs.rows] > 0)


# --- the floating catchment measures --------------------------------------------------------------


def floating_catchment(costs: CostMatrix, demand: np.ndarray, supply: np.ndarray, weight: np.ndarray | None
                       ) -> np.ndarray:
    """The two steps with one weight per pair (``None``: 1 for every pair): ``R_j = S_j / sum_i P_i
    w_ij``, ``A_i = sum_j R_j w_ij``
    (``access.fca.two_stage_fca``). A facility whose weighted demand is 0 passes on nothing (in
    ``access`` it gives infinity or NaN); a point with no pair gets 0 (NaN in ``access``)."""
    demand, supply = np.asarray(demand, dtype=float), np.asarray(supply, dtype=float)
    load = np.bincount(costs.cols, weights=demand[costs.rows] if weight is None else demand[costs.rows] * weight,
                       minlength=costs.shape[1])
    ratio = np.divide(supply, load, out=np.zeros(costs.shape[1]), where=load > 0)
    passed = ratio[costs.cols] if weight is None else ratio[costs.cols] * weight
    return np.bincount(costs.rows, weights=passed, minlength=costs.shape[0])


def two_sfca(costs: CostMatrix, demand, supply, catchment: float) -> np.ndarray:
    """2SFCA (Luo & Wang 2003): every pair within the catchment ``d0`` counts fully, none beyond
    (``access``'s ``two_stage_fca(max_cost=d0)``; the edge itself is inside)."""
    if costs.cost.max(initial=-np.inf) <= catchment:  # every pair inside: no weights to make
        return floating_catchment(costs, demand, supply, None)
    return floating_catchment(costs, demand, supply, (costs.cost <= catchment).astype(float))


def enhanced_two_sfca(costs: CostMatrix, demand, supply, steps: Sequence[tuple[float, float]]) -> np.ndarray:
    """Enhanced 2SFCA (Luo & Qi 2009): stepped weights in both steps (``access``'s
    ``enhanced_two_stage_fca`` with ``step_fn``)."""
    return floating_catchment(costs, demand, supply, step_weight(costs.cost, steps))


def gaussian_two_sfca(costs: CostMatrix, demand, supply, d0: float) -> np.ndarray:
    """Gaussian 2SFCA (Dai 2010): the Gaussian weight of ``gaussian_weight`` in both steps
    (``access``'s ``two_stage_fca`` given that weight and ``max_cost=d0``)."""
    return floating_catchment(costs, demand, supply, gaussian_weight(costs.cost, d0))


def three_sfca(costs: CostMatrix, demand, supply, steps: Sequence[tuple[float, float]]) -> np.ndarray:
    """3SFCA (Wan, Zou & Sternberg 2012): the stepped weight times the selection weight ``G`` in
    both steps; ``G`` is normalised over all of a point's pairs in the matrix (``access``'s
    ``three_stage_fca`` normalises over all pairs of its cost table)."""
    weight = step_weight(costs.cost, steps)
    return floating_catchment(costs, demand, supply, weight * selection_weight(costs, weight))


def raam(costs: CostMatrix, demand, supply, tau: float = 60.0, *, cycles: int = 150, initial_step: float = 0.2,
         min_step: float = 0.005, half_life: float = 50, limit_initial: int = 20, rho: float | None = None) -> np.ndarray:
    """RAAM (Saxon & Snow 2020): each point's residents move, cycle by cycle, from their costliest
    facility to their cheapest, where cost = travel / ``tau`` + demand at the facility / (its supply
    x ``rho``); the result is each point's mean cost at the end (lower is better).

    The iteration is ``access.raam.iterate_raam``'s, step for step, over the sparse pairs instead of
    a dense matrix: same first assignment (nearest), step size halving every ``half_life`` cycles,
    whole-number moves, the first ``limit_initial`` cycles keeping facilities from being mobbed, and
    ``rho`` = total demand / total supply by default. Points and facilities with nothing (demand or
    supply 0) stay out of the iteration as in ``access``; such a point, or one with no facility in
    reach, gets the cheapest cost it would face (infinity when none is in reach). Ties between
    facilities go to the first among a point's pairs (``CostMatrix.from_pairs``: the lowest
    facility index, as numpy's ``argmin`` on ``access``'s dense row when its facilities are in
    index order). The iteration itself is ``_raam_cycles``."""
    demand, supply = np.asarray(demand, dtype=float), np.asarray(supply, dtype=float)
    if rho is None:  # with no supply at all no facility enters the iteration: any rho will do
        available = supply[supply > 0].sum()
        rho = demand[demand > 0].sum() / available if available > 0 else 1.0
    keep = np.flatnonzero(supply[costs.cols] > 0)
    keep = keep[np.argsort(costs.rows[keep], kind="stable")]  # by point; ties go to the first in a point's pairs
    rows, cols, travel = costs.rows[keep], costs.cols[keep], costs.cost[keep] / tau
    capacity = supply * rho
    active = np.zeros(costs.shape[0], dtype=bool)
    active[rows] = True
    active &= demand > 0
    take = active[rows]
    index = np.flatnonzero(active)
    out = np.full(costs.shape[0], np.inf)
    at_supply = np.zeros(len(supply))
    if len(index):
        layout = _RaamLayout.of(np.searchsorted(index, rows[take]), cols[take], travel[take], demand[index], len(supply))
        out[index], at_supply = _raam_cycles(layout, capacity, cycles, initial_step=initial_step, min_step=min_step,
                                             half_life=half_life, limit_initial=limit_initial)
    # points outside the iteration: the cheapest cost they would face at the end
    congestion = np.divide(at_supply, capacity, out=np.zeros(len(supply)), where=capacity > 0)
    idle = ~active[rows]
    cheapest = np.full(costs.shape[0], np.inf)
    np.minimum.at(cheapest, rows[idle], congestion[cols[idle]] + travel[idle])
    out[~active] = cheapest[~active]
    return out


@dataclass(frozen=True)
class _RaamLayout:
    """RAAM's pairs in slots for whole-array steps: the rows (points) ordered by how many pairs they
    have (stable) and cut into bands (``_bands``); a band of ``n`` rows padded to one width ``w``
    (a pad: travel +infinity, facility ``m``, holding nobody) is a ``(w, n)`` block, column ``r``
    holding row ``r``'s pairs in their given order, so that per-row minima are elementwise steps
    across the rows."""

    order: np.ndarray  # the rows in layout order (positions among the given rows)
    cols: np.ndarray  # facility of each slot
    travel: np.ndarray  # travel / tau of each slot
    demand: np.ndarray  # per row (layout order)
    blocks: tuple[tuple[int, int, int, int], ...]  # (first row, rows, first slot, width)

    @classmethod
    def of(cls, rows: np.ndarray, cols: np.ndarray, travel: np.ndarray, demand: np.ndarray, m: int) -> _RaamLayout:
        """From pairs sorted by row (``rows`` 0..n-1, each at least once), the rows' demand and the
        number of facilities ``m``."""
        counts = np.bincount(rows, minlength=len(demand))
        order = np.argsort(counts, kind="stable")
        sizes = counts[order]
        widths, bands = _bands(sizes)
        band_rows = np.array([b - a for a, b in bands], dtype=np.int64)
        band_at = np.cumsum(band_rows * widths[[a for a, _ in bands]]) - band_rows * widths[[a for a, _ in bands]]
        band_of = np.repeat(np.arange(len(bands)), band_rows)
        column = np.arange(len(sizes)) - np.repeat([a for a, _ in bands], band_rows)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        source = np.repeat((np.cumsum(counts) - counts)[order], sizes) + within
        slots = np.repeat(band_at[band_of] + column, sizes) + within * np.repeat(band_rows[band_of], sizes)
        slot_cols = np.full(int(widths.sum()), m, dtype=np.intp)
        slot_cols[slots] = cols[source]
        slot_travel = np.full(len(slot_cols), np.inf)
        slot_travel[slots] = travel[source]
        blocks = tuple((a, b - a, int(at), int(widths[a])) for (a, b), at in zip(bands, band_at))
        return cls(order, slot_cols, slot_travel, demand[order].astype(float), blocks)

    def row_arg(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Per row, the slot of its first smallest value, as numpy's ``argmin`` on a dense row;
        ``out`` is a scratch array of one integer per row, overwritten and returned."""
        for first, n, at, width in self.blocks:
            block = values[at:at + n * width].reshape(width, n)
            hit = np.flatnonzero(block == block.min(axis=0))
            row = hit % n
            if len(hit) > n:  # a tie: the first of the row's slots
                row, keep = np.unique(row, return_index=True)
                hit = hit[keep]
            out[first + row] = hit + at
        return out


def _bands(sizes: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """For rows of ``sizes`` pairs (ascending), each row's width and the bands of rows ``[a, b)``
    sharing one: the fewest slots plus ``BLOCK_SLOTS`` per band (dynamic programming over the
    distinct sizes)."""
    values, first = np.unique(sizes, return_index=True)
    rows_to = np.r_[first[1:], len(sizes)]  # rows up to and including each distinct size
    best, cut = np.zeros(len(values) + 1), np.zeros(len(values) + 1, dtype=int)
    upto = np.r_[0, rows_to]
    for b in range(1, len(values) + 1):
        cost = best[:b] + values[b - 1] * (upto[b] - upto[:b]) + BLOCK_SLOTS
        cut[b] = int(np.argmin(cost))
        best[b] = cost[cut[b]]
    widths, bands, b = np.empty(len(sizes), dtype=np.int64), [], len(values)
    while b > 0:
        a = cut[b]
        widths[upto[a]:upto[b]] = values[b - 1]
        bands.append((int(upto[a]), int(upto[b])))
        b = a
    return widths, bands[::-1]


def _raam_cycles(layout: _RaamLayout, capacity: np.ndarray, cycles: int, *, initial_step: float, min_step: float,
                 half_life: float, limit_initial: int) -> tuple[np.ndarray, np.ndarray]:
    """``access.raam.iterate_raam`` on ``layout``: each row's mean cost at the end (in the order the
    rows were given) and the demand at each facility. Per cycle every slot's cost is computed and
    each row's cheapest found (``_RaamLayout.row_arg``); the costliest facility holding residents
    is looked for among those only (``_Holding``), and only the rows that move go further. With
    whole residents (``access``'s model) the demand at the facilities is kept up to date move by
    move, exact as every sum of whole numbers; else it is summed anew each cycle. The moves are
    ``access``'s expressions term for term."""
    m, cols, travel, d = len(capacity), layout.cols, layout.travel, layout.demand
    slots, served = len(cols), capacity > 0
    whole = bool(np.all(d == np.round(d))) and d.sum() < 2.0**53
    scratch = np.empty(len(d), dtype=np.intp)
    assignment = np.zeros(slots)
    first = layout.row_arg(travel, scratch).copy()
    assignment[first] = d
    holding = _Holding(first, slots)
    at_supply = np.bincount(cols[first], weights=d, minlength=m + 1)[:m]
    total = np.append(travel, -np.inf)  # the last: the empty place of ``holding``
    congestion = np.zeros(m + 1)  # the last: the pads' facility
    for i in range(cycles):
        if not whole and i:
            at_supply = np.bincount(cols, weights=assignment, minlength=m + 1)[:m]
        np.divide(at_supply, capacity, out=congestion[:m], where=served)
        np.take(congestion, cols, out=total[:slots], mode="clip")
        np.add(total[:slots], travel, out=total[:slots])
        pmin = layout.row_arg(total, scratch)
        pmax, place = holding.argmax(total)
        lmin, lmax = cols[pmin], cols[pmax]
        slmin, slmax = capacity[lmin], capacity[lmax]
        drlmin, drlmax = assignment[pmin], assignment[pmax]
        dr = drlmin + drlmax
        drotherlmin = at_supply[lmin] - drlmin
        drotherlmax = at_supply[lmax] - drlmax
        drlmin_new = ((slmin * slmax) / (slmin + slmax)) * (
            (travel[pmax] - travel[pmin]) + (dr + drotherlmax) / slmax - drotherlmin / slmin)
        delta = np.minimum(drlmin_new - drlmin, drlmax)
        delta[pmin == pmax] = 0
        step = max(initial_step * 0.5 ** (i / half_life), min_step)
        delta = np.minimum(delta, step * d).astype(int)
        if i < limit_initial:
            naive = np.divide(np.bincount(lmin, weights=delta, minlength=m), capacity, out=np.zeros(m), where=served)
            delta = np.round(delta / np.maximum(naive, 1)[lmin]).astype(int)
        rows = np.flatnonzero(delta)
        pmin, pmax, delta = pmin[rows], pmax[rows], delta[rows].astype(float)
        new = assignment[pmin] == 0
        assignment[pmin] += delta
        assignment[pmax] -= delta
        emptied = assignment[pmax] == 0
        holding.release(place[rows[emptied]], rows[emptied])
        holding.take(pmin[new], rows[new])
        if whole:
            at_supply = at_supply + np.bincount(cols[pmin], weights=delta, minlength=m) - np.bincount(
                cols[pmax], weights=delta, minlength=m)
    if not whole:
        at_supply = np.bincount(cols, weights=assignment, minlength=m + 1)[:m]
    held, row = holding.slots()
    cost = np.empty(len(d))
    cost[layout.order] = (np.bincount(row, weights=total[held] * assignment[held], minlength=len(d))
                          / np.bincount(row, weights=assignment[held], minlength=len(d)))
    return cost, at_supply


class _Holding:
    """The slots holding residents, per row of a ``_RaamLayout``: a ``(places, rows)`` table, column
    ``r`` listing row ``r``'s in its first ``count[r]`` places (in no order), the rest empty (slot
    ``empty``, whose value is taken as -infinity); a row holds residents in a few of its slots, so
    the costliest of them is found without visiting the others. A place is added to every column
    when a row needs one more."""

    def __init__(self, first: np.ndarray, empty: int):
        self.table, self.empty = first[None, :].copy(), empty
        self.count = np.ones(len(first), dtype=np.intp)

    def argmax(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, its held slot of the largest value (``values[empty]`` must be -infinity), the
        first (lowest) slot among equals as numpy's ``argmax`` on ``access``'s masked dense row;
        and the place in the table where it is."""
        n = self.table.shape[1]
        held = values[self.table]
        hit = np.flatnonzero(held == held.max(axis=0))
        row, slot = hit % n, self.table.ravel()[hit]
        if len(hit) > n:  # a tie: the lowest slot of the row
            order = np.lexsort((slot, row))
            first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
            hit, row, slot = hit[first], row[first], slot[first]
        best, place = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
        best[row], place[row] = slot, hit // n
        return best, place

    def release(self, places: np.ndarray, rows: np.ndarray) -> None:
        """Empty those places (one a row at most): each row's last held place fills the gap."""
        last = self.count[rows] - 1
        self.table[places, rows] = self.table[last, rows]
        self.table[last, rows] = self.empty
        self.count[rows] = last

    def take(self, slots: np.ndarray, rows: np.ndarray) -> None:
        """Hold those slots (one a row at most) in the rows' first empty places."""
        if not len(rows):
            return
        at = self.count[rows]
        if at.max() >= len(self.table):
            self.table = np.vstack([self.table, np.full(self.table.shape[1], self.empty, dtype=self.table.dtype)])
        self.table[at, rows] = slots
        self.count[rows] = at + 1

    def slots(self) -> tuple[np.ndarray, np.ndarray]:
        """The held slots (ascending) and their rows."""
        place, row = np.nonzero(self.table != self.empty)
        slot = self.table[place, row]
        order = np.argsort(slot)
        return slot[order], row[order]


def normalised(values: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Values divided by their demand-weighted mean (``access.helpers.normalized_access``): 1 is the
    study area's average."""
    values, demand = np.asarray(values, dtype=float), np.asarray(demand, dtype=float)
    ok = np.isfinite(values)
    mean = (values[ok] * demand[ok]).sum() / demand.sum()
    return values / mean


def nearest_cost(costs: CostMatrix) -> np.ndarray:
    """Each point's cost to its nearest facility in the matrix (infinity when none is in reach)."""
    out = np.full(costs.shape[0], np.inf)
    np.minimum.at(out, costs.rows, costs.cost)
    return out


def measures(costs: CostMatrix, demand, supply, params: AccessParams) -> pd.DataFrame:
    """Every measure per demand point: the 2SFCA family per 10,000 residents, RAAM as a cost, and
    the cost to the nearest facility."""
    per = 10_000
    return pd.DataFrame({
        "two_sfca": per * two_sfca(costs, demand, supply, params.catchment),
        "e2sfca": per * enhanced_two_sfca(costs, demand, supply, params.e2sfca_steps),
        "g2sfca": per * gaussian_two_sfca(costs, demand, supply, params.catchment),
        "three_sfca": per * three_sfca(costs, demand, supply, params.three_sfca_steps),
        "raam": raam(costs.within(params.raam_reach), demand, supply, params.raam_tau, cycles=params.raam_cycles),
        "nearest": nearest_cost(costs),
    })


# --- equity ---------------------------------------------------------------------------------------


def _weighted(values, weights) -> tuple[np.ndarray, np.ndarray]:
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    return values[keep], weights[keep]


def gini(values, weights) -> float:
    """The Gini coefficient of ``values`` across residents (each value counted ``weights`` times):
    ``sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``. 0 when all are equal; NaN with no residents or
    a mean of 0."""
    x, w = _weighted(values, weights)
    total = w.sum()
    if total <= 0:
        return math.nan
    mean = (w * x).sum() / total
    if mean == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    upto = np.cumsum(w)
    return float((w * x * (upto - w + upto - total)).sum() / (total**2 * mean))


def theil(values, weights) -> float:
    """The Theil T index across residents: ``sum_i (w_i / W) (x_i / mean) ln(x_i / mean)`` (``0 ln 0``
    = 0). 0 when all are equal, never negative, ``ln W`` when one resident holds everything."""
    x, w = _weighted(values, weights)
    total = w.sum()
    if total <= 0:
        return math.nan
    mean = (w * x).sum() / total
    if mean <= 0:
        return math.nan
    r = x / mean
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(max((w * terms).sum() / total, 0.0))


def share_below(values, weights, threshold: float) -> float:
    """The share of residents whose value is below ``threshold`` (a point with no value counts as
    below)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    total = weights.sum()
    below = ~(np.nan_to_num(values, nan=-np.inf) >= threshold)
    return float((weights * below).sum() / total) if total > 0 else math.nan


def circle_share(nearest: np.ndarray, weights, limit: float) -> float:
    """The share of residents whose nearest community health facility is within ``limit`` (the
    15-minute community health circle: 15 min, or ``chc_threshold_km`` over distance)."""
    nearest, weights = np.asarray(nearest, dtype=float), np.asarray(weights, dtype=float)
    total = weights.sum()
    return float((weights * (nearest <= limit)).sum() / total) if total > 0 else math.nan


def equity(values, weights, nearest, params: AccessParams) -> dict[str, float | bool]:
    """The equity of one set of residents: residents, mean (resident-weighted), Gini, Theil, the
    share below ``params.threshold_per_10000`` (values per 10,000 residents, as ``measures``
    gives them) and the circle share against its target."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    x, w = _weighted(values, weights)
    circle = circle_share(nearest, weights, params.circle)
    return {"residents": float(weights.sum()), "mean": float((x * w).sum() / w.sum()) if w.sum() > 0 else math.nan,
            "gini": gini(values, weights), "theil": theil(values, weights),
            "share_below": share_below(values, weights, params.threshold_per_10000),
            "circle_share": circle, "circle_meets_target": bool(circle >= params.circle_target)}


def equity_by(frame: pd.DataFrame, key: str, params: AccessParams, *, value: str = "e2sfca",
              weight: str = "population", nearest: str = "nearest") -> pd.DataFrame:
    """``equity`` per group of ``key`` (ring, district_code, grid_id ...), one row each. By ring the
    remote suburbs come first (``RING_ORDER``), otherwise groups keep the order of their keys."""
    rows = [{key: group, **equity(part[value], part[weight], part[nearest], params)}
            for group, part in frame.groupby(key, sort=True)]
    out = pd.DataFrame(rows, columns=[key, "residents", "mean", "gini", "theil", "share_below", "circle_share",
                                      "circle_meets_target"])
    if key == "ring":
        rank = {ring: i for i, ring in enumerate(RING_ORDER)}
        out = out.iloc[np.argsort([rank.get(r, len(rank)) for r in out[key]], kind="stable")]
    return out.reset_index(drop=True)


# --- hierarchical, tier by tier -------------------------------------------------------------------
#
# Tao, Cheng & Liu (2020), "Hierarchical two-step floating catchment area (2SFCA) method: measuring
# the spatial accessibility to hierarchical healthcare facilities in Shenzhen, China",
# *International Journal for Equity in Health* 19:164 (doi:10.1186/s12939-020-01280-7): each level
# of care has its own catchment, distance decay and supply, and is measured apart. Here the two
# chains of Chinese primary and secondary care, three tiers each, every tier a Gaussian 2SFCA (Dai
# 2010, the decay that study uses) whose ``d0`` is the tier's own reach from the settings
# (``*_threshold_km`` over distance, ``*_threshold_min`` on roads, as ``planning.coverage.threshold``)
# and whose supply is the column the tier is staffed by. We take the study's per-level catchments,
# decay and supply; not its M2SFCA absolute-distance factor nor its combined general accessibility:
# each tier stays a 2SFCA, comparable with the round-1 measures.
#
# The tier that limits a unit: a tier's norm is its resident-weighted mean over the package; a unit's
# ratio is its (resident-weighted) tier accessibility over that norm; among the measured tiers of the
# unit's chain (that of its nearest CHC or THC) the lowest ratio limits, a tie going to the level
# nearer the resident (``limiting_tier``).


@dataclass(frozen=True)
class Tier:
    """One level of care: its chain (``rural``: village clinic -> THC -> county hospital; ``urban``:
    CHC -> district hospital -> city hospital), its level in the chain (1 is nearest the resident),
    the facility kinds, the supply column (``gps`` falls back to ``physicians`` where blank) and the
    setting that gives its catchment (``<threshold>_km`` or ``<threshold>_min``)."""

    name: str
    chain: str
    level: int
    kinds: tuple[str, ...]
    supply: str  # gps | physicians | beds
    threshold: str  # a config prefix: chc_threshold, thc_threshold, village_threshold, hospital_threshold

    def catchment(self, config, *, minutes: bool) -> float:
        return float(getattr(config, f"{self.threshold}_{'min' if minutes else 'km'}"))

    def supply_of(self, config) -> str:
        """The supply the planner counts for this tier (``access_tier_supply_<name>``; by default
        ``supply``)."""
        return str(getattr(config, f"access_tier_supply_{self.name}", self.supply))

    def decay_of(self, config) -> str:
        """The tier's distance decay (``access_tier_decay_<name>``): ``gaussian`` (Dai 2010, the
        Shenzhen study's), ``steps`` (the E2SFCA steps stretched to the tier's catchment) or
        ``none`` (the plain 2SFCA)."""
        return str(getattr(config, f"access_tier_decay_{self.name}", "gaussian"))


def tier_measure(costs: CostMatrix, demand, supply, d0: float, decay: str, steps: Sequence[tuple[float, float]]
                 ) -> np.ndarray:
    """One tier's floating catchment with its own decay inside its catchment ``d0``: Gaussian
    (``gaussian_two_sfca``), the ``steps`` stretched so that the last break is ``d0``
    (``enhanced_two_sfca``), or none (``two_sfca``)."""
    if decay == "steps":
        last = steps[-1][0]
        return enhanced_two_sfca(costs, demand, supply, [(b / last * d0, w) for b, w in steps])
    if decay == "none":
        return two_sfca(costs, demand, supply, d0)
    return gaussian_two_sfca(costs, demand, supply, d0)


TIERS: tuple[Tier, ...] = (
    Tier("village_clinic", "rural", 1, ("village_clinic",), "physicians", "village_threshold"),
    Tier("thc", "rural", 2, ("thc",), "gps", "thc_threshold"),
    Tier("county_hospital", "rural", 3, ("county_hospital",), "beds", "hospital_threshold"),
    Tier("chc", "urban", 1, ("chc",), "gps", "chc_threshold"),
    Tier("district_hospital", "urban", 2, ("district_hospital",), "beds", "hospital_threshold"),
    Tier("city_hospital", "urban", 3, ("city_hospital",), "beds", "hospital_threshold"),
)


def tier_supply(facilities: pd.DataFrame, tier: Tier) -> np.ndarray:
    """The tier's facilities' supply: the recorded ``tier.supply`` (for ``gps``, physicians where GPs
    are blank); a blank count, or a column the frame lacks, is unknown and passes on nothing (0)."""
    def column(name: str) -> pd.Series:
        if name not in facilities:
            return pd.Series(np.nan, index=facilities.index)
        return pd.to_numeric(facilities[name], errors="coerce")

    values = column(tier.supply)
    if tier.supply == "gps":
        values = values.fillna(column("physicians"))
    return values.fillna(0.0).to_numpy(dtype=float)


def tier_skip_reason(kinds: np.ndarray, supply: np.ndarray) -> str:
    """Why a tier cannot be measured (``""`` when it can): ``no_facilities`` of its kinds in the
    package, or ``no_supply`` recorded for any of them (a tier whose supply is unknown is skipped,
    never taken as zero access)."""
    if not len(kinds):
        return "no_facilities"
    if not np.nansum(supply) > 0:
        return "no_supply"
    return ""


def limiting_tier(ratios: pd.DataFrame, chains: np.ndarray) -> np.ndarray:
    """Per row (a unit), the tier that limits access: among the measured tiers of the row's chain,
    the one whose access relative to its norm (``ratios``, one column per tier name) is lowest; on a
    tie the lower level (nearer the resident) wins; ``""`` when the chain has no measured tier.

    A tier's *norm* is its resident-weighted mean access over the whole package, so a ratio of 1 is
    the package's average for that tier and the ratios of different tiers (GPs, physicians, beds per
    10,000 residents) can be compared (``normalised``, ``access.helpers.normalized_access``)."""
    out = np.full(len(ratios), "", dtype=object)
    for chain in np.unique(chains):
        names = [t.name for t in sorted(TIERS, key=lambda t: t.level) if t.chain == chain and t.name in ratios]
        if not names:
            continue
        rows = np.flatnonzero(chains == chain)
        values = ratios.iloc[rows][names].to_numpy(dtype=float)
        out[rows] = np.array(names, dtype=object)[np.argmin(np.nan_to_num(values, nan=np.inf), axis=1)]
    return out


def hierarchical(cost_of, facilities: pd.DataFrame, demand, config, *, minutes: bool, steps=None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every tier of ``TIERS`` per demand point (supply per 10,000 residents; each tier with its
    own catchment ``d0``, decay and supply from the settings: ``Tier.catchment``, ``decay_of``,
    ``supply_of``), and one row per tier saying what was measured or why it was skipped.
    ``cost_of(sites_xy, reach)`` gives the ``CostMatrix`` from the demand points to those sites;
    ``facilities`` carries ``kind``, the supply columns and ``x``/``y`` (metres); ``steps``: the
    E2SFCA steps a tier with ``steps`` decay stretches (default Luo & Qi's)."""
    from dataclasses import replace

    steps = steps or AccessParams().e2sfca_steps
    values, rows = {}, []
    kinds = facilities["kind"].to_numpy(dtype=str)
    for tier in TIERS:
        mine = np.flatnonzero(np.isin(kinds, tier.kinds))
        column, decay = tier.supply_of(config), tier.decay_of(config)
        supply = tier_supply(facilities.iloc[mine], replace(tier, supply=column))
        reason = tier_skip_reason(mine, supply)
        d0 = tier.catchment(config, minutes=minutes)
        norm = math.nan
        if not reason:
            costs = cost_of(facilities[["x", "y"]].to_numpy(dtype=float)[mine], d0)
            values[tier.name] = 10_000 * tier_measure(costs, demand, supply, d0, decay, steps)
            norm = float(np.average(values[tier.name], weights=demand)) if np.sum(demand) > 0 else math.nan
        rows.append({"tier": tier.name, "chain": tier.chain, "level": tier.level, "supply": column, "decay": decay,
                     "catchment": d0, "facilities": len(mine), "supply_total": float(supply.sum()),
                     "norm": norm, "measured": not reason, "skipped": reason})
    return pd.DataFrame(values, index=pd.RangeIndex(len(demand))), pd.DataFrame(rows)


# --- the whole package: what ``PlanningSession.accessibility`` returns ------------------------------

MEASURES = ("two_sfca", "e2sfca", "g2sfca", "three_sfca", "raam")
HEADLINE = "e2sfca"  # the measure equity, the maps and the exports use
EQUITY_COLUMNS = ("residents", "mean", "gini", "theil", "share_below", "circle_share", "circle_meets_target")


@dataclass(frozen=True)
class AccessibilityResult:
    """The accessibility of one package (and plan), as ``PlanningSession.accessibility`` gives it.

    Primary care (CHC and THC, GPs, else physicians, else the median of the kind:
    ``planning.coverage.Facilities``) is measured by every measure of ``measures``; the tiers
    (``TIERS``) each by a Gaussian 2SFCA of their own. Values of the 2SFCA family and of the tiers
    are supply per 10,000 residents (GPs, physicians or beds); ``raam`` is a cost (lower is better);
    ``nearest`` the cost to the nearest CHC or THC. Costs are ``cost_unit``: ``min`` on the package's
    roads, else ``km`` (straight line x detour).

    Fields (stable: pages, the CLI and the exports read them by name):

    - ``points``: per demand point (population point or cell, else one per unit): ``unit_code``,
      ``district_code``, ``ring``, ``population``, the ``MEASURES``, ``nearest``, one column per
      measured tier (``tier_<name>``).
    - ``units``: per unit (in the world's order): ``unit_code``, ``unit_name``, ``district_code``,
      ``district_name``, ``ring``, ``grid_id`` (``""`` without a plan or outside its grids),
      ``population``, the ``MEASURES`` and ``nearest`` as resident-weighted means (a unit without
      residents: its points' plain mean), ``tier_<name>`` and ``ratio_<name>`` (the tier's access
      over its norm) per measured tier, ``chain`` (``urban`` | ``rural``: the chain of its nearest
      CHC or THC) and ``limiting_tier`` (``limiting_tier``; ``""`` when its chain has no measured tier).
    - ``tiers``: per tier of ``TIERS``: ``tier``, ``chain``, ``level``, ``supply``, ``decay``, ``catchment``,
      ``facilities``, ``supply_total``, ``norm``, ``measured``, ``skipped`` (``no_facilities`` |
      ``no_supply`` | ``""``).
    - ``equity``: the whole package, ``equity`` of the headline measure across the demand points'
      residents (``EQUITY_COLUMNS``).
    - ``by_ring`` (remote suburbs first), ``by_district`` (rings in that order, then district code),
      ``by_grid`` (empty without a plan): ``equity_by`` with ``district_name`` added by district.
    """

    measure: str
    cost_unit: str  # min | km
    demand: str  # points | units
    params: AccessParams
    points: pd.DataFrame
    units: pd.DataFrame
    tiers: pd.DataFrame
    equity: dict
    by_ring: pd.DataFrame
    by_district: pd.DataFrame
    by_grid: pd.DataFrame

    @property
    def skipped_tiers(self) -> list[str]:
        """The tiers the package lacks (no facilities, or none with supply recorded)."""
        return self.tiers.loc[~self.tiers["measured"], "tier"].tolist()

    def document(self) -> dict:
        """Everything as plain JSON values (``coverage.json``'s ``accessibility``; docs/DATA_FORMAT.md):
        a value that is not finite (RAAM or nearest with nothing in reach, a Gini of no residents)
        is ``null``; values are not rounded."""
        from dataclasses import asdict

        return _plain({
            "measure": self.measure, "cost_unit": self.cost_unit, "demand": self.demand, "params": asdict(self.params),
            "tiers": self.tiers.to_dict(orient="records"), "skipped_tiers": self.skipped_tiers,
            "equity": self.equity, "by_ring": self.by_ring.to_dict(orient="records"),
            "by_district": self.by_district.to_dict(orient="records"),
            "by_grid": self.by_grid.to_dict(orient="records"), "units": self.units.to_dict(orient="records"),
        })


def _plain(value):
    """``value`` with numpy scalars as Python ones, tuples as lists and non-finite floats as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _unit_means(points: pd.DataFrame, columns: list[str], n: int) -> pd.DataFrame:
    """Resident-weighted means per unit (index ``unit``), a plain mean for a unit without residents;
    infinity (RAAM, nearest: nothing in reach) where any of a unit's points has it."""
    out = {}
    weight = points["population"].to_numpy(dtype=float)
    unit = points["unit"].to_numpy()
    people = np.bincount(unit, weights=weight, minlength=n)
    count = np.bincount(unit, minlength=n).astype(float)
    for col in columns:
        x = points[col].to_numpy(dtype=float)
        finite = np.isfinite(x)
        xs = np.where(finite, x, 0.0)
        weighted = np.divide(np.bincount(unit, weights=weight * xs, minlength=n), people, out=np.zeros(n), where=people > 0)
        plain = np.divide(np.bincount(unit, weights=xs, minlength=n), count, out=np.zeros(n), where=count > 0)
        value = np.where(people > 0, weighted, plain)
        bad = np.bincount(unit, weights=(~finite).astype(float), minlength=n) > 0
        out[col] = np.where(bad, np.inf, value)
    return pd.DataFrame(out)


def _by_district(points: pd.DataFrame, params: AccessParams, names: dict) -> pd.DataFrame:
    table = equity_by(points, "district_code", params, value=HEADLINE)
    ring = points.groupby("district_code")["ring"].first()
    rank = {r: i for i, r in enumerate(RING_ORDER)}
    table.insert(1, "district_name", table["district_code"].map(names).fillna(""))
    table.insert(2, "ring", table["district_code"].map(ring).fillna(""))
    order = np.lexsort((table["district_code"].to_numpy(dtype=str), [rank.get(r, len(rank)) for r in table["ring"]]))
    return table.iloc[order].reset_index(drop=True)


def assess(package, world, *, network=None, demand=None) -> AccessibilityResult:
    """Accessibility of ``package`` (units, facilities, config) over ``world``: the headline
    measures on primary care, the tiers, and equity by ring and district (``with_plan`` adds the
    grids). ``network``: the package's roads (``planning.roads``), else straight lines x detour;
    ``demand``: ``planning.coverage.Demand`` (population points), else one point per unit."""
    from planning.coverage import Demand, Facilities

    config = package.config
    minutes = network is not None
    params = AccessParams.from_config(config, minutes=minutes)
    given = demand
    demand = demand if demand is not None else Demand.of_units(world)

    def cost_of(sites: np.ndarray, reach: float) -> CostMatrix:
        if minutes:
            return travel_costs(network, demand.xy, sites, reach, walk_kmh=config.walk_kmh)
        return distance_costs(demand.xy, sites, reach, detour=config.detour_factor)

    fac = Facilities.from_frame(package.facilities, world.crs)
    primary = fac.of(("chc", "thc"))
    costs = cost_of(fac.xy[primary], params.reach)
    values = measures(costs, demand.population, np.nan_to_num(fac.clinicians[primary]), params)
    frame = package.facilities.assign(x=fac.xy[:, 0], y=fac.xy[:, 1])
    tier_values, tiers = hierarchical(cost_of, pd.DataFrame(frame.drop(columns="geometry")), demand.population, config,
                                      minutes=minutes, steps=params.e2sfca_steps)
    ring_of = np.array([world.district_ring.get(d, "") for d in world.district], dtype=object)
    points = pd.DataFrame({"unit": demand.unit, "unit_code": world.unit_codes[demand.unit],
                           "district_code": world.district[demand.unit], "ring": ring_of[demand.unit],
                           "population": demand.population})
    points = pd.concat([points, values, tier_values.add_prefix("tier_")], axis=1)
    means = _unit_means(points, [*MEASURES, "nearest", *(f"tier_{name}" for name in tier_values.columns)], world.n)
    units = pd.DataFrame({"unit_code": world.unit_codes, "unit_name": world.unit_names, "district_code": world.district,
                          "district_name": [world.district_names.get(d, "") for d in world.district], "ring": ring_of,
                          "grid_id": "", "population": world.population})
    units = pd.concat([units, means], axis=1)
    norms = tiers.set_index("tier")["norm"]
    ratios = pd.DataFrame({name: np.divide(units[f"tier_{name}"].to_numpy(dtype=float), norms[name], out=np.zeros(world.n),
                                           where=norms[name] > 0) for name in tier_values.columns}, index=units.index)
    units = pd.concat([units, ratios.add_prefix("ratio_")], axis=1)
    kinds = fac.kinds[primary]
    if len(primary):
        near = cKDTree(fac.xy[primary]).query(world.xy)[1]
        units["chain"] = np.where(kinds[near] == "thc", "rural", "urban")
    else:
        units["chain"] = np.where(np.isin(fac.kinds, [t.kinds[0] for t in TIERS if t.chain == "rural"]).any(),
                                  "rural", "urban")
    units["limiting_tier"] = limiting_tier(ratios, units["chain"].to_numpy(dtype=str))
    return AccessibilityResult(
        measure=HEADLINE, cost_unit="min" if minutes else "km", demand="points" if given is not None else "units",
        params=params, points=points, units=units, tiers=tiers,
        equity=equity(points[HEADLINE], points["population"], points["nearest"], params),
        by_ring=equity_by(points, "ring", params, value=HEADLINE),
        by_district=_by_district(points, params, world.district_names),
        by_grid=pd.DataFrame(columns=["grid_id", *EQUITY_COLUMNS]))


def with_plan(result: AccessibilityResult, assignment) -> AccessibilityResult:
    """``result`` with each unit's ``grid_id`` from a plan's ``assignment`` (unit code -> grid) and
    the equity by grid (units outside the plan's grids are left out of ``by_grid``)."""
    from dataclasses import replace

    grid_of = dict(assignment)
    units = result.units.assign(grid_id=result.units["unit_code"].map(grid_of).fillna(""))
    points = result.points.assign(grid_id=result.points["unit_code"].map(grid_of).fillna(""))
    placed = points[points["grid_id"] != ""]
    by_grid = equity_by(placed, "grid_id", result.params, value=HEADLINE) if len(placed) else result.by_grid
    return replace(result, units=units, points=points, by_grid=by_grid)
