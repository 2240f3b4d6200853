"""Coverage: distances, thresholds, capacity accounting, gap ranking, village links, maximal covering."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from geodata.default import load_default
from planning.config import PlanConfig
from planning.coverage import Demand, Facilities, access, gap_scores, nearest, served, summary_by, supply_per_1000
from planning.sites import covered_weight, maximal_covering
from planning.villages import integration, link_villages
from planning.world import build_world


@pytest.fixture(scope="module")
def shanghai():
    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    return pkg, world, Facilities.from_frame(pkg.facilities, world.crs)


def test_nearest_agrees_with_brute_force_to_the_metre():
    rng = np.random.default_rng(1)
    pts, sites = rng.uniform(0, 50_000, (3000, 2)), rng.uniform(0, 50_000, (200, 2))
    dist, idx = nearest(pts, sites)
    brute = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
    assert np.abs(dist * 1000 - brute.min(axis=1)).max() < 1.0
    assert (idx == brute.argmin(axis=1)).all()
    assert nearest(pts, sites, detour=1.3)[0] == pytest.approx(dist * 1.3)


def test_thresholds_decide_coverage(shanghai):
    pkg, world, fac = shanghai
    near = access(world, fac, PlanConfig(chc_threshold_km=100.0))
    far = access(world, fac, PlanConfig(chc_threshold_km=0.001))
    base = access(world, fac, pkg.config)
    assert near["primary_covered"].all()
    assert far["primary_covered"].sum() < base["primary_covered"].sum() < len(base)
    assert (far["primary_covered"] <= base["primary_covered"]).all()
    # one demand point per unit: covered when within a CHC's reach or a THC's (each its own threshold)
    c = pkg.config
    chc = nearest(world.xy, fac.xy[fac.of(("chc",))], detour=c.detour_factor)[0]
    thc = nearest(world.xy, fac.xy[fac.of(("thc",))], detour=c.detour_factor)[0]
    expected = (np.round(chc, 3) <= c.chc_threshold_km) | (np.round(thc, 3) <= c.thc_threshold_km)
    assert (base["primary_covered"].to_numpy() == expected).mean() > 0.99


def test_thc_threshold_is_read(shanghai):
    """Township health centres reach residents at thc_threshold_km, not at the CHC's 1.5 km."""
    pkg, world, fac = shanghai
    base = access(world, fac, pkg.config)
    short = access(world, fac, PlanConfig(thc_threshold_km=0.001))
    long = access(world, fac, PlanConfig(thc_threshold_km=50.0))
    assert short["primary_covered"].sum() < base["primary_covered"].sum() < long["primary_covered"].sum()
    served_short = served(world, fac, PlanConfig(thc_threshold_km=0.001))["not_covered"].sum()
    assert served_short > served(world, fac, pkg.config)["not_covered"].sum()


def test_served_unserved_and_not_covered_add_up_to_the_population(shanghai):
    pkg, world, fac = shanghai
    table = served(world, fac, pkg.config)
    total = table["served"] + table["unserved"] + table["unknown"] + table["not_covered"]
    assert np.abs(total - table["population"]).max() < 1.0
    assert (table[["served", "unserved", "unknown", "not_covered", "served_estimated"]] >= 0).all().all()
    assert table["unknown"].sum() == 0 and table["served_estimated"].sum() == 0  # every CHC/THC has staffing


def _two_chcs(gps):
    """Two units of 10,000 residents, a CHC in each, ``gps`` their general practitioners (NaN: blank)."""
    import geopandas as gpd

    from tests.test_grids import lattice

    units, districts, _ = lattice({"A": (0, 0, 2, 1)}, {"A": np.array([10_000.0, 10_000.0])})
    chc = gpd.GeoDataFrame({"facility_code": ["C0", "C1"], "kind": ["chc", "chc"], "district_code": ["A", "A"],
                            "gps": gps, "physicians": [np.nan, np.nan]},
                           geometry=[g.centroid for g in units.geometry], crs=4326)
    world = build_world(units, districts, chc.assign(can_lead=False, name=""))
    return world, Facilities.from_frame(chc, world.crs)


def test_blank_staffing_is_unknown_not_zero():
    """A blank GP count is estimated by the median of the kind, and said to be; with nothing
    recorded for the kind, residents near it are 'within reach, capacity unknown', not unserved."""
    config = PlanConfig(chc_threshold_km=0.6, detour_factor=1.0)
    world, fac = _two_chcs([2.0, np.nan])
    assert list(fac.capacity_source) == ["recorded", "median"] and fac.clinicians[1] == 2.0
    assert fac.staffing_gaps()["facility_code"].tolist() == ["C1"]
    table = served(world, fac, config)
    assert table["served"].tolist() == [4444, 4444] and table["served_estimated"].tolist() == [0, 4444]
    world, fac = _two_chcs([np.nan, np.nan])
    assert list(fac.capacity_source) == ["unknown", "unknown"]
    table = served(world, fac, config)
    assert table["served"].sum() == 0 and table["unserved"].sum() == 0 and table["unknown"].sum() == 20_000
    world, fac = _two_chcs([0.0, np.nan])  # an explicit 0 is recorded: no GP there, and the median is 0
    assert list(fac.capacity_source) == ["recorded", "median"]
    assert served(world, fac, config)["unserved"].sum() == 20_000


