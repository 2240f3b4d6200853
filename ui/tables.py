"""Tables as planners read them: their words for columns and values, empty cells empty."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.i18n import COLUMNS, VALUES, t

HIDDEN = ("geometry", "_pos")
SHARES = ("integrated", "meets_standard")  # columns holding shares 0-1 (besides *_share), shown as percentages
IDENTIFIERS = ("pooling_area", "code", "year", "version")  # numbers that name something (besides *_code, *_id): no separators


def _identifier(column: object) -> bool:
    name = str(column)
    return name in IDENTIFIERS or name.endswith(("_code", "_id"))


def _cell(value: object, column: str, lang: str) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if column == "kind" and isinstance(value, str) and value:
        return t(f"kind_{value}", lang)
    if column in VALUES and value in VALUES[column]:
        zh, en = VALUES[column][value]
        return zh if lang == "zh" else en
    return value


def display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` for showing: no geometry, translated headers and coded values."""
    out = pd.DataFrame(frame.drop(columns=[c for c in HIDDEN if c in frame.columns]))
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):  # 是/否 as text: a checkbox looks editable and is not
            out[column] = [_cell(bool(v), column, lang) for v in out[column]]
        elif out[column].dtype == object or column in VALUES or column == "kind":
            cells = [_cell(v, column, lang) for v in out[column]]
            numbers = [c for c in cells if c != ""]
            if numbers and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in numbers):
                out[column] = pd.to_numeric(pd.Series(cells, index=out.index).replace("", None))  # a number column with gaps
            else:
                out[column] = cells
    names = {c: COLUMNS[c][0 if lang == "zh" else 1] for c in out.columns if c in COLUMNS}
    return out.rename(columns=names)


def number_formats(frame: pd.DataFrame) -> dict[str, object]:
    """Streamlit column settings for ``frame``'s columns (by their canonical names): numbers of
    1,000 and more with thousands separators, shares as percentages."""
    config: dict[str, object] = {}
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce") if frame[column].dtype == object else frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or values.isna().all():
            continue
        known = values.dropna()
        if (str(column).endswith("_share") or column in SHARES) and known.between(0, 1).all():
            config[column] = st.column_config.NumberColumn(format="percent")
        elif known.abs().max() >= 1000 and not _identifier(column):
            config[column] = st.column_config.NumberColumn(format="localized")
    return config


def show(frame: pd.DataFrame, lang: str, **kw) -> None:
    """``frame`` as a table the planner reads: their words (``display``), thousands separators and
    percentages (``number_formats``), no index, the page's width."""
    shown = display(frame, lang)
    names = dict(zip(frame.drop(columns=[c for c in HIDDEN if c in frame.columns]).columns, shown.columns))
    config = {names[c]: v for c, v in number_formats(frame.drop(columns=[c for c in HIDDEN if c in frame.columns])).items()}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **kw)
