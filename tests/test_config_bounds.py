"""Bounds of config.toml (issue 16, item 1): one line of settings never makes the work grow without
bound, and a meaningless value is refused with the setting, the value, the values allowed and the
fix, in both languages; never another exception (Hypothesis)."""

from __future__ import annotations

import math
import string
import tomllib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geodata.package
import planning.pairing
from conftest import write_world
from geodata.package import load_package, parse_config
from geodata.units import HEX_CELL_BUDGET, hex_count, hex_grid, hex_size_within
from planning.config import BOUNDS, CEILING, ConfigProblem, PlanConfig
from planning.errors import ConfigError
from planning.pairing import Hospital, PairingProblem, binding_caps, milp_objective, solve, solve_general, what_if
from texts import CATALOGUE

HUGE = 99999999999999999999999


def problem_of(config: PlanConfig, n_h: int = 5, n_d: int = 4) -> PairingProblem:
    """Every hospital has a campus in every district: each may pair with each (the most arcs)."""
    districts = tuple(f"D{j}" for j in range(n_d))
    hospitals = tuple(Hospital(f"H{i}", f"医院{i}", "general",
                               tuple((d, "main" if j == i % n_d else "branch", 0.0, 0.0) for j, d in enumerate(districts)))
                      for i in range(n_h))
    return PairingProblem(
        hospitals=hospitals, districts=districts, ring={d: "remote_suburb" for d in districts},
        access_km=np.linspace(1, 30, n_h * n_d).reshape(n_h, n_d), partnerships=frozenset(),
        district_cap={d: config.district_cap_overrides[d].limit if d in config.district_cap_overrides
                      else config.district_cap for d in districts},
        hospital_cap={h.code: config.hospital_cap_overrides[h.code].limit if h.code in config.hospital_cap_overrides
                      else config.hospital_cap for h in hospitals})


class CountingFlow:
    """``min_cost_flow`` as the pairing uses it, counting the arcs and the supply it is given."""

    arcs: list[int] = []
    supply: list[int] = []

    def __init__(self, real):
        self._real = real

    def SimpleMinCostFlow(self):  # noqa: N802 (the OR-Tools name)
        flow = self._real.SimpleMinCostFlow()
        outer = self

        class Wrapped:
            def __getattr__(self, name):
                return getattr(flow, name)

            def add_arcs_with_capacity_and_unit_cost(self, tails, heads, caps, costs):
                outer.arcs.append(len(tails))
                return flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)

            def set_node_supply(self, node, supply):
                outer.supply.append(abs(int(supply)))
                return flow.set_node_supply(node, supply)

        return Wrapped()


@pytest.fixture
def counted(monkeypatch):
    counter = CountingFlow(planning.pairing.min_cost_flow)
    counter.arcs, counter.supply = [], []
    monkeypatch.setattr(planning.pairing, "min_cost_flow", counter)
    return counter


# --- caps: the work grows with the data, never with the setting --------------------------------

@pytest.mark.parametrize("cap", [HUGE, 10_000_000])
def test_a_huge_district_cap_is_used_as_the_ceiling_with_a_note(cap):
    config, notes = PlanConfig.read(tomllib.loads(f"[rules]\ndistrict_cap = {cap}\n"))
    assert config.district_cap == CEILING
    assert [n.code for n in notes] == ["config_clamped"]
    assert notes[0].text.render("zh").startswith(f"district_cap = {str(cap)[:20]}")
    assert str(CEILING) in notes[0].text.render("en")


@pytest.mark.parametrize("cap", [HUGE, 10_000_000, CEILING])
def test_the_pairing_flow_is_as_large_as_the_data_whatever_the_caps(counted, cap):
    """One arc per hospital-district pair and per slot a district can fill: 5 hospitals, 4
    districts give at most 5 + 20 + 4 * 5 + 1 arcs, with caps of 2 or of ten million alike."""
    small = problem_of(PlanConfig())
    solve_general(small)
    base_arcs = counted.arcs[-1]
    big = problem_of(PlanConfig()).with_caps(district={f"D{j}": cap for j in range(4)},
                                             hospital={f"H{i}": cap for i in range(5)})
    chosen, _ = solve_general(big)
    assert counted.arcs[-1] <= 5 + 20 + 4 * 5 + 1
    assert counted.arcs[-1] - base_arcs <= 4 * 5  # more slots, bounded by the hospitals
    assert max(counted.supply) <= 5 * 4
    assert len(chosen) == 20  # every hospital with every district: no cap binds
    assert solve_general(big)[1] == pytest.approx(milp_objective(big), abs=0.01)


