"""覆盖缺口 · 可及性: the 2SFCA family as pictures (issue 17). A measure chosen, its value per unit
on the map in resident-weighted fifths, its spread across residents (histogram and Lorenz curve,
the Gini in the caption), and its mean by ring and district, remote suburbs first. The numbers
come from ``PlanningSession.accessibility`` and ``planning.accessibility.equity_by``; the charts
from ``ui.charts``."""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.accessibility import HEADLINE, MEASURES, RING_ORDER, equity_by
from ui.charts import (ACCESS_FILLS, COST_FILLS, access_class, access_histogram, access_histogram_frame,
                       access_mean_bars, class_labels, lorenz_curve, lorenz_frame, quantile_breaks)
from ui.i18n import t, tp
from ui.access_improve_view import section as improve_section
from ui.maps import base_map, district_labels, safe_text

NO_VALUE_FILL = "#d9d9d9"
RINGS = ("central", "near_suburb", "remote_suburb", "county")


def accessibility_of(session):
    """The package's accessibility (``planning.accessibility.AccessibilityResult``), measured once
    per session."""
    return session.accessibility()


def fills_of(measure: str) -> tuple[str, ...]:
    """The classes' colours: dark is good access (for RAAM, a cost, dark is a low cost)."""
    return COST_FILLS if measure == "raam" else ACCESS_FILLS


def value_label(measure: str, lang: str) -> str:
    return t("acc_value_raam" if measure == "raam" else "acc_value", lang)


def groups(result, measure: str, world) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Equity of ``measure`` by ring (remote suburbs first) and by district (rings in that order,
    then district code), with each district's name."""
    points = result.points
    by_ring = equity_by(points, "ring", result.params, value=measure)
    by_district = equity_by(points, "district_code", result.params, value=measure)
    by_district["ring"] = by_district["district_code"].map(world.district_ring).fillna("")
    by_district["district_name"] = [f"{world.district_names.get(c, c)}" for c in by_district["district_code"]]
    rank = {r: i for i, r in enumerate(RING_ORDER)}
    by_district = by_district.iloc[np.lexsort((by_district["district_code"].to_numpy(dtype=str),
                                               [rank.get(r, len(rank)) for r in by_district["ring"]]))]
    return by_ring.reset_index(drop=True), by_district.reset_index(drop=True)


def legend_html(title: str, fills: tuple[str, ...], ranges: list[str], none_word: str) -> str:
    """The choropleth's legend: its title and one swatch per class with its range (escaped)."""
    swatch = ('<span style="white-space:nowrap"><span style="display:inline-block;width:14px;height:14px;'
              'background:{};border:1px solid #777;margin:0 4px -2px 10px"></span>{}</span>')
    items = [swatch.format(f, safe_text(r)) for f, r in zip(fills, ranges)] + [swatch.format(NO_VALUE_FILL, safe_text(none_word))]
    return f'<div class="acc-legend"><b>{safe_text(title)}</b> ' + " ".join(items) + "</div>"


def choropleth(pkg, units: pd.DataFrame, measure: str, breaks: np.ndarray, lang: str) -> folium.Map:
    """The units shaded by their class of ``measure``; the tooltip names the unit, its district and
    its value."""
    fills = fills_of(measure)
    shapes = pkg.units[["unit_code", "geometry"]].merge(units, on="unit_code")
    frame = shapes[["geometry"]].assign(
        unit=[safe_text(f"{n}（{c}）") for n, c in zip(shapes["unit_name"], shapes["unit_code"])],
        district=[safe_text(d) for d in shapes["district_name"]],
        value=[f"{v:.2f}" if np.isfinite(v) else t("acc_no_value", lang) for v in shapes[measure].to_numpy(dtype=float)],
        _fill=[fills[c] if c >= 0 else NO_VALUE_FILL for c in access_class(shapes[measure].to_numpy(dtype=float), breaks)])
    m = base_map(pkg.districts)
    folium.GeoJson(frame, name="accessibility",
                   style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#777777", "weight": 0.5,
                                             "fillOpacity": 0.8},
                   tooltip=folium.GeoJsonTooltip(fields=["unit", "district", "value"],
                                                 aliases=[t("units", lang), t("chart_district", lang),
                                                          value_label(measure, lang)])).add_to(m)
    district_labels(pkg.districts).add_to(m)
    return m