def test_capacity_limits_who_is_served():
    """Two units of 10,000 residents next to one CHC with 2 GPs: 2 / 4.5 * 10,000 = 4,444 served."""
    import geopandas as gpd

    from tests.test_grids import lattice

    units, districts, _ = lattice({"A": (0, 0, 2, 1)}, {"A": np.array([10_000.0, 10_000.0])})
    chc = gpd.GeoDataFrame({"facility_code": ["C"], "kind": ["chc"], "district_code": ["A"], "gps": [2.0],
                            "physicians": [np.nan]}, geometry=[units.geometry.iloc[0].centroid], crs=4326)
    world = build_world(units, districts, chc.assign(can_lead=False, name=""))
    fac = Facilities.from_frame(chc, world.crs)
    table = served(world, fac, PlanConfig(chc_threshold_km=3.0, detour_factor=1.0))
    assert table["served"].sum() == 4444 and table["unserved"].sum() == 20_000 - 4444
    assert table.loc[0, "served"] == 4444  # the nearer unit first


def test_gaps_rank_remote_suburbs_first(shanghai):
    pkg, world, fac = shanghai
    table = access(world, fac, pkg.config).merge(served(world, fac, pkg.config).drop(columns="population"), on="unit_code")
    gaps = gap_scores(world, table, pkg.config)
    assert gaps["gap_score"].is_monotonic_decreasing
    top = gaps.head(20)
    assert (top["ring"] != "central").all() and set(top["reason"]) <= {"beyond_reach", "short_of_gps"}
    by_district = summary_by(table, "district_code")
    assert by_district["population"].sum() == pytest.approx(24_870_895)


def test_supply_per_1000_against_targets(shanghai):
    pkg, _, _ = shanghai
    table = supply_per_1000(pkg.facilities, pkg.districts.set_index("district_code")["population"])
    assert len(table) == 16 and {"beds_per_1000_meets_target", "gps_per_10000_meets_target"} <= set(table.columns)


def test_village_links_keep_valid_ones_and_propose_the_rest(shanghai):
    pkg, world, fac = shanghai
    table = link_villages(fac, pkg.facilities, world.district_ring, pkg.config)
    clinics = pkg.facilities[pkg.facilities["kind"] == "village_clinic"]
    assert len(table) == len(clinics)
    given = clinics.set_index("facility_code")["thc_code"]
    kept = table[table["link"] == "given"]
    assert (kept["thc_code"].to_numpy() == given[kept["facility_code"]].to_numpy()).all()
    proposed = table[table["link"] == "proposed"]
    assert len(proposed) == (given == "").sum() and not proposed["other_district"].any()
    assert table.groupby("thc_code").size().max() <= pkg.config.max_clinics_per_thc or (table["link"] == "given").any()
    assert table.loc[table["integrated"], "priority"].eq(0).all()
    assert table["priority"].is_monotonic_decreasing


def test_village_thc_capacity_and_the_way_out(shanghai):
    pkg, world, fac = shanghai
    tight = PlanConfig(max_clinics_per_thc=1)
    frame = pkg.facilities.assign(thc_code="")  # no links given
    table = link_villages(fac, frame, world.district_ring, tight)
    linked = table[table["thc_code"] != ""]
    assert linked.groupby("thc_code").size().max() == 1
    assert (table["link"] == "none").sum() == len(table) - len(linked) > 0  # reported, not forced


def test_integration_rates_against_v2():
    table = pd.DataFrame({"facility_code": list("abcd"), "district_code": ["X", "X", "Y", "Y"], "thc_code": ["t"] * 4,
                          "integrated": [True, True, True, False], "meets_standard": [True, False, False, False]})
    rates = integration(table, "district_code", PlanConfig()).set_index("district_code")
    assert rates.loc["X", "integrated"] == 1.0 and rates.loc["Y", "integrated"] == 0.5
    assert bool(rates.loc["X", "integrated_target_met"]) and not bool(rates.loc["Y", "integrated_target_met"])
    assert not bool(rates.loc["X", "standard_target_met"])  # 50 % < 60 %


