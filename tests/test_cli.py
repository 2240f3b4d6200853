"""The command line: validate prints every problem and sets the exit code; demo writes the default."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, facilities_csv, facility_rows, write_two_leads_world, write_world


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
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


@pytest.mark.slow
def test_propose_writes_layout_checks_and_metrics_byte_for_byte(tmp_path):
    import json
    import shutil as sh

    import shapely

    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        done = run("--lang", "en", "propose", "--data", "geodata/default", "--out", str(out))
        assert done.returncode == 0, done.stderr
    names = ["layout.geojson", "units.csv", "explanations.csv", "pairings.csv", "checks.json", "metrics.json"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    layout = json.loads((first / "layout.geojson").read_text(encoding="utf-8"))
    assert "crs" not in layout and len(layout["features"]) == json.loads((first / "metrics.json").read_text())["plan"]["grids"]
    props = layout["features"][0]["properties"]
    assert {"grid_id", "district_code", "lead_facility_code", "population", "polsby_popper"} <= set(props)
    assert "黄浦区" in (first / "layout.geojson").read_text(encoding="utf-8")  # Chinese unescaped
    for f in layout["features"]:
        geom = shapely.geometry.shape(f["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw  # RFC 7946: counter-clockwise outer rings
    checks = json.loads((first / "checks.json").read_text(encoding="utf-8"))
    ids = ["G1", "G2", "G3", "G4", "G5", "G6", "P1", "P2", "P4", "P6", "P7", "P8"]
    assert [r["id"] for r in checks["rules"]] == ids and checks["passed"] and checks["failed"] == []
    assert all(r["passed"] and r["errors"] == [] and set(r["title"]) == {"zh", "en"} for r in checks["rules"])
    assert checks["pairing"]["districts_without_partner"] == [{
        "district_code": "310105", "code": "pairing.unpaired.none_eligible",
        "message": {"zh": "P4：没有在该区设院区或有既往合作的市级综合医院",
                    "en": "P4: no city general hospital has a campus or partnership here"}}]
    pairings = (first / "pairings.csv").read_text(encoding="utf-8").splitlines()
    assert pairings[0] == "hospital_code,district_code,role,fixed,reason" and len(pairings) > 20
    units = (first / "units.csv").read_text(encoding="utf-8").splitlines()
    assert units[0] == "unit_code,grid_id" and len(units) == 235
    if sh.which("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-so", "-al", str(first / "layout.geojson")], capture_output=True, text=True)
        assert f"Feature Count: {len(layout['features'])}" in info.stdout


@pytest.mark.slow
def test_propose_plans_every_district_when_the_band_asks_too_much(tmp_path):
    """A band no district can meet is a setting, not a refusal: every district gets its best plan
    (as many grids as hospitals may lead), the shortfall is a G6 warning with the numbers and the
    fix, and the plan is written; warnings alone pass (exit 0)."""
    import json

    config = tmp_path / "config.toml"
    config.write_text("[grids]\ngrid_population_min = 10000.0\ngrid_population_max = 50000.0\n", encoding="utf-8")
    done = run("--lang", "en", "propose", "--data", "geodata/default", "--out", str(tmp_path / "o"), "--config", str(config))
    assert done.returncode == 0, done.stderr
    checks = json.loads((tmp_path / "o" / "checks.json").read_text(encoding="utf-8"))
    g6 = next(r for r in checks["rules"] if r["id"] == "G6")
    short = [w for w in g6["warnings"] if w["code"] == "rule.G6.too_few_grids"]
    assert g6["passed"] and len(short) == 16 and all(w["figures"]["grids"] < w["figures"]["grids_needed"] for w in short)
    assert "raise the band's maximum to at least" in short[0]["fix"]["en"]
    assert len(json.loads((tmp_path / "o" / "layout.geojson").read_text(encoding="utf-8"))["features"]) > 16


@pytest.mark.slow
def test_propose_leaves_only_a_district_without_leads_unplanned_and_exits_1(tmp_path):
    """静安 (310106) without any hospital that may lead: the other 15 districts are planned, its
    units are in no grid (G1, G5 errors naming it and the fix), and the CLI exits 1."""
    import json

    import geopandas as gpd

    pkg = tmp_path / "pkg"
    assert run("demo", "--out", str(pkg)).returncode == 0
    facilities = gpd.read_file(pkg / "facilities.geojson")
    facilities = facilities[~((facilities["district_code"] == "310106") & facilities["can_lead"].astype(bool))]
    facilities.to_file(pkg / "facilities.geojson", driver="GeoJSON")
    done = run("--lang", "en", "propose", "--data", str(pkg), "--out", str(tmp_path / "o"))
    assert done.returncode == 1 and "310106" in done.stderr
    checks = json.loads((tmp_path / "o" / "checks.json").read_text(encoding="utf-8"))
    failed = {r["id"]: r for r in checks["rules"] if not r["passed"]}
    assert set(failed) >= {"G1", "G5"}
    (g5,) = failed["G5"]["errors"]
    assert g5["code"] == "rule.G5.no_lead" and g5["place"]["districts"] == ["310106"] and "can_lead" in g5["fix"]["en"]
    districts = {f["properties"]["district_code"] for f in
                 json.loads((tmp_path / "o" / "layout.geojson").read_text(encoding="utf-8"))["features"]}
    assert len(districts) == 15 and "310106" not in districts


@pytest.mark.slow
def test_propose_pairings_only(tmp_path):
    done = run("propose", "--data", "geodata/default", "--out", str(tmp_path), "--pairings-only")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checks.json", "pairings.csv"]


def test_coverage_writes_every_output(tmp_path):
    import json

    done = run("coverage", "--data", "geodata/default", "--out", str(tmp_path), "--sites", "5")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.geojson", "coverage.json", "gaps.csv",
                                                          "improvement.csv", "sites.csv", "villages.csv"]
    figures = json.loads((tmp_path / "coverage.json").read_text(encoding="utf-8"))
    city = figures["city"]
    assert city["served"] + city["unserved"] + city["not_covered"] == pytest.approx(city["population"])
    assert len(figures["grids"]) >= 16 and sum(g["population"] for g in figures["grids"]) == pytest.approx(city["population"])
    assert {g["grid_id"] for g in figures["supply_grids"]} == {g["grid_id"] for g in figures["grids"]}
    assert all("gps_per_10000" in g for g in figures["supply_grids"])
    assert len((tmp_path / "sites.csv").read_text().splitlines()) == 6
    assert len((tmp_path / "villages.csv").read_text(encoding="utf-8").splitlines()) == 910
    # the accessibility (issue 17): per unit with its grid and limiting tier, equity remote suburbs first
    access = figures["accessibility"]
    assert access["measure"] == "e2sfca" and access["cost_unit"] == "km" and access["demand"] == "units"
    assert len(access["units"]) == 234 and all(u["grid_id"] for u in access["units"])
    assert {u["limiting_tier"] for u in access["units"]} <= {"village_clinic", "thc", "chc", "district_hospital"}
    assert access["skipped_tiers"] == ["county_hospital", "city_hospital"]
    assert access["by_ring"][0]["ring"] == "remote_suburb" and access["by_district"][0]["ring"] == "remote_suburb"
    assert {g["grid_id"] for g in access["by_grid"]} == {g["grid_id"] for g in figures["grids"]}
    assert 0 <= access["equity"]["gini"] < 1 and access["equity"]["residents"] == pytest.approx(city["population"])
    assert "tiers not measured: county_hospital (no facilities), city_hospital (no supply)" in done.stdout
    # the best use of the settings' budget (30 GPs, at most 3 new sites of 6): proved, before -> after
    better = figures["improvement"]
    assert better["budget"] == {"gps": 30, "sites": 3, "site_gps": 6, "objective": "shortfall", "seconds": 20.0}
    assert better["status"] == "optimal" and better["gap"] <= 1e-6 and better["gps_used"] == 30
    assert better["after"]["mean"] > better["before"]["mean"] and better["value"] < better["start"]
    assert better["by_ring"][0]["ring"] == "remote_suburb"
    lines = (tmp_path / "improvement.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("action,name,facility_code,kind,unit_name,unit_code") and len(lines) == len(better["actions"]) + 1
    assert "improving access (shortfall): 30 of 30 GPs" in done.stdout and "proved optimal" in done.stdout


@pytest.mark.slow
def test_coverage_uses_the_planners_candidate_sites(tmp_path):
    world = write_world(tmp_path / "w")
    (world / "候选站点.csv").write_text("站点代码,名称,经度,纬度\nS1,东站,121.075,31.035\nS2,西站,121.005,31.005\n",
                                     encoding="utf-8")
    out = tmp_path / "o"
    done = run("coverage", "--data", str(world), "--out", str(out), "--sites", "1")
    assert done.returncode == 0, done.stderr
    rows = (out / "sites.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "rank,site_code,name,population_gained,lon,lat" and rows[1].split(",")[1] in ("S1", "S2")
    assert rows[1].split(",")[-2:] == {"S1": ["121.075", "31.035"], "S2": ["121.005", "31.005"]}[rows[1].split(",")[1]]


@pytest.mark.slow
def test_coverage_measures_from_population_points_when_the_package_has_them(tmp_path):
    import json

    import shapely

    from conftest import collection, feature

    world = write_world(tmp_path / "w")
    pts = [feature({"人口": 500}, shapely.Point(121.005, 31.005)), feature({"人口": 700}, shapely.Point(121.075, 31.035))]
    (world / "人口点.geojson").write_text(collection(pts), encoding="utf-8")
    out = tmp_path / "o"
    done = run("coverage", "--data", str(world), "--out", str(out))
    assert done.returncode == 0, done.stderr
    figures = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    assert figures["demand"].endswith("population points") and figures["city"]["population"] == 32_000


def test_a_package_whose_units_file_fails_is_refused_with_the_reason_not_a_traceback(tmp_path):
    """The units file is broken: no hexagons are made up in its place, validate names the file,
    and propose and coverage stop with the reason (exit 3)."""
    pkg = tmp_path / "pkg"
    assert run("demo", "--out", str(pkg)).returncode == 0
    (pkg / "units.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    for command in ("propose", "coverage"):
        done = run("--lang", "en", command, "--data", str(pkg), "--out", str(tmp_path / command))
        assert done.returncode == 3, done.stderr
        assert "no usable units" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_undeclared_gcj02_facilities_are_carried_into_the_results(tmp_path):
    """Facilities in GCJ-02 with no [crs] declaration: propose and coverage still run, and say it
    in their output and beside their results (checks.json, coverage.json) with the fix."""
    import json

    import geopandas as gpd

    from geodata.coords import wgs84_to_shifted

    pkg = tmp_path / "pkg"
    assert run("demo", "--out", str(pkg)).returncode == 0
    facilities = gpd.read_file(pkg / "facilities.geojson")
    facilities.geometry = wgs84_to_shifted(facilities.geometry.values, "gcj02")
    facilities.to_file(pkg / "facilities.geojson", driver="GeoJSON")
    done = run("--lang", "en", "propose", "--data", str(pkg), "--out", str(tmp_path / "p"))
    assert done.returncode in (0, 1) and "GCJ-02" in done.stderr
    (warning,) = json.loads((tmp_path / "p" / "checks.json").read_text(encoding="utf-8"))["data_warnings"]
    assert warning["code"] == "looks_gcj02" and warning["layer"] == "facilities" and "gcj02" in warning["fix"]
    done = run("--lang", "en", "coverage", "--data", str(pkg), "--out", str(tmp_path / "c"))
    assert done.returncode == 0 and "GCJ-02" in done.stderr
    assert json.loads((tmp_path / "c" / "coverage.json").read_text(encoding="utf-8"))["data_warnings"][0]["code"] == "looks_gcj02"


# --- the planner's grid settings as flags (issue 15) -------------------------------------------

def _main(capsys, *args: str) -> tuple[int, str, str]:
    """``ylt`` in this process (faster than a subprocess for the quick cases)."""
    from cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_setting_flags_reach_the_plan_and_every_output(tmp_path, capsys):
    """--balance-target, --band, --grid-count, --leads and --exact-seconds change the package's
    config.toml for this run: the plan is made under them, the summary line says so, and
    checks.json, metrics.json and the layout's metadata record every grid setting."""
    import json

    world = write_world(tmp_path / "w")
    out = tmp_path / "o"
    code, stdout, stderr = _main(capsys, "--lang", "en", "propose", "--data", str(world), "--out", str(out),
                                 "--balance-target", "0", "--band", "1万:2万", "--grid-count", "900002=2",
                                 "--leads", "given", "--exact-seconds", "5")
    assert code in (0, 1), stderr
    expected = {"grid_balance_target": 0.0, "grid_population_min": 10_000.0, "grid_population_max": 20_000.0,
                "grid_counts": {"900002": 2}, "grid_leads": "given", "grid_exact_units": 60, "grid_exact_seconds": 5.0,
                "island_link_km": 15.0, "county_alliances_max": 3, "county_alliances_reason": ""}
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    layout = json.loads((out / "layout.geojson").read_text(encoding="utf-8"))
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert checks["settings"] == expected and layout["metadata"]["settings"] == expected and metrics["settings"] == expected
    assert "Grid settings: no balance target (access only); grid population 10,000–20,000; fixed numbers of grids: " \
           "乙区 (900002) 2; every hospital that may lead leads one grid" in stdout
    assert "crs" not in layout and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in layout["features"])
    # without flags: the package's own settings, recorded the same way
    code, stdout, _ = _main(capsys, "propose", "--data", str(world), "--out", str(tmp_path / "p"))
    settings = json.loads((tmp_path / "p" / "checks.json").read_text(encoding="utf-8"))["settings"]
    assert settings["grid_balance_target"] == 1.25 and settings["grid_counts"] == {} and "均按" not in stdout
    assert "网格设置：人口最大/最小比 ≤ 1.25；网格人口 20–80 万人" in stdout


