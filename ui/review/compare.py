"""Two versions compared: versions named by time (Beijing), author and action, with shortcuts to
the proposal and to the layout before the last change; both maps side by side in the grids'
colours; what moved, by name; the figures before and after as a chart and a table; the pairings
added and removed."""

from __future__ import annotations

import math

import altair as alt
import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.colours import feature_colours
from planning.filing import compare
from planning.metrics import summary
from ui import planbar
from ui.i18n import plain, sendable, t, tp
from ui.maps import base_map, district_labels, safe_text
from geodata.plans import last_filed
from ui.review.data import (Review, default_before, exported, grid_names, named, open_issues, unusable, version_entries,
                            version_label)
from ui.review.gridmap import add_grids, grid_frame
from ui.tables import show as show_table

MOVED = "#e6007e"
FIGURES = ("grids", "population", "population_max_min_ratio", "population_max_deviation", "mean_access_km",
           "mean_polsby_popper")


def _choose(plan_id: str, version: int) -> None:
    st.session_state["cmp_plan"], st.session_state["cmp_version"] = plan_id, version


def pick(r: Review) -> tuple[str, int, dict[int, dict]]:
    """The version to compare with: a plan and a version (labelled by time, author and action),
    the proposal (v1) and the layout before the last change one click away; its plan's log."""
    lang, ids, by_id, ss = r.lang, r.ids, r.by_id, st.session_state
    before_last = default_before(r.entries, r.version)
    shortcuts = st.columns([1, 1, 3], vertical_alignment="center")
    shortcuts[0].button(t("rv_proposal", lang), key="cmp_proposal", on_click=_choose, args=(r.plan_id, 1),
                        width="stretch")
    filed = last_filed(r.store.history(r.plan_id))
    if filed is not None:
        shortcuts[1].button(t("rv_last_filed", lang, version=filed), key="cmp_last", width="stretch",
                            on_click=_choose, args=(r.plan_id, filed))
        shortcuts[2].caption(t("rv_filed_note", lang))
    else:
        shortcuts[1].button(t("rv_before_change", lang, version=before_last), key="cmp_last", width="stretch",
                            on_click=_choose, args=(r.plan_id, before_last))
        shortcuts[2].caption(t("rv_no_filing", lang))
    if ss.get("cmp_plan") not in ids:  # first visit, or that plan was deleted: this plan
        ss["cmp_plan"] = r.plan_id
        ss.pop("cmp_version", None)
    c1, c2 = st.columns([2, 3])
    other_plan = c1.selectbox(t("compare_with", lang), ids, format_func=lambda i: planbar.label(by_id[i]), key="cmp_plan")
    entries = r.entries if other_plan == r.plan_id else version_entries(r.store.history(other_plan))
    versions = list(range(by_id[other_plan]["version"], 0, -1))
    if ss.get("cmp_version") not in versions:  # never chosen, or not a version of this plan: the default
        ss["cmp_version"] = before_last if other_plan == r.plan_id and before_last in versions else versions[0]
    version = c2.selectbox(r.L["version"], versions, key="cmp_version",
                           format_func=lambda v: version_label(v, entries.get(v), lang))
    return other_plan, version, entries


