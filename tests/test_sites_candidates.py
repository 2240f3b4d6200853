"""Candidate sites from where people live (planning/sites.py): population-weighted k-means of the
demand, district by district, snapped to a unit of the district; on coarse units they reach more
residents than the units' centres with the same number of sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planning.coverage import Demand, Facilities
from planning.sites import (candidates_of, cluster_counts, coverage_of_sites, covering_matrix, demand_candidates,
                            maximal_covering, merge_rows)
from planning.world import build_world
from tests.test_grids import UTM, X0, Y0


def coarse_world():
    """Two districts of two 4 x 4 km units each; the residents of every unit live in two clumps
    near its corners (400 + 600 per unit, 60 points a clump), far from the unit's centre::

        +-------+-------+-------+-------+
        | o   o | o   o | o   o | o   o |      A-1, A-2 | B-1, B-2
        |       |       |       |       |      o: a clump of residents
        +-------+-------+-------+-------+
    """
    rng = np.random.default_rng(5)
    units, districts, points = [], [], []
    for d, (code, x0) in enumerate((("A", 0), ("B", 8000))):
        for k in range(2):
            left = X0 + x0 + 4000 * k
            box = shapely.box(left, Y0, left + 4000, Y0 + 4000)
            units.append({"unit_code": f"{code}-{k + 1}", "unit_name": f"{code}街道{k + 1}", "district_code": code,
                          "population": 1000.0, "geometry": box})
            for cx, people in ((left + 600, 400.0), (left + 3400, 600.0)):
                xy = rng.normal((cx, Y0 + 3400), 120, (60, 2))
                points += [{"population": people / 60, "geometry": shapely.Point(p)} for p in xy]
        districts.append({"district_code": code, "district_name": code, "ring": "remote_suburb", "pooling_area": "all",
                          "geometry": shapely.box(X0 + x0, Y0, X0 + x0 + 8000, Y0 + 4000)})
    return _world_of(units, districts, points)


def test_cluster_counts_share_by_population_with_one_for_each_district():
    assert cluster_counts(np.array([900.0, 100.0, 0.0]), 10).tolist() == [9, 1, 0]
    assert cluster_counts(np.array([10.0, 10.0, 10.0]), 2).tolist() == [1, 1, 0]  # too few: the first largest
    assert cluster_counts(np.array([1.0, 1000.0]), 5).sum() == 5 and cluster_counts(np.array([1.0, 1000.0]), 5)[0] == 1


def test_clustered_candidates_reach_more_residents_than_unit_centres_with_the_same_sites():
    world, units, demand = coarse_world()
    centres_xy, _, _ = candidates_of(world, units)
    xy, codes, names = candidates_of(world, units, demand=demand)
    assert len(xy) == len(centres_xy) == world.n  # the same number of candidates
    for k in (1, 2, 4):
        by_centres = coverage_of_sites(demand.xy, demand.population, centres_xy, k, 1000.0)
        by_clusters = coverage_of_sites(demand.xy, demand.population, xy, k, 1000.0)
        assert by_clusters >= by_centres
    # a unit centre lies 1.4 km or more from every clump: it reaches no one; the clusters sit on the clumps
    assert coverage_of_sites(demand.xy, demand.population, centres_xy, 4, 1000.0) == 0
    assert coverage_of_sites(demand.xy, demand.population, xy, 4, 1000.0) >= 4 * 600 - 1e-6  # at least the big clumps


def test_clustered_candidates_stay_inside_their_district_and_are_named_by_their_unit():
    world, units, demand = coarse_world()
    xy, codes, names = demand_candidates(world, units, demand.xy, demand.population, demand.unit, 6)
    metric = units.to_crs(world.crs).set_index("unit_code")
    for (x, y), code, name in zip(xy, codes, names):
        unit = code.rsplit("-k", 1)[0]
        assert metric.geometry[unit].covers(shapely.Point(x, y))
        assert name.startswith(metric.loc[unit, "unit_name"])
    assert len(set(codes)) == len(codes) == 6
    assert sorted({c[0] for c in codes}) == ["A", "B"]  # 3 in each district (equal populations)
    again = demand_candidates(world, units, demand.xy, demand.population, demand.unit, 6)
    assert np.array_equal(again[0], xy) and list(again[1]) == list(codes)  # deterministic


def l_world():
    """District A is an L of three 4 x 4 km units around B's one unit; A's residents live in two
    clumps, at the far ends of the L (o), so their weighted centre (x) falls in B::

        +-----+-----+
        | A-2 | A-3o|
        +-----+-----+
        |oA-1 x B-1 |
        +-----+-----+
    """
    rng = np.random.default_rng(7)
    boxes = {"A-1": ("A", 0, 0), "A-2": ("A", 0, 4000), "A-3": ("A", 4000, 4000), "B-1": ("B", 4000, 0)}
    clumps = {"A-1": (1200, 600), "A-3": (7600, 6600), "B-1": (6000, 2000)}
    units, points = [], []
    for code, (d, x, y) in boxes.items():
        units.append({"unit_code": code, "unit_name": code, "district_code": d, "population": 1000.0 if code in clumps else 0.0,
                      "geometry": shapely.box(X0 + x, Y0 + y, X0 + x + 4000, Y0 + y + 4000)})
        if code in clumps:
            xy = rng.normal((X0 + clumps[code][0], Y0 + clumps[code][1]), 100, (40, 2))
            points += [{"population": 25.0, "geometry": shapely.Point(p)} for p in xy]
    districts = [{"district_code": "A", "district_name": "A", "ring": "county", "pooling_area": "all",
                  "geometry": shapely.union_all([u["geometry"] for u in units if u["district_code"] == "A"])},
                 {"district_code": "B", "district_name": "B", "ring": "county", "pooling_area": "all",
                  "geometry": units[3]["geometry"]}]
    return _world_of(units, districts, points)


def test_a_centre_outside_its_district_moves_to_the_nearest_resident_of_the_district():
    world, units, demand = l_world()
    xy, codes, _ = demand_candidates(world, units, demand.xy, demand.population, demand.unit, 2)
    in_a = (world.district[demand.unit] == "A") & (demand.population > 0)  # A-2 has no residents
    centre = np.average(demand.xy[in_a], axis=0, weights=demand.population[in_a])
    metric = units.to_crs(world.crs).set_index("unit_code")
    assert metric.geometry["B-1"].contains(shapely.Point(centre))  # the centre lies in B
    site = xy[[c.startswith("A-") for c in codes]]
    assert len(site) == 1
    gaps = np.hypot(*(demand.xy[in_a] - site[0]).T)
    assert gaps.min() == 0 and np.hypot(*(demand.xy[in_a][gaps.argmin()] - centre)) == np.hypot(
        *(demand.xy[in_a] - centre).T).min()  # the district's resident nearest the centre


def test_sampling_bounds_the_points_and_keeps_the_result_deterministic():
    world, units, demand = coarse_world()
    a = demand_candidates(world, units, demand.xy, demand.population, demand.unit, 4, max_points=50)
    b = demand_candidates(world, units, demand.xy, demand.population, demand.unit, 4, max_points=50)
    assert np.array_equal(a[0], b[0]) and len(a[0]) == 4
    assert maximal_covering(demand.xy, demand.population, a[0], 2, 1000.0)[1]  # the sample still finds people


def test_a_district_gets_no_more_clusters_than_points_and_the_rest_go_elsewhere():
    assert cluster_counts(np.array([900.0, 100.0]), 6, np.array([2, 10])).tolist() == [2, 4]
    assert cluster_counts(np.array([900.0, 100.0]), 20, np.array([2, 10])).tolist() == [2, 10]  # all there is
    assert cluster_counts(np.array([900.0, 100.0]), 1, np.array([0, 10])).tolist() == [0, 1]


def test_with_one_point_a_unit_the_candidates_are_the_unit_points():
    """No population points: the demand is one point per unit; as many clusters as units gives
    every unit's own point (the clusters can only regroup them)."""
    world, units, _ = coarse_world()
    xy, codes, _ = candidates_of(world, units, demand=Demand.of_units(world))
    assert sorted(c.rsplit("-k", 1)[0] for c in codes) == sorted(world.unit_codes)
    assert np.allclose(np.sort(xy, axis=0), np.sort(world.xy, axis=0))


