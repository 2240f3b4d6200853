"""One planning session: the pipeline from a loaded data package to plans and their verdicts.

Every caller (the CLI, each page, the filing export, the coverage analysis) needs the same chain:
package -> world -> solvers made from the settings -> plan -> verdict. This is its one home,
built once per package and settings, like an estimator that holds its parameters and fitted
state::

    session = PlanningSession(package)              # world, pairing problem, solver, rules
    plan = session.propose(previous=edited)         # grids and pairings, around locks and fixes
    verdict = session.judge(plan)                   # structured: rule, severity, codes, figures

Pure: it reads the package's layers (validated GeoDataFrames in EPSG:4326, and ``config``) and
never opens a file. Streamlit caches sessions, not their parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import geopandas as gpd
import pandas as pd

from planning.config import PlanConfig
from planning.errors import NoUnitsError
from planning.grids import GridProposal, GridSolver, free_lead_choice
from planning.metrics import detached_parts, grid_metrics
from planning.pairing import (Pairing, PairingProblem, PairingResult, binding_caps, build_problem, pairing_rules,
                              pairings_of, planned_pairings, solve, staffing_of)
from planning.plan import Plan
from planning.rules import grid_rules, units_at
from planning.verdict import Place, Rule, Verdict
from planning.world import World, build_world


class Package(Protocol):
    """What a session reads of a data package (``geodata.package.DataPackage`` has it)."""

    name: str
    config: PlanConfig
    units: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    partnerships: pd.DataFrame


@dataclass(frozen=True)
class Proposal:
    """A proposed plan (grids and pairings), why each unit is where it is, and the pairing
    solver's account (dropped partnerships, districts without a partner)."""

    plan: Plan
    grids: GridProposal | None
    pairing: PairingResult


FRONTIER_TARGETS: tuple[float | None, ...] = (1.05, 1.1, 1.25, 1.5, None)


@dataclass(frozen=True)
class FrontierPoint:
    """One point of a district's access-versus-balance trade-off: the grids solved for a balance
    target (None: access only), what they reach, how sure the solver is, and the whole plan with
    that district's grids in place of the current ones."""

    target: float | None
    balance: float  # max/min population of the district's grids
    access_km: float  # population-weighted mean distance to the lead
    proved: bool
    gap: float  # access: share above the best possible (0: proved)
    balance_bound: float  # proved: no plan with these leads is more balanced (nan: not known)
    method: str
    plan: Plan


