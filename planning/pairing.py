"""Pairing city hospitals with districts (regional alliances) under P1-P8 of RULES.md.

Formulation: a min-cost flow, solved exactly (OR-Tools ``SimpleMinCostFlow``)::

    source --(cap: hospital's P2 limit)--> hospital --(1, cost c_hd)--> district
    district --(slot 1: reward R1)--> sink, --(slot 2: reward R2[ring])--> sink, ... up to P1
    source --(free, cost 0)--> sink          (capacity need not be used)

``c_hd`` is the population-weighted distance (km) from the district's units to the hospital's
nearest campus, minus the planner-visible preference weights: a branch campus there (P5), an
existing partnership (P6), a remote suburb (P7). Rewards fall with each slot, so every district
gets a first partner before any gets a second (P7: every district at least one where feasible),
and a second slot is worth more in remote suburbs than in near suburbs than in central districts
(P7 tilt). Arcs exist only where P4 allows (a campus, existing or planned, or a recorded
partnership), or everywhere flagged "needs justification" when the planner allows it. Slot
rewards decrease, so the flow's optimum is the optimum of the stated objective (a separable
concave reward; checked against brute force and HiGHS in ``tests/test_pairing.py``).

TCM hospitals (P3) and specialty hospitals are not counted by P1/P2: they pair with every district
where P4 allows, flagged by kind. Fixed pairings are kept and use up their caps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from planning.config import PlanConfig
from planning.errors import InfeasiblePlanError
from planning.labels import Label, named
from planning.plan import PlanPairing
from planning.verdict import Place, Rule, Violation, violation
from texts import Text

SCALE = 1000  # costs in metres (integers for the flow)


@dataclass(frozen=True)
class Weights:
    """Preferences, in km of distance they are worth (shown to and set by the planner)."""

    branch_km: float = 10.0  # P5: the hospital has a branch campus in the district
    partnership_km: float = 15.0  # P6: an existing partnership
    remote_km: float = 5.0  # P7: the district is a remote suburb
    first_partner_km: float = 1000.0  # reward of a district's first partner (every district one)
    second_partner_km: Mapping[str, float] = field(default_factory=lambda: {
        "remote_suburb": 120.0, "county": 120.0, "near_suburb": 90.0, "central": 60.0})


@dataclass(frozen=True)
class Hospital:
    """A city-level hospital and its campuses (district, role, position in metres)."""

    code: str
    name: str
    subkind: str  # general | tcm | specialty
    campuses: tuple[tuple[str, str, float, float], ...]  # (district, role, x, y)
    counted: bool | None = None  # counted by P1/P2; None: general hospitals only (P3 exempts TCM)

    @property
    def home(self) -> str:
        mains = [d for d, role, _, _ in self.campuses if role == "main"]
        return mains[0] if mains else self.campuses[0][0]

    def campus_roles(self, district: str) -> set[str]:
        return {role for d, role, _, _ in self.campuses if d == district}

    @property
    def capped(self) -> bool:
        """Counted by the caps P1 and P2: general hospitals, and TCM ones unless exempt (P3)."""
        return self.subkind == "general" if self.counted is None else self.counted


@dataclass(frozen=True)
class Pairing:
    hospital_code: str
    district_code: str
    role: str  # technical_support | main_support (P5) | tcm | specialty
    fixed: bool
    reasons: tuple[Text, ...]  # reason codes (``reason.*``), rendered at the edge
    cost_km: float
    needs_justification: bool = False


@dataclass(frozen=True)
class PairingResult:
    pairings: tuple[Pairing, ...]
    objective: float  # km, lower is better (rewards negative)
    dropped: tuple[tuple[str, str, Text], ...]  # partnerships not kept: (hospital, district, why)
    unpaired: tuple[tuple[str, Text], ...]  # districts without a general partner: (district, why)


@dataclass(frozen=True)
class PairingProblem:
    """Everything a pairing is solved from: hospitals, districts, costs and caps."""

    hospitals: tuple[Hospital, ...]
    districts: tuple[str, ...]
    ring: Mapping[str, str]
    access_km: np.ndarray  # hospitals x districts: population-weighted distance to the nearest campus
    partnerships: frozenset[tuple[str, str]]
    district_cap: Mapping[str, int]
    hospital_cap: Mapping[str, int]
    allow_unjustified: bool = False
    weights: Weights = Weights()
    fixed: frozenset[tuple[str, str]] = frozenset()
    remote: frozenset[str] | None = None  # P7 set chosen by the planner (None: by ring)
    district_names: Mapping[str, str] = field(default_factory=dict)

    def name(self, district: str) -> str:
        return self.district_names.get(district, district)

    def district_label(self, district: str) -> Label:
        """青浦区（310118）: the district by name, then code, for messages (``planning.labels``)."""
        return named(self.district_names.get(district, ""), district)

    def hospital_label(self, code: str) -> Label:
        """瑞金医院（H01）: the hospital by name, then code (the code alone when it has no name)."""
        return named(next((h.name for h in self.hospitals if h.code == code), ""), code)

    def eligible(self, h: Hospital, d: str) -> bool:
        """P4: a campus (existing or planned) in the district, or a recorded partnership."""
        return bool(h.campus_roles(d)) or (h.code, d) in self.partnerships

    def cost(self, i: int, j: int) -> float:
        """Distance minus the preference weights (km)."""
        h, d = self.hospitals[i], self.districts[j]
        w = self.weights
        c = float(self.access_km[i, j])
        if "branch" in h.campus_roles(d) or "planned" in h.campus_roles(d):
            c -= w.branch_km
        if (h.code, d) in self.partnerships:
            c -= w.partnership_km
        if _remote(self, d):
            c -= w.remote_km
        return c

    def slot_reward(self, d: str, slot: int) -> float:
        w = self.weights
        return w.first_partner_km if slot == 0 else w.second_partner_km.get(self.ring.get(d, "central"), 60.0) / slot

    def with_caps(self, *, district: Mapping[str, int] | None = None, hospital: Mapping[str, int] | None = None):
        return replace(self, district_cap={**self.district_cap, **(district or {})},
                       hospital_cap={**self.hospital_cap, **(hospital or {})})


def _remote(problem: PairingProblem, district: str) -> bool:
    """P7: the planner's remote-suburb set, else the districts whose ring says so."""
    if problem.remote is not None:
        return district in problem.remote
    return problem.ring.get(district) in ("remote_suburb", "county")


