"""A synthetic province for tests and benchmarks: N counties, deterministic from a seed.

Each county is an irregular polygon (a jittered lattice square with wiggled sides), cut into
townships (Voronoi cells of well-spread points, clipped to the county); it has one or two county
hospitals (they lead its county alliances), one township health centre per township (members),
``villages_per_township`` village clinics per township linked to their THC, and population cells
(points with residents, denser near the county seat). A township's population is the sum of its
cells, so the cells aggregated back to the units give the units' population exactly.

Determinism: county ``i`` draws from ``numpy.random.default_rng([seed, i])`` and sits at the
``i``-th place of a square spiral around the province centre; a corner of the lattice and a side
between two corners draw from generators of their own (seeded by their lattice place), so
neighbouring counties share their sides exactly and county ``i`` is the same, to the byte, in a
region of 3 counties or of 300. Generation streams county by county: the region's cells are never
held in memory (300 counties x 33,000 cells is 10⁷ cells).

Layouts: ``"folders"`` writes one data package per county (``root/packages/<county>/``);
``"package"`` one package holding every county (``root/package/``, a pooling area per county).
Both write the cells as ``root/cells/county=<code>/part-0.parquet`` (:mod:`geodata.cells`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from geodata.cells import write_county_cells

PROVINCE = "63"                 # 青海's code: county codes are 63xxxx
PROVINCE_NAME = "青海"
CENTRE = (96.0, 36.0)           # the province centre (lon, lat): the spiral starts here
SPACING = 0.3                   # degrees between lattice centres: a county is about 27 x 33 km
CORNER_JITTER = 0.22            # share of SPACING a lattice corner moves, each axis
SIDE_SEGMENTS = 32              # segments of a county's side
SIDE_TERMS = 6                  # sine terms of a side's wiggle
SIDE_WIGGLE = 0.10              # the first term's largest amplitude, as a share of the side's length (the
                                # k-th term's is this / k²); with 0.12 one county in 30,000 crossed itself
DIGITS = 7                      # coordinates written with 7 decimals (about 1 cm)
MAX_COUNTIES = 9999             # 4 digits after the province code
MAX_TOWNSHIPS = 999             # 3 digits after the county code
MAX_VILLAGES = 999
SEAT_SCALE_KM = 8.0             # residents thin out with distance from the county seat
SEAT_FLOOR = 0.05
POPULATION = (150_000, 1_200_000)  # a county's residents, drawn uniformly
SECOND_HOSPITAL = (350_000, 700_000)  # above the first a county may have a second county hospital, above the
                                      # second it has one (more than a grid's 800,000 need two alliances)
LLOYD_STEPS = 3                 # relaxation of the township seeds: townships of similar size
_OFFSET = 100_000               # lattice indices are shifted to stay non-negative in a seed

LAYOUTS = ("folders", "package")
FACILITY_COLUMNS = ["facility_code", "name", "kind", "district_code", "longitude", "latitude", "thc_code", "integrated",
                    "meets_standard", "beds", "physicians", "nurses", "gps"]


@dataclass(frozen=True)
class County:
    """One generated county: its shape, townships, facilities and cells."""

    index: int
    code: str
    name: str
    polygon: shapely.Polygon
    township_codes: tuple[str, ...]
    township_names: tuple[str, ...]
    townships: tuple[shapely.Geometry, ...]
    facilities: tuple[dict, ...]
    cell_x: np.ndarray
    cell_y: np.ndarray
    cell_population: np.ndarray
    cell_township: np.ndarray

    @property
    def township_population(self) -> np.ndarray:
        return np.bincount(self.cell_township, weights=self.cell_population,
                           minlength=len(self.townships)).astype(np.int64)

    def cells_frame(self) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"population": self.cell_population},
                                geometry=shapely.points(self.cell_x, self.cell_y), crs="EPSG:4326")


def make_region(root: Path, counties: int, *, seed: int = 0, townships: int = 20, villages_per_township: int = 10,
                cells_per_county: int = 30_000, layout: str = "folders") -> dict:
    """Write a synthetic region of ``counties`` counties under ``root``; returns what was written.

    The result: ``counties`` (codes, in order), ``packages`` (the package folders: one per county,
    or the one package), ``packages_root`` (``root/packages`` or ``root/package``), ``cells`` and
    ``cells_root`` (both the cells' root), ``cell_count``, ``units``, ``villages`` (village
    clinics), ``population`` (residents), ``layout``."""
    _check(counties, seed, townships, villages_per_township, cells_per_county, layout)
    root = Path(root)
    cells_root = root / "cells"
    target = root / ("packages" if layout == "folders" else "package")
    for folder in (target, cells_root):
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty: a region is generated into fresh folders")
    codes: list[str] = []
    packages: list[Path] = []
    totals = {"units": 0, "villages": 0, "cells": 0, "population": 0}
    with _PackageWriter(target) if layout == "package" else contextlib.nullcontext() as shared:
        for county in iter_counties(counties, seed=seed, townships=townships,
                                    villages_per_township=villages_per_township, cells_per_county=cells_per_county):
            write_county_cells(county.cells_frame(), cells_root, county.code)
            if layout == "folders":
                with _PackageWriter(target / county.code) as own:
                    own.add(county)
                packages.append(target / county.code)
            else:
                shared.add(county)
            codes.append(county.code)
            totals["units"] += len(county.townships)
            totals["villages"] += sum(f["kind"] == "village_clinic" for f in county.facilities)
            totals["cells"] += len(county.cell_x)
            totals["population"] += int(county.cell_population.sum())
    if layout == "package":
        packages.append(target)
    return {"counties": codes, "packages": packages, "packages_root": target, "cells": cells_root,
            "cells_root": cells_root, "cell_count": totals["cells"], "units": totals["units"],
            "villages": totals["villages"], "population": totals["population"], "layout": layout}


def _check(counties: int, seed: int, townships: int, villages: int, cells: int, layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout is one of {LAYOUTS}: {layout!r}")
    if not 1 <= counties <= MAX_COUNTIES:
        raise ValueError(f"counties: 1-{MAX_COUNTIES}, not {counties}")
    if not 1 <= townships <= MAX_TOWNSHIPS:
        raise ValueError(f"townships: 1-{MAX_TOWNSHIPS}, not {townships}")
    if not 0 <= villages <= MAX_VILLAGES:
        raise ValueError(f"villages_per_township: 0-{MAX_VILLAGES}, not {villages}")
    if cells < townships:
        raise ValueError(f"cells_per_county: at least one per township ({townships}), not {cells}")
    if seed < 0:
        raise ValueError(f"seed: a non-negative integer, not {seed}")


def iter_counties(counties: int, *, seed: int = 0, townships: int = 20, villages_per_township: int = 10,
                  cells_per_county: int = 30_000) -> Iterator[County]:
    """The region's counties one at a time (county ``i`` depends on ``seed`` and ``i`` only)."""
    for i in range(counties):
        yield make_county(i, seed=seed, townships=townships, villages_per_township=villages_per_township,
                          cells_per_county=cells_per_county)