@pytest.mark.parametrize("flag, value, why", [
    ("--balance-target", "0.5", "must be 0 (no balance target: access only) or a number of at least 1"),
    ("--balance-target", "much", "must be 0 (no balance target: access only)"),
    ("--band", "800000:200000", "the minimum not above the maximum"),
    ("--band", "200000", "write MIN:MAX in residents"),
    ("--band", ":-5", "must be positive"),
    ("--grid-count", "900001=0", "a whole number of at least 1"),
    ("--grid-count", "900001", "write DISTRICT_CODE=N"),
    ("--grid-count", "310115=3", "there is no district 310115 in the data"),
    ("--leads", "all", "must be choose"),
    ("--exact-seconds", "0", "above 0 and at most 600 seconds"),
    ("--exact-seconds", "nan", "above 0 and at most 600 seconds"),
])
def test_a_bad_setting_flag_is_one_line_naming_it_and_exit_2(tmp_path, capsys, flag, value, why):
    world = write_world(tmp_path / "w")
    code, stdout, stderr = _main(capsys, "--lang", "en", "propose", "--data", str(world), "--out", str(tmp_path / "o"),
                                 f"{flag}={value}")
    assert code == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"ylt propose: {flag} {value}: ") and why in line, line
    assert not (tmp_path / "o" / "checks.json").exists()


