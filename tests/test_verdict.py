"""One meaning of pass, everywhere: the CLI's checks.json, the app's rules table and the PDF report
agree rule by rule on the same plan, which has an error (G1) and a warning (G6, out of the band).

The plan: the default proposal with two grids of one district merged (more residents than the
band allows: a G6 warning, so G6 still passes) and one unit left out of every grid (a G1 error,
so G1 fails)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geodata.default import load_default
from geodata.filing import build, write
from geodata.plans import PlanStore
from planning.plan import Plan, plan_to_dict
from planning.session import PlanningSession
from texts import CATALOGUE


@pytest.fixture(scope="module")
def case():
    session = PlanningSession(load_default())
    plan = session.propose().plan
    hi = session.band[1]
    sizes = session.metrics(plan).set_index("grid_id")["population"]
    by_district: dict[str, list[str]] = {}
    for g in plan.grids:
        by_district.setdefault(g.district_code, []).append(g.grid_id)
    first, second = next((a, b) for ids in by_district.values() for a, b in zip(ids, ids[1:])
                         if sizes[a] + sizes[b] > hi)
    merged = plan.reassign({u: first for u in plan.units_of(second)}).without_empty_grids()
    left_out = sorted(merged.units_of(first))[-1]
    lead_unit = {str(c): str(session.world.unit_codes[u]) for c, u in zip(session.world.lead_codes, session.world.lead_unit)}
    assert left_out not in lead_unit.values()
    broken = Plan({u: g for u, g in merged.assignment.items() if u != left_out}, merged.grids, name="有错误和警告的方案",
                  pairings=merged.pairings)
    verdict = session.judge(broken)
    expected = {r.id: (r.passed, len(r.errors), len(r.warnings)) for r in verdict.rules}
    assert expected["G1"] == (False, 1, 0) and expected["G6"][0] and expected["G6"][2] >= 1
    return session, broken, verdict, expected


def test_cli_checks_json_agrees_with_the_session(case, tmp_path):
    session, plan, verdict, expected = case
    export = build(session, plan, {"plan_id": "p1", "plan_name": plan.name, "version": 1})
    layout = write(export, "geojson", tmp_path / "layout.geojson")
    out = tmp_path / "checks.json"
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "export", "--plan", str(layout), "--data",
                           "geodata/default", "--format", "checks", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "G1" in done.stderr and "G6" not in done.stderr  # failed: errors only
    checks = json.loads(out.read_text(encoding="utf-8"))
    got = {r["id"]: (r["passed"], len(r["errors"]), len(r["warnings"])) for r in checks["rules"]}
    assert got == expected and checks["failed"] == verdict.failed and not checks["passed"]
    assert "G1" in verdict.failed and "G6" not in verdict.failed
    (g1,) = next(r for r in checks["rules"] if r["id"] == "G1")["errors"]
    assert g1["code"] == "rule.G1.unassigned" and g1["place"]["units"] == list(verdict.rule("G1").errors[0].place.units)
    assert g1["figures"]["units"] == 1 and g1["message"]["zh"] == verdict.rule("G1").errors[0].message("zh")


def test_pdf_report_agrees_with_the_session(case, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    session, plan, _, expected = case
    export = build(session, plan, {"plan_id": "p1", "plan_name": plan.name, "version": 1})
    pdf = write(export, "pdf", tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    rows = {m[1]: (m[2] == "通过", int(m[3]), int(m[4]))
            for m in re.finditer(r"^\s*([GP]\d)\s+\S.*?\s(通过|未通过)\s+(\d+)\s+(\d+)\s*$", text, re.M)}
    assert rows == expected


def test_review_page_agrees_with_the_session(case, tmp_path, monkeypatch):
    session, plan, _, expected = case
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    store = PlanStore(tmp_path / "data" / "plans.sqlite")
    plan_id = store.create(plan.name, "default", plan_to_dict(plan), author="测试")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["plan"] = plan_id
    at.switch_page("pages/review.py").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "ID" in df.value.columns and "✓/✗" in df.value.columns)
    errors, warnings = CATALOGUE["errors"][0], CATALOGUE["warnings"][0]
    got = {r["ID"]: (r["✓/✗"] == CATALOGUE["rule_pass"][0], int(r[errors]), int(r[warnings]))
           for r in table.to_dict(orient="records")}
    assert got == expected


def test_the_rules_table_lists_broken_rules_before_the_passed_ones():
    """Violations come before the "通过 0" rows (issue 18): errors, then warnings, then passed,
    each group in rule order."""
    from streamlit.testing.v1 import AppTest

    def page():
        from planning.verdict import Place, RuleResult, Verdict, Violation
        from texts import Text
        from ui.verdict_panel import rules_table

        def broken(rule, severity):
            return Violation(rule, severity, Text("rule.G1.unassigned", {}), Text("fix.G1.unassigned", {}), Place())

        rules = (RuleResult("G1", ("rule_title.G1",), "", ()), RuleResult("G2", ("rule_title.G2.district",), "", (broken("G2", "warning"),)),
                 RuleResult("G3", ("rule_title.G3",), "", ()), RuleResult("G5", ("rule_title.G5",), "", (broken("G5", "error"),)))
        rules_table(Verdict(rules), "zh")

    at = AppTest.from_function(page).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["ID"]) == ["G5", "G2", "G1", "G3"]


# every rule id of RULES.md the engine checks (P3 is the TCM exemption inside P1 and P2, P5 a
# preference of the pairing solver; V1-V4 are not checked)
CHECKED = ["G1", "G2", "G3", "G4", "G5", "G6", "P1", "P2", "P4", "P6", "P7", "P8"]


def test_every_checked_rule_id_is_a_rules_md_id_and_in_the_verdict(case):
    session, _, verdict, _ = case
    assert sorted({r.id for r in (*session.grid_rules, *session.pairing_rules)}, key=lambda i: (i[0], int(i[1:]))) == CHECKED
    assert [r.id for r in verdict.rules] == CHECKED
    rules_md = ROOT.parent / "shared" / "policy" / "RULES.md"
    if rules_md.exists():
        defined = set(re.findall(r"\*\*([GPV]\d) ", rules_md.read_text(encoding="utf-8")))
        assert set(CHECKED) <= defined


def test_the_rules_table_has_a_row_per_checked_rule_with_its_counts(case):
    """Issue 18: "G4 is missing" from the rules list. Every checked id is a row, G4 among them
    with its error when a community health centre's unit is in no grid."""
    from ui.verdict_panel import rule_rows

    session, plan, _, _ = case
    world = session.world
    unit = str(world.unit_codes[int(world.member_unit[0])])
    verdict = session.judge(Plan({u: g for u, g in plan.assignment.items() if u != unit}, plan.grids,
                                 pairings=plan.pairings))
    rows = rule_rows(verdict, "zh")
    assert sorted(rows["ID"], key=lambda i: (i[0], int(i[1:]))) == CHECKED
    counts = {r["ID"]: (r["✓/✗"], r["错误"], r["警告"]) for r in rows.to_dict(orient="records")}
    assert counts["G4"] == ("未通过", len(verdict.rule("G4").errors), len(verdict.rule("G4").warnings))
    assert counts["G4"][1] >= 1 and counts["G1"][0] == "未通过"
    assert list(rows["ID"][:2]) == ["G1", "G4"]  # the broken rules first, in rule order


def test_rows_of_broken_rules_take_the_alert_colours():
    """An error row in st.error's colours, a warning-only row in st.warning's, a passed row plain:
    the same colours as the boxes under the table, on every page that shows a verdict."""
    import pandas as pd

    from ui.verdict_panel import SEVERITY_COLOURS, _row_style

    style = _row_style(["error", "warning", None])
    rows = pd.DataFrame({"ID": ["G1", "G6", "G2"], "n": [1, 0, 0]})
    shown = [style(row) for _, row in rows.iterrows()]
    assert shown[0] == [f"color: {SEVERITY_COLOURS['error'][0]}; background-color: {SEVERITY_COLOURS['error'][1]}"] * 2
    assert shown[1][0].startswith(f"color: {SEVERITY_COLOURS['warning'][0]}") and shown[2] == ["", ""]
    pages = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "pages").glob("*.py")}
    showing = [name for name, text in pages.items() if "rules_table(" in text]
    assert showing and all("from ui.verdict_panel import" in pages[name] for name in showing)