class PlanningSession:
    """The world, the pairing problem, the grid solver and the rules of one package and its
    settings; proposes plans and judges them."""

    def __init__(self, package: Package, config: PlanConfig | None = None) -> None:
        self.package = package
        self.config = config or package.config
        if not len(package.units):
            raise NoUnitsError()
        c = self.config
        self.world: World = build_world(package.units, package.districts, package.facilities,
                                        island_link_km=c.island_link_km)
        self.problem: PairingProblem = build_problem(self.world, package.facilities, package.partnerships, c)
        self.band = (c.grid_population_min, c.grid_population_max)
        self.solver = self._grid_solver(c.grid_balance_target or None, c.grid_exact_seconds)
        self.grid_rules: tuple[Rule, ...] = grid_rules(band=self.band, county_max=c.county_alliances_max,
                                                       counts=c.grid_counts, island_link_km=c.island_link_km)
        self.pairing_rules: tuple[Rule, ...] = pairing_rules(staffing_of(package.partnerships))

    def _grid_solver(self, target: float | None, seconds: float) -> GridSolver:
        c = self.config
        return GridSolver(band=self.band, counts=c.grid_counts, county_max=c.county_alliances_max,
                          balance_target=target or math.inf, leads=c.grid_leads, exact_units=c.grid_exact_units,
                          exact_seconds=seconds)

    # --- proposing ------------------------------------------------------------------------------
    def propose_grids(self, *, previous: Plan | None = None, only: Iterable[str] | None = None,
                      name: str = "") -> GridProposal:
        """Grids for every district (or ``only`` these), around ``previous``'s locks and leads. A
        district with no hospital that may lead is left unplanned (its units in no grid, the rules
        say why) and the rest is planned; ``InfeasiblePlanError`` only when no district can be."""
        return self.solver.solve(self.world, previous=previous, only=only, name=name or self.package.name)

    @cached_property
    def pairing(self) -> PairingResult:
        """The optimal pairings under P1-P8 (no pairing fixed)."""
        return solve(self.problem)

    def propose(self, *, previous: Plan | None = None, locks: Iterable[str] = (), only: Iterable[str] | None = None,
                name: str = "", grids: bool = True) -> Proposal:
        """A plan: grids (unless ``grids`` is false) and pairings. With ``previous``, its locked
        units (and ``locks``) stay, its leads stay, and its pairings are kept; without, the pairings
        are the solver's."""
        if previous is not None and locks:
            previous = previous.lock(locks)
        proposal = self.propose_grids(previous=previous, only=only, name=name) if grids else None
        plan = proposal.plan if proposal is not None else (previous or Plan(assignment={}, grids=(), name=name))
        if previous is None or not previous.pairings:
            plan = plan.with_pairings(planned_pairings(self.pairing))
        return Proposal(plan, proposal, self.pairing)

    def frontier(self, plan: Plan, district: str, targets: Iterable[float | None] = FRONTIER_TARGETS,
                 *, seconds: float | None = None) -> list[FrontierPoint]:
        """The access-versus-balance trade-off of ``district`` with ``plan``'s leads and locks:
        its grids solved again for each balance target (exactly where the district is small
        enough, ``seconds`` each, by default half the configured limit). The planner picks one;
        its ``plan`` is the current plan with that district's grids replaced."""
        points = []
        for target in targets:
            solver = self._grid_solver(target, seconds if seconds is not None else self.config.grid_exact_seconds / 2)
            proposal = solver.solve(self.world, previous=plan, only=[district], name=plan.name)
            q = proposal.quality[district]
            points.append(FrontierPoint(target=target, balance=q.balance, access_km=q.access_km, proved=q.proved,
                                        gap=q.gap, balance_bound=q.balance_bound, method=q.method, plan=proposal.plan))
        return points

    def free_lead_choice(self, plan: Plan, district: str, *, seconds: float | None = None) -> FrontierPoint:
        """What ``plan``'s leads cost in ``district``: the same number of grids with the leads
        chosen freely among every hospital that may lead there, solved exactly (balance first
        at the configured target, then access). Compare with ``frontier``'s point at that target,
        or the proposal's quality (Minhang: 2.68 proved with its given leads, 1.41 chosen freely)."""
        target = self.config.grid_balance_target or math.inf
        new, q = free_lead_choice(self.world, plan, district, band=self.band, target=target,
                            seconds=seconds if seconds is not None else self.config.grid_exact_seconds)
        return FrontierPoint(target=target if math.isfinite(target) else None, balance=q.balance, access_km=q.access_km,
                             proved=q.proved, gap=q.gap, balance_bound=q.balance_bound, method="free_leads", plan=new)

    def binding_caps(self) -> list[dict[str, object]]:
        return binding_caps(self.problem)

    # --- judging --------------------------------------------------------------------------------
    def pairings(self, plan: Plan) -> list[Pairing]:
        """The plan's pairings with their reasons and costs."""
        return pairings_of(self.problem, plan.pairings)

    def judge(self, plan: Plan, *, pairings: Iterable[Pairing] | None = None) -> Verdict:
        """Every rule on ``plan``: G1-G6 on its grids, P1-P8 on its pairings (or on ``pairings``,
        a pairing result not yet in a plan)."""
        paired = list(pairings) if pairings is not None else self.pairings(plan)
        found = [(rule, rule(self.world, plan)) for rule in self.grid_rules]
        found += [(rule, rule(self.problem, paired)) for rule in self.pairing_rules]
        return Verdict.of(found)

    def judge_pairings(self, pairings: Iterable[Pairing]) -> Verdict:
        """The P rules alone, on pairings without grids (``propose --pairings-only``)."""
        paired = list(pairings)
        return Verdict.of((rule, rule(self.problem, paired)) for rule in self.pairing_rules)

    def units_at(self, plan: Plan, place: Place) -> list[str]:
        """Every unit a violation's place covers (to outline and zoom to)."""
        return units_at(self.world, plan, place)

    def flagged_units(self, plan: Plan, verdict: Verdict) -> set[str]:
        """The units to outline on the map: every unit of every grid-rule violation."""
        return {u for v in verdict.only("G").violations for u in units_at(self.world, plan, v.place)}

    def metrics(self, plan: Plan) -> pd.DataFrame:
        return grid_metrics(self.world, plan)

    def detached_parts(self, plan: Plan) -> pd.DataFrame:
        """The parts of each grid's outline that do not touch its largest part, with their area,
        their distance to it and the units they come from, so a sliver of a multipart unit can be
        told from a real exclave (islands show here too; G6 judges contiguity by neighbours)."""
        return detached_parts(self.package.units, plan.assignment, self.world.crs)

    # --- coverage -------------------------------------------------------------------------------
    def coverage(self, *, sites: int = 10):
        """Access, capacity, gaps, ``sites`` new primary-care sites and village links
        (``planning.analysis.CoverageAnalysis``), cached per number of sites."""
        from planning.analysis import analyse_coverage

        cache: dict[int, object] = self.__dict__.setdefault("_coverage", {})
        if sites not in cache:
            cache[sites] = analyse_coverage(self.package, self.world, sites=sites,
                                            candidates=self.candidate_sites if sites > 0 else None)
        return cache[sites]

    @cached_property
    def candidate_sites(self) -> tuple:
        """Where new primary-care sites may go (``planning.sites.candidates_of``: xy in metres,
        codes, names): the planner's layer, else clusters of the population points, else the
        units' centres. Derived once per session: the coverage's new sites and the accessibility's
        improvement choose among the same."""
        from planning.sites import candidates_of

        _, demand = self._access_inputs
        return candidates_of(self.world, self.package.units, self.package.candidates, demand)

    # --- accessibility (issue 17) ---------------------------------------------------------------
    @cached_property
    def _access_inputs(self):
        """The roads and the demand points the coverage analysis measures from (``None``: none)."""
        from planning.coverage import Demand
        from planning.roads import network_from

        cached = next(iter(self.__dict__.get("_coverage", {}).values()), None)
        if cached is not None:
            return cached.network, cached.demand
        pkg = self.package
        network = network_from(pkg.roads, self.world.crs) if getattr(pkg, "roads", None) is not None else None
        points = getattr(pkg, "population_points", None)
        return network, (Demand.of_points(self.world, pkg.units, points) if points is not None else None)

    @cached_property
    def _access(self):
        from planning.accessibility import assess

        network, demand = self._access_inputs
        return assess(self.package, self.world, network=network, demand=demand)

    def improve_access(self, budget=None):
        """The best use of a budget of GPs and new sites for the accessibility
        (``planning.improve.AccessImprovement``: what to do, the before and after, the solver's
        proof or gap); ``budget`` (``planning.improve.Budget``) defaults to the settings'. Cached
        per budget (a few)."""
        from planning.improve import Budget, improve

        budget = budget if budget is not None else Budget.from_config(self.package.config)
        cache: dict = self.__dict__.setdefault("_improvements", {})
        if budget not in cache:
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            network, demand = self._access_inputs
            cache[budget] = improve(self.package, self.world, self._access, budget, network=network, demand=demand,
                                    candidates=self.candidate_sites)
        return cache[budget]

    def accessibility(self, plan: Plan | None = None):
        """Spatial accessibility, the 2SFCA family, tier by tier, and its equity
        (``planning.accessibility.AccessibilityResult``); with ``plan``, each unit's grid and the
        equity by grid. Measured once per session (the neighbour search is bounded by the
        settings' catchments); a plan only adds its grids (cached per plan assignment)."""
        from planning.accessibility import with_plan

        if plan is None:
            return self._access
        cache: dict = self.__dict__.setdefault("_access_plans", {})
        key = tuple(sorted(plan.assignment.items()))
        if key not in cache:
            if len(cache) >= 8:
                cache.pop(next(iter(cache)))
            cache[key] = with_plan(self._access, plan.assignment)
        return cache[key]
