"""The command line: validate prints every problem and sets the exit code; demo writes the default."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, facilities_csv, facility_rows, write_world


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_demo_writes_a_package_that_validates_cleanly(tmp_path):
    out = tmp_path / "demo"
    done = run("demo", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= {"districts.geojson", "units.geojson", "facilities.geojson", "config.toml"}
    done = run("--lang", "en", "validate", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "population    24,870,895" in done.stdout
    assert "errors 0, warnings 0" in done.stdout


def test_validate_reports_bad_rows_and_exits_1(tmp_path):
    world = write_world(tmp_path / "w")
    rows = facility_rows() + [{"facility_code": "DH-A", "name": "重复", "kind": "chc", "lon": 121.01, "lat": 31.01},
                              {"facility_code": "X", "name": "<b>坏</b>", "kind": "药店", "lon": 121.01, "lat": 31.01}]
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    done = run("--lang", "en", "validate", str(world))
    assert done.returncode == 1
    assert "facilities · line 9 · column facility_code: code DH-A is a duplicate (first seen at line 2)" in done.stdout
    assert "facilities · line 10 · column kind: '药店' is not an allowed value" in done.stdout
    assert "facilities         7 loaded     2 rejected" in done.stdout
    zh = run("validate", str(world))
    assert "第 9 行" in zh.stdout and "重复" in zh.stdout


def test_validate_on_unusable_package_exits_2(tmp_path):
    (tmp_path / "facilities.csv").write_text(facilities_csv(), encoding="utf-8")
    done = run("--lang", "en", "validate", str(tmp_path))
    assert done.returncode == 2
    assert "required layer districts is missing" in done.stdout
