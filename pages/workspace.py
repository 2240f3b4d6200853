"""规划工作台 Planner workspace: edit grids and pairings on the map, every rule checked live.

Order of a run: the map's last click or drawing is applied first, then the tool column (its
buttons edit the plan), and only then the map and the panels are drawn, so every run shows the
plan after its edit. Each edit is saved at once (``ui.editor``).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
import streamlit as st
from pyproj import Transformer
from scipy import sparse
from streamlit_folium import st_folium

from geodata.accounts import can
from geodata.package import DataPackage
from geodata.export import plan_payload_from_layout
from geodata.plans import PlanNotFoundError, PlanStorageError
from geodata.select import bounds_of, unit_at, units_within
from planning.analysis import analyse_coverage
from planning.edits import EditError, assign, change_lead, free_leads, lock_grids, new_grid, repropose
from planning.errors import InfeasiblePlanError, PlanningError
from planning.grids import GridSolver
from planning.metrics import band_deviation, grid_metrics, summary
from planning.pairing import build_problem, check_pairings, pairing_titles, pairings_of, planned_pairings, solve, staffing_of
from planning.plan import PlanPairing, plan_from_dict, plan_to_dict
from planning.rules import check, grid_rules, rule_titles, units_at_place
from planning.world import build_world
from ui import access, editor, shell, state
from ui.i18n import COLUMNS, detail, local_time, plain, reasons, t
from ui.maps import (KIND_STYLE, base_map, candidate_layer, district_base_layer, district_source, edge_source,
                     facility_layer, gap_layer, grid_colours, lead_markers, legend_html, outline_layer, pairing_lines,
                     plan_styles, role_legend_html, shared_edges, unit_base_layer, unit_shapes, unit_source)
from ui.tables import display

MODES = ("select", "paint", "lead")
ROLES = ("technical_support", "main_support", "tcm", "specialty")


@st.cache_resource(show_spinner=False, max_entries=4)
def prepared(key: tuple, _pkg: DataPackage):
    """What every run of the page needs and no edit changes: the world, the pairing problem, the
    units as a table, the edges between neighbours, and the map's published sources (units,
    districts, edge lines)."""
    world = build_world(_pkg.units, _pkg.districts, _pkg.facilities, island_link_km=_pkg.config.island_link_km)
    problem = build_problem(world, _pkg.facilities, _pkg.partnerships, _pkg.config)
    units = _pkg.units.reset_index(drop=True)
    row = {c: i for i, c in enumerate(units["unit_code"].astype(str))}
    upper = sparse.triu(world.adjacency, k=1).tocoo()
    pairs = ([row[str(world.unit_codes[i])] for i in upper.row], [row[str(world.unit_codes[j])] for j in upper.col])
    names = dict(zip(_pkg.districts["district_code"], _pkg.districts["district_name"]))
    shapes = unit_shapes(units)
    edges = shared_edges(units, pairs)
    sources = {"units": unit_source(units, shapes, names), "districts": district_source(_pkg.districts),
               "edges": edge_source(edges)}
    return world, problem, units, sources, edges


@st.cache_resource(show_spinner=False, max_entries=256)
def judged(key: tuple, plan_id: str, version: int, _pkg: DataPackage, _plan):
    """The rules' verdicts, the pairings, the units to outline red, the figures per grid and the
    summary of one saved version. A version never changes, so every run that shows it (a click,
    a layer switched on, a second planner) reuses them; nothing here is changed by the caller."""
    config = _pkg.config
    band = (config.grid_population_min, config.grid_population_max)
    world, problem, *_ = prepared(key, _pkg)
    found = check(world, _plan, grid_rules(band=band, county_max=config.county_alliances_max))
    pairings = pairings_of(problem, _plan.pairings)
    found.update(check_pairings(problem, pairings, staffing_of(_pkg.partnerships)))
    flagged = {u for rule, vs in found.items() if rule.startswith("G") for v in vs for u in units_at_place(world, _plan, v.place)}
    table = grid_metrics(world, _plan)
    table["band_deviation"] = [band_deviation(p, band) for p in table["population"]]
    table["locked_units"] = [sum(1 for u in _plan.units_of(g) if u in _plan.locked) for g in table["grid_id"]]
    return found, pairings, flagged, table, summary(table)


@st.cache_resource(show_spinner=False, max_entries=4)
def gaps(key: tuple, _pkg: DataPackage) -> gpd.GeoDataFrame:
    """Units with their coverage gaps, for the optional layer (no new sites proposed here)."""
    return _pkg.units[["unit_code", "unit_name", "geometry"]].merge(analyse_coverage(_pkg, sites=0).gaps, on="unit_code")


lang, L, package_id, pkg = shell.page("page_workspace", "workspace_intro")
access.require("edit", lang)  # officials review; they never reach the editing tools
config = pkg.config
band = (config.grid_population_min, config.grid_population_max)
solver = GridSolver(band=band, county_max=config.county_alliances_max)
try:
    store = state.plan_store()
except PlanStorageError as exc:
    st.error(exc.messages[lang])
    st.stop()
author = access.author()  # empty: shown as 未署名 / anonymous in the reader's language
with st.spinner(t("loading", lang)):
    world, problem, units, sources, edges = prepared(state.cache_key(), pkg)
names = dict(zip(pkg.districts["district_code"], pkg.districts["district_name"]))
hospital_names = {h.code: h.name for h in problem.hospitals}
unit_district = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
lead_name = dict(zip(world.lead_codes.tolist(), world.lead_names.tolist()))


def C(column: str) -> str:
    """A table column's name in the session's language."""
    return COLUMNS[column][0 if lang == "zh" else 1]


def propose_new(name: str) -> None:
    """A new plan from the engines' proposal (grids and pairings), saved and opened."""
    try:
        plan = solver.solve(world, name=name).plan
        plan = plan.with_pairings(planned_pairings(solve(problem)))
    except InfeasiblePlanError as exc:
        editor.notify("error", f"{t('infeasible', 'zh')} [{', '.join(exc.rules)}]: {exc.messages['zh']}",
                      f"{t('infeasible', 'en')} [{', '.join(exc.rules)}]: {exc.messages['en']}")
        return
    state.set_plan(store.create(name, package_id, plan_to_dict(plan), author=author))


