"""How good the grids are (issue 15): every district's result says whether it is proved optimal
or within x % of the best possible, from the solver's bound, on the grid page, in ``ylt
propose``'s files, in the filing export's metadata (only for the proposal it was measured on) and
in the PDF report."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, write_two_leads_world
from geodata.export import percent_within, quality_block, quality_rows, quality_summary
from planning.grids import DistrictQuality

INF = math.inf
NAN = math.nan


def q(method="exact", *, grids=3, units=20, target=1.25, balance=1.2, balance_bound=1.0, access_km=2.0,
      access_bound_km=2.0, gap=0.0, proved=True) -> DistrictQuality:
    return DistrictQuality(method=method, grids=grids, units=units, target=target, balance=balance,
                           balance_bound=balance_bound, access_km=access_km, access_bound_km=access_bound_km, gap=gap,
                           proved=proved, seconds=0.5)


CASES = {  # district code -> (quality, status, zh verdict, en verdict)
    "01": (q("single", grids=1, balance=1.0), "single", "仅一个网格", "one grid"),
    "02": (q(), "proved", "已证明最优", "proved optimal"),
    "03": (q(gap=0.0832, access_bound_km=1.8336, proved=False), "bounded",
           "均衡达到目标，就医距离距最优不超过 8.4%", "balance within the target, access within 8.4% of the best possible"),
    "04": (q(balance=1.4, balance_bound=1.4, gap=0.02, proved=False), "bounded",
           "均衡已证明最优，就医距离距最优不超过 2.0%", "balance proved best, access within 2.0% of the best possible"),
    "05": (q(balance=1.4, balance_bound=1.3, gap=0.1, proved=False), "bounded",
           "均衡距最优不超过 7.7%，就医距离距最优不超过 10.0%",
           "balance within 7.7% of the best possible, access within 10.0% of the best possible"),
    "06": (q(balance=1.31, balance_bound=NAN, gap=0.105017, proved=False), "bounded",
           "均衡未证明，就医距离距最优不超过 10.6%", "balance not proved, access within 10.6% of the best possible"),
    "07": (q(balance=1.31, balance_bound=NAN, gap=0.0, proved=False), "bounded",
           "均衡未证明，就医距离已证明最优", "balance not proved, access proved best"),
    "08": (q("heuristic", balance_bound=NAN, gap=0.159, proved=False), "heuristic",
           "启发式：就医距离距下界不超过 15.9%（未证明）", "heuristic: access within 15.9% of a lower bound (not proved)"),
    "09": (q("heuristic", balance_bound=NAN, proved=True), "proved", "已证明最优", "proved optimal"),
}


def test_every_kind_of_result_gets_its_verdict_in_both_languages():
    quality = {code: case[0] for code, case in CASES.items()}
    rows = quality_rows(quality, {"06": "浦东新区"})
    assert [r["district_code"] for r in rows] == sorted(CASES)  # in code order
    for row in rows:
        _, status, zh, en = CASES[row["district_code"]]
        assert (row["status"], row["verdict"]) == (status, {"zh": zh, "en": en}), row["district_code"]
    pudong = rows[5]
    assert pudong["district_name"] == "浦东新区" and rows[0]["district_name"] == "01"  # a name, else the code
    assert pudong["balance_bound"] is None and pudong["balance_gap"] is None and not pudong["balance_met"]
    assert pudong["gap"] == 0.105017 and pudong["access_km"] == 2.0 and pudong["target"] == 1.25
    assert "seconds" not in pudong  # same proposal, same bytes
    json.dumps(rows, allow_nan=False)  # nothing a JSON reader cannot take


def test_a_county_with_one_alliance_access_only_and_the_models_ratio_precision():
    rows = quality_rows({"C": q("single", grids=1, balance=1.0), "D": q(target=INF, balance=3.0, balance_bound=NAN),
                         "E": q(balance=1.2500954, balance_bound=NAN)}, {}, counties=["C"])
    assert rows[0]["verdict"] == {"zh": "仅一个医共体", "en": "one county alliance"}
    assert rows[1]["target"] is None and rows[1]["balance_met"]  # access only: no balance target to miss
    assert rows[2]["balance_met"] and rows[2]["balance_gap"] == 0.0  # 1.25009 is 1.25 in the model's steps


def test_within_x_percent_is_rounded_up_so_it_holds():
    assert percent_within(0.105017) == "10.6%" and percent_within(0.1) == "10.0%" and percent_within(0.0832) == "8.4%"
    assert percent_within(0.000015) == "0.01%" and percent_within(0.001) == "0.10%" and percent_within(0.00999) == "1.00%"
    assert percent_within(0.0) == "0.00%" and percent_within(-1e-9) == "0.00%"


def test_the_summary_counts_the_proved_and_names_the_others_furthest_first():
    quality = {code: case[0] for code, case in CASES.items()}
    rows = quality_rows(quality, {"06": "浦东新区", "08": "青浦区"})
    zh = quality_summary(rows, "zh")
    assert zh.startswith("9 个区县中 3 个已证明最优（其中 1 个仅一个网格）；青浦区：启发式：就医距离距下界不超过 15.9%（未证明）；"
                         "浦东新区：均衡未证明，就医距离距最优不超过 10.6%；")
    assert zh.endswith("等 3 个区县")
    en = quality_summary(rows, "en", items=1)
    assert en == ("3 of 9 districts proved optimal (1 of them with one grid); 青浦区: heuristic: access within 15.9% of a "
                  "lower bound (not proved); and 5 more")
    assert quality_summary(rows, "zh", items=None) == "9 个区县中 3 个已证明最优（其中 1 个仅一个网格）"
    proved = quality_rows({"A": q(), "B": q()}, {})
    assert quality_summary(proved, "zh") == "2 个区县均已证明最优" and quality_summary(proved, "en") == \
        "all 2 districts proved optimal"
    assert quality_summary([], "zh") == ""
    block = quality_block(rows)
    assert (block["districts"], block["proved"], block["not_proved"]) == (9, 3, ["03", "04", "05", "06", "07", "08"])
    assert block["summary"]["zh"] == zh and block["rows"] == rows


# --- from real proposals -------------------------------------------------------------------------

def _session(exact_units: int, seconds: float = 10.0):
    from geodata.synth import lattice_package
    from planning.session import PlanningSession

    package = lattice_package(64, 4, seed=4)
    return PlanningSession(package, replace(package.config, grid_exact_units=exact_units, grid_exact_seconds=seconds))


def test_a_district_the_exact_solver_could_not_prove_in_time_says_how_far_from_the_best_it_may_be():
    """64 cells in 4 grids with 0.3 s of deterministic time: the exact solver's plan, its bound,
    not proved; with the exact solver off, the heuristic's own lower bound."""
    session = _session(100, 0.3)
    (row,) = quality_rows(session.propose_grids().quality, session.world.district_names)
    assert row["method"] == "exact" and row["status"] == "bounded" and not row["proved"]
    assert 0 < row["gap"] < 0.5 and row["access_bound_km"] < row["access_km"]
    assert row["verdict"]["zh"].endswith(f"就医距离距最优不超过 {percent_within(row['gap'])}")
    session = _session(0)
    (row,) = quality_rows(session.propose_grids().quality, session.world.district_names)
    assert row["status"] == "heuristic" and row["verdict"]["en"].startswith("heuristic: access within ")
    assert row["verdict"]["en"].endswith("of a lower bound (not proved)")


