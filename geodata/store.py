"""Where uploaded data packages are kept, so a refresh or a restart loses nothing.

Files are written under ``<data dir>/packages/<id>/`` with sanitised names; the id is a hash of
the content, so uploading the same files twice gives the same id. The data directory is
``$YLT_DATA_DIR`` or ``./data`` beside the app.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from geodata.errors import GeodataError, UnsafeArchiveError
from geodata.readers import DEFAULT_LIMITS, Limits, zip_members

ROOT = Path(__file__).resolve().parents[1]
MAX_FILES = 50
MANIFEST = "manifest.json"
_ID = re.compile(r"^[0-9a-f]{16}$")


def data_dir() -> Path:
    return Path(os.environ.get("YLT_DATA_DIR", ROOT / "data"))


def _safe_name(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1].strip()
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base).lstrip(".")
    return base[:120] or "file"


def save_upload(files: list[tuple[str, bytes]], *, limits: Limits = DEFAULT_LIMITS) -> str:
    """Keep uploaded files; returns the package id. Raises ``GeodataError`` past the bounds.

    A ``manifest.json`` beside them records the file names, the time, and the archive's name
    when the upload is one ``.zip`` or ``.gpkg`` (and a zip's member names).
    """
    if not files:
        raise GeodataError("no files")
    if len(files) > MAX_FILES:
        raise GeodataError(f"{len(files)} files, at most {MAX_FILES}")
    total = sum(len(data) for _, data in files)
    if total > limits.max_file_bytes:
        raise GeodataError(f"{total / 1e6:.0f} MB uploaded, at most {limits.max_file_bytes / 1e6:.0f} MB")
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(_safe_name(name).encode())
        digest.update(hashlib.sha256(data).digest())
    package_id = digest.hexdigest()[:16]
    folder = data_dir() / "packages" / package_id
    folder.mkdir(parents=True, exist_ok=True)
    names = [_safe_name(name) for name, _ in files]
    for name, (_, data) in zip(names, files):
        _write(folder / name, data)
    archive = Path(names[0]).stem if len(names) == 1 and names[0].lower().endswith((".zip", ".gpkg")) else ""
    manifest = {"archive": archive, "files": sorted(names),
                "saved": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")}
    if archive and names[0].lower().endswith(".zip"):
        manifest["members"] = _members(files[0][1], limits)
    _write(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
    return package_id


def _members(data: bytes, limits: Limits) -> list[str]:
    """A zip's member names as its writer meant them (GBK names from Chinese Windows decoded),
    without extracting anything; empty for a zip that cannot be read (loading says why)."""
    try:
        return [name for name, info in zip_members(data)[: limits.max_members] if not info.is_dir()]
    except UnsafeArchiveError:
        return []


def _write(target: Path, data: bytes) -> None:
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def package_info(package_id: str) -> dict:
    """What the manifest recorded at upload: ``archive``, ``files``, ``saved`` and, for a zip,
    ``members`` (its member names, decoded as ``geodata.readers.member_name`` does)."""
    path = package_path(package_id)
    manifest = (path if path.is_dir() else path.parent) / MANIFEST
    try:
        return dict(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def discard(package_id: str) -> None:
    """Remove a stored upload (one that could not be used)."""
    if _ID.match(package_id):
        shutil.rmtree(data_dir() / "packages" / package_id, ignore_errors=True)


def package_path(package_id: str) -> Path:
    """The path to load for ``package_id``: the folder, or its single .zip/.gpkg file."""
    if not _ID.match(package_id):
        raise GeodataError(f"not a package id: {package_id!r}")
    folder = data_dir() / "packages" / package_id
    if not folder.is_dir():
        raise GeodataError(f"no stored package {package_id}")
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part") and p.name != MANIFEST]
    if len(files) == 1 and files[0].suffix.lower() in (".zip", ".gpkg"):
        return files[0]
    return folder
