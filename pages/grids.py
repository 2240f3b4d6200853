"""网格方案 Grid proposal: grids proposed under rules G1-G6, on the map, with figures and checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.export import grid_layer as dissolve_grids
from planning.errors import InfeasiblePlanError
from planning.grids import GridProposal, explain
from planning.metrics import summary
from planning.session import PlanningSession
from ui import shell, state
from ui.i18n import t
from ui.maps import base_map, district_labels, grid_layer, lead_layer
from ui.tables import display
from ui.verdict_panel import rules_table, violation_notices


@st.cache_resource(show_spinner=False, max_entries=8)
def propose(key: tuple, _session: PlanningSession) -> GridProposal | InfeasiblePlanError:
    try:
        return _session.propose_grids()
    except InfeasiblePlanError as exc:
        return exc


lang, L, package_id, pkg = shell.page("page_grids", "grids_intro")
config = pkg.config
st.caption(f"{L['band_setting']}: {config.grid_population_min:,.0f} – {config.grid_population_max:,.0f}")

with st.spinner(t("loading", lang)):
    session = state.session()
    world, result = session.world, propose(state.cache_key(), session)
if isinstance(result, InfeasiblePlanError):
    st.error(f"{t('infeasible', lang)} [{', '.join(result.rules)}]: {result.messages[lang]}")
    st.stop()

plan = result.plan
table = session.metrics(plan)
figures = summary(table)
cols = st.columns(4)
cols[0].metric(L["grid_count"], figures["grids"])
cols[1].metric(L["population"], f"{figures['population']:,.0f}")
cols[2].metric(L["balance"], f"{figures['population_max_min_ratio']:.2f}")
cols[3].metric(L["mean_access"], f"{figures['mean_access_km']:.2f}")

grids = dissolve_grids(pkg.units, plan.assignment, table)
leads = pkg.facilities[pkg.facilities["facility_code"].isin({g.lead_facility_code for g in plan.grids})]
m = base_map(pkg.districts)
grid_layer(grids, L).add_to(m)
lead_layer(leads, L).add_to(m)
district_labels(pkg.districts).add_to(m)
st_folium(m, height=620, use_container_width=True, returned_objects=[], key=f"grid-map-{package_id}")
if world.island_links:
    links = "; ".join(f"{a} – {b} ({gap} km)" for a, b, gap in world.island_links)
    st.caption(t("island_links", lang, km=f"{config.island_link_km:g}") + links)

st.subheader(t("rules_panel", lang))
verdict = session.judge(plan).only("G")  # this page proposes grids; pairings have their own page
rules_table(verdict, lang)
violation_notices(verdict, lang)

st.subheader(t("grid_table", lang))
st.dataframe(display(table, lang), hide_index=True, width="stretch")
with st.expander(t("explanations", lang)):
    rows = pd.DataFrame(explain(world, result))
    rows["reason"] = rows["reason_zh" if lang == "zh" else "reason_en"]
    st.dataframe(display(rows.drop(columns=["reason_zh", "reason_en"]), lang), hide_index=True, width="stretch")
parts = session.detached_parts(plan)
with st.expander(t("detached_parts", lang, n=len(parts))):
    st.caption(t("detached_parts_help", lang))
    st.dataframe(display(parts, lang), hide_index=True, width="stretch")
