"""Realistic faulty packages built from real boundaries (issue 14: nothing lost in silence).

``counties.geojson`` (beside this file, see PROVENANCE.md) holds 13 real districts and counties:
阳泉市 (enclaves: 城区 and 矿区 sit in a hole of 郊区), 铜陵市 (郊区 in exclaves) and 舟山市
(island districts). From it, ``base()`` models a clean package: each county cut into units
(Voronoi cells of seeded points, clipped to the real boundary, so island units are multipart),
a lead hospital per county, a CHC or THC per unit, village clinics, a city hospital per city,
partnerships and staffing columns. Each ``CASES`` entry then breaks it the way planners' files
break: multipart units near and far, overlapping units and districts, slivers, holes, gaps with
a lead inside, Windows-made zips with GBK/CP936 names (and Info-ZIP's), blank staffing columns,
GCJ-02 facilities with no declaration, a units file that cannot be used, stray files, XLSX tables.

A case is ``Case(files, expect)``: the package's files (name -> bytes; a single ``.zip`` is a
zipped package) and what loading must report. ``write(case, folder)`` puts it on disk. Nothing
here is committed but the code: the tests generate the packages in a temporary folder.

    python tests/corpus/realdata/faults.py OUT_DIR     # write every case, to look at them
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "counties.geojson"
UNITS_PER_COUNTY = 6


# --- zips as Windows and Info-ZIP write them ----------------------------------------------------

class _LegacyName(zipfile.ZipInfo):
    """A member whose name is written as the bytes given (its CP437 reading), flag bit 11 clear.

    ``zipfile`` would write any non-ASCII name as UTF-8 and set the flag; Chinese Windows' built-in
    zip and Info-ZIP write the machine's code page (GBK/CP936) and leave it clear.
    """

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def windows_zip(members: dict[str, bytes], *, encoding: str = "gbk", unicode_path: bool = False) -> bytes:
    """A zip byte for byte as Chinese Windows writes it: each name encoded in ``encoding`` (GBK or
    CP936), flag bit 11 clear, made on MS-DOS. ``unicode_path`` adds Info-ZIP's Unicode Path
    extra field (0x7075: version 1, CRC-32 of the GBK name, the UTF-8 name), as Info-ZIP 3 does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            raw = name.encode(encoding)
            info = _LegacyName(raw.decode("cp437"), date_time=(2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            if unicode_path:
                utf8 = name.encode("utf-8")
                info.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(raw)) + utf8
            zf.writestr(info, data)
    return buf.getvalue()


# --- the clean package from real boundaries -----------------------------------------------------

@dataclass(frozen=True)
class Base:
    districts: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    partnerships: pd.DataFrame


@cache
def counties() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURE, engine="pyogrio")


def _metric(gdf: gpd.GeoDataFrame):
    return gdf.estimate_utm_crs()


def _cells(county: shapely.Geometry, n: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """``n`` Voronoi cells of points seeded inside ``county``, clipped to it (metres)."""
    minx, miny, maxx, maxy = county.bounds
    seeds: list[shapely.Point] = []
    shapely.prepare(county)
    prepared = county
    while len(seeds) < n:
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(p) and all(p.distance(q) > 1500 for q in seeds):
            seeds.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=county.envelope.buffer(1000))
    out = [shapely.intersection(c, county) for c in cells.geoms]
    polys = []
    for g in out:
        parts = [p for p in getattr(g, "geoms", [g]) if isinstance(p, shapely.Polygon) and p.area > 1]
        if parts:
            polys.append(shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0])
    polys = _tidy(polys)
    # north to south, west to east: codes in reading order
    return sorted(polys, key=lambda g: (-round(g.representative_point().y, -3), g.representative_point().x))


