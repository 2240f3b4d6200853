"""The embedded Shanghai default: real facts, valid boundaries that tile the city, modelled layers labelled."""

from __future__ import annotations

import csv

import pytest
import shapely

from geodata.default import DEFAULT_DIR, load_default
from geodata.coords import metric_crs

CENSUS_TOTAL = 24_870_895


def facts(column: str) -> dict[str, int]:
    with open(DEFAULT_DIR / "sources" / "shanghai_districts.csv", encoding="utf-8") as f:
        return {r["adcode"]: int(r[column]) for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def shanghai():
    return load_default()


def test_sixteen_districts_with_census_population(shanghai):
    assert len(shanghai.districts) == 16
    assert shanghai.districts["district_code"].str.startswith("3101").all()
    assert shanghai.population == CENSUS_TOTAL
    assert shanghai.districts["population"].sum() == CENSUS_TOTAL
    census = facts("population_2020")
    assert dict(zip(shanghai.districts["district_code"], shanghai.districts["population"].astype(int))) == census


def test_loads_without_errors_or_warnings(shanghai):
    assert shanghai.report.errors == [] and shanghai.report.warnings == []
    assert shanghai.report.rejected == {}


def test_rings_and_remote_suburbs(shanghai):
    rings = shanghai.districts.set_index("district_name")["ring"]
    assert rings["黄浦区"] == "central" and rings["浦东新区"] == "near_suburb"
    assert set(rings[rings == "remote_suburb"].index) == {"金山区", "松江区", "青浦区", "奉贤区", "崇明区"}


def test_boundaries_are_valid_and_tile_the_city(shanghai):
    d = shanghai.districts.to_crs(metric_crs(shanghai.districts))
    assert d.is_valid.all()
    union = shapely.union_all(d.geometry.values)
    overlap = d.area.sum() - union.area
    assert overlap < 0.01 * 1e6, f"overlap {overlap / 1e6:.4f} km2"
    holes = sum(shapely.Polygon(r).area for p in getattr(union, "geoms", [union]) for r in p.interiors)
    assert holes < 0.01 * 1e6, f"gaps {holes / 1e6:.4f} km2"
    assert 7_000e6 < union.area < 9_000e6  # the land and inshore area of Shanghai, km2


def test_boundaries_were_converted_from_gcj02(shanghai):
    """People's Square (WGS84 121.4737, 31.2304) lies in Huangpu; the GCJ-02 boundary is ~500 m off."""
    huangpu = shanghai.districts.set_index("district_code").geometry["310101"]
    assert huangpu.contains(shapely.Point(121.4737, 31.2304))


def test_units_tile_their_districts_and_match_subdistrict_counts(shanghai):
    counts = facts("subdistricts_2023")
    assert shanghai.units.groupby("district_code").size().to_dict() == counts
    assert (shanghai.units["source"] == "modelled").all()
    crs = metric_crs(shanghai.districts)
    units, districts = shanghai.units.to_crs(crs), shanghai.districts.to_crs(crs)
    for code, geom in zip(districts["district_code"], districts.geometry):
        cells = units[units["district_code"] == code].geometry
        assert shapely.union_all(cells.values).symmetric_difference(geom).area < geom.area * 1e-3
        assert cells.area.sum() == pytest.approx(geom.area, rel=1e-3)


def test_city_hospitals_from_the_reference_and_modelled_layers_labelled(shanghai):
    f = shanghai.facilities
    city = f[f["kind"] == "city_hospital"]
    assert len(city) == 36 and (city["source"] == "reference").all()
    assert set(city["location_quality"]) == {"published", "approximate"}
    assert set(city["subkind"]) == {"general", "tcm", "specialty"}
    assert city.set_index("facility_code").loc["XINHUA-3", "campus_role"] == "planned"
    assert (city["hospital_code"] != "").all()
    modelled = f[f["kind"] != "city_hospital"]
    assert (modelled["source"] == "modelled").all()
    assert set(shanghai.modelled_layers) == {"units", "facilities"}


def test_every_district_has_hospitals_that_can_lead_and_primary_care(shanghai):
    f = shanghai.facilities
    leads = f[f["can_lead"]].groupby("district_code").size()
    assert set(leads.index) == set(shanghai.districts["district_code"]) and leads.min() >= 2
    primary = f[f["kind"].isin(["chc", "thc"])].groupby("district_code").size()
    assert primary.to_dict() == shanghai.units.groupby("district_code").size().to_dict()


def test_village_clinics_in_suburbs_with_thc_links_and_flags(shanghai):
    f = shanghai.facilities
    v = f[f["kind"] == "village_clinic"]
    rings = dict(zip(shanghai.districts["district_code"], shanghai.districts["ring"]))
    assert len(v) > 500 and all(rings[d] != "central" for d in v["district_code"])
    thcs = set(f.loc[f["kind"] == "thc", "facility_code"])
    linked = v["thc_code"] != ""
    assert set(v.loc[linked, "thc_code"]) <= thcs
    assert 0.9 < linked.mean() < 1.0  # some are deliberately not yet linked
    assert 0.5 < v["integrated"].astype(bool).mean() < 0.95


def test_facilities_lie_in_their_district(shanghai):
    d = shanghai.districts.set_index("district_code").geometry
    f = shanghai.facilities
    inside = [d[code].contains(p) for code, p in zip(f["district_code"], f.geometry)]
    assert sum(inside) / len(inside) > 0.98
