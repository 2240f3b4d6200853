"""Accessibility tier by tier and in the session (issue 17, round 2): hand-checked tiers on a small
world, packages that lack a tier, the session's result equal to the round-1 functions on the
default, and the figures ``ylt coverage`` writes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import facilities_csv, facility_rows, write_world
from geodata.default import load_default
from geodata.package import load_package
from planning import accessibility as acc
from planning.config import PlanConfig
from planning.errors import ConfigError
from planning.coverage import Facilities
from planning.plan import Plan
from planning.session import PlanningSession


def dai(d: float, d0: float) -> float:
    """Dai (2010)'s Gaussian weight, written out apart from the code under test."""
    return (math.exp(-0.5 * (d / d0) ** 2) - math.exp(-0.5)) / (1 - math.exp(-0.5)) if d <= d0 else 0.0


def test_tiers_by_hand_on_a_line():
    """Three demand points of 1,000 residents each on a line, 1 km apart; a CHC with 2 GPs at the
    first, a district hospital with 100 beds at the last; no village clinic, THC, county or city
    hospital (those tiers are skipped and say why)::

        CHC(2 GPs)                      DH(100 beds)
        p0 -------- 1 km -------- p1 -------- 1 km -------- p2

    CHC tier, d0 = chc_threshold_km = 1.5: weights 1, w(1 km), 0; the CHC's ratio is
    2 / (1000 + 1000 w(1)); p0 gets 10,000 R, p1 10,000 R w(1), p2 nothing.
    District hospital tier, d0 = hospital_threshold_km = 10: weights w(2), w(1), 1.
    Norms are the resident-weighted means; the limiting tier is the lower ratio: p0 is limited by
    the hospital (its CHC ratio is about 2), p1 and p2 by the CHC (p2 has none in reach)."""
    config = PlanConfig(detour_factor=1.0)
    demand_xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    people = np.full(3, 1000.0)
    facilities = pd.DataFrame({"kind": ["chc", "district_hospital"], "gps": [2.0, np.nan],
                               "physicians": [3.0, 40.0], "beds": [np.nan, 100.0], "x": [0.0, 2000.0], "y": [0.0, 0.0]})

    def cost_of(sites, reach):
        return acc.distance_costs(demand_xy, sites, reach, detour=1.0)

    values, tiers = acc.hierarchical(cost_of, facilities, people, config, minutes=False)
    ratio = 2 / (1000 + 1000 * dai(1, 1.5))
    assert values["chc"].tolist() == pytest.approx([10_000 * ratio, 10_000 * ratio * dai(1, 1.5), 0.0], abs=1e-12)
    w = [dai(2, 10), dai(1, 10), 1.0]
    beds = 100 / (1000 * sum(w))
    assert values["district_hospital"].tolist() == pytest.approx([10_000 * beds * x for x in w], abs=1e-12)
    t = tiers.set_index("tier")
    assert t.loc["chc", "norm"] == pytest.approx(values["chc"].mean())
    assert t.loc["chc", "catchment"] == 1.5 and t.loc["district_hospital", "catchment"] == 10.0
    assert t.loc["district_hospital", "supply"] == "beds" and t.loc["district_hospital", "supply_total"] == 100
    assert dict(zip(t.index, t["skipped"])) == {"village_clinic": "no_facilities", "thc": "no_facilities",
                                                "county_hospital": "no_facilities", "chc": "",
                                                "district_hospital": "", "city_hospital": "no_facilities"}
    ratios = values / t.loc[list(values.columns), "norm"].to_numpy()
    assert acc.limiting_tier(ratios, np.array(["urban"] * 3)).tolist() == ["district_hospital", "chc", "chc"]
    # the rural chain has no measured tier here: nothing limits, nothing breaks
    assert acc.limiting_tier(ratios, np.array(["rural"] * 3)).tolist() == ["", "", ""]


def test_each_tier_takes_its_own_supply_and_decay_from_the_settings():
    """The same line of three points as above, with the CHC counted by physicians (3) and without
    decay (plain 2SFCA within 1.5 km: p0 and p1 share it, p2 is beyond), and the district hospital
    with the E2SFCA steps stretched to its 10 km (2 km and 1 km away: both in the first step, 1.0)."""
    config = PlanConfig(detour_factor=1.0, access_tier_supply_chc="physicians", access_tier_decay_chc="none",
                        access_tier_decay_district_hospital="steps")
    demand_xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    people = np.full(3, 1000.0)
    facilities = pd.DataFrame({"kind": ["chc", "district_hospital"], "gps": [2.0, np.nan],
                               "physicians": [3.0, 40.0], "beds": [np.nan, 100.0], "x": [0.0, 2000.0], "y": [0.0, 0.0]})
    values, tiers = acc.hierarchical(lambda sites, reach: acc.distance_costs(demand_xy, sites, reach, detour=1.0),
                                     facilities, people, config, minutes=False)
    assert values["chc"].tolist() == pytest.approx([10_000 * 3 / 2000, 10_000 * 3 / 2000, 0.0])
    assert values["district_hospital"].tolist() == pytest.approx([10_000 * 100 / 3000] * 3)  # every point in step 1
    t = tiers.set_index("tier")
    assert t.loc["chc", "supply"] == "physicians" and t.loc["chc", "decay"] == "none"
    assert t.loc["district_hospital", "decay"] == "steps" and t.loc["thc", "decay"] == "gaussian"
    with pytest.raises(ConfigError, match="access_tier_decay_chc must be one of gaussian, steps, none"):
        PlanConfig.from_mapping({"accessibility": {"access_tier_decay_chc": "cubic"}})
    with pytest.raises(ConfigError, match="access_tier_supply_thc must be one of gps, physicians, beds"):
        PlanConfig.from_mapping({"accessibility": {"access_tier_supply_thc": "nurses"}})


