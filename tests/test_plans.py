"""Plans kept in SQLite: versions, the edit log, conflicts refused, concurrent writers, round trip."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from geodata.plans import PlanConflictError, PlanNotFoundError, PlanStore, last_filed
from planning.plan import Grid, Plan, plan_from_dict, plan_to_dict


def sample() -> Plan:
    return Plan({"U1": "A-G01", "U2": "A-G01", "U3": "A-G02"},
                (Grid("A-G01", "A", "H1"), Grid("A-G02", "A", "H2")), locked=frozenset({"U2"}), name="方案一")


def test_plan_round_trips_through_plain_data():
    plan = sample()
    again = plan_from_dict(plan_to_dict(plan))
    assert again == plan and dict(again.assignment) == dict(plan.assignment) and again.locked == plan.locked


def test_versions_and_edit_log(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案一", "default", plan_to_dict(sample()), author="张三")
    edited = sample().reassign({"U3": "A-G01"})
    assert store.save(plan_id, plan_to_dict(edited), expected_version=1, author="张三", action="reassign",
                      detail={"units": ["U3"], "to": "A-G01"}) == 2
    version, payload = store.load(plan_id)
    assert version == 2 and payload["assignment"]["U3"] == "A-G01"
    assert store.load(plan_id, 1)[1]["assignment"]["U3"] == "A-G02"  # every version is kept
    log = store.history(plan_id)
    assert [(e["version"], e["action"], e["author"]) for e in log] == [(1, "create", "张三"), (2, "reassign", "张三")]
    assert log[1]["detail"] == {"units": ["U3"], "to": "A-G01"}
    with sqlite3.connect(tmp_path / "plans.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_save_on_top_of_a_newer_version_is_refused(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("p", "default", plan_to_dict(sample()), author="a")
    store.save(plan_id, plan_to_dict(sample()), expected_version=1, author="a", action="edit")
    with pytest.raises(PlanConflictError) as err:
        store.save(plan_id, plan_to_dict(sample()), expected_version=1, author="b", action="edit")
    assert (err.value.expected, err.value.current) == (1, 2)
    assert store.load(plan_id)[0] == 2  # nothing overwritten


def test_rename_duplicate_delete_and_listing(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("p", "pkg", plan_to_dict(sample()), author="a")
    store.rename(plan_id, "新名称", author="a")
    copy = store.duplicate(plan_id, "副本", author="b")
    assert {p["name"] for p in store.plans("pkg")} == {"新名称", "副本"}
    store.delete(plan_id, author="a")
    assert [p["plan_id"] for p in store.plans()] == [copy]
    with pytest.raises(PlanNotFoundError):
        store.load(plan_id)
    assert [e["action"] for e in store.history(plan_id)] == ["create", "rename", "delete"]
    assert store.history(copy)[-1]["detail"] == {"from": plan_id, "version": 1}


def test_ten_concurrent_editors_lose_no_update(tmp_path):
    """Ten threads each try 20 edits on one plan, reloading on conflict: every edit lands once."""
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("p", "default", {"edits": []}, author="x")

    def editor(name: str) -> None:
        for k in range(20):
            while True:
                version, payload = store.load(plan_id)
                payload["edits"].append(f"{name}-{k}")
                try:
                    store.save(plan_id, payload, expected_version=version, author=name, action="edit")
                    break
                except PlanConflictError:
                    continue

    threads = [threading.Thread(target=editor, args=(f"e{i}",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    version, payload = store.load(plan_id)
    assert version == 201 and sorted(payload["edits"]) == sorted(f"e{i}-{k}" for i in range(10) for k in range(20))
    assert store.integrity() == "ok"


def _limited_connect(monkeypatch, extra: str | None = None, readonly: bool = False):
    """Make the store's connections hit a full disk (a page limit) or a read-only file."""
    import geodata.plans as plans

    real = sqlite3.connect

    def connect(path, *args, **kwargs):
        if readonly:
            return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)
        db = real(path, *args, **kwargs)
        if extra:
            db.execute(extra)
        return db

    monkeypatch.setattr(plans.sqlite3, "connect", connect)


