"""The planner's grid settings (issue 15): the URL's form of them, the session cache's key, the
grid page's form (applied, kept over a refresh, used by every page), county alliances named as
such, and every export's metadata recording the settings."""

from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, collection, district_features, write_world
from geodata.store import save_upload
from planning.config import PlanConfig


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption).replace("\\", "")  # plain() escapes markdown


# --- the URL's form and the cache key ------------------------------------------------------------

def test_the_url_form_of_the_settings_reads_back_and_refuses_what_it_cannot_read():
    from ui.state import decode_grid, encode_grid

    settings = {"grid_balance_target": 1.1, "grid_population_min": 150_000.0, "grid_population_max": 612_345.5,
                "grid_counts": MappingProxyType({"310115": 6, "310101": 1}), "grid_leads": "given",
                "grid_exact_seconds": 2.5}
    text = encode_grid(settings)
    assert text == "balance:1.1;min:150000;max:612345.5;counts:310101=1,310115=6;leads:given;exact:2.5"
    back = decode_grid(text)
    assert {k: dict(v) if k == "grid_counts" else v for k, v in back.items()} == \
        {k: dict(v) if k == "grid_counts" else v for k, v in settings.items()}
    assert dict(decode_grid(encode_grid({"grid_counts": MappingProxyType({})}))["grid_counts"]) == {}  # none fixed
    assert decode_grid("") == {} and decode_grid("balance:0") == {"grid_balance_target": 0.0}
    for bad in ("balance:x", "colour:red", "counts:310115=0", "counts:310115", "leads:some", "exact:inf", "balance"):
        with pytest.raises(ValueError) as refused:
            decode_grid(bad)
        assert str(refused.value) == repr(bad) and "convert" not in str(refused.value)  # the part, not Python's words


def test_the_cache_key_follows_every_setting_and_equal_settings_share_it():
    from ui.state import config_key

    base = PlanConfig()
    same = replace(base, grid_counts=MappingProxyType({}))
    assert config_key(base) == config_key(same)
    counted = replace(base, grid_counts=MappingProxyType({"310115": 6, "310101": 2}))
    again = replace(base, grid_counts=MappingProxyType({"310101": 2, "310115": 6}))
    assert config_key(counted) == config_key(again) != config_key(base)
    keys = {config_key(replace(base, **change)) for change in (
        {"grid_balance_target": 1.1}, {"grid_balance_target": 0.0}, {"grid_population_min": 100_000.0},
        {"grid_population_max": 900_000.0}, {"grid_leads": "given"}, {"grid_exact_seconds": base.grid_exact_seconds + 1},
        {"grid_exact_units": 10}, {"county_alliances_max": 4, "county_alliances_reason": "山区面积大"})}
    assert len(keys) == 8 and config_key(base) not in keys


# --- the grid page -------------------------------------------------------------------------------

def _two_leads(tmp_path) -> str:
    """The small world with a second hospital that may lead in district A (900001), uploaded."""
    from conftest import facilities_csv, facility_rows

    world = write_world(tmp_path / "w")
    rows = facility_rows() + [{"facility_code": "DH-A2", "name": "甲区第二医院", "kind": "district_hospital",
                               "lon": 121.035, "lat": 31.035}]
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    return save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])


def grid_count(at) -> int:
    return int({m.label: m.value for m in at.metric}["网格数"])