# --- the grid page -------------------------------------------------------------------------------

@pytest.fixture
def two_leads(tmp_path, monkeypatch) -> str:
    """The small world with a second hospital that may lead in 甲区 (900001), uploaded."""
    from geodata.store import save_upload

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    world = write_two_leads_world(tmp_path / "w")
    return save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])


@pytest.mark.parametrize("lang, words", [
    ("zh", {"title": "求解质量", "summary": "2 个区县均已证明最优（其中 1 个仅一个网格）", "district": "区县",
            "code": "代码", "verdict": "结论", "proved": "✓ 已证明最优", "single": "✓ 仅一个网格", "method": "精确求解"}),
    ("en", {"title": "How good the grids are", "summary": "all 2 districts proved optimal (1 of them with one grid)",
            "district": "District", "code": "Code", "verdict": "Verdict", "proved": "✓ proved optimal",
            "single": "✓ one grid", "method": "exact"}),
])
def test_the_grid_page_shows_how_good_each_districts_grids_are(two_leads, lang, words):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["data"] = two_leads
    at.query_params["lang"] = lang
    at.query_params["grid"] = "counts:900001=2"
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    assert "ID" in at.dataframe[0].value.columns  # the rules' table stays the first
    headings = [s.value for s in at.subheader]
    assert words["title"] in headings
    assert any(c.value.replace("\\", "") == words["summary"] for c in at.caption)
    table = next(d for d in at.dataframe if "verdict" in d.value.columns)
    frame = table.value
    assert list(frame.columns[:2]) == ["district_name", "district_code"]  # names before codes
    assert frame["district_name"].tolist() == ["甲区", "乙区"] and frame["verdict"].tolist() == [words["proved"], words["single"]]
    assert frame["method"].tolist()[0] == words["method"] and frame["grids"].tolist() == [2, 1]
    labels = {k: v.get("label") for k, v in json.loads(table.proto.columns).items()}
    assert labels["district_name"] == words["district"] and labels["district_code"] == words["code"]
    assert labels["verdict"] == words["verdict"]


