"""数据总览 Data overview: every loaded layer on a map and as tables, with the validation report."""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from geodata.schema import FACILITY_KINDS, RINGS
from ui import shell
from ui.guide import next_steps
from ui.i18n import tp
from ui.maps import (TILE_HOSTS, base_map, district_labels, district_layer, facility_layer, legend_html,
                     unit_layer)
from ui.report import show_report
from ui.tables import show

lang, L, package_id, pkg = shell.page("app_title", "app_subtitle")
next_steps(lang)
if pkg.modelled_layers:
    sep = "、" if lang == "zh" else ", "
    st.info(tp("modelled_banner", lang, layers=sep.join(L[layer] for layer in pkg.modelled_layers)))

counts = pkg.facilities["kind"].value_counts()
cols = st.columns(5)
cols[0].metric(L["districts"], len(pkg.districts))
cols[1].metric(L["units"], len(pkg.units))
cols[2].metric(L["population"], f"{pkg.population:,.0f}")
cols[3].metric(L["facilities"], len(pkg.facilities))
cols[4].metric(L["village_clinics"], int(counts.get("village_clinic", 0)))

present = [k for k in FACILITY_KINDS if counts.get(k, 0)]
with st.expander(tp("map_options", lang), expanded=False):
    c1, c2 = st.columns([1, 3])
    show_units = c1.toggle(L["show_units"], value=True)
    basemap = c1.selectbox(L["basemap"], ["none", "osm", "tianditu"],
                           format_func=lambda b: L[{"none": "basemap_none", "osm": "basemap_osm", "tianditu": "basemap_tdt"}[b]])
    key = c1.text_input(L["tdt_key"], type="password") if basemap == "tianditu" else ""
    kinds = c2.multiselect(L["show_kinds"], present, default=[k for k in present if k != "village_clinic"],
                           format_func=lambda k: L[f"kind_{k}"])
if basemap != "none":
    st.warning(tp("online_basemap", lang, host=TILE_HOSTS[basemap]))

# The base map stays the same across reruns (so zoom and position are kept); what the planner
# switches on and off travels in feature groups.
m = base_map(pkg.districts, basemap=basemap, tianditu_key=key)
district_layer(pkg.districts, L).add_to(m)
district_labels(pkg.districts).add_to(m)
units = folium.FeatureGroup(name="units")
if show_units:
    unit_layer(pkg.units, dict(zip(pkg.districts["district_code"], pkg.districts["district_name"])), L).add_to(units)
points = folium.FeatureGroup(name="facilities")
for kind in kinds:
    facility_layer(pkg.facilities, kind, L).add_to(points)
st_folium(m, height=620, use_container_width=True, returned_objects=[], key=f"data-map-{package_id}-{basemap}",
          feature_group_to_add=[units, points])
rings = [r for r in RINGS if r in set(pkg.districts["ring"])]
st.markdown(legend_html(rings, kinds, L, on_map=True), unsafe_allow_html=True)

tabs = st.tabs([L["districts"], L["units"], L["facilities"], L["partnerships"], L["load_report"]])
for tab, frame in zip(tabs, (pkg.districts, pkg.units, pkg.facilities, pkg.partnerships)):
    with tab:
        if len(frame):
            show(frame, lang)
        else:
            st.caption(L["no_rows"])
with tabs[4]:
    show_report(pkg.report, pkg.meta, lang)
