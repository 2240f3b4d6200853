"""The whole coverage analysis of a data package (``PlanningSession.coverage`` calls it with the
session's world)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.coverage import TIERS, Demand, Facilities, access, gap_scores, nearest, served, threshold
from planning.roads import RoadNetwork, network_from
from planning.sites import candidates_of, maximal_covering
from planning.villages import link_villages
from planning.world import World


@dataclass(frozen=True)
class CoverageAnalysis:
    world: World
    network: RoadNetwork | None
    demand: Demand | None
    table: pd.DataFrame  # per unit: access per tier, served / unserved / not covered
    gaps: pd.DataFrame  # the table with gap scores, ranked
    site_codes: np.ndarray  # proposed new sites, in the order of what each adds
    site_names: np.ndarray
    site_gains: list[float]
    villages: pd.DataFrame
    staffing_gaps: pd.DataFrame  # CHCs and THCs with no staffing recorded, and what stands in (median | unknown)
    site_xy: np.ndarray  # the proposed sites in the world's metres (x, y), in their order
    site_lonlat: np.ndarray  # the same in WGS84 (lon, lat): the map's markers, sites.csv
    candidate_source: str  # where the candidates came from: layer | population | units
    candidate_count: int  # how many candidates the model chose among


def analyse_coverage(package, world: World, *, sites: int = 10, candidates=None) -> CoverageAnalysis:
    """Access, capacity, gaps, ``sites`` new primary-care sites and village links for ``package``
    (anything with the data package's layers: units, districts, facilities, config, roads,
    population_points, candidates). ``candidates``: the candidate sites (``candidates_of``'s
    xy, codes, names) when the caller has them already (the session derives them once)."""
    config = package.config
    fac = Facilities.from_frame(package.facilities, world.crs)
    network = network_from(package.roads, world.crs) if package.roads is not None else None
    demand = Demand.of_points(world, package.units, package.population_points) \
        if package.population_points is not None else None
    table = access(world, fac, config, network, demand).merge(
        served(world, fac, config, demand=demand, network=network).drop(columns="population"), on="unit_code")
    new = new_sites(world, package, fac, network, demand, sites, candidates)
    return CoverageAnalysis(world, network, demand, table, gap_scores(world, table, config), new["codes"], new["names"],
                            new["gains"], link_villages(fac, package.facilities, world.district_ring, config),
                            fac.staffing_gaps(), new["xy"], lonlat(world, new["xy"]), new["source"], new["count"])


def new_sites(world: World, package, fac: Facilities, network: RoadNetwork | None, demand: Demand | None,
              sites: int, candidates=None) -> dict:
    """The ``sites`` new primary-care sites the maximal covering model opens (codes, names, xy in
    metres, what each adds; fewer when the rest would bring no one within reach) and where its
    candidates came from.

    Candidates: the planner's candidate layer when the package has one; else, with population
    points, population-weighted clusters of the points (``planning.sites.demand_candidates``,
    issue 17); else every unit's centre (without points the demand is one point per unit, and
    clusters could only regroup those same points). The model counts the residents at the demand
    points beyond primary care by the rule ``access`` counts ``primary_covered_pop`` with, each
    point with its own residents (without points: each unit's point with the unit's residents)."""
    config = package.config
    empty = {"codes": np.array([], dtype=str), "names": np.array([], dtype=str), "gains": [], "xy": np.zeros((0, 2)),
             "source": "units", "count": 0}
    if sites <= 0:  # the other pages ask for none: no clustering, no model
        return empty
    layer = package.candidates is not None and len(package.candidates) > 0
    source = "layer" if layer else "population" if demand is not None else "units"
    cand_xy, cand_code, cand_name = candidates if candidates is not None else \
        candidates_of(world, package.units, package.candidates, demand)
    people = demand or Demand.of_units(world)
    far = ~within_primary(people, fac, config, network)
    order, gains = maximal_covering(people.xy[far], people.population[far], cand_xy, sites,
                                    config.chc_threshold_km / config.detour_factor * 1000)
    adds = [i for i, gain in enumerate(gains) if gain > 0]  # a site that brings no one within reach is not proposed
    order, gains = [order[i] for i in adds], [gains[i] for i in adds]
    return {"codes": cand_code[order], "names": cand_name[order], "gains": gains,
            "xy": np.asarray(cand_xy, dtype=float)[order].reshape(-1, 2), "source": source, "count": len(cand_xy)}


def within_primary(demand: Demand, fac: Facilities, config, network: RoadNetwork | None) -> np.ndarray:
    """Whether each demand point is within reach of primary care: of a CHC or a THC at that kind's
    own threshold (km times the detour factor, or minutes on the roads), as ``access`` decides it
    point by point for ``primary_covered_pop``."""
    from planning.roads import minutes_to_nearest

    within = np.zeros(len(demand.xy), dtype=bool)
    for kind in TIERS["primary"][0]:
        some = fac.of((kind,))
        if not len(some):
            continue
        limit = threshold(config, "primary", kind, minutes=network is not None)
        if network is None:
            d = nearest(demand.xy, fac.xy[some], detour=config.detour_factor)[0]
        else:
            d = minutes_to_nearest(network, demand.xy, fac.xy[some], walk_kmh=config.walk_kmh)[0]
        within |= d <= limit
    return within


def lonlat(world: World, xy: np.ndarray) -> np.ndarray:
    """Points in the world's metres as WGS84 (lon, lat)."""
    if not len(xy):
        return np.zeros((0, 2))
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(world.crs, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])
