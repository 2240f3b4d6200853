"""``ylt batch``: a region's pooling areas, one pipeline each, serially or on a LocalCluster.

The region is small and synthetic (``region.synthetic.make_region``: 20 counties of 6 townships,
3 village clinics a township, 2,000 population cells a county), plus packages from the tests'
small world (``conftest.write_world``: two districts, no pooling area)::

    packages/630001 … 630020   one county each, cells in cells/county=<code>/
    mixed/p0                   the small world: plans
    mixed/p1                   no facilities: no hospital may lead (the plan is infeasible)
    mixed/p2                   districts.geojson is not GeoJSON (the package cannot be loaded)

The same bytes serial and on a cluster is checked file by file; the cluster tests are ``slow``
and share one LocalCluster run (2 workers) for the module.
"""

from __future__ import annotations

import contextlib
import filecmp
import io
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

import cli
from conftest import write_world
from region.areas import Area, find_areas
from region.pipeline import AREA_FILES, DONE, MEASURED, ROW_COLUMNS
from region.runner import GRID_COLUMNS, crashed, run_region

COUNTIES = 20  # the issue: CI runs a region of about 20 counties through a LocalCluster and a loopback cluster
SMALL = {"townships": 6, "villages_per_township": 3, "cells_per_county": 2000}


def make(root: Path, counties: int = COUNTIES, layout: str = "folders") -> dict:
    from region.synthetic import make_region

    return make_region(root, counties, seed=0, layout=layout, **SMALL)


def small_worlds(root: Path, n: int) -> Path:
    """``n`` copies of the tests' small world, each with its own district codes (9i0001, 9i0002)."""
    for i in range(n):
        folder = write_world(root / f"p{i}")
        for path in folder.iterdir():
            path.write_text(path.read_text(encoding="utf-8").replace("90000", f"9{i}000"), encoding="utf-8")
    return root


def mixed(root: Path) -> Path:
    """p0 plans; p1 has no facility that may lead; p2's districts cannot be read."""
    small_worlds(root, 3)
    (root / "p1" / "facilities.csv").unlink()
    (root / "p2" / "districts.geojson").write_text("not json", encoding="utf-8")
    return root


def batch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--lang", "en", "batch", *args])
    return code, out.getvalue(), err.getvalue()


def area_files(out: Path) -> list[Path]:
    return sorted(p.relative_to(out) for p in (out / "areas").rglob("*") if p.is_file())


def measured_left_out(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=list(MEASURED))


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> dict:
    return make(tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="module")
def serial(region, tmp_path_factory) -> tuple:
    out = tmp_path_factory.mktemp("serial")
    lines = io.StringIO()
    result = run_region(region["packages_root"], out, cells=region["cells_root"], scheduler="serial", progress=lines)
    return result, out, lines.getvalue()


# --- finding the areas -----------------------------------------------------------------------------

def test_one_package_is_split_by_pooling_area_and_a_folder_by_package(tmp_path):
    one = make(tmp_path / "one", 3, layout="package")
    areas = find_areas(one["packages_root"], one["cells_root"])
    assert [a.code for a in areas] == one["counties"]
    assert all(a.source == str(one["packages_root"]) and a.districts == (a.code,) for a in areas)
    assert all(a.cells == str(one["cells_root"]) for a in areas)
    assert areas[0].name.startswith("青海示范县")

    folders = make(tmp_path / "folders", 3)
    by_package = find_areas(folders["packages_root"])
    assert [(a.code, a.name, a.districts) for a in by_package] == [(a.code, a.name, a.districts) for a in areas]
    assert [a.source for a in by_package] == [str(p) for p in folders["packages"]]
    assert all(a.cells is None for a in by_package)  # no cells given: the units keep their population

    # a package whose districts name no pooling area is one area named after it; two packages sharing
    # a pooling area's code are told apart by their names
    worlds = small_worlds(tmp_path / "worlds", 2)
    assert [(a.code, a.districts) for a in find_areas(worlds)] == [("p0", ("900001", "900002")),
                                                                   ("p1", ("910001", "910002"))]
    shutil.copytree(folders["packages"][0], folders["packages_root"] / "copy")
    codes = [a.code for a in find_areas(folders["packages_root"])]
    assert codes == ["630001-630001", "630002", "630003", "copy-630001"]

    # pooling areas whose codes are the same once made safe for a folder name stay apart
    world = write_world(tmp_path / "odd")
    districts = json.loads((world / "districts.geojson").read_text(encoding="utf-8"))
    for feature, pool in zip(districts["features"], ("a/b", "a:b")):
        feature["properties"]["pooling_area"] = pool
    (world / "districts.geojson").write_text(json.dumps(districts, ensure_ascii=False), encoding="utf-8")
    assert [(a.code, a.name, a.districts) for a in find_areas(world)] == [("odd-a_b", "甲区", ("900001",)),
                                                                          ("odd-a_b-2", "乙区", ("900002",))]