def test_settings_applied_on_the_grid_page_propose_again_and_survive_a_refresh(tmp_path):
    package_id = _two_leads(tmp_path)
    at = app()
    at.query_params["data"] = package_id
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    assert "网格设置：人口最大/最小比 ≤ 1.25；网格人口 20–80 万人；网格数按人口区间确定" in captions(at)
    assert "均按数据包 config.toml" in captions(at) and grid_count(at) == 2
    assert not at.number_input  # the form opens in a dialog, on request
    next(b for b in at.button if b.label == "网格设置").click().run()
    form = {n.label: n for n in at.number_input}
    next(s for s in at.selectbox if s.label.startswith("人口均衡目标")).set_value(1.1)
    form["网格人口下限（万人）"].set_value(0.5)
    form["网格人口上限（万人）"].set_value(1.5)
    next(b for b in at.button if b.label == "应用并重新生成").click().run()
    assert not at.exception and not at.number_input  # applied: the dialog closes
    assert at.query_params["grid"] == "balance:1.1;min:5000;max:15000"
    assert "人口最大/最小比 ≤ 1.1；网格人口 0.5–1.5 万人" in captions(at) and "在此修改 2 项" in captions(at)
    assert grid_count(at) == 3  # 16,000 residents of 甲区 above the band's 15,000: two grids there

    refreshed = app()  # a refresh: a new session with the same URL
    refreshed.query_params["data"] = package_id
    refreshed.query_params["grid"] = "balance:1.1;min:5000;max:15000"
    refreshed.switch_page("pages/grids.py").run()
    assert not refreshed.exception
    assert "人口最大/最小比 ≤ 1.1；网格人口 0.5–1.5 万人" in captions(refreshed) and grid_count(refreshed) == 3

    next(b for b in refreshed.button if b.label == "网格设置").click().run()
    next(b for b in refreshed.button if b.label == "恢复数据包设置").click().run()
    assert "grid" not in refreshed.query_params and "均按数据包 config.toml" in captions(refreshed)
    assert grid_count(refreshed) == 2


def test_a_fixed_number_of_grids_from_the_url_is_planned_and_shown_in_the_form(tmp_path):
    at = app()
    at.query_params["data"] = _two_leads(tmp_path)
    at.query_params["grid"] = "counts:900001=2"
    at.switch_page("pages/grids.py").run()
    assert not at.exception and grid_count(at) == 3
    assert "指定网格数：甲区（900001）2" in captions(at)
    next(b for b in at.button if b.label == "网格设置").click().run()
    counts = next(d.value for d in at.dataframe if "fixed" in d.value.columns)  # the form's table of districts
    assert list(counts.columns) == ["district_name", "district_code", "ring", "now", "fixed"]
    assert counts["district_name"].tolist() == ["甲区", "乙区"] and counts["now"].tolist() == [2, 1]
    assert counts["fixed"].tolist()[0] == 2 and counts["fixed"].isna().tolist() == [False, True]


def test_a_refused_setting_is_named_and_nothing_is_applied(tmp_path):
    at = app()
    at.query_params["data"] = _two_leads(tmp_path)
    at.query_params["lang"] = "en"
    at.switch_page("pages/grids.py").run()
    next(b for b in at.button if b.label == "Grid settings").click().run()
    form = {n.label: n for n in at.number_input}
    form["Band minimum (10,000 residents)"].set_value(90.0)  # above the maximum (80)
    next(b for b in at.button if b.label == "Apply and re-propose").click().run()
    assert not at.exception
    assert any("Settings not applied" in e.value and "minimum not above the maximum" in e.value for e in at.error)
    assert "grid" not in at.query_params


def test_a_url_with_settings_the_package_cannot_take_falls_back_with_the_reason(tmp_path):
    at = app()
    at.query_params["data"] = _two_leads(tmp_path)
    at.query_params["grid"] = "balance:0.5"
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    assert any("网址中的网格设置无法使用" in w.value for w in at.warning)
    assert "grid" not in at.query_params and "均按数据包 config.toml" in captions(at)


def _settings_seen(at) -> dict:
    return json.loads(at.markdown[-1].value.strip("`"))


def test_every_page_plans_under_the_settings_in_force():
    """``state.session()`` is the one session of every page: it carries the URL's settings."""
    def page():
        import json as j

        import streamlit as st

        from geodata.export import grid_settings
        from ui import state

        state.init()
        st.markdown(f"`{j.dumps(grid_settings(state.session().config))}`")

    at = AppTest.from_function(page, default_timeout=120)
    at.query_params["grid"] = "balance:0;min:100000;counts:310115=7;leads:given;exact:3"
    at.run()
    assert not at.exception
    seen = _settings_seen(at)
    assert seen["grid_balance_target"] == 0 and seen["grid_population_min"] == 100_000 and seen["grid_leads"] == "given"
    assert seen["grid_counts"] == {"310115": 7} and seen["grid_exact_seconds"] == 3


