"""Pairing engine: exact optimum (brute force and HiGHS), caps, each P rule passing and failing."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.default import load_default
from planning.errors import InfeasiblePlanError
from planning.pairing import (Hospital, PairingProblem, binding_caps, brute_force, build_problem, milp_objective,
                              objective, pairing_rules, solve, solve_general)
from planning.world import build_world


def check_pairings(problem, pairings, staffing=None):
    """Violations per P rule id (each id present, empty when it holds)."""
    return {rule.id: rule(problem, list(pairings)) for rule in pairing_rules(staffing)}


def problem(n_h=3, n_d=4, *, seed=0, tcm=(), partnerships=(), caps=None, dcaps=None, rings=None,
            fixed=(), allow=False) -> PairingProblem:
    """Hospitals H0.. with a main campus in D(i mod n_d) and random branch campuses."""
    rng = np.random.default_rng(seed)
    districts = tuple(f"D{j}" for j in range(n_d))
    hospitals = []
    for i in range(n_h):
        campuses = [(districts[i % n_d], "main", 0.0, 0.0)]
        for j in range(n_d):
            if j != i % n_d and rng.uniform() < 0.45:
                campuses.append((districts[j], "branch" if rng.uniform() < 0.8 else "planned", 0.0, 0.0))
        hospitals.append(Hospital(f"H{i}", f"医院{i}", "tcm" if i in tcm else "general", tuple(campuses)))
    ring = rings or {d: ("central", "near_suburb", "remote_suburb")[j % 3] for j, d in enumerate(districts)}
    return PairingProblem(
        hospitals=tuple(hospitals), districts=districts, ring=ring, access_km=rng.uniform(1, 40, (n_h, n_d)),
        partnerships=frozenset(partnerships),
        district_cap=dcaps or {d: int(rng.integers(1, 3)) for d in districts},
        hospital_cap=caps or {h.code: int(rng.integers(1, 4)) for h in hospitals},
        allow_unjustified=allow, fixed=frozenset(fixed))


@pytest.mark.slow
def test_optimum_equals_brute_force_and_highs_on_200_random_instances():
    for seed in range(200):
        p = problem(3, 4, seed=seed, tcm=(2,) if seed % 5 == 0 else (),
                    partnerships={("H0", "D3")} if seed % 3 == 0 else set(), allow=seed % 7 == 0)
        chosen, value = solve_general(p)
        assert value == pytest.approx(brute_force(p), abs=0.01), seed
        assert value == pytest.approx(milp_objective(p), abs=0.01), seed
        for i, h in enumerate(p.hospitals):  # caps hold
            assert sum(1 for a, _ in chosen if a == i) <= p.hospital_cap[h.code]
        for j, d in enumerate(p.districts):
            assert sum(1 for _, b in chosen if b == j) <= p.district_cap[d]


def test_every_district_gets_a_partner_where_feasible_and_same_input_same_output():
    p = problem(4, 4, seed=3, caps={f"H{i}": 3 for i in range(4)}, dcaps={f"D{j}": 2 for j in range(4)})
    a, b = solve(p), solve(p)
    assert a == b
    eligible = {d for d in p.districts if any(p.eligible(h, d) for h in p.hospitals)}
    assert {x.district_code for x in a.pairings} >= eligible


def test_tcm_hospitals_are_not_counted_by_the_caps():
    p = problem(3, 2, seed=1, tcm=(1, 2), caps={"H0": 1, "H1": 1, "H2": 1}, dcaps={"D0": 1, "D1": 1})
    p = PairingProblem(**{**p.__dict__, "hospitals": tuple(
        Hospital(h.code, h.name, h.subkind, ((p.districts[0], "main", 0, 0), (p.districts[1], "branch", 0, 0)))
        for h in p.hospitals)})
    result = solve(p)
    tcm = [x for x in result.pairings if x.role == "tcm"]
    assert len(tcm) == 4  # both TCM hospitals pair with both districts, caps of 1 notwithstanding
    assert all(not v for v in check_pairings(p, result.pairings).values())


def _pair(p, h, d):
    from planning.pairing import _pairing
    return _pairing(p, int(h[1:]), p.districts.index(d), p.hospitals[int(h[1:])].subkind)


def test_p1_and_p2_fail_when_exceeded_and_home_district_counts():
    p = problem(4, 4, seed=2, caps={f"H{i}": 2 for i in range(4)}, dcaps={f"D{j}": 1 for j in range(4)})
    too_many = [_pair(p, "H0", "D0"), _pair(p, "H1", "D0")]
    assert [v.rule for v in check_pairings(p, too_many)["P1"]] == ["P1"]
    home_and_two = [_pair(p, "H0", "D0"), _pair(p, "H0", "D1"), _pair(p, "H0", "D2")]
    found = check_pairings(p, home_and_two)["P2"]
    assert found and "home included" in found[0].message("en")


def test_overrides_raise_a_cap():
    p = problem(3, 1, seed=4, caps={"H0": 3, "H1": 3, "H2": 3}, dcaps={"D0": 2})
    p = PairingProblem(**{**p.__dict__, "access_km": np.full((3, 1), 5.0)})
    assert len(solve(p).pairings) == 2
    wider = p.with_caps(district={"D0": 3})
    assert len([x for x in solve(wider).pairings if x.district_code == "D0"]) == 3


def test_p4_unjustified_pairings_are_only_made_when_allowed_and_flagged():
    p = problem(2, 3, seed=5, caps={"H0": 3, "H1": 3}, dcaps={f"D{j}": 2 for j in range(3)})
    assert all(not x.needs_justification for x in solve(p).pairings)
    allowed = PairingProblem(**{**p.__dict__, "allow_unjustified": True})
    result = solve(allowed)
    flagged = [x for x in result.pairings if x.needs_justification]
    assert flagged and [v.rule for v in check_pairings(allowed, result.pairings)["P4"]] == ["P4"] * len(flagged)


def test_p6_partnership_dropped_by_a_cap_is_shown_with_the_reason():
    hospitals = (Hospital("H0", "甲", "general", (("D0", "main", 0, 0), ("D1", "branch", 0, 0), ("D2", "branch", 0, 0))),)
    p = PairingProblem(hospitals=hospitals, districts=("D0", "D1", "D2"), ring={"D0": "central", "D1": "central", "D2": "central"},
                       access_km=np.array([[1.0, 2.0, 30.0]]), partnerships=frozenset({("H0", "D2")}),
                       district_cap={"D0": 2, "D1": 2, "D2": 2}, hospital_cap={"H0": 2})
    result = solve(p)
    assert ("H0", "D2") not in {(x.hospital_code, x.district_code) for x in result.pairings}
    assert result.dropped and result.dropped[0][:2] == ("H0", "D2") and result.dropped[0][2].code == "pairing.dropped.hospital_cap"
    assert [v.rule for v in check_pairings(p, result.pairings)["P6"]] == ["P6"]


def test_p7_remote_suburb_with_fewer_partners_than_a_central_district():
    hospitals = tuple(Hospital(f"H{i}", "", "general", (("C", "main", 0, 0), ("R", "branch", 0, 0))) for i in range(3))
    p = PairingProblem(hospitals=hospitals, districts=("C", "R"), ring={"C": "central", "R": "remote_suburb"},
                       access_km=np.full((3, 2), 5.0), partnerships=frozenset(), district_cap={"C": 2, "R": 2},
                       hospital_cap={f"H{i}": 3 for i in range(3)})
    bad = [_pair(p, "H0", "C"), _pair(p, "H1", "C"), _pair(p, "H0", "R")]
    assert [v.rule for v in check_pairings(p, bad)["P7"]] == ["P7"]
    good = solve(p).pairings
    assert sum(x.district_code == "R" for x in good) == 2 and not check_pairings(p, good)["P7"]


def test_p8_trusteeship_below_the_staffing_floor():
    p = problem(1, 1, seed=0, caps={"H0": 3}, dcaps={"D0": 2})
    pairing = solve(p).pairings
    assert [v.rule for v in check_pairings(p, pairing, {("H0", "D0"): (1, 6)})["P8"]] == ["P8"]
    assert not check_pairings(p, pairing, {("H0", "D0"): (2, 5)})["P8"]


def test_fixed_pairings_are_kept_and_over_cap_fixes_are_refused():
    p = problem(3, 3, seed=6, caps={"H0": 1, "H1": 3, "H2": 3}, dcaps={f"D{j}": 2 for j in range(3)}, allow=True)
    fixed = PairingProblem(**{**p.__dict__, "fixed": frozenset({("H0", "D2")})})
    result = solve(fixed)
    assert [(x.hospital_code, x.district_code, x.fixed) for x in result.pairings if x.hospital_code == "H0"] == [("H0", "D2", True)]
    over = PairingProblem(**{**p.__dict__, "fixed": frozenset({("H0", "D1"), ("H0", "D2")})})
    with pytest.raises(InfeasiblePlanError) as err:
        solve(over)
    assert err.value.rules == ("P2",) and "hospital_cap_override" in err.value.messages["en"]


def test_binding_caps_say_what_relaxing_them_gains():
    hospitals = (Hospital("H0", "", "general", (("D0", "main", 0, 0), ("D1", "branch", 0, 0))),)
    p = PairingProblem(hospitals=hospitals, districts=("D0", "D1"), ring={"D0": "central", "D1": "remote_suburb"},
                       access_km=np.array([[2.0, 10.0]]), partnerships=frozenset(), district_cap={"D0": 2, "D1": 2},
                       hospital_cap={"H0": 1})
    binding = binding_caps(p)
    chosen, base = solve_general(p)
    assert chosen == {(0, 1)}  # the remote suburb with the branch campus first (P5, P7)
    assert binding == [{"rule": "P2", "place": "H0", "cap": 1,
                        "gain_km": pytest.approx(base - objective(p, [(0, 0), (0, 1)]), abs=1e-3)}]


def test_shanghai_default_pairings_hold_every_rule():
    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    p = build_problem(world, pkg.facilities, pkg.partnerships, pkg.config)
    result = solve(p)
    assert all(not v for v in check_pairings(p, result.pairings).values())
    general = [x for x in result.pairings if x.role in ("technical_support", "main_support")]
    assert {x.district_code for x in general} == set(p.districts) - {d for d, *_ in result.unpaired}
    assert [(d, why.render("en")) for d, why in result.unpaired] == [
        ("310105", "P4: no city general hospital has a campus or partnership here")]
    assert {x.role for x in result.pairings} >= {"tcm", "specialty", "main_support", "technical_support"}


def test_what_if_a_cap_changes_reports_the_difference():
    from planning.pairing import what_if

    p = problem(3, 1, seed=4, caps={"H0": 3, "H1": 3, "H2": 3}, dcaps={"D0": 2})
    p = PairingProblem(**{**p.__dict__, "access_km": np.full((3, 1), 5.0)})
    change = what_if(p, district={"D0": 3})
    assert len(change["added"]) == 1 and change["removed"] == [] and change["objective_change_km"] < 0


def test_staffing_recorded_in_partnerships_reaches_p8():
    import pandas as pd

    from planning.pairing import staffing_of

    table = pd.DataFrame({"hospital_code": ["H0", "H1"], "district_code": ["D0", "D1"], "managers": [1.0, None],
                          "experts": [6.0, None]})
    assert staffing_of(table) == {("H0", "D0"): (1, 6)}


def test_weights_and_remote_set_come_from_the_config():
    from planning.config import PlanConfig

    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    config = PlanConfig.from_mapping({"rules": {"pairing_branch_km": 0.0, "remote_suburbs": ["310151"]}})
    p = build_problem(world, pkg.facilities, pkg.partnerships, config)
    assert p.weights.branch_km == 0.0 and p.remote == frozenset({"310151"})
    reasons = {(x.hospital_code, x.district_code): [r.code for r in x.reasons] for x in solve(p).pairings}
    assert all("reason.remote" not in r for (h, d), r in reasons.items() if d != "310151")


def test_tcm_exempt_false_counts_tcm_hospitals_by_the_caps():
    """P3 is a setting: with tcm_exempt = false, TCM hospitals are counted by P1 and P2 like
    general ones (and the solver keeps them within the caps)."""
    from planning.config import PlanConfig

    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    exempt = build_problem(world, pkg.facilities, pkg.partnerships, pkg.config)
    counted = build_problem(world, pkg.facilities, pkg.partnerships, PlanConfig(tcm_exempt=False))
    tcm = [h.code for h in exempt.hospitals if h.subkind == "tcm"]
    assert tcm and not any(h.capped for h in exempt.hospitals if h.code in tcm)
    assert all(h.capped for h in counted.hospitals if h.code in tcm)
    pairings = solve(counted).pairings
    for code in tcm:
        assert sum(p.hospital_code == code for p in pairings) <= counted.hospital_cap[code]
    assert sum(p.hospital_code in tcm for p in solve(exempt).pairings) > sum(p.hospital_code in tcm for p in pairings)
    assert not any(v.severity == "error" for vs in check_pairings(counted, pairings).values() for v in vs)


# --- names before codes (issue 18): hospitals and districts by name, then code; data keeps codes ----

@pytest.fixture(scope="module")
def shanghai_problem():
    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities)
    return build_problem(world, pkg.facilities, pkg.partnerships, pkg.config)


def test_every_p_rule_message_names_hospitals_and_districts_first(shanghai_problem):
    """Shanghai's pairings broken on purpose: 青浦 (310118) given two more general partners (P1),
    one of them without a campus or partnership (P4) and beyond its own cap (P2); a recorded
    partnership of 金山 (310116) not kept (P6); 奉贤 (310120) left without partners while hospitals have room (P7); a
    trusteeship short of staff (P8)."""
    from dataclasses import replace

    from planning.pairing import _pairing
    from planning.verdict import Verdict
    from test_rules_names import bare_codes

    p = replace(shanghai_problem, partnerships=frozenset({("RUIJIN", "310118"), ("TONGJI", "310116")}))
    row = {h.code: i for i, h in enumerate(p.hospitals)}
    pair = lambda h, d: _pairing(p, row[h], p.districts.index(d), p.hospitals[row[h]].subkind)  # noqa: E731
    base = [x for x in solve(replace(p, partnerships=frozenset())).pairings if x.district_code != "310120"]
    broken = base + [pair("RUIJIN", "310118"), pair("RENJI", "310118"), pair("RENJI", "310117")]
    found = [(rule, rule(p, broken)) for rule in pairing_rules({("ZHONGSHAN", "310118"): (1, 3)})]
    verdict = Verdict.of(found)
    assert {v.rule for v in verdict.violations} == {"P1", "P2", "P4", "P6", "P7", "P8"}
    names = {**{h.code: h.name for h in p.hospitals}, **dict(p.district_names)}
    for v in verdict.violations:
        for lang in ("zh", "en"):
            codes = {c: names[c] for c in (*v.place.districts, *v.place.facilities)}
            assert codes and bare_codes(v.message(lang), lang, codes) == [], v.message(lang)
    p1 = verdict.rule("P1").errors[0]
    assert p1.message("zh") == ("青浦区（310118） 与 3 家市级综合医院结对（仁济医院（RENJI）、瑞金医院（RUIJIN）、"
                                "中山医院（ZHONGSHAN）），上限 2")
    p2 = verdict.rule("P2").errors[0]
    assert p2.message("en").startswith("仁济医院 (RENJI) serves 4 districts (黄浦区 (310101), ")
    (p6,) = verdict.rule("P6").warnings
    assert p6.message("zh") == "既往合作 同济医院（TONGJI）→金山区（310116） 未保留"
    # checks.json keeps the codes
    assert p1.as_dict()["params"]["district"] == "310118"
    assert p1.as_dict()["params"]["hospitals"] == ["RENJI", "RUIJIN", "ZHONGSHAN"]
    assert p2.as_dict()["params"]["hospital"] == "RENJI" and p2.as_dict()["params"]["name"] == "仁济医院"
    p7 = next(v for v in verdict.rule("P7").errors if v.place.districts == ("310120",)).as_dict()
    assert p7["message"]["zh"].startswith("远郊 奉贤区（310120） 只有 0 家合作医院") and p7["params"]["district"] == "310120" and set(p7["params"]["spare"]) == set(p7["place"]["facilities"])


def test_reasons_and_refusals_name_the_hospital_and_the_district():
    hospitals = (Hospital("H0", "甲", "general", (("D0", "main", 0, 0), ("D1", "branch", 0, 0), ("D2", "branch", 0, 0))),)
    p = PairingProblem(hospitals=hospitals, districts=("D0", "D1", "D2"), ring=dict.fromkeys(("D0", "D1", "D2"), "central"),
                       access_km=np.array([[1.0, 2.0, 30.0]]), partnerships=frozenset({("H0", "D2")}),
                       district_cap={"D0": 2, "D1": 2, "D2": 2}, hospital_cap={"H0": 2},
                       district_names={"D0": "黄浦区", "D2": "奉贤区"})
    result = solve(p)
    (dropped,) = result.dropped
    assert dropped[:2] == ("H0", "D2") and dropped[2].render("zh") == "P2：甲（H0） 已服务 2 个区（上限 2）"
    (unpaired,) = result.unpaired
    assert unpaired[0] == "D2" and unpaired[1].render("en") == "P2: every eligible hospital (甲 (H0)) is at its cap"
    over = PairingProblem(**{**p.__dict__, "fixed": frozenset({("H0", "D0"), ("H0", "D1"), ("H0", "D2")})})
    with pytest.raises(InfeasiblePlanError) as err:
        solve(over)
    assert err.value.place == "H0" and err.value.messages["zh"].startswith("甲（H0） 固定结对 3 个区")
    two = (*hospitals, Hospital("H1", "", "general", (("D0", "main", 0, 0),)))
    crowded = PairingProblem(**{**p.__dict__, "hospitals": two, "access_km": np.ones((2, 3)),
                                "hospital_cap": {"H0": 2, "H1": 1}, "district_cap": {"D0": 1, "D1": 2, "D2": 2},
                                "fixed": frozenset({("H0", "D0"), ("H1", "D0")})})
    with pytest.raises(InfeasiblePlanError) as err:
        solve(crowded)
    assert err.value.place == "D0" and err.value.messages["en"].startswith("黄浦区 (D0) has 2 fixed city general hospitals")
    assert crowded.hospital_label("H1") == "H1" and crowded.district_label("D1") == "D1"  # no name: the code