def build_problem(world, facilities: pd.DataFrame, partnerships: pd.DataFrame, config: PlanConfig, *,
                  weights: Weights | None = None, fixed: Iterable[tuple[str, str]] = ()) -> PairingProblem:
    """The pairing problem of a data package (``world`` from ``planning.world.build_world``).

    The preference weights come from the config (``pairing_*_km``) unless given."""
    weights = weights or Weights(branch_km=config.pairing_branch_km, partnership_km=config.pairing_partnership_km,
                                 remote_km=config.pairing_remote_km)
    import geopandas as gpd

    city = facilities[facilities["kind"] == "city_hospital"]
    pts = gpd.GeoSeries(city.geometry.values, crs=4326).to_crs(world.crs)
    hospitals = []
    for code, idx in city.groupby("hospital_code", sort=True).groups.items():
        rows = city.loc[idx]
        campuses = tuple((str(r.district_code), str(r.campus_role or "main"), float(p.x), float(p.y))
                         for r, p in zip(rows.itertuples(), pts[np.flatnonzero(city.index.isin(idx))]))
        name = str(rows["name"].iloc[0]).split("（")[0]
        subkind = str(rows["subkind"].iloc[0] or "general")
        hospitals.append(Hospital(str(code), name, subkind, campuses,
                                  counted=subkind == "general" or (subkind == "tcm" and not config.tcm_exempt)))
    districts = tuple(world.districts)
    access = np.zeros((len(hospitals), len(districts)))
    for j, d in enumerate(districts):
        units = world.units_of(d)
        pop = world.population[units]
        for i, h in enumerate(hospitals):
            xy = np.array([(x, y) for _, _, x, y in h.campuses])
            dist = np.hypot(world.xy[units, None, 0] - xy[None, :, 0], world.xy[units, None, 1] - xy[None, :, 1]).min(axis=1)
            access[i, j] = float((dist * pop).sum() / pop.sum()) / 1000 if pop.sum() > 0 else float(dist.mean()) / 1000
    pairs = frozenset(zip(partnerships["hospital_code"].astype(str), partnerships["district_code"].astype(str))) \
        if len(partnerships) else frozenset()
    return PairingProblem(
        hospitals=tuple(hospitals), districts=districts, ring=dict(world.district_ring), access_km=access,
        partnerships=pairs,
        district_cap={d: config.district_cap_overrides[d].limit if d in config.district_cap_overrides else config.district_cap
                      for d in districts},
        hospital_cap={h.code: config.hospital_cap_overrides[h.code].limit if h.code in config.hospital_cap_overrides
                      else config.hospital_cap for h in hospitals},
        allow_unjustified=config.allow_unjustified_pairings, weights=weights, fixed=frozenset(fixed),
        remote=frozenset(config.remote_suburbs) if config.remote_suburbs is not None else None,
        district_names=dict(world.district_names),
    )