def import_layout(data: bytes, filename: str) -> None:
    """A plan from an exported layout GeoJSON (``geodata.filing``): it must place exactly the
    units of the current data; leads and pairings come as they are, and the rules judge them."""
    try:
        plan = plan_from_dict(plan_payload_from_layout(json.loads(data.decode("utf-8-sig"))))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        editor.notify("error", f"{filename} 不是本工具导出的方案 GeoJSON：{exc}",
                      f"{filename} is not a plan GeoJSON exported by this tool: {exc}")
        return
    codes = set(world.unit_codes.astype(str).tolist())
    unknown, missing = sorted(set(plan.assignment) - codes), sorted(codes - set(plan.assignment))
    if unknown or missing:
        editor.notify("error", t("import_mismatch", "zh", unknown=len(unknown), missing=len(missing),
                                 examples="、".join((unknown + missing)[:5])),
                      t("import_mismatch", "en", unknown=len(unknown), missing=len(missing),
                        examples=", ".join((unknown + missing)[:5])))
        return
    name = plan.name or Path(filename).stem
    state.set_plan(store.create(name, package_id, plan_to_dict(replace(plan, version=1)), author=author))
    editor.notify("success", f"已导入方案“{plain(name)}”", f"Imported plan \u201c{plain(name)}\u201d")


# --- Which plan -------------------------------------------------------------------------------
plans = store.plans(package_id)
ids = [p["plan_id"] for p in plans]
if state.plan_id() not in ids:
    state.set_plan(ids[0] if ids else "")
MAP_KEY = f"ws-map-{package_id}"
if ids:
    try:
        editor.open_plan(store, state.plan_id())
    except PlanNotFoundError:
        state.set_plan("")
        st.rerun()



# --- Edits: each a small function run as a widget's callback, before the page is drawn ----------
def current():
    return editor.open_plan(store, state.plan_id()).plan


def save(plan, action: str, detail: dict | None = None) -> bool:
    """Save an edit; a refused save (someone else was first) shows at the top of the page."""
    return editor.commit(store, plan, action, detail, author)


def refused_notice(refused: list[str], grid: str) -> None:
    if refused:
        editor.notify("warning", t("refused_units", "zh", n=len(refused), grid=grid),
                      t("refused_units", "en", n=len(refused), grid=grid))