def _tidy(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """A clipped Voronoi cell can wrap around a bend of the county or reach across the water to a
    piece of another island, and come out in pieces; give each stray piece to the cell it borders
    most, as real units are drawn. Whole islands, bordering no other cell, stay where they are."""
    parts = [(k, p) for k, c in enumerate(cells) for p in getattr(c, "geoms", [c])]
    owner = [k for k, _ in parts]
    geoms = np.array([p for _, p in parts], dtype=object)
    tree = shapely.STRtree(geoms)
    for _ in range(3):
        biggest = {}
        for i, k in enumerate(owner):
            if k not in biggest or geoms[i].area > geoms[biggest[k]].area:
                biggest[k] = i
        for i, k in enumerate(owner):
            if biggest[k] == i:
                continue
            shared: dict[int, float] = {}
            for j in tree.query(geoms[i], predicate="dwithin", distance=1.0):
                if owner[j] != k:
                    shared[owner[j]] = shared.get(owner[j], 0.0) + geoms[i].buffer(1).intersection(geoms[j].boundary).length
            if shared:
                owner[i] = max(shared, key=shared.get)
    return [shapely.union_all(geoms[[i for i, o in enumerate(owner) if o == k]]) for k in sorted(set(owner))]


@cache
def base(seed: int = 14) -> Base:
    rng = np.random.default_rng(seed)
    c = counties()
    units, facilities, partnerships = [], [], []
    for city in dict.fromkeys(c["city"]):
        part = c[c["city"] == city]
        crs = _metric(part)
        metric = part.to_crs(crs)
        city_units = []
        for (_, d), geom in zip(part.iterrows(), metric.geometry):
            county_kind = "county" if d["district_name"].endswith("县") else "district"
            cells = _cells(geom, UNITS_PER_COUNTY, rng)
            shares = rng.dirichlet(np.ones(len(cells)) * 4)
            pops = np.floor(shares * d["population"]).astype(int)
            pops[0] += int(d["population"] - pops.sum())
            for k, (cell, pop) in enumerate(zip(cells, pops), start=1):
                code = f"{d['district_code']}{k:03d}"
                suffix = "镇" if county_kind == "county" else "街道"
                city_units.append({"unit_code": code, "unit_name": f"{d['district_name']}第{k}{suffix}",
                                   "district_code": d["district_code"], "population": int(pop), "geometry": cell})
                at = cell.representative_point() if cell.geom_type == "Polygon" else max(cell.geoms, key=lambda p: p.area).representative_point()
                kind = "thc" if county_kind == "county" else "chc"
                facilities.append({"facility_code": f"{kind.upper()}-{code}", "name": f"{d['district_name']}第{k}{'卫生院' if kind == 'thc' else '社区卫生服务中心'}",
                                   "kind": kind, "district_code": d["district_code"], "gps": int(rng.integers(3, 30)),
                                   "physicians": int(rng.integers(10, 80)), "thc_code": "", "geometry": at})
                if kind == "thc":
                    for v in range(2):
                        p = _inside(cell, rng)
                        facilities.append({"facility_code": f"V-{code}-{v + 1}", "name": f"{d['district_name']}第{k}镇{v + 1}村卫生室",
                                           "kind": "village_clinic", "district_code": d["district_code"], "gps": 1,
                                           "physicians": 1, "thc_code": f"THC-{code}", "geometry": p})
            lead_cell = max((u for u in city_units if u["district_code"] == d["district_code"]), key=lambda u: u["population"])
            facilities.append({"facility_code": f"DH-{d['district_code']}", "name": f"{d['district_name']}人民医院",
                               "kind": "district_hospital" if county_kind == "district" else "county_hospital",
                               "district_code": d["district_code"], "gps": 0, "physicians": int(rng.integers(200, 600)),
                               "thc_code": "", "geometry": _inside(lead_cell["geometry"], rng)})
        home = max((u for u in city_units), key=lambda u: u["population"])
        hospital = f"CITY-{part['district_code'].iloc[0][:4]}"
        facilities.append({"facility_code": hospital, "name": f"{city}第一人民医院", "kind": "city_hospital",
                           "district_code": home["district_code"], "gps": 0, "physicians": 900, "thc_code": "",
                           "geometry": _inside(home["geometry"], rng)})
        for code in part["district_code"].iloc[:2]:
            partnerships.append({"hospital_code": hospital, "district_code": code, "since": "2019", "form": "技术支持"})
        units += [dict(u, geometry=gpd.GeoSeries([u["geometry"]], crs=crs).to_crs(4326).iloc[0]) for u in city_units]
        for f in facilities:
            if isinstance(f["geometry"], shapely.Point) and f.get("_crs") is None:
                f["geometry"] = gpd.GeoSeries([f["geometry"]], crs=crs).to_crs(4326).iloc[0]
                f["_crs"] = True
    fac = gpd.GeoDataFrame(pd.DataFrame(facilities).drop(columns="_crs"), geometry="geometry", crs=4326)
    uni = gpd.GeoDataFrame(pd.DataFrame(units), geometry="geometry", crs=4326)
    uni["geometry"] = shapely.set_precision(uni.geometry.values, 1e-6)
    return Base(c.copy(), uni, fac, pd.DataFrame(partnerships))


def _inside(geom: shapely.Geometry, rng: np.random.Generator) -> shapely.Point:
    minx, miny, maxx, maxy = geom.bounds
    inner = geom.buffer(-300) if geom.buffer(-300).area > 0 else geom
    for _ in range(1000):
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if inner.contains(p):
            return p
    return geom.representative_point()


# --- files as planners send them ----------------------------------------------------------------

def geojson(gdf: gpd.GeoDataFrame) -> bytes:
    return gdf.to_json(ensure_ascii=False, drop_id=True).encode("utf-8")


def facilities_csv(fac: gpd.GeoDataFrame, *, encoding: str = "utf-8") -> bytes:
    table = pd.DataFrame(fac.drop(columns="geometry"))
    table["lon"] = [f"{g.x:.6f}" for g in fac.geometry]
    table["lat"] = [f"{g.y:.6f}" for g in fac.geometry]
    return table.to_csv(index=False).encode(encoding)


def xlsx(table: pd.DataFrame, *, title: str | None = None) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, startrow=1 if title else 0, sheet_name="数据")
        if title:
            writer.sheets["数据"].cell(row=1, column=1, value=title)
    return buf.getvalue()


