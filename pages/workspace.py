"""规划工作台 Planner workspace: edit grids and pairings on the map, every rule checked live.

Order of a run: the buttons' callbacks and then the map's last click or drawing edit the plan
first (``ui.editor.Actions``), and only then the tools, the map and the panels are drawn, so every
run shows the plan after its edit. Each edit is saved at once (``ui.editor``). The engine is the planning
session's (``state.session()``); the plan bar, the rules panel and the edit log are shared with the
review (``ui.planbar``, ``ui.verdict_panel``, ``ui.editlog``), the map is ``ui.workmap``, the tools
beside it ``ui.worktools``, ``ui.search`` and ``ui.undo``; the notices sit in a box of fixed height in
the tool column, so no notice moves the map.
"""

from __future__ import annotations

import sqlite3

import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from geodata.plans import PlanNotFoundError, PlanStorageError
from planning.metrics import band_deviation, summary
from planning.session import PlanningSession
from ui import access, editlog, editor, pairing_editor, planbar, search, shell, state, tables, undo, workmap, worktools
from ui.i18n import t, tp
from ui.charts import population_section
from ui.verdict_panel import rules_table, violation_notices


@st.cache_resource(show_spinner=False, max_entries=4)
def prepared(key: tuple, _session: PlanningSession) -> workmap.Prepared:
    return workmap.prepare(_session)


@st.cache_resource(show_spinner=False, max_entries=256)
def judged(key: tuple, plan_id: str, version: int, _session: PlanningSession, _plan):
    """The verdict, the pairings, the units to outline red, the figures per grid and the summary
    of one saved version. A version never changes, so every run that shows it (a click, a layer
    switched on, a second planner) reuses them; nothing here is changed by the caller."""
    pairings = _session.pairings(_plan)
    verdict = _session.judge(_plan, pairings=pairings)
    table = _session.metrics(_plan)
    table["band_deviation"] = [band_deviation(p, _session.band) for p in table["population"]]
    table["locked_units"] = [sum(1 for u in _plan.units_of(g) if u in _plan.locked) for g in table["grid_id"]]
    return verdict, pairings, _session.flagged_units(_plan, verdict), table, summary(table)


lang, L, package_id, pkg = shell.page("page_workspace", "workspace_intro")
access.require("edit", lang)  # officials review; they never reach the editing tools
try:
    store = access.plan_store()
except PlanStorageError as exc:
    st.error(planbar.storage_message(exc, lang))
    st.stop()
author = access.author()  # empty: shown as 未署名 / anonymous in the reader's language
with st.spinner(t("loading", lang)):
    session = state.session()
    ready = prepared(state.cache_key(), session)
units = ready.units
MAP_KEY = f"ws-map-{package_id}"  # the map is as high as the window allows, never under 520 px (ui.workmap)

STORAGE = (PlanStorageError, sqlite3.Error, OSError)
SCROLL = "ws_scroll_map"


def problems_of(plan_id: str) -> list:
    """What keeps the stored plan from being edited (``planning.plan.plan_problems``); none when
    the session already holds it (it was checked when it was opened)."""
    working = st.session_state.get(editor.KEY)
    if working is not None and working.plan_id == plan_id:
        return []
    return planbar.checked(session, store.load(plan_id)[1])[1]


ids = [p["plan_id"] for p in planbar.plan_list(store, package_id, lang)]
if state.plan_id() not in ids:
    state.set_plan(ids[0] if ids else "")
if ids:
    try:
        broken = problems_of(state.plan_id())
        if not broken:
            editor.open_plan(store, state.plan_id())
    except PlanNotFoundError:
        state.set_plan("")
        st.rerun()
    except STORAGE as exc:
        st.error(t("plans_unreadable", lang, why=planbar.storage_message(exc, lang)))
        st.stop()
    if broken:  # a bad stored plan: say which and why; the plan bar stays, to open or delete another
        plans = planbar.plan_list(store, package_id, lang)
        planbar.bar(session, store, package_id, plans, lang, author)
        editor.show(store, state.plan_id(), lang)
        info = next(p for p in plans if p["plan_id"] == state.plan_id())
        st.error(tp("plan_unusable", lang, name=info["name"], version=info["version"], n=len(broken)) + "\n\n"
                 + planbar.problem_list(broken, lang))
        st.stop()


# --- Edits: widget callbacks, run before the page is drawn (``ui.editor.Actions``) ----------------
act = editor.Actions(store, session, author)
event = st.session_state.get(MAP_KEY) or {}
if ids:
    act.map_event(event, units)

# --- The plan bar (after the edits above, so its labels show the latest version) -----------------
plans = planbar.plan_list(store, package_id, lang)
ids, by_id = [p["plan_id"] for p in plans], {p["plan_id"]: p for p in plans}
if state.plan_id() not in ids:  # deleted meanwhile (by someone else)
    state.set_plan(ids[0] if ids else "")
planbar.bar(session, store, package_id, plans, lang, author)
if not ids:
    with st.container():
        editor.show(store, state.plan_id(), lang)
    planbar.first_plan(session, store, package_id, lang, author)

