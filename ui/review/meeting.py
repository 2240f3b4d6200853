"""The meeting view of one plan version: headline figures, the map in the plan's colours, the
population chart, the rules, a card a grid, and the edit log."""

from __future__ import annotations

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from planning.colours import feature_colours
from ui import editlog
from ui.charts import population_section
from ui.i18n import t
from ui.maps import (
    base_map,
    district_labels,
    grid_layer,
    lead_layer,
    safe_text,
    swatch_html,
)
from ui.review.data import Review, open_issues
from ui.verdict_panel import rules_table, violation_notices


def show(r: Review) -> None:
    lang, L, pkg, export = r.lang, r.L, r.pkg, r.export
    f, grids, shown, served, villages = export.filing, r.grids, r.shown, r.served, r.villages
    plan_id, version, names, rings = r.plan_id, r.version, r.names, r.rings
    people = grids["population"].sum()
    ratio = grids["population"].max() / grids["population"].min() if len(grids) and grids["population"].min() > 0 else 0
    cols = st.columns(3)
    cols[0].metric(L["grid_count"], len(grids))
    cols[1].metric(L["population"], f"{people / 1e4:,.1f} 万" if lang == "zh" else f"{people / 1e6:,.2f} M")
    cols[2].metric(L["balance"], f"{ratio:.2f}")
    cols = st.columns(3)
    cols[0].metric(L["served_share"], f"{served['served_share']:.1%}")
    cols[1].metric(L["village_integrated"], f"{villages['integrated'].mean():.1%}" if len(villages) else "—")
    cols[2].metric(L["rules_passed"], f"{len(f.verdict.rules) - len(f.verdict.failed)} / {len(f.verdict.rules)}")

    colours = feature_colours(export.collection["features"])  # the whole plan's, as in every view
    features = gpd.GeoDataFrame.from_features(
        [x for x in export.collection["features"] if x["properties"]["district_code"] in shown], crs=4326)
    m = base_map(pkg.districts[pkg.districts["district_code"].isin(shown)])
    if len(features):
        grid_layer(features.merge(f.grids[["grid_id"]], on="grid_id"), L, colours).add_to(m)
    lead_layer(pkg.facilities[pkg.facilities["facility_code"].isin(set(grids["lead_facility_code"]))], L).add_to(m)
    partners = set(f.pairings.loc[f.pairings["district_code"].isin(shown), "hospital_code"])
    campuses = pkg.facilities[(pkg.facilities["kind"] == "city_hospital") & pkg.facilities["hospital_code"].isin(partners)]
    partner_group = folium.FeatureGroup(name="partners")
    for row in campuses.itertuples():
        folium.CircleMarker([row.geometry.y, row.geometry.x], radius=7, color="#ffffff", weight=1.5, fill=True,
                            fill_color="#d62728", fill_opacity=1, tooltip=safe_text(row.name)).add_to(partner_group)
    partner_group.add_to(m)
    district_labels(pkg.districts[pkg.districts["district_code"].isin(shown)]).add_to(m)
    st_folium(m, height=700, use_container_width=True, returned_objects=[], key=f"review-map-{plan_id}-{version}")
    st.caption(t("review_legend", lang))
    population_section(grids, colours, names, r.session.band, {d for d, r in rings.items() if r == "county"}, lang,
                       key=f"review-chart-{plan_id}")

    st.subheader(t("rules_panel", lang))
    rules_table(f.verdict, lang)
    violation_notices(f.verdict, lang)

    st.subheader(t("grid_cards", lang))
    issues = open_issues(export)
    for start in range(0, len(grids), 3):
        row_cols = st.columns(3)
        for col, row in zip(row_cols, grids.iloc[start:start + 3].itertuples()):
            members = f.members[f.members["grid_id"] == row.grid_id]
            paired = f.pairings[f.pairings["district_code"] == row.district_code]
            partners_text = "、".join(h or c for h, c in zip(paired["hospital"], paired["hospital_code"])) or "—"
            with col.container(border=True):
                st.markdown(
                    f"<div class='ylt-card'><h4>{swatch_html(colours.get(str(row.grid_id), ''))}"
                    f"{safe_text(row.grid_id)} · {safe_text(row.district_name)}</h4>"
                    f"<p>{safe_text(L['lead_hospital'])}：{safe_text(row.lead_name)}</p>"
                    f"<p>{safe_text(L['population'])}：{row.population:,.0f} · {safe_text(L['units'])}：{row.units}</p>"
                    f"<p>{safe_text(L['members'])}：{len(members)} · {safe_text(L['mean_access'])}：{row.mean_access_km:.1f}</p>"
                    f"<p>{safe_text(L['partners'])}：{safe_text(partners_text)}</p>"
                    f"<p>{safe_text(L['open_issues'])}：{safe_text('、'.join(sorted(issues[row.grid_id])) or '—')}</p></div>",
                    unsafe_allow_html=True)

    st.subheader(L["edit_log"])
    editlog.log(r.store, plan_id, lang, upto=version)
    if export.plan.notes:
        editlog.notes(export.plan, lang)
