"""The workspace's tool column: the edit mode and the grid to paint with, the selection and what
to do with it, whole-grid tools and re-proposing. The edits themselves are ``ui.editor.Actions``
(callbacks); here only what the planner sees and chooses."""

from __future__ import annotations

import math

import streamlit as st

from geodata.select import unit_at
from planning.edits import free_leads
from planning.plan import Plan
from planning.session import PlanningSession
from ui import editor
from ui.i18n import sendable, t, tp

MODES = ("select", "paint", "lead")
IN_VIEW = "ws_view_district"  # the district the map's centre was last in (the paint list follows it)
AUTO = "ws_paint_auto"  # the grid to paint with was offered by the page, not picked by the planner


def grid_labels(session: PlanningSession, plan: Plan) -> dict[str, str]:
    """Each grid as the lists show it: its id and its lead's name."""
    world = session.world
    return {g.grid_id: sendable(f"{g.grid_id} · {world.lead_name(g.lead_facility_code)}") for g in plan.grids}


def district_at(session: PlanningSession, units, center: object) -> str | None:
    """The district under the map's centre (``{"lat", "lng"}`` from the map), or the nearest
    one's when the centre is off the land; None without a usable centre."""
    if not isinstance(center, dict):
        return None
    lng, lat = center.get("lng"), center.get("lat")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lng, lat)):
        return None
    world = session.world
    code = unit_at(units, lng, lat)
    if code:
        return dict(zip(world.unit_codes.tolist(), world.district.tolist())).get(code)
    points = units.geometry.representative_point()
    nearest = int(((points.x - lng) ** 2 + (points.y - lat) ** 2).to_numpy().argmin()) if len(units) else -1
    return str(units["district_code"].iloc[nearest]) if nearest >= 0 and "district_code" in units else None


def paint_order(plan: Plan, district: str | None) -> list[str]:
    """The grids for 涂色, those of ``district`` (in view) first, each part in id order."""
    ids = [g.grid_id for g in plan.grids]
    return [g for g in ids if plan.grid_by_id[g].district_code == district] + \
        [g for g in ids if plan.grid_by_id[g].district_code != district]


def paint_choice(plan: Plan, district: str | None) -> str | None:
    """The grid 涂色 should offer now. With none chosen yet: the grid last clicked, else the
    selection's, else the first of the district in view. A grid the planner picked stays picked
    wherever the map goes; one offered by the page (``AUTO``) follows the map into another
    district: the grid last clicked there, else that district's first."""
    ss, grids = st.session_state, plan.grid_by_id
    chosen, last = ss.get("ws_paint"), ss.get(editor.LAST_GRID)
    moved = district is not None and district != ss.get(IN_VIEW)
    ss[IN_VIEW] = district
    mine = [g for g in paint_order(plan, district) if grids[g].district_code == district]
    if chosen in grids:
        if not (moved and ss.get(AUTO, True) and grids[chosen].district_code != district):
            return chosen
        return last if last in mine else next(iter(mine), chosen)
    picked = [last, *(plan.assignment.get(u) for u in sorted(editor.selection())), *mine]
    return next((g for g in picked if g in grids), None)


def mode_tools(session: PlanningSession, plan: Plan, units, center: object, lang: str, L: dict) -> None:
    """The edit mode, its help, 划入后锁定, and per mode the grid to paint with (following the
    district in view) or the steps of moving a lead."""
    st.radio(L["edit_mode"], MODES, key="ws_mode", horizontal=True, format_func=lambda m: t(f"mode_{m}", lang))
    mode = st.session_state["ws_mode"]
    helps = {"paint": "mode_paint_help_draw"}
    st.caption(t(helps.get(mode, f"mode_{mode}_help"), lang) + " " + t("map_zoom_hint", lang))
    st.checkbox(L["lock_on_assign"], value=True, key="ws_lock_on_assign")
    if mode == "paint":
        district = district_at(session, units, center)
        choice = paint_choice(plan, district)
        if choice is not None and choice != st.session_state.get("ws_paint"):
            st.session_state["ws_paint"], st.session_state[AUTO] = choice, True
        labels = grid_labels(session, plan)
        st.selectbox(L["paint_grid"], paint_order(plan, district), key="ws_paint", format_func=lambda g: labels.get(g, g),
                     on_change=lambda: st.session_state.__setitem__(AUTO, False))
        if district:
            st.caption(tp("paint_in_view", lang, district=session.world.district_names.get(district, district)))
    if mode == "lead":
        chosen = st.session_state.get("ws_lead_grid")
        st.info(tp("lead_step2", lang, grid=chosen) if chosen in plan.grid_by_id else t("lead_step1", lang))
    else:
        st.session_state["ws_lead_grid"] = None


