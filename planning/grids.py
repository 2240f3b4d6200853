"""Proposing service grids (网格): contiguous, balanced, short access to the lead hospital.

Formulation, per district (grids never cross a district or pooling area, G2):

1. **How many grids** (G5): the planner's fixed count, else the count whose mean population is
   nearest the middle of the band ``[min, max]``, within what the band allows
   (``ceil(P / max)`` .. ``floor(P / min)``) and the hospitals that may lead; a county forms 1-3.
2. **Which hospitals lead** (G3): the p-median choice among the hospitals that may lead
   (population-weighted distance), exhaustive when the combinations are few, else greedy
   addition and one-for-one swaps. Leads kept from an earlier plan stay.
3. **Assignment**: a capacitated min-cost flow of residents from units to leads (OR-Tools
   ``SimpleMinCostFlow``), cost = distance, each lead's capacity the band's maximum, tightened
   towards the mean for balance; each unit goes to the lead that received most of its residents.
   Locked units keep their grid and use up its capacity.
4. **Contiguity repair** (G6): parts of a grid cut off from its lead's unit join the
   neighbouring grid whose lead is nearest.
5. **Rebalance**: boundary units move from the grid furthest above the band (or the largest) to
   a smaller neighbouring grid while the move keeps the donor contiguous and reduces imbalance.

The objective is access first (population-weighted distance to the lead), then balance.
``tests/test_grids.py`` checks the invariants on every result and compares the objective with
brute-force enumeration on small districts.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse.csgraph import connected_components

from planning import exact
from planning.errors import InfeasiblePlanError
from planning.labels import Label, Labels, named
from planning.labels import code_of as label_code
from planning.plan import Grid, Plan, grid_id
from planning.world import World
from texts import render

EXHAUSTIVE_LIMIT = 3000
# the exact model chooses the leads too up to this many units x candidates: beyond it, at the
# same time limit, the larger model reached less balance than with the p-median's leads (浦东,
# 42 units x 12 candidates: max/min 1.358 against 1.317); 闵行 (14 x 6) goes from 1.698 to 1.526, proved
EXACT_CHOICE_SIZE = 400
DEMAND_POINTS = 4000  # lead choice on large districts: units aggregated to about this many demand points
NEAREST_ARCS = 8


@dataclass(frozen=True)
class DistrictQuality:
    """How good one district's grids are, and how sure we are: the solver's bounds.

    ``balance_bound``: no plan with these leads has a smaller max/min (proved; nan when not
    known). ``access_bound_km``: no plan as balanced as this one (within the target) has a
    shorter mean distance to its lead (proved). ``gap``: how far the access may be from the best
    possible, as a share (0: proved optimal)."""

    method: str  # exact | heuristic | single (one grid: nothing to choose)
    grids: int
    units: int
    target: float  # the balance target it was solved for (inf: access only)
    balance: float  # max/min population of the district's grids
    balance_bound: float
    access_km: float  # population-weighted mean straight-line distance to the lead
    access_bound_km: float
    gap: float
    proved: bool
    seconds: float

    @property
    def balance_met(self) -> bool:
        """Within the target, to the exact model's resolution (ratios in steps of 1/10,000)."""
        return self.balance <= self.target * (1 + 1e-4)

    @property
    def balance_gap(self) -> float:
        """How far the balance may be from the best possible (0: proved most balanced, or
        within the target; nan: no bound)."""
        if self.balance_met:
            return 0.0
        return self.balance / self.balance_bound - 1 if self.balance_bound == self.balance_bound else math.nan


@dataclass(frozen=True)
class GridProposal:
    """A proposed plan and, per unit, why it is where it is."""

    plan: Plan
    reasons: Mapping[str, str]  # unit -> nearest | balance | contiguity | lock | lead
    counts: Mapping[str, int]  # district -> number of grids
    notes: tuple[str, ...] = ()
    unplanned: tuple[str, ...] = ()  # districts with no hospital that may lead: their units are in no grid (G1, G5)
    quality: Mapping[str, DistrictQuality] = field(default_factory=dict)  # district -> how good, how sure


def choose_count(population: float, n_leads: int, n_units: int, *, band: tuple[float, float],
                 fixed: int | None = None, county: bool = False, county_max: int = 3,
                 place: Label = "") -> int:
    """How many grids a district forms (G5). The band and a fixed count are the planner's
    settings: when they ask for more grids than the hospitals that may lead allow, the district
    gets as many as it can and the rules flag the shortfall (G5, G6) with the numbers and the fix.
    Raises ``InfeasiblePlanError`` only when no grid can be formed at all (no hospital may lead),
    naming ``place`` (the district's label, ``planning.labels``; its code is the error's place)."""
    lo_band, hi_band = band
    if n_leads == 0 or n_units == 0:
        raise InfeasiblePlanError(("G3",), str(label_code(place)), "no_lead", district=place)
    upper = min(n_leads, n_units, county_max if county else n_units)
    if fixed is not None:
        return max(1, min(fixed, upper))
    need = max(1, math.ceil(population / hi_band))
    if need >= upper:
        return upper
    most = max(need, min(upper, math.floor(population / lo_band))) if lo_band > 0 else upper
    middle = (lo_band + hi_band) / 2
    return min(range(need, most + 1), key=lambda k: (abs(population / k - middle), k))


