"""规划工作台 Planner workspace: edit grids and pairings on the map, every rule checked live.

Order of a run: the buttons' callbacks and then the map's last click or drawing edit the plan
first (``ui.editor.Actions``), and only then the tools, the map and the panels are drawn, so every
run shows the plan after its edit. Each edit is saved at once (``ui.editor``). The engine is the planning
session's (``state.session()``); the plan bar, the rules panel and the edit log are shared with the
review (``ui.planbar``, ``ui.verdict_panel``, ``ui.editlog``), the map is ``ui.workmap``.
"""

from __future__ import annotations

import sqlite3

import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from geodata.plans import PlanNotFoundError, PlanStorageError
from planning.edits import free_leads
from planning.metrics import band_deviation, summary
from planning.session import PlanningSession
from ui import access, editlog, editor, pairing_editor, planbar, shell, state, workmap
from ui.i18n import sendable, t, tp
from ui.tables import display
from ui.verdict_panel import rules_table, violation_notices

MODES = ("select", "paint", "lead")


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
world, units = session.world, ready.units
names = world.district_names
unit_district = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
lead_name = dict(zip(world.lead_codes.tolist(), world.lead_names.tolist()))
MAP_KEY = f"ws-map-{package_id}"
MAP_HEIGHT = 680  # with the title and plan bar above it, the map ends above the fold of a 1000 px window

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
if ids:
    act.map_event(st.session_state.get(MAP_KEY) or {}, units)

# --- The plan bar (after the edits above, so its labels show the latest version) -----------------
plans = planbar.plan_list(store, package_id, lang)
ids, by_id = [p["plan_id"] for p in plans], {p["plan_id"]: p for p in plans}
if state.plan_id() not in ids:  # deleted meanwhile (by someone else)
    state.set_plan(ids[0] if ids else "")
planbar.bar(session, store, package_id, plans, lang, author)
with st.container():  # messages and conflicts, always in the same place (the map keeps its place)
    editor.show(store, state.plan_id(), lang)
if not ids:
    planbar.first_plan(session, store, package_id, lang, author)