def solve_general(problem: PairingProblem) -> tuple[set[tuple[int, int]], float]:
    """The optimal set of (hospital, district) index pairs for general hospitals, and its objective."""
    hs = [i for i, h in enumerate(problem.hospitals) if h.capped]
    n_h, n_d = len(problem.hospitals), len(problem.districts)
    row = {h.code: i for i, h in enumerate(problem.hospitals) if h.capped}
    col = {d: j for j, d in enumerate(problem.districts)}
    fixed = {(row[h], col[d]) for h, d in problem.fixed if h in row and d in col}
    used_h = {i: sum(1 for a, _ in fixed if a == i) for i in hs}
    used_d = {j: sum(1 for _, b in fixed if b == j) for j in range(n_d)}
    for i, n in used_h.items():
        code, cap = problem.hospitals[i].code, problem.hospital_cap[problem.hospitals[i].code]
        if n > cap:
            raise InfeasiblePlanError(("P2",), code, "fixed_hospital_cap", hospital=problem.hospital_label(code), n=n, cap=cap)
    for j, n in used_d.items():
        d, cap = problem.districts[j], problem.district_cap[problem.districts[j]]
        if n > cap:
            raise InfeasiblePlanError(("P1",), d, "fixed_district_cap", district=problem.district_label(d), n=n, cap=cap)
    source, sink = n_h + n_d, n_h + n_d + 1
    tails, heads, caps, costs = [], [], [], []

    def arc(t, h, cap, cost):
        tails.append(t), heads.append(h), caps.append(cap), costs.append(int(round(cost * SCALE)))

    eligible, cost = _matrices(problem)
    allowed = eligible | problem.allow_unjustified
    mask = np.zeros_like(allowed)
    mask[hs] = allowed[hs]
    for i, j in fixed:
        mask[i, j] = False
    # a cap above what the data can use changes nothing: a hospital sends at most one unit of flow
    # per district it may pair, a district takes at most one per hospital that may pair it. Cut to
    # that, the arcs and the supply grow with the data, never with a cap (issue 16).
    reach_h, reach_d = mask.sum(axis=1), mask.sum(axis=0)
    supply = 0
    for i in hs:
        left = max(0, min(problem.hospital_cap[problem.hospitals[i].code] - used_h[i], int(reach_h[i])))
        supply += left
        arc(source, i, left, 0)
    ii, jj = np.nonzero(mask)
    tails.extend(ii.tolist())
    heads.extend((n_h + jj).tolist())
    caps.extend([1] * len(ii))
    costs.extend(np.round(cost[ii, jj] * SCALE).astype(np.int64).tolist())
    for j, d in enumerate(problem.districts):
        for slot in range(used_d[j], min(problem.district_cap[d], used_d[j] + int(reach_d[j]))):
            arc(n_h + j, sink, 1, -problem.slot_reward(d, slot))
    arc(source, sink, supply, 0)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads), np.array(caps), np.array(costs))
    smcf.set_node_supply(source, supply)
    smcf.set_node_supply(sink, -supply)
    if smcf.solve() != smcf.OPTIMAL:
        raise RuntimeError("pairing flow not optimal")  # cannot happen: the source-sink arc is always feasible
    flow = smcf.flows(np.arange(smcf.num_arcs()))  # arcs are numbered in the order they were added
    t, h = np.array(tails), np.array(heads)
    used = (flow > 0) & (t < n_h) & (h >= n_h) & (h < n_h + n_d)
    chosen = set(fixed) | {(int(a), int(b) - n_h) for a, b in zip(t[used], h[used])}
    return chosen, objective(problem, chosen)


