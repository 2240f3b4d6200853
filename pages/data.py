"""数据总览 Data overview: every loaded layer on a map and as tables, with the validation report."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geodata.schema import FACILITY_KINDS
from ui import state
from ui.i18n import t
from ui.maps import base_map, district_layer, facility_layer, legend_html, unit_layer
from ui.report import show_report

lang = state.lang()
L = state.labels(lang)
package_id, pkg = state.current()

st.title(t("app_title", lang))
st.caption(t("app_subtitle", lang))
if pkg.modelled_layers:
    st.info(t("modelled_banner", lang, layers="、".join(L[layer] for layer in pkg.modelled_layers)))

counts = pkg.facilities["kind"].value_counts()
cols = st.columns(5)
cols[0].metric(L["districts"], len(pkg.districts))
cols[1].metric(L["units"], len(pkg.units))
cols[2].metric(L["population"], f"{pkg.population:,.0f}")
cols[3].metric(L["facilities"], len(pkg.facilities))
cols[4].metric(L["village_clinics"], int(counts.get("village_clinic", 0)))

present = [k for k in FACILITY_KINDS if counts.get(k, 0)]
with st.expander(L["map"] + " · " + L["legend"], expanded=False):
    c1, c2, c3 = st.columns([1, 2, 1])
    show_units = c1.toggle(L["show_units"], value=True)
    kinds = c2.multiselect(L["show_kinds"], present, default=[k for k in present if k != "village_clinic"],
                           format_func=lambda k: L[f"kind_{k}"])
    basemap = c3.selectbox(L["basemap"], ["none", "osm", "tianditu"],
                           format_func=lambda b: L[f"basemap_{ {'none': 'none', 'osm': 'osm', 'tianditu': 'tdt'}[b] }"])
    key = c3.text_input(L["tdt_key"], type="password") if basemap == "tianditu" else ""

m = base_map(pkg.districts, basemap=basemap, tianditu_key=key)
district_layer(pkg.districts, L).add_to(m)
if show_units:
    unit_layer(pkg.units, L).add_to(m)
for kind in kinds:
    facility_layer(pkg.facilities, kind, L).add_to(m)
st_folium(m, height=620, use_container_width=True, returned_objects=[], key=f"data-map-{package_id}")
rings = [r for r in ("central", "near_suburb", "remote_suburb", "county") if r in set(pkg.districts["ring"])]
st.markdown(legend_html(rings, present, L), unsafe_allow_html=True)

tabs = st.tabs([L["districts"], L["units"], L["facilities"], L["partnerships"], L["load_report"]])
tables = (pkg.districts, pkg.units, pkg.facilities, pkg.partnerships)
for tab, frame in zip(tabs, tables):
    with tab:
        shown = frame.drop(columns=[c for c in ("geometry", "_pos") if c in frame.columns])
        st.dataframe(shown, hide_index=True, width="stretch")
with tabs[4]:
    show_report(pkg.report, pkg.meta, lang)
