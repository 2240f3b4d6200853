"""求解质量 How good the grids are: per district, whether the solver proved its grids optimal or
how far from the best possible they may be at most, from the solver's bounds
(``planning.grids.DistrictQuality``, as rows: ``geodata.export.quality_rows``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import streamlit as st

from geodata.export import quality_rows, quality_summary
from ui.i18n import plain, t

PROVED_MARK = "✓"


def _ratio(value: float | None, met: bool, lang: str) -> str:
    """The best possible max/min; a dash where the target is met (the best possible does not
    matter then), "unknown" where the solver proved nothing."""
    if value is None:
        return "—" if met else t("quality.unknown", lang)
    return f"{value:.3f}"


def quality_frame(rows: Iterable[Mapping], lang: str) -> pd.DataFrame:
    """The rows as the page shows them, names before codes: district, code, the verdict (marked ✓
    where proved optimal), method, units, grids, the balance reached and the best possible (or
    unknown), target met, mean distance to the lead and its bound. Columns keep their row
    keys (``column_config`` labels them); a district without a balance target counts as met."""
    records = []
    for r in rows:
        verdict = r["verdict"][lang]
        records.append({
            "district_name": r["district_name"], "district_code": r["district_code"],
            "method": t(f"quality.method_{r['method']}", lang), "units": r["units"], "grids": r["grids"],
            "balance": r["balance"], "balance_bound": _ratio(r["balance_bound"], r["balance_met"], lang),
            "balance_met": t("quality.yes" if r["balance_met"] else "quality.no", lang),
            "access_km": r["access_km"],
            "access_bound_km": r["access_bound_km"],
            "verdict": f"{PROVED_MARK} {verdict}" if r["proved"] else verdict})
    # the verdict right after the district, so it is read first and never scrolled out of sight
    columns = ["district_name", "district_code", "verdict", "method", "units", "grids", "balance", "balance_bound",
               "balance_met", "access_km", "access_bound_km"]
    return pd.DataFrame(records, columns=columns)


VERDICT_PX = {"zh": 330, "en": 400}  # the longest verdict of one district, whole


def column_config(lang: str) -> dict:
    c = st.column_config
    return {
        "district_name": c.TextColumn(t("quality.col_district", lang)),
        "district_code": c.TextColumn(t("quality.col_code", lang)),
        "method": c.TextColumn(t("quality.col_method", lang)),
        "units": c.NumberColumn(t("quality.col_units", lang), format="%d"),
        "grids": c.NumberColumn(t("quality.col_grids", lang), format="%d"),
        "balance": c.NumberColumn(t("quality.col_balance", lang), format="%.3f", help=t("quality.col_balance_help", lang)),
        "balance_bound": c.TextColumn(t("quality.col_balance_bound", lang), help=t("quality.col_balance_bound_help", lang),
                                      alignment="right"),
        "balance_met": c.TextColumn(t("quality.col_target_met", lang), alignment="center",
                                    help=t("quality.col_target_met_help", lang)),
        "access_km": c.NumberColumn(t("quality.col_access", lang), format="%.2f", help=t("quality.col_access_help", lang)),
        "access_bound_km": c.NumberColumn(t("quality.col_access_bound", lang), format="%.2f",
                                          help=t("quality.col_access_bound_help", lang)),
        "verdict": c.TextColumn(t("quality.col_verdict", lang), width=VERDICT_PX[lang]),
    }


PROVED_COLOUR, OPEN_COLOUR = "#1a7f37", "#b54708"  # green: proved; amber: within a gap (the frontier's colours)
SHOWN_ROWS = 16  # the table's height: every district of a city like Shanghai without scrolling


def styled(frame: pd.DataFrame):
    """The verdicts coloured: proved optimal green, the others amber."""
    def colour(cell: str) -> str:
        return f"color: {PROVED_COLOUR if str(cell).startswith(PROVED_MARK) else OPEN_COLOUR}"

    return frame.style.map(colour, subset=["verdict"])


def section(quality: Mapping[str, object], names: Mapping[str, str], counties: Iterable[str], lang: str) -> list[dict]:
    """The page's section: a heading, the one-line summary, and the table, the districts not
    proved first (nothing when the proposal has no district solved). Returns the rows shown."""
    rows = quality_rows(quality, names, counties)
    if not rows:
        return rows
    st.subheader(t("quality.title", lang), help=t("quality.help", lang))
    st.caption(plain(quality_summary(rows, lang)))
    shown = sorted(rows, key=lambda r: (bool(r["proved"]), r["district_code"]))
    frame = quality_frame(shown, lang)
    st.dataframe(styled(frame), hide_index=True, width="stretch", column_config=column_config(lang),
                 height=38 + 35 * min(len(frame), SHOWN_ROWS))
    return rows
