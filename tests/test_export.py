"""Exports of one plan version: GeoJSON that validators and GDAL accept, GeoPackage, CSV, XLSX,
the PDF report (Chinese rendered, fonts embedded), the offline HTML map, the filing ZIP, the round
trip back to the same plan, and the CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace

import geojson_validator
import numpy as np
import openpyxl
import pytest
import shapely

from conftest import ROOT
from geodata.default import load_default
from geodata.export import plan_payload_from_layout
from geodata.filing import build, write
from ui.handout import write_export
from geodata.plans import PlanStore
from geodata.report import report_html
from planning.metrics import grid_metrics
from planning.session import PlanningSession
from planning.plan import plan_from_dict, plan_to_dict

needs = pytest.mark.skipif


@pytest.fixture(scope="module")
def export():
    session = PlanningSession(load_default())
    plan = session.propose().plan
    plan = plan.lock(list(plan.assignment)[:3])
    edited = plan.reassign({})  # a second version for the changes
    meta = {"plan_id": "abc123", "plan_name": "测试方案", "version": 2, "author": "张三", "created": "2026-11-22T10:00:00+00:00"}
    return build(session, edited, meta, previous=plan)


def test_layout_geojson_is_rfc7946_and_gdal_reads_it(export, tmp_path):
    path = write(export, "geojson", tmp_path / "layout.geojson")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert "crs" not in data and "黄浦区" in text and "\\u" not in text  # UTF-8, Chinese unescaped
    assert geojson_validator.validate_structure(data) == {}
    result = geojson_validator.validate_geometries(data)
    assert result["invalid"] == {} and result["problematic"] == {}
    ids = [f["id"] for f in data["features"]]
    assert ids == sorted(ids) and all(re.fullmatch(r"\d{6}-G\d{2}", i) for i in ids)
    for feature in data["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw  # counter-clockwise outer rings
        coords = np.array([c for poly in getattr(geom, "geoms", [geom]) for c in poly.exterior.coords])
        assert np.allclose(coords, np.round(coords, 6))  # 6 decimals
        props = feature["properties"]
        assert props["lead_facility_code"] and props["unit_codes"] and isinstance(props["partners"], list)
    meta = data["metadata"]
    assert meta["plan_id"] == "abc123" and meta["version"] == 2 and meta["author"] == "张三" and meta["rules"]["checked"]
    if shutil.which("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True).stdout
        assert f"Feature Count: {len(data['features'])}" in info
        for field in ("grid_id", "district_code", "lead_facility_code", "population", "area_km2"):
            assert f"{field}:" in info


def test_importing_the_layout_restores_the_same_plan_and_figures(export):
    again = plan_from_dict(plan_payload_from_layout(export.collection))
    plan = export.plan
    assert dict(again.assignment) == dict(plan.assignment)
    assert sorted(again.grids, key=lambda g: g.grid_id) == sorted(plan.grids, key=lambda g: g.grid_id)
    assert again.pairings == plan.pairings and again.locked == plan.locked
    before = grid_metrics(export.world, plan).sort_values("grid_id", ignore_index=True)
    after = grid_metrics(export.world, again).sort_values("grid_id", ignore_index=True)
    assert before.equals(after)


def test_gpkg_csv_and_xlsx(export, tmp_path):
    gpkg = write(export, "gpkg", tmp_path / "plan.gpkg")
    if shutil.which("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-so", str(gpkg)], capture_output=True, text=True, check=True).stdout
        for layer in ("grids", "units", "facilities", "pairings"):
            assert layer in info
    csv = write(export, "csv", tmp_path / "units.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0] == "unit_code,grid_id" and len(csv) == 1 + len(export.plan.assignment)
    book = openpyxl.load_workbook(write(export, "xlsx", tmp_path / "plan.xlsx"), read_only=True)
    assert [s.split(" ")[0] for s in book.sheetnames] == ["网格", "成员机构", "单元", "结对", "规则", "问题", "覆盖", "村卫生室",
                                                             "可及性", "可及性公平", "可及性改善", "改善前后", "变化", "字段说明"]
    assert book["网格 grids"].max_row == 1 + len(export.filing.grids)
    headers = [c.value for c in next(book["网格 grids"].iter_rows(max_row=1))]
    assert "网格编号" in headers and "grid_id" not in headers  # Chinese headers; the codes on the last sheet
    fields = {r[1]: r[0] for r in book["字段说明 fields"].iter_rows(min_row=2, values_only=True)}
    assert fields["grid_id"] == "网格编号" and fields["member_facilities"] == "成员机构"


@needs(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is installed by scripts/setup.sh --dev")
@pytest.mark.slow
def test_pdf_report_renders_chinese_with_fonts_embedded(export, tmp_path, output_dir):
    pdf = write(export, "pdf", tmp_path / "report.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto-Sans-CJK-SC\S*\s.*\byes\s+yes", fonts)  # embedded (and subset)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf), str(output_dir / "export_report")],
                   check=True)
    from PIL import Image

    for page in ("export_report-01.png", "export_report-02.png"):
        image = np.asarray(Image.open(output_dir / page).convert("L"))
        assert (image < 128).mean() > 0.002, f"{page} is blank"  # text and map drawn


@pytest.mark.slow
def test_report_escapes_names_from_files(export):
    hostile = "<img src=x onerror=alert(1)>"
    grids = export.filing.grids.copy()
    grids["lead_name"] = hostile
    html = report_html(replace(export, filing=replace(export.filing, grids=grids)))
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.slow
def test_filing_zip_and_offline_html(export, tmp_path):
    archive = zipfile.ZipFile(write(export, "filing", tmp_path / "filing.zip"))
    assert sorted(n.split(".", 1)[1] for n in archive.namelist()) == ["checks.json", "csv", "geojson", "pdf", "xlsx"]
    checks = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".checks.json"))))
    assert [r["id"] for r in checks["rules"]] == export.filing.rules["rule"].tolist()
    html = write_export(export, "html", tmp_path / "map.html").read_text(encoding="utf-8")
    assert "/app/static" not in html and not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)
    assert "L.map(" in html and "310101-G01" in html


@pytest.mark.slow
def test_cli_exports_a_stored_plan(tmp_path, export):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案", "default", plan_to_dict(export.plan), author="张三")
    out = tmp_path / "layout.geojson"
    done = subprocess.run([sys.executable,
                           str(ROOT / "cli.py"), "export", "--plan", plan_id, "--store", str(tmp_path / "plans.sqlite"),
                           "--format", "geojson", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["metadata"]["plan_id"] == plan_id and data["metadata"]["author"] == "张三"
    assert plan_payload_from_layout(data)["assignment"] == dict(export.plan.assignment)
    missing = subprocess.run([sys.executable,
                              str(ROOT / "cli.py"), "export", "--plan", "nope", "--store", str(tmp_path / "plans.sqlite"),
                              "--format", "csv", "--out", str(tmp_path / "x.csv")], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "找不到方案" in missing.stderr


@pytest.mark.slow
def test_hostile_plan_name_and_notes_are_escaped_in_the_report_and_the_handout(export):
    from ui.handout import handout_html

    hostile = '<script>alert(1)</script>${x}'
    meta = {**export.meta, "plan_name": hostile, "author": hostile}
    noted = replace(export, meta=meta, plan=export.plan.with_note(hostile))
    report = report_html(noted)
    assert "<script>alert(1)" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    handout = handout_html(noted)
    assert "<script>alert(1)</script>" not in handout and "&lt;script&gt;" in handout


def test_a_data_problem_every_result_inherits_is_filed_with_the_layout(export):
    """An undeclared GCJ-02 layer is in the filed metadata with its fix (here the default has none)."""
    from dataclasses import replace as with_

    from geodata.errors import LoadReport, issue

    report = LoadReport()
    report.add(issue("warning", "looks_gcj02", layer="facilities", position_kind="file", count=17, after=0))
    package = with_(export.package, report=report)
    again = build(PlanningSession(package), export.plan, export.meta)
    (warning,) = again.meta["data_warnings"]
    assert warning["code"] == "looks_gcj02" and "gcj02" in warning["fix"]["en"]
    assert export.meta["data_warnings"] == []


# --- the accessibility in the workbook and the report (issue 17) ----------------------------------


def test_the_workbook_carries_the_accessibility_per_unit_and_its_equity(export, tmp_path):
    book = openpyxl.load_workbook(write(export, "xlsx", tmp_path / "plan.xlsx"), read_only=True)
    rows = list(book["可及性 accessibility"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:4] == ("单元名称", "单元代码", "区县名称", "区县代码")  # names before codes
    assert {"增强型 2SFCA 可及性（每万人全科医生）", "制约可及性的层级", "服务链", "社区卫生服务中心：与全市平均之比"} <= set(head)
    assert len(rows) == 1 + len(export.plan.assignment)
    limiting = {r[head.index("制约可及性的层级")] for r in rows[1:]}
    assert limiting <= {"村卫生室", "乡镇卫生院", "社区卫生服务中心", "区级医院 / 区域性医疗中心"} and "区级医院 / 区域性医疗中心" in limiting
    assert {r[head.index("圈层")] for r in rows[1:]} == {"中心城区", "近郊", "远郊"}
    equity = list(book["可及性公平 equity"].iter_rows(values_only=True))
    scope = [r[0] for r in equity[1:]]
    assert equity[0][:3] == ("层面", "名称", "代码") and "基尼系数" in equity[0]
    assert scope[0] == "全市" and scope[1:4] == ["圈层"] * 3 and equity[2][2] == "远郊"
    assert scope.count("区县") == 16 and scope.count("网格") == len(export.filing.grids)
    assert {r[-1] for r in equity[1:]} <= {"是", "否"}
    fields = {r[1]: r[0] for r in book["字段说明 fields"].iter_rows(min_row=2, values_only=True)}
    assert fields["limiting_tier"] == "制约可及性的层级" and fields["gini"] == "基尼系数"


def test_the_workbook_carries_the_best_use_of_the_budget_and_its_before_and_after(export, tmp_path):
    book = openpyxl.load_workbook(write(export, "xlsx", tmp_path / "plan.xlsx"), read_only=True)
    better = export.session.improve_access()
    rows = list(book["可及性改善 improvement"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("措施", "名称", "机构代码")  # names before codes and {"新增全科医生", "经度（WGS84）"} <= set(head)
    assert len(rows) == 1 + len(better.actions) and sum(r[head.index("新增全科医生")] for r in rows[1:]) == 30
    actions = [r[0] for r in rows[1:]]
    assert set(actions) <= {"新建站点", "增配全科医生"}
    assert actions == sorted(actions, key=lambda a: a != "新建站点")  # new sites first
    assert actions.count("新建站点") == int((better.actions["action"] == "new_site").sum())
    effect = list(book["改善前后 before-after"].iter_rows(values_only=True))
    head = effect[0]
    assert head[:4] == ("层面", "名称", "代码", "居民") and "改善后基尼系数" in head
    assert [r[0] for r in effect[1:5]] == ["全市", "圈层", "圈层", "圈层"] and effect[2][2] == "远郊"
    city = effect[1]
    assert city[head.index("改善后平均可及性")] > city[head.index("改善前平均可及性")]


def test_the_report_has_the_equity_by_ring_and_district_remote_suburbs_first(export):
    page = report_html(export, "zh")
    section = page[page.index("就医可及性与公平"):]
    section = section[:section.index("</div>")]
    assert section.index("远郊") < section.index("近郊") < section.index("中心城区")
    assert "按圈层" in section and "按区县" in section and "基尼系数" in section and "15 分钟圈覆盖" in section
    assert section.index("崇明区（310151）") < section.index("黄浦区（310101）")
    assert "本数据包未测的层级：县级医院（无此类机构）、市级医院（未登记人员或床位）" in section
    english = report_html(export, "en")
    assert "Accessibility of care and its equity" in english and "Remote suburb" in english


def test_the_report_proposes_the_best_use_of_the_budget_with_its_before_and_after(export):
    better = export.session.improve_access()
    page = report_html(export, "zh")
    section = page[page.index("改善可及性（建议）"):]
    section = section[:section.index("</div>")]
    assert "30 名全科医生、至多 3 处新站点（每处至少 6 名）" in section and "已证明最优（HiGHS）" in section
    assert f"人均可及性 {better.before['mean']:.3f} → {better.after['mean']:.3f}" in section
    assert section.count("<tr>") == 1 + min(15, len(better.actions))  # the header too
    assert section.count("新建站点") == int((better.actions.head(15)["action"] == "new_site").sum())
    assert section.index(better.actions["name"].iloc[0]) < section.index(better.actions["name"].iloc[1])
    assert "Improving access (proposed)" in report_html(export, "en")


@needs(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is installed by scripts/setup.sh --dev")
@pytest.mark.slow
def test_the_pdf_report_carries_the_accessibility_section(export, tmp_path):
    pdf = write(export, "pdf", tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "就医可及性与公平" in text and "基尼系数" in text and "制约可及性的层级" in text
