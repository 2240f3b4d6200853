"""Two versions compared: what moved, the figures before and after, the pairings added and
removed."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.filing import compare
from ui import planbar
from ui.i18n import t, tp
from ui.maps import base_map, district_labels, safe_text
from ui.review.data import Review, stored, unusable
from ui.tables import display


def show(r: Review) -> None:
    lang, L, pkg, export, session, store = r.lang, r.L, r.pkg, r.export, r.session, r.store
    plan_id, version, ids, by_id, names = r.plan_id, r.version, r.ids, r.by_id, r.names
    c1, c2 = st.columns(2)
    other_plan = c1.selectbox(t("compare_with", lang), ids, index=ids.index(plan_id),
                              format_func=lambda i: planbar.label(by_id[i]), key="cmp_plan")
    other_versions = list(range(by_id[other_plan]["version"], 0, -1))
    default = other_versions.index(version - 1) if other_plan == plan_id and version - 1 in other_versions else 0
    other_version = c2.selectbox(L["version"], other_versions, index=default, key="cmp_version")
    try:
        before = stored(store, session, other_plan, other_version)
    except Exception as exc:  # the other version cannot be compared: say so, keep this one
        unusable(by_id[other_plan]["name"], other_version, exc, lang)
    diff = compare(export.world, before, export.plan)
    cols = st.columns(4)
    cols[0].metric(t("units_moved", lang), len(diff["units_moved"]))
    cols[1].metric(t("residents_moved", lang), f"{diff['residents_moved']:,.0f}")
    cols[2].metric(t("pairings_added", lang), len(diff["pairings_added"]))
    cols[3].metric(t("pairings_removed", lang), len(diff["pairings_removed"]))
    moved = {u["unit_code"] for u in diff["units_moved"]}
    changed = pkg.units[pkg.units["unit_code"].isin(moved)]
    m = base_map(pkg.districts)
    folium.GeoJson(pkg.units[["unit_code", "geometry"]], name="units", interactive=False,
                   style_function=lambda _: {"fillColor": "#eeeeee", "color": "#999999", "weight": 0.5, "fillOpacity": 0.6}).add_to(m)
    if len(changed):
        frame = gpd.GeoDataFrame({"unit": [safe_text(c) for c in changed["unit_code"]],
                                  "from": [safe_text(before.assignment.get(c, "")) for c in changed["unit_code"]],
                                  "to": [safe_text(export.plan.assignment.get(c, "")) for c in changed["unit_code"]]},
                                 geometry=changed.geometry.values, crs=4326)
        folium.GeoJson(frame, name="changed", style_function=lambda _: {"fillColor": "#e6007e", "color": "#7a0043",
                                                                        "weight": 1.5, "fillOpacity": 0.75},
                       tooltip=folium.GeoJsonTooltip(fields=["unit", "from", "to"],
                                                     aliases=[L["units"], t("from_grid", lang), t("to_grid", lang)])).add_to(m)
        minx, miny, maxx, maxy = changed.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=11)  # the changes, not the whole city
    district_labels(pkg.districts).add_to(m)
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key=f"cmp-map-{plan_id}")
    figures = pd.DataFrame([{"figure": t(f"figure_{k}", lang), "before": v["before"], "after": v["after"], "change": v["change"]}
                            for k, v in diff["figures"].items()])
    st.dataframe(figures.rename(columns={"figure": L["name"], "before": t("before", lang), "after": t("after", lang),
                                         "change": t("change", lang)}), hide_index=True, width="stretch")
    if diff["pairings_added"] or diff["pairings_removed"]:
        st.markdown(tp("pairings_diff", lang, added="、".join(f"{h}→{names.get(d, d)}" for h, d in diff["pairings_added"]) or "—",
                       removed="、".join(f"{h}→{names.get(d, d)}" for h, d in diff["pairings_removed"]) or "—"))
    if diff["units_moved"]:
        st.dataframe(display(pd.DataFrame(diff["units_moved"]), lang), hide_index=True, width="stretch")