def make_county(index: int, *, seed: int = 0, townships: int = 20, villages_per_township: int = 10,
                cells_per_county: int = 30_000) -> County:
    """County ``index`` of the region drawn from ``seed``."""
    rng = np.random.default_rng([seed, index])
    code = f"{PROVINCE}{index + 1:04d}"
    label = f"示范县{index + 1:03d}"
    polygon = county_polygon(index, seed)
    seeds = township_seeds(polygon, townships, rng)
    shapes = township_shapes(polygon, seeds)
    codes = tuple(f"{code}{t + 1:03d}" for t in range(townships))
    names = tuple(f"{label}镇{t + 1:02d}" for t in range(townships))
    seat = int(np.argmin(np.hypot(*(seeds - np.asarray(polygon.centroid.coords[0])).T)))
    population = int(rng.integers(*POPULATION))
    x, y, who = cell_points(polygon, seeds, shapes, cells_per_county, rng)
    people = cell_people(x, y, seeds[seat], population, rng)
    facilities = county_facilities(code, label, shapes, codes, names, seeds, seat, population,
                                   villages_per_township, rng)
    return County(index, code, f"{PROVINCE_NAME}{label}", polygon, codes, names, tuple(shapes), tuple(facilities),
                  x, y, people, who)


# --- shapes ----------------------------------------------------------------------------------