# --- a serial run -------------------------------------------------------------------------------

def test_a_serial_run_writes_every_area_and_the_region(region, serial):
    result, out, lines = serial
    codes = region["counties"]
    assert [r["area_code"] for r in result.rows] == codes and result.failed == []
    for code in codes:
        assert {p.name for p in (out / "areas" / code).iterdir()} == {*AREA_FILES, DONE}
    summary = pd.read_csv(out / "summary.csv", dtype={"area_code": str})
    assert list(summary.columns) == list(ROW_COLUMNS)
    assert summary["status"].eq("ok").all() and summary["area_code"].tolist() == codes
    # the residents are the cells' (each county's joined to its own townships)
    assert summary["population"].sum() == pytest.approx(region["population"])
    assert summary["village_clinics"].sum() == region["villages"] and summary["units"].sum() == region["units"]
    assert (summary["grids"] >= 1).all() and (summary["seconds"] > 0).all() and (summary["peak_mb"] > 0).all()
    assert (summary["grid_population_max"] >= summary["grid_population_min"]).all()
    assert summary["rules_failed"].isna().all()  # every rule passes on every county's plan (empty cells)

    grids = gpd.read_file(out / "grids.gpkg", layer="grids")
    assert list(grids.columns) == GRID_COLUMNS and grids.crs.to_epsg() == 4326
    assert len(grids) == summary["grids"].sum() and grids["area_code"].tolist() == sorted(grids["area_code"])
    assert grids["population"].sum() == pytest.approx(region["population"])
    assert grids["district_name"].str.startswith("青海示范县").all() and grids["lead_name"].str.len().gt(0).all()
    parquet = gpd.read_parquet(out / "grids.parquet")
    assert parquet.drop(columns="geometry").equals(grids.drop(columns="geometry"))
    assert parquet.geometry.geom_equals_exact(grids.geometry, tolerance=1e-9).all()

    document = json.loads((out / "region.json").read_text(encoding="utf-8"))
    provenance = document["provenance"]
    assert provenance["created"].endswith("+00:00") and provenance["version"]
    assert provenance["inputs"]["cells"] == str(Path(region["cells_root"]).resolve())
    assert [a["code"] for a in provenance["inputs"]["areas"]] == codes
    assert provenance["settings"] == {"grid": {}, "sites": 10}
    assert document["run"]["scheduler"] == "serial" and document["failed"] == []
    assert json.loads(pq.read_schema(out / "grids.parquet").metadata[b"ylt"])["provenance"] == provenance

    # a line per area on stderr (not a terminal), in the planner's language
    assert [line.split("]")[0] + "]" for line in lines.splitlines()] == [f"[{i}/{COUNTIES}]" for i in range(1, COUNTIES + 1)]
    assert "青海示范县001（630001）：完成" in lines and "峰值内存" in lines


