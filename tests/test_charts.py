"""The charts (ui/charts.py): population bars in the grids' colours against the band and the target;
coverage and distance to care by district and ring; the hospital x district pairing matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning.pairing import Hospital, PairingProblem
from planning.plan import PlanPairing
from ui.charts import (
    CAP_FILLS,
    ROLE_FILLS,
    access_bars,
    cap_status,
    coverage_bars,
    coverage_frame,
    pairing_matrix,
    pairing_matrix_frame,
    population_bars,
    population_frame,
    unique_labels,
    weighted_quantile,
)

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


# --- coverage and access by district, by ring ---------------------------------------------------
RINGS = {"A": "central", "B": "remote_suburb", "C": "near_suburb"}
NAMES = {"A": "甲区", "B": "乙区", "C": "丙区"}
RING_WORDS = {"central": "中心城区", "near_suburb": "近郊", "remote_suburb": "远郊", "county": "县"}
COVERAGE_LABELS = {"served_share": "已服务居民占比", "district": "区县", "ring": "圈层", "population": "常住人口",
                   "distance": "距离（km）", "mean": "平均", "p95": "95%"}


def _units() -> pd.DataFrame:
    """Three districts: A (central) two units, B (remote) three, C (near) one."""
    return pd.DataFrame({"district_code": ["A", "A", "B", "B", "B", "C"],
                         "population": [100.0, 300.0, 10.0, 80.0, 10.0, 50.0],
                         "served": [100.0, 200.0, 5.0, 40.0, 0.0, 50.0],
                         "primary_km": [1.0, 2.0, 9.0, 3.0, 20.0, 0.5]})


def test_weighted_quantile_counts_each_resident():
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5) == 2.0
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([95.0, 5.0]), 0.95) == 1.0  # 95 of 100 live at 1 km
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([94.0, 6.0]), 0.95) == 2.0
    assert weighted_quantile(np.array([5.0, np.inf]), np.array([1.0, 9.0]), 0.95) == 5.0  # unreachable: left out
    assert np.isnan(weighted_quantile(np.array([1.0]), np.array([0.0]), 0.95))


def test_coverage_frame_is_per_district_remote_suburbs_first():
    frame = coverage_frame(_units(), NAMES, RINGS)
    assert frame["district_code"].tolist() == ["B", "C", "A"]  # remote, near, central
    b = frame.iloc[0]
    assert b["district_name"] == "乙区" and b["population"] == 100.0 and b["served_share"] == 0.45
    assert b["mean_km"] == (10 * 9 + 80 * 3 + 10 * 20) / 100
    assert b["p95_km"] == 20.0  # the farthest ten live 20 km away
    a = frame.iloc[2]
    assert a["served_share"] == 0.75 and a["mean_km"] == 1.75 and a["p95_km"] == 2.0


def test_coverage_frame_puts_the_least_served_first_within_a_ring():
    units = pd.DataFrame({"district_code": ["X", "Y"], "population": [10.0, 10.0], "served": [9.0, 1.0],
                          "primary_km": [1.0, 1.0]})
    frame = coverage_frame(units, {}, {"X": "remote_suburb", "Y": "remote_suburb"})
    assert frame["district_code"].tolist() == ["Y", "X"] and frame["district_name"].tolist() == ["Y", "X"]


def test_coverage_and_access_bars_are_coloured_by_ring_in_the_readers_words():
    frame = coverage_frame(_units(), NAMES, RINGS)
    served = coverage_bars(frame, ring_words=RING_WORDS, labels=COVERAGE_LABELS).to_dict()
    bars, text = served["layer"]
    assert bars["encoding"]["y"]["sort"] == ["乙区", "丙区", "甲区"]
    assert bars["encoding"]["x"]["axis"]["format"] == ".0%" and bars["encoding"]["x"]["title"] == "已服务居民占比"
    colour = bars["encoding"]["color"]
    assert colour["field"] == "ring_word" and colour["scale"]["domain"] == ["远郊", "近郊", "中心城区"]
    assert text["encoding"]["text"]["format"] == ".0%"
    access = access_bars(frame, ring_words=RING_WORDS, labels=COVERAGE_LABELS).to_dict()
    assert [layer["mark"]["type"] for layer in access["layer"]] == ["bar", "tick", "text"]
    bar, tick, _ = access["layer"]
    assert bar["encoding"]["x"]["field"] == "mean_km" and tick["encoding"]["x"]["field"] == "p95_km"
    assert bar["encoding"]["color"]["scale"]["range"] == served["layer"][0]["encoding"]["color"]["scale"]["range"]


# --- pairings per hospital against its cap ------------------------------------------------------
MATRIX_LABELS = {"hospital": "医院", "district": "区县", "role": "结对形式", "home": "本部", "eligible": "可结对",
                 "count": "结对数", "cap": "上限", "exempt": "不计", "hospital_cap": "结对 / 上限",
                 "district_cap": "区内综合医院 / 上限"}


def _problem() -> PairingProblem:
    """Districts A (central), B (remote), C (near); general hospitals G1 (home A, a branch in B)
    and G2 (home C), a TCM hospital T (home A, exempt); caps: 2 districts a hospital, 1 hospital
    a district."""
    hospitals = (Hospital("G1", "一院", "general", (("A", "main", 0, 0), ("B", "branch", 0, 0))),
                 Hospital("G2", "二院", "general", (("C", "main", 0, 0),)),
                 Hospital("T", "中医院", "tcm", (("A", "main", 0, 0),)))
    return PairingProblem(hospitals=hospitals, districts=("A", "B", "C"), ring=RINGS, access_km=np.zeros((3, 3)),
                          partnerships=frozenset({("G2", "B")}), district_cap={"A": 1, "B": 1, "C": 1},
                          hospital_cap={"G1": 2, "G2": 2, "T": 2})


def _pairings() -> list[PlanPairing]:
    return [PlanPairing("G1", "A", "technical_support"), PlanPairing("G1", "B", "main_support"),
            PlanPairing("G2", "B", "technical_support"), PlanPairing("T", "A", "tcm")]


def test_matrix_frame_counts_against_the_caps_and_marks_home_and_eligible():
    m = pairing_matrix_frame(_problem(), _pairings(), district_names=NAMES, rings=RINGS)
    assert m.districts["district"].tolist() == ["乙区", "丙区", "甲区"]  # remote suburbs first
    assert m.hospitals["hospital"].tolist() == ["二院", "一院", "中医院"]  # capped first, by home in that order
    hospitals = m.hospitals.set_index("hospital_code")
    assert hospitals.loc["G1", "count"] == 2 and hospitals.loc["G1", "status"] == "at"
    assert hospitals.loc["G2", "count"] == 1 and hospitals.loc["G2", "status"] == "under"
    assert hospitals.loc["T", "status"] == "exempt" and pd.isna(hospitals.loc["T", "cap"])
    districts = m.districts.set_index("district_code")
    assert districts.loc["B", "count"] == 2 and districts.loc["B", "status"] == "over"  # G1 and G2, cap 1
    assert districts.loc["A", "count"] == 1  # the TCM hospital is not counted (P3)
    cells = m.cells.set_index(["hospital_code", "district_code"])
    assert cells.loc[("G1", "A"), "home"] and cells.loc[("G1", "A"), "paired"]
    assert cells.loc[("G2", "C"), "home"] and not cells.loc[("G2", "C"), "paired"]
    assert cells.loc[("G1", "B"), "role"] == "main_support"
    assert cells.loc[("G2", "B"), "eligible"] and not cells.loc[("G2", "A"), "eligible"]
    assert len(m.cells) == 9


def test_cap_status():
    assert [cap_status(3, 2), cap_status(2, 2), cap_status(1, 2), cap_status(4, None)] == ["over", "at", "under", "exempt"]


def test_matrix_chart_has_the_cells_the_home_marks_and_the_counts_in_a_last_row_and_column():
    m = pairing_matrix_frame(_problem(), _pairings(), district_names=NAMES, rings=RINGS)
    spec = pairing_matrix(m, role_words={"technical_support": "技术支持"}, labels=MATRIX_LABELS).to_dict()
    rect, home, _, counts = spec["layer"]
    data = spec["datasets"]
    assert rect["encoding"]["x"]["scale"]["domain"] == ["乙区", "丙区", "甲区", "结对 / 上限"]
    assert rect["encoding"]["y"]["scale"]["domain"] == ["二院", "一院", "中医院", "区内综合医院 / 上限"]
    cells = {(r["hospital"], r["district"]): r for r in data[rect["data"]["name"]]}
    assert cells[("一院", "乙区")]["fill"] == ROLE_FILLS["main_support"]
    assert cells[("二院", "乙区")]["fill"] == ROLE_FILLS["technical_support"]
    assert cells[("二院", "甲区")]["fill"] == "#ffffff"  # cannot pair there
    assert [(r["hospital"], r["district"], r["home_word"]) for r in data[home["data"]["name"]]] == [
        ("二院", "丙区", "本部"), ("一院", "甲区", "本部"), ("中医院", "甲区", "本部")]
    shown = {(r["hospital"], r["district"]): (r["text"], r["fill"]) for r in data[counts["data"]["name"]]}
    assert shown[("一院", "结对 / 上限")] == ("2 / 2", CAP_FILLS["at"])
    assert shown[("中医院", "结对 / 上限")] == ("1 · 不计", CAP_FILLS["exempt"])
    assert shown[("区内综合医院 / 上限", "乙区")] == ("2 / 1", CAP_FILLS["over"])


def test_matrix_frame_for_some_districts_keeps_each_hospitals_whole_count():
    m = pairing_matrix_frame(_problem(), _pairings(), district_names=NAMES, rings=RINGS, only=["C"])
    assert m.districts["district_code"].tolist() == ["C"]
    assert m.hospitals["hospital_code"].tolist() == ["G2"]  # the only one with a campus or a pairing in C
    assert m.hospitals["count"].tolist() == [1] and len(m.cells) == 1
    m = pairing_matrix_frame(_problem(), _pairings(), district_names=NAMES, rings=RINGS, only=["B"])
    assert set(m.hospitals["hospital_code"]) == {"G1", "G2"}
    assert m.hospitals.set_index("hospital_code").loc["G1", "count"] == 2  # A counts too: the cap is over all


def test_two_hospitals_of_one_name_get_two_rows():
    labels = unique_labels({"H1": "人民医院", "H2": "人民医院", "H3": "中山医院", "H4": ""}, ["H1", "H2", "H3", "H4"])
    assert labels == {"H1": "人民医院（H1）", "H2": "人民医院（H2）", "H3": "中山医院", "H4": "H4"}


# --- accessibility (覆盖缺口 · 可及性) -------------------------------------------------------------
def test_quantile_breaks_put_about_a_fifth_of_the_residents_in_each_class():
    from ui.charts import access_class, class_labels, quantile_breaks

    values = np.arange(1.0, 11.0)  # ten units, 1 .. 10
    people = np.full(10, 100.0)
    breaks = quantile_breaks(values, people)
    assert breaks.tolist() == [2.0, 4.0, 6.0, 8.0]
    classes = access_class(values, breaks)
    assert np.bincount(classes).tolist() == [2, 2, 2, 2, 2]
    assert access_class(np.array([np.inf, np.nan, 0.5]), breaks).tolist() == [-1, -1, 0]
    assert class_labels(values, breaks) == ["1.00–2.00", "2.00–4.00", "4.00–6.00", "6.00–8.00", "8.00–10.00"]
    # residents weigh: one unit holding most residents takes the middle breaks
    assert quantile_breaks(values, np.array([1, 1, 1, 1, 1000, 1, 1, 1, 1, 1.0])).tolist() == [5.0]


def test_histogram_counts_residents_and_lorenz_ends_at_the_corners():
    import pytest

    from planning.accessibility import gini
    from ui.charts import access_histogram, access_histogram_frame, lorenz_curve, lorenz_frame

    values, people = np.array([1.0, 2.0, 3.0, 4.0, np.inf]), np.array([100.0, 300.0, 400.0, 200.0, 50.0])
    hist = access_histogram_frame(values, people, bins=3)
    assert hist["residents"].sum() == 1000.0 and hist["residents"].tolist() == [100.0, 300.0, 600.0]
    assert hist["share"].sum() == 1.0 and hist["start"].iloc[0] == 1.0 and hist["end"].iloc[-1] == 4.0
    curve = lorenz_frame(values, people)
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == [1.0, 1.0]
    assert (np.diff(curve["access"]) >= 0).all() and (curve["access"] <= curve["people"] + 1e-12).all()
    # the area between the curve and the line of equality is half the Gini
    area = np.trapezoid(curve["access"], curve["people"])
    assert 1 - 2 * area == pytest.approx(gini(values, people), abs=1e-12)
    labels = {"value": "每万人口可及全科医生数", "residents": "居民数", "share": "占居民比例", "threshold": "标准线",
              "people": "居民累计占比", "access": "可及资源累计占比", "equality": "完全均等线"}
    spec = access_histogram(hist, labels=labels, threshold=4.5).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule"]
    assert spec["layer"][0]["encoding"]["x"]["title"] == "每万人口可及全科医生数"
    assert len(access_histogram(hist, labels=labels, threshold=None).to_dict()["layer"]) == 1
    lorenz = lorenz_curve(curve, labels=labels).to_dict()
    assert lorenz["layer"][1]["encoding"]["y"]["title"] == "可及资源累计占比"


def test_mean_bars_keep_the_groups_order_remote_suburbs_first():
    from ui.charts import access_mean_bars

    frame = pd.DataFrame({"district_name": ["青浦区", "闵行区", "黄浦区"], "ring": ["remote_suburb", "near_suburb", "central"],
                          "mean": [1.9, 2.0, 2.2], "residents": [1e6, 2e6, 6e5], "share_below": [0.9, 0.5, 0.1]})
    words = {"remote_suburb": "远郊", "near_suburb": "近郊", "central": "中心城区"}
    labels = {"value": "每万人口可及全科医生数", "group": "范围", "ring": "圈层", "residents": "居民数", "share_below": "低于标准线的居民"}
    spec = access_mean_bars(frame, ring_words=words, labels=labels).to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == ["青浦区", "闵行区", "黄浦区"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["远郊", "近郊", "中心城区"]
    by_ring = access_mean_bars(frame.assign(ring_word=["远郊", "近郊", "中心城区"]), ring_words=words, labels=labels,
                               row="ring_word").to_dict()
    assert by_ring["layer"][0]["encoding"]["y"]["sort"] == ["远郊", "近郊", "中心城区"]


def test_the_gain_bars_show_after_minus_before_in_the_rows_order_coloured_by_ring():
    from ui.charts import access_gain_bars

    frame = pd.DataFrame({"district_name": ["崇明区", "黄浦区"], "ring": ["remote_suburb", "central"],
                          "mean_before": [1.5, 2.0], "mean_after": [1.75, 2.0], "residents": [10, 20]})
    spec = access_gain_bars(frame, ring_words={"remote_suburb": "远郊", "central": "中心城区"},
                            labels={"gain": "提升", "before": "前", "after": "后", "group": "区", "ring": "圈层",
                                    "residents": "居民"}).to_dict()
    bars = spec["layer"][0]
    data = spec["datasets"][bars["data"]["name"] if "name" in bars.get("data", {}) else spec["data"]["name"]]
    assert [row["gain"] for row in data] == [0.25, 0.0]
    assert bars["encoding"]["x"]["field"] == "gain" and bars["encoding"]["y"]["sort"] == ["崇明区", "黄浦区"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["远郊", "中心城区"]
