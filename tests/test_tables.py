"""Tables as planners read them (issue 18): thousands separators and percentages."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ui.tables import number_formats


def test_populations_get_separators_shares_percentages_and_codes_stay_as_written():
    frame = pd.DataFrame({"population": [662030, 1200], "integrated": [0.5, 0.97], "meets_standard": [0.1, 0.7], "served_share": [0.2, 1.0],
                          "district_code": [310101, 310104], "pooling_area": [310000, 310000], "plan_id": [1001, 1002],
                          "year": [2026, 2026], "units": [10, 8], "name": ["a", "b"], "fixed": [True, False]})
    formats = number_formats(frame)
    assert set(formats) == {"population", "integrated", "meets_standard", "served_share"}
    assert formats["population"]["type_config"]["format"] == "localized"
    assert formats["integrated"]["type_config"]["format"] == "percent"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))


def test_the_coverage_page_shows_residents_with_separators(data_dir):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/coverage.py").run()
    assert not at.exception
    configs = [df.proto.columns for df in at.dataframe]
    assert any("localized" in c for c in configs), configs


def test_yes_no_columns_are_words_not_checkboxes():
    from ui.tables import display

    shown = display(pd.DataFrame({"fixed": [True, False]}), "zh")
    assert list(shown.iloc[:, 0]) == ["是", "否"]
