"""Who may do what: roles, the access settings, local accounts and their sessions.

Access control is off by default (one planner on one machine). An administrator turns it on in
``<data dir>/access.toml`` (read with ``tomllib``: data only, nothing evaluated)::

    mode = "local"          # off | local | oidc
    session_hours = 12      # how long a local sign-in lasts (a number: true is refused)
    retention_days = 90     # ylt clean: uploads, map files and sign-in records older than this go
    default_role = "none"   # oidc: the role of an identity not listed in [roles]; "none" refuses it
    provider = ""           # oidc: the [auth.<provider>] section of .streamlit/secrets.toml ("" = [auth])

    [roles]                 # oidc: e-mail (or subject) -> role
    "zhang.wei@wjw.example.cn" = "admin"

Roles: an official (审阅) reads everything and exports; a planner (规划) also edits plans and
imports data; an administrator (管理员) also deletes and restores plans and manages accounts.
The store every page gets is a ``GuardedPlanStore`` for the signed-in role, so no page, button or
URL can write past the role.

Local accounts are kept in ``<data dir>/accounts.sqlite``: passwords as scrypt hashes (RFC 7914,
a random 16-byte salt each, compared in constant time); five wrong passwords in a row lock the
account for 15 minutes; a sign-in is a random token whose SHA-256 alone is stored, so a copy of
the database lets nobody in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import sqlite3
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from geodata.errors import GeodataError
from geodata.plans import PlanStore
from texts import Text

ROLES = ("official", "planner", "admin")
MODES = ("off", "local", "oidc")
PERMISSIONS = {
    "view": frozenset(ROLES),
    "edit": frozenset({"planner", "admin"}),      # plans: edit, create, copy, rename, notes
    "import": frozenset({"planner", "admin"}),    # upload data packages
    "manage": frozenset({"admin"}),               # delete and restore plans, accounts
}
MIN_PASSWORD = 10
MAX_FAILURES = 5
MAX_ATTEMPT_ROWS = 10_000  # the failed sign-in table: past this, the oldest unlocked rows go on each insert
RETENTION_DAYS = 90
LOCKOUT = timedelta(minutes=15)
# scrypt at n=2**14, r=8 (16 MiB, ~50 ms here): the interactive-login parameters of RFC 7914 §2.
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may ``action`` (view, edit, import, manage)."""
    return role in PERMISSIONS[action]


class AccessError(GeodataError):
    """A bad access setting or account request; its reason is a catalogue code (``access.*``),
    ``messages`` renders it in both languages."""

    def __init__(self, code: str, **params: object) -> None:
        self.text = Text(f"access.{code}", params)
        super().__init__(self.text.render("en"))

    @property
    def messages(self) -> dict[str, str]:
        return self.text.messages


class AccessStorageError(AccessError):
    """The accounts database could not be read or written (disk full, damaged file, read-only),
    or a setting this module words itself; the message says which and what to do, in both
    languages (no catalogue code: ``messages`` holds them)."""

    _SAID = {
        "disk_full": ("无法登录：磁盘已满（{cause}）。请管理员释放 {folder} 所在磁盘的空间。",
                      "cannot sign in: the disk is full ({cause}). An administrator must free space on the disk of {folder}."),
        "damaged": ("无法登录：账户数据库 {path} 已损坏（{cause}）。请管理员用备份替换它，或删除后用 ylt users add 重建账户。",
                    "cannot sign in: the accounts database {path} is damaged ({cause}). An administrator must replace it "
                    "with a backup, or remove it and add the accounts again with ylt users add."),
        "read_only": ("无法登录：账户数据库 {path} 不可写（{cause}）。请检查数据目录的权限。",
                      "cannot sign in: the accounts database {path} cannot be written ({cause}). Check the data "
                      "directory's permissions."),
        "io": ("无法登录：读写账户数据库 {path} 出错（{cause}）。", "cannot sign in: reading or writing {path} failed ({cause})."),
    }

    def __init__(self, messages: dict[str, str], kind: str = "io") -> None:
        self._messages, self.kind = messages, kind
        GeodataError.__init__(self, messages["en"])

    @classmethod
    def of(cls, path: Path, cause: BaseException) -> AccessStorageError:
        from geodata.plans import storage_kind

        kind = storage_kind(cause)
        zh, en = cls._SAID[kind]
        params = {"path": str(path), "cause": str(cause), "folder": str(Path(path).parent)}
        return cls({"zh": zh.format(**params), "en": en.format(**params)}, kind)

    @classmethod
    def bad_setting(cls, path: Path, key: str, value: object) -> AccessStorageError:
        return cls({"zh": f"{path}：{key} 必须是 1 到 3650 之间的天数（现为 {value!r}）。",
                    "en": f"{path}: {key} must be a number of days from 1 to 3650 (it is {value!r})."}, "setting")

    @property
    def messages(self) -> dict[str, str]:
        return dict(self._messages)