def shapefile_members(gdf: gpd.GeoDataFrame, stem: str, *, encoding: str = "GBK", cpg: bool = False) -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        gdf.to_file(Path(tmp) / "layer.shp", encoding=encoding, engine="pyogrio")
        return {f"{stem}{p.suffix}": p.read_bytes() for p in sorted(Path(tmp).iterdir())
                if cpg or p.suffix.lower() != ".cpg"}


def standard_files(b: Base) -> dict[str, bytes]:
    return {
        "districts.geojson": geojson(b.districts[["district_code", "district_name", "population", "geometry"]]),
        "units.geojson": geojson(b.units),
        "facilities.csv": facilities_csv(b.facilities),
        "partnerships.csv": b.partnerships.to_csv(index=False).encode("utf-8"),
    }


@dataclass
class Case:
    """A package's files and what loading it must report.

    ``codes``: issue codes that must appear; ``absent``: codes that must not; ``rows``: layer ->
    rows in the planner's file (loaded + rejected must equal it); ``check``: a further assertion
    on the loaded package; ``unusable``: the package cannot be used at all.
    """

    files: dict[str, bytes]
    codes: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    check: Callable | None = None
    unusable: bool = False


def _rows(b: Base, **over: int) -> dict[str, int]:
    return {"districts": len(b.districts), "units": len(b.units), "facilities": len(b.facilities),
            "partnerships": len(b.partnerships), **over}


def _units_with(b: Base, changes: dict[str, shapely.Geometry]) -> gpd.GeoDataFrame:
    u = b.units.copy()
    for code, geom in changes.items():
        u.loc[u["unit_code"] == code, "geometry"] = geom
    return u


def _metric_of(gdf):
    crs = _metric(gdf)
    return crs, gdf.to_crs(crs)


def _unit(b: Base, code: str) -> shapely.Geometry:
    return b.units.loc[b.units["unit_code"] == code].geometry.iloc[0]


def _to_wgs(geom, crs):
    return gpd.GeoSeries([geom], crs=crs).to_crs(4326).iloc[0]


# --- the cases ----------------------------------------------------------------------------------

def case_clean() -> Case:
    """The real places as they are: enclaves (阳泉 城区/矿区 in 郊区's hole), exclaves (铜陵 郊区),
    islands (舟山). Nothing may be reported as an overlap, a gap or a sliver; island units are a
    note, not a warning."""
    b = base()
    return Case(standard_files(b), codes={"unit_islands"},
                absent={"units_overlap", "districts_overlap", "units_gap", "unit_sliver", "unit_parts_apart",
                        "facility_outside_units", "layer_unknown", "units_not_generated"}, rows=_rows(b))