def failed(exc: PlanningError) -> None:
    messages = getattr(exc, "messages", {"zh": str(exc), "en": str(exc)})
    prefix = [f"{t('infeasible', x)} [{', '.join(exc.rules)}]: " if isinstance(exc, InfeasiblePlanError) else "" for x in ("zh", "en")]
    editor.notify("error", prefix[0] + messages["zh"], prefix[1] + messages["en"])


def do_assign(codes: list[str], target: str, lock: bool) -> None:
    editor.begin()
    plan = current()
    try:
        if target.startswith("new:"):
            edited, grid, refused = new_grid(world, plan, codes, target[4:], lock=lock)
            action = "new_grid"
        else:
            (edited, refused), grid, action = assign(world, plan, codes, target, lock=lock), target, "assign"
    except EditError as exc:
        return failed(exc)
    refused_notice(refused, grid)
    moved = [c for c in codes if c not in refused]
    # a move that changes nothing (the units are there already) is answered by save(): 没有变化
    if moved and save(edited, action, {"grid": grid, "units": moved[:50], "n": len(moved), "lock": lock}):
        editor.select(set())


def assign_selection() -> None:
    """划入: the selection, target and lock flag as they are when the button is pressed (not as
    they were when it was drawn: a click right after changing the target must use the new one)."""
    codes = sorted(editor.selection() & set(unit_district))
    target = st.session_state.get("ws_target")
    if codes and target:
        do_assign(codes, str(target), bool(st.session_state.get("ws_lock_on_assign", True)))
    else:  # never silently nothing
        editor.begin()
        editor.notify("warning", "未划入：请先选择单元和目标网格", "Nothing assigned: choose units and a target grid first")


def do_lock(lock: bool) -> None:
    editor.begin()
    chosen = sorted(editor.selection())
    plan = current()
    save(plan.lock(chosen) if lock else plan.unlock(chosen), "lock" if lock else "unlock", {"units": chosen[:50], "n": len(chosen)})


def do_change_lead(grid: str, lead: str) -> None:
    editor.begin()
    try:
        save(change_lead(world, current(), solver, grid, lead), "lead", {"grid": grid, "lead": lead})
    except PlanningError as exc:
        failed(exc)


def do_repropose(scope: str) -> None:
    editor.begin()
    try:
        save(repropose(world, current(), solver, None if scope == "all" else [scope]), "repropose", {"scope": scope})
    except PlanningError as exc:
        failed(exc)


