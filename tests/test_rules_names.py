"""Names before codes in the rules' messages and fixes (issue 18, "messages and logs speak in
codes"), on the embedded Shanghai package: every unit, hospital, district and grid a message or
a fix names is shown as its name, then its code in brackets (``planning.labels``); the data
(``checks.json``'s parameters, the place) keeps the codes.

The broken plan: the optimiser's plan with the unit of a community health centre left out of
every grid (G1, G4), a unit of Qingpu moved into a grid of Songjiang (G2, G4, G6), a grid of
Qingpu led by the lead of another Qingpu grid (G3), judged under a band no grid fits (G6)."""

from __future__ import annotations

import re

import pytest

from geodata.default import load_default
from planning.labels import Labels, code_of, named
from planning.plan import Grid, Plan
from planning.rules import grid_rules
from planning.session import PlanningSession
from planning.verdict import Verdict
from texts import Text

QINGPU, SONGJIANG = "310118", "310117"
OPEN = {"zh": "（", "en": " ("}


@pytest.fixture(scope="module")
def shanghai():
    session = PlanningSession(load_default())
    return session, session.propose_grids().plan


@pytest.fixture(scope="module")
def broken(shanghai):
    session, plan = shanghai
    world = session.world
    chc_unit = str(world.unit_codes[int(world.member_unit[0])])
    qingpu = [g for g in plan.grids if g.district_code == QINGPU]
    songjiang = next(g for g in plan.grids if g.district_code == SONGJIANG)
    lead_units = {str(world.unit_codes[u]) for u in world.lead_unit if u >= 0}
    moved = next(u for u in sorted(plan.units_of(qingpu[0].grid_id)) if u not in lead_units)
    grids = tuple(Grid(g.grid_id, g.district_code, qingpu[0].lead_facility_code) if g.grid_id == qingpu[1].grid_id else g
                  for g in plan.grids)
    bad = Plan({u: g for u, g in plan.assignment.items() if u != chc_unit}, grids).reassign({moved: songjiang.grid_id})
    found = [(rule, rule(world, bad)) for rule in grid_rules(band=(1000, 100_000))]
    return world, Verdict.of(found), {"chc_unit": chc_unit, "moved": moved}


def _names(world) -> dict[str, str]:
    """Every code a message may name -> the text that must come right before it."""
    labels = Labels(world)
    names = {**labels.units, **labels.facilities, **labels.districts}
    return {code: name for code, name in names.items() if name and name != code}