def _matrices(problem: PairingProblem) -> tuple[np.ndarray, np.ndarray]:
    """P4 eligibility and preference-weighted cost of every (hospital, district), at once."""
    col = {d: j for j, d in enumerate(problem.districts)}
    n_h, n_d = len(problem.hospitals), len(problem.districts)
    eligible = np.zeros((n_h, n_d), dtype=bool)
    branch = np.zeros((n_h, n_d), dtype=bool)
    partner = np.zeros((n_h, n_d), dtype=bool)
    row = {h.code: i for i, h in enumerate(problem.hospitals)}
    for i, h in enumerate(problem.hospitals):
        for d, role, _, _ in h.campuses:
            if d in col:
                eligible[i, col[d]] = True
                branch[i, col[d]] |= role in ("branch", "planned")
    for code, d in problem.partnerships:
        if code in row and d in col:
            eligible[row[code], col[d]] = partner[row[code], col[d]] = True
    remote = np.array([_remote(problem, d) for d in problem.districts])
    w = problem.weights
    cost = problem.access_km - w.branch_km * branch - w.partnership_km * partner - w.remote_km * remote[None, :]
    return eligible, cost


def objective(problem: PairingProblem, chosen: Iterable[tuple[int, int]]) -> float:
    """Sum of pairing costs minus the slot rewards of each district's partners (km)."""
    chosen = list(chosen)
    total = sum(problem.cost(i, j) for i, j in chosen)
    for j, d in enumerate(problem.districts):
        k = sum(1 for _, b in chosen if b == j)
        total -= sum(problem.slot_reward(d, s) for s in range(k))
    return total


def solve(problem: PairingProblem) -> PairingResult:
    """Pairings of every city hospital: general ones optimally under P1/P2, TCM and specialty
    ones (P3) wherever P4 allows; with reasons, dropped partnerships and unpaired districts."""
    chosen, value = solve_general(problem)
    pairings = []
    for i, j in sorted(chosen):
        pairings.append(_pairing(problem, i, j, problem.hospitals[i].subkind))
    for i, h in enumerate(problem.hospitals):
        if h.capped:
            continue
        for j, d in enumerate(problem.districts):
            if problem.eligible(h, d) or (h.code, d) in problem.fixed:
                pairings.append(_pairing(problem, i, j, h.subkind))
    kept = {(problem.hospitals[i].code, problem.districts[j]) for i, j in chosen}
    dropped = []
    for code, d in sorted(problem.partnerships):
        h = next((x for x in problem.hospitals if x.code == code), None)
        if h is None or not h.capped or (code, d) in kept or d not in problem.districts:
            continue
        n_h = sum(1 for c, _ in kept if c == code)
        n_d = sum(1 for _, x in kept if x == d)
        if n_h >= problem.hospital_cap[code]:
            why = Text("pairing.dropped.hospital_cap", {"hospital": problem.hospital_label(code), "n": n_h,
                                                        "cap": problem.hospital_cap[code]})
        elif n_d >= problem.district_cap[d]:
            why = Text("pairing.dropped.district_cap", {"district": problem.district_label(d), "n": n_d,
                                                        "cap": problem.district_cap[d]})
        else:
            why = Text("pairing.dropped.preferred")
        dropped.append((code, d, why))
    unpaired = []
    for j, d in enumerate(problem.districts):
        if any(b == j for _, b in chosen):
            continue
        eligible = [named(h.name, h.code) for h in problem.hospitals if h.capped and problem.eligible(h, d)]
        why = Text("pairing.unpaired.at_cap", {"hospitals": eligible}) if eligible else Text("pairing.unpaired.none_eligible")
        unpaired.append((d, why))
    return PairingResult(tuple(pairings), value, tuple(dropped), tuple(unpaired))