def _world_of(units: list[dict], districts: list[dict], points: list[dict]):
    """The world, its units and the residents' points of rows drawn in metres (UTM), in lon/lat,
    with no facilities."""
    to4326 = lambda rows: gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM).to_crs(4326)  # noqa: E731
    units, districts, points = to4326(units), to4326(districts), to4326(points)
    empty = gpd.GeoDataFrame({"facility_code": [], "name": [], "kind": [], "district_code": [], "can_lead": []},
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    world = build_world(units, districts, empty)
    return world, units, Demand.of_points(world, units, points)


# --- the coverage analysis: derived candidates by default, residents counted at their points -----

def _package(units, districts, points, facilities, *, candidates=None, **config):
    """A package-like value for ``analyse_coverage`` (the data package's layers, no roads) and its
    world, from rows drawn in metres (UTM)."""
    from types import SimpleNamespace

    from planning.config import PlanConfig

    to4326 = lambda rows: gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM).to_crs(4326)  # noqa: E731
    units, districts = to4326(units), to4326(districts)
    facilities = to4326([{"name": f["facility_code"], "can_lead": False, "gps": 50.0, "physicians": np.nan,
                          "thc_code": "", "integrated": False, "meets_standard": False, **f} for f in facilities])
    world = build_world(units, districts, facilities)
    pkg = SimpleNamespace(units=units, districts=districts, facilities=facilities, roads=None,
                          population_points=to4326(points) if points else None,
                          candidates=to4326(candidates) if candidates else None,
                          config=PlanConfig(**{"chc_threshold_km": 1.0, "detour_factor": 1.0, **config}))
    return pkg, world