def test_caps_above_the_data_change_nothing_and_bind_nowhere(counted):
    config = parse_config(f"[rules]\ndistrict_cap = {HUGE}\nhospital_cap = 10000000\n")
    p = problem_of(config)
    result = solve(p)
    assert len(result.pairings) == 20 and not result.unpaired
    assert binding_caps(p) == []
    assert what_if(p, district={"D0": 1})["removed"]
    assert max(counted.arcs) <= 46


def test_the_worst_cap_uses_bounded_memory():
    import tracemalloc

    p = problem_of(parse_config(f"[rules]\ndistrict_cap = {HUGE}\nhospital_cap = {HUGE}\n"))
    p = p.with_caps(district={d: HUGE for d in p.districts}, hospital={h.code: HUGE for h in p.hospitals})
    tracemalloc.start()
    try:
        solve_general(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # bytes: a few arrays of tens of arcs, not one arc per cap slot


def test_an_override_limit_above_the_data_is_cut_and_a_negative_one_refused():
    config, notes = PlanConfig.read({"rules": {"hospital_cap_overrides": {"H1": {"limit": HUGE, "reason": "大"}}}})
    assert config.hospital_cap_overrides["H1"].limit == CEILING and notes[0].code == "config_clamped"
    with pytest.raises(ConfigError) as exc:
        parse_config('[rules.district_cap_overrides]\n310101 = {limit = -5, reason = "面积大"}\n')
    (problem,) = exc.value.problems
    assert isinstance(problem, ConfigProblem) and problem.code == "config_out_of_range"
    assert problem.startswith("district_cap_overrides.310101.limit = -5")
    zh, fix = problem.text.render("zh"), problem.fix.render("zh")
    assert "district_cap_overrides.310101.limit = -5" in zh and "[0, 10000]" in zh
    assert "config.toml" in fix and "默认 2" in fix


def test_a_negative_limit_in_a_package_is_an_error_naming_it_and_the_defaults_apply(world):
    (world / "config.toml").write_text('[rules]\ndistrict_cap = 3\n[rules.district_cap_overrides]\n'
                                       '900001 = {limit = -5, reason = "面积大"}\n', encoding="utf-8")
    pkg = load_package(world)
    codes = {i.code: i for i in pkg.report.issues if i.severity == "error"}
    assert {"config_invalid", "config_out_of_range"} <= set(codes)
    bad = codes["config_out_of_range"]
    assert bad.message("zh") == "district_cap_overrides.900001.limit = -5：超出允许范围 [0, 10000]"
    assert "delete the line" in bad.fix("en")
    assert "district_cap_overrides.900001.limit = -5" in codes["config_invalid"].message("en")
    assert pkg.config.district_cap == 2 and not pkg.config.district_cap_overrides


def test_a_huge_cap_in_a_package_loads_with_a_note(world):
    (world / "config.toml").write_text(f"[rules]\ndistrict_cap = {HUGE}\n", encoding="utf-8")
    pkg = load_package(world)
    assert pkg.config.district_cap == CEILING
    note = next(i for i in pkg.report.issues if i.code == "config_clamped")
    assert note.severity == "info" and "10000" in note.message("zh")


# --- NaN, infinity, strings, huge numbers: refused with a message --------------------------------

BAD = [float("nan"), float("inf"), float("-inf"), "two", True, 10**400, -(10**30), [1], {"a": 1}]


@pytest.mark.parametrize("name", sorted(BOUNDS))
@pytest.mark.parametrize("value", BAD, ids=lambda v: repr(v)[:12])
def test_every_numeric_setting_refuses_what_means_nothing(name, value):
    if value == 10**400 and BOUNDS[name].clamp:  # a cap or count: used as the ceiling
        config = PlanConfig.from_mapping({name: value, "county_alliances_reason": "海岛县"})
        assert getattr(config, name) == CEILING
        return
    with pytest.raises(ConfigError) as exc:
        PlanConfig.from_mapping({"grids": {name: value}})
    (problem,) = exc.value.problems
    assert isinstance(problem, ConfigProblem) and problem.startswith(f"{name} = ")
    for lang in ("zh", "en"):
        assert problem.text.render(lang) and problem.fix.render(lang)
        assert name in problem.fix.render(lang)


@pytest.mark.parametrize("text, code", [
    ("detour_factor = nan", "config_not_finite"), ("pairing_branch_km = inf", "config_not_finite"),
    ("grid_population_max = -inf", "config_not_finite"), ('hospital_cap = "3"', "config_not_whole"),
    ("hospital_cap = 2.5", "config_not_whole"), ("walk_kmh = 0", "config_out_of_range"),
    ("chc_threshold_km = 1e300", "config_out_of_range"), ("hex_size_km = -1", "config_out_of_range"),
])
def test_toml_values_that_crashed_loading_are_refused(text, code):
    with pytest.raises(ConfigError) as exc:
        parse_config(text)
    assert [p.code for p in exc.value.problems] == [code]


@pytest.mark.parametrize("text", ["pairing_branch_km = inf", "pairing_partnership_km = nan", "hospital_cap = inf"])
def test_infinite_or_nan_settings_in_a_package_never_crash_the_pairing(world, text):
    (world / "config.toml").write_text(f"[rules]\n{text}\n", encoding="utf-8")
    pkg = load_package(world)
    assert "config_invalid" in {i.code for i in pkg.report.issues if i.severity == "error"}
    assert pkg.config == PlanConfig()


def test_grid_counts_and_override_limits_are_checked_too():
    with pytest.raises(ConfigError) as exc:
        PlanConfig.from_mapping({"grids": {"grid_counts": {"310101": float("nan"), "310104": 0}},
                                 "rules": {"hospital_cap_overrides": {"H": {"limit": float("inf"), "reason": "r"}}}})
    assert sorted(p.split(" ")[0] for p in exc.value.problems) == [
        "grid_counts.310101", "grid_counts.310104", "hospital_cap_overrides.H.limit"]
    config, notes = PlanConfig.read({"grids": {"grid_counts": {"310101": HUGE}}})
    assert config.grid_counts["310101"] == CEILING and notes


def test_numpy_numbers_are_numbers_and_a_problem_survives_pickling():
    import pickle

    config = PlanConfig.from_mapping({"district_cap": np.int64(3), "detour_factor": np.float32(1.5),
                                      "grid_counts": {"310101": np.int64(2)}})
    assert (config.district_cap, config.detour_factor, config.grid_counts["310101"]) == (3, 1.5, 2)
    assert type(config.district_cap) is int
    with pytest.raises(ConfigError) as exc:
        PlanConfig.from_mapping({"district_cap": np.bool_(True)})
    again = pickle.loads(pickle.dumps(exc.value.problems[0]))
    assert again == exc.value.problems[0] and again.code == "config_not_whole"


def test_check_refuses_what_code_sets_out_of_bounds():
    from dataclasses import replace

    for changes in ({"district_cap": HUGE}, {"detour_factor": math.nan}, {"hex_size_km": 0.0}):
        with pytest.raises(ConfigError):
            replace(PlanConfig(), **changes).check()
    replace(PlanConfig(), grid_balance_target=0.0).check()  # 0: access only


def test_every_config_message_has_both_languages_and_the_same_placeholders():
    codes = [c for c in CATALOGUE if c.startswith("issue.config_") and c != "issue.config_invalid"
             and not c.startswith("issue.config_invalid.")]
    assert len(codes) == 12
    for code in codes:
        zh, en = CATALOGUE[code]
        names = lambda t: {n for _, n, _, _ in string.Formatter().parse(t) if n}  # noqa: E731
        assert zh.strip() and en.strip() and names(zh) == names(en), code


# --- generated units: a cell budget ---------------------------------------------------------------

def test_a_tiny_hex_size_is_enlarged_to_the_smallest_within_the_budget():
    shanghai = (0.0, 0.0, 132_843.0, 132_737.0)  # the default package's extent, metres
    size, needed = hex_size_within(shanghai, 0.01)
    assert needed > 60_000_000  # what 0.01 km asked for
    assert hex_count(shanghai, size * 1000) <= HEX_CELL_BUDGET
    assert hex_count(shanghai, size * 0.9 * 1000) > HEX_CELL_BUDGET * 0.8  # not needlessly coarse
    assert size == float(f"{size:.2g}")  # two significant digits
    assert hex_size_within(shanghai, 3.0) == (3.0, hex_count(shanghai, 3000))


@pytest.mark.parametrize("bounds, size_m", [((0, 0, 10_000, 4_000), 300), ((5, 7, 8_800, 4_400), 123.4), ((0, 0, 1, 1), 50)])
def test_the_cells_are_counted_before_they_are_made(bounds, size_m):
    made = len(hex_grid(bounds, size_m))
    assert made <= hex_count(bounds, size_m) <= made * 1.1 + 4


def test_hex_size_of_a_hundredth_of_a_km_generates_a_bounded_number_of_units(tmp_path, monkeypatch):
    monkeypatch.setattr(geodata.package, "HEX_CELL_BUDGET", 2_000)
    write_world(tmp_path, units=False)
    pkg = load_package(tmp_path, config_text="[grids]\nhex_size_km = 0.01\n")
    assert 0 < len(pkg.units) <= 2_000
    warning = next(i for i in pkg.report.issues if i.code == "config_hex_too_small")
    params = dict(warning.params)
    assert warning.severity == "warning" and params["budget"] == "2,000"
    assert warning.message("zh").startswith("hex_size_km = 0.01：") and params["smallest"] in warning.fix("zh")
    assert int(params["cells"].replace(",", "")) > 100_000
    assert pkg.units.groupby("district_code")["population"].sum().to_dict() == {"900001": 16000, "900002": 16000}


@pytest.mark.slow
def test_hex_size_of_a_hundredth_of_a_km_within_the_real_budget(tmp_path):
    import tracemalloc

    write_world(tmp_path, units=False)
    tracemalloc.start()
    try:
        pkg = load_package(tmp_path, config_text="[grids]\nhex_size_km = 0.01\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pkg.units) <= HEX_CELL_BUDGET and peak < 300_000_000
    assert "config_hex_too_small" in {i.code for i in pkg.report.issues}


def test_a_hex_size_within_the_budget_is_used_as_written(tmp_path):
    write_world(tmp_path, units=False)
    pkg = load_package(tmp_path, config_text="[grids]\nhex_size_km = 0.8\n")
    assert "config_hex_too_small" not in {i.code for i in pkg.report.issues}


# --- any mapping: a config or a listed problem, never another exception ---------------------------

KEYS = sorted({*PlanConfig.__dataclass_fields__, "crs", "rules", "grids", "coverage", "villages", "checks", "bogus"})
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from([0, 1, 2, 3, -5, 10_000_000, HUGE, 0.01, 1e308, float("nan"), float("inf"), "3", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(["limit", "reason", "310101", "H1", "units"]), st.text(max_size=4)),
                        inner, max_size=3),
    ),
    max_leaves=6,
)
MAPPINGS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(MAPPINGS, st.dictionaries(st.sampled_from(["rules", "grids", "coverage"]), MAPPINGS, max_size=3)))
def test_any_mapping_gives_a_config_or_listed_problems(data):
    try:
        config, notes = PlanConfig.read(data)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        for p in exc.problems:
            if isinstance(p, ConfigProblem):
                assert p.text.render("zh") and p.fix.render("en")
        return
    config.check()
    for name, bound in BOUNDS.items():
        value = getattr(config, name)
        assert math.isfinite(value) and value <= bound.high
    assert all(isinstance(n, ConfigProblem) and n.code == "config_clamped" for n in notes)
    p = problem_of(config, n_h=3, n_d=3)
    assert solve_general(p)[0] is not None  # whatever the caps, the pairing solves


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from(sorted(BOUNDS)),
                                st.sampled_from(["nan", "inf", "-inf", "-5", "0", "0.01", str(HUGE), "1e400",
                                                 '"x"', "true", "[1]", "{limit = -5}", "10000000"])),
                      min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_any_toml_line_of_settings_gives_a_config_or_listed_problems(lines):
    text = "\n".join(f"{k} = {v}" for k, v in lines)
    try:
        parse_config(text)
    except ConfigError as exc:
        assert all(isinstance(p, str) for p in exc.problems)


def test_the_fuzzed_keys_are_the_settings():
    assert set(BOUNDS) <= set(KEYS)
