"""网格方案 Grid proposal: grids proposed under rules G1-G6, on the map, with figures and checks,
under the planner's grid settings (``ui.grid_settings``), and how good each district's grids are
(proved optimal, or within x % of the best possible: ``ui.solve_quality``). A county's groups are
county alliances (医共体) and are named so wherever the page names them. When a plan is open
(``ui.open_plan``) the page shows that plan's grids, and the engine's proposal on request."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.export import grid_layer as dissolve_grids
from planning.errors import InfeasiblePlanError
from planning.grids import GridProposal, explain
from planning.metrics import summary
from planning.session import PlanningSession
from ui import grid_settings, open_plan, shell, solve_quality, state
from ui.charts import population_section
from ui.i18n import plain, t
from planning.colours import shape_colours
from ui.maps import base_map, district_labels, grid_labels, grid_layer, lead_layer, swatch_uri
from ui.tables import HIDDEN, display, number_formats, show
from ui.verdict_panel import rules_table, violation_notices


@st.cache_resource(show_spinner=False, max_entries=8)
def propose(key: tuple, _session: PlanningSession) -> GridProposal | InfeasiblePlanError:
    try:
        return _session.propose_grids()
    except InfeasiblePlanError as exc:
        return exc


def group_column(frame: pd.DataFrame, districts: set[str], county: set[str]) -> pd.DataFrame:
    """``frame`` with its ``grid_id`` column named for what its groups are: grids, county
    alliances (every district a county), or both."""
    if "grid_id" not in frame.columns or not county & districts:
        return frame
    name = "alliance_id" if districts <= county else "grid_or_alliance_id"
    return frame.rename(columns={"grid_id": name})


def grid_table(rows: pd.DataFrame, colours: dict[str, str], lang: str) -> None:
    """One row a grid in the planner's words, thousands separators and percentages
    (``ui.tables.number_formats``), each row led by a swatch of its grid's map colour."""
    kept = rows.drop(columns=[c for c in HIDDEN if c in rows.columns])
    shown = display(kept, lang)
    names = dict(zip(kept.columns, shown.columns))
    config = {names[c]: v for c, v in number_formats(kept).items()}
    config["swatch"] = st.column_config.ImageColumn(" ", width="small")
    ids = rows["alliance_id" if "alliance_id" in rows.columns else "grid_id"]
    st.dataframe(shown.assign(swatch=[swatch_uri(colours.get(str(g), "")) for g in ids]), hide_index=True,
                 width="stretch", column_config=config, column_order=["swatch", *shown])


lang, L, package_id, pkg = shell.page("page_grids", "grids_intro")
with st.spinner(t("loading", lang)):
    session = state.session()
    opened = open_plan.current(session, package_id, lang)
which = open_plan.choose(opened, lang, key="grids_view")
line_col, button_col = st.columns([6, 1], vertical_alignment="center")
settings_line = line_col.container()  # the settings in force, filled once the session is known
button_col.button(t("gs_open", lang), icon=":material/tune:", width="stretch", key="gs_open", on_click=grid_settings.open_form)

with st.spinner(t("loading", lang)):
    world = session.world
    result = open_plan.Stored(opened.plan) if which == open_plan.PLAN else propose(state.cache_key(), session)
config = session.config
county = {str(d) for d, ring in world.district_ring.items() if ring == "county"}
everywhere = {str(d) for d in world.districts}
settings_line.caption(plain(grid_settings.summary(pkg, config, lang)))
if county:
    settings_line.caption(plain(t("county_note", lang, n=config.county_alliances_max,
                                  names=[world.district_names.get(d, d) for d in sorted(county)])))
if isinstance(result, InfeasiblePlanError):
    grid_settings.dialog(pkg, config, {}, lang)
    st.error(f"{t('infeasible', lang)} [{plain(', '.join(result.rules))}]: {plain(result.messages[lang])}")
    st.stop()

plan = result.plan
grid_settings.dialog(pkg, config, pd.Series([g.district_code for g in plan.grids]).value_counts().to_dict(), lang)
table = session.metrics(plan)
figures = summary(table)
planned = set(table["district_code"].astype(str))
count_label = ("grid_count" if not county & planned else "alliance_count" if planned <= county
               else "grid_or_alliance_count")
cols = st.columns(4)
cols[0].metric(t(count_label, lang), figures["grids"])
cols[1].metric(L["population"], f"{figures['population']:,.0f}")
cols[2].metric(L["balance"], f"{figures['population_max_min_ratio']:.2f}")
cols[3].metric(L["mean_access"], f"{figures['mean_access_km']:.2f}")

grids = dissolve_grids(pkg.units, plan.assignment, table)
leads = pkg.facilities[pkg.facilities["facility_code"].isin({g.lead_facility_code for g in plan.grids})]
m = base_map(pkg.districts)
in_county = grids["district_code"].astype(str).isin(county)
colours = shape_colours(grids["grid_id"].astype(str).tolist(), list(grids.geometry))  # the plan's, as in every view
if (~in_county).any():
    grid_layer(grids[~in_county], L, colours).add_to(m)
if in_county.any():  # a county's groups are county alliances: the map's labels say so
    grid_layer(grids[in_county], {**L, "grid_id": t("alliance_id", lang)}, colours).add_to(m)
lead_layer(leads, L).add_to(m)
district_labels(pkg.districts).add_to(m)
grid_labels(grids).add_to(m)  # each grid's number, where it has room
st_folium(m, height=620, use_container_width=True, returned_objects=[], key=f"grid-map-{package_id}-{which}-{opened.plan_id if opened else ''}-{opened.version if opened else 0}")
if world.island_links:
    links = "; ".join(f"{a} – {b} ({gap} km)" for a, b, gap in world.island_links)
    st.caption(t("island_links", lang, km=f"{config.island_link_km:g}") + plain(links))

population_section(table, colours, world.district_names, session.band, county, lang, key=f"grid-chart-{package_id}")

st.subheader(t("rules_panel", lang))
verdict = session.judge(plan).only("G")  # this page proposes grids; pairings have their own page
rules_table(verdict, lang)
violation_notices(verdict, lang)

is_county = table["district_code"].astype(str).isin(county)
if (~is_county).any():
    st.subheader(t("grid_table", lang))
    grid_table(table[~is_county], colours, lang)
if is_county.any():
    st.subheader(t("alliance_table", lang))
    grid_table(table[is_county].rename(columns={"grid_id": "alliance_id"}), colours, lang)
solve_quality.section(getattr(result, "quality", {}) or {}, world.district_names, county, lang)
st.subheader(t("fr_title", lang))
grid_settings.frontier_section(session, result, package_id, lang)

if which == open_plan.PROPOSAL:  # why the engine put each unit where it did: a planner's plan has its own reasons
    with st.expander(t("explanations", lang)):
        rows = pd.DataFrame(explain(world, result))
        rows["reason"] = rows["reason_zh" if lang == "zh" else "reason_en"]
        show(group_column(rows.drop(columns=["reason_zh", "reason_en"]), everywhere, county), lang)
parts = session.detached_parts(plan)
with st.expander(t("detached_parts", lang, n=len(parts))):
    st.caption(t("detached_parts_help", lang))
    show(group_column(parts, planned, county), lang)
