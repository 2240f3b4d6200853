"""Charts (Vega-Lite through Altair; rendered by Streamlit from its own bundle, offline). Pure:
a data frame in, an ``alt.Chart`` out; every word comes from the caller (``labels``)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from geodata.charts import BAND_FILL, TARGET_COLOUR, population_bars, population_frame  # noqa: F401  (one chart for pages and PDF)
from geodata.charts import (  # noqa: F401  (one chart for pages and PDF: the builders live in geodata)
    CAP_FILLS, ELIGIBLE_FILL, EMPTY_FILL, RING_FILLS, RING_ORDER, ROLE_FILLS, PairingMatrix, _district_rows,
    _ring_colour, access_bars, cap_status, coverage_bars, coverage_frame, pairing_matrix, pairing_matrix_frame,
    unique_labels, weighted_quantile)


def population_section(table: pd.DataFrame, colours: dict[str, str], district_names: dict[str, str],
                       band: tuple[float, float], county: set[str], lang: str, *, key: str) -> None:
    """The grid page's and the review's chart: a district chosen (the largest first), its grids'
    population as bars against the band and the district's mean per grid (the only Streamlit here)."""
    import streamlit as st

    from ui.i18n import sendable, t, tp

    if not len(table):
        return
    codes = table["district_code"].astype(str)
    order = codes.value_counts().index.tolist()  # the district with the most grids first
    st.subheader(t("chart_population", lang))
    district = st.selectbox(t("district_label", lang), order, key=key,
                            format_func=lambda d: sendable(f"{district_names.get(d, d)} ({(codes == d).sum()})"))
    rows = table[codes == district]
    labels = {"population": t("population", lang), "grid": t("grid_id", lang), "band": t("chart_band", lang),
              "target": t("chart_target", lang)}
    shown_band = None if district in county else band  # a county's alliances have no band (G5, not G6)
    chart = population_bars(population_frame(rows, colours), band=shown_band,
                            target=float(rows["population"].mean()), labels=labels)
    st.altair_chart(chart, width="stretch")
    span = f"{band[0] / 1e4:,.0f}–{band[1] / 1e4:,.0f}" if lang == "zh" else f"{band[0]:,.0f}–{band[1]:,.0f}"
    st.caption(tp("chart_note", lang, band=span))


# --- accessibility, the 2SFCA family (覆盖缺口 · 可及性) -------------------------------------------
ACCESS_FILLS = ("#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac")  # low -> high supply per resident
COST_FILLS = tuple(reversed(ACCESS_FILLS))  # RAAM is a cost: low cost reads as good access


def quantile_breaks(values: np.ndarray, weights: np.ndarray, classes: int = 5) -> np.ndarray:
    """The inner class breaks of a resident-weighted quantile classification (``classes - 1``
    values, ascending, repeated ones dropped): each class holds about as many residents."""
    inner = [weighted_quantile(values, weights, q / classes) for q in range(1, classes)]
    inner = [b for b in inner if np.isfinite(b)]
    return np.unique(np.asarray(inner, dtype=float))


