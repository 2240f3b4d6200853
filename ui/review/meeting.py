"""The meeting view of one plan version: headline figures, the map in the plan's colours (broken
grids marked, a large label naming the grid under the pointer), the population chart, the rules,
a card a grid, and the edit log; every part shows the grids the filters leave in view. In
presentation mode the map comes first."""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from planning.colours import feature_colours
from ui import editlog
from ui.charts import population_section
from ui.i18n import t, tp
from ui.maps import base_map, district_labels, lead_layer, safe_text, swatch_html
from ui.review.data import Review, grid_names, grid_title, named, open_issues, shares, verdict_in_view
from ui.review.gridmap import add_grids, grid_frame
from ui.verdict_panel import rules_table, violation_notices

MAP_HEIGHT = {False: 700, True: 560}  # presentation: the whole map above the fold of a 1080 projector at 150 %
LABEL_PX = {False: 20, True: 34}


def show(r: Review) -> None:
    lang, export, L = r.lang, r.export, r.L
    colours = feature_colours(export.collection["features"])  # the whole plan's, as in every view
    verdict = verdict_in_view(export.filing.verdict, export, r.grids["grid_id"].tolist(), r.shown)
    n, total = len(r.grids), len(export.filing.grids)
    # presenting, the controls are hidden: the same line says which plan and version the room sees
    st.caption(f"{tp('rv_presenting', lang, name=r.plan_name, version=r.version)} · {tp('rv_shown', lang, n=n, total=total)}"
               if r.present else tp("rv_shown", lang, n=n, total=total))
    if not len(r.grids):
        st.info(t("rv_none_shown", lang))
    if r.present:
        grid_map(r, colours)
        figures(r, verdict)
    else:
        figures(r, verdict)
        grid_map(r, colours)
    population_section(r.grids, colours, r.names, r.session.band, {d for d, ring in r.rings.items() if ring == "county"},
                       lang, key=f"review-chart-{r.plan_id}")
    st.subheader(t("rules_panel", lang))
    rules_table(verdict, lang)
    violation_notices(verdict, lang)
    st.subheader(t("grid_cards", lang))
    cards(r, colours)
    st.subheader(L["edit_log"])
    editlog.log(r.store, r.plan_id, lang, upto=r.version)
    if export.plan.notes:
        editlog.notes(export.plan, lang)


def _share(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1%}"


def figures(r: Review, verdict) -> None:
    """The headline figures of the grids in view (``verdict``: the rules as far as they are in view)."""
    L, lang, grids = r.L, r.lang, r.grids
    people = grids["population"].sum()
    ratio = grids["population"].max() / grids["population"].min() if len(grids) and grids["population"].min() > 0 else math.nan
    served, integrated = shares(r.units, r.villages, r.export, grids["grid_id"].tolist())
    none = not len(grids)  # nothing in view: no figure rather than a zero that reads as a result
    cols = st.columns(6 if r.present else 3)
    cols[0].metric(L["grid_count"], len(grids))
    cols[1].metric(L["population"], "—" if none else f"{people / 1e4:,.1f} 万" if lang == "zh" else f"{people / 1e6:,.2f} M")
    cols[2].metric(L["balance"], "—" if math.isnan(ratio) else f"{ratio:.2f}")
    cols = cols[3:] if r.present else st.columns(3)
    cols[0].metric(L["served_share"], "—" if none else _share(served))
    cols[1].metric(L["village_integrated"], "—" if none else _share(integrated))
    cols[2].metric(L["rules_passed"], "—" if none else f"{len(verdict.rules) - len(verdict.failed)} / {len(verdict.rules)}")