def _pmedian(cost: np.ndarray, k: int) -> list[int]:
    """Rows of ``cost`` (candidates x units) whose column-wise minimum sums least: exhaustive
    when the combinations are few, else greedy addition then one-for-one swaps (Teitz-Bart),
    each step evaluated for every candidate at once with the nearest and second-nearest chosen."""
    m = cost.shape[0]
    if math.comb(m, k) <= EXHAUSTIVE_LIMIT:
        best = min(combinations(range(m), k), key=lambda c: (cost[list(c)].min(axis=0).sum(), c))
        return list(best)
    chosen: list[int] = []
    current = np.full(cost.shape[1], np.inf)
    for _ in range(k):
        value = np.minimum(current[None, :], cost).sum(axis=1)
        value[chosen] = np.inf
        chosen.append(int(np.argmin(value)))
        current = np.minimum(current, cost[chosen[-1]])
    for _ in range(50):
        part = cost[chosen]
        order = np.argsort(part, axis=0)
        first = part[order[0], np.arange(part.shape[1])]
        second = part[order[1], np.arange(part.shape[1])] if k > 1 else np.full(part.shape[1], np.inf)
        rest = np.array([j for j in range(m) if j not in chosen])
        best = (first.sum() - 1e-9, None, None)
        for a in range(k):
            without = np.where(order[0] == a, second, first)
            value = np.minimum(without[None, :], cost[rest]).sum(axis=1)
            b = int(np.argmin(value))
            if value[b] < best[0]:
                best = (float(value[b]), a, int(rest[b]))
        if best[1] is None:
            break
        chosen[best[1]] = best[2]
    return sorted(chosen)


