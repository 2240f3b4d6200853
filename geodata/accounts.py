"""Who may do what: roles, the access settings, local accounts and their sessions.

Access control is off by default (one planner on one machine). An administrator turns it on in
``<data dir>/access.toml`` (read with ``tomllib``: data only, nothing evaluated)::

    mode = "local"          # off | local | oidc
    session_hours = 12      # how long a local sign-in lasts
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
import hashlib
import hmac
import secrets
import sqlite3
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from geodata.errors import GeodataError
from geodata.plans import PlanStore

ROLES = ("official", "planner", "admin")
MODES = ("off", "local", "oidc")
PERMISSIONS = {
    "view": frozenset(ROLES),
    "edit": frozenset({"planner", "admin"}),      # plans: edit, create, copy, rename, notes
    "import": frozenset({"planner", "admin"}),    # upload data packages
    "manage": frozenset({"admin"}),               # delete and restore plans, accounts
}
ROLE_NAMES = {"official": ("审阅（只读）", "official (read-only)"), "planner": ("规划", "planner"),
              "admin": ("管理员", "administrator")}
MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# scrypt at n=2**14, r=8 (16 MiB, ~50 ms here): the interactive-login parameters of RFC 7914 §2.
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may ``action`` (view, edit, import, manage)."""
    return role in PERMISSIONS[action]


