"""Where to add care: the maximal covering location problem, solved exactly.

Choose ``k`` candidate sites that cover the most residents not yet covered (within ``radius``).
A MILP solved by HiGHS (through scipy): x_j = 1 if site j opens, y_i = 1 if demand i is covered;
maximise sum w_i y_i subject to y_i <= sum of x_j over the sites covering i, sum x_j = k. Exact,
so equal to spopt's MCLP (PuLP) and to brute force on small cases (tests/test_coverage.py).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, hstack, identity
from scipy.spatial import cKDTree


def maximal_covering(demand_xy: np.ndarray, weight: np.ndarray, sites_xy: np.ndarray, k: int,
                     radius: float) -> tuple[list[int], list[float]]:
    """The sites to open (indices, in the order of what each adds) and the weight each adds."""
    n, m = len(demand_xy), len(sites_xy)
    k = min(k, m)
    if k <= 0 or n == 0:
        return [], []
    covers = cKDTree(sites_xy).query_ball_point(demand_xy, r=radius)
    rows = [i for i, js in enumerate(covers) for _ in js]
    cols = [j for js in covers for j in js]
    a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))
    # y_i - sum_j a_ij x_j <= 0 ; sum_j x_j = k
    cover = hstack([-a, identity(n)]).tocsr()
    count = coo_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, m + n))
    c = np.concatenate([np.zeros(m), -np.asarray(weight, dtype=float)])
    res = milp(c, constraints=[LinearConstraint(cover, -np.inf, 0), LinearConstraint(count, k, k)],
               integrality=np.ones(m + n), bounds=Bounds(0, 1))
    chosen = [j for j in range(m) if res.x[j] > 0.5]
    # order the chosen sites by what each adds, greedily, for the report
    reach = [set(np.flatnonzero(a.getcol(j).toarray().ravel())) for j in range(m)]
    covered: set[int] = set()
    order, gains = [], []
    left = list(chosen)
    while left:
        best = max(left, key=lambda j: (float(weight[list(reach[j] - covered)].sum()), -j))
        gains.append(float(weight[list(reach[best] - covered)].sum()))
        covered |= reach[best]
        order.append(best)
        left.remove(best)
    return order, gains


def covered_weight(demand_xy: np.ndarray, weight: np.ndarray, sites_xy: np.ndarray, radius: float) -> float:
    """Total weight within ``radius`` of any of ``sites_xy``."""
    if len(sites_xy) == 0:
        return 0.0
    dist, _ = cKDTree(sites_xy).query(demand_xy, k=1)
    return float(np.asarray(weight)[dist <= radius].sum())


def candidates_of(world, units, candidates=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate sites (xy in the world's metres, codes, names): the planner's layer when given,
    else every unit's centre."""
    if candidates is not None and len(candidates):
        metric = candidates.to_crs(world.crs)
        return (np.column_stack([metric.geometry.x, metric.geometry.y]), candidates["site_code"].to_numpy(dtype=str),
                candidates["name"].to_numpy(dtype=str))
    names = units.set_index("unit_code").loc[world.unit_codes, "unit_name"].to_numpy(dtype=str)
    return world.xy, world.unit_codes, names