def show(r: Review) -> None:
    lang, export = r.lang, r.export
    other_plan, other_version, other_entries = pick(r)
    try:
        before = exported(r.key, other_plan, other_version, None, r.session, r.store)
    except Exception as exc:  # the other version cannot be compared: say so, keep this one
        unusable(r.by_id[other_plan]["name"], other_version, exc, lang)
    diff = in_view(compare(export.world, before.plan, export.plan), r.pkg.units, before.filing.grids,
                   export.filing.grids, r.shown)
    if len(r.shown) < len(r.names):
        st.caption(tp("rv_compare_scope", lang, districts=[r.names.get(d, d) for d in r.shown] or ["—"]))
    if r.filters.active:  # violations, shares and rules belong to one version: the comparison shows every grid
        st.caption(t("rv_compare_grid_filters", lang))
    cols = st.columns(4)
    cols[0].metric(t("units_moved", lang), len(diff["units_moved"]))
    cols[1].metric(t("residents_moved", lang), f"{diff['residents_moved']:,.0f}")
    cols[2].metric(t("pairings_added", lang), len(diff["pairings_added"]))
    cols[3].metric(t("pairings_removed", lang), len(diff["pairings_removed"]))
    moved = moved_table(diff, r.pkg.units, grid_names(before.filing.grids, lang), grid_names(export.filing.grids, lang), lang)
    extent = changed_extent(r.pkg.units, diff, before.plan, export.plan)
    left, right = st.columns(2)
    shared = side_colours(before, export)
    for col, side, source, v in ((left, "before", before, other_version), (right, "after", export, r.version)):
        with col:
            label = version_label(v, (r.entries if side == "after" else other_entries).get(v), lang)
            st.markdown(f"**{plain(t(side, lang))}** · {plain(label)}")
            side_map(r, source, moved, extent, shared[side], key=f"cmp-map-{side}-{r.plan_id}")
    st.caption(t("rv_compare_legend", lang))
    st.subheader(t("rv_figures", lang))
    frame = figures_frame(diff, lang)
    st.altair_chart(figures_chart(frame, {"before": t("before", lang), "after": t("after", lang)}),
                    width="stretch")
    table = frame.pivot(index="figure", columns="side", values="value").reindex(frame["figure"].unique())
    table = table.reset_index()[["figure", "before", "after"]].rename(columns={"figure": t("rv_figure", lang)})
    table[t("change", lang)] = table["after"] - table["before"]
    st.dataframe(table.rename(columns={"before": t("before", lang), "after": t("after", lang)}), hide_index=True,
                 width="stretch", column_config={c: st.column_config.NumberColumn(format="localized")
                                                 for c in (t("before", lang), t("after", lang), t("change", lang))})
    if diff["pairings_added"] or diff["pairings_removed"]:
        names, hospitals = r.names, hospital_names(before.filing.pairings, export.filing.pairings)
        added = "、".join(f"{hospitals.get(h, h)}→{names.get(d, d)}" for h, d in diff["pairings_added"]) or "—"
        removed = "、".join(f"{hospitals.get(h, h)}→{names.get(d, d)}" for h, d in diff["pairings_removed"]) or "—"
        st.markdown(tp("pairings_diff", lang, added=added, removed=removed))
    if len(moved):
        st.subheader(t("units_moved", lang))
        show_table(moved.drop(columns=["unit_code"]).rename(columns={
            "unit": t("rv_unit", lang), "from": t("from_grid", lang), "to": t("to_grid", lang),
            "population": t("population", lang)}), lang)


def in_view(diff: dict, units: pd.DataFrame, before_grids: pd.DataFrame, after_grids: pd.DataFrame,
            districts: list[str]) -> dict:
    """``planning.filing.compare``'s answer for the districts in view: the units moved and the
    pairings added or removed there, the residents of those units, and the figures of the grids
    there (``planning.metrics.summary`` of each version's grid table). All districts: unchanged."""
    wanted = set(districts)
    district_of = dict(zip(units["unit_code"].astype(str), units["district_code"].astype(str)))
    moved = [u for u in diff["units_moved"] if district_of.get(str(u["unit_code"])) in wanted]
    before = summary(before_grids[before_grids["district_code"].astype(str).isin(wanted)])
    after = summary(after_grids[after_grids["district_code"].astype(str).isin(wanted)])
    return {**diff, "units_moved": moved, "residents_moved": float(sum(u["population"] for u in moved)),
            "pairings_added": [p for p in diff["pairings_added"] if p[1] in wanted],
            "pairings_removed": [p for p in diff["pairings_removed"] if p[1] in wanted],
            "figures": {k: {"before": before[k], "after": after[k], "change": after[k] - before[k]} for k in before}}


def hospital_names(*pairings: pd.DataFrame) -> dict[str, str]:
    """City hospitals' names by code, from the pairing tables of both versions (a code without a
    name stays a code)."""
    out: dict[str, str] = {}
    for table in pairings:
        out.update({str(c): str(n) for c, n in zip(table["hospital_code"], table["hospital"]) if str(n or "").strip()})
    return out


def moved_table(diff: dict, units: pd.DataFrame, before_names: dict[str, str], after_names: dict[str, str],
                lang: str) -> pd.DataFrame:
    """The units that changed grid, names first: unit (name and code), from and to (grid names),
    residents; ``unit_code`` kept for the map."""
    unit_names = dict(zip(units["unit_code"].astype(str), units["unit_name"]))
    rows = [{"unit_code": u["unit_code"], "unit": sendable(named(unit_names.get(u["unit_code"], ""), u["unit_code"], lang)),
             "from": sendable(before_names.get(u["from"], u["from"]) or "—"),
             "to": sendable(after_names.get(u["to"], u["to"]) or "—"), "population": u["population"]}
            for u in diff["units_moved"]]
    return pd.DataFrame(rows, columns=["unit_code", "unit", "from", "to", "population"])


def changed_extent(units: gpd.GeoDataFrame, diff: dict, before, after) -> tuple[float, float, float, float] | None:
    """The bounds (west, south, east, north) of every grid a moved unit left or joined, in either
    version: both maps show the same place, the changes with their grids around them. None when
    nothing moved."""
    touched = {u["from"] for u in diff["units_moved"]} | {u["to"] for u in diff["units_moved"]}
    touched.discard("")
    codes = units["unit_code"].astype(str)
    inside = codes.map(lambda u: before.assignment.get(u) in touched or after.assignment.get(u) in touched)
    if not inside.any():
        return None
    return tuple(float(v) for v in units[inside.to_numpy()].total_bounds)