def selection_tools(session: PlanningSession, plan: Plan, act: editor.Actions, lang: str, L: dict) -> None:
    """What is selected (units, people, districts) and, when something is: 划入 a grid of its
    district or a new one led by a free hospital, clear, lock, unlock."""
    world, labels = session.world, grid_labels(session, plan)
    unit_district = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
    chosen = sorted(editor.selection() & set(unit_district))
    districts = sorted({unit_district[u] for u in chosen})
    people = float(world.population[[world.index_of()[u] for u in chosen]].sum()) if chosen else 0.0
    names = world.district_names
    st.markdown(f"**{L['selection']}**: " + tp("selection_summary", lang, n=len(chosen), people=f"{people:,.0f}",
                                                 districts="、".join(names.get(d, d) for d in districts) or "—"))
    if not chosen:
        return
    targets = [g.grid_id for g in plan.grids if g.district_code in districts]
    targets += [f"new:{c}" for d in districts for c in free_leads(world, plan, d)]
    target = st.selectbox(L["assign_to"], targets, key="ws_target", format_func=lambda g: labels.get(g) or
                          sendable(t("new_grid_led_by", lang, lead=world.lead_name(g[4:]))))
    c1, c2 = st.columns(2)
    c1.button(L["assign"], type="primary", width="stretch", disabled=not target, on_click=act.assign_selection)
    c2.button(L["clear_selection"], width="stretch", on_click=editor.select, args=(set(),))
    c1, c2 = st.columns(2)
    c1.button(L["lock"], width="stretch", on_click=act.lock, args=(True,))
    c2.button(L["unlock"], width="stretch", on_click=act.lock, args=(False,))


def grid_tools(session: PlanningSession, plan: Plan, act: editor.Actions, lang: str, L: dict) -> None:
    """整网格操作: lock or select whole grids, change a grid's lead; then re-propose (one district
    or everywhere)."""
    world, labels = session.world, grid_labels(session, plan)
    grid_ids = [g.grid_id for g in plan.grids]
    with st.expander(L["grid_tools"]):
        picked = st.multiselect(L["grids"], grid_ids, key="ws_grids", format_func=lambda g: labels.get(g, g),
                                placeholder=t("choose_grids", lang))
        c1, c2 = st.columns(2)
        c1.button(L["lock_grids"], width="stretch", disabled=not picked, on_click=act.lock_grids, args=(picked,))
        c2.button(L["select_grids"], width="stretch", disabled=not picked, on_click=editor.select,
                  args=({u for u, g in plan.assignment.items() if g in set(picked)},))
        lead_grid = st.selectbox(L["change_lead"], grid_ids, key="ws_lead_form", format_func=lambda g: labels.get(g, g))
        district = plan.grid_by_id[lead_grid].district_code if lead_grid in plan.grid_by_id else None
        others = [c for c in free_leads(world, plan, district, keep=lead_grid)
                  if c != plan.grid_by_id[lead_grid].lead_facility_code] if district else []
        new_lead = st.selectbox(L["new_lead"], others, key="ws_new_lead",
                                format_func=lambda c: sendable(f"{world.lead_name(c)} ({c})"))
        st.button(L["set_lead"], width="stretch", disabled=not new_lead, on_click=act.change_lead, args=(lead_grid, new_lead))
    names = world.district_names
    scope = st.selectbox(L["repropose_scope"], ["all", *world.districts], key="ws_scope",
                         format_func=lambda d: L["all_districts"] if d == "all" else sendable(names.get(d, d)))
    st.button(L["repropose"], width="stretch", help=t("repropose_help", lang), on_click=act.repropose, args=(scope,))
