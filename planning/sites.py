"""Where to add care: the maximal covering location problem, solved exactly.

Choose ``k`` candidate sites that cover the most residents not yet covered (within ``radius``).
A MILP solved by HiGHS (through scipy): x_j = 1 if site j opens, y_i = 1 if demand i is covered;
maximise sum w_i y_i subject to y_i <= sum of x_j over the sites covering i, sum x_j = k. Exact,
so equal to spopt's MCLP (PuLP) and to brute force on small cases (tests/test_coverage.py). Demand
points covered by the same sites are one row (``merge_rows``), so 10^5-10^6 population points
make a model of thousands of rows.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, hstack, identity
from scipy.spatial import cKDTree


MAX_ROWS = 100_000  # demand rows in the model, at most, once points with the same covering sites are merged


def covering_matrix(demand_xy: np.ndarray, sites_xy: np.ndarray, radius: float) -> csc_matrix:
    """Which sites cover which demand points (within ``radius``): a 0/1 sparse matrix, points x
    sites, built from the sites' side (a k-d tree over the points, one ball query per site)."""
    n, m = len(demand_xy), len(sites_xy)
    if n == 0 or m == 0:
        return csc_matrix((n, m))
    hits = cKDTree(demand_xy).query_ball_point(sites_xy, r=radius)
    rows = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
    cols = np.repeat(np.arange(m), [len(h) for h in hits])
    return csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))


def row_patterns(a: csc_matrix) -> np.ndarray:
    """A label per row of ``a``: rows with the same set of non-zero columns share a label, 0 for a
    row with none. Found by refining a label column by column (rows sharing a label and a column
    keep sharing one), so the cost grows with the entries, not with rows times columns."""
    a = a.tocsc()
    label = np.zeros(a.shape[0], dtype=np.int64)
    fresh = 1
    for j in range(a.shape[1]):
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        if len(rows):
            seen, inverse = np.unique(label[rows], return_inverse=True)
            label[rows] = fresh + inverse
            fresh += len(seen)
    return label


def merge_rows(a: csc_matrix, weight: np.ndarray, *, max_rows: int = MAX_ROWS) -> tuple[csr_matrix, np.ndarray]:
    """The demand points of ``a`` (points x sites) merged exactly: one row for each distinct
    non-empty set of covering sites, carrying the summed ``weight`` of its points (points no site
    covers, or with no weight, are dropped: no choice of sites changes them). The sets are told
    apart by refining a label column by column (points sharing a label and a column keep sharing
    one), so the cost grows with the matrix's entries, not with points times sites. The model
    then has as many rows as distinct sets, which circles around a few hundred sites keep to
    thousands whatever the number of points; past ``max_rows`` only the heaviest ``max_rows``
    sets stay (ties: the set of the first point), a fixed rule, and the rest count as out of
    reach."""
    a = a.tocsc()
    weight = np.asarray(weight, dtype=float)
    label = row_patterns(a)
    keep = np.flatnonzero((label > 0) & (weight > 0))
    _, first, group = np.unique(label[keep], return_index=True, return_inverse=True)
    merged = np.bincount(group, weights=weight[keep])
    rows = keep[first]
    if len(rows) > max_rows:
        top = np.lexsort((rows, -merged))[:max_rows]
        rows, merged = rows[top], merged[top]
    return a.tocsr()[rows], merged


def solve_covering(a: csr_matrix, weight: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    """The maximal covering MILP on a covering matrix ``a`` (demand rows x sites), exact (HiGHS):
    the sites to open, in the order of what each adds, and the weight each adds. Only the sites'
    x_j are integer: with them whole, the best y_i is min(1, sum of the x_j covering i), whole too."""
    r, m = a.shape
    k = min(k, m)
    if k <= 0 or r == 0:
        return [], []
    weight = np.asarray(weight, dtype=float)
    # y_i - sum_j a_ij x_j <= 0 ; sum_j x_j = k
    cover = hstack([-a, identity(r)]).tocsr()
    count = coo_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, m + r))
    c = np.concatenate([np.zeros(m), -weight])
    res = milp(c, constraints=[LinearConstraint(cover, -np.inf, 0), LinearConstraint(count, k, k)],
               integrality=np.concatenate([np.ones(m), np.zeros(r)]), bounds=Bounds(0, 1))
    if res.x is None:
        raise RuntimeError(f"maximal covering not solved: {res.message}")
    chosen = [j for j in range(m) if res.x[j] > 0.5]
    # order the chosen sites by what each adds, greedily, for the report
    a = a.tocsc()
    reach = {j: set(a.indices[a.indptr[j]:a.indptr[j + 1]].tolist()) for j in chosen}
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


