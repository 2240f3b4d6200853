"""Write the bad-input corpus: realistic broken packages, one problem each (issue 8).

    python tests/corpus/make_corpus.py            # (re)writes tests/corpus/cases/

Each case is a folder ``cases/NN-name/`` holding a small package (districts, units, facilities)
in which one file is broken in one way. ``tests/test_corpus.py`` runs every case through the CLI
and the app's loader: no crash, a clear message, and what can load still loads.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _conftest():
    """tests/conftest.py (the tests' small worlds), loaded from its file: this script runs on its
    own, outside pytest, and geodata comes from the installed package (pip install -e .)."""
    spec = importlib.util.spec_from_file_location("tests_conftest", HERE.parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_worlds = _conftest()
collection, district_features, facilities_csv = _worlds.collection, _worlds.district_features, _worlds.facilities_csv
facility_rows, unit_features = _worlds.facility_rows, _worlds.unit_features

GOOD_D = collection(district_features())
GOOD_U = collection(unit_features())
GOOD_F = facilities_csv()


def fcsv(mutate) -> str:
    rows = facility_rows()
    mutate(rows)
    return facilities_csv(rows)


def geo(features: list[dict]) -> str:
    return collection(features)


def districts_with(**props) -> str:
    d = district_features()
    d[0]["properties"].update(props)
    return geo(d)


def units_with(i: int = 0, geometry=..., **props) -> str:
    u = unit_features()
    u[i]["properties"].update(props)
    if geometry is not ...:
        u[i]["geometry"] = geometry
    return geo(u)


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def shapefile_zip(encoding: str, keep: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")) -> bytes:
    import geopandas as gpd
    import shapely

    tmp = HERE / "_tmp_shp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    gdf = gpd.GeoDataFrame({"code": ["900001", "900002"], "name": ["甲区", "乙区"]},
                           geometry=[shapely.box(121.0, 31.0, 121.04, 31.04), shapely.box(121.04, 31.0, 121.08, 31.04)],
                           crs=4326)
    gdf.to_file(tmp / "districts.shp", encoding=encoding, engine="pyogrio")
    files = {p.name: p.read_bytes() for p in tmp.iterdir() if p.suffix in keep}
    shutil.rmtree(tmp)
    return zipped(files)


def gcj02_facilities() -> str:
    """Twelve facilities 80-250 m inside the A/B boundary (lon 121.04), given in GCJ-02."""
    import numpy as np
    import shapely

    from geodata.coords import wgs84_to_shifted

    rng = np.random.default_rng(3)
    rows = []
    for k in range(12):
        side = 1 if k % 2 else -1
        lon, lat = 121.04 + side * rng.uniform(0.0008, 0.0025), rng.uniform(31.005, 31.035)
        p = wgs84_to_shifted(np.array([shapely.Point(lon, lat)]), "gcj02")[0]
        rows.append(f"G{k},机构{k},chc,{'900001' if side < 0 else '900002'},{p.x:.7f},{p.y:.7f}")
    return "facility_code,name,kind,district_code,lon,lat\n" + "\n".join(rows) + "\n"


BOWTIE = {"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.01, 31.01], [121.01, 31.0], [121.0, 31.01], [121.0, 31.0]]]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.01, 31.0], [121.01, 31.01]]]}
HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}`x`"

# name -> {file name: text or bytes}; files not named are the good ones
CASES: dict[str, dict[str, str | bytes]] = {
    "broken-json": {"districts.geojson": GOOD_D[:200]},
    "empty-districts-file": {"districts.geojson": ""},
    "empty-feature-collection": {"districts.geojson": geo([])},
    "not-json-at-all": {"districts.geojson": b"\x89PNG\r\n\x1a\n not a geojson"},
    "truncated-zip": {"districts.zip": zipped({"districts.geojson": GOOD_D.encode()})[:120]},
    "zip-path-traversal": {"districts.zip": zipped({"../../evil.geojson": GOOD_D.encode()})},
    "zip-bomb": {"districts.zip": zipped({"districts.geojson": b" " * 30_000_000})},
    "shapefile-without-dbf": {"districts.zip": shapefile_zip("UTF-8", keep=(".shp", ".shx", ".prj"))},
    "shapefile-without-prj": {"districts.zip": shapefile_zip("UTF-8", keep=(".shp", ".shx", ".dbf", ".cpg"))},
    "shapefile-gbk-without-cpg": {"districts.zip": shapefile_zip("GBK", keep=(".shp", ".shx", ".dbf", ".prj"))},
    "shapefile-without-shx": {"districts.zip": shapefile_zip("UTF-8", keep=(".shp", ".dbf", ".prj"))},
    "gbk-csv": {"facilities.csv": GOOD_F.encode("gbk")},
    "utf8-bom-csv": {"facilities.csv": b"\xef\xbb\xbf" + GOOD_F.encode()},
    "mixed-encoding-csv": {"facilities.csv": GOOD_F.encode() + "F9,坏行,chc,121.01,31.01\n".encode("gbk")},
    "empty-geometry": {"units.geojson": units_with(3, geometry=None)},
    "self-intersecting-unit": {"units.geojson": units_with(0, geometry=BOWTIE)},
    "unclosed-ring": {"units.geojson": units_with(0, geometry=UNCLOSED)},
    "swapped-lat-lon": {"facilities.csv": fcsv(lambda r: r[0].update(lon=31.015, lat=121.015))},
    "gcj02-points": {"facilities.csv": gcj02_facilities()},
    "projected-without-crs": {"facilities.csv": fcsv(lambda r: [x.update(lon=350000 + i, lat=3455000) for i, x in enumerate(r)])},
    "duplicate-codes": {"facilities.csv": fcsv(lambda r: r[1].update(facility_code=r[0]["facility_code"]))},
    "missing-code": {"facilities.csv": fcsv(lambda r: r[1].update(facility_code=""))},
    "missing-kind-column": {"facilities.csv": "facility_code,name,lon,lat\nF1,甲,121.01,31.01\n"},
    "no-coordinate-columns": {"facilities.csv": "facility_code,name,kind\nF1,甲,chc\n"},
    "text-in-population": {"units.geojson": units_with(0, population="很多")},
    "negative-population": {"units.geojson": units_with(0, population=-50)},
    "huge-population": {"units.geojson": units_with(0, population=9e12)},
    "nan-population": {"units.geojson": units_with(0, population="NaN")},
    "infinite-population": {"units.geojson": units_with(0, population="inf")},
    "facility-outside-districts": {"facilities.csv": fcsv(lambda r: r.append({"facility_code": "FAR", "name": "远", "kind": "chc",
                                                                              "lon": 121.5, "lat": 31.5}))},
    "point-outside-china": {"facilities.csv": fcsv(lambda r: r[0].update(lon=2.35, lat=48.85))},
    "unit-in-two-districts": {"units.geojson": units_with(15, geometry={"type": "Polygon", "coordinates": [[[121.03, 31.03],
                              [121.044, 31.03], [121.044, 31.04], [121.03, 31.04], [121.03, 31.03]]]}, district_code="")},
    "district-without-lead-hospital": {"facilities.csv": fcsv(lambda r: r.__setitem__(slice(None), [x for x in r if x["facility_code"] != "DH-B"]))},
    "unknown-kind": {"facilities.csv": fcsv(lambda r: r[0].update(kind="药店"))},
    "hostile-names": {"districts.geojson": districts_with(district_name=HOSTILE),
                      "facilities.csv": fcsv(lambda r: r[0].update(name=HOSTILE.replace(",", " ")))},
    "bad-config-toml": {"config.toml": "[rules\ndistrict_cap = 2\n"},
    "config-with-unknown-keys": {"config.toml": "[rules]\ndistrict_cap = 'two'\nfoo = 1\n"},
    "unknown-layer-file": {"hospitals.geojson": GOOD_D},
    "duplicate-district-codes": {"districts.geojson": districts_with(district_code="900002")},
    "wkt-garbage": {"facilities.csv": "facility_code,kind,wkt\nF1,chc,POINT(121.01\n"},
    "xlsx-not-really": {"facilities.xlsx": b"PK\x03\x04 not an xlsx"},
    "missing-districts-layer": {"districts.geojson": None},
}



def main() -> None:
    out = HERE / "cases"
    shutil.rmtree(out, ignore_errors=True)
    for n, (name, files) in enumerate(CASES.items(), start=1):
        folder = out / f"{n:02d}-{name}"
        folder.mkdir(parents=True)
        base = {"districts.geojson": GOOD_D, "units.geojson": GOOD_U, "facilities.csv": GOOD_F}
        if any(k.startswith("districts") for k in files):
            base.pop("districts.geojson")
        if any(k.startswith("facilities") for k in files):
            base.pop("facilities.csv")
        for fname, content in {**base, **files}.items():
            if content is None:
                continue
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / fname).write_bytes(data)
    (out / "README.md").write_text(json.dumps({"cases": len(CASES)}) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
