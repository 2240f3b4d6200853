"""Page logic with AppTest (the map component itself is tested in a real browser)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, write_world
from geodata.store import save_upload


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_data_page_opens_on_the_default_in_chinese():
    at = app().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["区县"] == "16" and metrics["常住人口"] == "24,870,895"
    assert any("演示数据" in i.value for i in at.info)
    assert at.title[0].value == "医联体网格化布局规划"


@pytest.mark.slow
def test_english_switch_changes_the_ui_and_the_url():
    at = app().run()
    at.sidebar.radio[0].set_value("English").run()
    assert at.query_params["lang"] == "en"
    assert at.title[0].value == "Medical alliance grid planner"
    at = app()
    at.query_params["lang"] = "en"
    at.run()
    assert {m.label for m in at.metric} >= {"Districts", "Resident population"}
    assert at.title[0].value == "Medical alliance grid planner"


def test_uploaded_package_is_reopened_from_the_url(tmp_path):
    world = write_world(tmp_path / "w")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])
    at = app()
    at.query_params["data"] = package_id
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["区县"] == "2" and metrics["单元"] == "32" and metrics["常住人口"] == "32,000"
    assert not at.info  # not modelled: no demonstration banner


def test_unknown_package_id_falls_back_to_the_default():
    at = app()
    at.query_params["data"] = "0123456789abcdef"
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["区县"] == "16"
    assert at.query_params["data"] == "default"


def test_import_page_asks_for_files_first():
    at = app()
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    at.button[0].click().run()
    assert any("请先选择文件" in w.value for w in at.warning)


def test_grid_page_shows_the_proposal_and_its_checks():
    at = app()
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["常住人口"] == "24,870,895" and int(metrics["网格数"]) >= 16
    assert not at.error  # every grid rule holds on the default
    rules = at.dataframe[0].value
    assert list(rules["ID"]) == ["G1", "G2", "G3", "G4", "G5", "G6"] and rules["✓/✗"].eq("通过").all()


def test_grid_page_plans_anyway_and_explains_a_band_it_cannot_meet(tmp_path):
    world = write_world(tmp_path / "w")
    (world / "config.toml").write_text("[grids]\ngrid_population_min = 100.0\ngrid_population_max = 1000.0\n")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])
    at = app()
    at.query_params["data"] = package_id
    at.query_params["lang"] = "en"
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    assert not at.error and int({m.label: m.value for m in at.metric}["Grids"]) >= 2  # the plan is shown
    assert any("G6" in w.value and "raise the band" in w.value for w in at.warning)


def test_pairing_page_lists_pairings_rules_and_the_unpaired_district():
    at = app()
    at.switch_page("pages/pairings.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["结对数"]) > 20 and metrics["无市级综合医院结对的区"] == "1"
    assert "长宁区" in at.info[0].value and "P4：" in at.info[0].value
    assert list(at.dataframe[0].value["ID"]) == ["P1", "P2", "P4", "P6", "P7", "P8"]
    binding = next(d.value for d in at.dataframe if "放宽一格可缩短（km）" in d.value.columns)  # in Chinese, names first
    assert list(binding.columns) == ["规则", "对象", "上限", "放宽一格可缩短（km）"]
    assert all("（" in place and not place.startswith("（") for place in binding["对象"])


@pytest.mark.slow
def test_pairing_what_if_reports_the_change():
    at = app()
    at.switch_page("pages/pairings.py").run()
    at.selectbox[0].set_value("310115").run()  # 浦东新区: two partners at cap 2
    at.number_input[0].set_value(3).run()
    assert not at.exception
    assert any("objective" in m.value or "目标值变化" in m.value for m in at.markdown)


def test_coverage_page_shows_shares_gaps_sites_and_villages():
    at = app()
    at.switch_page("pages/coverage.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["常住人口"] == "24,870,895" and metrics["超出服务半径"].endswith("%")
    # ten sites asked for by default; those that would bring no one within reach are not proposed
    from geodata.default import load_default
    from planning.session import PlanningSession

    proposed = PlanningSession(load_default()).coverage(sites=10).site_codes
    assert len(at.dataframe) == 3 and 0 < len(at.dataframe[1].value) == len(proposed) <= 10
    assert at.dataframe[1].value["站点代码"].astype(str).tolist() == [str(c) for c in proposed]


def test_pairing_page_opens_with_a_district_cap_far_above_the_hospitals(tmp_path):
    """config.toml ``district_cap = 10000000`` (issue 16): the page opens, and its what-if input
    takes the cap as it stands rather than refusing a value above its maximum."""
    world = write_world(tmp_path / "w")
    (world / "config.toml").write_text("[rules]\ndistrict_cap = 10000000\nhospital_cap = 10000000\n", encoding="utf-8")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])
    at = app()
    at.query_params["data"] = package_id
    at.run()
    at.switch_page("pages/pairings.py").run()
    assert not at.exception, at.exception
    assert at.number_input[0].value == 10000