def test_a_county_split_from_the_province_package_is_planned_as_from_its_own(region, serial, tmp_path):
    """Grids never cross a pooling area: a county cut out of one package holding the province
    gives the same bytes as the county's own package."""
    one = make(tmp_path / "one", COUNTIES, layout="package")
    run_region(one["packages_root"], tmp_path / "out", cells=one["cells_root"], scheduler="serial", progress=None)
    _, out, _ = serial
    for code in region["counties"]:
        for name in AREA_FILES:
            assert filecmp.cmp(out / "areas" / code / name, tmp_path / "out" / "areas" / code / name, shallow=False), name


def test_an_area_s_files_are_those_the_cli_writes_for_its_package(tmp_path):
    worlds = small_worlds(tmp_path / "worlds", 1)
    with open(worlds / "p0" / "facilities.csv", "a", encoding="utf-8") as fh:  # a row validation rejects
        fh.write("X1,坏行,药店,,,,121.01,31.01,,,\n")
    code, _, _ = batch(str(worlds), "--out", str(tmp_path / "out"), "--scheduler", "serial")
    assert code == 0  # planned with what loaded, as propose does; the problem is listed and counted
    issues = pd.read_csv(tmp_path / "out" / "areas" / "p0" / "issues.csv")
    bad = issues[issues["severity"] == "error"].iloc[0]
    assert (bad["code"], bad["position_en"], bad["problem_zh"]) == ("bad_choice", "line 9", "“药店”不是允许的取值")
    assert bad["fix_en"].startswith("allowed values: city_hospital")
    assert pd.read_csv(tmp_path / "out" / "summary.csv").loc[0, "errors"] == 1
    assert cli.main(["propose", "--data", str(worlds / "p0"), "--out", str(tmp_path / "propose")]) == 0
    assert cli.main(["coverage", "--data", str(worlds / "p0"), "--out", str(tmp_path / "coverage")]) == 0
    area = tmp_path / "out" / "areas" / "p0"
    for name in ("layout.geojson", "units.csv", "pairings.csv", "checks.json"):
        assert filecmp.cmp(area / name, tmp_path / "propose" / name, shallow=False), name
    assert filecmp.cmp(area / "villages.csv", tmp_path / "coverage" / "villages.csv", shallow=False)
    coverage = json.loads((area / "coverage.json").read_text(encoding="utf-8"))
    theirs = json.loads((tmp_path / "coverage" / "coverage.json").read_text(encoding="utf-8"))
    assert coverage["villages"] == theirs["villages"] and coverage["city"] == theirs["city"]
    assert coverage["accessibility"]["equity"] == theirs["accessibility"]["equity"]


# --- failures -----------------------------------------------------------------------------------

def test_a_failed_area_is_reported_with_its_reason_and_the_others_finish(tmp_path):
    code, stdout, stderr = batch(str(mixed(tmp_path / "mixed")), "--out", str(tmp_path / "out"), "--scheduler", "serial")
    assert code == 1
    assert "1 done, 0 done before and skipped, 2 failed" in stdout
    assert "not done: p1 (p1): cannot be planned: No district has a hospital that may lead a grid" in stderr
    assert "not done: p2 (p2): the package cannot be used: districts: the file cannot be read" in stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary.set_index("area_code")["status"].to_dict() == {"p0": "ok", "p1": "failed", "p2": "failed"}
    assert summary.set_index("area_code").loc["p2", "reason"].startswith("the package cannot be used")
    failed = json.loads((tmp_path / "out" / "region.json").read_text(encoding="utf-8"))["failed"]
    assert [(f["area_code"], f["kind"]) for f in failed] == [("p1", "plan"), ("p2", "load")]
    assert failed[0]["zh"].startswith("无法规划：没有任何区县有可牵头网格的医院")
    assert not (tmp_path / "out" / "areas" / "p1" / DONE).exists()  # a failed area is tried again next time
    grids = gpd.read_file(tmp_path / "out" / "grids.gpkg", layer="grids")
    assert set(grids["area_code"]) == {"p0"}