def case_multipart_near_and_far() -> Case:
    """Two units get a piece of ground that is not theirs: one a piece 1-4 km away in its own
    county (near: not reported), one a piece of a unit in another county tens of km away (far:
    an exclave over land, reported with its gap)."""
    b = base()
    yq = b.units[b.units["district_code"].str.startswith("1403")]
    crs, m = _metric_of(yq)
    geoms = dict(zip(yq["unit_code"], m.geometry))
    changes = {}
    # far: a 1 km square taken from 盂县's first unit, given to 城区's first unit
    far_from, far_to = "140322001", "140302001"
    piece = shapely.intersection(geoms[far_from], geoms[far_from].representative_point().buffer(600, cap_style="square"))
    changes[far_from] = _to_wgs(shapely.difference(geoms[far_from], piece), crs)
    changes[far_to] = _to_wgs(shapely.union(geoms[far_to], piece), crs)
    # near: a piece of a unit 1-4 km away (not a neighbour), in the same county, given to another
    near_to, near_from = next((a, c) for a, ga in geoms.items() for c, gc in geoms.items()
                              if a[:6] == c[:6] and a not in changes and c not in changes
                              and ga.geom_type == gc.geom_type == "Polygon" and 1000 < ga.distance(gc) < 4000)
    target = geoms[near_to]
    spot = shapely.ops.nearest_points(geoms[near_from], target)[0]
    piece2 = shapely.intersection(geoms[near_from], spot.buffer(700))
    changes[near_from] = _to_wgs(shapely.difference(geoms[near_from], piece2), crs)
    changes[near_to] = _to_wgs(shapely.union(target, piece2), crs)
    files = standard_files(b) | {"units.geojson": geojson(_units_with(b, changes))}

    def check(pkg):
        flagged = {i.value: i for i in pkg.report.issues if i.code == "unit_parts_apart"}
        assert set(flagged) == {far_to}, flagged
        assert float(dict(flagged[far_to].params)["gap"]) > 5
        near = pkg.units.loc[pkg.units["unit_code"] == near_to].geometry.iloc[0]
        assert near.geom_type == "MultiPolygon"  # parts 1-4 km apart: multipart, not reported
    return Case(files, codes={"unit_parts_apart"}, absent={"units_overlap"}, rows=_rows(b), check=check)


def case_overlapping_units() -> Case:
    """A unit redrawn 400 m too wide overlaps every neighbour, across the county line too."""
    b = base()
    code = "340705001"
    crs, m = _metric_of(b.units[b.units["unit_code"] == code])
    grown = _to_wgs(m.geometry.iloc[0].buffer(400), crs)
    files = standard_files(b) | {"units.geojson": geojson(_units_with(b, {code: grown}))}

    def check(pkg):
        pairs = [i for i in pkg.report.issues if i.code == "units_overlap"]
        assert pairs and all(code in (i.value, dict(i.params)["other"]) for i in pairs)
        assert all(i.severity == "error" and i.position is not None for i in pairs)
        assert len(pkg.units) == len(b.units)  # reported, nothing dropped
    return Case(files, codes={"units_overlap"}, rows=_rows(b), check=check)


def case_many_overlaps_bounded() -> Case:
    """Every unit on land drawn 150 m too wide (boundaries traced with a thick pen): every pair of
    neighbours overlaps; the 20 largest are listed, then how many more."""
    b = base()
    crs, m = _metric_of(b.units)
    grown = b.units.copy()
    land = ~b.units["district_code"].str.startswith("3309")
    grown.loc[land, "geometry"] = m.loc[land].buffer(150).to_crs(4326).values
    files = standard_files(b) | {"units.geojson": geojson(grown)}

    def check(pkg):
        listed = [i for i in pkg.report.issues if i.code == "units_overlap"]
        more = [i for i in pkg.report.issues if i.code == "overlaps_more"]
        assert len(listed) == 20 and len(more) == 1 and int(dict(more[0].params)["count"]) > 20
        areas = [int(dict(i.params)["area_m2"]) for i in listed]
        assert areas == sorted(areas, reverse=True)
    return Case(files, codes={"units_overlap", "overlaps_more"}, rows=_rows(b), check=check)


