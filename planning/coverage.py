"""Access and coverage: who is too far from care, who is near but unserved, where to add care.

Distances are straight lines in the data's UTM zone times the planner's detour factor, found with
a k-d tree (scipy ``cKDTree``). Each tier has its own threshold (config ``*_threshold_km``).

Capacity (like AccessMod and PlanWise): a primary-care facility with ``G`` general practitioners
serves ``G / 4.5 * 10,000`` residents, at the indicator target of 4.5 GPs per 10,000 residents
(LW-14); without a GP count its physicians stand in. A blank count is unknown, never zero: it is
estimated as the median of the same kind of facility in the package (``capacity_source`` says
"median"), and when no facility of that kind has staffing recorded, it stays unknown. Residents
within reach are sent to facilities within reach by a min-cost flow (nearest first, facilities
of unknown capacity last); what reaches a facility of unknown capacity is "within reach,
capacity unknown", what the flow cannot place is "within reach but unserved". So, per unit:
served + unserved + unknown + not covered = population; ``served_estimated`` is the part of
served that rests on an estimated capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from planning.config import PlanConfig

TIERS = {
    # tier: (facility kinds, config threshold of each kind: ``<name>_km``, or ``<name>_min`` on roads)
    "primary": (("chc", "thc"), {"chc": "chc_threshold", "thc": "thc_threshold"}),
    "village": (("village_clinic",), {"village_clinic": "village_threshold"}),
    "hospital": (("district_hospital", "county_hospital"), {"district_hospital": "hospital_threshold",
                                                             "county_hospital": "hospital_threshold"}),
    "city": (("city_hospital",), {"city_hospital": "hospital_threshold"}),
}


def threshold(config: PlanConfig, tier: str, kind: str, *, minutes: bool = False) -> float:
    """A site's reach by its kind (km, or minutes on a road network): a CHC's 15-minute circle
    (1.5 km), a THC's wider rural reach (5 km), and so on (config ``*_threshold_km|min``)."""
    return float(getattr(config, f"{TIERS[tier][1][kind]}_{'min' if minutes else 'km'}"))
GPS_PER_10000 = 4.5  # LW-14
RING_WEIGHT = {"remote_suburb": 2.0, "county": 2.0, "near_suburb": 1.5, "central": 1.0}


@dataclass(frozen=True)
class Facilities:
    """Facility points in the world's metric CRS, with kind, district and physicians."""

    codes: np.ndarray
    kinds: np.ndarray
    district: np.ndarray
    xy: np.ndarray
    clinicians: np.ndarray  # general practitioners, else physicians; the median of the kind when blank; NaN: unknown
    capacity_source: np.ndarray  # recorded | median | unknown

    @classmethod
    def from_frame(cls, facilities, crs) -> Facilities:
        import geopandas as gpd

        pts = gpd.GeoSeries(facilities.geometry.values, crs=4326).to_crs(crs)
        recorded = pd.to_numeric(facilities["gps"], errors="coerce").fillna(
            pd.to_numeric(facilities["physicians"], errors="coerce"))
        median = recorded.groupby(facilities["kind"]).transform("median")  # NaN when the kind has none recorded
        source = np.where(recorded.notna(), "recorded", np.where(median.notna(), "median", "unknown"))
        return cls(facilities["facility_code"].to_numpy(dtype=str), facilities["kind"].to_numpy(dtype=str),
                   facilities["district_code"].to_numpy(dtype=str), np.column_stack([pts.x, pts.y]),
                   recorded.fillna(median).to_numpy(dtype=float), source)

    def staffing_gaps(self, kinds: tuple[str, ...] = ("chc", "thc")) -> pd.DataFrame:
        """The facilities of ``kinds`` with no staffing recorded, and what stands in for it."""
        rows = np.flatnonzero(np.isin(self.kinds, kinds) & (self.capacity_source != "recorded"))
        return pd.DataFrame({"facility_code": self.codes[rows], "kind": self.kinds[rows], "district_code": self.district[rows],
                             "capacity_source": self.capacity_source[rows], "clinicians": self.clinicians[rows]})

    def of(self, kinds: tuple[str, ...]) -> np.ndarray:
        return np.flatnonzero(np.isin(self.kinds, kinds))