def test_a_tie_goes_to_the_tier_nearest_the_resident():
    ratios = pd.DataFrame({"chc": [0.5, 1.0], "district_hospital": [0.5, 0.9], "city_hospital": [0.5, 2.0]})
    assert acc.limiting_tier(ratios, np.array(["urban", "urban"])).tolist() == ["chc", "district_hospital"]


def test_gps_fall_back_to_physicians_and_blank_supply_skips_the_tier():
    frame = pd.DataFrame({"kind": ["thc", "thc"], "gps": [np.nan, 4.0], "physicians": [6.0, 9.0], "beds": [np.nan, np.nan]})
    thc = next(t for t in acc.TIERS if t.name == "thc")
    county = next(t for t in acc.TIERS if t.name == "county_hospital")
    assert acc.tier_supply(frame, thc).tolist() == [6.0, 4.0]
    assert acc.tier_skip_reason(np.arange(2), acc.tier_supply(frame, county)) == "no_supply"
    assert acc.tier_skip_reason(np.arange(0), np.zeros(0)) == "no_facilities"
    # a frame without the column (a package built in code): unknown, the tier is skipped
    assert acc.tier_supply(frame.drop(columns="beds"), county).tolist() == [0.0, 0.0]


def _staffed_world(folder, *, villages: bool, city: bool):
    rows = [r for r in facility_rows() if (villages or r["kind"] != "village_clinic") and (city or r["kind"] != "city_hospital")]
    staffing = {"chc": (6, 20, ""), "thc": (3, 10, ""), "district_hospital": ("", 150, 400),
                "village_clinic": ("", 1, ""), "city_hospital": ("", 900, 2000)}
    text = facilities_csv(rows).splitlines()
    head = text[0] + ",gps,physicians,beds"
    body = [line + ",{},{},{}".format(*staffing[r["kind"]]) for line, r in zip(text[1:], rows)]
    world = write_world(folder)
    (world / "facilities.csv").write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    return load_package(world)


@pytest.mark.parametrize("villages, city", [(False, True), (True, False), (False, False)])
def test_a_package_without_village_clinics_or_city_hospitals_skips_the_tier(tmp_path, villages, city):
    pkg = _staffed_world(tmp_path / "w", villages=villages, city=city)
    result = PlanningSession(pkg).accessibility()
    skipped = set(result.skipped_tiers)
    assert ("village_clinic" in skipped) is not villages and ("city_hospital" in skipped) is not city
    assert "county_hospital" in skipped  # the small world has none
    assert not ({"tier_village_clinic", "ratio_village_clinic"} & set(result.units.columns)) or villages
    measured = set(result.tiers.loc[result.tiers["measured"], "tier"])
    assert {"chc", "thc", "district_hospital"} <= measured
    # every unit is limited by a tier its chain measures
    chain_of = dict(zip(result.tiers["tier"], result.tiers["chain"]))
    for chain, tier in zip(result.units["chain"], result.units["limiting_tier"]):
        assert tier in measured and chain_of[tier] == chain
    assert result.document()["skipped_tiers"] == result.skipped_tiers


def test_a_package_with_no_staffing_at_all_measures_nothing_and_does_not_break(tmp_path):
    """The small world of conftest records no GPs, physicians or beds: every tier is skipped
    (no supply), the measures are 0, and every unit says nothing limits it."""
    result = PlanningSession(load_package(write_world(tmp_path / "w"))).accessibility()
    assert set(result.tiers["skipped"]) == {"no_supply", "no_facilities"}
    assert (result.units["limiting_tier"] == "").all() and (result.units["e2sfca"] == 0).all()
    assert result.equity["share_below"] == 1.0


# --- the default package --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default():
    session = PlanningSession(load_default())
    return session, session.accessibility()


