"""网格方案 Grid proposal: grids proposed under rules G1-G6, on the map, with figures and checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.export import grid_layer as dissolve_grids
from geodata.package import DataPackage
from planning.errors import InfeasiblePlanError
from planning.grids import GridProposal, GridSolver, explain
from planning.metrics import grid_metrics, summary
from planning.rules import check, grid_rules, rule_titles
from planning.world import World, build_world
from ui import shell, state
from ui.i18n import plain, t
from ui.maps import base_map, district_labels, grid_layer, lead_layer
from ui.tables import display


@st.cache_resource(show_spinner=False, max_entries=8)
def propose(key: tuple, _pkg: DataPackage) -> tuple[World, GridProposal | InfeasiblePlanError]:
    config = _pkg.config
    world = build_world(_pkg.units, _pkg.districts, _pkg.facilities, island_link_km=config.island_link_km)
    try:
        solver = GridSolver(band=(config.grid_population_min, config.grid_population_max),
                            county_max=config.county_alliances_max)
        return world, solver.solve(world, name=_pkg.name)
    except InfeasiblePlanError as exc:
        return world, exc


lang, L, package_id, pkg = shell.page("page_grids", "grids_intro")
config = pkg.config
st.caption(f"{L['band_setting']}: {config.grid_population_min:,.0f} – {config.grid_population_max:,.0f}")

with st.spinner(t("loading", lang)):
    world, result = propose(state.cache_key(), pkg)
if isinstance(result, InfeasiblePlanError):
    st.error(f"{t('infeasible', lang)} [{', '.join(result.rules)}]: {result.messages[lang]}")
    st.stop()

plan = result.plan
table = grid_metrics(world, plan)
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
found = check(world, plan, grid_rules(band=(config.grid_population_min, config.grid_population_max),
                                      county_max=config.county_alliances_max))
names = rule_titles(grid_rules(band=(0, 1)), lang)
rows = [{"rule": rule, "name": names.get(rule, ""), "result": t("rule_pass" if not v else "rule_fail", lang),
         "count": len(v)} for rule, v in found.items()]
st.dataframe(pd.DataFrame(rows).rename(columns={"rule": "ID", "name": L["name"], "result": "✓/✗", "count": "#"}),
             hide_index=True, width="stretch")
for rule, violations in found.items():
    for v in violations:
        (st.error if v.severity == "error" else st.warning)(plain(f"{rule} · {v.place}: {v.message(lang)} → {v.fix(lang)}"))

st.subheader(t("grid_table", lang))
st.dataframe(display(table, lang), hide_index=True, width="stretch")
with st.expander(t("explanations", lang)):
    rows = pd.DataFrame(explain(world, result))
    rows["reason"] = rows["reason_zh" if lang == "zh" else "reason_en"]
    st.dataframe(display(rows.drop(columns=["reason_zh", "reason_en"]), lang), hide_index=True, width="stretch")