def nearest(points: np.ndarray, sites: np.ndarray, *, detour: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km, times ``detour``) from each point to its nearest site, and that site's index."""
    if len(sites) == 0:
        return np.full(len(points), np.inf), np.full(len(points), -1)
    dist, idx = cKDTree(sites).query(points, k=1)
    return dist / 1000 * detour, idx


@dataclass(frozen=True)
class Demand:
    """Where residents are: points (metres) with their population and the unit each lies in."""

    xy: np.ndarray
    population: np.ndarray
    unit: np.ndarray  # index into the world's units

    @classmethod
    def of_units(cls, world) -> Demand:
        """One point per unit (its representative point) carrying the unit's population."""
        return cls(world.xy, world.population, np.arange(world.n))

    @classmethod
    def of_points(cls, world, units, points) -> Demand:
        """Population points (or cells) inside the units, scaled so that each unit's points add up
        to its population; a unit without points keeps its representative point."""
        import geopandas as gpd

        index = world.index_of()
        joined = gpd.sjoin(points[["population", "geometry"]], units[["unit_code", "geometry"]], how="inner",
                           predicate="within")
        unit = joined["unit_code"].map(index).to_numpy(dtype=int)
        metric = joined.geometry.to_crs(world.crs)
        xy = np.column_stack([metric.x, metric.y])
        pop = joined["population"].to_numpy(dtype=float)
        sums = np.bincount(unit, weights=pop, minlength=world.n)
        scale = np.divide(world.population, sums, out=np.zeros(world.n), where=sums > 0)
        pop = pop * scale[unit]
        alone = np.flatnonzero(sums <= 0)
        return cls(np.vstack([xy, world.xy[alone]]), np.concatenate([pop, world.population[alone]]),
                   np.concatenate([unit, alone]))


def _per_unit(world, demand: Demand, values: np.ndarray) -> np.ndarray:
    return np.bincount(demand.unit, weights=values, minlength=world.n)


def access(world, facilities: Facilities, config: PlanConfig, network=None, demand: Demand | None = None) -> pd.DataFrame:
    """Per unit: the distance to the nearest facility of each tier, and how many of its residents
    are within reach (``{tier}_covered_pop``; ``{tier}_covered`` when most are).

    Distances are measured from the ``demand`` points (population points or cells; by default one
    point per unit) and averaged over each unit's residents. With a road ``network``
    (``planning.roads``) each tier also gets travel minutes, and coverage is decided by the minute
    thresholds (``*_threshold_min``) instead of the km ones."""
    from planning.roads import minutes_to_nearest

    demand = demand or Demand.of_units(world)
    people = _per_unit(world, demand, demand.population)
    weights = np.where(people[demand.unit] > 0, demand.population, 1.0)
    count = _per_unit(world, demand, weights)
    out = pd.DataFrame({"unit_code": world.unit_codes, "district_code": world.district,
                        "population": world.population})
    for tier, (kinds, _) in TIERS.items():
        sites = facilities.of(kinds)
        dist, idx = nearest(demand.xy, facilities.xy[sites], detour=config.detour_factor)
        mean = np.divide(_per_unit(world, demand, weights * dist), count, out=np.full(world.n, np.inf), where=count > 0)
        out[f"{tier}_km"] = np.round(mean, 3)
        near_unit = nearest(world.xy, facilities.xy[sites])[1]
        out[f"{tier}_nearest"] = facilities.codes[sites][near_unit] if len(sites) else ""
        # within reach of some site at that site's own threshold (a THC reaches further than a CHC)
        within = np.zeros(len(demand.xy), dtype=bool)
        typical = np.zeros(world.n, dtype=bool)
        if network is not None:
            minutes, _ = minutes_to_nearest(network, demand.xy, facilities.xy[sites], walk_kmh=config.walk_kmh)
            mean_min = np.divide(_per_unit(world, demand, weights * minutes), count, out=np.full(world.n, np.inf),
                                 where=count > 0)
            out[f"{tier}_min"] = np.round(mean_min, 2)
        for kind in kinds:
            some = facilities.of((kind,))
            if not len(some):
                continue
            limit = threshold(config, tier, kind, minutes=network is not None)
            if network is None:
                d = nearest(demand.xy, facilities.xy[some], detour=config.detour_factor)[0]
            else:
                d = minutes_to_nearest(network, demand.xy, facilities.xy[some], walk_kmh=config.walk_kmh)[0]
            mean_kind = np.divide(_per_unit(world, demand, weights * d), count, out=np.full(world.n, np.inf),
                                  where=count > 0)
            within |= d <= limit
            typical |= mean_kind <= limit
        out[f"{tier}_covered_pop"] = _per_unit(world, demand, demand.population * within)
        # a unit counts as covered when most of its residents are (an empty unit: by its distance)
        out[f"{tier}_covered"] = np.where(world.population > 0, out[f"{tier}_covered_pop"] >= 0.5 * world.population,
                                          typical)
    return out