def _finite(*values) -> bool:
    """Coordinates from the browser: real numbers, not NaN or infinite."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def move_lead(grid: str, lon: float, lat: float, *, quiet: bool = False) -> bool:
    """The lead of ``grid`` moved to the hospital of its district nearest to where the planner
    dropped or clicked (within 1 km); False (and, unless ``quiet``, a notice) when none is there."""
    plan = current()
    if grid not in plan.grid_by_id or not _finite(lon, lat):
        return False
    district = plan.grid_by_id[grid].district_code
    x, y = Transformer.from_crs(4326, world.crs, always_xy=True).transform(lon, lat)
    allowed = {plan.grid_by_id[grid].lead_facility_code, *free_leads(world, plan, district, keep=grid)}
    pool = [j for j, c in enumerate(world.lead_codes.tolist()) if c in allowed]
    near = min(pool, key=lambda j: math.hypot(world.lead_xy[j][0] - x, world.lead_xy[j][1] - y), default=None)
    if near is None or math.hypot(world.lead_xy[near][0] - x, world.lead_xy[near][1] - y) > 1000:
        if not quiet:
            editor.notify("warning", t("drop_on_candidate", "zh", grid=grid), t("drop_on_candidate", "en", grid=grid))
        return False
    if str(world.lead_codes[near]) != plan.grid_by_id[grid].lead_facility_code:
        do_change_lead(grid, str(world.lead_codes[near]))
    return True


def do_restore(which: int) -> None:
    """Undo (0) or redo (1), from the log as it is now."""
    editor.begin()
    target = editor.steps(store, state.plan_id())[which]
    if target is not None and editor.restore(store, target, ("undo", "redo")[which], author):
        editor.select(set())


def do_reload() -> None:
    editor.begin()
    editor.open_plan(store, state.plan_id(), reload=True)


# --- Map events: the last click or drawing, each applied once -----------------------------------
def handle_map_event() -> None:
    """The map's last click or drawing, applied once (before anything is drawn)."""
    mode = st.session_state.get("ws_mode", "select")
    event = st.session_state.get(MAP_KEY) or {}
    click = event.get("last_object_clicked")
    count = event.get("last_object_clicked_count")
    if isinstance(click, dict) and count and count != st.session_state.get("ws_seen_click"):
        st.session_state["ws_seen_click"] = count
        editor.begin()
        code = unit_at(units, click.get("lng"), click.get("lat")) if _finite(click.get("lng"), click.get("lat")) else None
        if mode == "select" and code:
            editor.select(editor.selection() ^ {code})
        elif mode == "paint" and code and st.session_state.get("ws_paint"):
            do_assign([code], st.session_state["ws_paint"], bool(st.session_state.get("ws_lock_on_assign", True)))
        elif mode == "lead":
            chosen = st.session_state.get("ws_lead_grid")
            if chosen in current().grid_by_id and move_lead(chosen, click["lng"], click["lat"], quiet=True):
                st.session_state["ws_lead_grid"] = None
            elif code:
                st.session_state["ws_lead_grid"] = current().assignment.get(code)
    drawings = event.get("all_drawings") or []
    if isinstance(drawings, list) and drawings and isinstance(drawings[-1], dict):
        shape = drawings[-1].get("geometry") or {}
        mark = repr(drawings[-1])
        if isinstance(shape, dict) and mark != st.session_state.get("ws_seen_drawing"):
            st.session_state["ws_seen_drawing"] = mark
            editor.begin()
            st.session_state["ws_drops"] = st.session_state.get("ws_drops", 0) + 1
            dragged = (drawings[-1].get("properties") or {}).get("ylt_lead_grid")
            point = shape.get("coordinates") if shape.get("type") == "Point" else None
            if dragged and isinstance(point, list) and len(point) >= 2:  # a lead marker dropped somewhere
                move_lead(str(dragged), point[0], point[1])
            else:
                editor.select(editor.selection() | set(units_within(units, shape)))


if ids:
    handle_map_event()

# --- The plan bar (after the edits above, so its labels show the latest version) -----------------
plans = store.plans(package_id)
ids = [p["plan_id"] for p in plans]
by_id = {p["plan_id"]: p for p in plans}
if state.plan_id() not in ids:  # deleted meanwhile (by someone else)
    state.set_plan(ids[0] if ids else "")
bar = st.columns([4, 2, 2], vertical_alignment="bottom")
if ids:
    st.session_state["ws_plan_pick"] = state.plan_id()  # the session's plan (from the URL or an edit) is the truth
    bar[0].selectbox(L["plan"], ids, key="ws_plan_pick", on_change=lambda: state.set_plan(st.session_state["ws_plan_pick"]),
                     format_func=lambda i: f"{by_id[i]['name']} · v{by_id[i]['version']} · {local_time(by_id[i]['updated'])}"
                                           f" · {i[:6]}")
if access.current().via == "off":  # signed in, edits are logged under the account's name
    user = bar[1].text_input(L["editor_name"], value=state.user(), max_chars=40, placeholder=t("anonymous", lang))
    if user.strip() != state.user():
        state.set_user(user)
else:
    bar[1].text_input(L["editor_name"], value=author, disabled=True)
with bar[2].popover(L["manage_plans"], width="stretch"):
    new_name = st.text_input(L["new_plan_label"], value=t("new_plan_name", lang), max_chars=60, key="ws_new_name")
    if st.button(L["new_plan"], width="stretch", key="ws_new_plan"):
        propose_new(new_name.strip() or t("new_plan_name", lang))
        st.rerun()
    upload = st.file_uploader(L["import_plan"], type=["geojson", "json"], key="ws_import")
    if upload is not None and st.button(L["import_plan_button"], width="stretch"):
        import_layout(upload.getvalue(), upload.name)
        st.rerun()
    if ids:
        current_name = by_id[state.plan_id()]["name"]
        renamed = st.text_input(L["rename"], value=current_name, max_chars=60, key=f"ws_rename_{state.plan_id()}")
        c1, c2 = st.columns(2)
        if c1.button(L["rename"], width="stretch", disabled=renamed.strip() in ("", current_name)):
            store.rename(state.plan_id(), renamed.strip(), author=author)
            st.rerun()
        if c2.button(L["save_as"], width="stretch"):
            state.set_plan(store.duplicate(state.plan_id(), f"{current_name} {t('copy_suffix', lang)}", author=author))
            st.rerun()
        may_delete = can(access.role(), "manage")  # planners cannot delete; administrators can restore
        sure = st.checkbox(t("confirm_delete", lang, name=plain(current_name)), key=f"ws_sure_{state.plan_id()}",
                           disabled=not may_delete)
        if not may_delete:
            st.caption(t("delete_admin_only", lang))
        if st.button(L["delete_plan"], type="primary", disabled=not (sure and may_delete), width="stretch"):
            store.delete(state.plan_id(), author=author)
            editor.begin()
            editor.notify("success", f"已删除方案“{plain(current_name)}”（历史版本仍保留）",
                          f"Deleted plan \u201c{plain(current_name)}\u201d (its versions are kept)")
            state.set_plan("")
            st.rerun()

