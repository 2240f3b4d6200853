"""Property-based fuzzing of the data loaders (issue 16): any input gives either a result or a
list of problems, never a traceback.

Random bytes under every suffix a planner may send, random small tables written as CSV (UTF-8,
with BOM, GB18030, or bytes that are neither), as XLSX (formulas included) and as GeoJSON (with
broken geometry), go through ``geodata.readers.read_file``, ``geodata.validate.interpret`` for
every layer and ``geodata.package.load_package``. Every problem reported must render, in both
languages, with its fix. The writers get random text too: no exception, no formula cell, no CSV
cell a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import string
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import collection, district_features, unit_features, write_world
from geodata.errors import DataValidationError, Issue
from geodata.package import DataPackage, load_package
from geodata.readers import RawLayer, read_file
from geodata.schema import LAYERS, LATITUDE_ALIASES, LONGITUDE_ALIASES, WKT_ALIASES
from geodata.validate import interpret

# FUZZ_N=1000 for a longer, randomised hunt; by default the same 100 examples every run
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_N", 100)), deadline=None, derandomize=not os.environ.get("FUZZ_N"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
SLOWER = settings(FUZZ, max_examples=max(30, FUZZ.max_examples // 4))  # a whole package load per example

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg", ".shp", ".zip")
CRS = (None, "wgs84", "gcj02", "bd09", "EPSG:3857", "EPSG:4547", "nonsense", "", 'LOCAL_CS["a",UNIT["metre",1]]', "IAU_2015:30100")

# words a planner's cells hold, and the ones that break programs
WORDS = ("", " ", "0", "-1", "-3.5", "1,200", "1e400", "nan", "NaN", "inf", "-inf", "是", "否", "true", "x",
         "121.01", "31.01", "31.01,121.01", "900001", "900001.0", "chc", "社区卫生服务中心", "district_hospital",
         "central", "远郊", "=1+1", '=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "\t=1", "\r=1", "\x00", "\x01",
         "甲\x1f区", "\ud800", "a\ud800b", "POINT (121.01 31.01)", "POLYGON ((121 31, 121.1 31, 121.1 31.1, 121 31))",
         "POLYGON ((0 0, 1 1))", "LINESTRING (121 31, 121.1 31.1)", "POINT EMPTY", "GEOMETRYCOLLECTION EMPTY",
         "<script>alert(1)</script>", "[x](http://x)", "9" * 40, "😀", "\u202e", "\ufeff")

COLUMNS = sorted({c.name for layer in LAYERS.values() for c in layer.columns}
                 | {a for layer in LAYERS.values() for c in layer.columns for a in c.aliases[:3]}
                 | set(LONGITUDE_ALIASES[:3]) | set(LATITUDE_ALIASES[:3]) | set(WKT_ALIASES[:2])
                 | {"district_c", "facility_c", "", " ", "=x", "\x01"})

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)  # surrogates and controls too
cell_text = st.one_of(st.sampled_from(WORDS), any_text, st.text(string.digits + ".-,e", max_size=8))
cell = st.one_of(cell_text, st.none(), st.integers(-10**12, 10**12),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans())
column_name = st.one_of(st.sampled_from(COLUMNS), any_text)


@st.composite
def tables(draw) -> tuple[list[str], list[list[object]]]:
    width = draw(st.integers(1, 6))
    header = draw(st.lists(column_name, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 1), max_size=6))
    return header, rows


GOOD_ROWS = {  # a row each layer loads, for tables that are almost right
    "facilities": {"facility_code": "F1", "name": "甲", "kind": "chc", "lon": "121.01", "lat": "31.01", "beds": "10"},
    "partnerships": {"hospital_code": "CITY", "district_code": "900001", "since": "2020"},
    "candidates": {"site_code": "S1", "name": "站", "lon": "121.02", "lat": "31.02"},
    "population_points": {"population": "100", "lon": "121.02", "lat": "31.02"},
    "units": {"unit_code": "U1", "district_code": "900001", "population": "1000",
              "wkt": "POLYGON ((121 31, 121.01 31, 121.01 31.01, 121 31.01, 121 31))"},
}


@st.composite
def near_valid_tables(draw) -> tuple[list[str], list[list[object]]]:
    """A layer's good rows with some cells, and maybe a column name, replaced by hostile ones."""
    good = GOOD_ROWS[draw(st.sampled_from(sorted(GOOD_ROWS)))]
    header = list(good)
    if draw(st.booleans()):
        header[draw(st.integers(0, len(header) - 1))] = draw(column_name)
    rows = []
    for k in range(draw(st.integers(1, 5))):
        row = [f"{v}{k}" if name.endswith("code") else v for name, v in good.items()]
        for j in draw(st.lists(st.integers(0, len(row) - 1), max_size=3)):
            row[j] = draw(cell)
        rows.append(row)
    return header, rows