def served(world, facilities: Facilities, config: PlanConfig, *, gps_per_10000: float = GPS_PER_10000,
           demand: Demand | None = None, network=None) -> pd.DataFrame:
    """Per unit: primary-care residents served, within reach but unserved, and not covered.

    Reach is each site's threshold by its kind (a CHC's, a THC's): straight-line km times the
    detour factor, or minutes on the road ``network`` when given."""
    from planning.roads import reachable

    demand = demand or Demand.of_units(world)
    sites = facilities.of(TIERS["primary"][0])
    pop = np.round(demand.population).astype(np.int64)
    unknown = np.isnan(facilities.clinicians[sites])
    estimated = facilities.capacity_source[sites] == "median"
    # a site of unknown capacity takes whoever no site of known capacity can: they are counted apart
    capacity = np.where(unknown, int(pop.sum()), np.floor(np.nan_to_num(facilities.clinicians[sites]) / gps_per_10000
                                                           * 10_000)).astype(np.int64)
    if not len(sites):
        pairs = []
    elif network is None:
        radius = np.array([threshold(config, "primary", k) for k in facilities.kinds[sites]]) / config.detour_factor * 1000
        pairs = cKDTree(demand.xy).query_ball_point(facilities.xy[sites], r=radius)
    else:
        limits = np.array([threshold(config, "primary", k, minutes=True) for k in facilities.kinds[sites]])
        pairs = [None] * len(sites)
        for limit in np.unique(limits):
            group = np.flatnonzero(limits == limit)
            for j, points in zip(group, reachable(network, demand.xy, facilities.xy[sites[group]], float(limit),
                                                  walk_kmh=config.walk_kmh)):
                pairs[j] = points
    tails, heads, caps, costs = [], [], [], []
    n, m = len(demand.xy), len(sites)
    for j, points in enumerate(pairs):
        for i in points:
            tails.append(i)
            heads.append(n + j)
            caps.append(int(pop[i]))
            # metres; a site of unknown capacity only after every site of known capacity (+ 10^7)
            costs.append(int(np.hypot(*(demand.xy[i] - facilities.xy[sites[j]]))) + 10**7 * int(unknown[j]))
    covered = np.zeros(n, dtype=bool)
    covered[list({i for points in pairs for i in points})] = True
    served_pop, estimated_pop, unknown_pop = np.zeros(n), np.zeros(n), np.zeros(n)
    n_pairs = len(tails)
    if n_pairs:
        sink = n + m
        idle = [int(i) for i in np.flatnonzero(covered)]
        # facility -> sink up to its capacity; point -> sink directly at a prohibitive cost: the way
        # out for residents no facility can take (always feasible)
        tails += [n + j for j in range(m)] + idle
        heads += [sink] * (m + len(idle))
        caps += capacity.tolist() + pop[idle].tolist()
        costs += [0] * m + [10**9] * len(idle)
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads), np.array(caps), np.array(costs))
        supplies = np.zeros(n + m + 1, dtype=np.int64)
        supplies[:n] = np.where(covered, pop, 0)
        supplies[sink] = -int(supplies[:n].sum())
        smcf.set_nodes_supplies(np.arange(n + m + 1), supplies)
        if smcf.solve() != smcf.OPTIMAL:
            raise RuntimeError("capacity flow not optimal")  # cannot happen: every point has its way out
        flows = smcf.flows(np.arange(n_pairs))
        site = np.array(heads[:n_pairs]) - n
        origin = np.array(tails[:n_pairs])
        np.add.at(served_pop, origin, np.where(unknown[site], 0, flows))
        np.add.at(estimated_pop, origin, np.where(estimated[site], flows, 0))
        np.add.at(unknown_pop, origin, np.where(unknown[site], flows, 0))
    unserved = np.where(covered, pop - served_pop - unknown_pop, 0.0)
    not_covered = np.where(covered, 0.0, demand.population) + np.where(covered, demand.population - pop, 0.0)
    return pd.DataFrame({"unit_code": world.unit_codes, "population": world.population,
                         "served": _per_unit(world, demand, served_pop), "unserved": _per_unit(world, demand, unserved),
                         "unknown": _per_unit(world, demand, unknown_pop), "not_covered": _per_unit(world, demand, not_covered),
                         "served_estimated": _per_unit(world, demand, estimated_pop)})