# messages and conflicts, always in the same place (the map keeps its place, and its view)
with st.container():
    for kind, text in editor.notices():
        getattr(st, kind)(text[lang])
    if st.session_state.get(editor.CONFLICT):
        st.error(t("conflict", lang, version=st.session_state[editor.CONFLICT]))
        st.button(t("reload_plan", lang), type="primary", on_click=do_reload)

if not ids:
    st.info(t("no_plan", lang))
    first_name = st.text_input(L["plan_name"], value=t("new_plan_name", lang), max_chars=60, key="ws_first_name")
    if st.button(L["new_plan"], type="primary", key="ws_first_plan"):
        propose_new(first_name.strip() or t("new_plan_name", lang))
        st.rerun()
    st.stop()

# --- Tools -------------------------------------------------------------------------------------
map_col, tool_col = st.columns([13, 7], gap="medium")
figures_box = tool_col.container()  # filled once the plan after this run's edit is known
with tool_col:
    plan = current()
    grid_ids = [g.grid_id for g in plan.grids]
    leading = {g.lead_facility_code for g in plan.grids}
    grid_label = {g.grid_id: f"{g.grid_id} · {lead_name.get(g.lead_facility_code, g.lead_facility_code)}" for g in plan.grids}
    st.radio(L["edit_mode"], MODES, key="ws_mode", horizontal=True, format_func=lambda m: t(f"mode_{m}", lang))
    st.caption(t(f"mode_{st.session_state['ws_mode']}_help", lang))
    lock_on_assign = st.checkbox(L["lock_on_assign"], value=True, key="ws_lock_on_assign")
    if st.session_state["ws_mode"] == "paint":
        st.selectbox(L["paint_grid"], grid_ids, key="ws_paint", format_func=lambda g: grid_label.get(g, g))
    if st.session_state["ws_mode"] == "lead":
        chosen = st.session_state.get("ws_lead_grid")
        st.info(t("lead_step2", lang, grid=chosen) if chosen in plan.grid_by_id else t("lead_step1", lang))
    else:
        st.session_state["ws_lead_grid"] = None

    chosen_units = sorted(editor.selection() & set(unit_district))
    in_districts = sorted({unit_district[u] for u in chosen_units})
    index = world.index_of()
    people = float(world.population[[index[u] for u in chosen_units]].sum()) if chosen_units else 0.0
    st.markdown(f"**{L['selection']}**: " + t("selection_summary", lang, n=len(chosen_units), people=f"{people:,.0f}",
                                                      districts="、".join(names.get(d, d) for d in in_districts) or "—"))
    if chosen_units:
        targets = [g for g in grid_ids if plan.grid_by_id[g].district_code in in_districts]
        targets += [f"new:{c}" for d in in_districts for c in free_leads(world, plan, d)]
        target = st.selectbox(L["assign_to"], targets, key="ws_target", format_func=lambda g: grid_label.get(g) or
                              t("new_grid_led_by", lang, lead=lead_name.get(g[4:], g[4:])))
        c1, c2 = st.columns(2)
        c1.button(L["assign"], type="primary", width="stretch", disabled=not target, on_click=assign_selection)
        c2.button(L["clear_selection"], width="stretch", on_click=editor.select, args=(set(),))
        c1, c2 = st.columns(2)
        c1.button(L["lock"], width="stretch", on_click=do_lock, args=(True,))
        c2.button(L["unlock"], width="stretch", on_click=do_lock, args=(False,))

    with st.expander(L["grid_tools"]):
        picked = st.multiselect(L["grids"], grid_ids, key="ws_grids", format_func=lambda g: grid_label.get(g, g),
                                placeholder=t("choose_grids", lang))
        c1, c2 = st.columns(2)
        c1.button(L["lock_grids"], width="stretch", disabled=not picked,
                  on_click=lambda: save(lock_grids(current(), picked), "lock", {"grids": picked}))
        c2.button(L["select_grids"], width="stretch", disabled=not picked,
                  on_click=lambda: editor.select({u for u, g in current().assignment.items() if g in set(picked)}))
        lead_grid = st.selectbox(L["change_lead"], grid_ids, key="ws_lead_form", format_func=lambda g: grid_label.get(g, g))
        district = plan.grid_by_id[lead_grid].district_code if lead_grid in plan.grid_by_id else None
        others = [c for c in free_leads(world, plan, district, keep=lead_grid)
                  if c != plan.grid_by_id[lead_grid].lead_facility_code] if district else []
        new_lead = st.selectbox(L["new_lead"], others, key="ws_new_lead", format_func=lambda c: f"{lead_name.get(c, c)} ({c})")
        st.button(L["set_lead"], width="stretch", disabled=not new_lead, on_click=do_change_lead, args=(lead_grid, new_lead))

    scope = st.selectbox(L["repropose_scope"], ["all", *world.districts], key="ws_scope",
                         format_func=lambda d: L["all_districts"] if d == "all" else names.get(d, d))
    st.button(L["repropose"], width="stretch", help=t("repropose_help", lang), on_click=do_repropose, args=(scope,))
    back, forward = editor.steps(store, state.plan_id())
    c1, c2 = st.columns(2)
    c1.button(f"↶ {L['undo']}", width="stretch", disabled=back is None, key="ws_undo", on_click=do_restore, args=(0,))
    c2.button(f"↷ {L['redo']}", width="stretch", disabled=forward is None, key="ws_redo", on_click=do_restore, args=(1,))

