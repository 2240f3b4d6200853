"""The population chart (ui/charts.py): bars in the grids' colours against the band and the target."""

from __future__ import annotations

import pandas as pd

from ui.charts import population_bars, population_frame

LABELS = {"population": "常住人口", "grid": "网格", "band": "人口区间", "target": "区内平均（目标）"}


def _frame() -> pd.DataFrame:
    table = pd.DataFrame({"grid_id": ["310115-G01", "310115-G02", "310115-G03"],
                          "lead_name": ["浦东新区区域医疗中心1", "", None],
                          "population": [650_000.0, 180_000.0, 900_000.0]})
    return population_frame(table, {"310115-G01": "#8dd3c7", "310115-G02": "#ffffb3"})


def test_rows_are_named_by_lead_and_grid_and_coloured_by_the_plan():
    rows = _frame()
    assert rows["name"].tolist() == ["浦东新区区域医疗中心1 · 310115-G01", "310115-G02", "310115-G03"]
    assert rows["fill"].tolist() == ["#8dd3c7", "#ffffb3", "#d9d9d9"]


def test_the_spec_has_the_band_the_bars_and_the_target():
    spec = population_bars(_frame(), band=(200_000, 800_000), target=576_666.7, labels=LABELS).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "rule", "bar", "text", "rule"]
    band, ends, bars, _, target = spec["layer"]
    datasets = spec["datasets"]
    assert datasets[band["data"]["name"]] == [{"lo": 200000.0, "hi": 800000.0, "what": "人口区间"}]
    assert [r["x"] for r in datasets[ends["data"]["name"]]] == [200000.0, 800000.0]
    assert band["encoding"]["x"]["field"] == "lo" and band["encoding"]["x2"]["field"] == "hi"
    assert bars["encoding"]["color"] == {"field": "fill", "type": "nominal", "scale": None, "legend": None}
    assert bars["encoding"]["x"]["field"] == "population" and bars["encoding"]["x"]["title"] == "常住人口"
    assert bars["encoding"]["y"]["title"] is None and bars["encoding"]["tooltip"][0]["title"] == "网格"
    assert bars["encoding"]["y"]["sort"][0] == "310115-G03"  # the largest first
    assert datasets[target["data"]["name"]] == [{"x": 576666.7, "what": "区内平均（目标）"}]
    assert target["mark"]["strokeDash"] == [6, 4]


def test_no_band_for_a_county_and_no_target():
    spec = population_bars(_frame(), band=None, target=None, labels=LABELS).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "text"]