def access_class(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Each value's class under ``breaks`` (0 .. len(breaks); a class runs up to and including its
    break, as ``quantile_breaks`` finds them); -1 for a value that is not finite."""
    values = np.asarray(values, dtype=float)
    out = np.searchsorted(breaks, values, side="left")  # a value at a break closes the class below
    return np.where(np.isfinite(values), out, -1)


def class_labels(values: np.ndarray, breaks: np.ndarray, fmt: str = "{:.2f}") -> list[str]:
    """Each class's range as text (lowest value - first break, ..., last break - highest value)."""
    finite = np.asarray(values, dtype=float)[np.isfinite(values)]
    if not len(finite):
        return []
    edges = [float(finite.min()), *map(float, breaks), float(finite.max())]
    return [f"{fmt.format(lo)}–{fmt.format(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]


def access_histogram_frame(values: np.ndarray, weights: np.ndarray, bins: int = 24) -> pd.DataFrame:
    """Residents per bin of accessibility (the bins span the finite values): ``start``, ``end``,
    ``residents``, ``share`` (of all residents with a finite value)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return pd.DataFrame(columns=["start", "end", "residents", "share"])
    lo, hi = float(values[keep].min()), float(values[keep].max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    counts, _ = np.histogram(values[keep], bins=edges, weights=weights[keep])
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "residents": counts, "share": counts / counts.sum()})


def access_histogram(frame: pd.DataFrame, *, labels: Mapping[str, str], threshold: float | None = None,
                     fill: str = ACCESS_FILLS[3]) -> alt.LayerChart:
    """The distribution of accessibility across residents (``access_histogram_frame``): the share
    of residents per bin (their number in the tooltip), with the planner's threshold as a dashed red rule when given. ``labels``: ``value``
    (the measure in the planner's terms), ``residents``, ``share``, ``threshold``."""
    tips = [alt.Tooltip("start:Q", title=labels["value"], format=".2f"), alt.Tooltip("end:Q", title="–", format=".2f"),
            alt.Tooltip("residents:Q", title=labels["residents"], format=",.0f"),
            alt.Tooltip("share:Q", title=labels["share"], format=".1%")]
    bars = alt.Chart(frame).mark_bar(color=fill, stroke="#ffffff", strokeWidth=0.5).encode(
        x=alt.X("start:Q", bin="binned", title=labels["value"], axis=alt.Axis(format=".2~f")), x2="end:Q",
        y=alt.Y("share:Q", title=labels["share"], axis=alt.Axis(format=".0%")), tooltip=tips)
    return alt.layer(bars, *_standard_rule(threshold, labels["threshold"])).properties(height=280)


def _standard_rule(threshold: float | None, label: str) -> list[alt.Chart]:
    """The planner's standard as a dashed red rule at ``threshold`` (none when not given)."""
    if threshold is None or not np.isfinite(threshold):
        return []
    mark = pd.DataFrame({"x": [float(threshold)], "what": [label]})
    return [alt.Chart(mark).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(
        x="x:Q", tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("x:Q", format=".2f", title=" ")])]


def lorenz_frame(values: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """The Lorenz curve of accessibility across residents: residents ordered from the least to the
    best served, the cumulative share of residents (``people``) against the cumulative share of
    accessibility they hold (``access``), from (0, 0) to (1, 1)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    x, w = values[keep], weights[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    held = np.cumsum(w * x)
    people = np.concatenate([[0.0], np.cumsum(w) / w.sum()]) if len(w) else np.array([0.0, 1.0])
    access = np.concatenate([[0.0], held / held[-1]]) if len(w) and held[-1] > 0 else people.copy()
    return pd.DataFrame({"people": people, "access": access})


def lorenz_curve(frame: pd.DataFrame, *, labels: Mapping[str, str], fill: str = ACCESS_FILLS[4]) -> alt.LayerChart:
    """The Lorenz curve (``lorenz_frame``) against the line of equality (grey, dashed); the area
    between them is half the Gini. ``labels``: ``people``, ``access``, ``equality``."""
    axis = alt.Axis(format=".0%", tickCount=5)
    scale = alt.Scale(domain=[0, 1])
    line = alt.Chart(frame).mark_area(line={"color": fill, "strokeWidth": 2.5}, color=fill, opacity=0.15).encode(
        x=alt.X("people:Q", title=labels["people"], axis=axis, scale=scale),
        y=alt.Y("access:Q", title=labels["access"], axis=axis, scale=scale),
        tooltip=[alt.Tooltip("people:Q", title=labels["people"], format=".1%"),
                 alt.Tooltip("access:Q", title=labels["access"], format=".1%")])
    equal = pd.DataFrame({"people": [0.0, 1.0], "access": [0.0, 1.0], "what": [labels["equality"]] * 2})
    diagonal = alt.Chart(equal).mark_line(color="#888888", strokeDash=[5, 4]).encode(
        x="people:Q", y="access:Q", tooltip=[alt.Tooltip("what:N", title=" ")])
    return alt.layer(diagonal, line).properties(height=280)


def access_mean_bars(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str],
                     row: str = "district_name") -> alt.LayerChart:
    """The residents' mean accessibility per group (``equity_by``'s rows in their order, remote
    suburbs first: by ring with ``row="ring_word"``, by district with ``district_name``), bars
    coloured by ring with the value at the end. ``labels``: ``value``, ``group``, ``ring``,
    ``residents``, ``share_below``."""
    data = frame.assign(ring_word=[ring_words.get(r, r) for r in frame["ring"]])
    y = alt.Y(f"{row}:N", sort=data[row].tolist(), title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False))
    tips = [alt.Tooltip(f"{row}:N", title=labels["group"]), alt.Tooltip("ring_word:N", title=labels["ring"]),
            alt.Tooltip("mean:Q", title=labels["value"], format=".2f"),
            alt.Tooltip("residents:Q", title=labels["residents"], format=",.0f"),
            alt.Tooltip("share_below:Q", title=labels["share_below"], format=".1%")]
    return _ring_bars(data, "mean", y, tips, ring_words, title=labels["value"], axis=".2~f", text=".2f")


def _ring_bars(data: pd.DataFrame, value: str, y: alt.Y, tips: list, ring_words: Mapping[str, str], *, title: str,
               axis: str, text: str) -> alt.LayerChart:
    """Horizontal bars of ``value`` per row ``y``, coloured by ring, the value written at the end."""
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=axis)), y=y,
        color=_ring_colour(ring_words, data["ring"]), tooltip=tips)
    label = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x=f"{value}:Q", y=y, text=alt.Text(f"{value}:Q", format=text))
    return alt.layer(bars, label).properties(height=alt.Step(24))


def access_gain_bars(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str],
                     row: str = "district_name") -> alt.LayerChart:
    """Where an improvement lands: the residents' mean gain in access per group
    (``planning.improve.AccessImprovement.by_ring`` / ``by_district`` rows in their order, remote
    suburbs first), bars coloured by ring with the gain at the end; the tooltip gives the before
    and after. ``labels``: ``gain``, ``before``, ``after``, ``group``, ``ring``, ``residents``."""
    data = frame.assign(ring_word=[ring_words.get(r, r) for r in frame["ring"]],
                        gain=frame["mean_after"] - frame["mean_before"])
    y = alt.Y(f"{row}:N", sort=data[row].tolist(), title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False))
    tips = [alt.Tooltip(f"{row}:N", title=labels["group"]), alt.Tooltip("ring_word:N", title=labels["ring"]),
            alt.Tooltip("mean_before:Q", title=labels["before"], format=".3f"),
            alt.Tooltip("mean_after:Q", title=labels["after"], format=".3f"),
            alt.Tooltip("gain:Q", title=labels["gain"], format="+.3f"),
            alt.Tooltip("residents:Q", title=labels["residents"], format=",.0f")]
    return _ring_bars(data, "gain", y, tips, ring_words, title=labels["gain"], axis=".3~f", text="+.3f")