# --- The plan as it now is: rules, figures, map ------------------------------------------------
working = editor.open_plan(store, state.plan_id())
plan = working.plan
found, pairings, flagged, table, figures = judged(state.cache_key(), state.plan_id(), working.version, pkg, plan)
broken = sum(len(v) for v in found.values())

with tool_col:
    st.caption(t("saved_as", lang, version=working.version, name=by_id[state.plan_id()]["name"]))
    if plan.locked:
        st.caption(t("locked_count", lang, n=len(plan.locked)))

with figures_box:
    cols = st.columns(2)
    cols[0].metric(L["grid_count"], figures["grids"])
    cols[1].metric(L["violations"], broken)
    cols = st.columns(2)
    cols[0].metric(L["balance"], f"{figures['population_max_min_ratio']:.2f}")
    cols[1].metric(L["mean_access"], f"{figures['mean_access_km']:.1f}")

with map_col:
    show = st.session_state.get("ws_layers") or []  # the layer pills sit under the map
    base = base_map(pkg.districts)
    unit_base_layer(sources["units"], L).add_to(base)
    district_base_layer(sources["districts"]).add_to(base)
    folium.plugins.Draw(draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                                      "rectangle": {"shapeOptions": {"color": "#e6007e"}},
                                      "polygon": {"shapeOptions": {"color": "#e6007e"}}},
                        edit_options={"edit": False, "remove": True}).add_to(base)
    touching = {(plan.assignment.get(a), plan.assignment.get(b)) for a, b in zip(edges[0], edges[1])
                if plan.assignment.get(a) != plan.assignment.get(b)}
    colours = grid_colours([g.grid_id for g in plan.grids], touching)
    layers = [plan_styles(units, plan.assignment, plan.locked, editor.selection(), flagged, colours)]
    layers.append(outline_layer(edges, sources["edges"], plan.assignment))
    candidates = pkg.facilities[pkg.facilities["facility_code"].isin(set(world.lead_codes.tolist()))]
    leading = {g.lead_facility_code: g.grid_id for g in plan.grids}
    free = candidates[~candidates["facility_code"].isin(set(leading))]
    if len(free):
        layers.append(folium.FeatureGroup(name="candidates").add_child(candidate_layer(free, L)))
    spots = candidates[candidates["facility_code"].isin(set(leading))]
    layers.append(lead_markers([(p.y, p.x, leading[c], f"{n} · {leading[c]} · {L['lead_hospital']}")
                                for c, n, p in zip(spots["facility_code"], spots["name"], spots.geometry)],
                               drops=st.session_state.get("ws_drops", 0)))
    if "gaps" in (show or []):
        gap_group = folium.FeatureGroup(name="gaps")
        gap_layer(gaps(state.cache_key(), pkg), L).add_to(gap_group)
        layers.insert(0, gap_group)
    if "primary" in (show or []):
        group = folium.FeatureGroup(name="facilities")
        for kind in ("chc", "thc", "village_clinic", "nursing", "rehab", "city_hospital"):
            if (pkg.facilities["kind"] == kind).any():
                facility_layer(pkg.facilities, kind, L).add_to(group)
        layers.append(group)
    if "pairings" in (show or []):
        layers.append(pairing_lines(
            pairings, pkg.facilities[pkg.facilities["kind"] == "city_hospital"], pkg.districts,
            lambda p: f"{hospital_names.get(p.hospital_code, p.hospital_code)} → {names.get(p.district_code, p.district_code)}"
                      f" · {t('role_' + p.role, lang)}"))
    view = st.session_state.get("ws_view") or {}
    st_folium(base, key=MAP_KEY, height=600, use_container_width=True, feature_group_to_add=layers,
              center=view.get("center"), zoom=view.get("zoom"),
              returned_objects=["last_object_clicked", "last_object_clicked_count", "all_drawings"])
    st.pills(L["layers"], ["primary", "pairings", "gaps"], selection_mode="multi", key="ws_layers",
             format_func=lambda k: t(f"layer_{k}", lang))
    kinds = [k for k in KIND_STYLE if "primary" in (show or []) and (pkg.facilities["kind"] == k).any()]
    st.markdown(t("workspace_legend", lang) + (legend_html([], kinds, L) if kinds else "")
                + (role_legend_html(lambda r: t("role_" + r, lang)) if "pairings" in (show or []) else ""),
                unsafe_allow_html=True)
    if "gaps" in (show or []):
        st.caption(t("gaps_legend", lang))


