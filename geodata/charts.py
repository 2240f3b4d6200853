"""Charts both the pages and the PDF draw (Vega-Lite through Altair): pure, a data frame in, an
``alt.Chart`` out, every word from the caller. The pages render them with Streamlit
(``ui.charts``), the PDF as SVG through vl-convert (``geodata.report_figures``): one chart, two
outputs."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
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