def _coarse_package(*, with_points: bool = True):
    """The coarse world (two clumps in every unit, far from its centre) with one CHC on the left
    clump of A-1: 400 residents within reach, the other 3,600 not."""
    rng = np.random.default_rng(5)
    units, districts, points = [], [], []
    for code, x0 in (("A", 0), ("B", 8000)):
        for k in range(2):
            left = X0 + x0 + 4000 * k
            units.append({"unit_code": f"{code}-{k + 1}", "unit_name": f"{code}街道{k + 1}", "district_code": code,
                          "population": 1000.0, "geometry": shapely.box(left, Y0, left + 4000, Y0 + 4000)})
            for cx, people in ((left + 600, 400.0), (left + 3400, 600.0)):
                points += [{"population": people / 60, "geometry": shapely.Point(p)}
                           for p in rng.normal((cx, Y0 + 3400), 120, (60, 2))]
        districts.append({"district_code": code, "district_name": code, "ring": "remote_suburb", "pooling_area": "all",
                          "geometry": shapely.box(X0 + x0, Y0, X0 + x0 + 8000, Y0 + 4000)})
    chc = [{"facility_code": "C", "kind": "chc", "district_code": "A", "geometry": shapely.Point(X0 + 600, Y0 + 3400)}]
    return _package(units, districts, points if with_points else [], chc)


def test_the_analysis_with_population_points_chooses_among_clusters_and_reaches_more_than_unit_centres():
    from planning.analysis import analyse_coverage, within_primary

    pkg, world = _coarse_package()
    result = analyse_coverage(pkg, world, sites=3)
    assert result.candidate_source == "population" and result.candidate_count == world.n
    assert len(result.site_codes) == 3 and all("-k" in c for c in result.site_codes)
    far = ~within_primary(result.demand, Facilities.from_frame(pkg.facilities, world.crs), pkg.config, None)
    assert result.demand.population[~far].sum() == pytest.approx(400.0, abs=1e-6)  # the CHC's own clump
    centres = candidates_of(world, pkg.units)[0]
    by_centres = coverage_of_sites(result.demand.xy[far], result.demand.population[far], centres, 3, 1000.0)
    assert by_centres == 0  # every centre lies 1.4 km or more from every clump
    assert sum(result.site_gains) >= by_centres and sum(result.site_gains) >= 3 * 600 - 1e-6  # three big clumps
    assert result.site_gains == sorted(result.site_gains, reverse=True)
    # the sites lie among the candidates, in the order of what each adds; lon/lat are their metres in WGS84
    cand_xy, cand_code, _ = candidates_of(world, pkg.units, demand=result.demand)
    rows = [list(cand_code).index(c) for c in result.site_codes]
    assert np.allclose(result.site_xy, cand_xy[rows])
    back = np.array([world.metres(lon, lat) for lon, lat in result.site_lonlat])
    assert np.abs(back - result.site_xy).max() < 1e-3
    assert (result.site_lonlat[:, 0] > 100).all() and (result.site_lonlat[:, 1] < 40).all()  # lon then lat


def test_without_population_points_the_candidates_stay_the_unit_centres_as_before():
    from planning.analysis import analyse_coverage

    pkg, world = _coarse_package(with_points=False)
    result = analyse_coverage(pkg, world, sites=2)
    assert result.demand is None and result.candidate_source == "units" and result.candidate_count == world.n
    assert set(result.site_codes) <= set(world.unit_codes)
    index = world.index_of()
    assert np.allclose(result.site_xy, world.xy[[index[c] for c in result.site_codes]])
    # as the analysis was before issue 17: the units not covered, each with its whole population at its point
    uncovered = ~result.table["primary_covered"].to_numpy()
    order, gains = maximal_covering(world.xy[uncovered], world.population[uncovered], world.xy, 2, 1000.0)
    assert list(result.site_codes) == list(world.unit_codes[order]) and result.site_gains == gains
    assert len(analyse_coverage(pkg, world, sites=0).site_codes) == 0  # the other pages ask for none