def test_a_bad_setting_flag_in_chinese(tmp_path, capsys):
    world = write_world(tmp_path / "w")
    code, _, stderr = _main(capsys, "propose", "--data", str(world), "--out", str(tmp_path / "o"), "--balance-target", "0.9")
    assert code == 2 and stderr.strip() == ("ylt propose: --balance-target 0.9：须为 0（不限人口均衡，只看就医距离）"
                                            "或不小于 1 的数（人口最大/最小比）")


def test_grid_count_auto_releases_a_count_the_package_fixes(tmp_path, capsys):
    import json

    world = write_world(tmp_path / "w")
    (world / "config.toml").write_text("[grids.grid_counts]\n900001 = 2\n900002 = 1\n", encoding="utf-8")
    code, _, stderr = _main(capsys, "propose", "--data", str(world), "--out", str(tmp_path / "o"),
                            "--grid-count", "900001=auto", "--grid-count", "900002=2")
    assert code in (0, 1), stderr
    assert json.loads((tmp_path / "o" / "checks.json").read_text(encoding="utf-8"))["settings"]["grid_counts"] == {"900002": 2}


def test_export_judges_again_under_the_flags_and_records_them(tmp_path, capsys):
    """``ylt export`` re-judges the plan: under --band the grids fall outside it (G6 warnings),
    and the export's metadata (checks.json, the layout's) carries the settings used."""
    import json

    world = write_world(tmp_path / "w")
    assert _main(capsys, "propose", "--data", str(world), "--out", str(tmp_path / "o"))[0] in (0, 1)
    code, _, stderr = _main(capsys, "--lang", "en", "export", "--plan", str(tmp_path / "o"), "--data", str(world),
                            "--format", "checks", "--out", str(tmp_path / "c.json"), "--band", "1000:2000")
    assert code == 0, stderr
    checks = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert checks["settings"]["grid_population_max"] == 2000.0
    g6 = next(r for r in checks["rules"] if r["id"] == "G6")
    assert g6["warnings"] and all(w["figures"] for w in g6["warnings"])
    code, _, _ = _main(capsys, "export", "--plan", str(tmp_path / "o"), "--data", str(world), "--format", "geojson",
                       "--out", str(tmp_path / "l.geojson"), "--leads", "given", "--grid-count", "900001=1")
    meta = json.loads((tmp_path / "l.geojson").read_text(encoding="utf-8"))["metadata"]
    assert code == 0 and meta["settings"]["grid_leads"] == "given" and meta["settings"]["grid_counts"] == {"900001": 1}
    code, _, stderr = _main(capsys, "export", "--plan", str(tmp_path / "o"), "--data", str(world), "--format", "checks",
                            "--out", str(tmp_path / "x.json"), "--exact-seconds", "900")
    assert code == 2 and stderr.startswith("ylt export: --exact-seconds 900：") and not (tmp_path / "x.json").exists()