def gap_scores(world, table: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """Gap score per unit: residents beyond primary care, times how far beyond the threshold,
    plus residents near but unserved, weighted by ring (remote suburbs x2, near x1.5). Sorted."""
    ring = np.array([RING_WEIGHT.get(world.district_ring.get(d, "central"), 1.0) for d in world.district])
    beyond = np.maximum(table["primary_km"].to_numpy() / config.chc_threshold_km, 1.0)
    score = ring * (table["not_covered"].to_numpy() * beyond + table["unserved"].to_numpy())
    out = table.assign(ring=[world.district_ring.get(d, "") for d in world.district], gap_score=np.round(score, 1))
    reason = np.where(table["not_covered"] > 0, "beyond_reach", np.where(table["unserved"] > 0, "short_of_gps", ""))
    out["reason"] = reason
    return out.sort_values(["gap_score", "unit_code"], ascending=[False, True]).reset_index(drop=True)


def summary_by(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Population, served, unserved, within reach with capacity unknown, not covered, the part of
    served resting on estimated capacity, and shares, per ``key`` (district_code, ...)."""
    g = table.groupby(key)[["population", "served", "unserved", "unknown", "not_covered", "served_estimated"]].sum()
    for col in ("served", "unserved", "unknown", "not_covered", "served_estimated"):
        g[f"{col}_share"] = (g[col] / g["population"].where(g["population"] > 0)).round(4)
    for tier in TIERS:
        covered = table[f"{tier}_covered_pop"].groupby(table[key]).sum()
        g[f"{tier}_covered_share"] = (covered / g["population"]).round(4)
    return g.reset_index()


def supply_per_1000(facilities_frame: pd.DataFrame, population: pd.Series, *, by: str = "district_code") -> pd.DataFrame:
    """Beds, physicians and nurses per 1,000 residents and GPs per 10,000, per ``by`` (a facilities
    column: district_code, or grid_id once facilities are placed in grids), against the LW-14
    targets (2.67, 2.99, 2.81, 4.50)."""
    f = facilities_frame.copy()
    for col in ("beds", "physicians", "nurses", "gps"):
        f[col] = pd.to_numeric(f[col], errors="coerce").fillna(0)
    sums = f.groupby(by)[["beds", "physicians", "nurses", "gps"]].sum().reindex(population.index, fill_value=0)
    out = pd.DataFrame({
        "population": population,
        "beds_per_1000": (sums["beds"] / population * 1000).round(2),
        "physicians_per_1000": (sums["physicians"] / population * 1000).round(2),
        "nurses_per_1000": (sums["nurses"] / population * 1000).round(2),
        "gps_per_10000": (sums["gps"] / population * 10000).round(2),
    })
    for col, target in (("beds_per_1000", 2.67), ("physicians_per_1000", 2.99), ("nurses_per_1000", 2.81),
                        ("gps_per_10000", 4.50)):
        out[f"{col}_meets_target"] = out[col] >= target
    return out.reset_index(names=by)