def _county_package(tmp_path) -> str:
    """The small world with district B (900002) a county."""
    world = write_world(tmp_path / "w")
    features = district_features()
    features[1]["properties"]["ring"] = "county"
    (world / "districts.geojson").write_text(collection(features), encoding="utf-8")
    return save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])


@pytest.mark.parametrize("lang, words", [
    ("zh", {"metric": "网格 / 医共体数", "grids": "各网格指标", "alliances": "各医共体指标", "column": "医共体编号",
            "note": "乙区为县：按县域医共体规划"}),
    ("en", {"metric": "Grids / county alliances", "grids": "Figures per grid", "alliances": "Figures per county alliance",
            "column": "County alliance", "note": "乙区: counties, planned as county alliances"}),
])
def test_a_countys_groups_are_named_county_alliances(tmp_path, lang, words):
    at = app()
    at.query_params["data"] = _county_package(tmp_path)
    at.query_params["lang"] = lang
    at.switch_page("pages/grids.py").run()
    assert not at.exception
    assert words["metric"] in {m.label for m in at.metric}
    headings = [s.value for s in at.subheader]
    assert headings[headings.index(words["grids"]) + 1] == words["alliances"]
    # rules, grids, county alliances, solve quality, explanations, parts: the county alliances' own
    # table is the one whose group column is named for them alone
    county_table = next(d.value for d in at.dataframe if words["column"] in d.value.columns)
    assert set(county_table[words["column"]]) == {"900002-G01"}
    quality = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    assert quality.set_index("district_code").loc["900002", "verdict"] == \
        ("✓ 仅一个医共体" if lang == "zh" else "✓ one county alliance")
    assert words["note"] in captions(at)
    district = next(s for s in at.selectbox if s.label in ("区县", "District"))
    district.set_value("900002").run()
    assert ("医共体（牵头医院" if lang == "zh" else "county alliances solved again") in captions(at)


# --- every export's metadata ---------------------------------------------------------------------

def test_every_export_records_the_settings_the_plan_was_judged_under(tmp_path):
    import pyogrio

    from geodata.filing import build, write
    from geodata.package import load_package
    from planning.session import PlanningSession

    package = load_package(write_world(tmp_path / "w"))
    config = replace(package.config, grid_balance_target=1.1, grid_population_min=5_000.0, grid_population_max=20_000.0,
                     grid_counts=MappingProxyType({"900002": 2}), grid_leads="given", grid_exact_seconds=4.0,
                     county_alliances_max=4, county_alliances_reason="山区，交通不便")
    session = PlanningSession(package, config)
    export = build(session, session.propose().plan, {"plan_id": "p1", "plan_name": "设置测试", "version": 3})
    expected = {"grid_balance_target": 1.1, "grid_population_min": 5000.0, "grid_population_max": 20000.0,
                "grid_counts": {"900002": 2}, "grid_leads": "given", "grid_exact_units": 60, "grid_exact_seconds": 4.0,
                "island_link_km": 15.0, "county_alliances_max": 4, "county_alliances_reason": "山区，交通不便"}
    assert export.meta["settings"] == expected
    layout = json.loads(write(export, "geojson", tmp_path / "l.geojson").read_text(encoding="utf-8"))
    assert layout["metadata"]["settings"] == expected
    checks = json.loads(write(export, "checks", tmp_path / "c.json").read_text(encoding="utf-8"))
    assert checks["settings"] == expected
    gpkg = write(export, "gpkg", tmp_path / "p.gpkg")
    metadata = pyogrio.read_info(gpkg, layer="grids")["dataset_metadata"]
    assert json.loads(metadata["settings"]) == expected and metadata["plan_id"] == "p1"


# --- one district's frontier ---------------------------------------------------------------------

