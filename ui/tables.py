"""Tables as planners read them: their words for columns and values, empty cells empty."""

from __future__ import annotations

import pandas as pd

from ui.i18n import COLUMNS, VALUES, t

HIDDEN = ("geometry", "_pos")


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
        if out[column].dtype == object or column in VALUES or column == "kind":
            cells = [_cell(v, column, lang) for v in out[column]]
            numbers = [c for c in cells if c != ""]
            if numbers and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in numbers):
                out[column] = pd.to_numeric(pd.Series(cells, index=out.index).replace("", None))  # a number column with gaps
            else:
                out[column] = cells
    names = {c: COLUMNS[c][0 if lang == "zh" else 1] for c in out.columns if c in COLUMNS}
    return out.rename(columns=names)
