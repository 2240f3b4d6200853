"""Storage faults on reads and sign-in (issue 16, item 7), the store's check and backup, and the
retention clean-up: each failure says what it is (damaged file: restore a backup, and where they
are; full disk: free space), never a raw sqlite error, and leaves nothing half-written."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from pathlib import Path

import pytest

import cli
from geodata import accounts as accounts_module
from geodata import store as store_module
from geodata.accounts import AccessError, AccessStorageError, AccountStore, read_config
from geodata.plans import PlanStorageError, PlanStore


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:16] = b"not a database!!"
    path.write_bytes(bytes(data))


def test_a_damaged_plans_file_says_restore_a_backup_and_where_backups_are(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    store.create("方案", "default", {"x": 1}, author="a")
    _corrupt(tmp_path / "plans.sqlite")
    for read in (store.plans, lambda: store.load("nope"), lambda: store.history("nope"), lambda: PlanStore(store.path)):
        with pytest.raises(PlanStorageError) as caught:
            read()
        assert caught.value.kind == "damaged"
        zh, en = caught.value.messages["zh"], caught.value.messages["en"]
        assert "已损坏" in zh and str(tmp_path / "backups") in zh and "ylt store backup" in zh
        assert "damaged" in en and "disk" not in en.lower().replace("disk_", "")
        assert "无法保存" not in zh and "could not be saved" not in en


def test_a_full_disk_on_a_read_says_free_space_and_not_that_a_save_failed(tmp_path, monkeypatch):
    store = PlanStore(tmp_path / "plans.sqlite")
    real = sqlite3.connect

    class Full:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql.startswith("SELECT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.execute(sql, *args)

        def close(self):
            self.db.close()

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: Full(real(*a, **k)))
    with pytest.raises(PlanStorageError) as caught:
        store.plans()
    assert caught.value.kind == "disk_full"
    assert "无法读取方案：磁盘已满" in caught.value.messages["zh"] and "free space" in caught.value.messages["en"].lower()
    monkeypatch.setattr(sqlite3, "connect", real)
    assert store.plans() == []


def _full_accounts(monkeypatch):
    """sqlite connections of geodata.accounts on a disk that is full: no page can be added."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return db

    monkeypatch.setattr(accounts_module.sqlite3, "connect", connect)


def test_sign_in_on_a_full_disk_says_so_in_both_languages(tmp_path, monkeypatch):
    store = AccountStore(tmp_path / "accounts.sqlite")
    store.add("zhang", "correct horse battery", "planner")
    with sqlite3.connect(tmp_path / "accounts.sqlite") as db:  # fill the free pages
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("VACUUM")
    _full_accounts(monkeypatch)
    monkeypatch.setattr(accounts_module, "check_password", lambda *a: False)  # no scrypt: only the writes count
    caught = None
    for n in range(2000):  # each attempt of a new name needs room, until there is none
        try:
            store.verify(f"nobody{n}", "x" * 12)
        except AccessStorageError as exc:
            caught = exc
            break
        except AccessError:
            continue
    assert caught is not None, "the disk never filled"
    assert isinstance(caught, AccessError)  # the sign-in form shows AccessError's messages
    assert caught.kind == "disk_full" and "磁盘已满" in caught.messages["zh"]
    assert "disk is full" in caught.messages["en"]


def test_a_damaged_accounts_file_is_told_as_such(tmp_path):
    path = tmp_path / "accounts.sqlite"
    AccountStore(path).add("zhang", "correct horse battery", "planner")
    _corrupt(path)
    with pytest.raises(AccessStorageError) as caught:
        AccountStore(path).verify("zhang", "correct horse battery")
    assert caught.value.kind == "damaged" and "已损坏" in caught.value.messages["zh"]


def test_the_failed_sign_in_table_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts_module, "MAX_ATTEMPT_ROWS", 5)
    monkeypatch.setattr(accounts_module, "check_password", lambda *a: False)  # no scrypt: only the table counts
    store = AccountStore(tmp_path / "accounts.sqlite")
    for n in range(20):
        with pytest.raises(AccessError):
            store.verify(f"made-up-{n}", "guess")
    with sqlite3.connect(tmp_path / "accounts.sqlite") as db:
        names = [row[0] for row in db.execute("SELECT name FROM attempts ORDER BY rowid")]
    assert names == [f"made-up-{n}" for n in range(15, 20)]  # the newest kept