def zoom_to(place: str) -> None:
    """Centre the map on the units of a violation (a callback, so the map moves in this run)."""
    box = bounds_of(units, set(units_at_place(world, editor.open_plan(store, state.plan_id()).plan, place)))
    if box is None:
        return
    span = max(box[2] - box[0], (box[3] - box[1]) * 1.3, 1e-3)
    zoom = max(7, min(15, int(math.log2(640 * 360 / (256 * span * 1.6)))))
    nudge = 1e-7 * (st.session_state.get("ws_nudge", 0) % 2)  # the same place twice still moves the map
    st.session_state["ws_nudge"] = st.session_state.get("ws_nudge", 0) + 1
    st.session_state["ws_view"] = {"center": ((box[1] + box[3]) / 2 + nudge, (box[0] + box[2]) / 2), "zoom": zoom}


tabs = st.tabs([f"{t('rules_panel', lang)} ({broken})", t("grid_table", lang), t("pairing_table", lang), L["edit_log"]])
with tabs[0]:
    titles = {**rule_titles(grid_rules(band=band, county_max=config.county_alliances_max), lang), **pairing_titles(lang)}
    st.dataframe(pd.DataFrame([{"ID": r, L["name"]: titles.get(r, ""), "✓/✗": t("rule_pass" if not v else "rule_fail", lang),
                                "#": len(v)} for r, v in found.items()]), hide_index=True, width="stretch",
                 height=36 * (len(found) + 1) + 4)
    for n, (rule, violation) in enumerate((r, v) for r, vs in found.items() for v in vs):
        box, button = st.columns([6, 1], vertical_alignment="center")
        (box.error if violation.severity == "error" else box.warning)(
            plain(f"{rule} · {violation.place}: {violation.message(lang)} → {violation.fix(lang)}"))
        if units_at_place(world, plan, violation.place):
            button.button(L["zoom_to"], key=f"ws_zoom_{n}", on_click=zoom_to, args=(violation.place,), width="stretch")