def maximal_covering(demand_xy: np.ndarray, weight: np.ndarray, sites_xy: np.ndarray, k: int,
                     radius: float) -> tuple[list[int], list[float]]:
    """The sites to open (indices, in the order of what each adds) and the weight each adds;
    demand points with the same covering sites are one row of the model (``merge_rows``)."""
    if min(k, len(sites_xy)) <= 0 or len(demand_xy) == 0:
        return [], []
    a, merged = merge_rows(covering_matrix(np.asarray(demand_xy, dtype=float), np.asarray(sites_xy, dtype=float),
                                           radius), weight)
    return solve_covering(a, merged, k)


def covered_weight(demand_xy: np.ndarray, weight: np.ndarray, sites_xy: np.ndarray, radius: float) -> float:
    """Total weight within ``radius`` of any of ``sites_xy``."""
    if len(sites_xy) == 0:
        return 0.0
    dist, _ = cKDTree(sites_xy).query(demand_xy, k=1)
    return float(np.asarray(weight)[dist <= radius].sum())


def candidates_of(world, units, candidates=None, demand=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate sites (xy in the world's metres, codes, names): the planner's layer when given,
    else, given ``demand`` (``planning.coverage.Demand``: population points, or unit centres),
    as many sites as units where people live (``demand_candidates``), else every unit's centre."""
    if (candidates is None or not len(candidates)) and demand is not None:
        return demand_candidates(world, units, demand.xy, demand.population, demand.unit, world.n)
    if candidates is not None and len(candidates):
        metric = candidates.to_crs(world.crs)
        return (np.column_stack([metric.geometry.x, metric.geometry.y]), candidates["site_code"].to_numpy(dtype=str),
                candidates["name"].to_numpy(dtype=str))
    names = units.set_index("unit_code").loc[world.unit_codes, "unit_name"].to_numpy(dtype=str)
    return world.xy, world.unit_codes, names


# --- candidate sites from where people live -------------------------------------------------------
MAX_CLUSTERS = 400  # candidate sites derived from the demand, at most
MAX_POINTS = 60_000  # demand points clustered, at most (a fixed-seed sample beyond)
MINIBATCH_FROM = 5_000  # a district with more points than this is clustered with MiniBatchKMeans
RANDOM_STATE = 0


def cluster_counts(population: np.ndarray, total: int, caps: np.ndarray | None = None) -> np.ndarray:
    """``total`` clusters shared among groups by population: one for every group with residents
    (the most populous first when ``total`` is smaller), then each next cluster to the group with
    the most residents per cluster (ties: the first group) among those under their ``caps`` (a
    group cannot have more clusters than distinct points)."""
    population = np.asarray(population, dtype=float)
    caps = np.full(len(population), max(int(total), 0)) if caps is None else np.asarray(caps)
    live = np.flatnonzero((population > 0) & (caps > 0))
    out = np.zeros(len(population), dtype=int)
    if total <= 0 or not len(live):
        return out
    out[live[np.argsort(-population[live], kind="stable")][:total]] = 1
    for _ in range(min(total, int(caps[live].sum())) - out.sum()):
        per = np.divide(population, out, out=np.zeros(len(population)), where=(out > 0) & (out < caps))
        out[int(np.argmax(per))] += 1
    return out


def _weighted_centres(xy: np.ndarray, weight: np.ndarray, k: int, random_state: int) -> np.ndarray:
    """``k`` population-weighted k-means centres of ``xy`` (scikit-learn, ``sample_weight``; a
    fixed ``random_state``, so the same data gives the same centres)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    distinct = len(np.unique(xy, axis=0))
    k = min(k, distinct)
    if k >= distinct:
        return np.unique(xy, axis=0)
    if len(xy) > MINIBATCH_FROM:
        model = MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=random_state, n_init=3)
    return model.fit(xy, sample_weight=weight).cluster_centers_


def _sample(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``cap`` of ``n`` indices, the same ones for the same seed (all when ``n <= cap``)."""
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, size=cap, replace=False))