def _demand(xy: np.ndarray, pop: np.ndarray, cells: int = DEMAND_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``cells`` demand points for choosing leads: the units themselves when they
    are few, else their residents summed on a square grid at their population-weighted centre
    (a standard aggregation for p-median problems; the assignment still uses every unit)."""
    if len(pop) <= cells:
        return xy, pop
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    side = max(float(np.sqrt(np.prod(hi - lo + 1.0) / cells)), 1.0)
    cell = np.floor((xy - lo) / side).astype(np.int64)
    key = cell[:, 0] * (int(cell[:, 1].max()) + 1) + cell[:, 1]
    _, group = np.unique(key, return_inverse=True)
    weight = np.bincount(group, weights=pop)
    safe = np.where(weight > 0, weight, 1.0)
    centre = np.column_stack([np.bincount(group, weights=pop * xy[:, 0]) / safe,
                              np.bincount(group, weights=pop * xy[:, 1]) / safe])
    plain = np.column_stack([np.bincount(group, weights=xy[:, 0]), np.bincount(group, weights=xy[:, 1])]) / np.bincount(group)[:, None]
    return np.where(weight[:, None] > 0, centre, plain), weight


def _flow_assign(pop: np.ndarray, dist: np.ndarray, caps: np.ndarray, *, dense: bool = False) -> np.ndarray:
    """Each unit's lead (column index) from a capacitated min-cost flow of residents."""
    n, k = dist.shape
    supply = np.round(pop).astype(np.int64)
    total = int(supply.sum())
    caps = np.maximum(np.minimum(np.nan_to_num(caps, posinf=total), total), 0).astype(np.int64)
    if caps.sum() < total:
        caps = caps + (total - caps.sum()) // k + 1
    # arcs: each unit to its nearest leads, each lead to its nearest units, all when small
    if dense or n * k <= 200_000:
        pairs = np.argwhere(np.ones((n, k), dtype=bool))
    else:
        near_u = np.argpartition(dist, min(NEAREST_ARCS, k) - 1, axis=1)[:, :min(NEAREST_ARCS, k)]
        per_lead = max(1, min(n, 3 * n // k))
        near_l = np.argpartition(dist, per_lead - 1, axis=0)[:per_lead, :]
        mark = np.zeros((n, k), dtype=bool)  # one arc per unit and lead (n x k bytes: cheaper than sorting)
        mark[np.repeat(np.arange(n), near_u.shape[1]), near_u.ravel()] = True
        mark[near_l.ravel(), np.tile(np.arange(k), per_lead)] = True
        pairs = np.argwhere(mark)
    smcf = min_cost_flow.SimpleMinCostFlow()
    sink = n + k
    tails = np.concatenate([pairs[:, 0], n + np.arange(k)])
    heads = np.concatenate([n + pairs[:, 1], np.full(k, sink)])
    capacities = np.concatenate([supply[pairs[:, 0]], caps])
    costs = np.concatenate([np.round(dist[pairs[:, 0], pairs[:, 1]]).astype(np.int64), np.zeros(k, dtype=np.int64)])
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.concatenate([supply, np.zeros(k, dtype=np.int64), [-total]])
    smcf.set_nodes_supplies(np.arange(n + k + 1), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        # sparse arcs could not place everyone: all pairs once more; with all pairs and enough
        # capacity the flow is always feasible, so the nearest lead is only a last resort
        return np.argmin(dist, axis=1) if dense or n * k <= 200_000 else _flow_assign(pop, dist, caps, dense=True)
    flows = smcf.flows(np.arange(len(pairs)))
    best = np.argmin(dist, axis=1)  # zero-population units go to their nearest lead
    # each unit to the lead that received most of its residents (ties: the first arc)
    order = np.lexsort((-flows, pairs[:, 0]))
    first = order[np.r_[True, pairs[order[1:], 0] != pairs[order[:-1], 0]]]
    moved = flows[first] > 0
    best[pairs[first[moved], 0]] = pairs[first[moved], 1]
    return best


@dataclass
class _District:
    """Working state of one district while its grids are built."""

    units: np.ndarray  # world indices
    leads: list[int]  # world lead indices, one per grid
    dist: np.ndarray  # units x grids, metres
    label: np.ndarray  # grid index per unit
    locked: np.ndarray  # bool per unit
    anchor: np.ndarray  # local index of each lead's unit (in a county, a neighbour when another lead holds it)
    reasons: list[str] = field(default_factory=list)
    quality: DistrictQuality | None = None


class GridSolver:
    """Settings of a grid proposal; ``solve`` runs it. See the module docstring."""

    def __init__(self, *, band: tuple[float, float], counts: Mapping[str, int] | None = None,
                 county_max: int = 3, balance_target: float = 1.25, max_moves: int = 20_000,
                 leads: str = "choose", exact_units: int = 0, exact_seconds: float = 10.0) -> None:
        self.band = band
        self.counts = dict(counts or {})
        self.county_max = county_max
        self.balance_target = balance_target
        self.max_moves = max_moves
        self.leads = leads  # choose: the engine picks which hospitals lead; given: every one leads a grid
        self.exact_units = exact_units  # districts up to this many units are solved exactly (0: never)
        self.exact_seconds = exact_seconds

    def solve(self, world: World, *, previous: Plan | None = None, name: str = "",
              only: Iterable[str] | None = None) -> GridProposal:
        """Grids for every district. With ``previous``, its grids and leads are kept and its
        locked units stay where they are; everything else is proposed again around them. With
        ``only`` (district codes), the other districts keep ``previous`` as it is."""
        assignment: dict[str, str] = {}
        grids: list[Grid] = []
        reasons: dict[str, str] = {}
        counts: dict[str, int] = {}
        lead_index = {c: j for j, c in enumerate(world.lead_codes)}
        unplanned: list[str] = []
        quality: dict[str, DistrictQuality] = {}
        only = None if only is None or previous is None else set(only)
        if previous is not None:
            self._check_previous(world, previous, lead_index)
        if only is not None:  # districts whose units the previous plan does not all place are proposed again
            grids_of = {g.grid_id: g.district_code for g in previous.grids}
            only |= {str(world.district[i]) for i, c in enumerate(world.unit_codes)
                     if grids_of.get(previous.assignment.get(str(c), "")) != world.district[i]}
        for code in world.districts:
            units = world.units_of(code)
            kept = [g for g in (previous.grids if previous else ()) if g.district_code == code]
            if only is not None and code not in only:
                grids.extend(kept)
                for i in units:
                    unit = str(world.unit_codes[i])
                    assignment[unit] = previous.assignment.get(unit, "")
                    reasons[unit] = "kept"
                counts[code] = len(kept)
                continue
            if kept:
                leads = [lead_index[g.lead_facility_code] for g in kept]
                ids = [g.grid_id for g in kept]
            else:
                try:
                    leads = self._choose_leads(world, code, units)
                except InfeasiblePlanError:  # no hospital may lead here: only this district stays unplanned
                    unplanned.append(code)
                    counts[code] = 0
                    continue
                ids = [grid_id(code, k + 1) for k in range(len(leads))]
            choose = not kept and self._exact_lead_choice(world, code, units, leads)
            state = self._solve_district(world, units, leads, previous, ids, exact_ok=not choose)
            if choose:
                state = self._choose_exactly(world, code, units, state)
                leads = state.leads
            quality[code] = state.quality
            grids.extend(Grid(gid, code, str(world.lead_codes[j])) for gid, j in zip(ids, leads))
            for local, i in enumerate(units):
                assignment[str(world.unit_codes[i])] = ids[state.label[local]]
                reasons[str(world.unit_codes[i])] = state.reasons[local]
            counts[code] = len(leads)
        plan = Plan(assignment=assignment, grids=tuple(grids),
                    locked=previous.locked if previous else frozenset(), name=name or (previous.name if previous else ""),
                    notes=previous.notes if previous else (), pairings=previous.pairings if previous else ())
        notes = tuple(f"island link {a} - {b}: {gap} km" for a, b, gap in world.island_links)
        if unplanned and len(unplanned) == len(world.districts):
            raise InfeasiblePlanError(("G3",), unplanned[0], "no_lead_anywhere")
        return GridProposal(plan=plan, reasons=reasons, counts=counts, notes=notes, unplanned=tuple(unplanned),
                            quality=quality)

    @staticmethod
    def _check_previous(world: World, previous: Plan, lead_index: Mapping[str, int]) -> None:
        """The previous plan's leads must still be hospitals that may lead (the data may have
        changed under the plan)."""
        gone = [g for g in previous.grids if g.lead_facility_code not in lead_index]
        if gone:
            names = Labels(world)
            raise InfeasiblePlanError(("G3",), gone[0].grid_id, "lead_gone",
                                      grids=[names.grid(g.grid_id, g.district_code) for g in gone],
                                      leads=[names.facility(g.lead_facility_code) for g in gone]) from None

    def _exact_lead_choice(self, world: World, code: str, units: np.ndarray, leads: list[int]) -> bool:
        """Whether the exact model also chooses which hospitals lead: a city district small enough
        to solve exactly, with more candidates than grids, where the engine may choose. (A county's
        alliances are led by its largest hospitals, as ``_choose_leads`` picks them.)"""
        m = len(self._candidates(world, code))
        return (self.leads == "choose" and 1 < len(leads) < m and len(units) <= self.exact_units
                and len(units) * m <= EXACT_CHOICE_SIZE and world.district_ring.get(code) != "county")

    def _candidates(self, world: World, code: str) -> np.ndarray:
        """The district's hospitals that may lead, largest first; in a city district one per unit."""
        candidates = world.leads_of(code)
        size = world.lead_capacity[candidates] if len(world.lead_capacity) else np.ones(len(candidates))
        candidates = candidates[np.lexsort((np.arange(len(candidates)), -size))]
        if world.district_ring.get(code) != "county":
            _, first = np.unique(world.lead_unit[candidates], return_index=True)
            candidates = candidates[np.sort(first)]
        return candidates

    def _choose_exactly(self, world: World, code: str, units: np.ndarray, state: _District) -> _District:
        """The district solved exactly with the leads chosen among every candidate (same count),
        from the heuristic's plan with the p-median leads: balance first, then access."""
        began = time.perf_counter()
        candidates = self._candidates(world, code)
        where = {int(j): c for c, j in enumerate(candidates)}
        start = np.array([where[int(state.leads[g])] for g in state.label])
        k = len(state.leads)
        active, state.label, state.dist, state.anchor, result = _lead_choice(
            world, code, units, candidates, start, k, band=self.band, target=self.balance_target, seconds=self.exact_seconds)
        state.leads = [int(candidates[c]) for c in active]
        pop = world.population[units]
        nearest, homes = np.argmin(state.dist, axis=1), set(state.anchor.tolist())
        state.reasons = ["lead" if n in homes else "nearest" if state.label[n] == nearest[n] else "balance"
                         for n in range(len(units))]
        state.quality = _quality("exact", pop, state.dist, state.label, k, self.balance_target, result,
                                 time.perf_counter() - began + state.quality.seconds)
        return state

    def _choose_leads(self, world: World, code: str, units: np.ndarray) -> list[int]:
        """The hospitals that lead the district's grids (G3, G5): all of them when the planner
        gave them (``leads="given"``), else a p-median choice of the count G5 asks for, where a
        hospital's distance counts less the larger it is (beds: a 927-bed 中医院 leads before a
        352-bed second hospital a little nearer). In a city district two leads in one unit could
        not each hold their own unit (G3): the larger stays a candidate. In a county they may
        (人民医院 and 中医院 both in the county seat), and each can lead an alliance."""
        candidates = self._candidates(world, code)
        county = world.district_ring.get(code) == "county"
        size = world.lead_capacity[candidates] if len(world.lead_capacity) else np.ones(len(candidates))
        place = named(world.district_names.get(code, ""), code)
        if self.leads == "given" and len(candidates):
            fixed = len(candidates) if not county else min(len(candidates), self.county_max)
        else:
            fixed = self.counts.get(code)
        k = choose_count(float(world.population[units].sum()), len(candidates), len(units), band=self.band,
                         fixed=fixed, county=county, county_max=self.county_max, place=place)
        xy, people = _demand(world.xy[units], world.population[units])
        dist = np.hypot(world.lead_xy[candidates, None, 0] - xy[None, :, 0], world.lead_xy[candidates, None, 1] - xy[None, :, 1])
        weight = np.median(size) / np.maximum(size, 1e-9)  # 1 for a hospital of the median size
        chosen = _pmedian(dist * weight[:, None] * people[None, :], k)
        return [int(candidates[c]) for c in sorted(chosen)]

    def _solve_district(self, world: World, units: np.ndarray, leads: list[int], previous: Plan | None,
                        ids: list[str], *, exact_ok: bool = True) -> _District:
        began = time.perf_counter()
        k = len(leads)
        dist = np.hypot(world.xy[units, None, 0] - world.lead_xy[None, leads, 0],
                        world.xy[units, None, 1] - world.lead_xy[None, leads, 1])
        local = {int(i): n for n, i in enumerate(units)}
        home = np.array([local.get(int(world.lead_unit[j]), int(np.argmin(dist[:, g]))) for g, j in enumerate(leads)])
        adjacency = world.adjacency[units][:, units].tocsr()
        county = world.district_ring.get(str(world.district[units[0]])) == "county"
        anchor = _anchors(home, adjacency, dist) if county else home
        locked = np.zeros(len(units), dtype=bool)
        label = np.full(len(units), -1)
        gindex = {gid: g for g, gid in enumerate(ids)}
        if previous is not None:
            for n, i in enumerate(units):
                code = str(world.unit_codes[i])
                if code in previous.locked and previous.assignment.get(code) in gindex:
                    locked[n] = True
                    label[n] = gindex[previous.assignment[code]]
        fixed = label.copy()  # the planner's locks (the exact model keeps them)
        reasons = ["lock" if locked[n] else "" for n in range(len(units))]
        self._check_anchors(world, units, leads, anchor, locked, label, ids)
        for g, a in enumerate(anchor):  # G3: a lead's own unit is in its grid
            if not locked[a]:
                label[a] = g
                locked[a] = True
                reasons[a] = "lead"
        pop = world.population[units]
        free = ~locked
        if k == 1:
            label[free] = 0
        elif free.any():
            used = np.bincount(label[~free], weights=pop[~free], minlength=k)
            mean = pop.sum() / k
            # access first within the band; with a balance target, capacities near the mean
            ceiling = self.band[1] if math.isinf(self.balance_target) else min(self.band[1], mean * 1.001)
            cap = ceiling - used
            label[free] = _flow_assign(pop[free], dist[free], np.maximum(cap, 0))
        state = _District(units, leads, dist, label, locked, anchor, reasons)
        self._repair(state, adjacency)
        self._rebalance(state, adjacency, pop)
        self._repair(state, adjacency)
        self._improve_access(state, adjacency, pop)
        method, bounds = "single" if k == 1 else "heuristic", None
        if exact_ok and 1 < k and len(units) <= self.exact_units and _contiguous(adjacency, state.label, anchor, home, county):
            coo = adjacency.tocoo()
            rooted = anchor == home
            for g, a in enumerate(anchor):  # a lead's own unit is in its grid, unless another lead holds it
                fixed[a] = g if rooted[g] else fixed[a]
            problem = exact.District(pop=pop, dist=dist, arcs=np.column_stack([coo.row, coo.col]), roots=home,
                                     rooted=rooted, locked=fixed)
            result = exact.solve(problem, state.label, target=self.balance_target, seconds=self.exact_seconds,
                                 band=self.band if _in_band(pop, state.label, k, self.band) else None)
            state.label = result.labels
            method, bounds = "exact", result
        nearest = np.argmin(dist, axis=1)
        for n in np.flatnonzero(~locked):
            if method == "exact" or not state.reasons[n]:
                state.reasons[n] = "nearest" if state.label[n] == nearest[n] else "balance"
        state.quality = _quality(method, pop, dist, state.label, k, self.balance_target, bounds,
                                 time.perf_counter() - began)
        return state

    @staticmethod
    def _check_anchors(world: World, units, leads, anchor, locked, label, ids) -> None:
        """G3 needs each lead's own unit in its grid: two leads in one unit, or a lead's unit
        locked into another grid, cannot hold."""
        seen: dict[int, int] = {}
        for g, a in enumerate(anchor):
            unit = str(world.unit_codes[units[a]])
            if int(a) in seen:
                first, second = world.lead_codes[leads[seen[int(a)]]], world.lead_codes[leads[g]]
                names = Labels(world)
                raise InfeasiblePlanError(("G3",), unit, "leads_share_unit", first=names.facility(first),
                                          second=names.facility(second), unit=names.unit(unit))
            seen[int(a)] = g
            if locked[a] and label[a] != g:
                names = Labels(world)
                raise InfeasiblePlanError(("G3",), unit, "lead_unit_locked", unit=names.unit(unit),
                                          locked_in=names.grid(ids[label[a]]), grid=names.grid(ids[g]),
                                          lead=names.facility(str(world.lead_codes[leads[g]])))

    @staticmethod
    def _repair(state: _District, adjacency) -> None:
        """G6: every part of a grid not connected to its lead's unit joins a neighbouring grid."""
        k = len(state.leads)
        for _ in range(len(state.units) + 1):
            orphans = []
            for g in range(k):
                members = np.flatnonzero(state.label == g)
                if len(members) <= 1:
                    continue
                sub = adjacency[members][:, members]
                _, comp = connected_components(sub, directed=False)
                keep = comp[np.flatnonzero(members == state.anchor[g])[0]]
                orphans.extend(members[(comp != keep) & ~state.locked[members]])
            if not orphans:
                return
            moved = False
            for u in sorted(orphans, key=lambda u: state.dist[u].min()):
                neighbours = adjacency.indices[adjacency.indptr[u]:adjacency.indptr[u + 1]]
                options = {int(state.label[v]) for v in neighbours if state.label[v] != state.label[u]}
                if options:
                    state.label[u] = min(options, key=lambda g: (state.dist[u, g], g))
                    state.reasons[u] = "contiguity"
                    moved = True
            if not moved:
                return  # an island no grid can reach: G6 reports it

    def _rebalance(self, state: _District, adjacency, pop: np.ndarray) -> None:
        """Move boundary units out of the grid furthest from the mean (or above the band) into a
        smaller neighbouring grid, while that brings both nearer the mean and keeps the donor
        contiguous; the cheapest such move in access first."""
        k = len(state.leads)
        if k < 2:
            return
        lo, hi = self.band
        rows, cols = adjacency.nonzero()
        sizes = np.bincount(state.label, weights=pop, minlength=k)
        mean = sizes.sum() / k
        stuck = np.zeros(len(state.units), dtype=bool)

        def outside(s: np.ndarray) -> np.ndarray:
            return np.maximum(s - hi, 0) + np.maximum(lo - s, 0)

        for _ in range(self.max_moves):
            ratio = sizes.max() / max(sizes.min(), 1.0)
            if outside(sizes).sum() == 0 and ratio <= self.balance_target:
                return
            lab = state.label
            edge = (lab[rows] != lab[cols]) & ~state.locked[rows] & ~stuck[rows]
            u, h = rows[edge], lab[cols[edge]]
            g = lab[u]
            keep = sizes[h] < sizes[g]
            u, h, g = u[keep], h[keep], g[keep]
            if len(u) == 0:
                return
            old_dev = np.maximum(np.abs(sizes[g] - mean), np.abs(sizes[h] - mean))
            # largest donor deviation first, then the least access lost; applied in one round
            order = np.lexsort((state.dist[u, h] - state.dist[u, g], -old_dev))
            moved = 0
            for n in order:
                uu, gg, hh = int(u[n]), int(g[n]), int(h[n])
                if state.label[uu] != gg or stuck[uu] or not _touches(adjacency, state.label, uu, hh):
                    continue
                new_g, new_h = sizes[gg] - pop[uu], sizes[hh] + pop[uu]
                band_gain = outside(sizes[gg]) + outside(sizes[hh]) - outside(new_g) - outside(new_h)
                before = max(abs(sizes[gg] - mean), abs(sizes[hh] - mean))
                after = max(abs(new_g - mean), abs(new_h - mean))
                if not (band_gain > 0 or (band_gain == 0 and after < before - 1e-9)):
                    continue
                if not _stays_connected(adjacency, state.label, uu, state.anchor[gg]):
                    stuck[uu] = True
                    continue
                state.label[uu] = hh
                state.reasons[uu] = "balance"
                sizes[gg], sizes[hh] = new_g, new_h
                moved += 1
            if moved == 0:
                return

    def _improve_access(self, state: _District, adjacency, pop: np.ndarray) -> None:
        """Descent: move a boundary unit to a neighbouring grid whose lead is nearer, while the
        band holds, the balance gets no worse than allowed, and the donor stays contiguous."""
        k = len(state.leads)
        if k < 2:
            return
        lo, hi = self.band
        rows, cols = adjacency.nonzero()
        sizes = np.bincount(state.label, weights=pop, minlength=k)
        limit = max(self.balance_target, sizes.max() / max(sizes.min(), 1.0))
        nearest = np.argmin(state.dist, axis=1)
        for _ in range(self.max_moves):
            lab = state.label
            edge = (lab[rows] != lab[cols]) & ~state.locked[rows]
            u, h = rows[edge], lab[cols[edge]]
            gain = state.dist[u, lab[u]] - state.dist[u, h]
            better = gain > 1e-9
            u, h, gain = u[better], h[better], gain[better]
            moved = 0
            for n in np.argsort(-gain * pop[u], kind="stable"):
                uu, hh = int(u[n]), int(h[n])
                gg = int(state.label[uu])
                if gg == hh or state.dist[uu, hh] >= state.dist[uu, gg] or not _touches(adjacency, state.label, uu, hh):
                    continue
                trial_g, trial_h = sizes[gg] - pop[uu], sizes[hh] + pop[uu]
                if trial_h > hi or trial_g < lo:
                    continue
                trial = sizes.copy()
                trial[gg], trial[hh] = trial_g, trial_h
                if trial.max() / max(trial.min(), 1.0) > limit + 1e-9:
                    continue
                if not _stays_connected(adjacency, state.label, uu, state.anchor[gg]):
                    continue
                state.label[uu] = hh
                state.reasons[uu] = "nearest" if hh == nearest[uu] else "balance"
                sizes = trial
                moved += 1
            if moved == 0:
                return


def _anchors(home: np.ndarray, adjacency, dist: np.ndarray) -> np.ndarray:
    """Each grid's anchor unit in a county: the lead's own unit, or, when an earlier (larger)
    lead already holds that unit, the neighbouring unit nearest the lead, so the alliance
    touches its lead's township (the plan says so, G3)."""
    anchor = home.copy()
    taken: set[int] = set()
    for g, a in enumerate(home):
        if int(a) in taken:
            around = [int(v) for v in adjacency.indices[adjacency.indptr[a]:adjacency.indptr[a + 1]] if int(v) not in taken]
            if around:
                anchor[g] = min(around, key=lambda v: (dist[v, g], v))
        taken.add(int(anchor[g]))
    return anchor


def _contiguous(adjacency, label: np.ndarray, anchor: np.ndarray, home: np.ndarray, county: bool) -> bool:
    """Whether every grid is connected (in a county, through its lead's unit): the warm start the
    exact model needs."""
    for g in range(len(anchor)):
        members = np.flatnonzero(label == g)
        if county and anchor[g] != home[g]:
            members = np.union1d(members, [home[g]])
        if len(members) > 1 and connected_components(adjacency[members][:, members], directed=False)[0] > 1:
            return False
    return True


def _in_band(pop: np.ndarray, label: np.ndarray, k: int, band: tuple[float, float]) -> bool:
    sizes = np.bincount(label, weights=pop, minlength=k)
    return bool((sizes >= band[0]).all() and (sizes <= band[1]).all())


def _quality(method: str, pop: np.ndarray, dist: np.ndarray, label: np.ndarray, k: int, target: float,
             result: exact.ExactResult | None, seconds: float) -> DistrictQuality:
    """The district's figures and bounds: the exact solver's, else the heuristic's own (access:
    every unit at its nearest lead, which no plan beats; balance: no bound)."""
    sizes = np.bincount(label, weights=pop, minlength=k)
    people = max(float(pop.sum()), 1.0)
    access = float((pop * dist[np.arange(len(label)), label]).sum())
    balance = float(sizes.max() / max(sizes.min(), 1.0))
    if result is not None:
        bound, balance_bound, proved = result.access_bound, result.balance_bound, result.proved
    else:
        bound = float((pop * dist.min(axis=1)).sum())
        balance_bound = 1.0 if k == 1 else math.nan
        proved = k == 1 or (access - bound <= 1e-6 * max(access, 1.0) and balance <= target)
    gap = 0.0 if proved or access <= 0 else max(0.0, 1 - bound / access)
    return DistrictQuality(method=method, grids=k, units=len(label), target=target, balance=balance,
                           balance_bound=balance_bound, access_km=access / people / 1000,
                           access_bound_km=bound / people / 1000, gap=gap, proved=bool(proved), seconds=seconds)


def _touches(adjacency, label: np.ndarray, unit: int, grid: int) -> bool:
    """Whether ``unit`` still has a neighbour in ``grid`` (neighbours move during a round)."""
    return bool((label[adjacency.indices[adjacency.indptr[unit]:adjacency.indptr[unit + 1]]] == grid).any())


def _stays_connected(adjacency, label: np.ndarray, removed: int, anchor: int) -> bool:
    """Whether the grid of ``removed`` stays connected without it.

    First a local test: the unit's neighbours in its grid are joined to each other within two
    steps of it (enough on lattice-like units, and cheap); else a breadth-first search of the grid.
    """
    g = label[removed]
    ind, ptr = adjacency.indices, adjacency.indptr
    ring = [int(v) for v in ind[ptr[removed]:ptr[removed + 1]] if label[v] == g]
    if len(ring) <= 1:
        return True
    near = set(ring)
    for v in ring:
        near.update(int(w) for w in ind[ptr[v]:ptr[v + 1]] if label[w] == g)
    near.discard(int(removed))
    if _reaches(ind, ptr, ring[0], set(ring), lambda w: w in near):
        return True
    target = set(np.flatnonzero(label == g).tolist()) - {int(removed)}
    return _reaches(ind, ptr, int(anchor) if int(anchor) in target else ring[0], target, lambda w: w in target)


def _reaches(ind, ptr, start: int, goals: set[int], allowed) -> bool:
    """Breadth-first from ``start`` over ``allowed`` units: are all ``goals`` reached?"""
    seen = {start}
    queue = deque([start])
    left = set(goals) - seen
    while queue and left:
        u = queue.popleft()
        for v in ind[ptr[u]:ptr[u + 1]]:
            v = int(v)
            if v not in seen and allowed(v):
                seen.add(v)
                left.discard(v)
                queue.append(v)
    return not left


def _lead_choice(world: World, district: str, units: np.ndarray, candidates: np.ndarray, start: np.ndarray, k: int,
                 *, band: tuple[float, float], target: float, seconds: float):
    """The exact model with the leads chosen among ``candidates`` (``k`` of them lead), from
    ``start`` (each unit's candidate). Returns the leading candidates (indices into
    ``candidates``), each unit's grid among them, the units x leads distances, the leads' units,
    and the solver's result. In a county a second hospital of a township reaches it through a
    neighbour."""
    dist = np.hypot(world.xy[units, None, 0] - world.lead_xy[None, candidates, 0],
                    world.xy[units, None, 1] - world.lead_xy[None, candidates, 1])
    local = {int(i): n for n, i in enumerate(units)}
    home = np.array([local.get(int(world.lead_unit[j]), int(np.argmin(dist[:, c]))) for c, j in enumerate(candidates)])
    rooted = np.ones(len(candidates), dtype=bool)
    if world.district_ring.get(district) == "county":
        rooted[:] = False
        rooted[np.unique(home, return_index=True)[1]] = True
    adjacency = world.adjacency[units][:, units].tocoo()
    pop = world.population[units]
    problem = exact.District(pop=pop, dist=dist, arcs=np.column_stack([adjacency.row, adjacency.col]), roots=home,
                             rooted=rooted, locked=np.full(len(units), -1), choose=k)
    in_band = band if _in_band(pop, np.searchsorted(np.unique(start), start), k, band) else None
    result = exact.solve(problem, start, target=target, band=in_band, seconds=seconds)
    active = np.unique(result.labels)
    return active, np.searchsorted(active, result.labels), dist[:, active], home[active], result


def free_lead_choice(world: World, plan: Plan, district: str, *, band: tuple[float, float], target: float,
               seconds: float) -> tuple[Plan, DistrictQuality]:
    """What the plan's leads cost: ``district`` solved exactly with the same number of grids but
    the leads chosen freely among every hospital that may lead there (balance first, then access,
    the plan's grids as the warm start). Locks are not kept (a lock ties a unit to a grid, and a
    grid to its lead). Returns the whole plan with that district's grids replaced, and its
    quality; the planner compares it with the district's quality under the plan's own leads."""
    began = time.perf_counter()
    units = world.units_of(district)
    mine = [g for g in plan.grids if g.district_code == district]
    candidates = world.leads_of(district)
    code_of = {str(world.lead_codes[j]): c for c, j in enumerate(candidates)}
    if not mine or any(g.lead_facility_code not in code_of for g in mine):
        names, gone = Labels(world), [g for g in mine if g.lead_facility_code not in code_of]
        raise InfeasiblePlanError(("G3",), district, "lead_gone", grids=[names.grid(g.grid_id, district) for g in gone],
                                  leads=[names.facility(g.lead_facility_code) for g in gone])
    index = {g.grid_id: code_of[g.lead_facility_code] for g in mine}
    start = np.array([index.get(plan.assignment.get(str(world.unit_codes[i]), ""), -1) for i in units])
    if (start < 0).any():  # units the plan leaves out: their nearest chosen lead (the solver repairs the rest)
        used = np.unique(start[start >= 0])
        near = np.hypot(world.xy[units[start < 0], None, 0] - world.lead_xy[None, candidates[used], 0],
                        world.xy[units[start < 0], None, 1] - world.lead_xy[None, candidates[used], 1])
        start[start < 0] = used[np.argmin(near, axis=1)]
    active, labels, dist, _, result = _lead_choice(world, district, units, candidates, start, len(mine), band=band,
                                                   target=target, seconds=seconds)
    grids = [Grid(mine[n].grid_id if n < len(mine) else grid_id(district, n + 1), district, str(world.lead_codes[candidates[c]]))
             for n, c in enumerate(active)]
    assignment = dict(plan.assignment)
    assignment.update({str(world.unit_codes[i]): grids[int(labels[n])].grid_id for n, i in enumerate(units)})
    new = Plan(assignment=assignment, grids=tuple([g for g in plan.grids if g.district_code != district] + grids),
               locked=frozenset(u for u in plan.locked if u not in {str(world.unit_codes[i]) for i in units}),
               name=plan.name, notes=plan.notes, pairings=plan.pairings)
    return new, _quality("exact", world.population[units], dist, labels, len(active), target, result,
                         time.perf_counter() - began)


def explain(world: World, proposal: GridProposal) -> list[dict[str, object]]:
    """Per unit: its grid and lead, the distance, its nearest chosen lead, and why (the reason
    codes ``explain.*`` of the catalogue, with both languages' text). A unit of a district no
    hospital may lead is listed too, in no grid, with that reason."""
    plan = proposal.plan
    grids = plan.grid_by_id
    lead_of = {str(c): j for j, c in enumerate(world.lead_codes)}
    chosen = sorted({lead_of[g.lead_facility_code] for g in plan.grids})
    rows = []
    for i, code in enumerate(world.unit_codes):
        grid = grids.get(plan.assignment.get(str(code), ""))
        if grid is None:
            rows.append({"unit_code": str(code), "grid_id": "", "lead_facility_code": "", "distance_km": math.nan,
                         "nearest_lead": "", "reason": "no_lead", "reason_zh": render("explain.no_lead", "zh"),
                         "reason_en": render("explain.no_lead", "en")})
            continue
        j = lead_of[grid.lead_facility_code]
        d = np.hypot(*(world.lead_xy[chosen] - world.xy[i]).T)
        nearest = chosen[int(np.argmin(d))]
        reason = proposal.reasons.get(str(code), "nearest")
        if reason == "nearest" and world.lead_district[nearest] != world.district[i]:
            reason = "district"
        rows.append({
            "unit_code": str(code), "grid_id": grid.grid_id, "lead_facility_code": grid.lead_facility_code,
            "distance_km": round(float(np.hypot(*(world.lead_xy[j] - world.xy[i]))) / 1000, 3),
            "nearest_lead": str(world.lead_codes[nearest]), "reason": reason,
            "reason_zh": render(f"explain.{reason}", "zh"), "reason_en": render(f"explain.{reason}", "en"),
        })
    return rows
