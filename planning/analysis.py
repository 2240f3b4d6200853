"""The whole coverage analysis of a data package (``PlanningSession.coverage`` calls it with the
session's world)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.coverage import Demand, Facilities, access, gap_scores, served
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


def analyse_coverage(package, world: World, *, sites: int = 10) -> CoverageAnalysis:
    """Access, capacity, gaps, ``sites`` new primary-care sites and village links for ``package``
    (anything with the data package's layers: units, districts, facilities, config, roads,
    population_points, candidates)."""
    config = package.config
    fac = Facilities.from_frame(package.facilities, world.crs)
    network = network_from(package.roads, world.crs) if package.roads is not None else None
    demand = Demand.of_points(world, package.units, package.population_points) \
        if package.population_points is not None else None
    table = access(world, fac, config, network, demand).merge(
        served(world, fac, config, demand=demand, network=network).drop(columns="population"), on="unit_code")
    uncovered = ~table["primary_covered"].to_numpy()
    cand_xy, cand_code, cand_name = candidates_of(world, package.units, package.candidates)
    order, gains = maximal_covering(world.xy[uncovered], table["population"].to_numpy()[uncovered], cand_xy, sites,
                                    config.chc_threshold_km / config.detour_factor * 1000)
    return CoverageAnalysis(world, network, demand, table, gap_scores(world, table, config), cand_code[order],
                            cand_name[order], gains, link_villages(fac, package.facilities, world.district_ring, config),
                            fac.staffing_gaps())