# --- how good the grids are (issue 15) -------------------------------------------------------------

def test_propose_prints_and_writes_the_quality_of_each_districts_grids(tmp_path, capsys):
    """With the exact solver off, 甲区's two grids come from the heuristic: not proved, within
    x % of a lower bound; printed on one line, and written to metrics.json (a list) and
    checks.json (a block with the count); 乙区 has one grid."""
    import json

    world = write_two_leads_world(tmp_path / "w")
    config = tmp_path / "heuristic.toml"
    config.write_text("[grids]\ngrid_exact_units = 0\n", encoding="utf-8")
    out = tmp_path / "o"
    code, stdout, stderr = _main(capsys, "propose", "--data", str(world), "--out", str(out), "--config", str(config),
                                 "--band", "5000:15000", "--balance-target", "1.05")
    assert code in (0, 1), stderr
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    rows = metrics["quality"]
    assert [(r["district_code"], r["district_name"], r["method"], r["status"]) for r in rows] == [
        ("900001", "甲区", "heuristic", "heuristic"), ("900002", "乙区", "single", "single")]
    heuristic = rows[0]
    assert not heuristic["proved"] and 0 < heuristic["gap"] < 1 and heuristic["access_bound_km"] < heuristic["access_km"]
    assert heuristic["balance_bound"] is None and heuristic["grids"] == 2 and heuristic["target"] == 1.05
    assert checks["quality"]["rows"] == rows and (checks["quality"]["districts"], checks["quality"]["proved"]) == (2, 1)
    assert checks["quality"]["not_proved"] == ["900001"]
    lines = stdout.splitlines()
    at = lines.index("求解质量：2 个区县中 1 个已证明最优（其中 1 个仅一个网格）")
    assert lines[at + 1] == f"    甲区（900001）：{heuristic['verdict']['zh']}"
    assert heuristic["verdict"]["zh"].startswith("启发式：就医距离距下界不超过 ") and heuristic["verdict"]["zh"].endswith("（未证明）")
    assert "（900002）" not in lines[at + 2]  # proved districts are counted, not listed

    code, stdout, _ = _main(capsys, "--lang", "en", "propose", "--data", str(world), "--out", str(tmp_path / "e"),
                            "--grid-count", "900001=2")
    assert "Solution quality: all 2 districts proved optimal (1 of them with one grid)" in stdout.splitlines()
    rows = json.loads((tmp_path / "e" / "metrics.json").read_text(encoding="utf-8"))["quality"]
    assert [(r["method"], r["proved"], r["gap"]) for r in rows] == [("exact", True, 0.0), ("single", True, 0.0)]