def _arrow_rows(data: bytes) -> list[dict]:
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_all().to_pylist()


def test_the_frontier_of_a_district_is_drawn_and_a_point_is_adopted_as_a_new_plan(tmp_path):
    """甲区 in two grids: its grids solved for each balance target, drawn as access against
    balance (every point proved, it is small), and the 1.1 point saved as a new plan, opened."""
    from geodata.plans import PlanStore
    from planning.plan import plan_from_dict

    at = app()
    at.query_params["data"] = _two_leads(tmp_path)
    at.query_params["grid"] = "counts:900001=2"
    at.switch_page("pages/grids.py").run()
    before = len(at.get("vega_lite_chart"))  # the population bars; the frontier is computed on request only
    next(s for s in at.selectbox if s.label == "区县").set_value("900001")
    next(b for b in at.button if b.label == "计算").click().run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == before + 1
    (rows,) = [r for r in ([row for data in c.proto.datasets for row in _arrow_rows(data.data.data)] for c in charts)
               if r and "label" in r[0] and "kind" in r[0]]
    assert {label for r in rows for label in r["label"].split(" / ")} == {"1.05", "1.1", "1.25", "1.5", "不限", "当前方案"}
    assert {r["kind"] for r in rows if r["label"] != "当前方案"} == {"已证明最优"}
    adopt = [b.label for b in at.button if b.label.startswith("采用")]
    assert adopt == ["采用 1.05", "采用 1.1", "采用 1.25", "采用 1.5", "采用 不限"]
    next(b for b in at.button if b.label == "采用 1.1").click().run()
    assert not at.exception
    assert any("甲区均衡 1.1" in s.value.replace("\\", "") for s in at.success)
    store = PlanStore(tmp_path / "data" / "plans.sqlite")
    (saved,) = store.plans()
    assert saved["name"] == "甲区均衡 1.1" and at.query_params["plan"] == saved["plan_id"]
    plan = plan_from_dict(store.load(saved["plan_id"])[1])
    assert len(plan.grids) == 3 and len(plan.assignment) == 32  # the whole plan


def test_the_frontier_chart_marks_proved_points_gaps_and_the_current_proposal():
    from types import SimpleNamespace

    from ui.grid_settings import frontier_chart, frontier_frame

    points = [SimpleNamespace(target=1.05, balance=1.04, access_km=3.2, proved=True, gap=0.0, method="exact"),
              SimpleNamespace(target=1.1, balance=1.04, access_km=3.2, proved=True, gap=0.0, method="exact"),
              SimpleNamespace(target=None, balance=2.5, access_km=2.1, proved=False, gap=0.062, method="exact"),
              SimpleNamespace(target=1.25, balance=1.1, access_km=2.4, proved=True, gap=0.0, method="free_leads")]
    current = SimpleNamespace(balance=1.2, access_km=2.6, proved=True, gap=0.0)
    frame = frontier_frame(points, current, "en")
    assert frame.to_dict(orient="records") == [
        {"label": "1.05 / 1.1", "balance": 1.04, "access": 3.2, "kind": "proved optimal", "status": "proved optimal"},
        {"label": "none", "balance": 2.5, "access": 2.1, "kind": "not proved optimal", "status": "at most 6.2% from the best"},
        {"label": "leads chosen freely", "balance": 1.1, "access": 2.4, "kind": "leads chosen freely",
         "status": "proved optimal"},
        {"label": "current proposal", "balance": 1.2, "access": 2.6, "kind": "current proposal", "status": "proved optimal"}]
    same = frontier_frame(points[:3] + [SimpleNamespace(target=1.25, balance=1.2, access_km=2.6, proved=True, gap=0.0,
                                                        method="free_leads")], current, "en")
    assert same["label"].tolist()[-1] == "current proposal = leads chosen freely" and len(same) == 3
    spec = frontier_chart(frame, "en").to_dict()
    assert [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]] == \
        ["line", "point", "text", "text"]
    assert spec["layer"][1]["encoding"]["x"]["title"] == "Population max/min (reached)"
