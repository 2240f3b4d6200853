"""The validation report: every issue with its place and fix, rejected rows, column mapping."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geodata.errors import LoadReport
from geodata.schema import LayerMeta
from ui.i18n import plain, t
from ui.tables import display

WIDE = {"problem": "large", "fix": "large", "layer": 130, "position": 110}  # px: "单元（units）", "第 47 个要素"


def layer_label(layer: str, lang: str) -> str:
    """区县边界 (districts) in Chinese, the layer name in English."""
    if not layer:
        return ""
    try:
        word = t(f"layer_{layer}", lang)
    except KeyError:
        return layer
    return f"{word}（{layer}）" if lang == "zh" else layer


def issue_table(report: LoadReport, lang: str) -> pd.DataFrame:
    table = report.table(lang)
    table["severity"] = [t(s, lang) for s in table["severity"]]
    table["layer"] = [layer_label(x, lang) if x else "" for x in table["layer"]]
    return table.drop(columns=["code"])


FILE_ERRORS_SHOWN = 5


def show_file_errors(report: LoadReport, lang: str) -> None:
    """Errors about a whole file (one that cannot be read, a layer missing), each in full with its
    fix above the table, whose cells cut a long message short; at most ``FILE_ERRORS_SHOWN``."""
    colon = "：" if lang == "zh" else ": "
    for problem in [i for i in report.errors if i.position is None][:FILE_ERRORS_SHOWN]:
        st.error(plain(problem.message(lang)) + "  \n" + plain(t("fix", lang) + colon + problem.fix(lang)))


def show_issues(report: LoadReport, lang: str) -> None:
    """Errors first, with problem and fix columns wide enough to read."""
    table = issue_table(report, lang)
    config = {c: st.column_config.TextColumn(t(c, lang), width=WIDE.get(c, "small")) for c in table.columns}
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


def show_report(report: LoadReport, meta: Mapping[str, LayerMeta], lang: str) -> None:
    """Counts, then the issues (errors first), the rows not loaded, and how columns were read."""
    problems = LoadReport(issues=[i for i in report.issues if i.code != "column_mapped"])
    counts = problems.counts()
    summary = t("issues_summary", lang, **counts)
    (st.error if counts["error"] else st.warning if counts["warning"] else st.success)(summary)
    show_file_errors(problems, lang)
    if problems.issues:
        show_issues(problems, lang)
    else:
        st.caption(t("no_issues", lang))
    for layer, rejected in report.rejected.items():
        why = {i.position: i.message(lang) for i in report.issues
               if i.layer == layer and i.severity == "error" and i.position is not None}
        shown = rejected.copy()
        shown["reason"] = [why.get(p, r) for p, r in zip(shown["position"], shown["reason"])]
        label = t("rejected_rows", lang, layer=layer_label(layer, lang)) + f" · {len(rejected)}"
        with st.expander(label):
            st.dataframe(display(shown.astype(str), lang), hide_index=True, width="stretch")
    if meta:
        st.markdown(f"**{t('mapping_table', lang)}**")
        rows = [
            {t("layer", lang): layer_label(m.layer, lang), t("source_file", lang): m.source, t("crs_used", lang): m.crs,
             t("rows_loaded", lang): m.rows_loaded,
             t("column_mappings", lang): "; ".join(f"{c.source} → {c.target}" for c in m.mappings)}
            for m in meta.values()
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
