"""Names before codes in the edits the engine refuses and the plans the rules cannot all allow
(issue 18): the grid, the hospital and the unit a refusal names are shown as their name, then
their code in brackets (``planning.labels``); the error's place stays the code.

On the embedded Shanghai package (青浦 310118, 松江 310117), and on a lattice for two leads
standing in one unit (which Shanghai's data does not have)."""

from __future__ import annotations

import pytest
from test_grids import lattice
from test_rules_names import OPEN, bare_codes

from geodata.default import load_default
from planning import edits
from planning.errors import EditError, InfeasiblePlanError
from planning.grids import GridSolver, choose_count
from planning.labels import Labels, named
from planning.session import PlanningSession
from planning.world import build_world

QINGPU, SONGJIANG = "310118", "310117"


@pytest.fixture(scope="module")
def shanghai():
    session = PlanningSession(load_default())
    plan = session.propose_grids().plan
    qingpu = [g for g in plan.grids if g.district_code == QINGPU]
    songjiang = [g for g in plan.grids if g.district_code == SONGJIANG]
    return session, plan, qingpu, songjiang


def _refusal(call) -> EditError | InfeasiblePlanError:
    with pytest.raises((EditError, InfeasiblePlanError)) as caught:
        call()
    return caught.value


def _named_first(exc, world, grid_ids=()) -> None:
    """Every unit, hospital and district code, and each of ``grid_ids``, comes after its name, in
    both languages."""
    labels = Labels(world)
    names = {c: n for c, n in {**labels.units, **labels.facilities, **labels.districts}.items() if n and n != c}
    for lang in ("zh", "en"):
        grids = {g: labels.grid(g).render(lang).rsplit(OPEN[lang], 1)[0] for g in grid_ids}
        assert bare_codes(exc.messages[lang], lang, {**names, **grids}) == [], exc.messages[lang]


def test_edit_refusals_name_the_grid_and_the_hospital(shanghai):
    session, plan, qingpu, songjiang = shanghai
    world, g1, g2 = session.world, qingpu[0], qingpu[1]
    lead1 = Labels(world).facility(g1.lead_facility_code).render("zh")
    lead2 = Labels(world).facility(g2.lead_facility_code).render("zh")
    assert lead2 == "青浦区区域医疗中心4（310118-DH04）"  # the "牵头医院: 310118-DH04"

    missing = _refusal(lambda: edits.assign(world, plan, [], "310118-G99"))
    assert missing.messages == {"zh": "青浦区 第99网格（310118-G99） 不存在", "en": "青浦区 grid 99 (310118-G99) does not exist"}
    other = _refusal(lambda: edits.change_lead(world, plan, session.solver, g1.grid_id, songjiang[0].lead_facility_code))
    assert other.messages["zh"] == ("松江区中心医院（310117-DH01） 不在 青浦区 第1网格（310118-G01） 所在的区，网格不跨区（G2）")
    assert other.messages["en"].startswith("松江区中心医院 (310117-DH01) is not in the district of 青浦区 grid 1 (310118-G01)")
    taken = _refusal(lambda: edits.change_lead(world, plan, session.solver, g1.grid_id, g2.lead_facility_code))
    assert taken.text.code == "edit.lead_taken_other" and taken.messages["zh"].startswith(lead2 + " 已牵头其他网格")
    leading = _refusal(lambda: edits.new_grid(world, plan, [], g1.lead_facility_code))
    assert leading.text.code == "edit.lead_taken" and leading.messages["zh"].startswith(lead1 + " 已牵头网格")
    for exc in (missing, other, taken, leading):
        _named_first(exc, world, [g1.grid_id, "310118-G99"])


def test_a_facility_that_may_not_lead_is_named_and_an_unknown_code_stays_a_code(shanghai):
    session, plan, _, _ = shanghai
    world = session.world
    chc = str(world.member_codes[0])
    refused = _refusal(lambda: edits.new_grid(world, plan, [], chc))
    name = Labels(world).facility(chc).render("zh")
    assert name.startswith(str(world.member_names[0])) and refused.messages["zh"] == f"{name} 不是可牵头网格的医院（G3）"
    unknown = _refusal(lambda: edits.new_grid(world, plan, [], "X-0000"))
    assert unknown.messages["en"] == "X-0000 is not a hospital that may lead a grid (G3)"


def test_plans_the_rules_cannot_allow_name_the_places(shanghai):
    session, plan, qingpu, _ = shanghai
    world, g1, g2 = session.world, qingpu[0], qingpu[1]
    gone = _refusal(lambda: edits.repropose(world, plan.with_lead(g1.grid_id, "H-GONE"), session.solver))
    assert gone.place == g1.grid_id and gone.rules == ("G3",)
    assert gone.messages["zh"].startswith("青浦区 第1网格（310118-G01） 的牵头医院 H-GONE 已不在数据中")
    assert gone.messages["en"].startswith("青浦区 grid 1 (310118-G01): lead hospital H-GONE is no longer in the data")
    # the lead's own unit locked into another grid (G3)
    j = list(world.lead_codes).index(g1.lead_facility_code)
    unit = str(world.unit_codes[world.lead_unit[j]])
    locked = plan.reassign({unit: g2.grid_id}).lock([unit])
    held = _refusal(lambda: edits.repropose(world, locked, session.solver, [QINGPU]))
    labels = Labels(world)
    assert held.place == unit and held.text.code == "infeasible.lead_unit_locked"
    assert held.messages["zh"] == (f"单元 {labels.unit(unit).render('zh')} 被锁定在 青浦区 第2网格（310118-G02），但它是 "
                                   f"青浦区 第1网格（310118-G01） 的牵头医院 {labels.facility(g1.lead_facility_code).render('zh')} "
                                   "的所在单元。请解锁该单元或更换牵头医院。")
    # the leads' cost asked of a plan whose lead may no longer lead
    chc = str(world.member_codes[0])
    stale = _refusal(lambda: session.free_lead_choice(plan.with_lead(g1.grid_id, chc), QINGPU))
    assert stale.place == QINGPU and labels.facility(chc).render("en") in stale.messages["en"]
    for exc in (gone, held, stale):
        _named_first(exc, world, [g1.grid_id, g2.grid_id])


def test_two_leads_in_one_unit_and_a_district_without_leads_are_named():
    world = build_world(*lattice({"A": (0, 0, 4, 4)}, leads=[("A", 0, 0), ("A", 0, 0), ("A", 3, 3)]))
    solver = GridSolver(band=(1000, 16000), counts={"A": 2})
    plan = solver.solve(world).plan
    second = next(g for g in plan.grids if g.lead_facility_code == "H2")
    shared = _refusal(lambda: solver.solve(world, previous=plan.with_lead(second.grid_id, "H0" if "H1" in
                      {g.lead_facility_code for g in plan.grids} else "H1")))
    assert shared.text.code == "infeasible.leads_share_unit" and shared.place == "A-0000"
    assert "医院0（H0）" in shared.messages["zh"] and "医院1（H1）" in shared.messages["zh"]
    assert "医院0 (H0)" in shared.messages["en"] and "unit A-0000" in shared.messages["en"]  # no name: the code
    none = _refusal(lambda: choose_count(1_000, 0, 5, band=(1_000, 5_000), place=named("青浦区", QINGPU)))
    assert none.place == QINGPU and none.messages["zh"].startswith("青浦区（310118） 没有可牵头网格的医院")
