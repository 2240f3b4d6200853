"""覆盖缺口 Coverage gaps: who is too far from care or unserved, where to add care, village clinics;
each district's share served and distance to care as bars by ring, remote suburbs first."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.coverage import summary_by
from planning.villages import integration
from ui import shell, state
from ui.accessibility_view import section as accessibility_section
from ui.charts import access_bars, coverage_bars, coverage_frame
from ui.i18n import plain, t
from ui.maps import base_map, district_labels, gap_layer, safe_text
from ui.tables import show


def district_charts(table: pd.DataFrame, world, lang: str) -> None:
    """Share served and distance to care per district, side by side, coloured by ring."""
    st.subheader(t("chart_coverage_title", lang))
    frame = coverage_frame(table, world.district_names, world.district_ring)
    ring_words = {r: t(f"ring_{r}", lang) for r in ("central", "near_suburb", "remote_suburb", "county")}
    labels = {"served_share": t("chart_served_axis", lang), "district": t("chart_district", lang),
              "ring": t("ring", lang), "population": t("population", lang), "distance": t("chart_distance_axis", lang),
              "mean": t("chart_mean_km", lang), "p95": t("chart_p95_km", lang)}
    left, right = st.columns(2)
    left.altair_chart(coverage_bars(frame, ring_words=ring_words, labels=labels), width="stretch")
    right.altair_chart(access_bars(frame, ring_words=ring_words, labels=labels), width="stretch")
    st.caption(t("chart_coverage_note", lang))


lang, L, package_id, pkg = shell.page("page_coverage", "coverage_intro")
sites = st.slider(t("site_count", lang), 0, 30, 10)
with st.spinner(t("loading", lang)):
    result = state.session().coverage(sites=sites)
world, table, gaps, villages = result.world, result.table, result.gaps, result.villages
site_codes, site_names, gains = result.site_codes, result.site_names, result.site_gains

city = summary_by(table.assign(city="all"), "city").iloc[0]
cols = st.columns(4)
cols[0].metric(L["population"], f"{city['population']:,.0f}")
cols[1].metric(L["served_share"], f"{city['served_share']:.1%}")
cols[2].metric(L["unserved_share"], f"{city['unserved_share']:.1%}")
cols[3].metric(L["not_covered_share"], f"{city['not_covered_share']:.1%}")
staff = result.staffing_gaps
if len(staff):  # blank staffing is unknown, not zero: say how it was filled
    by = staff["capacity_source"].value_counts()
    st.warning(plain(t("staffing_gaps", lang, n=len(staff), median=int(by.get("median", 0)), unknown=int(by.get("unknown", 0)),
                       codes=("、" if lang == "zh" else ", ").join(staff["facility_code"][:10]) + (" …" if len(staff) > 10 else ""),
                       share=f"{city['unknown_share']:.1%}", estimated=f"{city['served_estimated_share']:.1%}")))

units = pkg.units[["unit_code", "unit_name", "geometry"]].merge(gaps, on="unit_code")
names = dict(zip(pkg.units["unit_code"], pkg.units["unit_name"]))
m = base_map(pkg.districts)
gap_layer(units, L).add_to(m)
district_labels(pkg.districts).add_to(m)
new = folium.FeatureGroup(name="sites")
for rank, ((lon, lat), name, gain) in enumerate(zip(result.site_lonlat, site_names, gains), start=1):
    folium.CircleMarker([lat, lon], radius=8, color="#ffffff", weight=2, fill=True, fill_color="#2166ac", fill_opacity=1,
                        tooltip=safe_text(f"{rank}. {name} +{gain:,.0f}")).add_to(new)
new.add_to(m)
st_folium(m, height=560, use_container_width=True, returned_objects=[], key=f"gap-map-{package_id}-{sites}")
st.markdown(" ".join(f'<span style="white-space:nowrap"><span style="display:inline-block;width:14px;height:14px;'
                     f'background:{c};border:1px solid #777;margin:0 4px -2px 10px"></span>{label}</span>'
                     for c, label in (("#f7f7f7", "< 25%"), ("#fddbc7", "25–50%"), ("#ef8a62", "50–75%"), ("#b2182b", "> 75%")))
            + f' &nbsp;({L["unserved_share"]} + {L["not_covered_share"]}) &nbsp; '
            + '<span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:#2166ac;margin:0 4px -1px 10px">'
            + f'</span>{L["new_sites"]}', unsafe_allow_html=True)

district_charts(table, world, lang)
accessibility_section(state.session(), pkg, package_id, lang)

st.subheader(t("top_gaps", lang))
top = gaps.head(20).assign(unit_name=lambda g: g["unit_code"].map(names),
                           district_name=lambda g: g["district_code"].map(world.district_names))
show(top[["unit_name", "unit_code", "district_name", "ring", "population", "primary_km", "served",  # names first
          "unserved", "not_covered", "gap_score", "reason"]], lang)
st.subheader(t("new_sites", lang))
if sites:
    st.caption(t(f"sites.source_{result.candidate_source}", lang, n=f"{result.candidate_count:,}", k=len(site_codes),
                 km=f"{pkg.config.chc_threshold_km:g}"))
show(pd.DataFrame({"rank": range(1, len(site_codes) + 1), "name": site_names, "site_code": site_codes,
                   "population_gained": gains}), lang)
st.subheader(t("village_integration", lang))
if len(villages):
    show(integration(villages, "district_code", pkg.config), lang)
else:
    st.info(t("no_village_clinics", lang))
