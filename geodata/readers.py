"""Reading the files planners send: bytes in, raw tables out, every problem reported.

Formats: GeoJSON, GeoPackage, Shapefile (zipped, or beside its parts), CSV and XLSX with
coordinate or WKT columns. Encodings: UTF-8 (with or without BOM), GBK/GB18030. Nothing here
interprets columns; ``geodata.validate`` does that. Archives are checked before anything in them
is read (``safe_extract``).
"""

from __future__ import annotations

import csv
import io
import re
import stat
import struct
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

from geodata.errors import WHY, Issue, PositionKind, UnsafeArchiveError, issue, scrub

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
# what a file claims to be, by its extension: named when it turns out not to be that
FORMAT_KINDS = {".zip": "ZIP/Shapefile", ".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON",
                ".gpkg": "GeoPackage", ".csv": "CSV", ".txt": "CSV", ".xlsx": "Excel (XLSX)", ".xlsm": "Excel (XLSM)"}


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
    # rows the reader could not split properly: row index -> (issue code, message parameters);
    # geodata.validate rejects them with that reason, so they are listed, never dropped
    bad_rows: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # spreadsheet cells that hold a formula with no value saved (read as blank): (row index,
    # column) -> the formula, so validation says "a formula", not "empty"
    formula_cells: dict[tuple[int, str], str] = field(default_factory=dict)
    # a Shapefile's .prj that could not be read (its file name): the layer was read without a
    # coordinate system, and validation says what it assumed
    prj_unreadable: str = ""


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text as UTF-8 (BOM or not), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


