"""Charts (Vega-Lite through Altair; rendered by Streamlit from its own bundle, offline). Pure:
a data frame in, an ``alt.Chart`` out; every word comes from the caller (``labels``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from geodata.charts import BAND_FILL, TARGET_COLOUR, population_bars, population_frame  # noqa: F401  (one chart for pages and PDF)

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


# --- coverage and access by district, grouped by ring (覆盖缺口) -----------------------------------
RING_ORDER = ("remote_suburb", "county", "near_suburb", "central")  # remote suburbs first: the mission
RING_FILLS = {"central": "#6baed6", "near_suburb": "#fd8d3c", "remote_suburb": "#41ab5d", "county": "#a6761d"}


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` where each value counts ``weights`` times (residents): the
    smallest value with at least ``q`` of the weight at or below it. NaN when nothing weighs."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return float("nan")
    order = np.argsort(values[keep], kind="stable")
    ranked, cumulative = values[keep][order], np.cumsum(weights[keep][order])
    return float(ranked[np.searchsorted(cumulative, q * cumulative[-1] - 1e-9 * cumulative[-1])])


def coverage_frame(table: pd.DataFrame, names: Mapping[str, str], rings: Mapping[str, str], *,
                   distance: str = "primary_km", q: float = 0.95) -> pd.DataFrame:
    """Per district (``table``: one row per unit, as ``planning.coverage`` makes it): its name,
    ring, residents, share served, and the distance to care (``distance``) its residents have on
    average and at the ``q`` quantile (both weighted by residents). Remote suburbs first, then
    counties, near suburbs and the central city; within a ring the least served first."""
    rows = []
    for code, units in table.groupby(table["district_code"].astype(str), sort=True):
        people = units["population"].to_numpy(dtype=float)
        km = units[distance].to_numpy(dtype=float)
        finite = np.isfinite(km) & (people > 0)
        total = float(people.sum())
        rows.append({"district_code": code, "district_name": str(names.get(code, code)), "ring": str(rings.get(code, "")),
                     "population": total,
                     "served_share": float(units["served"].sum()) / total if total > 0 else float("nan"),
                     "mean_km": float(np.average(km[finite], weights=people[finite])) if finite.any() else float("nan"),
                     "p95_km": weighted_quantile(km, people, q)})
    frame = pd.DataFrame(rows, columns=["district_code", "district_name", "ring", "population", "served_share",
                                        "mean_km", "p95_km"])
    frame["district_name"] = frame["district_code"].map(unique_labels(names, frame["district_code"]))  # one row each
    rank = {r: i for i, r in enumerate(RING_ORDER)}
    frame["_ring_rank"] = frame["ring"].map(lambda r: rank.get(r, len(rank)))
    frame = frame.sort_values(["_ring_rank", "served_share", "district_code"]).drop(columns="_ring_rank")
    return frame.reset_index(drop=True)


def _ring_colour(ring_words: Mapping[str, str], shown: Iterable[str]) -> alt.Color:
    """Bars coloured by ring, the legend in the reader's words, remote suburbs first."""
    present = [r for r in RING_ORDER if r in set(shown)] + sorted(set(shown) - set(RING_ORDER))
    return alt.Color("ring_word:N", title=None, legend=alt.Legend(orient="top", symbolType="square"),
                     scale=alt.Scale(domain=[ring_words.get(r, r) for r in present],
                                     range=[RING_FILLS.get(r, "#999999") for r in present]))


def _district_rows(frame: pd.DataFrame, ring_words: Mapping[str, str], labels: Mapping[str, str]):
    """What the district charts share: the rows with their ring in words, the district axis in the
    frame's order, and the district and ring tooltips."""
    data = frame.assign(ring_word=[ring_words.get(r, r) for r in frame["ring"]])
    y = alt.Y("district_name:N", sort=data["district_name"].tolist(), title=None,
              axis=alt.Axis(labelLimit=240, labelOverlap=False))
    return data, y, [alt.Tooltip("district_name:N", title=labels["district"]),
                     alt.Tooltip("ring_word:N", title=labels["ring"])]


