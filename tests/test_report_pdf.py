"""Issue 18: the filing report and files a clerk can file.

The PDF's maps carry district names, grid labels, a legend, a north arrow and a metric scale bar;
times are Beijing time; a Chinese cover holds no English word of ours; table headers never break
inside a word; the population chart is SVG (vl-convert) with its CJK labels. Exports are named
after plan, version and kind, safe on Windows; filing a plan that breaks rules or stands on demo
data records the planner's confirmation; the workbook's roles and reasons are Chinese."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from geodata.default import load_default
from geodata.filing import (build, file_name, filing_concerns, safe_name, with_confirmation, workbook_values, sheets,
                            write)
from geodata.report import beijing_time, data_lines, failed_rule_names, report_html
from geodata.report_figures import nice_km, population_chart, population_spec, svg_map
from planning.session import PlanningSession

poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is installed by scripts/setup.sh --dev")
PLAN = "2026年网格方案（送审稿）"


@pytest.fixture(scope="module")
def export():
    session = PlanningSession(load_default())
    plan = session.propose(name=PLAN).plan
    meta = {"plan_id": "abc123", "plan_name": PLAN, "version": 4, "author": "张三", "created": "2026-12-02T11:34:00+00:00"}
    return build(session, plan, meta)


@pytest.fixture(scope="module")
def zh_html(export) -> str:
    return report_html(export, "zh")


# --- names and times ------------------------------------------------------------------------------

def test_times_are_beijing_time_in_the_readers_words():
    assert beijing_time("2026-12-02T11:34:00+00:00", "zh") == "2026年12月2日 19:34"
    assert beijing_time("2026-12-02T11:34:00", "zh") == "2026年12月2日 19:34"  # the store's times are UTC
    assert beijing_time("2026-12-31T20:05:00+00:00", "zh") == "2027年1月1日 04:05"  # past midnight in Beijing
    assert beijing_time("2026-12-02T19:34:00+08:00", "en") == "2026-12-02 19:34 (Beijing time, UTC+8)"
    assert beijing_time("not a time", "zh") == "not a time"


def test_file_names_say_plan_version_and_kind_and_are_safe_on_windows():
    assert file_name(PLAN, 4, "filing") == "2026年网格方案（送审稿）_第4版_备案.zip"
    assert file_name(PLAN, 4, "pdf") == "2026年网格方案（送审稿）_第4版_备案报告.pdf"
    assert file_name("Plan 2026", 2, "xlsx", "en") == "Plan 2026_v2_workbook.xlsx"
    hostile = file_name('a/b\\c:d*e?f"g<h>i|j\x01 .', 3, "csv")
    assert not set('/\\:*?"<>|\x01') & set(hostile) and hostile.endswith("_第3版_单元网格对照表.csv")
    assert len(file_name("长" * 500, 12, "html")) < 100
    assert file_name("...", 1, "geojson") == "方案_第1版_网格布局.geojson"
    assert safe_name("  x  ", "y") == "x" and safe_name("", "y") == "y"


# --- the report's HTML -------------------------------------------------------------------------

def test_maps_carry_district_names_grid_labels_leads_north_arrow_and_scale_bar(export, zh_html):
    html = zh_html
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    city = svgs[0]
    for name in export.package.districts["district_name"]:
        assert f">{name}</text>" in city
    assert ">北</text>" in city and re.search(r">\d+ 公里</text>", city)  # north arrow, scale bar
    leads = export.filing.grids["lead_facility_code"].nunique()
    assert city.count("<polygon points=") >= leads + len(export.package.districts)  # stars and district lines
    huangpu = export.filing.grids[export.filing.grids["district_code"] == "310101"]
    page = html.split("黄浦区（310101）", 1)[1].split("<div class='page", 1)[0]
    for grid, lead in zip(huangpu["grid_id"], huangpu["lead_name"]):
        assert f">{grid.rsplit('-', 1)[1]}</text>" in page and f">{lead}</text>" in page  # grid labels
    assert "牵头医院" in page and "区县界线" in page and "class='sw'" in page  # legend and colour key
    english = report_html(export, "en")
    assert ">N</text>" in english and " km</text>" in english


def test_scale_bar_lengths_are_round():
    assert nice_km(10.0, 150) == 10 and nice_km(3.0, 150) == 50 and nice_km(40.0, 150) == 2
    circle = {"type": "Feature", "properties": {"grid_id": "1-G01"},
              "geometry": {"type": "Polygon", "coordinates": [[[121, 31], [121.2, 31], [121.2, 31.2], [121, 31]]]}}
    svg = svg_map([circle], words={"north": "北", "km": "{n} 公里"})
    assert svg.count("<path ") == 1 and "公里" in svg and ">北<" in svg


def test_the_zh_cover_has_no_english_word_of_ours(export, zh_html):
    html = zh_html
    cover = html.split("<div class='page", 1)[0]
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", cover, flags=re.S)
    text = text.replace("abc123", "")  # the plan's id is data
    assert not re.findall(r"[A-Za-z]{2,}", text), text
    assert "2026年12月2日 19:34" in text and "模拟数据：医疗机构、单元" in text
    assert data_lines(export.package, "en")[-1] == "modelled: facilities, units"


def test_each_district_page_has_its_population_chart_as_svg(export, zh_html):
    html = zh_html
    charts = re.findall(r"<div class='chart'>(<svg .*?</svg>)</div>", html, flags=re.S)
    assert len(charts) == export.filing.grids["district_code"].nunique()
    first = charts[0]
    lead = export.filing.grids.sort_values("grid_id")["lead_name"].iloc[0]
    assert lead in first and "常住人口" in first and "Noto Sans CJK SC" in first


def test_the_population_chart_draws_the_band_and_the_target():
    rows = pd.DataFrame({"name": ["仁济医院 · 310101-G01", "瑞金医院 · 310101-G02"], "population": [300000.0, 520000.0],
                         "fill": ["#fbb4ae", "#b3cde3"]})
    spec = population_spec(rows, band=(200000, 800000), target=410000, labels={"population": "常住人口"})
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "rule", "bar", "text", "rule"]
    assert spec["layer"][2]["encoding"]["y"]["sort"] == ["瑞金医院 · 310101-G02", "仁济医院 · 310101-G01"]
    svg = population_chart(rows, band=(200000, 800000), target=410000, labels={"population": "常住人口"})
    assert svg.startswith("<svg") and "仁济医院 · 310101-G01" in svg and "520,000" in svg
    assert 'stroke="#b42318"' in svg and "stroke-dasharray" in svg  # the target, dashed
    county = population_spec(rows, band=None, target=None, labels={"population": "常住人口"})
    assert [layer["mark"]["type"] for layer in county["layer"]] == ["bar", "text"]


def test_the_chart_is_drawn_with_no_network():
    """vl-convert renders in process: in a network namespace with no interface up it still draws."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("no network namespaces here")
    code = ("import pandas as pd; from geodata.report_figures import population_chart as c; "
            "print(len(c(pd.DataFrame({'name': ['甲 · 1-G01'], 'population': [1.0], 'fill': ['#ffffff']}), "
            "band=None, target=1.0, labels={'population': '人口'})))")
    import sys

    done = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and int(done.stdout) > 500, done.stderr


