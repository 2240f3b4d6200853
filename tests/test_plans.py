"""Plans kept in SQLite: versions, the edit log, conflicts refused, concurrent writers, round trip."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from geodata.plans import PlanConflictError, PlanNotFoundError, PlanStore
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
