"""Blank spreadsheets a planner can fill: one per table layer, Chinese headers the loader maps
back (``geodata.schema.template_columns``), as CSV (UTF-8 with BOM, which Excel opens in
Chinese) and XLSX."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from geodata.export import write_xlsx
from geodata.schema import LAYERS, TEMPLATE_FILES, template_columns


def template_frame(layer: str) -> pd.DataFrame:
    return pd.DataFrame(columns=template_columns(LAYERS[layer]))


def template_csv(layer: str) -> bytes:
    return template_frame(layer).to_csv(index=False).encode("utf-8-sig")


def template_xlsx(layer: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.xlsx"
        write_xlsx(path, {TEMPLATE_FILES[layer]: template_frame(layer)})
        return path.read_bytes()