class AccessDenied(AccessError):
    def __init__(self, role: str | None, action: str) -> None:
        super().__init__("denied", role=Text(f"role.{role if role in ROLES else 'none'}"), action=Text(f"permission.{action}"))
        self.role, self.action = role, action


@dataclass(frozen=True)
class AccessConfig:
    mode: str = "off"
    session_hours: float = 12.0
    default_role: str = "none"
    provider: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    trust_unverified_email: bool = False  # oidc: match [roles] on an e-mail the provider has not verified
    retention_days: float = RETENTION_DAYS  # ylt clean removes what is older

    def identity_of(self, claims) -> str:
        """The name an OIDC user is known by: the e-mail when the provider vouches for it
        (``email_verified``), else the subject (``sub``), so nobody gets a role by typing someone
        else's address into an editable profile."""
        email = str(claims.get("email") or "")
        if email and (claims.get("email_verified") is True or self.trust_unverified_email):
            return email
        return str(claims.get("sub") or "")

    def role_of(self, identity: str) -> str | None:
        """The role of an OIDC identity (matched without case), or None when it is refused."""
        wanted = {key.strip().lower(): value for key, value in self.roles.items()}
        role = wanted.get(identity.strip().lower(), self.default_role)
        return role if role in ROLES else None


def read_config(path: Path) -> AccessConfig:
    """The access settings in ``path``; off when the file is missing. Raises ``AccessError`` with
    what is wrong and where when the file cannot be used (the app then refuses everyone rather
    than opening up)."""
    if not path.exists():
        return AccessConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise AccessError("settings_unreadable", path=str(path), error=str(exc)) from exc
    unknown = sorted(set(raw) - {"mode", "session_hours", "default_role", "provider", "roles", "trust_unverified_email",
                                 "retention_days"})
    if unknown or "mode" not in raw:  # a mistyped file must not turn access control off
        raise AccessError("settings_unknown" if unknown else "settings_no_mode", path=str(path), keys=unknown)
    mode = raw["mode"]
    if mode not in MODES:
        raise AccessError("bad_mode", path=str(path), mode=repr(mode))
    roles = raw.get("roles", {})
    if not isinstance(roles, dict) or any(not isinstance(v, str) or v not in ROLES for v in roles.values()):
        raise AccessError("bad_roles", path=str(path), roles=ROLES)
    default_role = raw.get("default_role", "none")
    if default_role not in (*ROLES, "none"):
        raise AccessError("bad_default_role", path=str(path), role=repr(default_role), roles=ROLES)
    hours = raw.get("session_hours", 12)
    # a boolean is an int to Python: `session_hours = true` would be one hour
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
        raise AccessError("bad_hours", path=str(path))
    retention = raw.get("retention_days", RETENTION_DAYS)
    if isinstance(retention, bool) or not isinstance(retention, (int, float)) or not 1 <= retention <= 3650:
        raise AccessStorageError.bad_setting(path, "retention_days", retention)
    trust = raw.get("trust_unverified_email", False)
    if not isinstance(trust, bool):
        raise AccessError("bad_trust", path=str(path))
    return AccessConfig(mode, float(hours), default_role, str(raw.get("provider", "")), dict(roles), trust,
                        float(retention))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64): what is stored instead of the password."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 1024 * 1024, dklen=32)
        expected = base64.b64decode(digest)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Account:
    name: str
    role: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown names against, so they cost what a real check costs."""
    return hash_password(secrets.token_hex(16))


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountStore:
    """Local accounts and their sign-ins, in one SQLite file (created when missing)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, name TEXT NOT NULL, expires TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS attempts (name TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until TEXT NOT NULL);
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(self.SCHEMA)

    @contextmanager
    def _connect(self):
        """A connection; a storage failure (disk full, damaged file) becomes ``AccessStorageError``
        with a message saying which, never a raw sqlite error."""
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise AccessStorageError.of(self.path, exc) from exc
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        except sqlite3.IntegrityError:
            raise
        except (sqlite3.DatabaseError, OSError) as exc:
            raise AccessStorageError.of(self.path, exc) from exc
        finally:
            db.close()

    # --- accounts (the administrator's page and ``cli.py users``) -----------------------------
    def accounts(self) -> list[dict]:
        """Every account: name, role, created, and the lock (failed attempts, locked until)."""
        with self._connect() as db:
            rows = db.execute("SELECT a.name, a.role, a.created, COALESCE(t.failures, 0), COALESCE(t.locked_until, '') "
                              "FROM accounts a LEFT JOIN attempts t ON t.name = a.name ORDER BY a.name").fetchall()
        return [dict(zip(("name", "role", "created", "failures", "locked_until"), row)) for row in rows]

    def add(self, name: str, password: str, role: str) -> None:
        name = _valid_name(name)
        _valid_role(role)
        _valid_password(password, name)
        with self._connect() as db:
            try:
                db.execute("INSERT INTO accounts (name, role, hash, created) VALUES (?, ?, ?, ?)",
                           (name, role, hash_password(password), _now().isoformat(timespec="seconds")))
            except sqlite3.IntegrityError:
                raise AccessError("account_exists", name=name) from None

    def set_password(self, name: str, password: str) -> None:
        _valid_password(password, name)
        self._update(name, "UPDATE accounts SET hash = ? WHERE name = ?", (hash_password(password), name))
        with self._connect() as db:
            db.execute("DELETE FROM attempts WHERE name = ?", (name,))  # and lifts a lock
        self.end_sessions(name)  # a new password signs the old sessions out

    def set_role(self, name: str, role: str) -> None:
        _valid_role(role)
        self._update(name, "UPDATE accounts SET role = ? WHERE name = ?", (role, name), keep_admin=role != "admin")

    def remove(self, name: str) -> None:
        self._update(name, "DELETE FROM accounts WHERE name = ?", (name,), keep_admin=True)
        self.end_sessions(name)

    def _update(self, name: str, sql: str, args: tuple, *, keep_admin: bool = False) -> None:
        """One change to one account, in one transaction; ``keep_admin``: refused when it would
        leave no administrator (nobody could manage the tool), even with two changes at once."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            admins = [row[0] for row in db.execute("SELECT name FROM accounts WHERE role = 'admin'")]
            if keep_admin and admins == [name]:
                db.execute("ROLLBACK")
                raise AccessError("last_admin")
            if db.execute(sql, args).rowcount == 0:
                db.execute("ROLLBACK")
                raise AccessError("no_account")
            db.execute("COMMIT")

    # --- signing in --------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> Account:
        """The account when ``password`` is right; ``AccessError`` otherwise. Unknown names and
        wrong passwords get the same answer after the same work, and lock alike, so names cannot
        be probed. Each attempt is counted before the password is checked, in one transaction,
        so attempts made in parallel (tabs, worker processes) are all counted."""
        now = _now()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT failures, locked_until FROM attempts WHERE name = ?", (name,)).fetchone()
            failures, locked_until = row or (0, "")
            if locked_until and datetime.fromisoformat(locked_until) > now:
                db.execute("ROLLBACK")
                until = (datetime.fromisoformat(locked_until) + timedelta(hours=8)).strftime("%H:%M")  # Beijing time
                raise AccessError("locked", n=MAX_FAILURES, until=until)
            failures = 0 if locked_until else failures  # a lock that ran out starts the count anew
            until = (now + LOCKOUT).isoformat(timespec="seconds") if failures + 1 >= MAX_FAILURES else ""
            db.execute("INSERT OR REPLACE INTO attempts VALUES (?, ?, ?)", (name, failures + 1, until))
            # bounded: guesses at endless made-up names cannot grow the table past MAX_ATTEMPT_ROWS
            # (the oldest rows without a running lock go first; a lock in force is kept)
            db.execute("DELETE FROM attempts WHERE rowid IN (SELECT rowid FROM attempts WHERE locked_until < ? "
                       "ORDER BY rowid LIMIT max(0, (SELECT count(*) FROM attempts) - ?))",
                       (now.isoformat(timespec="seconds"), MAX_ATTEMPT_ROWS))
            account = db.execute("SELECT role, hash FROM accounts WHERE name = ?", (name,)).fetchone()
            db.execute("COMMIT")
        stored = account[1] if account else _dummy_hash()  # an unknown name costs a real check too
        if not check_password(password, stored) or account is None:
            raise AccessError("wrong_password")
        with self._connect() as db:
            db.execute("DELETE FROM attempts WHERE name = ?", (name,))
        return Account(name, account[0])

    def start_session(self, name: str, hours: float) -> str:
        """A new sign-in for ``name``: the token for the browser's cookie."""
        token = secrets.token_urlsafe(32)
        expires = (_now() + timedelta(hours=hours)).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (_now().isoformat(timespec="seconds"),))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (_token_key(token), name, expires))
        return token

    def session(self, token: str) -> Account | None:
        """The account signed in with ``token``, if that sign-in is still valid."""
        if not isinstance(token, str) or not token:
            return None
        with self._connect() as db:
            row = db.execute("SELECT a.name, a.role, s.expires FROM sessions s JOIN accounts a ON a.name = s.name "
                             "WHERE s.token = ?", (_token_key(token),)).fetchone()
        if row is None or datetime.fromisoformat(row[2]) < _now():
            return None
        return Account(row[0], row[1])

    def clean(self) -> dict[str, int]:
        """Remove expired sign-ins and failed-attempt records without a lock in force; how many."""
        now = _now().isoformat(timespec="seconds")
        with self._connect() as db:
            sessions = db.execute("DELETE FROM sessions WHERE expires < ?", (now,)).rowcount
            attempts = db.execute("DELETE FROM attempts WHERE locked_until < ?", (now,)).rowcount
        return {"sessions": sessions, "attempts": attempts}

    def end_session(self, token: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (_token_key(token),))

    def end_sessions(self, name: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))