# --- Tools -------------------------------------------------------------------------------------
map_col, tool_col = st.columns([7, 3], gap="medium")
figures_box = tool_col.container()  # filled once the plan after this run's edit is known
with tool_col:
    plan = act.plan()
    grid_ids = [g.grid_id for g in plan.grids]
    grid_label = {g.grid_id: sendable(f"{g.grid_id} · {lead_name.get(g.lead_facility_code, g.lead_facility_code)}")
                  for g in plan.grids}
    st.radio(L["edit_mode"], MODES, key="ws_mode", horizontal=True, format_func=lambda m: t(f"mode_{m}", lang))
    st.caption(t(f"mode_{st.session_state['ws_mode']}_help", lang) + " " + t("map_zoom_hint", lang))
    st.checkbox(L["lock_on_assign"], value=True, key="ws_lock_on_assign")
    if st.session_state["ws_mode"] == "paint":
        if st.session_state.get("ws_paint") not in grid_ids:  # the grid last clicked or zoomed to, else the selection's
            picked = [st.session_state.get(editor.LAST_GRID), *(plan.assignment.get(u) for u in sorted(editor.selection()))]
            first = next((g for g in picked if g in plan.grid_by_id), None)
            if first:
                st.session_state["ws_paint"] = first
        st.selectbox(L["paint_grid"], grid_ids, key="ws_paint", format_func=lambda g: grid_label.get(g, g))
    if st.session_state["ws_mode"] == "lead":
        chosen = st.session_state.get("ws_lead_grid")
        st.info(tp("lead_step2", lang, grid=chosen) if chosen in plan.grid_by_id else t("lead_step1", lang))
    else:
        st.session_state["ws_lead_grid"] = None

    chosen_units = sorted(editor.selection() & set(unit_district))
    in_districts = sorted({unit_district[u] for u in chosen_units})
    people = float(world.population[[world.index_of()[u] for u in chosen_units]].sum()) if chosen_units else 0.0
    st.markdown(f"**{L['selection']}**: " + tp("selection_summary", lang, n=len(chosen_units), people=f"{people:,.0f}",
                                                 districts="、".join(names.get(d, d) for d in in_districts) or "—"))
    if chosen_units:
        targets = [g for g in grid_ids if plan.grid_by_id[g].district_code in in_districts]
        targets += [f"new:{c}" for d in in_districts for c in free_leads(world, plan, d)]
        target = st.selectbox(L["assign_to"], targets, key="ws_target", format_func=lambda g: grid_label.get(g) or
                              sendable(t("new_grid_led_by", lang, lead=lead_name.get(g[4:], g[4:]))))
        c1, c2 = st.columns(2)
        c1.button(L["assign"], type="primary", width="stretch", disabled=not target, on_click=act.assign_selection)
        c2.button(L["clear_selection"], width="stretch", on_click=editor.select, args=(set(),))
        c1, c2 = st.columns(2)
        c1.button(L["lock"], width="stretch", on_click=act.lock, args=(True,))
        c2.button(L["unlock"], width="stretch", on_click=act.lock, args=(False,))

    with st.expander(L["grid_tools"]):
        picked = st.multiselect(L["grids"], grid_ids, key="ws_grids", format_func=lambda g: grid_label.get(g, g),
                                placeholder=t("choose_grids", lang))
        c1, c2 = st.columns(2)
        c1.button(L["lock_grids"], width="stretch", disabled=not picked,
                  on_click=act.lock_grids, args=(picked,))
        c2.button(L["select_grids"], width="stretch", disabled=not picked, on_click=editor.select,
                  args=({u for u, g in plan.assignment.items() if g in set(picked)},))
        lead_grid = st.selectbox(L["change_lead"], grid_ids, key="ws_lead_form", format_func=lambda g: grid_label.get(g, g))
        district = plan.grid_by_id[lead_grid].district_code if lead_grid in plan.grid_by_id else None
        others = [c for c in free_leads(world, plan, district, keep=lead_grid)
                  if c != plan.grid_by_id[lead_grid].lead_facility_code] if district else []
        new_lead = st.selectbox(L["new_lead"], others, key="ws_new_lead",
                                format_func=lambda c: sendable(f"{lead_name.get(c, c)} ({c})"))
        st.button(L["set_lead"], width="stretch", disabled=not new_lead, on_click=act.change_lead, args=(lead_grid, new_lead))

    scope = st.selectbox(L["repropose_scope"], ["all", *world.districts], key="ws_scope",
                         format_func=lambda d: L["all_districts"] if d == "all" else sendable(names.get(d, d)))
    st.button(L["repropose"], width="stretch", help=t("repropose_help", lang), on_click=act.repropose, args=(scope,))
    back, forward = editor.steps(store, state.plan_id())
    c1, c2 = st.columns(2)
    c1.button(f"↶ {L['undo']}", width="stretch", disabled=back is None, key="ws_undo", on_click=act.restore, args=(0,))
    c2.button(f"↷ {L['redo']}", width="stretch", disabled=forward is None, key="ws_redo", on_click=act.restore, args=(1,))

# --- The plan as it now is: rules, figures, map ------------------------------------------------
working = editor.open_plan(store, state.plan_id())
plan = working.plan
verdict, pairings, flagged, table, figures = judged(state.cache_key(), state.plan_id(), working.version, session, plan)
errors, warnings = len(verdict.errors), len(verdict.warnings)

with tool_col:
    st.caption(tp("saved_as", lang, version=working.version, name=by_id[state.plan_id()]["name"]))
    if plan.locked:
        st.caption(t("locked_count", lang, n=len(plan.locked)))

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
    st_folium(workmap.base(session, ready, L), key=MAP_KEY, height=MAP_HEIGHT, use_container_width=True, feature_group_to_add=layers,
              center=view.get("center"), zoom=view.get("zoom"),
              returned_objects=["last_object_clicked", "last_object_clicked_count", "all_drawings"])
    st.pills(L["layers"], ["primary", "pairings", "gaps"], selection_mode="multi", key="ws_layers",
             format_func=lambda k: t(f"layer_{k}", lang))
    workmap.legend(session, show, lang, L)


def zoom_to(place) -> None:
    """Centre the map on every unit of a violation (a callback, so the map moves in this run)."""
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
with tabs[1]:
    st.dataframe(display(table, lang), hide_index=True, width="stretch")
with tabs[2]:
    made = pairing_editor.edited(session, pairings, working.version, lang)
    if made:
        act.save(act.plan().with_pairings(made[0]), made[1],
                 {"pairings": len(made[0]), "fixed": sum(p.fixed for p in made[0])})
        st.rerun()
with tabs[3]:
    editlog.notes(plan, lang)
    editlog.note_form(f"ws_note_{working.version}", lang, author,
                      lambda note, typed: act.save(act.plan().with_note(note), "note", {"n": len(typed)}))
    editlog.log(store, state.plan_id(), lang)

if st.session_state.get(SCROLL):  # after 定位: the rules table is below the map, bring the map up
    components.html(workmap.scroll_script(st.session_state.pop(SCROLL)), height=0)