def spiral(n: int) -> tuple[int, int]:
    """The lattice place of the ``n``-th county (from 0) on a square spiral around (0, 0)."""
    n += 1
    k = math.ceil((math.sqrt(n) - 1) / 2)
    t = 2 * k + 1
    m = t * t
    t -= 1
    if n >= m - t:
        return k - (m - n), -k
    m -= t
    if n >= m - t:
        return -k, -k + (m - n)
    m -= t
    if n >= m - t:
        return -k + (m - n), k
    return k, k - (m - n - t)


def _corner(cx: int, cy: int, seed: int) -> np.ndarray:
    """Lattice corner (cx, cy) in degrees, jittered by a generator of its own."""
    jitter = np.random.default_rng([seed, 1, cx + _OFFSET, cy + _OFFSET]).uniform(-CORNER_JITTER, CORNER_JITTER, 2)
    return np.array([CENTRE[0] + (cx - 0.5 + jitter[0]) * SPACING, CENTRE[1] + (cy - 0.5 + jitter[1]) * SPACING])


def _side(a: tuple[int, int], b: tuple[int, int], seed: int) -> np.ndarray:
    """The wiggled side from corner ``a`` to corner ``b`` (both ends included), the same points
    whichever county asks (the two counties it separates share it exactly).

    The side is a curve over its chord (so it never crosses itself), offset across it by a short
    sine series whose terms fall off as 1/k² (within 15% of its length of the chord). Sides of
    one county meeting at a sharp corner could cross there with larger wiggles: the first 3,000
    counties of ten seeds are valid polygons (tests/test_region_synthetic.py checks 3,000)."""
    lo, hi = sorted((a, b))
    rng = np.random.default_rng([seed, 2, lo[0] + _OFFSET, lo[1] + _OFFSET, hi[0] + _OFFSET, hi[1] + _OFFSET])
    start, end = _corner(*lo, seed), _corner(*hi, seed)
    k = np.arange(1, SIDE_TERMS + 1)
    amplitude = rng.uniform(-SIDE_WIGGLE, SIDE_WIGGLE, SIDE_TERMS) / k**2
    t = np.linspace(0.0, 1.0, SIDE_SEGMENTS + 1)
    offset = np.sin(np.pi * np.outer(t, k)) @ amplitude
    d = end - start
    points = start + np.outer(t, d) + np.outer(offset, [-d[1], d[0]])
    points[0], points[-1] = start, end
    points = np.round(points, DIGITS)
    return points if (lo, hi) == (a, b) else points[::-1]


def county_polygon(index: int, seed: int) -> shapely.Polygon:
    """County ``index``'s boundary: its lattice square with jittered corners and wiggled sides."""
    gx, gy = spiral(index)
    corners = [(gx, gy), (gx + 1, gy), (gx + 1, gy + 1), (gx, gy + 1)]
    ring = [_side(corners[k], corners[(k + 1) % 4], seed)[:-1] for k in range(4)]
    return shapely.Polygon(np.concatenate(ring))


def _inside(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points drawn uniformly inside ``polygon``."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    got = 0
    while got < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), (2 * (n - got) + 8, 2))
        xy = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(xy)
        got += len(xy)
    return np.concatenate(found)[:n]