# --- filing: confirmation, the workbook's words --------------------------------------------------------

def test_a_confirmed_filing_records_who_confirmed_what(export, tmp_path):
    concerns = filing_concerns(export, demo=True)
    assert concerns == {"rules": list(export.meta["rules"]["failed"]), "demo_data": True}
    broken = {**concerns, "rules": ["G1", "G6"]}
    confirmed = with_confirmation(export, by="王规划", at="2026-12-02T11:34:00+00:00", concerns=broken)
    assert export.meta.get("confirmed") is None  # the export itself is left as it was
    record = confirmed.meta["confirmed"]
    assert record == {"by": "王规划", "at": "2026-12-02T11:34:00+00:00", "reasons": ["rules_failed", "demo_data"],
                      "rules": ["G1", "G6"]}
    write(confirmed, "geojson", tmp_path / "layout.geojson")
    assert json.loads((tmp_path / "layout.geojson").read_text(encoding="utf-8"))["metadata"]["confirmed"] == record
    cover = report_html(confirmed, "zh").split("<div class='page", 1)[0]
    assert "编制人已确认备案" in cover and "王规划" in cover and "演示数据" in cover and "规则未通过：G1、G6" in cover


def test_failed_rules_are_named(export):
    rules = export.filing.rules
    first = rules.iloc[0]
    failing = {**export.meta, "rules": {**export.meta["rules"], "failed": [first["rule"]]}}
    from dataclasses import replace

    assert failed_rule_names(replace(export, meta=failing), "zh") == [f"{first['rule']} {first['name_zh']}"]
    assert failed_rule_names(replace(export, meta=failing), "en") == [f"{first['rule']} {first['name_en']}"]


