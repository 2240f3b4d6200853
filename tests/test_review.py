"""The review (评审模式, issue 18): names before codes, versions named by time, author and action, the
default comparison never a note-only version, the filters the whole page follows, broken grids
marked on the map, the before/after figures as a chart; and the page itself (AppTest) with a plan
of four versions (tests/review_plans.py).

The small world of the pure tests: two districts, A (grids A-G01, A-G02) and B (grid B-G01)::

    A-G01: units a1 a2 (lead A-DH1), a village clinic v1 integrated
    A-G02: unit  a3    (lead A-DH2), a village clinic v2 not integrated
    B-G01: unit  b1    (lead B-DH1), no village clinic
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from planning.plan import Grid, Plan
from planning.verdict import Place, RuleResult, Verdict, Violation
from texts import Text
from ui.review.compare import (changed_extent, figure_text, figures_chart, figures_frame, hospital_names, in_view,
                               moved_table)
from ui.review.data import (GridFilter, default_before, grid_figures, grid_names, grid_title, layout_versions, named,
                            select_grids, shares, verdict_in_view, version_entries, version_label)
from ui.review.gridmap import HATCH_ID, HoverLabel, grid_frame, grid_layers
from ui.review.meeting import card_html

ROOT = Path(__file__).resolve().parents[1]


def _violation(rule: str, severity: str = "error", **place) -> Violation:
    return Violation(rule, severity, Text("rule.G1.unassigned"), Text("fix.G1.unassigned"), Place(**{k: tuple(v) for k, v in place.items()}))


@pytest.fixture
def small():
    plan = Plan(assignment={"a1": "A-G01", "a2": "A-G01", "a3": "A-G02", "b1": "B-G01"},
                grids=(Grid("A-G01", "A", "A-DH1"), Grid("A-G02", "A", "A-DH2"), Grid("B-G01", "B", "B-DH1")))
    verdict = Verdict((
        RuleResult("G3", ("rule.x",), "s", (_violation("G3", units=["a3"]),)),           # in A-G02 through its unit
        RuleResult("G6", ("rule.x",), "s", (_violation("G6", "warning", grids=["A-G01"]),)),
        RuleResult("P1", ("rule.x",), "s", (_violation("P1", districts=["B"]),)),       # a district's, no grid
        RuleResult("P2", ("rule.x",), "s", ()),
    ))
    grids = pd.DataFrame({"grid_id": ["A-G01", "A-G02", "B-G01"], "district_code": ["A", "A", "B"],
                          "district_name": ["甲区", "甲区", "乙区"], "lead_name": ["甲医院1", "甲医院2", ""],
                          "population": [300.0, 100.0, 50.0]})
    members = pd.DataFrame({"facility_code": ["v1", "v2", "A-DH1"], "grid_id": ["A-G01", "A-G02", "A-G01"]})
    export = SimpleNamespace(plan=plan, filing=SimpleNamespace(grids=grids, members=members, verdict=verdict))
    units = pd.DataFrame({"unit_code": ["a1", "a2", "a3", "b1"], "district_code": ["A", "A", "A", "B"],
                          "population": [100.0, 200.0, 100.0, 50.0], "served": [100.0, 100.0, 25.0, 0.0]})
    villages = pd.DataFrame({"facility_code": ["v1", "v2"], "thc_code": ["t1", "t2"], "integrated": [True, False]})
    return export, units, villages


# --- names first -------------------------------------------------------------------------------

def test_names_come_before_codes_and_a_grid_is_named_by_its_district_and_number():
    assert named("青浦镇01", "310118001", "zh") == "青浦镇01（310118001）"
    assert named("青浦镇01", "310118001", "en") == "青浦镇01 (310118001)"
    assert named("", "310118001", "zh") == "310118001" and named("310118001", "310118001", "zh") == "310118001"
    assert grid_title("310118-G02", "青浦区", "zh") == "青浦区 第2网格"
    assert grid_title("310118-G02", "青浦区", "en") == "青浦区 grid 2"
    assert grid_title("QP-north", "青浦区", "zh") == "青浦区 网格 QP-north"
    grids = pd.DataFrame({"grid_id": ["310118-G02"], "district_name": ["青浦区"]})
    assert grid_names(grids, "zh") == {"310118-G02": "青浦区 第2网格（310118-G02）"}


def test_a_card_names_its_grid_before_its_id_and_shows_data_as_text():
    from ui import state

    row = SimpleNamespace(grid_id="310118-G02", district_name="青浦区", lead_name=HOSTILE, lead_facility_code="310118-DH04",
                          population=665343.0, units=6, mean_access_km=9.84)
    zh = card_html(row, "#8dd3c7", 53, ["中山医院", "瑞金医院"], ["G3", "G6"], state.labels("zh"), "zh")
    assert zh.index("青浦区 第2网格</h4>") < zh.index("网格编号：310118-G02")
    assert "常住人口：665,343 · 单元：6" in zh and "结对医院：中山医院、瑞金医院" in zh and "待解决：G3、G6" in zh
    assert "<img" not in zh and "${" not in zh and "（310118-DH04）" in zh
    en = card_html(row, "#8dd3c7", 53, [], [], state.labels("en"), "en")
    assert "青浦区 grid 2</h4>" in en and "Grid id: 310118-G02" in en and "Partners: —" in en and "：" not in en


# --- versions ----------------------------------------------------------------------------------

HISTORY = [
    {"version": 1, "author": "王规划", "at": "2026-11-22T10:34:00+00:00", "action": "create", "detail": {}},
    {"version": 2, "author": "李科长", "at": "2026-11-23T01:00:00+00:00", "action": "assign", "detail": {}},
    {"version": 2, "author": "李科长", "at": "2026-11-23T01:05:00+00:00", "action": "rename", "detail": {}},
    {"version": 3, "author": "", "at": "2026-11-23T02:00:00+00:00", "action": "note", "detail": {}},
    {"version": 4, "author": "王规划", "at": "2026-11-24T03:00:00+00:00", "action": "lock", "detail": {}},
    {"version": 5, "author": "王规划", "at": "2026-11-24T04:00:00+00:00", "action": "repropose", "detail": {}},
    {"version": 6, "author": "王规划", "at": "2026-11-24T05:00:00+00:00", "action": "note", "detail": {}},
]


def test_versions_are_named_by_beijing_time_author_and_action():
    entries = version_entries(HISTORY)
    assert entries[2]["action"] == "assign"  # a rename makes no version: the version's own entry stays
    assert version_label(1, entries[1], "zh") == "v1 · 2026-11-22 18:34 · 王规划 · 新建"
    assert version_label(2, entries[2], "en") == "v2 · 2026-11-23 09:00 · 李科长 · assigned"
    assert version_label(3, entries[3], "zh") == "v3 · 2026-11-23 10:00 · 未署名 · 添加决策说明"
    assert version_label(9, None, "zh") == "v9"


def test_the_default_comparison_is_the_version_before_the_last_change_of_the_grids():
    entries = version_entries(HISTORY)
    assert layout_versions(entries, 6) == [5, 2, 1]  # notes (v3, v6) and the lock (v4) change no grid
    assert default_before(entries, 6) == 2  # v6 only adds a note on v5: compare with the grids before v5
    assert default_before(entries, 5) == 2
    assert default_before(entries, 4) == 1 and default_before(entries, 3) == 1 and default_before(entries, 2) == 1
    assert default_before(entries, 1) == 1  # nothing earlier: itself
    for version in range(1, 7):
        assert entries[default_before(entries, version)]["action"] not in ("note", "lock")


# --- filters -----------------------------------------------------------------------------------

def test_each_grid_has_its_served_share_village_integration_and_rules_broken(small):
    export, units, villages = small
    figures = grid_figures(export, units, villages).set_index("grid_id")
    assert figures.loc["A-G01", "served_share"] == pytest.approx(200 / 300)
    assert figures.loc["A-G02", "served_share"] == pytest.approx(0.25)
    assert figures.loc["A-G01", "village_share"] == 1.0 and figures.loc["A-G02", "village_share"] == 0.0
    assert math.isnan(figures.loc["B-G01", "village_share"])
    assert figures.loc["A-G01", "rules"] == {"G6"} and figures.loc["A-G02", "rules"] == {"G3"}
    assert figures.loc["B-G01", "rules"] == set()  # P1 names the district, no grid


def test_filters_select_grids_by_violations_shares_and_rules(small):
    export, units, villages = small
    figures = grid_figures(export, units, villages)
    both = ["A", "B"]
    assert select_grids(figures, both, GridFilter()) == ["A-G01", "A-G02", "B-G01"]
    assert not GridFilter().active and GridFilter(violations_only=True).active
    assert select_grids(figures, ["B"], GridFilter()) == ["B-G01"]
    assert select_grids(figures, both, GridFilter(violations_only=True)) == ["A-G01", "A-G02"]
    assert select_grids(figures, both, GridFilter(served=(0.5, 1.0))) == ["A-G01"]
    assert select_grids(figures, both, GridFilter(served=(0.0, 0.25))) == ["A-G02", "B-G01"]
    # a grid without village clinics drops out once the range is narrowed
    assert select_grids(figures, both, GridFilter(villages=(0.0, 0.7))) == ["A-G02"]
    assert select_grids(figures, both, GridFilter(rules=("G3", "P1"))) == ["A-G02"]
    assert select_grids(figures, both, GridFilter(violations_only=True, rules=("G6",))) == ["A-G01"]


def test_the_verdict_follows_the_grids_and_districts_in_view(small):
    export, units, villages = small
    everything = verdict_in_view(export.filing.verdict, export, ["A-G01", "A-G02", "B-G01"], ["A", "B"])
    assert everything == export.filing.verdict
    only = verdict_in_view(export.filing.verdict, export, ["A-G01"], ["A"])
    assert [(r.id, len(r.violations)) for r in only.rules] == [("G3", 0), ("G6", 1), ("P1", 0), ("P2", 0)]
    assert only.failed == [] and len(only.rules) == 4  # every rule still listed: 4 / 4 passed in view
    district_b = verdict_in_view(export.filing.verdict, export, ["B-G01"], ["B"])
    assert district_b.failed == ["P1"]


def test_the_figures_in_view_are_summed_over_the_grids_shown(small):
    export, units, villages = small
    served, integrated = shares(units, villages, export, ["A-G01", "A-G02"])
    assert served == pytest.approx(225 / 400) and integrated == 0.5
    served, integrated = shares(units, villages, export, ["B-G01"])
    assert served == 0.0 and math.isnan(integrated)
    assert all(math.isnan(x) for x in shares(units, villages, export, []))


# --- the maps -----------------------------------------------------------------------------------

HOSTILE = '<img src=x onerror=alert(1)>${x}'


def _features() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"grid_id": ["A-G01", "A-G02"], "lead_name": [HOSTILE, "甲医院2"], "population": [300.0, 100.0]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)


def test_broken_grids_are_hatched_in_red_and_name_their_rules_and_nothing_from_data_is_markup():
    names = {"A-G01": "甲区 第1网格（A-G01）", "A-G02": HOSTILE}
    frame = grid_frame(_features(), {"A-G01": "#8dd3c7", "A-G02": "red;background:url(x)"}, names,
                       {"A-G01": {"G6", "G3"}, "A-G02": set()}, {"G3": "区级医院牵头", "G6": "网格形状"})
    assert frame["_broken"].tolist() == [True, False]
    assert frame.loc[0, "issues"] == "G3 区级医院牵头；G6 网格形状"
    assert frame.loc[1, "issues"] == "—"
    assert frame["_fill"].tolist() == ["#8dd3c7", "#d9d9d9"]  # a colour that is not #rrggbb is grey, never CSS
    assert "<" not in frame.loc[1, "name"] and "${" not in frame.loc[1, "name"] and "<" not in frame.loc[0, "lead"]
    layers = grid_layers(frame, ["网格", "牵头医院", "常住人口", "违反的规则"])
    assert len(layers) == 2 and layers[1].data["features"][0]["properties"] == {}  # only the broken grid's shape
    style = layers[1].style_function(layers[1].data["features"][0])
    assert style["fillColor"] == f"url(#{HATCH_ID})" and style["color"] == "#d7191c"
    assert grid_layers(frame[~frame["_broken"]], ["a", "b", "c", "d"])[1:] == []  # nothing broken: no hatching


def test_the_hover_label_is_a_leaflet_control_on_the_grid_layer():
    import folium

    frame = grid_frame(_features(), {}, {}, {}, {})
    m = folium.Map()
    layers = grid_layers(frame, ["a", "b", "c", "d"])
    for layer in layers:
        layer.add_to(m)
    HoverLabel(layers[0], size_px=34, quiet=True).add_to(m)
    html = m.get_root().render()
    assert "L.control({position: 'topright'})" in html and f"{layers[0].get_name()}.on('mouseover'" in html
    assert "font:34px" in html and ".leaflet-tooltip{display:none" in html
    assert HATCH_ID in html


# --- compare -----------------------------------------------------------------------------------

DIFF = {"units_moved": [{"unit_code": "a2", "from": "A-G01", "to": "A-G02", "population": 200.0}],
        "figures": {"grids": {"before": 3, "after": 3, "change": 0},
                    "population": {"before": 24870895.0, "after": 24870895.0, "change": 0.0},
                    "population_max_min_ratio": {"before": 2.1149, "after": math.inf, "change": math.inf},
                    "mean_access_km": {"before": 4.908, "after": 5.003, "change": 0.095}}}


def test_moved_units_are_named_with_grid_names_from_and_to():
    units = pd.DataFrame({"unit_code": ["a2"], "unit_name": ["甲镇02"]})
    table = moved_table(DIFF, units, {"A-G01": "甲区 第1网格（A-G01）"}, {"A-G02": "甲区 第2网格（A-G02）"}, "zh")
    assert table.to_dict("records") == [{"unit_code": "a2", "unit": "甲镇02（a2）", "from": "甲区 第1网格（A-G01）",
                                         "to": "甲区 第2网格（A-G02）", "population": 200.0}]


def test_compare_follows_the_districts_in_view():
    units = pd.DataFrame({"unit_code": ["a2", "b1"], "district_code": ["A", "B"]})
    grids = pd.DataFrame({"grid_id": ["A-G01", "A-G02", "B-G01"], "district_code": ["A", "A", "B"],
                          "population": [300.0, 100.0, 50.0], "mean_access_km": [1.0, 2.0, 3.0],
                          "polsby_popper": [0.5, 0.5, 0.5]})
    diff = {"units_moved": [{"unit_code": "a2", "from": "A-G01", "to": "A-G02", "population": 200.0},
                            {"unit_code": "b1", "from": "B-G01", "to": "B-G02", "population": 50.0}],
            "residents_moved": 250.0, "pairings_added": [("RUIJIN", "A")], "pairings_removed": [("ZS", "B")],
            "figures": {}}
    only_a = in_view(diff, units, grids, grids, ["A"])
    assert [u["unit_code"] for u in only_a["units_moved"]] == ["a2"] and only_a["residents_moved"] == 200.0
    assert only_a["pairings_added"] == [("RUIJIN", "A")] and only_a["pairings_removed"] == []
    assert only_a["figures"]["grids"] == {"before": 2, "after": 2, "change": 0}
    assert only_a["figures"]["population"]["after"] == 400.0
    everything = in_view(diff, units, grids, grids, ["A", "B"])
    assert everything["units_moved"] == diff["units_moved"] and everything["figures"]["population"]["before"] == 450.0


def test_pairings_added_and_removed_name_their_hospitals():
    before = pd.DataFrame({"hospital_code": ["RUIJIN", "X9"], "hospital": ["瑞金医院", ""]})
    after = pd.DataFrame({"hospital_code": ["ZS"], "hospital": ["中山医院"]})
    assert hospital_names(before, after) == {"RUIJIN": "瑞金医院", "ZS": "中山医院"}  # X9 has no name: its code is shown


def test_both_maps_show_the_grids_a_moved_unit_left_or_joined(small):
    export, _, _ = small
    before = export.plan
    after = before.reassign({"a2": "A-G02"})
    units = gpd.GeoDataFrame({"unit_code": ["a1", "a2", "a3", "b1"]},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)] + [shapely.box(10, 10, 11, 11)], crs=4326)
    diff = {"units_moved": [{"unit_code": "a2", "from": "A-G01", "to": "A-G02", "population": 1.0}]}
    assert changed_extent(units, diff, before, after) == (0.0, 0.0, 3.0, 1.0)  # A's grids, not B's
    assert changed_extent(units, {"units_moved": []}, before, before) is None


def test_the_figures_before_and_after_as_grouped_bars_in_the_readers_words():
    frame = figures_frame(DIFF, "zh")
    assert list(dict.fromkeys(frame["figure"])) == ["网格数", "常住人口", "人口最大/最小比", "平均就医距离（km）"]
    ratio = frame[frame["figure"] == "人口最大/最小比"].set_index("side")
    assert ratio.loc["before", "label"] == "2.115" and math.isnan(ratio.loc["after", "value"])
    assert frame.set_index(["figure", "side"]).loc[("常住人口", "after"), "label"] == "24,870,895"
    assert figure_text(0.38416) == "0.3842" and figure_text(52) == "52" and figure_text(math.nan) == "—"
    spec = figures_chart(frame, {"before": "对比版本", "after": "本版本"}).to_dict()
    assert spec["facet"]["field"] == "figure" and spec["resolve"]["scale"]["x"] == "independent"
    encoding = spec["spec"]["layer"][0]["encoding"]
    assert encoding["color"]["scale"]["domain"] == ["对比版本", "本版本"]
    values = next(iter(spec["datasets"].values()))
    assert {v["version"] for v in values} == {"对比版本", "本版本"} and len(values) == 7  # the infinite ratio left out


# --- the page (AppTest) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    from review_plans import make_store

    folder = tmp_path_factory.mktemp("review")
    plan_id, _, moved = make_store(folder / "data")
    return folder / "data", plan_id, moved


def _app(monkeypatch, data: Path, plan_id: str, **params) -> AppTest:
    import streamlit_folium

    monkeypatch.setenv("YLT_DATA_DIR", str(data))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["plan"] = plan_id
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/review.py")
    return at


def _caption(at, start: str) -> str:
    return next(c.value for c in at.caption if c.value.startswith(start))


@pytest.mark.slow
def test_the_filters_shape_the_whole_meeting_view(stored, monkeypatch):
    data, plan_id, moved = stored
    at = _app(monkeypatch, data, plan_id).run()
    assert not at.exception, at.exception
    version = at.selectbox[1]
    assert version.value == 4 and version.format_func(4).endswith("· 王规划 · 锁定")
    assert version.format_func(3).endswith("· 李科长 · 添加决策说明")
    total = int(_caption(at, "显示 ").split("/")[1].split()[0])
    assert _caption(at, "显示 ") == f"显示 {total} / {total} 个网格"
    at.toggle(key="review_only_broken").set_value(True).run()
    assert not at.exception, at.exception
    broken = sorted({moved["from"], moved["to"]})
    assert _caption(at, "显示 ") == f"显示 {len(broken)} / {total} 个网格"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["网格数"] == str(len(broken)) and metrics["规则通过"] == "11 / 12"
    cards = [m.value for m in at.markdown if m.value.startswith("<div class='ylt-card'>")]
    assert len(cards) == len(broken) and all(any(g in c for c in cards) for g in broken)
    assert "青浦区 第1网格</h4>" in cards[0] and "网格编号：310118-G01" in cards[0]  # the name, then the id
    chart = at.selectbox(key=f"review-chart-{plan_id}")  # the population chart: only the districts in view
    assert chart.options == [chart.format_func("310118")] and chart.format_func("310118").startswith("青浦区")
    assert {e.value.split(" · ")[0] for e in [*at.error, *at.warning] if " · " in e.value} == {"G3", "G6"}
    at.multiselect(key="review_rules").set_value(["G6"]).run()
    assert _caption(at, "显示 ") == f"显示 1 / {total} 个网格"
    at.toggle(key="review_only_broken").set_value(False).run()
    at.multiselect(key="review_rules").set_value([]).run()
    at.slider(key="review_served").set_value((95, 100)).run()  # no grid serves so many
    assert _caption(at, "显示 ") == f"显示 0 / {total} 个网格" and at.info[0].value.startswith("没有网格符合筛选条件")
    nothing = {m.label: m.value for m in at.metric}  # no figure rather than a zero that reads as a result
    assert nothing["网格数"] == "0" and {nothing[k] for k in ("常住人口", "人口最大/最小比", "规则通过")} == {"—"}
    assert not at.exception
    at.slider(key="review_served").set_value((0, 100)).run()
    at.slider(key="review_villages").set_value((70, 100)).run()  # grids with village clinics mostly integrated
    shown = int(_caption(at, "显示 ").split("/")[0].split()[1])
    assert 0 < shown < total
    assert {m.label: m.value for m in at.metric}["网格数"] == str(shown)


@pytest.mark.slow
def test_presentation_mode_is_kept_in_the_url(stored, monkeypatch):
    data, plan_id, _ = stored
    at = _app(monkeypatch, data, plan_id).run()
    assert at.toggle(key="review_present").value is False and "present" not in at.query_params
    at.toggle(key="review_present").set_value(True).run()
    assert not at.exception and at.query_params["present"] == "1"
    styles = [m.value for m in at.markdown if "stSidebar" in m.value]
    assert styles and ".st-key-review_controls" in styles[0]
    again = _app(monkeypatch, data, plan_id, present="1").run()  # a refresh: the URL keeps it
    assert again.toggle(key="review_present").value is True and not again.exception
    assert len(again.metric) == 6 and again.metric[0].label == "网格数"  # the figures in one row under the map
    assert any("· 第 4 版 · 显示 " in c.value for c in again.caption)  # which plan and version, on the line above the map


@pytest.mark.slow
def test_compare_defaults_past_notes_and_locks_names_units_and_speaks_chinese(stored, monkeypatch):
    data, plan_id, moved = stored
    at = _app(monkeypatch, data, plan_id).run()
    at.segmented_control(key="review_view").set_value("compare").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cmp_version").value == 1  # v4 locks, v3 notes: the grids before v2's change
    assert at.selectbox(key="cmp_version").format_func(2).endswith("· 李科长 · 划入网格")
    assert {m.label: m.value for m in at.metric}["调整网格的单元"] == str(len(moved["units"]))
    assert any(c.value.startswith("这个方案还没有备案过") for c in at.caption)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["单元", "原网格", "新网格", "常住人口"]
    assert table["单元"].iloc[0].startswith("青浦镇") and table["单元"].iloc[0].endswith(f"（{moved['units'][0]}）")
    assert set(table["原网格"]) == {f"青浦区 第{int(moved['from'][-2:])}网格（{moved['from']}）"}
    figures = at.dataframe[-2].value
    assert list(figures.columns) == ["指标", "对比版本", "本版本", "变化"]
    assert len(at.get("vega_lite_chart")) >= 1  # the before/after chart
    next(b for b in at.button if b.label == "方案初稿（v1）").click().run()
    assert at.selectbox(key="cmp_version").value == 1
    at.multiselect[0].set_value(["310101"]).run()  # 黄浦区 only: nothing moved there
    assert any(c.value.startswith("只对比所选区县：黄浦区") for c in at.caption)
    assert {m.label: m.value for m in at.metric}["调整网格的单元"] == "0"
    at.multiselect[0].set_value([]).run()
    at.toggle(key="review_only_broken").set_value(True).run()
    assert any(c.value.startswith("违规、服务比例与规则的筛选只作用于") for c in at.caption)
    at.toggle(key="review_only_broken").set_value(False).run()
    at.selectbox[1].set_value(3).run()  # a note-only version under review
    at.selectbox(key="cmp_version").set_value(2).run()
    assert {m.label: m.value for m in at.metric}["调整网格的单元"] == "0"  # a note moves nothing
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert [list(df.value.columns) for df in at.dataframe][-1] == ["Figure", "Compared version", "This version", "Change"]


@pytest.mark.slow
def test_the_last_filed_version_is_one_click_away_once_a_filing_is_logged(stored, monkeypatch):
    """Runs last in this file: it logs a filing in the shared store."""
    from geodata.plans import PlanStore

    data, plan_id, _ = stored
    PlanStore(data / "plans.sqlite").record_filing(plan_id, 2, author="李科长", file_name="方案_第2版_备案.zip")
    at = _app(monkeypatch, data, plan_id).run()
    at.segmented_control(key="review_view").set_value("compare").run()
    assert not at.exception, at.exception
    filed = next(b for b in at.button if b.label == "上次备案的版本（v2）")
    filed.click().run()
    assert at.selectbox(key="cmp_version").value == 2
    assert any(c.value.startswith("备案记录：") for c in at.caption)


@pytest.mark.slow
def test_the_export_view_says_filters_do_not_narrow_what_is_filed(stored, monkeypatch):
    data, plan_id, _ = stored
    at = _app(monkeypatch, data, plan_id).run()
    at.segmented_control(key="review_view").set_value("export").run()
    assert not at.exception, at.exception
    assert not any(c.value.startswith("导出与备案始终是整个方案") for c in at.caption)
    at.multiselect[0].set_value(["310101"]).run()
    assert any(c.value.startswith("导出与备案始终是整个方案") for c in at.caption)


def test_a_grid_has_one_colour_on_both_compare_maps():
    from types import SimpleNamespace

    from ui.review.compare import side_colours

    def version(features, ids):
        return SimpleNamespace(collection={"features": features}, filing=SimpleNamespace(grids=pd.DataFrame({"grid_id": ids})))

    def feature(grid, fill):
        return {"type": "Feature", "properties": {"grid_id": grid, "fill": fill}, "geometry": None}

    before = version([feature("A-G01", "#8dd3c7"), feature("A-G02", "#ffffb3"), feature("A-G03", "#bebada")],
                     ["A-G01", "A-G02", "A-G03"])
    after = version([feature("A-G01", "#ffffb3"), feature("A-G02", "#8dd3c7")], ["A-G01", "A-G02"])
    colours = side_colours(before, after)
    assert colours["before"]["A-G01"] == colours["after"]["A-G01"] and colours["before"]["A-G02"] == colours["after"]["A-G02"]
    assert colours["before"]["A-G03"] == "#bebada"  # only the earlier version has it: its own colour
