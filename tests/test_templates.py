"""Blank templates on the import page (issue 18): Chinese headers that the loader maps back."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from geodata.schema import LAYERS, TEMPLATE_FILES
from geodata.validate import map_columns
from ui.templates import template_csv, template_xlsx


@pytest.mark.parametrize("layer", list(TEMPLATE_FILES))
def test_a_templates_headers_are_chinese_and_every_one_is_recognised(layer):
    headers = list(pd.read_csv(io.BytesIO(template_csv(layer)), encoding="utf-8-sig").columns)
    mapped = map_columns(LAYERS[layer], headers)
    required = {c.name for c in LAYERS[layer].columns if c.required}
    assert required <= set(mapped.values())
    assert all(h in mapped or h in ("经度", "纬度") for h in headers)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers if h not in ("gps",))
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(layer)))
    assert [c.value for c in book.active[1]] == headers
    assert template_csv(layer).startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