def case_overlapping_districts() -> Case:
    """A district boundary digitised 500 m too wide overlaps its neighbours."""
    b = base()
    code = "140311"
    d = b.districts.copy()
    crs, m = _metric_of(d[d["district_code"] == code])
    d.loc[d["district_code"] == code, "geometry"] = _to_wgs(m.geometry.iloc[0].buffer(500), crs)
    files = standard_files(b) | {"districts.geojson": geojson(d[["district_code", "district_name", "population", "geometry"]])}

    def check(pkg):
        pairs = [i for i in pkg.report.issues if i.code == "districts_overlap"]
        others = {dict(i.params)["other"] for i in pairs} | {i.value for i in pairs}
        assert {"140302", "140303", "140321", "140322"} <= others, others
    return Case(files, codes={"districts_overlap"}, rows=_rows(b), check=check)


def case_slivers_holes_and_gaps() -> Case:
    """A sliver unit (a 2 m wide strip), a hole cut in a unit and left empty, a unit missing."""
    b = base()
    u = b.units.copy()
    crs, m = _metric_of(u[u["district_code"].str.startswith("3407")])
    geoms = dict(zip(u.loc[u["district_code"].str.startswith("3407"), "unit_code"], m.geometry))
    holed = "340706002"
    hole = geoms[holed].representative_point().buffer(800)
    u.loc[u["unit_code"] == holed, "geometry"] = _to_wgs(shapely.difference(geoms[holed], hole), crs)
    edge = geoms["340722001"]
    sliver_src = shapely.intersection(edge, shapely.box(*edge.representative_point().buffer(40).bounds))
    sliver = shapely.intersection(sliver_src, shapely.box(sliver_src.bounds[0], sliver_src.bounds[1],
                                                          sliver_src.bounds[0] + 2, sliver_src.bounds[3]))
    u.loc[u["unit_code"] == "340722001", "geometry"] = _to_wgs(shapely.difference(edge, sliver), crs)
    extra = gpd.GeoDataFrame([{"unit_code": "340722999", "unit_name": "碎片", "district_code": "340722",
                               "population": 0}], geometry=[_to_wgs(sliver, crs)], crs=4326)
    removed = "340722003"
    u = pd.concat([u[u["unit_code"] != removed], extra], ignore_index=True)
    files = standard_files(b) | {"units.geojson": geojson(u)}

    def check(pkg):
        gaps = {i.value: i for i in pkg.report.issues if i.code == "units_gap"}
        assert {"340706", "340722"} <= set(gaps), gaps
        assert any(i.code == "unit_sliver" and i.value == "340722999" for i in pkg.report.issues)
    return Case(files, codes={"units_gap", "unit_sliver", "population_mismatch"}, rows=_rows(b, units=len(u)), check=check)


def case_lead_in_a_gap() -> Case:
    """The unit around a county hospital is missing: the lead is named as lying in no unit."""
    b = base()
    lead = b.facilities[b.facilities["facility_code"] == "DH-340722"].geometry.iloc[0]
    hit = b.units[b.units.geometry.intersects(lead)]["unit_code"].iloc[0]
    u = b.units[b.units["unit_code"] != hit]
    files = standard_files(b) | {"units.geojson": geojson(u)}

    def check(pkg):
        named = [i.value for i in pkg.report.issues if i.code == "facility_outside_units"]
        assert "DH-340722" in named
        assert "DH-340722" in set(pkg.facilities["facility_code"])  # named, not dropped
    return Case(files, codes={"units_gap", "facility_outside_units"}, rows=_rows(b, units=len(u)), check=check)


def _windows_package(b: Base, *, encoding: str, unicode_path: bool, folder: str = "") -> bytes:
    """The whole package as a planner zips it on Chinese Windows: Chinese file names, a Shapefile
    of units with a GBK .dbf and no .cpg, a GBK CSV of facilities."""
    members = {
        "区县边界.geojson": geojson(b.districts[["district_code", "district_name", "population", "geometry"]]),
        **shapefile_members(b.units.rename(columns={"unit_code": "街镇代码", "unit_name": "街镇", "district_code": "区县代码",
                                                    "population": "常住人口"}), "街镇"),
        "医疗机构.csv": facilities_csv(b.facilities, encoding="gbk"),
        "合作关系.csv": b.partnerships.to_csv(index=False).encode("gbk"),
    }
    return windows_zip({folder + k: v for k, v in members.items()}, encoding=encoding, unicode_path=unicode_path)