def bare_codes(text: str, lang: str, wanted: dict[str, str]) -> list[str]:
    """The codes of ``wanted`` (code -> the text that must come right before it) in ``text`` not
    right after their name and an opening bracket."""
    bare = []
    for code, name in wanted.items():
        for hit in re.finditer(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
            if not text[:hit.start()].endswith(name + OPEN[lang]):
                bare.append(code)
    return bare


def _bare_codes(text: str, lang: str, world, grid_ids) -> list[str]:
    """The world's codes and the grids ``grid_ids`` in ``text`` not named first."""
    labels = Labels(world)
    grids = {g: labels.grid(g).render(lang).rsplit(OPEN[lang], 1)[0] for g in grid_ids}
    return bare_codes(text, lang, {**_names(world), **grids})


def test_the_broken_plan_breaks_every_grid_rule(broken):
    world, verdict, _ = broken
    assert [r.id for r in verdict.rules] == ["G1", "G2", "G3", "G4", "G5", "G6"]
    codes = {v.what.code for v in verdict.violations}
    assert {"rule.G1.unassigned", "rule.G2.other_district", "rule.G3.two_grids", "rule.G4.no_grid",
            "rule.G4.other_district", "rule.G6.not_contiguous", "rule.G6.above_band", "rule.G6.too_few_grids"} <= codes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_and_fix_names_places_by_name_then_code(broken, lang):
    world, verdict, _ = broken
    grid_ids = {g for v in verdict.violations for g in v.place.grids}
    assert _bare_codes("单元 310118001 与 310118-G02", lang, world, {"310118-G02"}) == ["310118001", "310118-G02"]
    for v in verdict.violations:
        for text in (v.message(lang), v.fix(lang)):
            assert _bare_codes(text, lang, world, grid_ids) == [], text


def test_the_issue_s_examples_read_name_first(broken):
    """"G6 · 310118-G02 … (310118001)" and "牵头医院: 310118-DH04" were the issue's examples."""
    world, verdict, places = broken
    labels = Labels(world)
    assert labels.grid("310118-G02").render("zh") == "青浦区 第2网格（310118-G02）"
    assert labels.grid("310118-G02").render("en") == "青浦区 grid 2 (310118-G02)"
    assert labels.unit("310118001").render("zh") == "青浦镇01（310118001）"
    assert labels.facility("310118-DH04").render("zh") == "青浦区区域医疗中心4（310118-DH04）"
    assert labels.district(QINGPU).render("en") == "青浦区 (310118)"
    moved = labels.unit(places["moved"]).render("zh")
    g2 = next(v for v in verdict.violations if v.what.code == "rule.G2.other_district")
    assert g2.message("zh").startswith("青浦区（310118）的单元 " + moved) and moved in g2.fix("zh")
    g1 = verdict.rule("G1").errors[0]
    assert labels.unit(places["chc_unit"]).render("zh") in g1.message("zh")


def test_data_keeps_the_codes(broken):
    """checks.json's parameters and every place stay codes: a label is its code as data."""
    world, verdict, places = broken
    g1 = verdict.rule("G1").errors[0].as_dict()
    assert g1["params"]["examples"] == [places["chc_unit"]] and g1["place"]["units"] == [places["chc_unit"]]
    g2 = next(v for v in verdict.violations if v.what.code == "rule.G2.other_district").as_dict()
    assert g2["params"]["unit"] == places["moved"] and g2["params"]["district"] == QINGPU
    assert re.fullmatch(rf"{SONGJIANG}-G\d\d", g2["params"]["grid"])
    assert "青浦镇" in g2["message"]["zh"] and "青浦区" in g2["fix"]["en"]


def test_a_place_without_a_name_is_its_code():
    assert named("", "A-0101") == "A-0101" and named("A", "A") == "A" and named(None, "X") == "X"
    label = named("青浦镇01", "310118001")
    assert isinstance(label, Text) and code_of(label) == "310118001" and code_of("A-0101") == "A-0101"


def test_a_grid_id_of_another_form_keeps_its_district(shanghai):
    session, _ = shanghai
    labels = Labels(session.world)
    assert labels.grid("北片", QINGPU).render("zh") == "青浦区 网格（北片）"
    assert labels.grid("北片") == "北片"  # no district known: the id alone
    assert labels.grid("999999-G01") == "999999-G01"
    assert labels.any("310118-G03").render("zh") == "青浦区 第3网格（310118-G03）"
    assert labels.any(QINGPU).render("zh") == "青浦区（310118）"


def test_the_edit_log_names_places_too(shanghai):
    """The history's details (ui.editlog, ui.i18n.detail): units, grids, hospitals and districts by
    name, then code; a plan's name and numbers as they are."""
    from ui.editlog import labeller, log_frame

    session, _ = shanghai
    entries = [{"version": 1, "author": "", "at": "2026-12-02T03:00:00+00:00", "action": "create", "detail": {"name": "方案"}},
               {"version": 2, "author": "张三", "at": "2026-12-02T03:05:00+00:00", "action": "assign",
                "detail": {"grid": "310118-G02", "units": ["310118001"], "n": 1, "lock": True}},
               {"version": 3, "author": "张三", "at": "2026-12-02T03:06:00+00:00", "action": "lead",
                "detail": {"grid": "310118-G02", "lead": "310118-DH04"}},
               {"version": 4, "author": "张三", "at": "2026-12-02T03:07:00+00:00", "action": "repropose",
                "detail": {"scope": QINGPU}}]
    zh = log_frame(entries, "zh", labeller(session.world, "zh"))
    assert list(zh["版本"]) == [4, 3, 2, 1]  # newest first
    details = list(zh["内容"])
    assert details[2] == "网格: 青浦区 第2网格（310118-G02）；单元: 青浦镇01（310118001）；数量: 1；锁定: 是"
    assert details[1] == "网格: 青浦区 第2网格（310118-G02）；牵头医院: 青浦区区域医疗中心4（310118-DH04）"
    assert details[0] == "范围: 青浦区（310118）" and details[3] == "名称: 方案"
    en = log_frame(entries, "en", labeller(session.world, "en"))
    assert list(en["Detail"])[2] == "grid: 青浦区 grid 2 (310118-G02); units: 青浦镇01 (310118001); n: 1; lock: yes"


def test_a_grid_s_label_is_not_preceded_by_the_word_grid(broken):
    """网格 青浦区 第2网格（310118-G02） said 网格 twice: the label carries the word. (G3's English
    "outside grid …" stays as other tests quote it.)"""
    world, verdict, _ = broken
    labels = Labels(world)
    grids = {g for v in verdict.violations for g in v.place.grids}
    for v in verdict.violations:
        for lang, word in (("zh", "网格 "), ("en", "grid ")):
            for text in (v.message(lang), v.fix(lang)):
                doubled = [g for g in grids if word + labels.grid(g).render(lang) in text]
                assert doubled == [] or (lang, v.what.code) == ("en", "rule.G3.lead_outside"), text
