"""The synthetic region (issue 19): deterministic per county, irregular counties that tile, packages
that load without errors and plan, cells that add up to the units' population."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geodata.cells import cell_counties, cells_per_unit, read_county_cells
from geodata.package import load_package
from planning.session import PlanningSession
from region.synthetic import county_polygon, make_region, spiral

SMALL = {"townships": 6, "villages_per_township": 3, "cells_per_county": 1200}


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict:
    return make_region(tmp_path_factory.mktemp("folders"), 3, seed=7, **SMALL)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> dict:
    return make_region(tmp_path_factory.mktemp("package"), 4, seed=7, layout="package", **SMALL)


def test_what_was_written(folders):
    assert folders["counties"] == ["630001", "630002", "630003"]
    assert [p.name for p in folders["packages"]] == folders["counties"]
    assert cell_counties(folders["cells"]) == folders["counties"]
    assert folders["units"] == 3 * 6 and folders["villages"] == 3 * 6 * 3 and folders["cell_count"] == 3 * 1200
    for p in folders["packages"]:
        assert sorted(f.name for f in p.iterdir()) == ["districts.geojson", "facilities.csv", "units.geojson"]


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path):
    one = make_region(tmp_path / "one", 2, seed=3, layout="package", **SMALL)
    two = make_region(tmp_path / "two", 2, seed=3, layout="package", **SMALL)
    other = make_region(tmp_path / "other", 2, seed=4, layout="package", **SMALL)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert len(files(tmp_path / "one")) == 3 + 2  # the package's three files and two partitions
    assert files(tmp_path / "one" / "package") != files(tmp_path / "other" / "package")
    assert one["population"] == two["population"] != other["population"]


def test_a_county_is_the_same_in_a_region_of_3_or_5(tmp_path):
    make_region(tmp_path / "three", 3, seed=11, **SMALL)
    make_region(tmp_path / "five", 5, seed=11, **SMALL)
    three, five = files(tmp_path / "three"), files(tmp_path / "five")
    assert len(three) == 3 * 4 and len(five) == 5 * 4  # per county: 3 package files and its cells
    assert {k: v for k, v in five.items() if k in three} == three


def test_counties_are_irregular_and_tile_without_gaps_or_overlaps():
    shapes = [county_polygon(i, 5) for i in range(9)]
    assert all(s.is_valid for s in shapes)
    assert all(len(s.exterior.coords) > 60 for s in shapes)  # wiggled sides, not squares
    assert len({round(s.area, 6) for s in shapes}) == 9
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-9)  # no overlaps
    assert isinstance(union, shapely.Polygon) and len(union.interiors) == 0  # a 3 x 3 block, no holes
    middle = shapes[0]
    assert sum(middle.intersection(s).length > 0.05 for s in shapes[1:]) >= 4  # shares whole sides
    assert len({spiral(i) for i in range(10_000)}) == 10_000


def test_three_thousand_counties_are_valid_polygons():
    """A national region (2,800 counties) must not hold a county whose sides cross at a corner."""
    assert all(county_polygon(i, 0).is_valid for i in range(3000))


def test_each_county_package_loads_without_errors_and_plans(folders):
    for path in folders["packages"]:
        pkg = load_package(path)
        assert pkg.report.counts()["error"] == 0, [i.code for i in pkg.report.issues]
        assert pkg.report.counts()["warning"] == 0, [i.code for i in pkg.report.issues]
        district = pkg.districts.iloc[0]
        assert len(pkg.districts) == 1 and district["ring"] == "county"
        assert district["pooling_area"] == district["district_code"] == path.name
        assert district["district_name"].startswith("青海示范县")
        assert pkg.units["population"].sum() == pytest.approx(district["population"])
        _plans_with_county_hospitals(pkg)


def test_one_package_holds_every_county_and_plans(package):
    pkg = load_package(package["packages"][0])
    assert pkg.report.counts()["error"] == 0, [i.code for i in pkg.report.issues]
    assert sorted(pkg.districts["district_code"]) == package["counties"]
    assert list(pkg.districts["pooling_area"]) == list(pkg.districts["district_code"])
    assert len(pkg.units) == 4 * 6 and (pkg.facilities["kind"] == "village_clinic").sum() == 4 * 6 * 3
    plan = _plans_with_county_hospitals(pkg)
    unit_county = pkg.units.set_index("unit_code")["district_code"]
    for grid in plan.grids:  # a grid never crosses a county (each its own pooling area)
        members = [u for u, g in plan.assignment.items() if g == grid.grid_id]
        assert set(unit_county[members]) == {grid.district_code}


def _plans_with_county_hospitals(pkg):
    session = PlanningSession(pkg)
    proposal = session.propose()
    plan = proposal.plan
    facilities = pkg.facilities.set_index("facility_code")
    assert proposal.grids.unplanned == ()
    assert set(plan.assignment) == set(pkg.units["unit_code"])  # every township in an alliance
    assert {facilities.loc[g.lead_facility_code, "kind"] for g in plan.grids} == {"county_hospital"}
    hospitals = facilities[facilities["kind"] == "county_hospital"]
    assert 1 <= len(plan.grids) <= len(hospitals)
    clinics = facilities[facilities["kind"] == "village_clinic"]
    assert (facilities.loc[clinics["thc_code"], "kind"] == "thc").all()  # every clinic linked to a THC
    verdict = session.judge(plan, pairings=proposal.pairing.pairings)
    assert verdict.passed, verdict.failed
    return plan


def test_cells_add_up_to_each_townships_population(folders):
    for code, path in zip(folders["counties"], folders["packages"], strict=True):
        units = load_package(path).units
        cells = read_county_cells(folders["cells"], code)
        assert len(cells) == 1200 and cells.crs == "EPSG:4326"
        per_unit = cells_per_unit(cells, units)
        assert per_unit.attrs["cells_outside"] == 0 and per_unit.attrs["population_outside"] == 0
        stated = units.set_index("unit_code")["population"]
        assert (per_unit.reindex(stated.index).to_numpy() == stated.to_numpy()).all()
        assert per_unit.min() > 0


def test_the_cells_are_denser_at_the_county_seat(folders):
    cells = read_county_cells(folders["cells"], folders["counties"][0])
    pkg = load_package(folders["packages"][0])
    seat = pkg.facilities[pkg.facilities["facility_code"] == "630001000001"].geometry.iloc[0]
    xy = shapely.get_coordinates(cells.geometry)
    away = np.hypot(xy[:, 0] - seat.x, xy[:, 1] - seat.y)
    near = away < np.median(away)
    assert cells.loc[near, "population"].sum() > 1.5 * cells.loc[~near, "population"].sum()


def test_generation_refuses_bad_arguments_and_a_used_folder(tmp_path, folders):
    with pytest.raises(ValueError, match="layout"):
        make_region(tmp_path / "x", 2, layout="zip")
    with pytest.raises(ValueError, match="counties"):
        make_region(tmp_path / "x", 0)
    with pytest.raises(ValueError, match="cells_per_county"):
        make_region(tmp_path / "x", 1, townships=5, cells_per_county=4)
    root = folders["cells"].parent
    with pytest.raises(FileExistsError):
        make_region(root, 1, **SMALL)


def test_the_written_polygons_are_the_generated_ones(folders):
    """Coordinates are written with 7 decimals and generated with them, so a cell tested inside
    its township in memory is inside it in the file."""
    units = gpd.read_file(folders["packages"][0] / "units.geojson")
    coords = shapely.get_coordinates(units.geometry)
    assert np.array_equal(coords, np.round(coords, 7))


def test_the_smallest_region_one_township_per_county_and_no_clinics(tmp_path):
    made = make_region(tmp_path, 2, townships=1, villages_per_township=0, cells_per_county=50, layout="package")
    pkg = load_package(made["packages"][0])
    assert pkg.report.counts()["error"] == 0 and made["villages"] == 0 and made["units"] == 2
    assert set(pkg.facilities["kind"]) == {"county_hospital", "thc"}
    _plans_with_county_hospitals(pkg)