def case_gbk_zip_windows() -> Case:
    b = base()

    def check(pkg):
        assert len(pkg.units) == len(b.units) and set(pkg.units["unit_name"]) == set(b.units["unit_name"])
        assert pkg.meta["units"].source.endswith("街镇.shp")
    return Case({"规划数据包.zip": _windows_package(b, encoding="gbk", unicode_path=False)},
                codes={"encoding_guessed", "text_encoding"}, absent={"layer_unknown", "layer_missing", "units_generated"},
                rows=_rows(b), check=check)


def case_cp936_zip_info_zip() -> Case:
    b = base()
    return Case({"规划数据包.zip": _windows_package(b, encoding="cp936", unicode_path=True, folder="2024年规划数据/")},
                absent={"layer_unknown", "layer_missing", "units_generated"}, rows=_rows(b))


def case_gbk_zip_with_stray_files() -> Case:
    """A Windows zip with files no layer claims: each is an error naming, in Chinese, what was found."""
    b = base()
    members = {
        "区县边界.geojson": geojson(b.districts[["district_code", "district_name", "population", "geometry"]]),
        "单元.geojson": geojson(b.units), "医疗机构.csv": facilities_csv(b.facilities, encoding="gbk"),
        "乡镇卫生院名单.csv": "名称\n甲\n".encode("gbk"), "医院.xls": b"\xd0\xcf\x11\xe0 old excel",
        "村界.dbf": b"\x03 not really", "说明.docx": b"PK",
    }

    def check(pkg):
        unknown = next(i for i in pkg.report.issues if i.code == "layer_unknown")
        assert unknown.severity == "error" and "乡镇卫生院名单.csv" in unknown.message("zh")
        assert "区县边界.geojson" in dict(unknown.params)["found"]  # names decoded, not mojibake
        assert "districts（区县边界）" in unknown.fix("zh")
    return Case({"数据.zip": windows_zip(members)}, codes={"layer_unknown", "format_unsupported", "shapefile_orphan", "files_not_read"},
                absent={"layer_missing"}, rows={k: v for k, v in _rows(b).items() if k != "partnerships"}, check=check)


def case_blank_staffing() -> Case:
    """gps left blank everywhere, physicians blank in some rows: named, every row still loads."""
    b = base()
    f = b.facilities.copy()
    f["gps"] = None
    f["physicians"] = f["physicians"].astype(object)
    f.loc[f.index[::3], "physicians"] = None
    files = standard_files(b) | {"facilities.csv": facilities_csv(f)}

    def check(pkg):
        by = {(i.code, i.column): i for i in pkg.report.issues}
        assert ("column_blank", "gps") in by and ("column_partly_blank", "physicians") in by
        assert by[("column_partly_blank", "physicians")].message("en").endswith("(first: line 2)")
        assert pkg.facilities["gps"].isna().all() and len(pkg.facilities) == len(f)
    return Case(files, codes={"column_blank", "column_partly_blank"}, rows=_rows(b), check=check)


def case_gcj02_facilities() -> Case:
    """Facilities given in GCJ-02 (copied from AMap) without a declaration: the shift is detected."""
    from geodata.coords import wgs84_to_shifted

    b = base()
    crs, m = _metric_of(b.districts)
    rng = np.random.default_rng(2)
    rows = []
    # points 100-300 m inside the boundary between 城区 and 郊区, and between 义安区 and 铜官区
    for inner, outer in (("140302", "140311"), ("340705", "340706"), ("140303", "140311")):
        a = m.loc[m["district_code"] == inner].geometry.iloc[0]
        line = a.boundary
        for k in range(8):
            p = line.interpolate(rng.uniform(0, line.length))
            q = shapely.ops.nearest_points(a.buffer(-rng.uniform(100, 300)).boundary, p)[0]
            rows.append({"facility_code": f"G-{inner}-{k}", "name": f"诊所{k}", "kind": "chc", "district_code": inner,
                         "geometry": q})
    near = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(4326)
    f = pd.concat([b.facilities, near], ignore_index=True)
    f = gpd.GeoDataFrame(f, geometry="geometry", crs=4326)
    f["geometry"] = wgs84_to_shifted(f.geometry.values, "gcj02")
    files = standard_files(b) | {"facilities.csv": facilities_csv(f)}
    return Case(files, codes={"looks_gcj02"}, rows=_rows(b, facilities=len(f)))


