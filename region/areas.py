"""A region's pooling areas: the independent units of work of a batch run.

A region is either one data package holding many districts or counties (split by their
``pooling_area``: grids never cross one, G2, and pairings stay within a city), or a folder of
packages (each sub-folder, ``.zip`` or ``.gpkg`` one package, split the same way). Each area is a
small frozen value a Dask task receives: where its package is, which districts are its own, and
where its population cells are partitioned by county (``geodata.cells``), if anywhere.

Only the districts layer is read here (to learn the pooling areas), and only for packages that
are folders; a ``.zip`` or ``.gpkg`` is one area, and a package whose districts cannot be read is
one area too: loading it in its task then says why it cannot be used, as a failed area.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from geodata.package import SYSTEM_FILES
from geodata.readers import read_file
from geodata.schema import LAYERS, layer_for_file
from geodata.validate import interpret

PACKAGE_SUFFIXES = (".zip", ".gpkg")
WHOLE = "all"  # the pooling area of districts that name none (geodata.package)
_UNSAFE = re.compile(r"[^0-9A-Za-z_.\-\u3400-\u9fff]+")


@dataclass(frozen=True)
class Area:
    """One pooling area of a region: ``code`` (also its folder name under ``areas/``), a name to
    show, the package it comes from (``source``), its districts (empty: every district of the
    package) and the root of the population cells partitioned by county, when they cover it."""

    code: str
    name: str
    source: str
    districts: tuple[str, ...] = ()
    cells: str | None = None


def find_areas(path: Path | str, cells_root: Path | str | None = None) -> list[Area]:
    """Every pooling area of the region at ``path`` (one package, or a folder of packages),
    sorted by code; codes are unique (a package's name is put before a code two packages share).
    ``cells_root``: population cells by county (``county=<code>/``); an area whose districts
    have none keeps its units' population."""
    path = Path(path).resolve()  # the same areas (and a resumed run's done.json) from any working folder
    if not path.exists():
        raise FileNotFoundError(path)
    found: list[tuple[str, Area]] = []
    for package in packages_of(path):
        found.extend((package_label(package), area) for area in _package_areas(package))
    counts: dict[str, int] = defaultdict(int)
    for _, area in found:
        counts[area.code] += 1
    areas = _unique([area if counts[area.code] == 1 else _renamed(area, f"{label}-{area.code}") for label, area in found])
    if cells_root is not None:
        areas = [_with_cells(area, Path(cells_root).resolve()) for area in areas]
    return sorted(areas, key=lambda a: a.code)


def packages_of(path: Path) -> list[Path]:
    """``path`` itself when it is one package (a ``.zip``/``.gpkg``, or a folder with layer files
    at its top), else the packages in it: its sub-folders (hidden and ``_`` ones left out), zips
    and GeoPackages, by name."""
    if path.is_file() or _is_package_folder(path):
        return [path]
    return sorted(p for p in path.iterdir() if not p.name.startswith((".", "_"))
                  and (p.is_dir() or p.suffix.lower() in PACKAGE_SUFFIXES))


def package_label(package: Path) -> str:
    """A package's name as a folder name may hold it: its stem (a folder's name)."""
    return safe_code(package.stem if package.is_file() else package.name)


def safe_code(text: str) -> str:
    """``text`` as a folder name on any system: letters, digits, Chinese, ``_ . -``."""
    return _UNSAFE.sub("_", text.strip()).strip("._") or "area"


def _is_package_folder(folder: Path) -> bool:
    return folder.is_dir() and any(
        p.is_file() and (layer_for_file(p.stem) is not None or p.suffix.lower() == ".gpkg") for p in folder.iterdir()
        if not p.name.startswith(".") and p.name.lower() not in SYSTEM_FILES)


def _package_areas(package: Path) -> list[Area]:
    """The package's pooling areas, one per value of ``pooling_area`` (districts naming none are
    together); the whole package when its districts cannot be read here."""
    label = package_label(package)
    districts = _districts(package)
    if districts is None:
        return [Area(code=label, name=label, source=str(package))]
    pools: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name, pool in districts:
        pools[pool].append((code, name))
    out = []
    for pool, members in sorted(pools.items()):
        codes = tuple(sorted(code for code, _ in members))
        code = label if pool == WHOLE and len(pools) == 1 else safe_code(pool)
        if len(members) == 1:
            name = members[0][1]
        elif len(pools) == 1:
            name = label
        else:
            name = "、".join(n for _, n in sorted(members))
        out.append(Area(code=code, name=name, source=str(package), districts=codes))
    return out


def _districts(package: Path) -> list[tuple[str, str, str]] | None:
    """(code, name, pooling area) of each district of a package folder, read from its districts
    file alone; None for a zip or GeoPackage, or districts that cannot be read."""
    if package.is_file():
        return None
    folder = package
    if not _is_package_folder(folder):  # a package whose files are in its one sub-folder
        inner = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
        if len(inner) != 1:
            return None
        folder = inner[0]
    files = sorted(p for p in folder.iterdir() if p.is_file() and layer_for_file(p.stem) == "districts")
    if len(files) != 1:
        return None
    read = read_file(files[0])
    if len(read) != 1:
        return None
    result = interpret(LAYERS["districts"], read[0][1])
    frame = result.frame
    if any(i.severity == "error" for i in result.issues) or not len(frame):
        return None
    pools = frame["pooling_area"].astype(str).replace("", WHOLE)
    names = frame["district_name"].astype(str)
    codes = frame["district_code"].astype(str)
    names = names.where(names != "", codes)
    return list(zip(codes, names, pools))


def _unique(areas: list[Area]) -> list[Area]:
    """Codes made unique where they still clash (two pooling areas whose codes are the same once
    made safe for a folder name): the second is ``<code>-2``, and so on."""
    seen: set[str] = set()
    out = []
    for area in areas:
        code, n = area.code, 1
        while code in seen:
            n += 1
            code = f"{area.code}-{n}"
        seen.add(code)
        out.append(area if code == area.code else _renamed(area, code))
    return out


def _renamed(area: Area, code: str) -> Area:
    return Area(code=safe_code(code), name=area.name, source=area.source, districts=area.districts, cells=area.cells)


def _with_cells(area: Area, root: Path) -> Area:
    """``area`` pointing at ``root`` when ``root`` holds cells of one of its districts (or, its
    districts unknown, of its code)."""
    from geodata.cells import cell_counties

    counties = set(cell_counties(root))
    wanted = set(area.districts) or {area.code}
    if not counties & wanted:
        return area
    return Area(code=area.code, name=area.name, source=area.source, districts=area.districts, cells=str(root))
