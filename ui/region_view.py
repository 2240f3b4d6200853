"""全省汇总: a region's batch results (``geodata.region_results``) as the page shows them: the
summary figures, the province map of every county's alliances, the residents and balance by
county, the counties' table and the failed ones. The figures, frames and charts are pure (tested
without a browser); ``show_*`` draw with Streamlit."""

from __future__ import annotations

import math
from collections.abc import Mapping

import altair as alt
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from geodata.charts import TARGET_COLOUR, unique_labels
from geodata.region_results import setting
from planning.colours import NO_GRID, shape_colours
from ui.i18n import sendable, t, tp
from ui.maps import base_map, safe_text, short_grid_id
from ui.tables import display, number_formats

DONE = ("ok", "resumed")
CHART_ROWS = 40  # counties in the charts (the worst balance first); the table has them all
LABEL_PX_PER_CHAR = 11  # a county's name shows once its county is this many pixels wide per character
SIMPLIFY_PARTS = 1500  # display geometry simplified to about 1/1500 of the region's extent
TABLE_COLUMNS = ("area_name", "area_code", "status", "units", "population", "grids", "grid_population_min",
                 "grid_population_max", "balance", "village_clinics", "villages_linked", "served_share", "access_mean",
                 "errors", "warnings")
TWO_DECIMALS = ("balance", "access_mean")
OVER_FILL, WITHIN_FILL = "#e6705a", "#7fb3d5"  # a county above the balance target, within it


def _numbers(summary: pd.DataFrame, column: str) -> pd.Series:
    if column not in summary:
        return pd.Series(np.nan, index=summary.index, dtype=float)
    return pd.to_numeric(summary[column], errors="coerce")


def figures(summary: pd.DataFrame, target: float | None = None) -> dict[str, object]:
    """The summary figures of the counties done: counts, residents, alliances, the worst balance
    (its value and county), how many counties are above the balance ``target``, village clinics
    linked of all, the residents' served share (weighted by residents)."""
    done = summary[summary["status"].isin(DONE)]
    population = _numbers(done, "population")
    balance = _numbers(done, "balance")
    worst = balance.idxmax() if balance.notna().any() else None
    served = _numbers(done, "served_share")
    weight = population.where(served.notna())
    return {
        "done": int(len(done)), "failed": int((summary["status"] == "failed").sum()),
        "residents": float(population.sum()), "grids": int(_numbers(done, "grids").sum()),
        "balance": float(balance[worst]) if worst is not None else None,
        "balance_county": str(done.loc[worst, "area_name"]) if worst is not None else "",
        "over_target": int((balance > target).sum()) if target else None,
        "villages_linked": int(_numbers(done, "villages_linked").sum()),
        "village_clinics": int(_numbers(done, "village_clinics").sum()),
        "served_share": float((served * weight).sum() / weight.sum()) if weight.sum() > 0 else None,
    }


def display_grids(grids: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The grids and the county outlines for the map: geometry simplified to about 1/1500 of the
    region's extent (a province's 600 alliances draw at once), each grid's colour (touching grids
    differ, across county lines too), county outlines dissolved from their grids."""
    shown = grids[grids.geometry.notna() & ~grids.geometry.is_empty].copy()
    if not len(shown):
        return shown.assign(key=[], fill=[]), gpd.GeoDataFrame({"area_code": [], "district_name": []}, geometry=[], crs=4326)
    minx, miny, maxx, maxy = shown.total_bounds
    tolerance = max(maxx - minx, maxy - miny) / SIMPLIFY_PARTS
    shown["key"] = shown["area_code"].astype(str) + "/" + shown["grid_id"].astype(str)
    colours = shape_colours(shown["key"].tolist(), list(shown.geometry))
    shown["fill"] = [colours.get(k, NO_GRID) for k in shown["key"]]
    simplified = np.empty(len(shown), dtype=object)
    for rows in shown.groupby("area_code", sort=False).indices.values():  # positions of a county's grids
        simplified[rows] = _simplified(np.asarray(shown.geometry.values)[rows], tolerance)
    shown = shown.set_geometry(gpd.GeoSeries(simplified, index=shown.index, crs=shown.crs))
    counties = shown.dissolve(by="area_code", as_index=False, aggfunc={"area_name": "first"})
    return shown, counties


def _simplified(shapes: np.ndarray, tolerance: float) -> np.ndarray:
    """One county's grids simplified for display: together when they meet edge to edge (as grids
    dissolved from units do), so neighbours keep one common edge with no gap or sliver between
    them; else each on its own."""
    if len(shapes) > 1 and shapely.coverage_is_valid(shapes):
        return shapely.coverage_simplify(shapes, tolerance)
    return shapely.simplify(shapes, tolerance, preserve_topology=True)


def region_map(shown: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, labels: Mapping[str, str], lang: str = "zh") -> folium.Map:
    """The province map (offline, no tiles): every alliance in its colour with a tooltip (county,
    alliance, lead hospital, residents; names before codes, escaped), county borders over them and
    the counties' names."""
    m = base_map(counties)

    def named(name: object, code: object) -> str:
        return safe_text(t("region.named", lang, name=name, ident=code) if code and code != "nan" else name)

    frame = gpd.GeoDataFrame({
        "county": [safe_text(n) for n in shown["area_name"]],
        "alliance": [named(short_grid_id(g), g) for g in shown["grid_id"]],
        "lead": [named(n, c) for n, c in zip(shown["lead_name"], shown["lead_code"])],
        "residents": [f"{p:,.0f}" for p in pd.to_numeric(shown["population"], errors="coerce").fillna(0)],
        "_fill": shown["fill"].tolist()}, geometry=shown.geometry.values, crs=4326)
    folium.GeoJson(
        frame, name="alliances",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#555555", "weight": 0.6,
                                  "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["county", "alliance", "lead", "residents"],
                                      aliases=[labels["county"], labels["alliance"], labels["lead"], labels["residents"]]),
    ).add_to(m)
    outlines = gpd.GeoDataFrame({"name": [""] * len(counties)}, geometry=counties.geometry.values, crs=4326)
    folium.GeoJson(outlines, name="counties", interactive=False,
                   style_function=lambda f: {"fill": False, "color": "#111111", "weight": 2.2}).add_to(m)
    county_labels(counties).add_to(m)
    return m


