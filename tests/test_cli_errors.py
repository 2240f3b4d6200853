"""The command line's low items of issue 16: no quiet demotion, no traceback for a bad path or
file (one line, exit 2), a version that does not exist named with those that do, and a mistyped
``--store`` that never quietly starts an empty database."""

from __future__ import annotations

import io
import sys

import pytest

import cli
from geodata.accounts import AccountStore
from geodata.plans import PlanStore


def _users(tmp_path, *args, password: str | None = None, monkeypatch=None):
    if password is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return cli.main(["users", *args, "--store", str(tmp_path / "accounts.sqlite")])


def test_users_role_without_role_is_refused_and_the_administrator_stays(tmp_path, capsys, monkeypatch):
    assert cli.main(["users", "add", "boss", "--role", "admin", "--password-stdin", "--store",
                     str(tmp_path / "accounts.sqlite")]) == 2  # a --store that does not exist yet
    assert "--create" in capsys.readouterr().err and not (tmp_path / "accounts.sqlite").exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    assert cli.main(["users", "add", "boss", "--role", "admin", "--password-stdin", "--create", "--store",
                     str(tmp_path / "accounts.sqlite")]) == 0
    capsys.readouterr()
    assert _users(tmp_path, "role", "boss") == 2
    err = capsys.readouterr().err
    assert "--role" in err and len(err.strip().splitlines()) == 1
    assert {a["name"]: a["role"] for a in AccountStore(tmp_path / "accounts.sqlite").accounts()} == {"boss": "admin"}
    assert _users(tmp_path, "role", "", "--role", "planner") == 2
    assert _users(tmp_path, "list") == 0 and "boss\tadmin" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["validate", "/no/such/package"],
    ["validate", "{data}", "--config", "/no/such/config.toml"],
    ["export", "--plan", "/no/such/layout.geojson", "--data", "{data}", "--format", "csv", "--out", "{tmp}/x.csv"],
    ["export", "--plan", "{tmp}/broken.geojson", "--data", "{data}", "--format", "csv", "--out", "{tmp}/x.csv"],
    ["export", "--plan", "abc", "--store", "{tmp}/typo.sqlite", "--format", "csv", "--out", "{tmp}/x.csv"],
    ["export", "--plan", "abc", "--store", "{tmp}", "--format", "csv", "--out", "{tmp}/x.csv"],
    ["store", "check", "--store", "{tmp}/typo.sqlite"],
])
def test_bad_paths_and_files_give_one_line_and_exit_2(tmp_path, capsys, argv):
    data = tmp_path / "pkg"
    cli.main(["demo", "--out", str(data)])
    (tmp_path / "broken.geojson").write_bytes(b"\xff\xfe{not json")
    capsys.readouterr()
    argv = [a.format(data=data, tmp=tmp_path) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len([line for line in err.splitlines() if line.strip()]) == 1, err
    assert not (tmp_path / "typo.sqlite").exists()


def test_export_of_a_version_that_does_not_exist_lists_those_that_do(tmp_path, capsys):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案", "default", {}, author="a")
    for expected in (1, 2):
        store.save(plan_id, {}, expected_version=expected, author="a", action="assign")
    assert cli.main(["export", "--plan", plan_id, "--version", "999", "--store", str(tmp_path / "plans.sqlite"),
                     "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "no version 999" in err and "its versions: 1-3" in err and "找不到方案" not in err
    assert cli._ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"


def test_a_plan_whose_stored_package_is_gone_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案", "0123456789abcdef", {}, author="a")
    assert cli.main(["export", "--plan", plan_id, "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "0123456789abcdef" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_export_of_a_hostile_layout_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    """A layout checked as the page's import checks it (``planning.plan.layout_problems`` and
    ``plan_problems``): an unsafe grid id and a lock on a unit the data does not have are both
    named, exit 2, and no export file appears."""
    import json

    data, out = tmp_path / "pkg", tmp_path / "o"
    cli.main(["demo", "--out", str(data)])
    assert cli.main(["propose", "--data", str(data), "--out", str(out)]) == 0
    layout = json.loads((out / "layout.geojson").read_text(encoding="utf-8"))
    layout["features"][0]["properties"]["grid_id"] = "EVIL<script>"
    layout["metadata"]["locked_units"] = ["NO-SUCH-UNIT"]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--lang", "en", "export", "--plan", str(bad), "--data", str(data), "--format", "csv",
                     "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "EVIL<script>" in err and "NO-SUCH-UNIT" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_a_violation_line_names_its_place_once_names_first(capsys):
    """The CLI prints the message (which names the place, names before codes) and its fix, not the
    place's bare codes in front of it as well."""
    from cli import _print_verdict
    from planning.verdict import Place, RuleResult, Verdict, Violation
    from texts import Text

    message = Text("rule.G1.unassigned", {"n": 1, "people": 5200, "examples": "青浦镇01（310118001）"})
    found = Violation("G1", "error", message, Text("fix.G1.unassigned"), Place(units=("310118001",)))
    _print_verdict(Verdict((RuleResult("G1", ("rule_title.G1",), "RULES.md", (found,)),)), "zh")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("G1: FAIL")
    assert lines[1].strip().startswith("[错误 ERROR] ") and "青浦镇01（310118001）" in lines[1]
    assert lines[1].count("310118001") == 1