UTF8_FLAG = 0x800  # general purpose bit 11: the member name is UTF-8
UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP's Unicode Path extra field: the name again, in UTF-8
LEGACY_NAME_ENCODINGS = ("utf-8", "gb18030")


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as the planner's machine wrote it.

    Without flag bit 11, ``zipfile`` decodes names as CP437, but Chinese Windows' built-in zip and
    Info-ZIP write them in the machine's code page (GBK/CP936), so ``街镇.shp`` would come out as
    ``╜╓╒≥.shp``. Like Windows tools: Info-ZIP's Unicode Path field when its checksum matches,
    else the raw bytes as UTF-8, else GB18030 (a superset of GBK), and CP437 only last.
    """
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # not a name zipfile decoded as CP437
        return info.filename
    unicode_path = _unicode_path(info.extra, raw)
    if unicode_path:
        return unicode_path
    decoded = []
    for encoding in LEGACY_NAME_ENCODINGS:
        try:
            decoded.append(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    # short GBK names can be valid UTF-8 by chance (医院 -> ҽԺ): UTF-8 wins only when it reads
    # as a name would, in ASCII, Latin or CJK characters
    plausible = [d for d in decoded if all(_plausible(ch) for ch in d)]
    return (plausible or decoded or [info.filename])[0]


def _plausible(ch: str) -> bool:
    o = ord(ch)
    return (o < 0x250 or 0x2000 <= o < 0x2070 or 0x3000 <= o < 0x3040 or 0x3400 <= o < 0x4DC0
            or 0x4E00 <= o < 0xA000 or 0xF900 <= o < 0xFB00 or 0xFF00 <= o < 0xFFF0 or 0x20000 <= o < 0x32000)


def _unicode_path(extra: bytes, raw_name: bytes) -> str | None:
    """The UTF-8 name of Info-ZIP's Unicode Path extra field (0x7075), if it fits ``raw_name``."""
    at = 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4:at + 4 + size]
        at += 4 + size
        if tag != UNICODE_PATH_EXTRA or len(body) < 5 or body[0] != 1:
            continue
        if struct.unpack_from("<I", body, 1)[0] != zlib.crc32(raw_name):
            return None  # the name was changed after the field was written: not to be trusted
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def zip_members(data: bytes) -> list[tuple[str, zipfile.ZipInfo]]:
    """Every member of a zip with its name decoded as the writer meant it (``member_name``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return [(member_name(m), m) for m in archive.infolist()]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnsafeArchiveError(f"not a readable zip ({exc})", damaged=True) from exc


def safe_extract(data: bytes, dest: Path, *, limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """Extract a zip after checking member count, names, links, total size and ratio.

    Member names are decoded as their writer meant them (``member_name``: GBK names from Chinese
    Windows included) before they are checked and written. Raises ``UnsafeArchiveError`` before
    writing anything when a check fails.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [(member_name(m), m) for m in archive.infolist()]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnsafeArchiveError(f"not a readable zip ({exc})", damaged=True) from exc
    if len(members) > limits.max_members:
        raise UnsafeArchiveError(f"{len(members)} members, at most {limits.max_members} allowed")
    total = 0
    for name_text, m in members:
        name = PurePosixPath(name_text.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or ":" in name_text or "\x00" in name_text:
            raise UnsafeArchiveError(f"member name {name_text!r} points outside the archive")
        if stat.S_ISLNK(m.external_attr >> 16):
            raise UnsafeArchiveError(f"member {name_text!r} is a symbolic link")
        total += m.file_size
        if m.compress_size and m.file_size / m.compress_size > limits.max_ratio and m.file_size > 1024 * 1024:
            raise UnsafeArchiveError(f"member {name_text!r} expands {m.file_size / m.compress_size:.0f} times")
    if total > limits.max_unpacked_bytes:
        raise UnsafeArchiveError(f"expands to {total / 1e6:.0f} MB, at most {limits.max_unpacked_bytes / 1e6:.0f} MB allowed")
    written: list[Path] = []
    root = dest.resolve()
    for name_text, m in members:
        if m.is_dir() or name_text.endswith(("/", "\\")):
            continue
        target = (root / name_text.replace("\\", "/")).resolve()
        if root not in target.parents:
            raise UnsafeArchiveError(f"member name {name_text!r} points outside the archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(m) as src, open(target, "wb") as out:
                remaining = m.file_size + 1
                while chunk := src.read(1 << 20):
                    remaining -= len(chunk)
                    if remaining < 0:  # the header lied about the size
                        raise UnsafeArchiveError(f"member {name_text!r} is larger than it declares")
                    out.write(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise UnsafeArchiveError(f"member {name_text!r} cannot be read ({exc})", damaged=True) from exc
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
    prj = next(iter(shp.parent.glob(shp.stem + ".[pP][rR][jJ]")), None)
    if prj is None:
        raw.crs = None  # no .prj: the loader checks the coordinates and the config
    elif raw.crs is None:
        raw.prj_unreadable = prj.name  # GDAL could not make sense of it
    raw.issues = issues + enc_issues
    return raw


def read_table(data: bytes, name: str) -> RawLayer:
    """CSV or XLSX into a frame of strings (codes keep their leading zeros).

    Positions are the planner's own: the CSV line where a record starts (header = line 1, blank
    lines and quoted line breaks counted), the sheet row of a workbook. Blank rows are skipped,
    title rows above the header are noted, and a record with more fields than the header is
    kept aside with its line rather than failing the whole file.
    """
    suffix = Path(name).suffix.lower()
    formulas: dict[tuple[int, int], str] = {}
    if suffix in (".xlsx", ".xlsm"):
        records, notes, formulas = _sheet_records(data)
        kind: PositionKind = "row"
    else:
        text, encoding = decode_text(data)
        records = _csv_records(text)
        notes = [] if encoding == "utf-8-sig" else [issue("info", "text_encoding", encoding="GBK/GB18030", position_kind="file")]
        kind = "line"
    frame, positions, bad, more = _table_frame(records, kind)
    raw = RawLayer(frame, name, kind, positions, is_table=True, issues=notes + more, bad_rows=bad)
    if formulas:
        at = {n: i for i, n in enumerate(positions)}
        raw.formula_cells = {(at[n], str(frame.columns[j])): f for (n, j), f in formulas.items()
                             if n in at and j < frame.shape[1] and frame.iat[at[n], j] == ""}
    return raw


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """(first line of the record, fields) for each CSV record; the delimiter is sniffed."""
    head = [line for line in text.splitlines()[:50] if line.strip()][:20]
    delimiter = max(",\t;|", key=lambda d: (max((line.count(d) for line in head), default=0), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    records = []
    line = 1
    for fields in reader:  # an unterminated quote runs to the end: one bad record, not an error
        records.append((line, fields))
        line = reader.line_num + 1
    return records


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _sheet_records(data: bytes) -> tuple[list[tuple[int, list[str]]], list[Issue], dict[tuple[int, int], str]]:
    """(sheet row, cells) of the workbook's first sheet holding data; other sheets with data are
    named. Values are those the workbook saved with its formulas; a formula saved without one
    (written by a program, never opened in Excel) reads as blank, and comes back in the third
    item, (sheet row, column index) -> formula, for validation to name."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on styles and data validation
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        used: list[tuple[int, list[str]]] | None = None
        used_name = ""
        others: list[str] = []
        for sheet in book.worksheets:
            rows = [(n, [_cell(v) for v in row]) for n, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)]
            if not any(any(c.strip() for c in cells) for _, cells in rows):
                continue
            if used is None:
                used, used_name = rows, sheet.title
            else:
                others.append(sheet.title)
    finally:
        book.close()
    notes = [issue("warning", "sheets_ignored", position_kind="file", used=used_name, names=", ".join(others))] if others else []
    formulas = _sheet_formulas(data, used_name, used) if used else {}
    return used or [], notes, formulas


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _sheet_formulas(data: bytes, sheet_name: str, rows: list[tuple[int, list[str]]]) -> dict[tuple[int, int], str]:
    """The formulas of ``sheet_name`` whose saved value is blank in ``rows``: (sheet row, column
    index) -> formula. The workbook is read a second time (formulas, not values) only when a
    worksheet holds a formula at all."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not any(_FORMULA_TAG.search(archive.read(m)) for m in archive.namelist()
                       if m.startswith("xl/worksheets/") and m.endswith(".xml")):
                return {}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return {}
    blank = {(n, j) for n, cells in rows for j, c in enumerate(cells) if c == ""}
    if not blank:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        out = {}
        for n, row in enumerate(book[sheet_name].iter_rows(min_row=1, values_only=True), start=1):
            for j, value in enumerate(row):
                if isinstance(value, str) and value.startswith("=") and (n, j) in blank:
                    out[n, j] = value
        return out
    finally:
        book.close()


def _table_frame(records: list[tuple[int, list[str]]], kind: PositionKind):
    """Header, rows and their positions from raw records; blank records skipped."""
    records = [(n, [c.strip() for c in cells]) for n, cells in records]
    records = [(n, cells) for n, cells in records if any(cells)]
    notes: list[Issue] = []
    if not records:
        return pd.DataFrame(), [], {}, notes
    widths = [sum(1 for c in cells if c) for _, cells in records[:20]]
    h = next(i for i, w in enumerate(widths) if w >= max(2, max(widths) / 2) or w == max(widths))
    if h:
        notes.append(issue("info", "header_row", position_kind="file", row=records[h][0],
                           skipped=" | ".join(" ".join(c for c in cells if c) for _, cells in records[:h])[:80]))
    header_pos, header = records[h]
    while header and not header[-1]:
        header = header[:-1]
    columns = _unique_columns(header)
    rows, positions, bad = [], [], {}
    for n, cells in records[h + 1:]:
        extra = [c for c in cells[len(columns):] if c]
        if extra:
            bad[len(rows)] = ("fields_extra", {"count": str(len(columns)), "extra": ", ".join(extra)[:60]})
        rows.append((cells + [""] * len(columns))[:len(columns)])
        positions.append(n)
    return pd.DataFrame(rows, columns=columns, dtype=object), positions, bad, notes


def _unique_columns(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"column{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


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
        return [(stem, RawLayer(pd.DataFrame(), path.name, "file", [], issues=[archive_issue(exc, path)]))]
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, never crashes the app
        return [(stem, _failed(path.name, "file_unreadable", name=path.name, kind=FORMAT_KINDS.get(suffix, suffix),
                               **unreadable_why(exc, suffix)))]
    return [(stem, _failed(path.name, "file_unreadable", name=path.name, kind=suffix or "-",
                           why=WHY + "type", detail=suffix or "(none)"))]


def unreadable_why(exc: Exception, suffix: str) -> dict[str, str]:
    """Why a parser refused a file with this ``suffix``, as a reason code (``read_why.*`` in the
    catalogue) and the parser's own words without its internal paths (``geodata.errors.scrub``)."""
    text = scrub(" ".join(str(exc).split())) or type(exc).__name__
    at = _JSON_AT.search(text)
    if "Failed to read GeoJSON" in text and at:
        return {"why": WHY + "json", "line": at["line"], "char": at["char"], "detail": _short(text[at.end():].strip(" :"))}
    not_zip = isinstance(exc, zipfile.BadZipFile) or "not a zip file" in text.lower()
    if ("not recognized as" in text and "supported file format" in text) or (not_zip and suffix != ".zip"):
        return {"why": WHY + "format", "detail": ""}  # an .xlsx that is no workbook is not a zip either
    if not_zip:
        return {"why": WHY + "not_zip", "detail": ""}
    return {"why": WHY + "other", "detail": _short(text)}


_JSON_AT = re.compile(r"At line (?P<line>\d+), character (?P<char>\d+)")


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first member, or an empty zip


def archive_issue(exc: UnsafeArchiveError, path: Path) -> Issue:
    """The issue for the archive at ``path`` refused before reading: unsafe, or damaged; damaged
    is told apart as not a zip at all (a renamed RAR, a web page) or a zip cut short or corrupt."""
    if not exc.damaged:
        return issue("error", "unsafe_archive", position_kind="file", name=path.name, detail=scrub(exc))
    try:
        with open(path, "rb") as f:
            is_zip = f.read(4) in ZIP_MAGIC
    except OSError:
        is_zip = False
    why = {"why": WHY + "zip_broken", "detail": _short(scrub(exc))} if is_zip else {"why": WHY + "not_zip", "detail": ""}
    return issue("error", "archive_damaged", position_kind="file", name=path.name, **why)


def read_zipped_shapefile(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> RawLayer:
    """A layer zipped on its own: its Shapefile (or its one GeoJSON, CSV or XLSX file)."""
    with tempfile.TemporaryDirectory(prefix="ylt-shp-") as tmp:
        files = sorted(safe_extract(data, Path(tmp), limits=limits))
        shps = [f for f in files if f.suffix.lower() == ".shp"]
        others = [f for f in files if f.suffix.lower() in (".geojson", ".json") + TABLE_SUFFIXES]
        found = ", ".join(str(f.relative_to(tmp)) for f in files) or "-"
        if not shps and len(others) == 1:
            reader = read_table if others[0].suffix.lower() in TABLE_SUFFIXES else read_geojson
            return reader(others[0].read_bytes(), others[0].name)
        if not shps:
            return _failed(name, "archive_no_layer", name=name, found=found)
        raw = read_shapefile(shps[0], name)
        if len(shps) > 1:
            raw.issues.append(issue("warning", "archive_several_layers", position_kind="file", used=shps[0].name,
                                    names=", ".join(f.name for f in shps[1:])))
        return raw


def _failed(source: str, code: str, **params: object) -> RawLayer:
    return RawLayer(pd.DataFrame(), source, "file", [], issues=[issue("error", code, position_kind="file", **params)])


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