def label_zoom(span_deg: float, room_px: float) -> float:
    """The (fractional: the map zooms in quarter steps) zoom from which a shape ``span_deg`` degrees
    of longitude wide is ``room_px`` wide on screen (Web Mercator, 256 px tiles)."""
    return round(max(0.0, math.log2(room_px * 360 / (256 * max(float(span_deg), 1e-9)))), 2)


def county_labels(counties: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Each county's name centred at a point inside it, shown from the zoom at which the county is
    wide enough on screen for its name (``label_zoom``; the base map's ``GridLabelZoom`` shows and
    hides them): a province of 200 counties opens as a map, not a pile of names, and names appear
    as the official zooms in."""
    group = folium.FeatureGroup(name="county labels")
    for name, geom in zip(counties["area_name"], counties.geometry):
        point, (minx, _, maxx, _) = geom.representative_point(), geom.bounds
        zoom = label_zoom(maxx - minx, LABEL_PX_PER_CHAR * len(str(name)))
        folium.Marker([point.y, point.x], interactive=False, icon=folium.DivIcon(
            html=f'<div class="grid-label county-label" data-z="{zoom}" style="font-size:13px;width:max-content">{safe_text(name)}</div>',
            icon_size=(0, 0), icon_anchor=(0, 0))).add_to(group)
    return group


def chart_frames(summary: pd.DataFrame, shown: pd.DataFrame, limit: int = CHART_ROWS) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The charts' rows: the counties done, the worst balance first (at most ``limit``), each named
    once (``unique_labels``); the alliances of those counties with their colours. Returns (the
    counties, the alliances, how many counties are done in all)."""
    done = summary[summary["status"].isin(DONE)].copy()
    done["balance"] = _numbers(done, "balance")
    done = done.sort_values(["balance", "area_code"], ascending=[False, True], na_position="last")
    names = unique_labels({c: sendable(n) for c, n in zip(done["area_code"], done["area_name"])}, done["area_code"])
    rows = done.head(limit).assign(county=lambda d: d["area_code"].map(names))
    rows = rows.assign(smallest=_numbers(rows, "grid_population_min"), largest=_numbers(rows, "grid_population_max"))
    keep = shown[shown["area_code"].isin(rows["area_code"])]
    alliances = pd.DataFrame({
        "county": keep["area_code"].map(names).tolist(), "alliance": [str(g) for g in keep["grid_id"]],
        "lead": [sendable(n) for n in keep["lead_name"]], "key": keep["key"].tolist(), "fill": keep["fill"].tolist(),
        "population": pd.to_numeric(keep["population"], errors="coerce").fillna(0).astype(float).tolist()})
    return rows[["county", "area_code", "balance", "smallest", "largest"]].reset_index(drop=True), alliances, len(done)


def residents_chart(alliances: pd.DataFrame, order: list[str], labels: Mapping[str, str]) -> alt.Chart:
    """Each county's alliances as one stacked bar (residents), each alliance in the map's colour."""
    y = alt.Y("county:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    return alt.Chart(alliances).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("population:Q", title=labels["residents"], axis=alt.Axis(format=",.0f", tickCount=5)), y=y,
        color=alt.Color("fill:N", scale=None, legend=None), order=alt.Order("alliance:N"),
        detail="key:N",
        tooltip=[alt.Tooltip("county:N", title=labels["county"]), alt.Tooltip("alliance:N", title=labels["alliance"]),
                 alt.Tooltip("lead:N", title=labels["lead"]),
                 alt.Tooltip("population:Q", title=labels["residents"], format=",.0f")],
    ).properties(height=alt.Step(22))


def balance_chart(rows: pd.DataFrame, target: float | None, labels: Mapping[str, str]) -> alt.LayerChart:
    """Each county's balance (largest over smallest grid), above the target in red, with the target
    as a dashed red rule and the value at the end of each bar."""
    data = rows.assign(fill=[OVER_FILL if target and b > target else WITHIN_FILL for b in rows["balance"].fillna(0)],
                       one=1.0)
    y = alt.Y("county:N", sort=rows["county"].tolist(), title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("balance:Q", title=labels["balance"], scale=alt.Scale(zero=False, domainMin=1), axis=alt.Axis(format=".2f")),
        x2="one:Q", y=y, color=alt.Color("fill:N", scale=None, legend=None),  # bars from 1 (even grids), not from 0
        tooltip=[alt.Tooltip("county:N", title=labels["county"]), alt.Tooltip("balance:Q", title=labels["balance"], format=".2f"),
                 alt.Tooltip("smallest:Q", title=labels["smallest"], format=",.0f"),
                 alt.Tooltip("largest:Q", title=labels["largest"], format=",.0f")])
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x="balance:Q", y=y, text=alt.Text("balance:Q", format=".2f"))
    layers: list[alt.Chart] = [bars, text]
    if target:
        mark = pd.DataFrame({"x": [float(target)], "what": [labels["target"]]})
        layers.append(alt.Chart(mark).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(
            x="x:Q", tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("x:Q", format=".2f", title=" ")]))
    return alt.layer(*layers).properties(height=alt.Step(22))