def coverage_bars(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str]) -> alt.LayerChart:
    """The share of residents served per district (``coverage_frame``'s rows, in its order) as
    horizontal bars coloured by ring. ``labels``: ``served_share``, ``district``, ``ring``,
    ``population`` in the reader's language."""
    data, y, tips = _district_rows(frame, ring_words, labels)
    tips = [*tips, alt.Tooltip("served_share:Q", title=labels["served_share"], format=".1%"),
            alt.Tooltip("population:Q", title=labels["population"], format=",.0f")]
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("served_share:Q", title=labels["served_share"], scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%", tickCount=5)),
        y=y, color=_ring_colour(ring_words, data["ring"]), tooltip=tips)
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x="served_share:Q", y=y, text=alt.Text("served_share:Q", format=".0%"))
    return alt.layer(bars, text).properties(height=alt.Step(26))


def access_bars(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str]) -> alt.LayerChart:
    """The distance to care per district: a bar to the residents' mean, a black tick at the 95th
    percentile (how far the farthest twentieth live), the same rows and colours as
    ``coverage_bars``. ``labels``: ``distance``, ``mean``, ``p95``, ``district``, ``ring``."""
    data, y, tips = _district_rows(frame, ring_words, labels)
    tips = [*tips, alt.Tooltip("mean_km:Q", title=labels["mean"], format=".2f"),
            alt.Tooltip("p95_km:Q", title=labels["p95"], format=".2f")]
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("mean_km:Q", title=labels["distance"], axis=alt.Axis(format=".1f")),
        y=y, color=_ring_colour(ring_words, data["ring"]), tooltip=tips)
    ticks = alt.Chart(data).mark_tick(color="#111111", thickness=3, size=20).encode(x="p95_km:Q", y=y, tooltip=tips)
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=11, color="#333333").encode(
        x="p95_km:Q", y=y, text=alt.Text("p95_km:Q", format=".1f"))
    return alt.layer(bars, ticks, text).properties(height=alt.Step(26))


# --- pairings per hospital against its cap: hospital x district (医院结对) --------------------------
ROLE_FILLS = {"technical_support": "#1f4e9c", "main_support": "#d62728", "tcm": "#2ca02c", "specialty": "#9467bd"}
ELIGIBLE_FILL = "#e8e8e8"  # a campus or a recorded partnership there (P4): it could pair
EMPTY_FILL = "#ffffff"
CAP_FILLS = {"over": "#b42318", "at": "#1f4e9c", "under": "#555555", "exempt": "#2ca02c"}


@dataclass(frozen=True)
class PairingMatrix:
    """What the matrix draws: ``cells`` (hospital x district: paired, role, home, eligible),
    ``hospitals`` (each hospital's pairings against its cap) and ``districts`` (each district's
    against its cap), hospitals and districts in the order shown."""

    cells: pd.DataFrame
    hospitals: pd.DataFrame
    districts: pd.DataFrame


def cap_status(count: int, cap: int | None) -> str:
    """over, at or under the cap; exempt when not counted (TCM and specialty hospitals, P3)."""
    if cap is None:
        return "exempt"
    return "over" if count > cap else "at" if count == cap else "under"


def unique_labels(names: Mapping[str, str], codes: Iterable[str]) -> dict[str, str]:
    """Each code's label on an axis: its name, with the code after it where two share a name (an
    axis with one label twice would draw both rows as one); names first, codes second."""
    codes = list(codes)
    shown = {c: str(names.get(c) or c) for c in codes}
    twice = {n for n in shown.values() if list(shown.values()).count(n) > 1}
    return {c: f"{n}（{c}）" if n in twice and n != c else n for c, n in shown.items()}


