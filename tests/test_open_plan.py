"""网格方案 and 医院结对 show the open plan (``ui.open_plan``): its grids and pairings, named with
its version, and the engine's proposal only when no plan is open or the planner asks for it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geodata.default import load_default
from geodata.plans import PlanStore
from planning.plan import Plan, plan_to_dict
from planning.session import PlanningSession
from ui.open_plan import PLAN, PROPOSAL, OpenPlan, find, shown

DISTRICT = "310118"  # 青浦区


@pytest.fixture(scope="module")
def proposal() -> Plan:
    return PlanningSession(load_default()).propose().plan


def _part_of(plan: Plan) -> Plan:
    """A plan unlike the proposal: one district's grids (the rest left out, as a stored plan may)
    and five of its pairings."""
    grids = tuple(g for g in plan.grids if g.district_code == DISTRICT)
    ids = {g.grid_id for g in grids}
    return Plan(assignment={u: g for u, g in plan.assignment.items() if g in ids}, grids=grids,
                pairings=plan.pairings[:5], name="青浦试点")


@pytest.fixture
def stored(tmp_path, monkeypatch, proposal):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    store = PlanStore(tmp_path / "data" / "plans.sqlite")
    part = _part_of(proposal)
    plan_id = store.create("青浦试点", "default", plan_to_dict(part), author="张三")
    store.save(plan_id, plan_to_dict(part), expected_version=1, author="张三", action="edit", detail={})
    return plan_id, part


def _page(path: str, plan_id: str = "") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if plan_id:
        at.query_params["plan"] = plan_id
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def test_the_choice_follows_the_open_plan_and_the_request():
    usable = OpenPlan("p1", "甲", 2, Plan(assignment={}, grids=()))
    unusable = OpenPlan("p1", "甲", 2, None, ())
    assert shown(None, PLAN) == PROPOSAL
    assert shown(usable, PLAN) == PLAN and shown(usable, PROPOSAL) == PROPOSAL
    assert shown(unusable, PLAN) == PROPOSAL  # a plan the data cannot take: the proposal, with the reason
    plans = [{"plan_id": "p1", "name": "甲"}, {"plan_id": "p2", "name": "乙"}]
    assert find(plans, "p2")["name"] == "乙" and find(plans, "p3") is None and find(plans, "") is None


def test_without_a_plan_the_pages_say_they_show_the_proposal(monkeypatch, tmp_path, proposal):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    at = _page("pages/grids.py")
    assert any("引擎建议" in c.value and "尚未打开方案" in c.value for c in at.caption)
    assert int({m.label: m.value for m in at.metric}["网格数"]) == len(proposal.grids)


def test_the_grid_page_shows_the_open_plan_and_the_proposal_on_request(stored, proposal):
    plan_id, part = stored
    at = _page("pages/grids.py", plan_id)
    assert any("青浦试点" in i.value and "第 2 版" in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["网格数"]) == len(part.grids) < len(proposal.grids)
    assert int(metrics["常住人口"].replace(",", "")) < 24_870_895  # one district's people
    at.button_group[0].set_value(PROPOSAL).run()
    assert not at.exception
    assert any("引擎建议" in w.value and "青浦试点" in w.value for w in at.warning)
    assert int({m.label: m.value for m in at.metric}["网格数"]) == len(proposal.grids)


def test_the_pairing_page_shows_the_open_plans_pairings(stored, proposal):
    plan_id, part = stored
    at = _page("pages/pairings.py", plan_id)
    assert any("青浦试点" in i.value and "第 2 版" in i.value for i in at.info)
    assert int({m.label: m.value for m in at.metric}["结对数"]) == len(part.pairings) == 5
    assert len(at.get("vega_lite_chart")) == 1  # the matrix
    assert not at.number_input  # the what-if is about the proposal: not offered under a plan
    at.button_group[0].set_value(PROPOSAL).run()
    assert int({m.label: m.value for m in at.metric}["结对数"]) == len(proposal.pairings)
    assert at.number_input  # the proposal's what-if is back


def test_a_plan_name_is_shown_as_text(tmp_path, monkeypatch, proposal):
    from ui.i18n import plain

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    name = "[x](http://e.com/a) **粗** $y$"
    plan_id = PlanStore(tmp_path / "data" / "plans.sqlite").create(name, "default", plan_to_dict(_part_of(proposal)),
                                                                   author="张三")
    at = _page("pages/grids.py", plan_id)
    assert any(plain(name) in i.value and "第 1 版" in i.value for i in at.info)


def test_a_plan_the_data_cannot_take_is_named_and_the_proposal_shown(tmp_path, monkeypatch, proposal):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    payload = plan_to_dict(_part_of(proposal))
    payload["assignment"]["NOPE001"] = payload["grids"][0]["grid_id"]  # a unit this data does not have
    plan_id = PlanStore(tmp_path / "data" / "plans.sqlite").create("旧数据方案", "default", payload, author="张三")
    at = _page("pages/pairings.py", plan_id)
    warning = next(w.value for w in at.warning if "旧数据方案" in w.value)
    assert "引擎建议" in warning and "NOPE001" in warning  # which plan, why, and what is shown instead
    assert int({m.label: m.value for m in at.metric}["结对数"]) == len(proposal.pairings)