def test_disk_full_and_read_only_give_a_clear_error_and_keep_the_saved_versions(tmp_path, monkeypatch):
    from geodata.plans import PlanStorageError

    path = tmp_path / "plans.sqlite"
    store = PlanStore(path)
    plan_id = store.create("方案", "default", plan_to_dict(sample()), author="a")
    with sqlite3.connect(path) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    big = {**plan_to_dict(sample()), "notes": ["x" * 200_000]}
    _limited_connect(monkeypatch, extra=f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(PlanStorageError) as full:
        store.save(plan_id, big, expected_version=1, author="a", action="note")
    assert "磁盘已满" in full.value.messages["zh"] and "disk is full" in full.value.messages["en"]
    monkeypatch.undo()
    _limited_connect(monkeypatch, readonly=True)
    with pytest.raises(PlanStorageError) as readonly:
        store.save(plan_id, plan_to_dict(sample()), expected_version=1, author="a", action="lock")
    assert "只读" in readonly.value.messages["zh"]
    monkeypatch.undo()
    assert store.load(plan_id)[0] == 1 and store.integrity() == "ok"  # nothing half-written
    assert store.save(plan_id, plan_to_dict(sample().lock(["U1"])), expected_version=1, author="a", action="lock") == 2


KILL_WRITER = """
import sys
from geodata.plans import PlanStore
from planning.plan import Grid, Plan, plan_to_dict
store = PlanStore({path!r})
plan = Plan({{"U1": "A-G01"}}, (Grid("A-G01", "A", "H1"),))
plan_id = store.create("p", "default", plan_to_dict(plan), author="w")
print("plan", plan_id, flush=True)
version = 1
while True:
    plan = plan.reassign({{f"U{{version + 1}}": "A-G01"}})
    version = store.save(plan_id, plan_to_dict(plan), expected_version=version, author="w", action="assign")
    print("ack", version, flush=True)
"""


def test_sigkill_in_a_burst_of_edits_loses_no_acknowledged_edit(tmp_path):
    """A writer saving as fast as it can is killed with SIGKILL; every version it reported saved
    is there afterwards, the database passes its integrity check and takes new saves."""
    import os
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    path = tmp_path / "plans.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(KILL_WRITER.format(root=str(ROOT), path=str(path)), encoding="utf-8")
    survived = []
    for _ in range(3):  # three kills at different moments
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        plan_id, acked = proc.stdout.readline().split()[1], 0
        for line in proc.stdout:
            acked = int(line.split()[1])
            if acked >= 25 + 10 * len(survived):
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        store = PlanStore(path)
        version, payload = store.load(plan_id)
        assert version >= acked, f"acknowledged version {acked} lost (found {version})"
        assert len(payload["assignment"]) == version  # the content matches its version
        assert [e["version"] for e in store.history(plan_id)] == list(range(1, version + 1))
        survived.append(version)
    assert PlanStore(path).integrity() == "ok"


def test_a_filing_is_logged_without_a_new_version_and_the_last_one_is_found(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案一", "default", plan_to_dict(sample()), author="张三")
    assert last_filed(store.history(plan_id)) is None
    store.save(plan_id, plan_to_dict(sample().reassign({"U3": "A-G01"})), expected_version=1, author="张三", action="reassign")
    store.record_filing(plan_id, 1, author="李科长", file_name="方案一_第1版_备案.zip")
    store.record_filing(plan_id, 2, author="李科长", file_name="方案一_第2版_备案.zip")
    assert store.load(plan_id)[0] == 2  # filing makes no version
    assert last_filed(store.history(plan_id)) == 2
    entry = store.history(plan_id)[-1]
    assert (entry["action"], entry["author"], entry["detail"]) == ("file", "李科长", {"version": 2, "name": "方案一_第2版_备案.zip"})
