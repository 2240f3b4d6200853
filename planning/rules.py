"""Grid rules G1-G6 of ``shared/policy/RULES.md`` as small named functions of a plan.

Each rule takes the world and a plan and returns its violations: what broke, where, the figures,
and what would fix it, in Chinese and English. Numeric rules come from small factories
(``population_band(lo, hi)``) so the planner's settings are part of the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components

from planning.plan import Plan
from planning.world import World


@dataclass(frozen=True)
class Violation:
    """One broken rule at one place, with its figures and fix."""

    rule: str
    place: str
    zh: str
    en: str
    fix_zh: str
    fix_en: str
    severity: str = "error"

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def fix(self, lang: str = "zh") -> str:
        return self.fix_zh if lang == "zh" else self.fix_en

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "place": self.place, "severity": self.severity, "message_zh": self.zh,
                "message_en": self.en, "fix_zh": self.fix_zh, "fix_en": self.fix_en}


@dataclass(frozen=True)
class Rule:
    """A named rule: its id in RULES.md, names for the UI, the source clause, and the check."""

    id: str
    name_zh: str
    name_en: str
    source: str
    check: Callable[[World, Plan], list[Violation]]

    def __call__(self, world: World, plan: Plan) -> list[Violation]:
        return self.check(world, plan)


def _grid_members(world: World, plan: Plan) -> dict[str, np.ndarray]:
    index = world.index_of()
    members: dict[str, list[int]] = {g.grid_id: [] for g in plan.grids}
    for unit, grid in plan.assignment.items():
        if unit in index and grid in members:
            members[grid].append(index[unit])
    return {g: np.array(sorted(m), dtype=int) for g, m in members.items()}


def _full_coverage(world: World, plan: Plan) -> list[Violation]:
    grids = plan.grid_by_id
    out = []
    missing = [c for c in world.unit_codes if plan.assignment.get(str(c)) not in grids]
    if missing:
        people = float(world.population[np.isin(world.unit_codes, missing)].sum())
        shown = "、".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        out.append(Violation(
            "G1", shown,
            f"{len(missing)} 个单元（{people:,.0f} 人）不属于任何网格：{shown}",
            f"{len(missing)} units ({people:,.0f} residents) belong to no grid: {', '.join(missing[:5])}",
            "将这些单元划入相邻网格，或重新生成方案", "assign them to a neighbouring grid, or propose again"))
    return out


def _within_district(world: World, plan: Plan) -> list[Violation]:
    out = []
    grids = plan.grid_by_id
    for i, code in enumerate(world.unit_codes):
        grid = grids.get(plan.assignment.get(str(code), ""))
        if grid is None:
            continue
        if grid.district_code != world.district[i]:
            out.append(Violation(
                "G2", str(code),
                f"单元 {code}（{world.district_names.get(world.district[i], world.district[i])}）划入了"
                f"{world.district_names.get(grid.district_code, grid.district_code)}的网格 {grid.grid_id}",
                f"unit {code} of {world.district[i]} is in grid {grid.grid_id} of district {grid.district_code}",
                "网格不得跨区：将该单元划入本区的网格", "grids stay inside their district: move it to a grid of its own district"))
    return out


def _pooling_area(world: World, plan: Plan) -> list[Violation]:
    out = []
    for grid, members in _grid_members(world, plan).items():
        areas = sorted(set(world.pooling[members]))
        if len(areas) > 1:
            out.append(Violation(
                "G2", grid, f"网格 {grid} 跨越医保统筹区 {'、'.join(areas)}",
                f"grid {grid} crosses insurance pooling areas {', '.join(areas)}",
                "网格不得跨越医保统筹区：拆分该网格", "a grid may not cross pooling areas: split it"))
    return out


def _one_lead_inside(world: World, plan: Plan) -> list[Violation]:
    out = []
    lead_unit = {str(c): int(u) for c, u in zip(world.lead_codes, world.lead_unit)}
    members = _grid_members(world, plan)
    leads_seen: dict[str, str] = {}
    for grid in plan.grids:
        u = lead_unit.get(grid.lead_facility_code)
        if u is None:
            out.append(Violation(
                "G3", grid.grid_id, f"网格 {grid.grid_id} 的牵头单位 {grid.lead_facility_code} 不是可牵头的医院",
                f"the lead {grid.lead_facility_code} of grid {grid.grid_id} is not a hospital that may lead",
                "选择区级医院/区域性医疗中心牵头", "choose a district hospital or regional medical centre to lead"))
        elif u not in set(members[grid.grid_id].tolist()):
            out.append(Violation(
                "G3", grid.grid_id, f"牵头医院 {grid.lead_facility_code} 所在单元 {world.unit_codes[u]} 不在网格 {grid.grid_id} 内",
                f"the lead {grid.lead_facility_code} stands in unit {world.unit_codes[u]}, outside grid {grid.grid_id}",
                "把牵头医院所在单元划入该网格", "put the lead's own unit into the grid"))
        if grid.lead_facility_code in leads_seen:
            out.append(Violation(
                "G3", grid.grid_id, f"{grid.lead_facility_code} 同时牵头 {leads_seen[grid.lead_facility_code]} 和 {grid.grid_id}",
                f"{grid.lead_facility_code} leads both {leads_seen[grid.lead_facility_code]} and {grid.grid_id}",
                "每个网格由一家医院牵头", "each grid has its own lead hospital"))
        leads_seen[grid.lead_facility_code] = grid.grid_id
    return out


def _contiguous(world: World, plan: Plan) -> list[Violation]:
    out = []
    for grid, members in _grid_members(world, plan).items():
        if len(members) <= 1:
            continue
        count, labels = connected_components(world.adjacency[members][:, members], directed=False)
        if count > 1:
            sizes = np.bincount(labels)
            stray = members[labels != np.argmax(sizes)]
            shown = "、".join(str(world.unit_codes[i]) for i in stray[:5])
            out.append(Violation(
                "G6", grid, f"网格 {grid} 不连片：分成 {count} 块，{len(stray)} 个单元与主体不相邻（{shown}）",
                f"grid {grid} is not contiguous: {count} parts; {len(stray)} units are cut off ({shown})",
                "把分离的单元划入与其相邻的网格", "move the cut-off units to a grid they touch"))
    return out


def population_band(lo: float, hi: float) -> Rule:
    """G6: each grid's population within ``[lo, hi]``."""

    def check(world: World, plan: Plan) -> list[Violation]:
        out = []
        for grid, members in _grid_members(world, plan).items():
            p = float(world.population[members].sum())
            if p > hi or p < lo:
                side_zh, side_en = ("高于上限", "above the maximum") if p > hi else ("低于下限", "below the minimum")
                out.append(Violation(
                    "G6", grid, f"网格 {grid} 人口 {p:,.0f}，{side_zh}（{lo:,.0f}–{hi:,.0f}）",
                    f"grid {grid} has {p:,.0f} residents, {side_en} ({lo:,.0f}-{hi:,.0f})",
                    "调整边界单元，或调整网格数量/人口区间", "move boundary units, or change the number of grids or the band",
                    severity="warning"))
        return out

    return Rule("G6", "网格人口在区间内", "grid population within the band", "NHC-2019 四(一)", check)