def township_seeds(polygon: shapely.Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` well-spread points in ``polygon``: random points moved a few Lloyd steps towards the
    middle of the ground nearest to them (so townships are of similar size, never slivers)."""
    sample = _inside(polygon, 60 * n, rng)
    seeds = sample[:n].copy()
    for _ in range(LLOYD_STEPS):
        nearest = cKDTree(seeds).query(sample)[1]
        counts = np.bincount(nearest, minlength=n)
        for axis in range(2):
            sums = np.bincount(nearest, weights=sample[:, axis], minlength=n)
            seeds[:, axis] = np.where(counts > 0, sums / np.maximum(counts, 1), seeds[:, axis])
    return seeds


def township_shapes(polygon: shapely.Polygon, seeds: np.ndarray) -> list[shapely.Geometry]:
    """The Voronoi cells of ``seeds`` clipped to ``polygon``, in the seeds' order, 7 decimals."""
    if len(seeds) == 1:
        return [polygon]
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=polygon.envelope.buffer(SPACING),
                                     ordered=True)
    out = []
    for cell in shapely.get_parts(cells):
        clipped = shapely.transform(shapely.intersection(cell, polygon), lambda c: np.round(c, DIGITS))
        parts = [p for p in shapely.get_parts(clipped) if isinstance(p, shapely.Polygon) and p.area > 0]
        shape = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
        out.append(shape if shape.is_valid else shapely.make_valid(shape))
    return out


# --- cells and residents ---------------------------------------------------------------------

def cell_points(polygon: shapely.Polygon, seeds: np.ndarray, shapes: list[shapely.Geometry], n: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` cell centres inside the townships and the township of each (each lies strictly
    within its township's polygon: checked, so a spatial join finds it there)."""
    tree = cKDTree(seeds)
    for shape in shapes:
        shapely.prepare(shape)
    xs, ys, labels = [], [], []
    got = 0
    while got < n:
        xy = _inside(polygon, n - got + 16, rng)
        who = tree.query(xy)[1] if len(seeds) > 1 else np.zeros(len(xy), dtype=np.intp)
        ok = np.zeros(len(xy), dtype=bool)
        for t in np.unique(who):
            mine = who == t
            ok[mine] = shapely.contains_xy(shapes[t], xy[mine, 0], xy[mine, 1])
        xs.append(xy[ok, 0])
        ys.append(xy[ok, 1])
        labels.append(who[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n], np.concatenate(labels)[:n].astype(np.intp)


def cell_people(x: np.ndarray, y: np.ndarray, seat: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Whole residents per cell adding up to ``total``, denser near the county ``seat``."""
    km_x = (x - seat[0]) * 111.32 * math.cos(math.radians(seat[1]))
    km_y = (y - seat[1]) * 110.57
    weight = np.exp(-np.hypot(km_x, km_y) / SEAT_SCALE_KM) + SEAT_FLOOR
    return rng.multinomial(total, weight / weight.sum()).astype(np.int64)


# --- facilities ------------------------------------------------------------------------------

def county_facilities(code: str, label: str, shapes: list[shapely.Geometry], codes: tuple[str, ...],
                      names: tuple[str, ...], seeds: np.ndarray, seat: int, population: int, villages: int,
                      rng: np.random.Generator) -> list[dict]:
    """County hospitals (one, or two in a larger county, see ``SECOND_HOSPITAL``: at the seat and
    in a town about halfway to the county's edge), a THC per township and its village clinics,
    with staff and beds."""
    hospitals = [seat]
    second = population > SECOND_HOSPITAL[1] or (population > SECOND_HOSPITAL[0] and rng.random() < 0.3)
    if len(shapes) > 1 and second:
        away = np.hypot(*(seeds - seeds[seat]).T)
        hospitals.append(int(np.argmin(np.abs(away - 0.55 * away.max()))))
    rows = []
    for k, t in enumerate(hospitals):
        x, y = _near(shapes[t], seeds[t], rng)
        name = f"{label}人民医院" if k == 0 else f"{label}第二人民医院"
        beds = int(rng.integers(300, 900))
        rows.append(_facility(f"{code}000{k + 1:03d}", name, "county_hospital", code, x, y, beds=beds,
                              physicians=beds // 3, nurses=beds // 2, gps=int(rng.integers(5, 20))))
    for t, shape in enumerate(shapes):
        thc = f"{codes[t]}000"
        x, y = _thc_place(shape, seeds[t], rng)
        rows.append(_facility(thc, f"{names[t]}卫生院", "thc", code, x, y, beds=int(rng.integers(10, 60)),
                              physicians=int(rng.integers(5, 30)), nurses=int(rng.integers(5, 30)),
                              gps=int(rng.integers(2, 10))))
        for v, (x, y) in enumerate(_inside(shape, villages, rng) if villages else ()):
            rows.append(_facility(f"{codes[t]}{v + 1:03d}", f"{names[t]}村{v + 1:02d}卫生室", "village_clinic", code,
                                  x, y, beds=0, physicians=int(rng.integers(1, 4)), nurses=int(rng.integers(0, 3)),
                                  gps=int(rng.integers(0, 2)), thc_code=thc,
                                  integrated="是" if rng.random() < 0.8 else "否",
                                  meets_standard="是" if rng.random() < 0.7 else "否"))
    return rows


def _near(shape: shapely.Geometry, centre: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """A point inside ``shape`` near ``centre`` (a town's middle, not its edge)."""
    spread = math.sqrt(shape.area) / 8
    for _ in range(20):
        x, y = np.round(centre + rng.normal(0.0, spread, 2), DIGITS)
        if shapely.contains_xy(shape, x, y):
            return float(x), float(y)
    return _thc_place(shape, centre, rng)


def _thc_place(shape: shapely.Geometry, seed_point: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The township health centre at the township's seed (its middle), or inside it if the seed
    fell outside (a township cut by a bend of the county's boundary)."""
    x, y = np.round(seed_point, DIGITS)
    if shapely.contains_xy(shape, x, y):
        return float(x), float(y)
    return tuple(_inside(shape, 1, rng)[0])


def _facility(code: str, name: str, kind: str, district: str, x: float, y: float, **extra) -> dict:
    row = {"facility_code": code, "name": name, "kind": kind, "district_code": district,
           "longitude": round(float(x), DIGITS), "latitude": round(float(y), DIGITS)}
    row.update(extra)
    return row


# --- writing a package, county by county -----------------------------------------------------

class _FeatureStream:
    """A GeoJSON FeatureCollection written one feature at a time."""

    def __init__(self, path: Path) -> None:
        self.file: TextIO = open(path, "w", encoding="utf-8", newline="\n")
        self.file.write('{"type": "FeatureCollection", "features": [\n')
        self.first = True

    def add(self, properties: dict, geometry: shapely.Geometry) -> None:
        text = json.dumps({"type": "Feature", "properties": properties,
                           "geometry": shapely.geometry.mapping(geometry)}, ensure_ascii=False)
        self.file.write(text if self.first else ",\n" + text)
        self.first = False

    def close(self) -> None:
        self.file.write("\n]}\n")
        self.file.close()


class _PackageWriter:
    """One data package (districts.geojson, units.geojson, facilities.csv) filled county by county."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.districts = _FeatureStream(folder / "districts.geojson")
        self.units = _FeatureStream(folder / "units.geojson")
        self.facilities_file = open(folder / "facilities.csv", "w", encoding="utf-8", newline="")
        self.facilities = csv.DictWriter(self.facilities_file, FACILITY_COLUMNS, lineterminator="\n")
        self.facilities.writeheader()

    def add(self, county: County) -> None:
        people = county.township_population
        self.districts.add({"district_code": county.code, "district_name": county.name, "ring": "county",
                            "pooling_area": county.code, "population": int(people.sum())}, county.polygon)
        for code, name, shape, n in zip(county.township_codes, county.township_names, county.townships, people,
                                        strict=True):
            self.units.add({"unit_code": code, "unit_name": name, "district_code": county.code,
                            "population": int(n)}, shape)
        self.facilities.writerows(county.facilities)

    def __enter__(self) -> _PackageWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.districts.close()
        self.units.close()
        self.facilities_file.close()