def _pairing(problem: PairingProblem, i: int, j: int, kind: str) -> Pairing:
    h, d = problem.hospitals[i], problem.districts[j]
    roles = h.campus_roles(d)
    reasons = [Text("reason.distance", {"km": float(problem.access_km[i, j])})]
    if d == h.home:
        reasons.append(Text("reason.home"))
    if "branch" in roles or "planned" in roles:
        reasons.append(Text("reason.branch_planned" if "planned" in roles else "reason.branch"))
    if (h.code, d) in problem.partnerships:
        reasons.append(Text("reason.partnership"))
    if _remote(problem, d):
        reasons.append(Text("reason.remote"))
    role = {"tcm": "tcm", "specialty": "specialty"}.get(kind, "technical_support")
    if kind == "general" and "branch" in roles and problem.ring.get(d) != "central" and d != h.home:
        role = "main_support"  # P5: a stably running suburban branch makes it the main support unit
    return Pairing(h.code, d, role, (h.code, d) in problem.fixed, tuple(reasons),
                   round(problem.cost(i, j), 3), needs_justification=not problem.eligible(h, d))


def pairings_of(problem: PairingProblem, planned: Iterable[PlanPairing]) -> list[Pairing]:
    """A plan's pairings with their reasons and costs, for the P rules; pairings of a hospital or
    district the problem does not know are left out (the data changed under the plan)."""
    row = {h.code: i for i, h in enumerate(problem.hospitals)}
    col = {d: j for j, d in enumerate(problem.districts)}
    return [replace(_pairing(problem, row[p.hospital_code], col[p.district_code], problem.hospitals[row[p.hospital_code]].subkind),
                    role=p.role, fixed=p.fixed)
            for p in planned if p.hospital_code in row and p.district_code in col]


def planned_pairings(result: PairingResult) -> tuple[PlanPairing, ...]:
    """What a plan keeps of a pairing result: who, where, the role and whether it is fixed."""
    return tuple(PlanPairing(p.hospital_code, p.district_code, p.role, p.fixed) for p in result.pairings)


def binding_caps(problem: PairingProblem) -> list[dict[str, object]]:
    """Each cap that binds, and what relaxing it by one would gain (objective, km)."""
    chosen, base = solve_general(problem)
    out = []
    for i, h in enumerate(problem.hospitals):
        if h.capped and sum(1 for a, _ in chosen if a == i) >= problem.hospital_cap[h.code]:
            _, relaxed = solve_general(problem.with_caps(hospital={h.code: problem.hospital_cap[h.code] + 1}))
            out.append({"rule": "P2", "place": h.code, "cap": problem.hospital_cap[h.code],
                        "gain_km": round(base - relaxed, 3)})
    for j, d in enumerate(problem.districts):
        if sum(1 for _, b in chosen if b == j) >= problem.district_cap[d]:
            _, relaxed = solve_general(problem.with_caps(district={d: problem.district_cap[d] + 1}))
            out.append({"rule": "P1", "place": d, "cap": problem.district_cap[d], "gain_km": round(base - relaxed, 3)})
    return out


def what_if(problem: PairingProblem, *, district: Mapping[str, int] | None = None,
            hospital: Mapping[str, int] | None = None) -> dict[str, object]:
    """Re-solve with changed caps; the pairings added and removed and the change of objective."""
    before, b = solve_general(problem)
    changed = problem.with_caps(district=district, hospital=hospital)
    after, a = solve_general(changed)
    name = lambda pairs: sorted((problem.hospitals[i].code, problem.districts[j]) for i, j in pairs)  # noqa: E731
    return {"added": name(after - before), "removed": name(before - after), "objective_change_km": round(a - b, 3)}