def side_colours(before, after) -> dict[str, dict[str, str]]:
    """Each side's grid colours: the version in review's own colouring (``feature_colours``), and
    the same colour for the same grid on the earlier side, so a grid reads the same on both maps; a
    grid only the earlier version has keeps that version's colour."""
    now = feature_colours(after.collection["features"])
    return {"after": now, "before": {**feature_colours(before.collection["features"]),
                                     **{g: c for g, c in now.items() if g in set(before.filing.grids["grid_id"].astype(str))}}}


def side_map(r: Review, source, moved: pd.DataFrame, extent, colours: dict[str, str], *, key: str) -> None:
    """One version's grids in ``colours`` (``side_colours``), broken ones marked, the units that
    moved outlined; fitted to ``extent`` (the changed grids) when there is one."""
    lang, L, pkg = r.lang, r.L, r.pkg
    features = gpd.GeoDataFrame.from_features(source.collection["features"], crs=4326)
    districts = pkg.districts[pkg.districts["district_code"].isin(r.shown)]
    m = base_map(districts if len(districts) else pkg.districts)
    if len(features):
        shown = features[["grid_id", "geometry"]].merge(source.filing.grids[["grid_id", "lead_name", "population"]],
                                                        on="grid_id")
        frame = grid_frame(shown, colours, grid_names(source.filing.grids, lang),
                           open_issues(source), {rule.id: rule.title(lang) for rule in source.filing.verdict.rules})
        add_grids(m, frame, [t("rv_grid", lang), L["lead_hospital"], L["population"], t("rv_issues", lang)],
                  label_px=18)
    changed = pkg.units[pkg.units["unit_code"].astype(str).isin(set(moved["unit_code"]))]
    if len(changed):
        rows = moved.set_index("unit_code").loc[changed["unit_code"].astype(str)]
        frame = gpd.GeoDataFrame({"unit": [safe_text(v) for v in rows["unit"]], "from": [safe_text(v) for v in rows["from"]],
                                  "to": [safe_text(v) for v in rows["to"]]}, geometry=changed.geometry.values, crs=4326)
        folium.GeoJson(frame, name="moved", style_function=lambda _: {"fillOpacity": 0, "color": MOVED, "weight": 3},
                       tooltip=folium.GeoJsonTooltip(fields=["unit", "from", "to"],
                                                     aliases=[t("rv_unit", lang), t("from_grid", lang), t("to_grid", lang)])
                       ).add_to(m)
    if extent is not None:
        minx, miny, maxx, maxy = extent
        m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=12)  # the changes, not the whole city
    district_labels(pkg.districts).add_to(m)
    st_folium(m, height=480, use_container_width=True, returned_objects=[], key=key)


def figures_frame(diff: dict, lang: str) -> pd.DataFrame:
    """The figures of both versions, long: figure (the reader's words), side (before/after), value
    (NaN where a figure has none, e.g. the max/min ratio with an empty grid) and its text."""
    rows = []
    for key in FIGURES:
        if key not in diff["figures"]:
            continue
        for side in ("before", "after"):
            value = float(diff["figures"][key][side])
            rows.append({"figure": t(f"figure_{key}", lang), "side": side, "value": value if math.isfinite(value) else math.nan,
                         "label": figure_text(value)})
    return pd.DataFrame(rows, columns=["figure", "side", "value", "label"])


def figure_text(value: float) -> str:
    """A figure as people read it: whole numbers with thousands separators from 1,000 up, else four
    significant digits (never an exponent); — where there is none."""
    if not math.isfinite(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def figures_chart(frame: pd.DataFrame, labels: dict[str, str]) -> alt.FacetChart:
    """Each figure as a pair of bars, before (grey) and after (blue), one small chart per figure
    with its own scale (the figures have different units)."""
    data = frame.dropna(subset=["value"]).assign(version=lambda d: d["side"].map(labels))
    order = [labels["before"], labels["after"]]
    bars = alt.Chart().mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("value:Q", title=None, axis=None),  # each bar carries its number
        y=alt.Y("version:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13)),
        color=alt.Color("version:N", sort=order, scale=alt.Scale(domain=order, range=["#9e9e9e", "#1f4e9c"]), legend=None),
        tooltip=[alt.Tooltip("figure:N", title=" "), alt.Tooltip("version:N", title=" "),
                 alt.Tooltip("label:N", title=" ")])
    text = alt.Chart().mark_text(align="left", dx=4, fontSize=13).encode(
        x="value:Q", y=alt.Y("version:N", sort=order), text="label:N")
    return (alt.layer(bars, text, data=data).properties(width=300, height=alt.Step(30))
            .facet(facet=alt.Facet("figure:N", title=None, sort=list(dict.fromkeys(data["figure"])),
                                   header=alt.Header(labelFontSize=14, labelFontWeight="bold")), columns=3)
            .resolve_scale(x="independent"))
