"""Population cells as GeoParquet partitioned by county (geodata.cells, issue 19)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.cells import (
    cell_counties,
    cells_outside,
    cells_per_unit,
    county_path,
    county_population,
    read_county_cells,
    write_county_cells,
)
from geodata.errors import DataValidationError


def points(xy: list[tuple[float, float]], people: list[float], crs="EPSG:4326") -> gpd.GeoDataFrame:
    x, y = np.array(xy, dtype=float).T
    return gpd.GeoDataFrame({"population": people}, geometry=shapely.points(x, y), crs=crs)


def units_frame() -> gpd.GeoDataFrame:
    """Two units side by side (U1 west, U2 east) and U3 overlapping U2's east half."""
    return gpd.GeoDataFrame({"unit_code": ["U1", "U2", "U3"], "unit_name": ["一", "二", "三"]},
                            geometry=[shapely.box(100, 30, 101, 31), shapely.box(101, 30, 102, 31),
                                      shapely.box(101.5, 30, 102, 31)], crs="EPSG:4326")


def test_round_trip_keeps_population_and_points_in_wgs84(tmp_path):
    frame = points([(100.1, 30.2), (100.5, 30.9), (101.7, 30.5)], [5, 0, 12.5])
    frame["extra"] = ["a", "b", "c"]
    path = write_county_cells(frame, tmp_path, "630001")
    assert path == tmp_path / "county=630001" / "part-0.parquet" == county_path(tmp_path, "630001")
    back = read_county_cells(tmp_path, "630001")
    assert list(back.columns) == ["population", "geometry"] and back.crs == "EPSG:4326"
    assert back["population"].tolist() == [5, 0, 12.5]
    assert np.array_equal(shapely.get_coordinates(back.geometry), shapely.get_coordinates(frame.geometry))
    assert not list(tmp_path.glob("**/.*.part*"))  # written beside and renamed into place


def test_a_frame_in_another_system_is_stored_in_wgs84(tmp_path):
    frame = points([(100.1, 30.2), (101.2, 30.4)], [1, 2]).to_crs("EPSG:3857")
    write_county_cells(frame, tmp_path, "630002")
    back = read_county_cells(tmp_path, "630002")
    assert back.crs == "EPSG:4326"
    assert np.allclose(shapely.get_coordinates(back.geometry), [[100.1, 30.2], [101.2, 30.4]])


def test_counties_listed_sorted_and_stray_folders_ignored(tmp_path):
    assert cell_counties(tmp_path / "none") == []
    for code in ("630003", "630001", "630002"):
        write_county_cells(points([(100.1, 30.1)], [1]), tmp_path, code)
    (tmp_path / "county=630009").mkdir()  # no part file
    (tmp_path / "other").mkdir()
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert cell_counties(tmp_path) == ["630001", "630002", "630003"]


def test_one_county_is_read_without_touching_the_others(tmp_path):
    write_county_cells(points([(100.1, 30.1), (100.2, 30.2)], [3, 4]), tmp_path, "630001")
    write_county_cells(points([(101.1, 30.1)], [9]), tmp_path, "630002")
    county_path(tmp_path, "630002").write_bytes(b"not parquet at all")  # the neighbour is damaged
    (tmp_path / "county=630003").mkdir()
    (tmp_path / "county=630003" / "part-0.parquet").mkdir()  # and another cannot even be opened as a file
    cells = read_county_cells(tmp_path, "630001")
    assert cells["population"].tolist() == [3, 4]
    with pytest.raises(DataValidationError) as damaged:
        read_county_cells(tmp_path, "630002")
    assert [i.code for i in damaged.value.issues] == ["file_unreadable"]
    assert "county=630002/part-0.parquet" in damaged.value.issues[0].message("en")
    with pytest.raises(DataValidationError) as missing:
        read_county_cells(tmp_path, "630404")
    assert [i.code for i in missing.value.issues] == ["layer_missing"]


def test_a_partition_without_population_is_refused(tmp_path):
    path = county_path(tmp_path, "630001")
    path.parent.mkdir(parents=True)
    gpd.GeoDataFrame({"people": [1]}, geometry=[shapely.Point(100, 30)], crs="EPSG:4326").to_parquet(path)
    with pytest.raises(DataValidationError) as err:
        read_county_cells(tmp_path, "630001")
    assert [i.code for i in err.value.issues] == ["column_missing"]


@pytest.mark.parametrize("code", ["../630001", "630001/x", "", "county=1", "a b"])
def test_a_code_that_is_no_folder_name_is_refused(tmp_path, code):
    with pytest.raises(ValueError):
        county_path(tmp_path, code)


def test_cells_summed_per_unit_and_the_cells_outside_counted():
    cells = points([(100.2, 30.5), (100.8, 30.5), (101.2, 30.5), (101.7, 30.5), (105.0, 30.5), (99.0, 29.0)],
                   [10, 20, 30, 40, 7, 8])
    per_unit = cells_per_unit(cells, units_frame())
    assert per_unit.index.tolist() == ["U1", "U2", "U3"] and per_unit.index.name == "unit_code"
    # the cell at 101.7 lies within U2 and U3 (they overlap): counted once, for the first
    assert per_unit.tolist() == [30.0, 70.0, 0.0]
    assert cells_outside(per_unit) == (2, 15.0)
    assert per_unit.sum() + cells_outside(per_unit)[1] == cells["population"].sum()


def test_units_in_another_system_and_numeric_codes():
    units = units_frame().iloc[:2].to_crs("EPSG:3857")
    units["unit_code"] = [310101001, 310101002]
    per_unit = cells_per_unit(points([(100.5, 30.5), (101.5, 30.5)], [1, 2]), units)
    assert per_unit.to_dict() == {"310101001": 1.0, "310101002": 2.0}
    assert cells_outside(per_unit) == (0, 0.0)


def test_no_cells_gives_zero_per_unit():
    per_unit = cells_per_unit(points([(0.0, 0.0)], [1]).iloc[:0], units_frame())
    assert per_unit.tolist() == [0.0, 0.0, 0.0]
    assert cells_outside(pd.Series(dtype=float)) == (0, 0.0)


def test_county_population_reads_its_partition_and_sums(tmp_path):
    write_county_cells(points([(100.5, 30.5), (100.6, 30.6), (101.5, 30.5)], [1, 2, 4]), tmp_path, "630001")
    assert county_population(tmp_path, "630001", units_frame().iloc[:2]).tolist() == [3.0, 4.0]
