"""The plan's history as a list to click (issue 18), in a real browser (chromium, network blocked).

The edit log of a plan with four versions is drawn as the workspace draws it for a planner
(``ui.editlog.log`` with ``editing_as``), by a small page of its own (``HARNESS``; the
workspace's own page passes the same arguments). A click on the row of version 2 offers to
return to it; the return saves version 2's content as version 5, says so and that the versions
after it are kept, and versions 3 and 4 are still there. The log names places by name first:
青浦镇10（310118010）, 青浦区 第2网格（310118-G02）. Screenshots go to ``tests/output/``.
"""

from __future__ import annotations

import re

import pytest

from geodata.default import load_default
from geodata.plans import PlanStore
from planning.labels import Labels
from planning.plan import Plan, plan_to_dict
from planning.session import PlanningSession

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

QINGPU, SONGJIANG = "310118", "310117"
HARNESS = '''
import os
from pathlib import Path

import streamlit as st

from geodata.default import load_default
from geodata.plans import PlanStore
from planning.session import PlanningSession
from ui import editlog, editor

st.set_page_config(layout="wide")


@st.cache_resource
def session():
    return PlanningSession(load_default())


store = PlanStore(Path(os.environ["YLT_DATA_DIR"]) / "plans.sqlite")
plan_id, lang = st.query_params["plan"], st.query_params.get("lang", "zh")
working = editor.open_plan(store, plan_id)
if st.query_params.get("view") == "rules":  # the rules panel as every page draws it
    from ui.verdict_panel import rules_table, violation_notices

    verdict = session().judge(working.plan)
    rules_table(verdict, lang)
    violation_notices(verdict, lang)
    st.stop()
editor.show(store, plan_id, lang)
st.caption(f"working version {st.session_state[editor.KEY].version}")
editlog.log(store, plan_id, lang, world=session().world, editing_as="王规划")
'''


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The harness running on a store with one plan of four versions: (app, plan id, store, names)."""
    from browsing import running_app

    folder = tmp_path_factory.mktemp("history")
    session = PlanningSession(load_default())
    plan = session.propose_grids().plan
    store = PlanStore(folder / "data" / "plans.sqlite")
    plan_id = store.create("历史测试", "default", plan_to_dict(plan), author="张三")
    qingpu = [g.grid_id for g in plan.grids if g.district_code == QINGPU]
    unit = sorted(plan.units_of(qingpu[0]))[-1]
    moved = plan.reassign({unit: qingpu[1]})
    store.save(plan_id, plan_to_dict(moved), expected_version=1, author="张三", action="assign",
               detail={"grid": qingpu[1], "units": [unit], "n": 1, "lock": True})
    store.save(plan_id, plan_to_dict(moved.lock([unit])), expected_version=2, author="李四", action="lock",
               detail={"units": [unit], "n": 1})
    store.save(plan_id, plan_to_dict(moved.lock([unit]).with_note("说明")), expected_version=3, author="李四",
               action="note", detail={"n": 2})
    labels = Labels(session.world)
    names = {"unit": labels.unit(unit).render("zh"), "grid": labels.grid(qingpu[1]).render("zh")}
    broken_id = store.create("有错误的方案", "default", plan_to_dict(_broken(session, plan)), author="张三")
    (folder / "history_app.py").write_text(HARNESS, encoding="utf-8")
    with running_app(folder, script=folder / "history_app.py") as app:
        yield app, plan_id, store, names, broken_id


def _broken(session, plan: Plan) -> Plan:
    """``plan`` with a community health centre's unit in no grid (G1, G4 errors) and a unit of
    Qingpu in a grid of Songjiang (G2 and G6 errors, a G4 warning for its health centre)."""
    world = session.world
    chc_unit = str(world.unit_codes[int(world.member_unit[0])])
    qingpu = next(g.grid_id for g in plan.grids if g.district_code == QINGPU)
    songjiang = next(g.grid_id for g in plan.grids if g.district_code == SONGJIANG)
    thc_units = {str(world.unit_codes[u]) for u in world.member_unit if u >= 0}
    lead_units = {str(world.unit_codes[u]) for u in world.lead_unit if u >= 0}
    moved = next(u for u in sorted(plan.units_of(qingpu)) if u in thc_units and u not in lead_units)
    return Plan({u: g for u, g in plan.assignment.items() if u != chc_unit}, plan.grids,
                pairings=plan.pairings).reassign({moved: songjiang})


def _row(pg, n: int) -> tuple[float, float]:
    """Where row ``n`` (0: the newest version) of the log is drawn (a canvas: by position)."""
    box = pg.locator('[data-testid="stDataFrame"]').first.bounding_box()
    return box["x"] + box["width"] * 0.75, box["y"] + 35 * (n + 1) + 17


def test_a_click_on_a_version_returns_to_it_as_a_new_version_and_keeps_the_later_ones(browser, history, output_dir):
    app, plan_id, store, names, _ = history
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    outside: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((app["url"], "ws://127.0.0.1", "data:"))
                  else (outside.append(r.request.url), r.abort()))
    pg = context.new_page()
    try:
        pg.goto(f"{app['url']}/?plan={plan_id}")
        pg.get_by_text("working version 4").wait_for(timeout=120_000)
        table = pg.locator('[data-testid="stDataFrame"] table').first
        table.wait_for(state="attached")
        shown = table.text_content()
        assert names["unit"] in shown and names["grid"] in shown  # names first, codes second
        assert pg.get_by_text("点击某一版本所在的行").count() == 1
        pg.mouse.click(*_row(pg, 2))  # version 2 (the newest, 4, is row 0)
        button = pg.get_by_role("button", name="回到第 2 版")
        button.wait_for(timeout=30_000)
        pg.get_by_text("第 2 版的内容将另存为第 5 版；其后的 2 个版本都保留在记录中").wait_for()
        pg.screenshot(path=str(output_dir / "browser_history_offer.png"))
        button.click()
        pg.get_by_text("已回到第 2 版：其内容已另存为第 5 版；其后的 2 个版本都保留在记录中。").wait_for(timeout=30_000)
        pg.get_by_text("working version 5").wait_for()
        pg.wait_for_timeout(500)
        assert "回到旧版本" in pg.locator('[data-testid="stDataFrame"] table').first.text_content()
        pg.screenshot(path=str(output_dir / "browser_history_returned.png"))
        pg.mouse.click(*_row(pg, 0))  # the newest row is the current version: nothing to return to
        pg.get_by_text("第 5 版就是当前版本。").wait_for(timeout=30_000)
    finally:
        context.close()
    assert outside == [], f"requests left the machine: {outside}"
    log = store.history(plan_id)
    assert [e["version"] for e in log] == [1, 2, 3, 4, 5]
    assert log[-1]["action"] == "revert" and log[-1]["detail"] == {"restores": 2} and log[-1]["author"] == "王规划"
    assert store.load(plan_id, 5)[1] == store.load(plan_id, 2)[1]
    assert store.load(plan_id, 4)[1] != store.load(plan_id, 2)[1]  # the later versions are still there, unchanged
    assert store.load(plan_id, 3)[1]["locked"] == store.load(plan_id, 4)[1]["locked"]


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_rules_panel_lists_g4_and_speaks_in_names_in_the_alert_colours(browser, history, output_dir):
    """Issue 18: the rules table has a row for every checked rule, G4 among them with its counts;
    each violation below it names places by name first; an error row and an error box share one
    colour, a warning row and a warning box another."""
    from ui.verdict_panel import SEVERITY_COLOURS

    app, _, _, _, broken_id = history
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((app["url"], "ws://127.0.0.1", "data:"))
                  else r.abort())
    pg = context.new_page()
    try:
        pg.goto(f"{app['url']}/?plan={broken_id}&view=rules")
        alerts = pg.locator('[data-testid="stAlertContainer"]')
        alerts.first.wait_for(timeout=120_000)
        table = pg.locator('[data-testid="stDataFrame"] table').first
        table.wait_for(state="attached")
        cells = table.text_content()
        for rule in ("G1", "G2", "G3", "G4", "G5", "G6", "P1", "P2", "P4", "P6", "P7", "P8"):
            assert rule in cells
        assert "基层机构均入网格" in cells and "未通过" in cells
        ids = [c.strip() for c in table.locator("td").all_text_contents() if re.fullmatch(r"[GP]\d", c.strip())]
        assert ids[:4] == ["G1", "G2", "G4", "G6"]  # the broken rules first, in rule order (G4 has a warning too)
        texts = alerts.all_inner_texts()
        g4 = [t for t in texts if t.startswith("G4 · ")]
        assert len(g4) == 2 and all("社区卫生服务中心（" in t or "卫生院（" in t for t in g4)
        assert any(t.startswith("G2 · 青浦区（310118）的单元 青浦镇") for t in texts)
        assert not any(t.startswith(("G2 · 3101", "G6 · 3101")) for t in texts)  # no code first
        colours = alerts.evaluate_all("els => els.map(e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor])")
        box = pg.locator('[data-testid="stDataFrame"]').first.bounding_box()
        shot = output_dir / "browser_rules_panel_names.png"
        pg.screenshot(path=str(shot))
    finally:
        context.close()
    expected = {severity: [_rgb(text), _rgb(background)] for severity, (text, background) in SEVERITY_COLOURS.items()}
    assert {tuple(c) for c in colours} == {tuple(expected["error"]), tuple(expected["warning"])}
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    first_row = image.getpixel((int(box["x"] + box["width"] * 0.5), int(box["y"] + 35 + 17)))  # G1: an error
    last_row = image.getpixel((int(box["x"] + box["width"] * 0.5), int(box["y"] + 35 * 12 + 17)))  # P8: passed
    assert _rgb("#%02x%02x%02x" % first_row) == expected["error"][1] and last_row == (255, 255, 255)
