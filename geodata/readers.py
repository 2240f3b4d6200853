"""Reading the files planners send: bytes in, raw tables out, every problem reported.

Formats: GeoJSON, GeoPackage, Shapefile (zipped, or beside its parts), CSV and XLSX with
coordinate or WKT columns. Encodings: UTF-8 (with or without BOM), GBK/GB18030. Nothing here
interprets columns; ``geodata.validate`` does that. Archives are checked before anything in them
is read (``safe_extract``).
"""

from __future__ import annotations

import io
import stat
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from geodata.errors import Issue, PositionKind, UnsafeArchiveError, issue

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Limits:
    """Bounds on what a planner may upload (the server's memory is shared by every user)."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_members: int = 200
    max_unpacked_bytes: int = 1024 * 1024 * 1024
    max_ratio: float = 200.0


DEFAULT_LIMITS = Limits()


@dataclass
class RawLayer:
    """A table as read from a file, before its columns are interpreted.

    ``positions`` holds, for each row, its place in the planner's file (1-based feature number,
    or the spreadsheet/CSV line), so every report points back to the source.
    """

    frame: pd.DataFrame
    source: str
    position_kind: PositionKind
    positions: list[int]
    crs: pyproj.CRS | None = None
    is_table: bool = False
    issues: list[Issue] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text as UTF-8 (BOM or not), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def safe_extract(data: bytes, dest: Path, *, limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """Extract a zip after checking member count, names, links, total size and ratio.

    Raises ``UnsafeArchiveError`` before writing anything when a check fails.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnsafeArchiveError(f"not a readable zip ({exc})", damaged=True) from exc
    if len(members) > limits.max_members:
        raise UnsafeArchiveError(f"{len(members)} members, at most {limits.max_members} allowed")
    total = 0
    for m in members:
        name = PurePosixPath(m.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or ":" in m.filename:
            raise UnsafeArchiveError(f"member name {m.filename!r} points outside the archive")
        if stat.S_ISLNK(m.external_attr >> 16):
            raise UnsafeArchiveError(f"member {m.filename!r} is a symbolic link")
        total += m.file_size
        if m.compress_size and m.file_size / m.compress_size > limits.max_ratio and m.file_size > 1024 * 1024:
            raise UnsafeArchiveError(f"member {m.filename!r} expands {m.file_size / m.compress_size:.0f} times")
    if total > limits.max_unpacked_bytes:
        raise UnsafeArchiveError(f"expands to {total / 1e6:.0f} MB, at most {limits.max_unpacked_bytes / 1e6:.0f} MB allowed")
    written: list[Path] = []
    root = dest.resolve()
    for m in members:
        if m.is_dir():
            continue
        target = (root / m.filename.replace("\\", "/")).resolve()
        if root not in target.parents:
            raise UnsafeArchiveError(f"member name {m.filename!r} points outside the archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(m) as src, open(target, "wb") as out:
                remaining = m.file_size + 1
                while chunk := src.read(1 << 20):
                    remaining -= len(chunk)
                    if remaining < 0:  # the header lied about the size
                        raise UnsafeArchiveError(f"member {m.filename!r} is larger than it declares")
                    out.write(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise UnsafeArchiveError(f"member {m.filename!r} cannot be read ({exc})", damaged=True) from exc
        written.append(target)
    return written


def _vector_positions(frame: pd.DataFrame) -> list[int]:
    return list(range(1, len(frame) + 1))


# GDAL otherwise hands over rings that do not close, and the whole layer then fails to convert;
# refused, such a feature arrives without geometry and is reported on its own (geometry_missing).
pyogrio.set_gdal_config_options({"OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"})


def _read_vector(source, name: str, **kw) -> RawLayer:
    with warnings.catch_warnings():
        # GDAL's notes on odd values (a word in a number column, a ring refused) are reported
        # better, row by row, by geodata.validate
        warnings.simplefilter("ignore")
        gdf = pyogrio.read_dataframe(source, **kw)
    if not isinstance(gdf, gpd.GeoDataFrame):
        return RawLayer(gdf, name, "row", list(range(1, len(gdf) + 1)), is_table=True)
    return RawLayer(gdf, name, "feature", _vector_positions(gdf), crs=gdf.crs)


def _dbf_encoding(shp: Path) -> tuple[str | None, list[Issue]]:
    """The .dbf text encoding: from .cpg when present, else UTF-8 if it decodes, else GB18030."""
    cpg = shp.with_suffix(".cpg")
    cpg = cpg if cpg.exists() else next((p for p in shp.parent.glob(shp.stem + ".[cC][pP][gG]")), cpg)
    if cpg.exists():
        return None, []  # GDAL honours .cpg itself
    dbf = next((p for p in shp.parent.glob(shp.stem + ".[dD][bB][fF]")), None)
    if dbf is None:
        return None, []
    raw = dbf.read_bytes()
    header_len = int.from_bytes(raw[8:10], "little") if len(raw) >= 10 else 0
    try:
        raw[header_len:].decode("utf-8")
        encoding = "UTF-8"
    except UnicodeDecodeError:
        encoding = "GB18030"
    return encoding, [issue("info", "encoding_guessed", encoding=encoding, position_kind="file")]


def read_shapefile(shp: Path, name: str) -> RawLayer:
    missing = [
        part for part in (".shx", ".dbf")
        if not any(shp.parent.glob(shp.stem + "." + "".join(f"[{c.lower()}{c.upper()}]" for c in part[1:])))
    ]
    issues = [issue("error", "shapefile_part_missing", part=p, position_kind="file") for p in missing]
    if ".shx" in missing:
        return RawLayer(pd.DataFrame(), name, "feature", [], issues=issues)
    encoding, enc_issues = _dbf_encoding(shp)
    kw = {"encoding": encoding} if encoding else {}
    raw = _read_vector(shp, name, **kw)
    if not any(shp.parent.glob(shp.stem + ".[pP][rR][jJ]")):
        raw.crs = None  # no .prj: the loader checks the coordinates and the config
    raw.issues = issues + enc_issues
    return raw


def read_table(data: bytes, name: str) -> RawLayer:
    """CSV or XLSX into a frame of strings (codes keep their leading zeros)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        return RawLayer(frame, name, "row", list(range(2, len(frame) + 2)), is_table=True)
    text, encoding = decode_text(data)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    notes = [] if encoding == "utf-8-sig" else [issue("info", "text_encoding", encoding="GBK/GB18030", position_kind="file")]
    return RawLayer(frame, name, "line", list(range(2, len(frame) + 2)), is_table=True, issues=notes)


def read_geojson(data: bytes, name: str) -> RawLayer:
    text, encoding = decode_text(data)
    raw = _read_vector(io.BytesIO(text.encode("utf-8")), name)
    if encoding != "utf-8-sig":
        raw.issues.append(issue("info", "text_encoding", encoding="GBK/GB18030", position_kind="file"))
    return raw


def read_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, RawLayer]]:
    """Read one file into (layer name, raw layer) pairs: a GeoPackage may hold several layers.

    Never raises for a bad file: failures come back as a raw layer carrying the issue
    (``file_unreadable``, ``archive_damaged``, ``unsafe_archive``, ...).
    """
    suffix = path.suffix.lower()
    stem = path.stem.lower()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return [(stem, _failed(path.name, "file_too_large", size_mb=f"{size / 1e6:.0f}",
                               limit_mb=f"{limits.max_file_bytes / 1e6:.0f}"))]
    if size == 0:
        return [(stem, _failed(path.name, "file_empty"))]
    try:
        if suffix == ".gpkg":
            return [
                (layer, _read_vector(path, f"{path.name}:{layer}", layer=layer))
                for layer, _ in pyogrio.list_layers(path)
            ]
        if suffix == ".shp":
            return [(stem, read_shapefile(path, path.name))]
        if suffix == ".zip":
            return [(stem, read_zipped_shapefile(path.read_bytes(), path.name, limits=limits))]
        if suffix in TABLE_SUFFIXES:
            return [(stem, read_table(path.read_bytes(), path.name))]
        if suffix in (".geojson", ".json"):
            return [(stem, read_geojson(path.read_bytes(), path.name))]
    except UnsafeArchiveError as exc:
        return [(stem, _failed(path.name, "archive_damaged" if exc.damaged else "unsafe_archive", detail=str(exc)))]
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, never crashes the app
        return [(stem, _failed(path.name, "file_unreadable", detail=_one_line(exc)))]
    return [(stem, _failed(path.name, "file_unreadable", detail=f"unsupported file type {suffix or '(none)'}"))]


def read_zipped_shapefile(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> RawLayer:
    with tempfile.TemporaryDirectory(prefix="ylt-shp-") as tmp:
        files = safe_extract(data, Path(tmp), limits=limits)
        shps = [f for f in files if f.suffix.lower() == ".shp"]
        if not shps:
            return _failed(name, "shapefile_part_missing", part=".shp")
        return read_shapefile(shps[0], name)


def _failed(name: str, code: str, **params: object) -> RawLayer:
    return RawLayer(pd.DataFrame(), name, "file", [], issues=[issue("error", code, position_kind="file", **params)])


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