def test_the_page_table_marks_the_proved_and_says_unknown_for_a_bound_not_known():
    from ui.solve_quality import quality_frame

    rows = quality_rows({"310115": CASES["06"][0], "310101": CASES["02"][0]}, {"310115": "浦东新区", "310101": "黄浦区"})
    frame = quality_frame(rows, "zh")
    assert list(frame.columns[:3]) == ["district_name", "district_code", "verdict"]
    assert frame.to_dict(orient="records") == [
        {"district_name": "黄浦区", "district_code": "310101", "verdict": "✓ 已证明最优", "method": "精确求解", "units": 20,
         "grids": 3, "balance": 1.2, "balance_bound": "1.000", "balance_met": "是", "access_km": 2.0, "access_bound_km": 2.0},
        {"district_name": "浦东新区", "district_code": "310115", "verdict": "均衡未证明，就医距离距最优不超过 10.6%",
         "method": "精确求解", "units": 20, "grids": 3, "balance": 1.31, "balance_bound": "未知", "balance_met": "否",
         "access_km": 2.0, "access_bound_km": 2.0}]
    assert quality_frame(rows, "en")["balance_bound"].tolist() == ["1.000", "unknown"]


# --- the filing export and the PDF report ---------------------------------------------------------

@pytest.fixture(scope="module")
def bounded():
    """A proposal with a district not proved (the lattice of 64 cells, 0.3 s), its quality rows."""
    session = _session(100, 0.3)
    proposal = session.propose()
    return session, proposal, quality_rows(proposal.grids.quality, session.world.district_names)


def test_the_filing_carries_the_quality_of_the_proposal_and_nothing_for_a_plan_alone(tmp_path):
    import pyogrio

    from geodata.filing import build, sheets, write
    from geodata.package import load_package
    from planning.session import PlanningSession

    package = load_package(write_two_leads_world(tmp_path / "w"))
    session = PlanningSession(package, replace(package.config, grid_counts={"900001": 2}))
    proposal = session.propose()
    rows = quality_rows(proposal.grids.quality, session.world.district_names)
    assert [r["status"] for r in rows] == ["proved", "single"]
    export = build(session, proposal.plan, {"plan_id": "q1", "plan_name": "质量", "version": 1}, quality=rows)
    assert export.meta["quality"] == rows and export.collection["metadata"]["quality"] == rows
    checks = json.loads(write(export, "checks", tmp_path / "c.json").read_text(encoding="utf-8"))
    assert checks["quality"]["rows"] == rows and checks["quality"]["proved"] == 2
    gpkg = write(export, "gpkg", tmp_path / "p.gpkg")
    assert json.loads(pyogrio.read_info(gpkg, layer="grids")["dataset_metadata"]["quality"]) == rows
    sheet = sheets(export)["求解质量 quality"]
    assert sheet["verdict_zh"].tolist() == ["已证明最优", "仅一个网格"] and sheet["district_code"].tolist() == ["900001", "900002"]
    plain = build(session, proposal.plan, {"plan_id": "q1", "plan_name": "质量", "version": 1})
    assert "quality" not in plain.meta and "quality" not in plain.collection["metadata"]
    assert "quality" not in json.loads(write(plain, "checks", tmp_path / "c2.json").read_text(encoding="utf-8"))
    assert "求解质量 quality" not in sheets(plain)


def test_recorded_quality_fits_only_the_untouched_proposal_under_its_settings(bounded):
    from geodata.export import grid_settings
    from geodata.filing import quality_fits

    session, proposal, rows = bounded
    settings = json.loads(json.dumps(grid_settings(session.config)))  # as metrics.json holds them
    plan = proposal.plan
    assert quality_fits(session, plan, rows, settings)
    assert not quality_fits(session, plan, rows, {**settings, "grid_balance_target": 1.1})
    assert not quality_fits(session, plan, [], settings)
    grids = [g.grid_id for g in plan.grids]
    unit = next(u for u, g in sorted(plan.assignment.items()) if g == grids[0])
    edited = plan.reassign({unit: grids[1]})
    assert not quality_fits(session, edited, rows, settings)


def test_the_pdf_report_shows_the_settings_and_the_quality_table(bounded, tmp_path):
    from geodata.filing import build, write
    from geodata.report import report_html

    session, proposal, rows = bounded
    export = build(session, proposal.plan, {"plan_id": "q1", "plan_name": "质量", "version": 1}, quality=rows)
    html = report_html(export)
    assert "<th class='k'>网格设置</th><td>人口最大/最小比 ≤ 1.25；" in html
    assert "求解质量" in html and rows[0]["verdict"]["zh"] in html and "1 个区县中 0 个已证明最优" in html
    assert "Grid settings" in report_html(export, "en") and rows[0]["verdict"]["en"] in report_html(export, "en")
    plain = build(session, proposal.plan, {"plan_id": "q1", "plan_name": "质量", "version": 1})
    assert "网格设置" in report_html(plain) and "求解质量" not in report_html(plain)
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = write(export, "pdf", tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    cover, quality = text.split("\f")[:2]
    assert "网格设置" in cover and "人口最大/最小比" in cover and "求解质量   1 个区县中 0 个已证明最优" in cover
    assert quality.lstrip().startswith("求解质量") and "就医距离距最优不超过" in quality  # a page of its own
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])  # embedded
