"""The validation report: every issue with its place and fix, rejected rows, column mapping."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geodata.errors import LoadReport
from geodata.schema import LayerMeta
from ui.i18n import t


def issue_table(report: LoadReport, lang: str) -> pd.DataFrame:
    table = report.table(lang)
    table["severity"] = [t(s, lang) for s in table["severity"]]
    table = table.drop(columns=["code"])
    return table.rename(columns={c: t(c, lang) for c in table.columns})


def show_report(report: LoadReport, meta: Mapping[str, LayerMeta], lang: str) -> None:
    """Counts, then the issues (errors first), the rows not loaded, and how columns were read."""
    counts = report.counts()
    summary = t("issues_summary", lang, **counts)
    (st.error if counts["error"] else st.warning if counts["warning"] else st.success)(summary)
    problems = [i for i in report.issues if i.code != "column_mapped"]
    if problems:
        shown = LoadReport(issues=problems)
        st.dataframe(issue_table(shown, lang), hide_index=True, width="stretch")
    else:
        st.caption(t("no_issues", lang))
    for layer, rejected in report.rejected.items():
        with st.expander(t("rejected_rows", lang, layer=layer) + f" · {len(rejected)}"):
            st.dataframe(rejected.astype(str), hide_index=True, width="stretch")
    if meta:
        rows = [
            {t("layer", lang): m.layer, t("source_file", lang): m.source, t("crs_used", lang): m.crs,
             t("rows_loaded", lang): m.rows_loaded,
             t("column_mappings", lang): "; ".join(f"{c.source} → {c.target}" for c in m.mappings)}
            for m in meta.values()
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