def test_the_sessions_result_equals_the_round_one_functions_on_the_default(default):
    session, result = default
    pkg, world, config = session.package, session.world, session.config
    params = acc.AccessParams.from_config(config, minutes=False)
    fac = Facilities.from_frame(pkg.facilities, world.crs)
    primary = fac.of(("chc", "thc"))
    costs = acc.distance_costs(world.xy, fac.xy[primary], params.reach, detour=config.detour_factor)
    expected = acc.measures(costs, world.population, np.nan_to_num(fac.clinicians[primary]), params)
    assert result.demand == "units" and result.cost_unit == "km" and result.measure == "e2sfca"
    for column in (*acc.MEASURES, "nearest"):
        np.testing.assert_allclose(result.points[column], expected[column], rtol=0, atol=1e-9)
        np.testing.assert_allclose(result.units[column], expected[column], rtol=0, atol=1e-9)  # one point per unit
    assert result.equity == pytest.approx(acc.equity(expected["e2sfca"], world.population, expected["nearest"], params))
    frame = expected.assign(population=world.population, ring=[world.district_ring[d] for d in world.district],
                            district_code=world.district)
    pd.testing.assert_frame_equal(result.by_ring, acc.equity_by(frame, "ring", params))
    assert result.by_ring["ring"].iloc[0] == "remote_suburb"
    assert result.by_district["ring"].iloc[0] == "remote_suburb" and result.by_district["district_name"].iloc[0]
    assert result.by_grid.empty and (result.units["grid_id"] == "").all()


def test_the_default_lacks_county_hospitals_and_city_hospital_beds(default):
    _, result = default
    t = result.tiers.set_index("tier")
    assert t.loc["county_hospital", "skipped"] == "no_facilities" and t.loc["city_hospital", "skipped"] == "no_supply"
    assert set(result.units["limiting_tier"]) <= {"village_clinic", "thc", "chc", "district_hospital"}
    assert set(result.units["chain"]) == {"urban", "rural"}


def test_a_plan_adds_its_grids_and_the_equity_by_grid_and_is_cached(default):
    session, result = default
    assignment = {u: f"{d}-G01" for u, d in zip(result.units["unit_code"], result.units["district_code"])}
    plan = Plan(assignment=assignment, grids=(), name="t")
    planned = session.accessibility(plan)
    assert planned is session.accessibility(plan) and session.accessibility() is result
    assert set(planned.by_grid["grid_id"]) == set(assignment.values())
    # one grid per district: the equity by grid is the equity by district
    by_district = planned.by_district.set_index("district_code")
    for row in planned.by_grid.itertuples():
        assert row.gini == pytest.approx(by_district.loc[row.grid_id[:-4], "gini"], nan_ok=True)
    np.testing.assert_array_equal(planned.units["e2sfca"], result.units["e2sfca"])


def test_the_document_is_plain_json(default):
    import json

    _, result = default
    doc = result.document()
    text = json.dumps(doc, allow_nan=False)  # no NaN or Infinity
    back = json.loads(text)
    assert back["units"][0].keys() >= {"unit_code", "unit_name", "e2sfca", "limiting_tier", "chain", "grid_id"}
    assert [r["ring"] for r in back["by_ring"]][0] == "remote_suburb"
    assert back["params"]["catchment"] == result.params.catchment


def test_on_roads_every_tier_is_measured_in_minutes_against_its_own_minute_catchment(tmp_path):
    """A road across the small world: costs are travel minutes, each tier's d0 is its
    ``*_threshold_min``, and the CHC tier is the Gaussian 2SFCA over the road minutes."""
    from planning.roads import build_network

    pkg = _staffed_world(tmp_path / "w", villages=True, city=True)
    session = PlanningSession(pkg)
    world, config = session.world, session.config
    low, high = world.xy.min(axis=0) - 2000, world.xy.max(axis=0) + 2000
    road = np.column_stack([np.linspace(low[0], high[0], 60), np.full(60, world.xy[:, 1].mean())])
    network = build_network([road], [30.0])
    result = acc.assess(pkg, world, network=network)
    assert result.cost_unit == "min"
    t = result.tiers.set_index("tier")
    for tier in acc.TIERS:
        assert t.loc[tier.name, "catchment"] == getattr(config, f"{tier.threshold}_min")
    fac = Facilities.from_frame(pkg.facilities, world.crs)
    chc = fac.of(("chc",))
    d0 = config.chc_threshold_min
    costs = acc.travel_costs(network, world.xy, fac.xy[chc], d0, walk_kmh=config.walk_kmh)
    expected = 10_000 * acc.gaussian_two_sfca(costs, world.population, np.full(len(chc), 6.0), d0)
    assert (expected > 0).any() and (expected == 0).any()  # some units reach the CHC in time, some do not
    np.testing.assert_allclose(result.units["tier_chc"], expected, rtol=0, atol=1e-12)
    assert result.params == acc.AccessParams.from_config(config, minutes=True)