def demand_candidates(world, units, xy: np.ndarray, weight: np.ndarray, unit: np.ndarray, count: int, *,
                      max_points: int = MAX_POINTS, random_state: int = RANDOM_STATE
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate sites where people live (xy in the world's metres, codes, names): the
    population-weighted k-means centres of the demand points ``xy`` (``weight`` residents each,
    lying in units ``unit``, indices into the world's units), clustered district by district with
    ``count`` centres shared by population (at most ``MAX_CLUSTERS``), at most ``max_points``
    points in all (a fixed-seed sample). Each centre is snapped to a unit of its district: it
    stays where it is when a unit of the district holds it, else it moves to the district's
    nearest demand point. A site's code is its unit's code with ``-k`` and a number, its name its
    unit's name (numbered when a unit holds several)."""
    import shapely

    xy, weight, unit = np.asarray(xy, dtype=float), np.asarray(weight, dtype=float), np.asarray(unit, dtype=int)
    keep = weight > 0
    xy, weight, unit = xy[keep], weight[keep], unit[keep]
    district = world.district[unit]
    codes_of = sorted(set(district))
    people = np.array([weight[district == d].sum() for d in codes_of])
    distinct = np.array([len(np.unique(xy[district == d], axis=0)) for d in codes_of])
    per = cluster_counts(people, min(int(count), MAX_CLUSTERS), distinct)
    geoms = units.set_index("unit_code").loc[world.unit_codes].geometry.to_crs(world.crs).to_numpy()
    tree = shapely.STRtree(geoms)
    rng = np.random.default_rng(random_state)
    sites, site_unit = [], []
    for d, k in zip(codes_of, per):
        if k == 0:
            continue
        rows = np.flatnonzero(district == d)
        rows = rows[_sample(len(rows), max(int(max_points * len(rows) / len(xy)), k), rng)]
        centres = _weighted_centres(xy[rows], weight[rows], int(k), random_state)
        hit_point, hit_unit = tree.query(shapely.points(centres), predicate="within")
        ours = world.district[hit_unit] == d
        held = dict(zip(hit_point[ours], hit_unit[ours]))
        _, nearest_row = cKDTree(xy[rows]).query(centres)
        for c, centre in enumerate(centres):
            if c in held:
                sites.append(centre)
                site_unit.append(held[c])
            else:  # outside the district's units (a bay, a hole, another district): the nearest resident
                sites.append(xy[rows[nearest_row[c]]])
                site_unit.append(unit[rows[nearest_row[c]]])
    if not sites:
        return np.zeros((0, 2)), np.array([], dtype=str), np.array([], dtype=str)
    site_unit = np.asarray(site_unit)
    order = np.lexsort((np.asarray(sites)[:, 1], np.asarray(sites)[:, 0], site_unit))
    site_xy, site_unit = np.asarray(sites)[order], site_unit[order]
    number = np.zeros(len(site_unit), dtype=int)
    for i in range(1, len(site_unit)):
        number[i] = number[i - 1] + 1 if site_unit[i] == site_unit[i - 1] else 0
    several = np.bincount(site_unit, minlength=world.n)[site_unit] > 1
    codes = np.array([f"{world.unit_codes[u]}-k{n + 1}" for u, n in zip(site_unit, number)], dtype=str)
    names = np.array([f"{world.unit_names[u]}-{n + 1}" if s else str(world.unit_names[u])
                      for u, n, s in zip(site_unit, number, several)], dtype=str)
    return site_xy, codes, names


def coverage_of_sites(demand_xy: np.ndarray, weight: np.ndarray, sites_xy: np.ndarray, k: int,
                      radius: float) -> float:
    """The residents ``k`` sites chosen among ``sites_xy`` by the maximal covering model reach
    (within ``radius`` metres)."""
    _, gains = maximal_covering(demand_xy, weight, sites_xy, k, radius)
    return float(sum(gains))