def test_maximal_covering_equals_brute_force():
    for seed in range(40):
        rng = np.random.default_rng(seed)
        demand, weight = rng.uniform(0, 10_000, (40, 2)), rng.integers(1, 100, 40).astype(float)
        sites = rng.uniform(0, 10_000, (10, 2))
        order, gains = maximal_covering(demand, weight, sites, 3, 2500)
        best = max(covered_weight(demand, weight, sites[list(c)], 2500) for c in itertools.combinations(range(10), 3))
        assert covered_weight(demand, weight, sites[order], 2500) == pytest.approx(best)
        assert sum(gains) == pytest.approx(best) and gains == sorted(gains, reverse=True)


@pytest.mark.slow
def test_a_roads_layer_turns_coverage_into_travel_minutes(tmp_path):
    """Roads in the package: the loader reads them, coverage uses minutes (CLI end to end)."""
    import json
    import subprocess
    import sys

    import shapely

    from conftest import ROOT, collection, feature, write_world

    world = write_world(tmp_path / "w")
    roads = [feature({"道路等级": "primary"}, shapely.LineString([(121.0, 31.0), (121.08, 31.0), (121.08, 31.04)])),
             feature({"道路等级": "村道", "限速": 15}, shapely.LineString([(121.0, 31.0), (121.0, 31.04)]))]
    (world / "道路.geojson").write_text(collection(roads), encoding="utf-8")
    from geodata.package import load_package

    pkg = load_package(world)
    assert pkg.roads is not None and list(pkg.roads["road_class"]) == ["primary", "村道"]
    assert list(pkg.roads["speed_kmh"].fillna(0)) == [0, 15.0]
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "cli.py", "coverage", "--data", str(world), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "coverage.json").read_text(encoding="utf-8"))["travel"] == "road network"
    assert "primary_min" in (out / "gaps.csv").read_text(encoding="utf-8").splitlines()[0]


def test_a_clinic_links_to_its_own_districts_thc_even_when_others_are_nearer():
    """Found in review: ten nearer THCs of another district hid the clinic's own THC."""
    codes = ["TA"] + [f"TB{i}" for i in range(10)] + ["V"]
    xy = np.array([[-3000.0, 0.0]] + [[1000.0 + 100 * i, 0.0] for i in range(10)] + [[0.0, 0.0]])
    fac = Facilities(codes=np.array(codes), kinds=np.array(["thc"] * 11 + ["village_clinic"]),
                     district=np.array(["A"] + ["B"] * 10 + ["A"]), xy=xy, clinicians=np.zeros(12),
                     capacity_source=np.full(12, "recorded"))
    frame = pd.DataFrame({"facility_code": codes, "thc_code": "", "integrated": False, "meets_standard": False})
    row = link_villages(fac, frame, {}, PlanConfig()).set_index("facility_code").loc["V"]
    assert row["thc_code"] == "TA" and row["link"] == "proposed" and not row["other_district"]


def test_population_points_measure_coverage_inside_a_unit(tmp_path):
    """One unit, two population points: 300 residents next to the CHC, 700 far from it.

    With points, 30 % of the unit is within reach; with one point per unit it is all or nothing."""
    import geopandas as gpd
    import shapely

    from tests.test_grids import lattice

    units, districts, _ = lattice({"A": (0, 0, 4, 1)}, {"A": np.array([1000.0, 0.0, 0.0, 0.0])})
    units = units.dissolve(by="district_code", as_index=False).assign(unit_code="U", unit_name="", population=1000.0)
    box = units.to_crs(32651).geometry.iloc[0].bounds
    pts = gpd.GeoDataFrame({"population": [3.0, 7.0]}, geometry=[shapely.Point(box[0] + 200, box[1] + 500),
                                                                 shapely.Point(box[2] - 200, box[1] + 500)], crs=32651)
    chc = gpd.GeoDataFrame({"facility_code": ["C"], "kind": ["chc"], "district_code": ["A"], "gps": [100.0],
                            "physicians": [np.nan], "can_lead": [False], "name": [""]},
                           geometry=[shapely.Point(box[0] + 300, box[1] + 500)], crs=32651).to_crs(4326)
    world = build_world(units, districts, chc)
    fac = Facilities.from_frame(chc, world.crs)
    config = PlanConfig(chc_threshold_km=1.0, detour_factor=1.0)
    demand = Demand.of_points(world, units, pts.to_crs(4326))
    assert demand.population.sum() == pytest.approx(1000.0)  # scaled to the unit's population
    table = access(world, fac, config, demand=demand)
    assert table.loc[0, "primary_covered_pop"] == pytest.approx(300.0) and not table.loc[0, "primary_covered"]
    counts = served(world, fac, config, demand=demand).iloc[0]
    assert (counts["served"], counts["unserved"], counts["not_covered"]) == (300, 0, 700)