@pytest.mark.parametrize("near, far", [(300.0, 700.0), (700.0, 300.0)])
def test_the_model_counts_the_residents_at_their_points_beyond_reach(near, far):
    """One 4 x 1 km unit of 1,000 residents, a CHC at its left end (1 km reach); ``near`` residents
    beside it, ``far`` at the right end; two candidate sites, one at each end. One new site: the
    right one, adding exactly the ``far`` residents, whether the unit counts as covered (most of
    its residents within reach) or not; by unit (all or nothing at the unit's middle point, 2 km
    from both) it would add no one."""
    from planning.analysis import analyse_coverage, within_primary

    unit = {"unit_code": "U", "unit_name": "单元", "district_code": "A", "population": 1000.0,
            "geometry": shapely.box(X0, Y0, X0 + 4000, Y0 + 1000)}
    district = {"district_code": "A", "district_name": "甲区", "ring": "county", "pooling_area": "all",
                "geometry": unit["geometry"]}
    points = [{"population": near, "geometry": shapely.Point(X0 + 200, Y0 + 500)},
              {"population": far / 2, "geometry": shapely.Point(X0 + 3700, Y0 + 500)},
              {"population": far / 2, "geometry": shapely.Point(X0 + 3900, Y0 + 400)}]
    chc = [{"facility_code": "C", "kind": "chc", "district_code": "A", "geometry": shapely.Point(X0 + 300, Y0 + 500)}]
    sites = [{"site_code": "S-W", "name": "西站", "geometry": shapely.Point(X0 + 400, Y0 + 500)},
             {"site_code": "S-E", "name": "东站", "geometry": shapely.Point(X0 + 3800, Y0 + 500)}]
    pkg, world = _package([unit], [district], points, chc, candidates=sites)
    result = analyse_coverage(pkg, world, sites=1)
    assert result.candidate_source == "layer" and result.candidate_count == 2
    assert list(result.site_codes) == ["S-E"] and list(result.site_names) == ["东站"]
    assert result.site_gains == [pytest.approx(far)]
    assert bool(result.table.loc[0, "primary_covered"]) == (near > far)
    within = within_primary(result.demand, Facilities.from_frame(pkg.facilities, world.crs), pkg.config, None)
    assert result.table.loc[0, "primary_covered_pop"] == pytest.approx(result.demand.population[within].sum())
    assert list(analyse_coverage(pkg, world, sites=2).site_codes) == ["S-E"]  # the west site would add no one
    layer = pkg.candidates.set_index("site_code").geometry["S-E"]
    assert np.allclose(result.site_lonlat[0], [layer.x, layer.y], atol=1e-9)  # the marker where the layer puts it


def test_points_with_the_same_covering_sites_merge_into_one_row_exactly():
    xy = np.array([[0.0, 0], [10, 0], [0, 10], [500, 0], [5000, 5000], [505, 0]])
    weight = np.array([1.0, 2, 3, 4, 5, 0])
    sites = np.array([[0.0, 0], [400, 0]])
    a, merged = merge_rows(covering_matrix(xy, sites, 200.0), weight)
    # {site 0}: the first three points; {site 1}: the fourth (the sixth weighs nothing); the fifth: no site
    rows = sorted((tuple(a.getrow(i).indices), w) for i, w in enumerate(merged))
    assert rows == [((0,), 6.0), ((1,), 4.0)]
    a, merged = merge_rows(covering_matrix(xy, sites, 200.0), weight, max_rows=1)  # past the cap: the heaviest set
    assert a.shape[0] == 1 and tuple(a.getrow(0).indices) == (0,) and list(merged) == [6.0]
    rng = np.random.default_rng(3)
    many, centres = rng.uniform(0, 20_000, (200_000, 2)), rng.uniform(0, 20_000, (40, 2))
    full = covering_matrix(many, centres, 1500.0)
    a, merged = merge_rows(full, np.ones(len(many)))
    assert a.shape[0] < 2_000 and merged.sum() == (full.getnnz(axis=1) > 0).sum()  # 200,000 points, few rows
    assert len({tuple(a.getrow(i).indices) for i in range(a.shape[0])}) == a.shape[0]  # every set once