def _valid_name(name: str) -> str:
    name = name.strip()
    if not re.fullmatch(r"[\w.@-]{1,40}", name):  # letters (Chinese too), digits, . _ - @: never markup
        raise AccessError("bad_name")
    return name


def _valid_role(role: str) -> None:
    if role not in ROLES:
        raise AccessError("bad_role", role=repr(role), roles=ROLES)


def _valid_password(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD or password.strip().lower() == name.strip().lower():
        raise AccessError("weak_password", n=MIN_PASSWORD)


class GuardedPlanStore:
    """A ``PlanStore`` as one role may use it: reads pass; a write the role may not make raises
    ``AccessDenied`` before it reaches the database. ``role`` is a role, or a function giving the
    role at the moment of the write (Streamlit runs a button's callback before the page, with
    the objects of the previous run: a role taken then could be stale)."""

    _READS = frozenset({"load", "history", "plans", "integrity", "path"})
    _NEEDS = {"save": "edit", "create": "edit", "duplicate": "edit", "rename": "edit"}

    def __init__(self, store: PlanStore, role) -> None:
        self._store, self._role = store, role

    @property
    def role(self) -> str | None:
        return self._role() if callable(self._role) else self._role

    def __getattr__(self, name: str):
        # anything not known to be a read needs "manage": a write added to PlanStore later is
        # closed to officials and planners until it is listed here
        action = None if name in self._READS else self._NEEDS.get(name, "manage")
        if action is not None and not can(self.role, action):
            raise AccessDenied(self.role, action)
        return getattr(self._store, name)