def grid_count(county_max: int = 3) -> Rule:
    """G5: a district forms at least one grid; a county 1 to ``county_max``."""

    def check(world: World, plan: Plan) -> list[Violation]:
        out = []
        for code in world.districts:
            n = sum(g.district_code == code for g in plan.grids)
            county = world.district_ring.get(code) == "county"
            if n == 0 or (county and n > county_max):
                name = world.district_names.get(code, code)
                allowed = f"1–{county_max}" if county else "≥ 1"
                out.append(Violation(
                    "G5", code, f"{name} 有 {n} 个网格（允许 {allowed}）", f"{name} has {n} grids (allowed {allowed})",
                    "调整该区县的网格数量", "change the number of grids of this district"))
        return out

    return Rule("G5", "网格数量", "number of grids", "SH-2017 四(一); NHC-2019 县域 三(一)1", check)


FULL_COVERAGE = Rule("G1", "全覆盖", "full coverage", "SH-2025 二(一)", _full_coverage)
WITHIN_DISTRICT = Rule("G2", "不跨区", "inside its district", "NHC-2019 四(一)", _within_district)
WITHIN_POOLING = Rule("G2", "不跨医保统筹区", "inside one pooling area", "NHC-2019 四(一)", _pooling_area)
ONE_LEAD = Rule("G3", "区级医院牵头", "led by a district-level hospital", "SH-2025 二(一)", _one_lead_inside)
CONTIGUOUS = Rule("G6", "网格连片", "contiguous", "NHC-2019 四(一)", _contiguous)


def grid_rules(*, band: tuple[float, float], county_max: int = 3) -> tuple[Rule, ...]:
    """Every grid rule with the planner's settings."""
    return (FULL_COVERAGE, WITHIN_DISTRICT, WITHIN_POOLING, ONE_LEAD, grid_count(county_max), CONTIGUOUS,
            population_band(*band))


def check(world: World, plan: Plan, rules: Sequence[Rule]) -> dict[str, list[Violation]]:
    """Violations per rule id (every id present, empty when it holds)."""
    out: dict[str, list[Violation]] = {}
    for rule in rules:
        out.setdefault(rule.id, []).extend(rule(world, plan))
    return out


def units_at_place(world: World, plan: Plan, place: str) -> list[str]:
    """The units a violation's place names: units, grids or districts, alone or listed
    (``a、b、c…``, ``hospital→district``); for zooming the map to it."""
    tokens = [t for t in re.split(r"[、,，→\s]+", place.replace("…", "")) if t]
    codes = set(world.unit_codes.tolist())
    out: list[str] = []
    for token in tokens:
        if token in codes:
            out.append(token)
        elif token in plan.grid_by_id:
            out.extend(plan.units_of(token))
        else:
            out.extend(world.unit_codes[world.district == token].tolist())
    return list(dict.fromkeys(out))


def rule_titles(rules: Sequence[Rule], lang: str = "zh") -> dict[str, str]:
    """Each rule id's name; ids with several checks (G2, G6) list every one."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        out.setdefault(rule.id, []).append(rule.name_zh if lang == "zh" else rule.name_en)
    return {rule: " / ".join(dict.fromkeys(names)) for rule, names in out.items()}