def balance_target(provenance: Mapping) -> float | None:
    """The balance target the batch ran with (its grid settings' ``grid_balance_target``), else the
    default; None when balance was not a target (0: access only)."""
    from planning.config import PlanConfig

    given = setting(dict(provenance), "grid_balance_target")
    value = pd.to_numeric(pd.Series([PlanConfig().grid_balance_target if given is None else given]), errors="coerce").iloc[0]
    return float(value) if pd.notna(value) and value >= 1 else None


def area_table(summary: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """The table of the counties done (names before codes; the failed ones have no figures and are
    listed with their reasons apart) with the page's headers, and its column settings: thousands
    separators, percentages, two decimals for ratios."""
    frame = summary.loc[summary["status"].isin(DONE), [c for c in TABLE_COLUMNS if c in summary]].copy()
    frame["status"] = [t(f"region.status_{s}", lang) for s in frame["status"]]
    frame["area_name"] = [sendable(n) for n in frame["area_name"]]
    for column in frame.columns.drop(["area_name", "area_code", "status"], errors="ignore"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    config = number_formats(frame)
    config.update({c: st.column_config.NumberColumn(format="%.2f") for c in TWO_DECIMALS if c in frame})
    config.update({"area_name": st.column_config.TextColumn(width=170), "status": st.column_config.TextColumn(width=105)})
    headers = {c: t(f"region.col_{c}", lang) for c in frame.columns}
    shown = display(frame, lang).set_axis(list(frame.columns), axis=1).rename(columns=headers)
    return shown, {headers[c]: v for c, v in config.items()}


def failed_lines(failed: list[dict], lang: str) -> list[str]:
    """Each failed county as a markdown line, its name, code and reason escaped (they come from files)."""
    return [tp("region.failed_line", lang, name=f["area_name"], area=f["area_code"], reason=f["message"][lang] or "—")
            for f in failed]


def show_figures(numbers: Mapping[str, object], lang: str) -> None:
    """The summary figures as metrics, two rows of four (wide enough for a province's residents)."""
    top, bottom = st.columns(4), st.columns(4)
    top[0].metric(t("region.m_done", lang), f"{numbers['done']:,}")
    top[1].metric(t("region.m_failed", lang), f"{numbers['failed']:,}")
    top[2].metric(t("region.m_alliances", lang), f"{numbers['grids']:,}")
    worst = numbers["balance"]
    top[3].metric(t("region.m_balance", lang), "—" if worst is None else f"{worst:.2f}",
                  help=None if worst is None else tp("region.m_balance_help", lang, county=numbers["balance_county"]))
    bottom[0].metric(t("region.m_residents", lang), f"{numbers['residents']:,.0f}")
    bottom[1].metric(t("region.m_villages", lang), f"{numbers['villages_linked']:,} / {numbers['village_clinics']:,}")
    served = numbers["served_share"]
    bottom[2].metric(t("region.m_served", lang), "—" if served is None else f"{served:.1%}")
    over = numbers["over_target"]
    bottom[3].metric(t("region.m_over", lang), "—" if over is None else f"{over:,}")
