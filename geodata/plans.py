"""Where plans (方案) are kept: SQLite in WAL mode, every saved version and an append-only log.

A narrow interface, so PostgreSQL can take SQLite's place: ``save``, ``load``, ``history``,
``plans``, ``rename``, ``duplicate``, ``delete``. Saving is optimistic: the caller says which
version it edited, and a save on top of a newer version is refused with ``PlanConflictError``
(two planners on one plan: nothing is silently overwritten). Each save is one transaction, so an
acknowledged save survives a crash.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from geodata.errors import GeodataError
from texts import Text

SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY, name TEXT NOT NULL, package_id TEXT NOT NULL,
    version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS versions (
    plan_id TEXT NOT NULL REFERENCES plans(plan_id), version INTEGER NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);
CREATE TABLE IF NOT EXISTS edit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id TEXT NOT NULL, version INTEGER NOT NULL,
    author TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL
);
"""


class PlanConflictError(GeodataError):
    """The plan changed since the version the caller edited; reload it and apply the edit again."""

    def __init__(self, plan_id: str, expected: int, current: int) -> None:
        self.plan_id, self.expected, self.current = plan_id, expected, current
        super().__init__(f"plan {plan_id} is at version {current}, not {expected}: someone saved in between")


class PlanNotFoundError(GeodataError):
    pass


def storage_kind(cause: BaseException) -> str:
    """What a storage failure is: ``damaged`` (not a database, malformed), ``disk_full``,
    ``read_only`` or ``io``."""
    text = str(cause).lower()
    if getattr(cause, "errno", None) == errno.ENOSPC or getattr(cause, "sqlite_errorcode", None) == 13 or "full" in text:
        return "disk_full"  # SQLITE_FULL is 13
    if isinstance(cause, sqlite3.DatabaseError) and any(w in text for w in ("not a database", "malformed", "corrupt")):
        return "damaged"
    if "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        return "read_only"
    return "io"


def backup_dir(path: Path) -> Path:
    """Where ``ylt store backup`` puts copies of the database at ``path`` by default."""
    return Path(path).parent / "backups"


# what a storage failure says when it is no failed save (a read, or a damaged file): the catalogue's
# storage.failed speaks of a save and of disk space, which would mislead here
_SAID = {
    "damaged": ("方案数据库 {path} 已损坏（{cause}）。请停止服务，用最近的备份替换它（备份在 {backups}，由 ylt store backup 生成），"
                "再用 ylt store check 检查。",
                "the plans database {path} is damaged ({cause}). Stop the app and replace it with the latest backup "
                "(backups are in {backups}, made by ylt store backup), then run ylt store check."),
    "disk_full": ("无法读取方案：磁盘已满（{cause}）。请释放 {folder} 所在磁盘的空间后刷新页面。",
                  "plans could not be read: the disk is full ({cause}). Free space on the disk of {folder} and reload."),
    "read_only": ("无法读取方案：没有 {path} 的读取权限（{cause}）。请检查数据目录的权限。",
                  "plans could not be read: no permission to read {path} ({cause}). Check the data directory's permissions."),
    "io": ("无法读取方案：读写错误（{cause}）。请检查 {path} 所在的磁盘。",
           "plans could not be read: a read or write error ({cause}). Check the disk holding {path}."),
}