def test_export_of_an_untouched_propose_folder_files_its_quality_and_an_edited_one_none(tmp_path, capsys):
    """The filing records the solver's bounds only for the grids they were measured on: a propose
    folder exported as it is carries them (checks.json, the layout's metadata); with a unit moved
    in units.csv, or under other settings, nothing is filed and the CLI says why."""
    import json

    world = write_two_leads_world(tmp_path / "w")
    folder = tmp_path / "o"
    assert _main(capsys, "propose", "--data", str(world), "--out", str(folder), "--grid-count", "900001=2")[0] in (0, 1)
    recorded = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["quality"]
    code, _, stderr = _main(capsys, "export", "--plan", str(folder), "--data", str(world), "--format", "checks",
                            "--out", str(tmp_path / "c.json"), "--grid-count", "900001=2")
    assert code == 0 and "求解质量未写入" not in stderr
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["quality"]["rows"] == recorded
    code, _, _ = _main(capsys, "export", "--plan", str(folder), "--data", str(world), "--format", "geojson",
                       "--out", str(tmp_path / "l.geojson"), "--grid-count", "900001=2")
    assert json.loads((tmp_path / "l.geojson").read_text(encoding="utf-8"))["metadata"]["quality"] == recorded
    # other settings than the proposal's: its bounds are not this judgement's
    code, _, stderr = _main(capsys, "--lang", "en", "export", "--plan", str(folder), "--data", str(world), "--format",
                            "checks", "--out", str(tmp_path / "s.json"))
    assert code == 0 and "Solution quality not filed" in stderr
    assert "quality" not in json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    # a unit moved by hand: not the proposal any more
    units = (folder / "units.csv").read_text(encoding="utf-8").splitlines()
    grids = sorted({line.split(",")[1] for line in units[1:] if line.split(",")[1].startswith("900001")})
    moved = next(i for i, line in enumerate(units) if i and line.endswith("," + grids[0]))
    units[moved] = units[moved].rsplit(",", 1)[0] + "," + grids[1]
    (folder / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    code, _, stderr = _main(capsys, "export", "--plan", str(folder), "--data", str(world), "--format", "checks",
                            "--out", str(tmp_path / "m.json"), "--grid-count", "900001=2")
    assert code == 0 and "求解质量未写入导出" in stderr
    assert "quality" not in json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
