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
from pathlib import Path

from geodata.errors import GeodataError
from geodata.readers import DEFAULT_LIMITS, Limits

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

    A ``manifest.json`` beside them records a readable name (the archive's name, or the first
    file's) and the file names.
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
    title = Path(names[0]).stem if len(names) == 1 else f"{Path(sorted(names)[0]).stem} +{len(names) - 1}"
    manifest = {"name": title, "files": sorted(names)}
    _write(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
    return package_id


def _write(target: Path, data: bytes) -> None:
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def package_name(package_id: str) -> str:
    """The readable name recorded when the package was uploaded."""
    manifest = package_path(package_id)
    manifest = (manifest if manifest.is_dir() else manifest.parent) / MANIFEST
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["name"])
    except (OSError, ValueError, KeyError):
        return package_id


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
