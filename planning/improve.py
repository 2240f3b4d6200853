"""Improving accessibility under a budget (issue 17): where to open new sites and where to add
general practitioners (GPs), to raise the worst-off residents or to cut the inequality.

The model. With the Enhanced 2SFCA (the headline measure, ``planning.accessibility``), a facility's
ratio is ``R_j = S_j / D_j`` where ``D_j = sum_i P_i w_ij`` depends on where the facility is, not on
its supply. A resident's access ``A_i = 10,000 sum_j w_ij S_j / D_j`` is therefore *linear* in the
supply: ``g_j`` GPs added at an existing CHC or THC, or at a new site, raise ``A_i`` by exactly
``a_ij g_j`` with ``a_ij = 10,000 w_ij / D_j``. (3SFCA and RAAM are not linear in the supply: the
model speaks of the E2SFCA only, and the before and after are measured, not modelled.) The plan is
a mixed-integer programme, solved by HiGHS through ``scipy.optimize.milp``:

- ``g_j >= 0`` whole GPs at every existing primary-care facility and candidate site, ``x_j`` in
  {0, 1} a candidate opened; ``sum g_j <= G`` (the pool of GPs), ``sum x_j <= K`` (new sites),
  ``m x_j <= g_j <= G x_j`` at a candidate (a new site opens with at least ``m`` GPs; 社区卫生服务
  中心基本标准, 卫医发〔2006〕240号: at least 6 全科医师);
- **shortfall** (the default, "raise the worst-off"): minimise ``sum_i P_i phi(T - A_i)``, the
  residents below the threshold ``T`` (LW-14: 4.5 GPs per 10,000) weighted by how far below they
  are, where ``phi`` is 0 above the threshold and grows more steeply the deeper the shortfall: a
  quarter of ``T`` at a time with slopes 1, 2, 3, 4 (``DEPTH``). A plain shortfall (slope 1 all
  the way) is blind where nearly everyone is below the standard, as in most of China today (every
  GP then lowers it by the same 10,000 wherever placed); the steeper slopes send GPs to the
  residents furthest below first, in the spirit of the Foster-Greer-Thorbecke severity index. The
  pieces are variables ``0 <= s_ik <= T / 4`` with ``sum_k s_ik >= T - A_i``: with rising slopes
  the model fills them in order, so it is exact for ``phi``. GPs that would lower no one's
  shortfall stay in the pool;
- **spread** ("cut the inequality"): the whole pool is placed (``sum g_j = G``), so the
  resident-weighted mean ``M`` is fixed (every GP placed where someone lives adds exactly 10,000 /
  P to it); minimise ``sum_i P_i |A_i - M|``: the Pietra (Hoover) index ``sum_i P_i |A_i - M| /
  (2 P M)`` (a linear index of inequality; the Gini itself needs a pair of terms per pair of
  residents). The Gini before and after is measured and shown.

Rows. Demand points whose pairs (facility, step) are the same have the same ``A_i`` for every
plan: they are merged exactly (``rows = "patterns"``). Beyond ``MAX_ROWS`` patterns, each unit's
points are ranked by today's access and cut into bins of equal residents, one row each (its
resident-weighted mean row; ``rows = "units"``), as many bins as ``MAX_ROWS`` allows; with more
units than that, each district's points (``rows = "districts"``). A merged row is an
approximation (a mean can be above the threshold while some of its points are below), but both
objectives are convex in the access, so by Jensen's inequality the merged model's optimum is
never above the true one: HiGHS's bound on the merged model is a bound on every point's
objective, and ``gap`` = (value measured on every point - bound) / value is a proved gap. The
after is always measured on every point.

Exact on small cases: ``tests/test_improve.py`` checks the optimum against every allocation of
the pool (brute force), measured by ``enhanced_two_sfca``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, hstack

from planning.accessibility import CostMatrix, floating_catchment, step_weight
from planning.config import IMPROVE_OBJECTIVES
from planning.sites import row_patterns

OBJECTIVES = IMPROVE_OBJECTIVES  # shortfall | spread
MAX_ROWS = 2000  # rows of the model at most (merged demand points)
PER = 10_000  # values are per 10,000 residents
TIE = 1e-6  # the shortfall's cost of a GP placed, to keep useless GPs in the pool
DEPTH = (1.0, 2.0, 3.0, 4.0)  # the shortfall's slopes, a quarter of the threshold each, the deepest last


@dataclass(frozen=True)
class Budget:
    """What the planner may spend: ``gps`` GPs in all, at most ``sites`` new sites opening with at
    least ``site_gps`` GPs each, for ``objective`` (``OBJECTIVES``); the solver stops after
    ``seconds`` with the best plan found and its gap."""

    gps: int = 30
    sites: int = 3
    site_gps: int = 6
    objective: str = "shortfall"
    seconds: float = 20.0

    @classmethod
    def from_config(cls, config) -> Budget:
        return cls(gps=int(config.access_improve_gps), sites=int(config.access_improve_sites),
                   site_gps=int(config.access_improve_site_gps), objective=config.access_improve_objective,
                   seconds=float(config.access_improve_seconds))


@dataclass(frozen=True)
class Solution:
    """The model's answer over ``costs``' facilities (existing first, then the candidates).

    ``added``: GPs added per facility column; ``opened``: the candidate columns opened; ``before``
    and ``after``: the E2SFCA per demand point (per 10,000 residents); ``value``: the objective of
    the plan (measured on every point), ``start``: of doing nothing, ``bound``: HiGHS's proved bound
    (a bound on every point's objective too), ``gap``: ``(value - bound) / value``, 0 when proved
    optimal; ``status``: ``optimal`` (HiGHS solved its model) | ``time_limit`` (it stopped with
    the best plan found) | ``nothing`` (no pool, or nobody in reach); ``rows``: how points were
    merged (``merge_rows``)."""

    added: np.ndarray
    opened: np.ndarray
    before: np.ndarray
    after: np.ndarray
    value: float
    start: float
    bound: float
    gap: float
    status: str
    rows: str
    n_rows: int


def coefficients(costs: CostMatrix, demand: np.ndarray, steps) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, the access one GP at its facility gives its point (``a_ij``, per 10,000), and the
    pairs' step index (for merging identical rows)."""
    weight = step_weight(costs.cost, steps)
    load = np.bincount(costs.cols, weights=demand[costs.rows] * weight, minlength=costs.shape[1])
    a = np.divide(PER * weight, load[costs.cols], out=np.zeros(len(weight)), where=load[costs.cols] > 0)
    breaks = np.sort(np.array([b for b, _ in steps], dtype=float))
    return a, np.searchsorted(breaks, costs.cost, side="left")


def objective_of(values: np.ndarray, demand: np.ndarray, objective: str, threshold: float) -> float:
    """The objective measured on every point: residents x shortfall below ``threshold``, or the
    Pietra index."""
    demand = np.asarray(demand, dtype=float)
    if objective == "shortfall":
        return float((demand * shortfall(threshold - np.asarray(values, dtype=float), threshold)).sum())
    mean = (demand * values).sum() / demand.sum() if demand.sum() > 0 else 0.0
    return float((demand * np.abs(values - mean)).sum() / (2 * demand.sum() * mean)) if mean > 0 else 0.0


def shortfall(gap: np.ndarray, threshold: float) -> np.ndarray:
    """``phi`` of the module's docstring: 0 for a gap of 0 or less, then ``DEPTH[k]`` per unit of
    gap in the ``k``-th quarter of ``threshold`` (the last slope beyond)."""
    gap = np.maximum(np.asarray(gap, dtype=float), 0.0)
    width = threshold / len(DEPTH)
    out = np.zeros_like(gap)
    for k, slope in enumerate(DEPTH):
        top = np.inf if k == len(DEPTH) - 1 else width
        out += slope * np.clip(gap - k * width, 0.0, top)
    return out


def merge_rows(costs: CostMatrix, step: np.ndarray, demand: np.ndarray, unit: np.ndarray | None,
               district: np.ndarray | None, base: np.ndarray, max_rows: int = MAX_ROWS) -> tuple[np.ndarray, str]:
    """Each point's row of the model (``-1``: no residents), and how they were merged: ``points``
    (one each), ``patterns`` (points with the same pairs and steps: exact), ``units`` (beyond
    ``max_rows`` patterns: each unit's points in bins of today's access) or ``districts`` (more
    units than ``max_rows``: each district's points in such bins); see the module's docstring."""
    n = costs.shape[0]
    live = demand > 0
    # a point's pattern: its set of (facility, step) pairs (``planning.sites.row_patterns``)
    pair_id = costs.cols * (int(step.max()) + 2 if len(step) else 1) + step
    pairs = csc_matrix((np.ones(len(pair_id)), (costs.rows, pair_id)),
                       shape=(n, int(pair_id.max()) + 1 if len(pair_id) else 1))
    code = row_patterns(pairs)
    row = np.full(n, -1)
    _, patterns = np.unique(code[live], return_inverse=True)
    row[live] = patterns.ravel()
    how = "patterns" if row.max() + 1 < live.sum() else "points"
    if row.max() + 1 <= max_rows or unit is None:
        return row, how
    group, how = (unit, "units") if len(np.unique(unit[live])) <= max_rows or district is None else (district, "districts")
    return binned(demand, base, group, live, max_rows), how


def binned(demand: np.ndarray, base: np.ndarray, group: np.ndarray, live: np.ndarray, max_rows: int) -> np.ndarray:
    """Rows of at most ``max_rows`` (about): within each group, the live points ranked by today's
    access ``base`` and cut into bins of equal residents, a group's bins following its share of
    the residents (at least one)."""
    row = np.full(len(demand), -1)
    groups, which = np.unique(group[live], return_inverse=True)
    people = np.bincount(which, weights=demand[live])
    per = np.maximum(1, np.floor((max_rows - len(groups)) * people / people.sum()) + 1).astype(int)
    idx = np.flatnonzero(live)
    order = np.lexsort((base[idx], which))
    idx, which = idx[order], which[order]
    share = np.zeros(len(idx))
    starts = np.searchsorted(which, np.arange(len(groups)))
    cum = np.cumsum(demand[idx])
    before = np.concatenate([[0.0], cum])[starts][which]
    share = (cum - before) / people[which]
    first = np.concatenate([[0], np.cumsum(per)[:-1]])
    row[idx] = first[which] + np.minimum((share * per[which] - 1e-12).astype(int), per[which] - 1)
    _, row[live] = np.unique(row[live], return_inverse=True)
    return row


def solve(costs: CostMatrix, demand, supply, candidate: np.ndarray, steps, threshold: float, budget: Budget, *,
          unit: np.ndarray | None = None, district: np.ndarray | None = None, max_rows: int = MAX_ROWS) -> Solution:
    """The best use of ``budget`` over ``costs`` (demand points x facilities; ``candidate`` marks
    the columns that are new sites, whose ``supply`` is 0), for the E2SFCA with ``steps`` and the
    threshold ``threshold`` (per 10,000). ``unit``/``district`` per point allow merging beyond
    ``max_rows`` patterns."""
    if budget.objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    demand, supply = np.asarray(demand, dtype=float), np.asarray(supply, dtype=float)
    candidate = np.asarray(candidate, dtype=bool)
    m, c_idx = costs.shape[1], np.flatnonzero(candidate)
    before = PER * floating_catchment(costs, demand, supply, step_weight(costs.cost, steps))
    start = objective_of(before, demand, budget.objective, threshold)
    a, step = coefficients(costs, demand, steps)
    reachable = np.bincount(costs.cols, weights=a, minlength=m) > 0  # a GP here reaches someone
    nothing = Solution(np.zeros(m, dtype=int), np.zeros(0, dtype=int), before, before, start, start, start, 0.0,
                       "nothing", "points", 0)
    if budget.gps <= 0 or not reachable.any() or demand.sum() <= 0:
        return nothing
    row, how = merge_rows(costs, step, demand, unit, district, before, max_rows)
    r = int(row.max()) + 1
    weight = np.bincount(row[row >= 0], weights=demand[row >= 0], minlength=r)
    live = row[costs.rows] >= 0
    # each row's coefficients and today's access: resident-weighted means of its points
    scale = demand[costs.rows[live]] / weight[row[costs.rows[live]]]
    a_rows = coo_matrix((a[live] * scale, (row[costs.rows[live]], costs.cols[live])), shape=(r, m)).tocsr()
    a_rows.sum_duplicates()
    base = np.bincount(row[row >= 0], weights=(demand * before)[row >= 0], minlength=r) / weight
    k = len(c_idx)
    spread = budget.objective == "spread"
    pieces = 1 if spread else len(DEPTH)
    n_var = m + k + r * pieces  # g (m), x (k), then d (r) and the mean for spread, else the pieces s_ik (r x DEPTH)
    pool = int(budget.gps)
    g_upper = np.where(reachable, pool, 0).astype(float)
    open_g = coo_matrix((np.ones(k), (np.arange(k), c_idx)), shape=(k, m))
    eye_k = coo_matrix((np.ones(k), (np.arange(k), np.arange(k))), shape=(k, k))
    zeros = lambda rows_, cols_: csr_matrix((rows_, cols_))  # noqa: E731
    extra = 1 if spread else 0
    n_var += extra
    pad = lambda mat, right: hstack([mat, zeros(mat.shape[0], right)]) if right else mat  # noqa: E731
    # the pool: sum g <= G (spread: = G)
    tail = r * pieces + extra
    cons = [LinearConstraint(pad(csr_matrix(np.ones((1, m))), k + tail), float(pool) if spread else -np.inf,
                             float(pool))]
    if k:
        cons += [  # new sites: sum x <= K; at a new site g_j - G x_j <= 0 and g_j - m x_j >= 0
            LinearConstraint(pad(hstack([zeros(1, m), csr_matrix(np.ones((1, k)))]), tail), -np.inf,
                             float(min(budget.sites, k))),
            LinearConstraint(pad(hstack([open_g, -pool * eye_k]), tail), -np.inf, 0.0),
            LinearConstraint(pad(hstack([open_g, -float(budget.site_gps) * eye_k]), tail), 0.0, np.inf)]
    eye_r = coo_matrix((np.ones(r), (np.arange(r), np.arange(r))), shape=(r, r))
    if not spread:
        # sum_k s_ik + a_i g >= T - base_i, each piece at most a quarter of T (the last unbounded)
        cons.append(LinearConstraint(hstack([a_rows, zeros(r, k), hstack([eye_r] * pieces)]), threshold - base, np.inf))
        # a GP that lowers no one's shortfall stays in the pool (a cost far below any GP's effect)
        c = np.concatenate([np.full(m, TIE), np.zeros(k), np.concatenate([slope * weight for slope in DEPTH])])
    else:
        total = weight.sum()
        mean_col = coo_matrix(-np.ones((r, 1)))
        # d_i - a_i g + M >= base_i and d_i + a_i g - M >= -base_i; M P - sum_j b_j g_j = sum P base
        cons.append(LinearConstraint(hstack([-a_rows, zeros(r, k), eye_r, -mean_col]), base, np.inf))
        cons.append(LinearConstraint(hstack([a_rows, zeros(r, k), eye_r, mean_col]), -base, np.inf))
        b = np.asarray(a_rows.multiply(weight[:, None]).sum(axis=0)).ravel()
        cons.append(LinearConstraint(csr_matrix(np.concatenate([-b, np.zeros(k + r), [total]])[None, :]),
                                     float(weight @ base), float(weight @ base)))
        c = np.concatenate([np.zeros(m + k), weight, [0.0]])
    lower = np.zeros(n_var)
    piece_upper = np.full(r * pieces + extra, np.inf)
    if not spread:
        piece_upper[:r * (pieces - 1)] = threshold / pieces
    upper = np.concatenate([g_upper, np.ones(k), piece_upper])
    integrality = np.concatenate([np.ones(m + k), np.zeros(tail)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lower, upper),
               options={"time_limit": float(budget.seconds), "mip_rel_gap": 1e-6, "disp": False})
    if res.x is None:  # no feasible plan found in time: doing nothing is the answer
        return nothing
    added = np.rint(res.x[:m]).astype(int)
    opened = c_idx[np.rint(res.x[m:m + k]) > 0.5]
    added[c_idx[~np.isin(c_idx, opened)]] = 0
    after = PER * floating_catchment(costs, demand, supply + added, step_weight(costs.cost, steps))
    value = objective_of(after, demand, budget.objective, threshold)
    dual = getattr(res, "mip_dual_bound", None)
    bound = float(dual) if dual is not None and np.isfinite(dual) else math.nan
    if not spread and np.isfinite(bound):  # the bound on residents x shortfall, without the GPs' tie cost
        bound = max(bound - TIE * pool, 0.0)
    if spread and np.isfinite(bound):  # the model's sum of P|A - M| as the Pietra index
        mean = (weight @ base + pool * PER) / weight.sum()
        bound = bound / (2 * weight.sum() * mean) if mean > 0 else math.nan
    # the proved gap on every point (the merged model's bound is a bound on it: see the docstring)
    gap = max((value - bound) / value, 0.0) if np.isfinite(bound) and value > 0 else 0.0 if value <= 0 else math.nan
    status = "optimal" if res.status == 0 else "time_limit"
    return Solution(added, opened, before, after, value, start, bound, gap, status, how, r)


# --- the package: what ``PlanningSession.improve_access`` returns ----------------------------------


@dataclass(frozen=True)
class AccessImprovement:
    """The best use of a budget on one package, with the before and after.

    - ``actions``: one row per facility given GPs, new sites first (most GPs first): ``action``
      (``new_site`` | ``add_gps``), ``name``, ``facility_code`` (a new site: its own), ``kind`` (``chc`` | ``thc`` | ``new``),
      ``unit_name``, ``unit_code``, ``district_name``, ``district_code``, ``ring``, ``gps_before``,
      ``gps_added``, ``lon``, ``lat``, ``residents_in_reach`` (the residents of its catchment,
      weighted by step);
    - ``before`` / ``after``: ``equity`` of the E2SFCA over every demand point (the circle share
      after counts the new sites);
    - ``by_ring`` / ``by_district``: per group (remote suburbs first), ``mean_before``,
      ``mean_after``, ``share_below_before``, ``share_below_after``, ``gini_before``,
      ``gini_after``, ``residents``;
    - ``points_after``: E2SFCA per demand point after (aligned with ``AccessibilityResult.points``);
    - the solver's ``status``, ``value``, ``start``, ``bound``, ``gap``, ``rows``, ``n_rows``,
      ``candidates`` (how many were offered) and ``candidate_source`` (``layer`` | ``population`` |
      ``units``)."""

    budget: Budget
    threshold: float
    actions: pd.DataFrame
    before: dict
    after: dict
    by_ring: pd.DataFrame
    by_district: pd.DataFrame
    points_after: np.ndarray
    status: str
    value: float
    start: float
    bound: float
    gap: float
    rows: str
    n_rows: int
    candidates: int
    candidate_source: str

    @property
    def gps_used(self) -> int:
        return int(self.actions["gps_added"].sum()) if len(self.actions) else 0

    def document(self) -> dict:
        """Plain JSON values (``coverage.json``'s ``accessibility.improvement``)."""
        from dataclasses import asdict

        from planning.accessibility import _plain

        return _plain({"budget": asdict(self.budget), "threshold": self.threshold, "status": self.status,
                       "value": self.value, "start": self.start, "bound": self.bound, "gap": self.gap,
                       "rows": self.rows, "n_rows": self.n_rows, "candidates": self.candidates,
                       "candidate_source": self.candidate_source, "gps_used": self.gps_used,
                       "before": self.before, "after": self.after, "actions": self.actions.to_dict(orient="records"),
                       "by_ring": self.by_ring.to_dict(orient="records"),
                       "by_district": self.by_district.to_dict(orient="records")})


def _compare(points: pd.DataFrame, after: np.ndarray, nearest_after: np.ndarray, key: str, params) -> pd.DataFrame:
    from planning.accessibility import HEADLINE, equity_by

    old = equity_by(points, key, params, value=HEADLINE)
    new = equity_by(points.assign(**{HEADLINE: after, "nearest": nearest_after}), key, params, value=HEADLINE)
    return pd.DataFrame({key: old[key], "residents": old["residents"], "mean_before": old["mean"],
                         "mean_after": new["mean"], "share_below_before": old["share_below"],
                         "share_below_after": new["share_below"], "gini_before": old["gini"], "gini_after": new["gini"],
                         "circle_share_before": old["circle_share"], "circle_share_after": new["circle_share"]})


def improve(package, world, result, budget: Budget, *, network=None, demand=None, candidates=None) -> AccessImprovement:
    """The best use of ``budget`` on ``package`` given its accessibility ``result``
    (``planning.accessibility.assess``, over the same ``network`` and ``demand``): candidates are
    the planner's layer, else derived from the population points (``planning.sites``), else every
    unit's centre (``candidates``: those already derived, ``candidates_of``'s xy, codes, names)."""
    import geopandas as gpd

    from planning.accessibility import HEADLINE, distance_costs, equity, nearest_cost, travel_costs
    from planning.coverage import Demand, Facilities
    from planning.sites import candidates_of

    config, params = package.config, result.params
    points_given = demand
    demand = demand if demand is not None else Demand.of_units(world)
    fac = Facilities.from_frame(package.facilities, world.crs)
    primary = fac.of(("chc", "thc"))
    cand_xy, cand_code, cand_name = candidates if candidates is not None else \
        candidates_of(world, package.units, package.candidates, points_given)
    source = "layer" if package.candidates is not None and len(package.candidates) else \
        "population" if points_given is not None else "units"
    sites_xy = np.vstack([fac.xy[primary], cand_xy]) if len(cand_xy) else fac.xy[primary]
    reach = max(params.e2sfca_steps[-1][0], params.circle)
    if network is not None:
        costs = travel_costs(network, demand.xy, sites_xy, reach, walk_kmh=config.walk_kmh)
    else:
        costs = distance_costs(demand.xy, sites_xy, reach, detour=config.detour_factor)
    m_old = len(primary)
    candidate = np.arange(costs.shape[1]) >= m_old
    supply = np.concatenate([np.nan_to_num(fac.clinicians[primary]), np.zeros(len(cand_xy))])
    sol = solve(costs, demand.population, supply, candidate, params.e2sfca_steps, params.threshold_per_10000, budget,
                unit=demand.unit, district=world.district[demand.unit])
    points = result.points
    # the circle after: the new sites count as community health facilities
    opened = np.isin(costs.cols, sol.opened)
    near_new = nearest_cost(CostMatrix(costs.rows[opened], costs.cols[opened], costs.cost[opened], costs.shape))
    nearest_after = np.minimum(points["nearest"].to_numpy(dtype=float), near_new)
    # actions, new sites first
    weight = step_weight(costs.cost, params.e2sfca_steps)
    in_reach = np.bincount(costs.cols, weights=demand.population[costs.rows] * weight, minlength=costs.shape[1])
    cols = np.flatnonzero(sol.added > 0)
    cols = cols[np.lexsort((cols, -sol.added[cols], ~candidate[cols]))]
    lonlat = gpd.GeoSeries(gpd.points_from_xy(sites_xy[cols, 0], sites_xy[cols, 1]), crs=world.crs).to_crs(4326)
    unit_of = _unit_at(world, package.units, sites_xy[cols])
    ring = np.array([world.district_ring.get(d, "") for d in world.district[unit_of]], dtype=object) if len(cols) else []
    codes = np.concatenate([fac.codes[primary], cand_code])
    names = np.concatenate([package.facilities["name"].to_numpy(dtype=str)[primary], cand_name])
    kinds = np.concatenate([fac.kinds[primary], np.full(len(cand_xy), "new")])
    actions = pd.DataFrame({
        "action": np.where(candidate[cols], "new_site", "add_gps"), "name": names[cols], "facility_code": codes[cols],
        "kind": kinds[cols], "unit_name": world.unit_names[unit_of], "unit_code": world.unit_codes[unit_of],
        "district_name": [world.district_names.get(d, "") for d in world.district[unit_of]],
        "district_code": world.district[unit_of], "ring": ring,
        "gps_before": supply[cols], "gps_added": sol.added[cols], "lon": lonlat.x.to_numpy(), "lat": lonlat.y.to_numpy(),
        "residents_in_reach": in_reach[cols]})
    before = equity(points[HEADLINE], points["population"], points["nearest"], params)
    after = equity(sol.after, points["population"], nearest_after, params)
    from planning.accessibility import RING_ORDER

    by_district = _compare(points, sol.after, nearest_after, "district_code", params)
    by_district.insert(1, "district_name", by_district["district_code"].map(world.district_names).fillna(""))
    by_district.insert(2, "ring", by_district["district_code"].map(world.district_ring).fillna(""))
    rank = {r: i for i, r in enumerate(RING_ORDER)}
    by_district = by_district.iloc[np.lexsort((by_district["district_code"].to_numpy(dtype=str),
                                               [rank.get(r, len(rank)) for r in by_district["ring"]]))]
    return AccessImprovement(
        budget=budget, threshold=params.threshold_per_10000, actions=actions, before=before, after=after,
        by_ring=_compare(points, sol.after, nearest_after, "ring", params), by_district=by_district.reset_index(drop=True),
        points_after=sol.after, status=sol.status, value=sol.value, start=sol.start, bound=sol.bound, gap=sol.gap,
        rows=sol.rows, n_rows=sol.n_rows, candidates=len(cand_xy), candidate_source=source)


def _unit_at(world, units, xy: np.ndarray) -> np.ndarray:
    """The unit holding each point (the nearest unit's centre when none holds it)."""
    import shapely
    from scipy.spatial import cKDTree

    if not len(xy):
        return np.zeros(0, dtype=int)
    geoms = units.set_index("unit_code").loc[world.unit_codes].geometry.to_crs(world.crs).to_numpy()
    hit_point, hit_unit = shapely.STRtree(geoms).query(shapely.points(xy), predicate="within")
    out = cKDTree(world.xy).query(xy)[1]
    out[hit_point] = hit_unit
    return out