with tabs[1]:
    st.dataframe(display(table, lang), hide_index=True, width="stretch")
with tabs[2]:
    hospital_options = [h.code for h in problem.hospitals]
    frame = pd.DataFrame([{"district": p.district_code, "hospital": p.hospital_code, "role": p.role, "fixed": p.fixed,
                           "cost_km": p.cost_km, "reasons": reasons(p.reasons, lang)} for p in pairings],
                         columns=["district", "hospital", "role", "fixed", "cost_km", "reasons"])
    with st.form(f"ws_pairings_{working.version}"):
        edited = st.data_editor(
            frame, num_rows="dynamic", hide_index=True, width="stretch", key=f"ws_pair_editor_{working.version}",
            column_config={
                "district": st.column_config.SelectboxColumn(L["districts"], options=list(problem.districts), required=True,
                                                             format_func=lambda d: f"{names.get(d, d)} ({d})"),
                "hospital": st.column_config.SelectboxColumn(C("hospital"), options=hospital_options, required=True,
                                                             format_func=lambda h: f"{hospital_names.get(h, h)} ({h})"),
                "role": st.column_config.SelectboxColumn(C("role"), options=list(ROLES), required=True,
                                                         format_func=lambda r: t("role_" + r, lang)),
                "fixed": st.column_config.CheckboxColumn(C("fixed"), default=True),
                "cost_km": st.column_config.NumberColumn(C("cost_km"), disabled=True, format="%.1f"),
                "reasons": st.column_config.TextColumn(C("reasons"), disabled=True),
            })
        c1, c2 = st.columns(2)
        keep = c1.form_submit_button(L["save_pairings"], width="stretch")
        again = c2.form_submit_button(L["reoptimise_pairings"], type="primary", width="stretch")
    st.caption(t("pairings_help", lang))
    if keep or again:
        rows = edited.dropna(subset=["district", "hospital"])
        if len(rows) < len(edited):
            st.warning(t("pairing_rows_dropped", lang, n=len(edited) - len(rows)))
        chosen = [PlanPairing(str(r.hospital), str(r.district), str(r.role or "technical_support"), bool(r.fixed))
                  for r in rows.itertuples()]
        if again:
            fixed = [(p.hospital_code, p.district_code) for p in chosen if p.fixed]
            try:
                result = solve(build_problem(world, pkg.facilities, pkg.partnerships, config, fixed=fixed))
                roles = {(p.hospital_code, p.district_code): p.role for p in chosen if p.fixed}
                chosen = [replace(p, role=roles.get((p.hospital_code, p.district_code), p.role))
                          for p in planned_pairings(result)]
            except PlanningError as exc:
                st.error(getattr(exc, "messages", {}).get(lang, str(exc)))
                chosen = None
        if chosen is not None:
            plan = editor.open_plan(store, state.plan_id()).plan
            save(plan.with_pairings(chosen), "reoptimise_pairings" if again else "pairings",
                 {"pairings": len(chosen), "fixed": sum(p.fixed for p in chosen)})
            st.rerun()
with tabs[3]:
    st.markdown(f"**{L['decision_notes']}**")
    for note in plan.notes:
        st.text(note)
    with st.form(f"ws_note_{working.version}", clear_on_submit=True):
        note = st.text_area(t("note_prompt", lang), max_chars=2000, key=f"ws_note_text_{working.version}")
        if st.form_submit_button(t("add_note", lang)) and note.strip():
            from datetime import datetime, timezone

            stamp = local_time(datetime.now(timezone.utc).isoformat(timespec="seconds"))
            save(current().with_note(f"{stamp} {author or t('anonymous', lang)}：{note.strip()}"), "note",
                 {"n": len(note.strip())})
            st.rerun()
    log = pd.DataFrame(store.history(state.plan_id()))
    if len(log):
        log["action"] = [t(f"action_{a}", lang) for a in log["action"]]
        log["detail"] = [detail(d, lang) for d in log["detail"]]
        log["author"] = [a or t("anonymous", lang) for a in log["author"]]
        log["at"] = [local_time(a) for a in log["at"]]
        st.dataframe(log.iloc[::-1].rename(columns={"version": L["version"], "author": L["editor_name"], "at": L["time"],
                                                    "action": L["action"], "detail": L["detail"]}),
                     hide_index=True, width="stretch")