def section(session, pkg, package_id: str, lang: str) -> None:
    """The whole section: measure, map and legend, histogram and Lorenz curve, bars by ring and
    district."""
    st.subheader(t("acc_title", lang))
    result = accessibility_of(session)
    params, world = result.params, session.world
    reach = t("acc_reach_min" if result.cost_unit == "min" else "acc_reach_km", lang, n=f"{params.catchment:g}")
    st.caption(tp("acc_intro", lang, reach=reach, demand=t(f"acc_demand_{result.demand}", lang)))
    measure = st.selectbox(t("acc_measure", lang), MEASURES, index=MEASURES.index(HEADLINE),
                           format_func=lambda m: t(f"acc_m_{m}", lang), key="acc-measure")
    label = value_label(measure, lang)
    values = result.points[measure].to_numpy(dtype=float)
    people = result.points["population"].to_numpy(dtype=float)
    units = result.units
    breaks = quantile_breaks(units[measure].to_numpy(dtype=float), units["population"].to_numpy(dtype=float))
    ranges = class_labels(units[measure].to_numpy(dtype=float), breaks)

    st.markdown(f"**{t('acc_map_title', lang)}**")
    st_folium(choropleth(pkg, units, measure, breaks, lang), height=480, use_container_width=True, returned_objects=[],
              key=f"acc-map-{package_id}-{measure}")
    st.markdown(legend_html(t("acc_legend", lang, value=label), fills_of(measure)[:len(ranges)], ranges,
                            t("acc_no_value", lang)), unsafe_allow_html=True)

    by_ring, by_district = groups(result, measure, world)
    whole = equity_by(result.points.assign(all="all"), "all", params, value=measure).iloc[0]
    raam = measure == "raam"
    left, right = st.columns(2)
    left.markdown(f"**{t('acc_hist_title', lang)}**")
    left.altair_chart(access_histogram(
        access_histogram_frame(values, people),
        labels={"value": label, "residents": t("acc_residents", lang), "share": t("acc_share", lang),
                "threshold": t("acc_threshold", lang, value=f"{params.threshold_per_10000:g}")},
        threshold=None if raam else params.threshold_per_10000), width="stretch")
    circle = dict(circle=f"{whole['circle_share']:.1%}", target=f"{params.circle_target:.0%}")
    left.caption(tp("acc_hist_note_raam", lang, **circle) if raam else
                 tp("acc_hist_note", lang, below=f"{whole['share_below']:.1%}", threshold=f"{params.threshold_per_10000:g}",
                   **circle))
    right.markdown(f"**{t('acc_lorenz_title', lang)}**")
    right.altair_chart(lorenz_curve(lorenz_frame(values, people), fill=ACCESS_FILLS[4],
                                    labels={"people": t("acc_lorenz_people", lang), "access": t("acc_lorenz_cost" if raam else "acc_lorenz_access", lang),
                                            "equality": t("acc_lorenz_equality", lang)}), width="stretch")
    right.caption(tp("acc_lorenz_note", lang, gini=f"{whole['gini']:.3f}", theil=f"{whole['theil']:.3f}"))

    st.markdown(f"**{t('acc_bars_title', lang)}**")
    ring_words = {r: t(f"ring_{r}", lang) for r in RINGS}
    labels = {"value": label, "group": t("acc_group", lang), "ring": t("ring", lang),
              "residents": t("acc_residents", lang), "share_below": t("acc_share_below", lang)}
    left, right = st.columns([2, 3])
    left.altair_chart(access_mean_bars(by_ring.assign(ring_word=[ring_words.get(r, r) for r in by_ring["ring"]]),
                                       ring_words=ring_words, labels=labels, row="ring_word"), width="stretch")
    right.altair_chart(access_mean_bars(by_district, ring_words=ring_words, labels=labels), width="stretch")
    st.caption(t("acc_bars_note", lang))
    improve_section(session, pkg, package_id, lang)