def test_a_crash_or_a_worker_out_of_memory_fails_its_area_alone(tmp_path, monkeypatch):
    from distributed.scheduler import KilledWorker

    import region.runner as runner

    real = runner.run_area

    def crashing(area, *args, **kw):
        if area.code == "p1":
            raise ZeroDivisionError("division by zero")
        return real(area, *args, **kw)

    monkeypatch.setattr(runner, "run_area", crashing)
    result = run_region(small_worlds(tmp_path / "worlds", 3), tmp_path / "out", scheduler="serial", progress=None)
    assert [r["status"] for r in result.rows] == ["ok", "failed", "ok"]
    assert result.failed[0]["kind"] == "crash" and "ZeroDivisionError: division by zero" in result.failed[0]["en"]

    killed = crashed(Area("630001", "青海示范县001", "x"), KilledWorker("area-630001", SimpleNamespace(address="tcp://127.0.0.1:1"), 3))
    assert killed.error["kind"] == "memory" and killed.row["status"] == "failed"
    assert killed.error["zh"].startswith("内存不足：工作进程超过内存上限被重启（KilledWorker tcp://127.0.0.1:1）")


def test_a_region_that_cannot_run_stops_before_any_area(tmp_path, monkeypatch):
    code, _, stderr = batch(str(tmp_path / "none"), "--out", str(tmp_path / "out"), "--scheduler", "serial")
    assert code == 2 and "does not exist" in stderr
    (tmp_path / "empty").mkdir()
    code, _, stderr = batch(str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--scheduler", "serial")
    assert code == 2 and "no data package found" in stderr
    worlds = small_worlds(tmp_path / "worlds", 1)
    code, _, stderr = batch(str(worlds), "--out", str(tmp_path / "out"), "--grid-count", "123456=2")
    assert code == 2 and "--grid-count" in stderr and "no district 123456 in the region" in stderr
    code, _, stderr = batch(str(worlds), "--out", str(tmp_path / "out"), "--band", "abc")
    assert code == 2 and "--band" in stderr
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr("region.runner.CONNECT_SECONDS", 0.5)
    code, _, stderr = batch(str(worlds), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "cannot reach the Dask cluster at tcp://127.0.0.1:1: Timed out trying to connect" in stderr
    code, _, stderr = batch(str(worlds), "--out", str(tmp_path / "out"), "--scheduler", "http://127.0.0.1:1")
    assert code == 2 and "unknown address scheme 'http'" in stderr


# --- resuming -----------------------------------------------------------------------------------

def test_a_resumed_run_computes_only_the_areas_not_done(tmp_path):
    worlds = small_worlds(tmp_path / "worlds", 3)
    out = worlds / "results"  # inside the region: not taken for a package the next time
    run_region(worlds, out, scheduler="serial", progress=None)
    before = {p: (out / p).read_bytes() for p in area_files(out)}
    first = pd.read_csv(out / "summary.csv")
    grids = gpd.read_file(out / "grids.gpkg", layer="grids")
    shutil.rmtree(out / "areas" / "p1")

    lines = io.StringIO()
    again = run_region(worlds, out, scheduler="serial", progress=lines)
    assert [r["status"] for r in again.rows] == ["resumed", "ok", "resumed"]
    assert again.run["computed"] == 1 and again.run["resumed"] == 2
    assert {p: (out / p).read_bytes() for p in area_files(out)} == before
    summary = pd.read_csv(out / "summary.csv")
    assert summary["status"].tolist() == ["resumed", "ok", "resumed"]
    assert summary.loc[summary["status"] == "resumed", "seconds"].isna().all()  # not measured in this run
    pd.testing.assert_frame_equal(measured_left_out(summary.drop(columns="status")),
                                  measured_left_out(first.drop(columns="status")))
    pd.testing.assert_frame_equal(gpd.read_file(out / "grids.gpkg", layer="grids"), grids)
    assert "[1/3] p0 (p0)" not in lines.getvalue() and "p0（p0）：已完成，跳过" in lines.getvalue()

    # other settings: every area again; --no-resume: every area again
    code, stdout, _ = batch(str(worlds), "--out", str(out), "--scheduler", "serial", "--balance-target", "1.2")
    assert code == 0 and "3 done, 0 done before and skipped" in stdout
    code, stdout, _ = batch(str(worlds), "--out", str(out), "--scheduler", "serial", "--balance-target", "1.2",
                            "--no-resume")
    assert code == 0 and "3 done, 0 done before and skipped" in stdout


# --- a LocalCluster: the same bytes -------------------------------------------------------------

@pytest.fixture(scope="module")
def local(region, tmp_path_factory) -> tuple:
    """The region through ``ylt batch`` on its default LocalCluster, of 2 workers."""
    out = tmp_path_factory.mktemp("local")
    code, stdout, stderr = batch(str(region["packages_root"]), "--out", str(out), "--cells", str(region["cells_root"]),
                                 "--workers", "2")
    return code, stdout, stderr, out


def same_region(serial_out: Path, other: Path) -> None:
    """Every area's files the same bytes; the region's the same but for the time stamped and what
    was measured (seconds, peak memory) or how it ran."""
    assert area_files(serial_out) == area_files(other)
    for name in area_files(serial_out):
        assert filecmp.cmp(serial_out / name, other / name, shallow=False), name
    ours, theirs = (pd.read_csv(p / "summary.csv", dtype={"area_code": str}) for p in (serial_out, other))
    pd.testing.assert_frame_equal(measured_left_out(ours), measured_left_out(theirs))
    documents = [json.loads((p / "region.json").read_text(encoding="utf-8")) for p in (serial_out, other)]
    for document in documents:
        document["provenance"].pop("created")
        document.pop("run")
        document["areas"] = [{k: v for k, v in row.items() if k not in MEASURED} for row in document["areas"]]
    assert documents[0] == documents[1]
    pd.testing.assert_frame_equal(gpd.read_file(serial_out / "grids.gpkg", layer="grids"),
                                  gpd.read_file(other / "grids.gpkg", layer="grids"))
    pd.testing.assert_frame_equal(gpd.read_parquet(serial_out / "grids.parquet"), gpd.read_parquet(other / "grids.parquet"))


@pytest.mark.slow
def test_a_local_cluster_writes_the_same_bytes_as_a_serial_run(serial, local):
    code, stdout, stderr, out = local
    assert code == 0, stderr
    assert f"{COUNTIES} done, 0 done before and skipped, 0 failed" in stdout
    same_region(serial[1], out)
    run = json.loads((out / "region.json").read_text(encoding="utf-8"))["run"]
    assert run == {**run, "scheduler": "local", "workers": 2, "computed": COUNTIES}
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["peak_mb"] > 0).all() and (summary["seconds"] > 0).all()  # each area's, in its worker
    assert stderr.count("\n") == COUNTIES and f"[{COUNTIES}/{COUNTIES}]" in stderr


def test_on_a_terminal_the_progress_is_a_bar_rewritten_in_place_with_a_line_per_failure():
    from region.pipeline import empty_row, failed
    from region.runner import AreaOutcome, Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    shown = Progress(screen, 2, "en")
    area = Area("630001", "青海示范县001", "x")
    shown.area(area, AreaOutcome("630001", {**empty_row(area, "ok"), "seconds": 1.25, "peak_mb": 281.4}))
    assert screen.getvalue() == "\r\033[K[###############---------------] 1/2 areas, 0 failed"
    other = Area("630002", "青海示范县002", "x")
    shown.area(other, failed(other, "plan", {"zh": "无法规划", "en": "cannot be planned"}))
    shown.finish()
    assert screen.getvalue().endswith("\r\033[K[2/2] 青海示范县002 (630002): failed: cannot be planned\n"
                                      "\r\033[K[##############################] 2/2 areas, 1 failed\n")
