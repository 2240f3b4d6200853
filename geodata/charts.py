"""Charts both the pages and the PDF draw (Vega-Lite through Altair): pure, a data frame in, an
``alt.Chart`` out, every word from the caller. The pages render them with Streamlit
(``ui.charts``), the PDF as SVG through vl-convert (``geodata.report_figures``): one chart, two
outputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

BAND_FILL = "#1f4e9c"
TARGET_COLOUR = "#b42318"


def population_bars(grids: pd.DataFrame, *, band: tuple[float, float] | None, target: float | None,
                    labels: Mapping[str, str]) -> alt.LayerChart:
    """Population per grid as horizontal bars in the grids' colours, against the band (a shaded
    range with rules at its ends) and the target (a dashed rule).

    ``grids``: one row per grid with ``name`` (shown on the axis: lead hospital · grid id),
    ``population`` and ``fill`` (the plan's colour, ``planning.colours``). ``band``: the grid
    population band (None: no band, as for a county's alliances). ``labels``: ``population``,
    ``grid``, ``band``, ``target`` in the reader's language."""
    data = grids[["name", "population", "fill"]].copy()
    data["population"] = data["population"].astype(float)
    order = data.sort_values("population", ascending=False)["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))  # the names say it
    bars = alt.Chart(data).mark_bar(stroke="#222222", strokeWidth=0.6).encode(
        x=alt.X("population:Q", title=labels["population"], axis=alt.Axis(format=",.0f", tickCount=8)),
        y=y,
        color=alt.Color("fill:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("name:N", title=labels.get("grid", " ")),
                 alt.Tooltip("population:Q", title=labels["population"], format=",.0f")],
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x="population:Q", y=y, text=alt.Text("population:Q", format=",.0f"))
    layers: list[alt.Chart] = []
    if band is not None:
        lo, hi = float(band[0]), float(band[1])
        frame = pd.DataFrame({"lo": [lo], "hi": [hi], "what": [labels.get("band", " ")]})
        layers.append(alt.Chart(frame).mark_rect(color=BAND_FILL, opacity=0.10).encode(
            x="lo:Q", x2="hi:Q", tooltip=[alt.Tooltip("what:N", title=" "),
                                          alt.Tooltip("lo:Q", format=",.0f", title="min"),
                                          alt.Tooltip("hi:Q", format=",.0f", title="max")]))
        ends = pd.DataFrame({"x": [lo, hi], "what": [labels.get("band", " ")] * 2})
        layers.append(alt.Chart(ends).mark_rule(color=BAND_FILL, strokeWidth=1.5).encode(
            x="x:Q", tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("x:Q", format=",.0f", title=" ")]))
    layers += [bars, text]
    if target is not None:
        mark = pd.DataFrame({"x": [float(target)], "what": [labels.get("target", " ")]})
        layers.append(alt.Chart(mark).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2).encode(
            x="x:Q", tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("x:Q", format=",.0f", title=" ")]))
    return alt.layer(*layers).properties(height=alt.Step(28))  # every grid named.configure_axis(labelFontSize=12, titleFontSize=13)


def population_frame(grids: pd.DataFrame, colours: dict[str, str], *, grid_column: str = "grid_id",
                     lead_column: str = "lead_name") -> pd.DataFrame:
    """The rows ``population_bars`` draws: each grid named "lead hospital · grid id", with its colour."""
    ids = grids[grid_column].astype(str)
    leads = grids[lead_column].fillna("").astype(str) if lead_column in grids else pd.Series("", index=grids.index)
    return pd.DataFrame({
        "name": [f"{lead} · {g}" if lead else g for lead, g in zip(leads, ids)],
        "population": grids["population"].astype(float).to_numpy(),
        "fill": [colours.get(g, "#d9d9d9") for g in ids],
        "grid_id": ids.to_numpy(),
    })


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