def pairing_matrix_frame(problem, pairings: Iterable, *, district_names: Mapping[str, str],
                         rings: Mapping[str, str], only: Iterable[str] | None = None) -> PairingMatrix:
    """The matrix's rows from a pairing problem (``planning.pairing.PairingProblem``: hospitals,
    their campuses and caps) and pairings (anything with ``hospital_code``, ``district_code`` and
    ``role``: a proposal's or a plan's). Districts remote suburbs first; hospitals counted by the
    caps first, each group by its home district in that order, so home cells run down a diagonal.
    Counts are what P1/P2 count: pairings of hospitals the caps count (P3 exempts the others).
    ``only``: these districts' columns, and the hospitals with a campus, a partnership or a
    pairing there (a hospital's count is still over every district: its cap is)."""
    pairings = list(pairings)
    districts = sorted(problem.districts, key=lambda d: (RING_ORDER.index(rings[d]) if rings.get(d) in RING_ORDER
                                                        else len(RING_ORDER), d))
    role_of = {(p.hospital_code, p.district_code): p.role for p in pairings}
    if only is not None:
        wanted = set(only)
        districts = [d for d in districts if d in wanted]
    column = {d: i for i, d in enumerate(districts)}
    hospitals = [h for h in problem.hospitals if only is None
                 or any(problem.eligible(h, d) or (h.code, d) in role_of for d in districts)]
    hospitals = sorted(hospitals, key=lambda h: (not h.capped, column.get(h.home, len(column)), h.code))
    h_label = unique_labels({h.code: h.name for h in hospitals}, [h.code for h in hospitals])
    d_label = unique_labels(district_names, districts)
    capped = {h.code for h in problem.hospitals if h.capped}
    cells = pd.DataFrame([{"hospital_code": h.code, "hospital": h_label[h.code], "district_code": d,
                           "district": d_label[d], "paired": (h.code, d) in role_of,
                           "role": role_of.get((h.code, d), ""), "home": d == h.home, "eligible": problem.eligible(h, d)}
                          for h in hospitals for d in districts],
                         columns=["hospital_code", "hospital", "district_code", "district", "paired", "role", "home",
                                  "eligible"])
    counted = [(h, d) for (h, d) in role_of if h in capped]
    per_hospital = pd.DataFrame([{"hospital_code": h.code, "hospital": h_label[h.code],
                                  "count": sum(1 for c, _ in role_of if c == h.code),
                                  "cap": int(problem.hospital_cap[h.code]) if h.capped else None} for h in hospitals],
                                columns=["hospital_code", "hospital", "count", "cap"])
    per_hospital["status"] = [cap_status(n, c if pd.notna(c) else None) for n, c in zip(per_hospital["count"], per_hospital["cap"])]
    per_district = pd.DataFrame([{"district_code": d, "district": d_label[d],
                                  "count": sum(1 for _, x in counted if x == d), "cap": int(problem.district_cap[d])}
                                 for d in districts], columns=["district_code", "district", "count", "cap"])
    per_district["status"] = [cap_status(n, c) for n, c in zip(per_district["count"], per_district["cap"])]
    return PairingMatrix(cells, per_hospital, per_district)