class PlanStorageError(GeodataError):
    """The database could not be written or read (disk full, read-only data directory, damaged
    file, I/O error). A failed write is rolled back: the stored versions are as they were. The
    message matches the cause: a damaged file says to restore a backup and where backups are; a
    full disk says to free space; a failed read never claims a save failed. ``kind``: damaged,
    disk_full, read_only or io."""

    def __init__(self, path: Path, cause: Exception, *, reading: bool = False) -> None:
        self.path, self.kind, self.reading = path, storage_kind(cause), reading
        if self.kind == "damaged" or reading:
            zh, en = _SAID[self.kind]
            params = {"path": str(path), "cause": str(cause), "backups": str(backup_dir(path)), "folder": str(Path(path).parent)}
            self._messages = {"zh": zh.format(**params), "en": en.format(**params)}
            self.text = None
        else:
            self.text = Text("storage.failed", {"why": Text(f"storage.{self.kind}"), "cause": str(cause), "path": str(path)})
            self._messages = self.text.messages
        super().__init__(self._messages["en"])

    @property
    def messages(self) -> dict[str, str]:
        return dict(self._messages)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PlanStore:
    """Plans in one SQLite file (created when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlanStorageError(self.path, exc) from exc
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self, *, reading: bool = False):
        """A connection; storage failures become ``PlanStorageError`` (an open transaction is
        rolled back when the connection closes without COMMIT); ``reading``: the failure is told
        as a failed read, not a failed save."""
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise PlanStorageError(self.path, exc, reading=reading) from exc
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # an acknowledged save is on disk
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if isinstance(exc, sqlite3.IntegrityError):
                raise
            raise PlanStorageError(self.path, exc, reading=reading) from exc
        except OSError as exc:  # the disk under SQLite (ENOSPC, EIO)
            raise PlanStorageError(self.path, exc, reading=reading) from exc
        finally:
            db.close()

    def create(self, name: str, package_id: str, payload: dict, *, author: str) -> str:
        """A new plan at version 1; returns its id."""
        plan_id = uuid.uuid4().hex[:12]
        at = _now()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO plans VALUES (?, ?, ?, 1, ?, ?, 0)", (plan_id, name, package_id, at, at))
            db.execute("INSERT INTO versions VALUES (?, 1, ?)", (plan_id, json.dumps(payload, ensure_ascii=False)))
            db.execute("INSERT INTO edit_log (plan_id, version, author, at, action, detail) VALUES (?, 1, ?, ?, 'create', ?)",
                       (plan_id, author, at, json.dumps({"name": name}, ensure_ascii=False)))
            db.execute("COMMIT")
        return plan_id

    def save(self, plan_id: str, payload: dict, *, expected_version: int, author: str, action: str,
             detail: dict | None = None) -> int:
        """Store a new version on top of ``expected_version``; returns the new version number."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time; readers go on
            row = db.execute("SELECT version FROM plans WHERE plan_id = ? AND deleted = 0", (plan_id,)).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                raise PlanNotFoundError(plan_id)
            if row[0] != expected_version:
                db.execute("ROLLBACK")
                raise PlanConflictError(plan_id, expected_version, row[0])
            version, at = row[0] + 1, _now()
            db.execute("INSERT INTO versions VALUES (?, ?, ?)", (plan_id, version, json.dumps(payload, ensure_ascii=False)))
            db.execute("UPDATE plans SET version = ?, updated = ? WHERE plan_id = ?", (version, at, plan_id))
            db.execute("INSERT INTO edit_log (plan_id, version, author, at, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       (plan_id, version, author, at, action, json.dumps(detail or {}, ensure_ascii=False)))
            db.execute("COMMIT")
        return version

    def load(self, plan_id: str, version: int | None = None) -> tuple[int, dict]:
        """(version, payload) of the latest or the given version."""
        with self._connect(reading=True) as db:
            if version is None:
                row = db.execute("SELECT version FROM plans WHERE plan_id = ? AND deleted = 0", (plan_id,)).fetchone()
                if row is None:
                    raise PlanNotFoundError(plan_id)
                version = row[0]
            row = db.execute("SELECT payload FROM versions WHERE plan_id = ? AND version = ?", (plan_id, version)).fetchone()
        if row is None:
            raise PlanNotFoundError(f"{plan_id} v{version}")
        return version, json.loads(row[0])

    def history(self, plan_id: str) -> list[dict]:
        """The edit log of a plan, oldest first: version, author, time, action, detail."""
        with self._connect(reading=True) as db:
            rows = db.execute("SELECT version, author, at, action, detail FROM edit_log WHERE plan_id = ? ORDER BY id",
                              (plan_id,)).fetchall()
        return [{"version": v, "author": a, "at": t, "action": act, "detail": json.loads(d)} for v, a, t, act, d in rows]

    def plans(self, package_id: str | None = None, *, deleted: bool = False) -> list[dict]:
        """The plans (of one data package), newest first; ``deleted``: the deleted ones instead."""
        with self._connect(reading=True) as db:
            rows = db.execute("SELECT plan_id, name, package_id, version, created, updated FROM plans WHERE deleted = ? "
                              "AND (? IS NULL OR package_id = ?) ORDER BY updated DESC, plan_id",
                              (int(deleted), package_id, package_id)).fetchall()
        return [dict(zip(("plan_id", "name", "package_id", "version", "created", "updated"), r)) for r in rows]

    def rename(self, plan_id: str, name: str, *, author: str) -> None:
        self._log_only(plan_id, author, "rename", {"name": name}, "UPDATE plans SET name = ? WHERE plan_id = ?", (name, plan_id))

    def delete(self, plan_id: str, *, author: str) -> None:
        """Hide the plan; its versions and log stay (nothing a planner did is lost)."""
        self._log_only(plan_id, author, "delete", {}, "UPDATE plans SET deleted = 1 WHERE plan_id = ?", (plan_id,))

    def restore(self, plan_id: str, *, author: str) -> None:
        """Bring a deleted plan back, with all its versions."""
        self._log_only(plan_id, author, "restore", {}, "UPDATE plans SET deleted = 0 WHERE plan_id = ?", (plan_id,))

    def duplicate(self, plan_id: str, name: str, *, author: str) -> str:
        version, payload = self.load(plan_id)
        with self._connect() as db:
            package_id = db.execute("SELECT package_id FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()[0]
        new = self.create(name, package_id, payload, author=author)
        self._log_only(new, author, "duplicate", {"from": plan_id, "version": version}, None, ())
        return new

    def record_filing(self, plan_id: str, version: int, *, author: str, file_name: str) -> None:
        """Log that ``version`` was filed (its filing package downloaded): the review's "last
        filed version" reads it back (``last_filed``). Makes no new version."""
        self._log_only(plan_id, author, "file", {"version": int(version), "name": file_name}, None, ())

    def _log_only(self, plan_id: str, author: str, action: str, detail: dict, sql: str | None, args: tuple) -> None:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT version FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                raise PlanNotFoundError(plan_id)
            if sql:
                db.execute(sql, args)
            db.execute("INSERT INTO edit_log (plan_id, version, author, at, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       (plan_id, row[0], author, _now(), action, json.dumps(detail, ensure_ascii=False)))
            db.execute("COMMIT")

    def integrity(self) -> str:
        """``ok``, or the problems ``PRAGMA integrity_check`` found, one a line."""
        return "\n".join(self.check())

    def check(self) -> list[str]:
        """``["ok"]``, or the problems ``PRAGMA integrity_check`` found (a file that is no
        database at all raises ``PlanStorageError``, kind ``damaged``)."""
        with self._connect(reading=True) as db:
            return [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]

    def backup(self, target: Path) -> Path:
        """A consistent copy of the database at ``target`` (a file, or a folder to put
        ``plans-<UTC time>.sqlite`` in), made with SQLite's online backup API while the app runs;
        written beside the target and renamed only when complete."""
        target = Path(target)
        if target.is_dir() or not target.suffix:
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"plans-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.sqlite"
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        try:
            with self._connect(reading=True) as db:
                copy = sqlite3.connect(part)
                try:
                    db.backup(copy)
                finally:
                    copy.close()
            part.replace(target)
        except (OSError, sqlite3.Error) as exc:
            part.unlink(missing_ok=True)
            raise PlanStorageError(target, exc) from exc
        except PlanStorageError:
            part.unlink(missing_ok=True)
            raise
        return target


LOG_ONLY = frozenset({"rename", "delete", "restore", "duplicate", "file"})  # log entries that make no new version


def undo_redo(history: list[dict]) -> tuple[int | None, int | None]:
    """The versions whose content an undo and a redo would restore, from a plan's edit log.

    Undo and redo are saved as new versions (action ``undo``/``redo``), so they are in the log
    like any edit and survive a refresh or a restart; replaying the log rebuilds both stacks. A
    new edit after an undo clears the redo stack, as in every editor."""
    undo: list[int] = []
    redo: list[int] = []
    current: int | None = None
    for entry in history:
        action, version = entry["action"], entry["version"]
        if action in LOG_ONLY:
            continue
        if action == "create" or current is None:
            undo, redo = [], []
        elif action == "undo" and undo:
            undo.pop()
            redo.append(current)
        elif action == "redo" and redo:
            redo.pop()
            undo.append(current)
        else:
            undo.append(current)
            redo.clear()
        current = version
    return (undo[-1] if undo else None, redo[-1] if redo else None)


def last_filed(history: list[dict]) -> int | None:
    """The version filed last (``PlanStore.record_filing``), or None when none was."""
    filed = [e["detail"].get("version") for e in history if e["action"] == "file"]
    return next((int(v) for v in reversed(filed) if isinstance(v, int)), None)