def case_without_villages_partnerships_or_points() -> Case:
    b = base()
    f = b.facilities[b.facilities["kind"] != "village_clinic"]
    files = {k: v for k, v in standard_files(b).items() if k != "partnerships.csv"} | {"facilities.csv": facilities_csv(f)}
    return Case(files, absent={"layer_unknown", "units_gap", "units_overlap"},
                rows={"districts": len(b.districts), "units": len(b.units), "facilities": len(f)})


def case_units_file_unusable() -> Case:
    """The units file lacks its code column: no hexagons are made up in its place."""
    b = base()
    u = b.units.rename(columns={"unit_code": "序号"})

    def check(pkg):
        assert len(pkg.units) == 0 and not pkg.meta["units"].generated
        assert len(pkg.districts) == len(b.districts) and len(pkg.facilities) == len(b.facilities)
    return Case(standard_files(b) | {"units.geojson": geojson(u)}, codes={"column_missing", "units_not_generated"},
                absent={"units_generated", "units_generated_points"}, rows=_rows(b), check=check)


def case_units_file_unreadable() -> Case:
    b = base()
    return Case(standard_files(b) | {"units.geojson": geojson(b.units)[:500]}, codes={"file_unreadable", "units_not_generated"},
                absent={"units_generated"}, rows=_rows(b, units=0))


def case_xlsx_tables() -> Case:
    """Facilities and partnerships as workbooks with a title row: every place is a sheet row."""
    b = base()
    table = pd.DataFrame(b.facilities.drop(columns="geometry"))
    table.insert(len(table.columns), "经度", [round(g.x, 6) for g in b.facilities.geometry])
    table.insert(len(table.columns), "纬度", [round(g.y, 6) for g in b.facilities.geometry])
    table.loc[4, "kind"] = "药店"
    table.loc[7, "经度"] = 2.35  # Paris: outside China
    p = b.partnerships.copy()
    p.loc[0, "hospital_code"] = "NO-SUCH"
    files = standard_files(b) | {"facilities.xlsx": xlsx(table, title="附件1：医疗机构名单")} | {
        "partnerships.xlsx": xlsx(p)}
    files.pop("facilities.csv")
    files.pop("partnerships.csv")

    def check(pkg):
        placed = [i for i in pkg.report.issues if i.layer in ("facilities", "partnerships") and i.position is not None]
        assert placed and all(i.position_kind == "row" for i in placed), [(i.code, i.position_kind) for i in placed]
        kinds = {i.code: i.position for i in placed}
        assert kinds["bad_choice"] == 4 + 3 and kinds["outside_china"] == 7 + 3  # title row, header row, 1-based
        assert kinds["partnership_unknown"] == 2
        assert all("feature" not in i.where("en") for i in placed)
    return Case(files, codes={"bad_choice", "outside_china", "partnership_unknown", "header_row"}, rows=_rows(b), check=check)


CASES: dict[str, Callable[[], Case]] = {
    "clean-enclaves-exclaves-islands": case_clean,
    "multipart-units-near-and-far": case_multipart_near_and_far,
    "overlapping-units": case_overlapping_units,
    "many-overlaps-bounded": case_many_overlaps_bounded,
    "overlapping-districts": case_overlapping_districts,
    "slivers-holes-gaps": case_slivers_holes_and_gaps,
    "lead-in-a-gap": case_lead_in_a_gap,
    "gbk-zip-windows": case_gbk_zip_windows,
    "cp936-zip-info-zip": case_cp936_zip_info_zip,
    "gbk-zip-stray-files": case_gbk_zip_with_stray_files,
    "blank-staffing": case_blank_staffing,
    "gcj02-facilities-undeclared": case_gcj02_facilities,
    "no-villages-partnerships-points": case_without_villages_partnerships_or_points,
    "units-file-unusable": case_units_file_unusable,
    "units-file-unreadable": case_units_file_unreadable,
    "xlsx-tables": case_xlsx_tables,
}


def write(case: Case, folder: Path) -> Path:
    """Write the case's files into ``folder``; returns what to load (the folder, or its one zip)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    if len(case.files) == 1 and next(iter(case.files)).endswith(".zip"):
        return folder / next(iter(case.files))
    return folder


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "realdata-cases")
    for name, make in CASES.items():
        print(name, write(make(), out / name))
    (out / "README.json").write_text(json.dumps(sorted(CASES)), encoding="utf-8")