def grid_map(r: Review, colours: dict[str, str]) -> None:
    """The grids in view in the plan's colours, the broken ones hatched in red, their leads and
    the partner city hospitals' campuses, and the label that follows the pointer."""
    pkg, f, L, lang = r.pkg, r.export.filing, r.L, r.lang
    kept = set(r.grids["grid_id"].astype(str))
    features = gpd.GeoDataFrame.from_features(
        [x for x in r.export.collection["features"] if str(x["properties"]["grid_id"]) in kept], crs=4326)
    districts = pkg.districts[pkg.districts["district_code"].isin(r.shown)]
    m = base_map(districts if len(districts) else pkg.districts)
    if len(features):
        shown = features[["grid_id", "geometry"]].merge(f.grids[["grid_id", "lead_name", "population"]], on="grid_id")
        rule_names = {rule.id: rule.title(lang) for rule in f.verdict.rules}
        frame = grid_frame(shown, colours, grid_names(f.grids, lang), open_issues(r.export), rule_names)
        add_grids(m, frame, [t("rv_grid", lang), L["lead_hospital"], L["population"], t("rv_issues", lang)],
                  label_px=LABEL_PX[r.present], quiet=r.present)
        if r.filters.active:  # the grids the filters leave, not every district
            minx, miny, maxx, maxy = features.total_bounds
            m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=12)
    leads = pkg.facilities[pkg.facilities["facility_code"].isin(set(r.grids["lead_facility_code"]))]
    if len(leads):  # a tooltip on no data is an error in folium
        lead_layer(leads, L).add_to(m)
    partners = set(f.pairings.loc[f.pairings["district_code"].isin(set(r.grids["district_code"])), "hospital_code"])
    campuses = pkg.facilities[(pkg.facilities["kind"] == "city_hospital") & pkg.facilities["hospital_code"].isin(partners)]
    group = folium.FeatureGroup(name="partners")
    for row in campuses.itertuples():
        folium.CircleMarker([row.geometry.y, row.geometry.x], radius=7, color="#ffffff", weight=1.5, fill=True,
                            fill_color="#d62728", fill_opacity=1, tooltip=safe_text(row.name)).add_to(group)
    group.add_to(m)
    district_labels(districts).add_to(m)
    st_folium(m, height=MAP_HEIGHT[r.present], use_container_width=True, returned_objects=[],
              key=f"review-map-{r.plan_id}-{r.version}-{int(r.present)}")
    st.caption(t("review_legend", lang) + t("rv_broken_legend", lang))


def cards(r: Review, colours: dict[str, str]) -> None:
    """A card a grid in view (``card_html``), three a row."""
    f, grids, issues = r.export.filing, r.grids, open_issues(r.export)
    for start in range(0, len(grids), 3):
        for col, row in zip(st.columns(3), grids.iloc[start:start + 3].itertuples()):
            paired = f.pairings[f.pairings["district_code"] == row.district_code]
            partners = [h or c for h, c in zip(paired["hospital"], paired["hospital_code"])]
            members = int((f.members["grid_id"] == row.grid_id).sum())
            with col.container(border=True):
                st.markdown(card_html(row, colours.get(str(row.grid_id), ""), members, partners,
                                      sorted(issues.get(row.grid_id, ())), r.L, r.lang), unsafe_allow_html=True)


def card_html(row, colour: str, members: int, partners: list[str], rules: list[str], L: dict, lang: str) -> str:
    """One grid's card: its colour and name (district and number) first, its id after, then its
    lead (name, code), population, members, partners and the rules it breaks; every text escaped."""
    colon, comma = ("：", "、") if lang == "zh" else (": ", ", ")

    def line(*pairs: tuple[str, str]) -> str:
        return "<p>" + " · ".join(f"{safe_text(k)}{colon}{safe_text(v)}" for k, v in pairs) + "</p>"

    return (f"<div class='ylt-card'><h4>{swatch_html(colour)}{safe_text(grid_title(row.grid_id, row.district_name, lang))}</h4>"
            + line((t("rv_grid_code", lang), row.grid_id))
            + line((L["lead_hospital"], named(row.lead_name, row.lead_facility_code, lang)))
            + line((L["population"], f"{row.population:,.0f}"), (L["units"], row.units))
            + line((L["members"], members), (L["mean_access"], f"{row.mean_access_km:.1f}"))
            + line((L["partners"], comma.join(partners) or "—"))
            + line((L["open_issues"], comma.join(rules) or "—")) + "</div>")