def test_the_workbook_says_roles_reasons_kinds_and_flags_in_chinese(export, tmp_path):
    tables = workbook_values(sheets(export), export)
    pairings = tables["结对 pairings"]
    assert len(pairings) and set(pairings["role"]) <= {"技术支持", "主要技术支持单位", "中医类", "专科联盟"}
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in pairings["reasons"])
    assert not any(re.search(r"\b(distance|partner|branch)\b", r) for r in pairings["reasons"])
    assert set(pairings["fixed"]) <= {"是", "否"} and set(tables["单元 units"]["locked"]) <= {"是", "否"}
    assert not set(tables["成员机构 members"]["kind"]) & {"chc", "thc", "district_hospital"}
    book = openpyxl.load_workbook(write(export, "xlsx", tmp_path / "plan.xlsx"), read_only=True)
    rows = list(book["结对 pairings"].iter_rows(values_only=True))
    role = rows[0].index("形式")
    assert {r[role] for r in rows[1:]} <= {"技术支持", "主要技术支持单位", "中医类", "专科联盟"}


# --- the PDF as pages ------------------------------------------------------------------------------

@poppler
@pytest.mark.slow
def test_pdf_pages_zh_and_en(export, zh_html, tmp_path, output_dir):
    """Both languages' PDFs as page images (looked at), every header of the tables whole on its line."""
    from geodata.report import pdf_bytes

    for lang in ("zh", "en"):
        document = zh_html if lang == "zh" else report_html(export, lang)
        pdf = tmp_path / f"report_{lang}.pdf"
        pdf.write_bytes(pdf_bytes(document))
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(output_dir / f"report_pdf_{lang}")], check=True)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        headers = {re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", document)}
        for header in headers - {""}:
            assert header.replace("&amp;", "&") in text, header  # never split over two lines
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
        assert ("2026年12月2日 19:34" if lang == "zh" else "2026-12-02 19:34") in first


@pytest.mark.slow
def test_the_filing_zip_holds_the_confirmed_layout(export, tmp_path):
    confirmed = with_confirmation(export, by="王规划", at="2026-12-02T11:34:00+00:00",
                                  concerns={"rules": [], "demo_data": True})
    path = write(confirmed, "filing", tmp_path / file_name(PLAN, 4, "filing"))
    assert path.name == "2026年网格方案（送审稿）_第4版_备案.zip"
    with zipfile.ZipFile(path) as archive:
        layout = next(n for n in archive.namelist() if n.endswith(".geojson"))
        assert json.loads(archive.read(layout))["metadata"]["confirmed"]["reasons"] == ["demo_data"]
        checks = next(n for n in archive.namelist() if n.endswith(".checks.json"))
        assert json.loads(archive.read(checks))["confirmed"]["by"] == "王规划"


# --- coverage and pairings: the pages' charts in the PDF --------------------------------------------

def _coverage_pairings(html: str, title: str) -> str:
    """The report's landscape pages headed ``title`` (coverage, then the pairing matrix)."""
    pages = html.split("<div class='page")
    return "".join(p for p in pages if p.startswith(f" wide'><h2>{title}</h2>"))


def test_the_coverage_and_pairing_charts_are_svg_in_the_readers_words(export, zh_html):
    pages = _coverage_pairings(zh_html, "覆盖与结对")
    served, distance, matrix = re.findall(r"<svg .*?</svg>", pages, flags=re.S)
    names = export.package.districts["district_name"].astype(str)
    for svg in (served, distance):
        assert "Noto Sans CJK SC" in svg and "远郊" in svg and "中心城区" in svg  # coloured by ring, in words
        assert all(f">{name}</text>" in svg for name in names)  # every district, by name
    assert "已服务居民占比" in served and "%" in served
    assert "到最近基层医疗机构的距离（km）" in distance
    hospitals = set(export.filing.pairings["hospital"].astype(str))
    assert hospitals and all(f">{h}</text>" in matrix for h in hospitals)
    assert "结对 / 上限" in matrix and "区内综合医院 / 上限" in matrix and ">本部</text>" in matrix
    assert re.search(r">\d+ / \d+</text>", matrix)  # counts against the caps
    assert "技术支持" in pages and "黑框“本部”为医院本部所在区" in pages  # the roles' legend and the note
    assert served.index(">奉贤区</text>") < served.index(">黄浦区</text>")  # remote suburbs first
    english = _coverage_pairings(report_html(export, "en"), "Coverage and pairings")
    assert "Share of residents served" in english and "Pairings / cap" in english and ">Home</text>" in english
    assert "Remote suburb" in english and "Technical support" in english


def test_a_plan_without_pairings_has_no_matrix_and_says_so(export):
    from dataclasses import replace

    html = report_html(replace(export, plan=replace(export.plan, pairings=())), "zh")
    pages = _coverage_pairings(html, "覆盖与结对")
    assert "本方案没有医院结对，此处不画结对矩阵。" in pages and "<div class='matrix'>" not in pages
    assert len(re.findall(r"<svg .*?</svg>", pages, flags=re.S)) == 2  # the coverage charts stay


def test_a_package_without_facilities_skips_the_coverage_charts(export):
    from dataclasses import replace

    from geodata.report import _coverage_section

    bare = replace(export, package=replace(export.package, facilities=None))
    for lang, line in (("zh", "数据包没有医疗机构图层"), ("en", "The package has no facilities layer")):
        out = "".join(_coverage_section(bare, lang))
        assert line in out and "<svg" not in out


def test_a_matrix_of_many_districts_shows_the_first_ring_and_says_so(export, monkeypatch):
    import geodata.report as report

    monkeypatch.setattr(report, "MATRIX_MOST", 5)
    out = "".join(report._matrix_section(export, "zh"))
    remote = export.package.districts[export.package.districts["ring"] == "remote_suburb"]
    total = len(export.session.problem.districts)
    assert f"矩阵只列远郊的 {len(remote)} 个区县" in out and f"共 {total} 个区县" in out
    matrix = re.search(r"<svg .*?</svg>", out, flags=re.S).group(0)
    assert all(f">{n}</text>" in matrix for n in remote["district_name"])
    assert ">黄浦区</text>" not in matrix  # a central district is left out


def test_a_name_with_control_characters_cannot_abort_the_chart_renderer():
    """vl-convert aborts the whole process (the server, in the app) on a control character in a
    string: every string is made writable first. Run in a child, so a regression fails this test
    and not the test run."""
    import sys

    code = ("import pandas as pd; from geodata.report_figures import population_chart as c; "
            "svg = c(pd.DataFrame({'name': pd.Series(['甲\\x01区', '乙\\x00\\x1b区', '丁\\t区'], dtype=object), 'population': [1.0, 2.0, 3.0], "
            "'fill': ['#ffffff'] * 3}), band=(1.0, 5.0), target=2.0, labels={'population': '人口\\x02'}); "
            "print('甲区' in svg and '乙区' in svg and '人口' in svg)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr[-500:]