class AccessError(GeodataError):
    """A bad access setting or account request; ``messages`` has the text in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        self.messages = {"zh": zh, "en": en}
        super().__init__(en)


class AccessDenied(AccessError):
    def __init__(self, role: str | None, action: str) -> None:
        role_zh, role_en = ROLE_NAMES.get(role or "", ("未登录", "signed out"))
        what = {"edit": ("修改方案", "change plans"), "import": ("导入数据", "import data"),
                "manage": ("删除、恢复方案或管理账号", "delete or restore plans or manage accounts"),
                "view": ("查看", "view")}[action]
        super().__init__(f"当前角色“{role_zh}”无权{what[0]}；如需权限，请联系管理员。",
                         f"Your role ({role_en}) may not {what[1]}; ask an administrator for access.")
        self.role, self.action = role, action


@dataclass(frozen=True)
class AccessConfig:
    mode: str = "off"
    session_hours: float = 12.0
    default_role: str = "none"
    provider: str = ""
    roles: dict[str, str] = field(default_factory=dict)

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
        raise AccessError(f"无法读取权限设置 {path}：{exc}。请改正该文件（TOML 格式）。",
                          f"Cannot read the access settings {path}: {exc}. Fix the file (TOML).") from exc
    mode = raw.get("mode", "off")
    if mode not in MODES:
        raise AccessError(f"{path}：mode = {mode!r} 无效，应为 off、local 或 oidc。",
                          f"{path}: mode = {mode!r} is not one of off, local, oidc.")
    roles = raw.get("roles", {})
    if not isinstance(roles, dict) or any(not isinstance(v, str) or v not in ROLES for v in roles.values()):
        raise AccessError(f"{path}：[roles] 中的角色只能是 {', '.join(ROLES)}。",
                          f"{path}: the roles in [roles] must be one of {', '.join(ROLES)}.")
    default_role = raw.get("default_role", "none")
    if default_role not in (*ROLES, "none"):
        raise AccessError(f"{path}：default_role = {default_role!r} 无效，应为 none 或 {', '.join(ROLES)}。",
                          f"{path}: default_role = {default_role!r} must be none or one of {', '.join(ROLES)}.")
    hours = raw.get("session_hours", 12)
    if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 30:
        raise AccessError(f"{path}：session_hours 应在 0 到 720 之间。", f"{path}: session_hours must be between 0 and 720.")
    return AccessConfig(mode, float(hours), default_role, str(raw.get("provider", "")), dict(roles))


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
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


@dataclass(frozen=True)
class Account:
    name: str
    role: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountStore:
    """Local accounts and their sign-ins, in one SQLite file (created when missing)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, name TEXT NOT NULL, expires TEXT NOT NULL);
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(self.SCHEMA)

    @contextmanager
    def _connect(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    # --- accounts (the administrator's page and ``cli.py users``) -----------------------------
    def accounts(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT name, role, created, failures, locked_until FROM accounts ORDER BY name").fetchall()
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
                raise AccessError(f"账号“{name}”已存在。", f"The account {name!r} exists already.") from None

    def set_password(self, name: str, password: str) -> None:
        _valid_password(password, name)
        self._update(name, "UPDATE accounts SET hash = ?, failures = 0, locked_until = '' WHERE name = ?",
                     (hash_password(password), name))
        self.end_sessions(name)  # a new password signs the old sessions out

    def set_role(self, name: str, role: str) -> None:
        _valid_role(role)
        if role != "admin":
            self._keep_an_admin(name)
        self._update(name, "UPDATE accounts SET role = ? WHERE name = ?", (role, name))

    def remove(self, name: str) -> None:
        self._keep_an_admin(name)
        self._update(name, "DELETE FROM accounts WHERE name = ?", (name,))
        self.end_sessions(name)

    def _keep_an_admin(self, name: str) -> None:
        """Refuse to demote or remove the last administrator (nobody could manage the tool)."""
        with self._connect() as db:
            admins = [row[0] for row in db.execute("SELECT name FROM accounts WHERE role = 'admin'")]
        if admins == [name]:
            raise AccessError("不能删除或降级最后一位管理员。", "The last administrator cannot be removed or demoted.")

    def _update(self, name: str, sql: str, args: tuple) -> None:
        with self._connect() as db:
            if db.execute(sql, args).rowcount == 0:
                raise AccessError(f"没有账号“{name}”。", f"There is no account {name!r}.")

    # --- signing in --------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> Account:
        """The account when ``password`` is right; ``AccessError`` otherwise (the same words for
        an unknown name and a wrong password, so names cannot be guessed)."""
        wrong = AccessError("账号或密码不正确。", "Wrong account name or password.")
        with self._connect() as db:
            row = db.execute("SELECT role, hash, failures, locked_until FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is None:
            check_password(password, hash_password("timing"))  # as slow as a real check
            raise wrong
        role, stored, failures, locked_until = row
        if locked_until and datetime.fromisoformat(locked_until) > _now():
            raise AccessError(f"连续输错密码 {MAX_FAILURES} 次，账号已锁定至 {locked_until[11:16]}（UTC）；请稍后再试或请管理员重设密码。",
                              f"{MAX_FAILURES} wrong passwords in a row: the account is locked until {locked_until[11:16]} UTC. "
                              "Try later, or ask an administrator to reset the password.")
        if not check_password(password, stored):
            failures += 1
            until = (_now() + LOCKOUT).isoformat(timespec="seconds") if failures >= MAX_FAILURES else ""
            with self._connect() as db:
                db.execute("UPDATE accounts SET failures = ?, locked_until = ? WHERE name = ?",
                           (0 if until else failures, until, name))
            raise wrong
        with self._connect() as db:
            db.execute("UPDATE accounts SET failures = 0, locked_until = '' WHERE name = ?", (name,))
        return Account(name, role)

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

    def end_session(self, token: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (_token_key(token),))

    def end_sessions(self, name: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))


def _valid_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 40 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise AccessError("账号名应为 1–40 个字符，不含空格。", "An account name has 1-40 characters and no spaces.")
    return name


def _valid_role(role: str) -> None:
    if role not in ROLES:
        raise AccessError(f"角色 {role!r} 无效，应为 {', '.join(ROLES)}。", f"Role {role!r} must be one of {', '.join(ROLES)}.")


def _valid_password(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD or password.strip().lower() == name.strip().lower():
        raise AccessError(f"密码至少 {MIN_PASSWORD} 个字符，且不能与账号名相同。",
                          f"A password has at least {MIN_PASSWORD} characters and is not the account name.")


class GuardedPlanStore:
    """A ``PlanStore`` as one role may use it: reads pass; a write the role may not make raises
    ``AccessDenied`` before it reaches the database."""

    _READS = frozenset({"load", "history", "plans", "integrity", "path"})
    _NEEDS = {"save": "edit", "create": "edit", "duplicate": "edit", "rename": "edit"}

    def __init__(self, store: PlanStore, role: str | None) -> None:
        self._store, self.role = store, role

    def __getattr__(self, name: str):
        # anything not known to be a read needs "manage": a write added to PlanStore later is
        # closed to officials and planners until it is listed here
        action = None if name in self._READS else self._NEEDS.get(name, "manage")
        if action is not None and not can(self.role, action):
            raise AccessDenied(self.role, action)
        return getattr(self._store, name)
