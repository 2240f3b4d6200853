"""Real-world faults on real boundaries (tests/corpus/realdata/faults.py), through planning: for
every package that loads, a plan comes back (only a district with no hospital that may lead
stays unplanned), every rule's verdict names its codes, the CLI writes the plan and checks.json,
and the filed layout opens in GDAL as polygons, also converted to a Shapefile."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import cli
from corpus.realdata.faults import CASES, write
from geodata.errors import DataValidationError
from geodata.filing import build
from geodata.package import load_package
from planning.session import PlanningSession
from ui.handout import write_export

FAST = ("clean-enclaves-exclaves-islands", "gbk-zip-windows")


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("realplans")

    def get(name: str):
        case = CASES[name]()
        return case, write(case, out / name)
    return get


def _plan_and_file(name, packages, tmp_path, capsys):
    case, path = packages(name)
    try:
        pkg = load_package(path)
    except DataValidationError:
        assert case.unusable
        return
    if not len(pkg.units):  # a units file that failed: refused with the reason, nothing made up
        assert cli.main(["--lang", "en", "propose", "--data", str(path), "--out", str(tmp_path / "p")]) == 3
        assert "no usable units" in capsys.readouterr().err
        return
    session = PlanningSession(pkg)
    proposal = session.propose()
    plan, verdict = proposal.plan, session.judge(proposal.plan)
    planned = {g.district_code for g in plan.grids}
    unplanned = set(session.world.districts) - planned
    assert unplanned == set(proposal.grids.unplanned)  # only districts no hospital may lead
    assert all(session.world.leads_of(d).size == 0 for d in unplanned)
    for v in verdict.violations:  # every violation names its place and renders in both languages
        assert v.place.districts or v.place.grids or v.place.units or v.place.facilities
        assert v.message("zh") and v.message("en") and "{" not in v.message("en")
    code = cli.main(["--lang", "en", "propose", "--data", str(path), "--out", str(tmp_path / "p")])
    assert code == (0 if verdict.passed else 1)
    checks = json.loads((tmp_path / "p" / "checks.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in checks["rules"]] == [r.id for r in verdict.rules]
    export = build(session, plan, {"plan_id": name, "plan_name": name, "version": 1})
    layout = write_export(export, "geojson", tmp_path / "layout.geojson")
    features = json.loads(layout.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(plan.grids)
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}
    if shutil.which("ogr2ogr"):
        shp = tmp_path / "shp"
        subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(layout)], check=True, capture_output=True)
        info = subprocess.run(["ogrinfo", "-so", "-al", str(shp)], capture_output=True, text=True, check=True).stdout
        assert f"Feature Count: {len(plan.grids)}" in info


@pytest.mark.parametrize("name", FAST)
def test_realdata_case_gives_a_plan_and_a_filed_layout(name, packages, tmp_path, capsys):
    _plan_and_file(name, packages, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CASES if n not in FAST])
def test_realdata_case_gives_a_plan_and_a_filed_layout_slow(name, packages, tmp_path, capsys):
    _plan_and_file(name, packages, tmp_path, capsys)