# --- Tools: notices in a box of fixed height, so no notice moves the map -------------------------
map_col, tool_col = st.columns([7, 3], gap="medium")
with tool_col:
    notice_box = st.container(height=editor.NOTICE_HEIGHT, border=False)  # filled once the run's edit is known
    figures_box = st.container()
    plan = act.plan()
    search.box(search.entries(state.cache_key(), session, plan, units), plan, units, lang)
    worktools.mode_tools(session, plan, units, event.get("center"), lang, L)
    worktools.selection_tools(session, plan, act, lang, L)
    worktools.grid_tools(session, plan, act, lang, L)
    undo.buttons(*editor.steps(store, state.plan_id()), act.restore, lang)
    undo.keys()

# --- The plan as it now is: rules, figures, map ------------------------------------------------
working = editor.open_plan(store, state.plan_id())
plan = working.plan
verdict, pairings, flagged, table, figures = judged(state.cache_key(), state.plan_id(), working.version, session, plan)
errors, warnings = len(verdict.errors), len(verdict.warnings)

with notice_box:
    st.caption(tp("saved_as", lang, version=working.version, name=by_id[state.plan_id()]["name"])
               + (" · " + t("locked_count", lang, n=len(plan.locked)) if plan.locked else ""))
    editor.show(store, state.plan_id(), lang, unlock=act.unlock_repropose)

with figures_box:
    cols = st.columns(2)
    cols[0].metric(L["grid_count"], figures["grids"])
    cols[1].metric(L["violations_errors"], errors, delta=t("warnings_count", lang, n=warnings), delta_arrow="off",
                   delta_color="orange" if warnings else "gray")
    cols = st.columns(2)
    cols[0].metric(L["balance"], f"{figures['population_max_min_ratio']:.2f}")
    cols[1].metric(L["mean_access"], f"{figures['mean_access_km']:.1f}")

with map_col:
    show = st.session_state.get("ws_layers") or []  # the layer pills sit under the map
    layers = workmap.layers(session, plan, ready, selection=editor.selection(), flagged=flagged, pairings=pairings,
                            show=show, drops=st.session_state.get("ws_drops", 0), lang=lang, L=L)
    view = st.session_state.get("ws_view") or {}
    st_folium(workmap.base(session, ready, L, lang), key=MAP_KEY, height=workmap.MIN_HEIGHT, use_container_width=True,
              feature_group_to_add=layers, center=view.get("center"), zoom=view.get("zoom"),
              returned_objects=["last_object_clicked", "last_object_clicked_count", "all_drawings", "center"])
    st.pills(L["layers"], ["primary", "pairings", "gaps"], selection_mode="multi", key="ws_layers",
             format_func=lambda k: t(f"layer_{k}", lang))
    workmap.legend(session, show, lang, L)


def zoom_to(place) -> None:
    """Centre the map on every unit of a violation (a callback, so the map moves in this run)."""
    editor.begin()
    turn = st.session_state["ws_nudge"] = st.session_state.get("ws_nudge", 0) + 1
    codes = session.units_at(act.plan(), place)
    view = workmap.view_around(units, codes, turn)
    if view is not None:
        st.session_state["ws_view"] = view
        st.session_state[SCROLL] = turn  # the map is scrolled into view once this run has drawn it
        grid = next((act.plan().assignment.get(c) for c in codes if act.plan().assignment.get(c)), None)
        if grid:
            st.session_state[editor.LAST_GRID] = grid


def zoom_button(n: int, violation) -> None:
    if session.units_at(plan, violation.place):
        st.button(L["zoom_to"], key=f"ws_zoom_{n}", on_click=zoom_to, args=(violation.place,), width="stretch")


tabs = st.tabs([t("rules_tab", lang, errors=errors, warnings=warnings), t("grid_table", lang), t("pairing_table", lang),
                L["edit_log"]])
with tabs[0]:
    rules_table(verdict, lang)
    violation_notices(verdict, lang, action=zoom_button)
with tabs[1]:  # the grids' population against the band and the district's mean, after every edit
    county = {d for d, ring in session.world.district_ring.items() if ring == "county"}
    population_section(table, workmap.grid_colours(ready, plan), session.world.district_names, session.band, county, lang,
                       key=f"ws-chart-{state.plan_id()}")
    tables.show(table, lang)
with tabs[2]:
    made = pairing_editor.edited(session, pairings, working.version, lang)
    if made:
        act.edit(act.plan().with_pairings(made[0]), made[1],
                 {"pairings": len(made[0]), "fixed": sum(p.fixed for p in made[0])})
        st.rerun()
with tabs[3]:
    editlog.notes(plan, lang)
    editlog.note_form(f"ws_note_{working.version}", lang, author,
                      lambda note, typed: act.edit(act.plan().with_note(note), "note", {"n": len(typed)}))
    editlog.log(store, state.plan_id(), lang, editing_as=author)  # a click on a version offers to return to it

if st.session_state.get(SCROLL):  # after 定位: the rules table is below the map, bring the map up
    components.html(workmap.scroll_script(st.session_state.pop(SCROLL)), height=0)