def pairing_matrix(matrix: PairingMatrix, *, role_words: Mapping[str, str], labels: Mapping[str, str],
                   row: int = 28) -> alt.LayerChart:
    """Hospitals (rows, by name) x districts (columns, by name): a paired cell filled in its
    role's colour, a cell where the hospital could pair (a campus or a partnership, P4) light
    grey, the home district framed in black and marked. A last column gives each hospital's
    pairings against its cap (P2; the hospitals P3 exempts say so), a last row each district's
    city general hospitals against its cap (P1): blue at the cap, red over it. ``labels``:
    ``hospital``, ``district``, ``role``, ``home``, ``eligible``, ``count``, ``cap``, ``exempt``,
    ``hospital_cap`` (the last column's head), ``district_cap`` (the last row's) in the reader's
    language. Rows ``row`` pixels high; the columns share the width the page gives."""
    hospitals, districts = matrix.hospitals["hospital"].tolist(), matrix.districts["district"].tolist()
    columns, rows = [*districts, labels["hospital_cap"]], [*hospitals, labels["district_cap"]]
    x = alt.X("district:N", sort=columns, scale=alt.Scale(domain=columns), title=None,
              axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=160, labelOverlap=False, labelFontSize=13))
    y = alt.Y("hospital:N", sort=rows, scale=alt.Scale(domain=rows), title=None,
              axis=alt.Axis(labelLimit=220, labelOverlap=False, labelFontSize=13))
    c = matrix.cells
    cells = c.assign(
        fill=[ROLE_FILLS.get(r, "#444444") if p else ELIGIBLE_FILL if e else EMPTY_FILL
              for p, r, e in zip(c["paired"], c["role"], c["eligible"])],
        role_word=[role_words.get(r, r) if p else (labels["eligible"] if e else "—")
                   for p, r, e in zip(c["paired"], c["role"], c["eligible"])],
        home_word=[labels["home"] if h else "" for h in c["home"]])
    tips = [alt.Tooltip("hospital:N", title=labels["hospital"]), alt.Tooltip("district:N", title=labels["district"]),
            alt.Tooltip("role_word:N", title=labels["role"]), alt.Tooltip("home_word:N", title=labels["home"])]
    rect = alt.Chart(cells).mark_rect().encode(
        x=x, y=y, color=alt.Color("fill:N", scale=None, legend=None),
        stroke=alt.condition("datum.home", alt.value("#000000"), alt.value("#cfcfcf")),
        strokeWidth=alt.condition("datum.home", alt.value(3), alt.value(0.5)), tooltip=tips)
    home = alt.Chart(cells[cells["home"]]).mark_text(fontSize=11, fontWeight="bold").encode(
        x=x, y=y, text="home_word:N", color=alt.condition("datum.paired", alt.value("#ffffff"), alt.value("#000000")))

    h = matrix.hospitals
    per_h = pd.DataFrame({"hospital": h["hospital"], "district": labels["hospital_cap"], "count": h["count"],
                          "cap": h["cap"], "status": h["status"],
                          "text": [f"{n} / {int(cap)}" if s != "exempt" else f"{n} · {labels['exempt']}"
                                   for n, cap, s in zip(h["count"], h["cap"], h["status"])],
                          "fill": [CAP_FILLS[s] for s in h["status"]]})
    d = matrix.districts
    per_d = pd.DataFrame({"hospital": labels["district_cap"], "district": d["district"], "count": d["count"],
                          "cap": d["cap"], "status": d["status"], "text": [f"{n} / {cap}" for n, cap in zip(d["count"], d["cap"])],
                          "fill": [CAP_FILLS[s] for s in d["status"]]})
    totals = pd.concat([per_h, per_d], ignore_index=True)
    backing = alt.Chart(totals).mark_rect(color="#f6f6f6", stroke="#cfcfcf", strokeWidth=0.5).encode(x=x, y=y)
    counts = alt.Chart(totals).mark_text(fontSize=13, fontWeight="bold").encode(
        x=x, y=y, text="text:N", color=alt.Color("fill:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("hospital:N", title=labels["hospital"]), alt.Tooltip("district:N", title=labels["district"]),
                 alt.Tooltip("count:Q", title=labels["count"]), alt.Tooltip("cap:Q", title=labels["cap"])])
    return alt.layer(rect, home, backing, counts).properties(height=alt.Step(row)).configure_view(stroke=None)


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
    layers: list[alt.Chart] = [bars]
    if threshold is not None and np.isfinite(threshold):
        mark = pd.DataFrame({"x": [float(threshold)], "what": [labels["threshold"]]})
        layers.append(alt.Chart(mark).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(
            x="x:Q", tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("x:Q", format=".2f", title=" ")]))
    return alt.layer(*layers).properties(height=280)


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
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.5).encode(
        x=alt.X("mean:Q", title=labels["value"], axis=alt.Axis(format=".2~f")), y=y,
        color=_ring_colour(ring_words, data["ring"]), tooltip=tips)
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x="mean:Q", y=y, text=alt.Text("mean:Q", format=".2f"))
    return alt.layer(bars, text).properties(height=alt.Step(24))