def milp_objective(problem: PairingProblem) -> float:
    """The general pairings' optimum as a MILP solved by HiGHS (scipy ``milp``): x_hd in {0,1}
    pairs, s_dk in {0,1} slots. An independent exact solver, to check the flow's optimum against
    (``tests/test_pairing.py``, ``bench/pairing.py``)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    p = problem
    hs = [i for i, h in enumerate(p.hospitals) if h.capped]
    pairs = [(i, j) for i in hs for j, d in enumerate(p.districts) if p.eligible(p.hospitals[i], d) or p.allow_unjustified]
    slots = [(j, k) for j, d in enumerate(p.districts) for k in range(min(p.district_cap[d], len(hs)))]
    c = np.array([p.cost(i, j) for i, j in pairs] + [-p.slot_reward(p.districts[j], k) for j, k in slots])
    a = lil_matrix((len(hs) + len(p.districts), len(c)))
    row_of = {i: r for r, i in enumerate(hs)}
    for col, (i, j) in enumerate(pairs):
        a[row_of[i], col] = 1
        a[len(hs) + j, col] = 1
    for col, (j, _) in enumerate(slots):
        a[len(hs) + j, len(pairs) + col] = -1
    lo = np.zeros(a.shape[0])
    hi = np.array([min(p.hospital_cap[p.hospitals[i].code], len(p.districts)) for i in hs] + [0] * len(p.districts), dtype=float)
    res = milp(c, constraints=LinearConstraint(a.tocsr(), lo, hi), integrality=np.ones(len(c)), bounds=Bounds(0, 1))
    return float(res.fun)


def brute_force(problem: PairingProblem) -> float:
    """The best objective over every subset of allowed general pairs within the caps (small cases)."""
    hs = [i for i, h in enumerate(problem.hospitals) if h.capped]
    pairs = [(i, j) for i in hs for j, d in enumerate(problem.districts)
             if problem.eligible(problem.hospitals[i], d) or problem.allow_unjustified]
    best = math.inf
    for mask in range(1 << len(pairs)):
        chosen = [pairs[b] for b in range(len(pairs)) if mask >> b & 1]
        if any(sum(1 for a, _ in chosen if a == i) > problem.hospital_cap[problem.hospitals[i].code] for i in hs):
            continue
        if any(sum(1 for _, b in chosen if b == j) > problem.district_cap[d] for j, d in enumerate(problem.districts)):
            continue
        best = min(best, objective(problem, chosen))
    return best


# --- rules P1-P8 as functions of a pairing ------------------------------------------------------

def _general(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Pairing]:
    capped = {h.code for h in problem.hospitals if h.capped}
    return [p for p in pairings if p.hospital_code in capped]


def _pair_place(problem: PairingProblem, hospital: str, district: str) -> Place:
    return Place(districts=(district,), facilities=(hospital,))


def district_cap_rule(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
    """P1: at most the cap of city general hospitals per district (TCM and specialty not counted, P3)."""
    out = []
    for d in problem.districts:
        partners = sorted(p.hospital_code for p in _general(problem, pairings) if p.district_code == d)
        cap = problem.district_cap[d]
        if len(partners) > cap:
            out.append(violation("P1", "P1.over_cap", fix="P1.over_cap", district=problem.district_label(d),
                                 n=len(partners), hospitals=[problem.hospital_label(h) for h in partners], cap=cap, place=Place(districts=(d,), facilities=tuple(partners)),
                                 figures={"partners": len(partners), "cap": cap}))
    return out


def hospital_cap_rule(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
    """P2: a city general hospital serves at most the cap of districts, its home district included."""
    out = []
    for h in problem.hospitals:
        if not h.capped:
            continue
        served = sorted(p.district_code for p in pairings if p.hospital_code == h.code)
        cap = problem.hospital_cap[h.code]
        if len(served) > cap:
            out.append(violation("P2", "P2.over_cap", fix="P2.over_cap", hospital=named(h.name, h.code), name=h.name,
                                 n=len(served), districts=[problem.district_label(d) for d in served], cap=cap,
                                 place=Place(districts=tuple(served), facilities=(h.code,)),
                                 figures={"districts": len(served), "cap": cap}))
    return out


def eligibility_rule(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
    """P4: a pairing needs a campus (existing or planned) or a recorded partnership; else justification."""
    by_code = {h.code: h for h in problem.hospitals}
    return [violation("P4", "P4.no_basis", fix="P4.no_basis", severity="warning",
                      hospital=problem.hospital_label(p.hospital_code), district=problem.district_label(p.district_code), place=_pair_place(problem, p.hospital_code, p.district_code))
            for p in pairings if not problem.eligible(by_code[p.hospital_code], p.district_code)]


def partnership_rule(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
    """P6: existing partnerships are kept; one that is not is shown with the change, never dropped silently."""
    kept = {(p.hospital_code, p.district_code) for p in pairings}
    return [violation("P6", "P6.not_kept", fix="P6.not_kept", severity="warning", hospital=problem.hospital_label(h),
                      district=problem.district_label(d), place=_pair_place(problem, h, d))
            for h, d in sorted(problem.partnerships) if (h, d) not in kept and d in problem.districts
            and any(x.code == h and x.capped for x in problem.hospitals)]


def remote_priority_rule(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
    """P7: no remote suburb with fewer general partners than a central district while an eligible
    hospital still has capacity for it."""
    general = _general(problem, pairings)
    count = {d: sum(1 for p in general if p.district_code == d) for d in problem.districts}
    served = {h.code: sum(1 for p in general if p.hospital_code == h.code) for h in problem.hospitals}
    central_max = max((count[d] for d in problem.districts if problem.ring.get(d) == "central"), default=0)
    out = []
    for d in problem.districts:
        if not _remote(problem, d) or count[d] >= central_max:
            continue
        spare = [h.code for h in problem.hospitals if h.capped and problem.eligible(h, d)
                 and served[h.code] < problem.hospital_cap[h.code]
                 and not any(p.hospital_code == h.code and p.district_code == d for p in general)]
        if spare and count[d] < problem.district_cap[d]:
            out.append(violation("P7", "P7.fewer_partners", fix="P7.fewer_partners", district=problem.district_label(d),
                                 n=count[d], central=central_max, spare=[problem.hospital_label(h) for h in spare],
                                 place=Place(districts=(d,), facilities=tuple(spare)),
                                 figures={"partners": count[d], "central_max": central_max}))
    return out


def staffing_rule(staffing: Mapping[tuple[str, str], tuple[int, int]]):
    """P8: a trusteeship seconds at least 2 managers and 5 resident experts (when recorded)."""

    def check(problem: PairingProblem, pairings: Iterable[Pairing]) -> list[Violation]:
        out = []
        for p in pairings:
            if (p.hospital_code, p.district_code) in staffing:
                managers, experts = staffing[(p.hospital_code, p.district_code)]
                if managers < 2 or experts < 5:
                    out.append(violation("P8", "P8.below_floor", fix="P8.below_floor",
                                         hospital=problem.hospital_label(p.hospital_code),
                                         district=problem.district_label(p.district_code), managers=managers, experts=experts,
                                         place=_pair_place(problem, p.hospital_code, p.district_code),
                                         figures={"managers": managers, "experts": experts}))
        return out

    return check


def pairing_rules(staffing: Mapping[tuple[str, str], tuple[int, int]] | None = None) -> tuple[Rule, ...]:
    """The P rules (P3, the TCM exemption, is how P1 and P2 count; P5 is a preference of the
    solver, explained in each pairing's reasons)."""
    return (Rule("P1", "rule_title.P1", "SH-2025 二(一)2", district_cap_rule),
            Rule("P2", "rule_title.P2", "SH-2025 二(一)2", hospital_cap_rule),
            Rule("P4", "rule_title.P4", "SH-2025 二(一)2", eligibility_rule),
            Rule("P6", "rule_title.P6", "SH-2017 四(一)", partnership_rule),
            Rule("P7", "rule_title.P7", "SH-2025 二(二)2", remote_priority_rule),
            Rule("P8", "rule_title.P8", "SH-2025 二(一)1", staffing_rule(staffing or {})))


def staffing_of(partnerships: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int]]:
    """P8 figures recorded for trusteeships: (hospital, district) -> (managers, experts)."""
    if not len(partnerships) or "managers" not in partnerships:
        return {}
    out = {}
    for row in partnerships.itertuples():
        if pd.notna(row.managers) or pd.notna(row.experts):
            out[(str(row.hospital_code), str(row.district_code))] = (
                int(row.managers) if pd.notna(row.managers) else 0, int(row.experts) if pd.notna(row.experts) else 0)
    return out