def _text(value: object) -> str:
    return "" if value is None else str(value)


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([[_text(v) for v in row] for row in rows])
    return out.getvalue().encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    """A workbook as a program might write it: text as given (formulas too, without values), less
    what XLSX itself cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def fit(value: object) -> object:
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode("utf-8"))
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return value

    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append([fit(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


coordinate = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7),
                       st.floats(120.9, 121.2), st.floats(30.9, 31.1), st.sampled_from([0.0, 180.0, -90.0]))
position = st.lists(coordinate, min_size=0, max_size=3)
geometry = st.one_of(
    st.none(),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, position),
    st.builds(lambda ring: {"type": "Polygon", "coordinates": [ring]}, st.lists(position, max_size=6)),
    st.builds(lambda ring: {"type": "Polygon", "coordinates": [ring + ring[:1]]}, st.lists(position, min_size=1, max_size=6)),
    st.builds(lambda line: {"type": "LineString", "coordinates": line}, st.lists(position, max_size=4)),
    st.builds(lambda t: {"type": t, "coordinates": []}, st.sampled_from(["MultiPolygon", "Foo", "GeometryCollection"])),
    st.sampled_from([{"type": "GeometryCollection", "geometries": []}, {}, "x", 3]),
)
json_value = st.one_of(cell_text, st.none(), st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                       st.booleans(), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def geojson_bytes(draw) -> bytes:
    if draw(st.booleans()):  # the test world's districts or units, some properties and shapes replaced
        features = json.loads(json.dumps(draw(st.sampled_from([district_features(), unit_features()[:6]]))))
        for f in features:
            for name in draw(st.lists(st.sampled_from(sorted(f["properties"])), max_size=2)):
                f["properties"][name] = draw(json_value)
            if draw(st.integers(0, 4)) == 0:
                f["geometry"] = draw(geometry)
    else:
        names = draw(st.lists(column_name, min_size=1, max_size=5))
        features = [{"type": "Feature", "properties": {n: draw(json_value) for n in names}, "geometry": draw(geometry)}
                    for _ in range(draw(st.integers(0, 5)))]
    doc: object = {"type": "FeatureCollection", "features": features}
    doc = draw(st.sampled_from([doc, {"type": "Feature", **(features[0] if features else {})}, features, {"type": "X"}]))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])), errors="surrogatepass")


def _renders(issues: list[Issue]) -> None:
    for i in issues:
        assert isinstance(i, Issue)
        assert i.code != "rows_unaccounted", i.message("en")  # "a fault of the program": every row loaded or listed
        for lang in ("zh", "en"):
            assert i.message(lang) and i.fix(lang) and isinstance(i.where(lang), str)


def _read(path: Path) -> list[tuple[str, RawLayer]]:
    out = read_file(path)
    assert out and all(isinstance(raw, RawLayer) for _, raw in out)
    for _, raw in out:
        _renders(raw.issues)
    return out


def _interpret_everywhere(raw: RawLayer, crs: str | None) -> None:
    for layer in LAYERS.values():
        result = interpret(layer, raw, crs_text=crs)
        _renders(result.issues)
        if len(result.frame):
            assert set(layer.column_names) <= set(result.frame.columns)
            assert len(result.frame) <= len(raw.frame)


# --- the readers and the interpreter --------------------------------------------------------------

@FUZZ
@given(data=st.one_of(st.binary(max_size=600),
                      st.builds(lambda head, tail: head + tail,
                                st.sampled_from([b"PK\x03\x04", b"{", b"\xef\xbb\xbf", b"SQLite format 3\x00",
                                                 b"\x00\x00'\n", b'{"type":"FeatureCollection","features":[']),
                                st.binary(max_size=400))),
       suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_under_any_suffix_are_reported_never_raised(tmp_path, data, suffix):
    path = tmp_path / f"facilities{suffix}"
    path.write_bytes(data)
    for _, raw in _read(path):
        _interpret_everywhere(raw, None)


any_table = st.one_of(tables(), near_valid_tables())


@FUZZ
@given(table=any_table, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), delimiter=st.sampled_from(",;\t|"),
       crs=st.sampled_from(CRS))
def test_random_csv_tables_are_loaded_or_reported(tmp_path, table, encoding, delimiter, crs):
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes(*table, encoding, delimiter))
    for _, raw in _read(path):
        _interpret_everywhere(raw, crs)


@FUZZ
@given(table=any_table, crs=st.sampled_from(CRS))
def test_random_xlsx_tables_are_loaded_or_reported(tmp_path, table, crs):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes(*table))
    for _, raw in _read(path):
        _interpret_everywhere(raw, crs)


@FUZZ
@given(data=geojson_bytes(), crs=st.sampled_from(CRS))
def test_random_geojson_is_loaded_or_reported(tmp_path, data, crs):
    path = tmp_path / "t.geojson"
    path.write_bytes(data)
    for _, raw in _read(path):
        _interpret_everywhere(raw, crs)


# --- whole packages ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_world(tmp_path_factory) -> Path:
    return write_world(tmp_path_factory.mktemp("fuzz-world"))


def _load(folder: Path, **kw) -> None:
    try:
        package = load_package(folder, **kw)
    except DataValidationError as exc:
        assert exc.issues
        _renders(exc.issues)
        return
    assert isinstance(package, DataPackage)
    _renders(package.report.issues)


def _package_with(world: Path, folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("districts.geojson", "units.geojson", "facilities.csv"):
        (folder / name).write_bytes((world / name).read_bytes())
    for name, data in files.items():
        for old in folder.glob(Path(name).stem + ".*"):
            old.unlink()
        (folder / name).write_bytes(data)
    return folder


@SLOWER
@given(table=any_table, kind=st.sampled_from(["csv", "xlsx"]),
       layer=st.sampled_from(["facilities", "units", "partnerships", "candidates", "population_points"]))
def test_a_package_with_a_random_table_loads_or_says_why(tmp_path_factory, good_world, table, kind, layer):
    data = csv_bytes(*table, "utf-8", ",") if kind == "csv" else xlsx_bytes(*table)
    _load(_package_with(good_world, tmp_path_factory.mktemp("p"), {f"{layer}.{kind}": data}))


@SLOWER
@given(data=geojson_bytes(), layer=st.sampled_from(["districts", "units", "facilities"]))
def test_a_package_with_a_random_geojson_layer_loads_or_says_why(tmp_path_factory, good_world, data, layer):
    _load(_package_with(good_world, tmp_path_factory.mktemp("p"), {f"{layer}.geojson": data}))


@SLOWER
@given(names=st.lists(st.one_of(st.sampled_from(WORDS), any_text), min_size=2, max_size=2),
       codes=st.lists(st.one_of(st.sampled_from(WORDS), any_text), min_size=2, max_size=2))
def test_districts_with_random_names_and_codes_load_or_say_why(tmp_path_factory, good_world, names, codes):
    features = district_features()
    for f, name, code in zip(features, names, codes):
        f["properties"]["district_name"], f["properties"]["district_code"] = name, code
    data = collection(features).encode("utf-8", errors="surrogatepass")
    _load(_package_with(good_world, tmp_path_factory.mktemp("p"), {"districts.geojson": data}))


PRJS = ('LOCAL_CS["a",UNIT["metre",1]]', 'GEOGCS["Moon",DATUM["D_Moon",SPHEROID["Moon",1737400,0]],PRIMEM["G",0],UNIT["Degree",0.0174532925199433]]',
        'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
        'PROJCS["x",GEOGCS["y"]]', "", "EPSG:4326", "/etc/passwd", 'GEOGCS[' * 200)


@SLOWER
@given(prj=st.one_of(st.sampled_from(PRJS), any_text, st.text(max_size=200)))
def test_a_shapefile_with_any_prj_loads_or_says_why(tmp_path_factory, good_world, prj):
    import warnings

    import geopandas as gpd

    folder = _package_with(good_world, tmp_path_factory.mktemp("p"), {})
    with warnings.catch_warnings():  # geopandas and GDAL warn that they cut the column names to 10
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame.from_features(district_features(), crs=4326).to_file(folder / "districts.shp")
    (folder / "districts.geojson").unlink()
    (folder / "districts.prj").write_bytes(prj.encode("utf-8", errors="surrogatepass"))
    _load(folder)


# --- the writers ------------------------------------------------------------------------------------

@FUZZ
@given(values=st.lists(st.one_of(any_text, st.sampled_from(WORDS)), min_size=1, max_size=8),
       numbers=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=8, max_size=8))
def test_writers_take_any_text_and_never_write_a_live_formula(tmp_path, values, numbers):
    from geodata.export import write_csv, write_json, write_xlsx

    frame = pd.DataFrame({"name": pd.Series(values, dtype=object), "figure": numbers[:len(values)]})
    write_csv(frame, tmp_path / "t.csv")
    write_xlsx(tmp_path / "t.xlsx", {"t": frame})
    write_json({"names": values}, tmp_path / "t.json")
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r")), row
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [c.coordinate for row in book.active.iter_rows() for c in row if c.data_type == "f"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.json", "t.xlsx"]