def test_an_upload_on_a_full_disk_leaves_no_part_file(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    real = Path.write_bytes

    def full(self, data):
        real(self, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(store_module.StorageFullError) as caught:
        store_module.save_upload([("a.zip", b"x" * 1000)])
    assert "磁盘已满" in caught.value.messages["zh"] and "disk is full" in str(caught.value)
    assert not list((tmp_path / "packages").rglob("*"))  # no folder, no .part


def test_store_check_and_backup(tmp_path, capsys):
    path = tmp_path / "plans.sqlite"
    store = PlanStore(path)
    plan_id = store.create("方案", "default", {"x": 1}, author="a")
    assert cli.main(["store", "check", "--store", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    other = sqlite3.connect(path)  # a reader holds the database open (the app running)
    other.execute("BEGIN")
    other.execute("SELECT * FROM plans").fetchall()
    assert cli.main(["store", "backup", "--store", str(path), "--to", str(tmp_path / "copies")]) == 0
    other.close()
    copy = Path(capsys.readouterr().out.strip())
    assert copy.parent == tmp_path / "copies" and copy.name.startswith("plans-") and not list(copy.parent.glob("*.part"))
    assert PlanStore(copy).load(plan_id) == (1, {"x": 1})
    assert cli.main(["store", "backup", "--store", str(path)]) == 0  # default: <folder>/backups
    assert Path(capsys.readouterr().out.strip()).parent == tmp_path / "backups"
    _corrupt(path)
    assert cli.main(["--lang", "en", "store", "check", "--store", str(path)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and str(tmp_path / "backups") in err and "Traceback" not in err
    assert cli.main(["store", "check", "--store", str(tmp_path / "typo.sqlite")]) == 2
    assert not (tmp_path / "typo.sqlite").exists()


def test_store_check_lists_the_problems_of_a_damaged_page(tmp_path, capsys):
    path = tmp_path / "plans.sqlite"
    store = PlanStore(path)
    for n in range(300):
        store.create(f"方案{n}", "default", {"x": "y" * 200}, author="a")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3: page * 3 + 200] = os.urandom(200)  # one page's header and cells scrambled
    path.write_bytes(bytes(data))
    code = cli.main(["--lang", "en", "store", "check", "--store", str(path)])
    out, err = capsys.readouterr()
    assert code in (1, 2) and "Traceback" not in err
    assert (code == 1 and out.strip() and "restore a backup" in err) or (code == 2 and "damaged" in err)


def test_session_hours_and_retention_must_be_numbers(tmp_path):
    path = tmp_path / "access.toml"
    for bad in ("session_hours = true", "session_hours = \"12\"", "session_hours = false"):
        path.write_text(f'mode = "local"\n{bad}\n', encoding="utf-8")
        with pytest.raises(AccessError):
            read_config(path)
    for bad in ("retention_days = true", "retention_days = 0", "retention_days = \"90\""):
        path.write_text(f'mode = "local"\n{bad}\n', encoding="utf-8")
        with pytest.raises(AccessError) as caught:
            read_config(path)
        assert "retention_days" in caught.value.messages["zh"]
    path.write_text('mode = "local"\nsession_hours = 8\nretention_days = 30\n', encoding="utf-8")
    config = read_config(path)
    assert (config.session_hours, config.retention_days) == (8.0, 30.0)


def test_clean_removes_old_uploads_no_plan_uses_and_old_sign_in_records(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    old, used, new = (store_module.save_upload([(f"{n}.csv", n.encode())]) for n in ("old", "used", "new"))
    PlanStore(tmp_path / "plans.sqlite").create("方案", used, {}, author="a")
    month_ago = time.time() - 40 * 86400
    for package in (old, used):
        for p in [*(tmp_path / "packages" / package).iterdir(), tmp_path / "packages" / package]:
            os.utime(p, (month_ago, month_ago))
    accounts = AccountStore(tmp_path / "accounts.sqlite")
    accounts.add("zhang", "correct horse battery", "planner")
    accounts.start_session("zhang", -1)  # already expired
    assert cli.main(["clean", "--days", "30", "--dry-run"]) == 0
    assert old in capsys.readouterr().out and (tmp_path / "packages" / old).exists()
    assert cli.main(["clean", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 upload(s)" in out and "1 expired sign-in(s)" in out
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == sorted([used, new])
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a.json").write_text("{}")
    (cache / "b.json").write_text("{}")
    os.utime(cache / "a.json", (month_ago, month_ago))
    assert store_module.clean_files(cache, 30, pattern="*.json") == 1 and [p.name for p in cache.iterdir()] == ["b.json"]
