"""Where uploaded data packages are kept, so a refresh or a restart loses nothing.

Files are written under ``<data dir>/packages/<id>/`` with sanitised names; the id is a hash of
the content, so uploading the same files twice gives the same id. The data directory is
``$YLT_DATA_DIR`` or ``./data`` beside the app.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import time
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
    existed = folder.is_dir()
    names = [_safe_name(name) for name, _ in files]
    archive = Path(names[0]).stem if len(names) == 1 and names[0].lower().endswith((".zip", ".gpkg")) else ""
    manifest = {"archive": archive, "files": sorted(names),
                "saved": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")}
    if archive and names[0].lower().endswith(".zip"):
        manifest["members"] = _members(files[0][1], limits)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, (_, data) in zip(names, files):
            _write(folder / name, data)
        _write(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:  # disk full, read-only: nothing half-written stays behind
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise StorageFullError(folder, exc) from exc
    return package_id


def _members(data: bytes, limits: Limits) -> list[str]:
    """A zip's member names as its writer meant them (GBK names from Chinese Windows decoded),
    without extracting anything; empty for a zip that cannot be read (loading says why)."""
    try:
        return [name for name, info in zip_members(data)[: limits.max_members] if not info.is_dir()]
    except UnsafeArchiveError:
        return []


def _write(target: Path, data: bytes) -> None:
    """``data`` at ``target``, whole or not at all: a failed write (a full disk) leaves no
    ``.part`` behind."""
    tmp = target.with_name(target.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


class StorageFullError(GeodataError):
    """An upload could not be kept (disk full, read-only data directory): the message says which
    and what to do, in both languages (``messages``); nothing half-written stays behind."""

    def __init__(self, folder: Path, cause: OSError) -> None:
        full = cause.errno == errno.ENOSPC
        self.messages = {
            "zh": (f"无法保存上传的文件：磁盘已满（{cause.strerror}）。请释放 {data_dir()} 所在磁盘的空间（ylt clean 可删除旧的上传），再上传。"
                   if full else f"无法保存上传的文件：{cause.strerror or cause}（{folder}）。请检查数据目录的写入权限。"),
            "en": (f"the upload could not be stored: the disk is full ({cause.strerror}). Free space on the disk of "
                   f"{data_dir()} (ylt clean removes old uploads), then upload again." if full else
                   f"the upload could not be stored: {cause.strerror or cause} ({folder}). Check that the data directory "
                   "is writable."),
        }
        super().__init__(self.messages["en"])


def clean_uploads(days: float, keep: set[str], *, now: float | None = None) -> list[str]:
    """Remove stored uploads older than ``days`` (by the time they were last written) whose id is
    not in ``keep`` (the packages some plan was made on); the ids removed."""
    root = data_dir() / "packages"
    cutoff = (now or time.time()) - days * 86400
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        if not (folder.is_dir() and _ID.match(folder.name)) or folder.name in keep:
            continue
        with contextlib.suppress(OSError):
            if max([p.stat().st_mtime for p in folder.iterdir()] + [folder.stat().st_mtime]) < cutoff:
                shutil.rmtree(folder)
                removed.append(folder.name)
    return removed


def clean_files(folder: Path, days: float, *, pattern: str = "*", now: float | None = None) -> int:
    """Remove files in ``folder`` matching ``pattern`` not written for ``days``; how many."""
    cutoff = (now or time.time()) - days * 86400
    count = 0
    for path in folder.glob(pattern) if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                count += 1
    return count


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
