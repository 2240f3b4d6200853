"""Grid rules G1-G6 of ``shared/policy/RULES.md`` as small named functions of a plan.

Each rule takes the world and a plan and returns its violations (``planning.verdict``): the rule,
the place as codes, the figures, and message codes for what broke and what would fix it. Numeric
rules come from small factories (``population_band(lo, hi)``) so the planner's settings are part
of the rule. The messages name every place by its name first and its code second
(``planning.labels``: 青浦镇01（310118001）, 青浦区 第2网格（310118-G02）); the place itself stays
codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse.csgraph import connected_components

from planning.labels import Labels
from planning.plan import Plan
from planning.verdict import Place, Rule, Violation, violation
from planning.world import World
from texts import Text

EXAMPLES = 5  # codes named in a message; the place lists them all
TIED_M = 100.0  # a facility farther than this outside every unit is reported with the unit it was tied to


def _grid_members(world: World, plan: Plan) -> dict[str, np.ndarray]:
    index = world.index_of()
    members: dict[str, list[int]] = {g.grid_id: [] for g in plan.grids}
    for unit, grid in plan.assignment.items():
        if unit in index and grid in members:
            members[grid].append(index[unit])
    return {g: np.array(sorted(m), dtype=int) for g, m in members.items()}


def _examples(codes: Sequence[str]) -> list[str]:
    return [*codes[:EXAMPLES], "…"] if len(codes) > EXAMPLES else list(codes)


def _full_coverage(world: World, plan: Plan) -> list[Violation]:
    grids = plan.grid_by_id
    missing = [str(c) for c in world.unit_codes if plan.assignment.get(str(c)) not in grids]
    if not missing:
        return []
    mask = np.isin(world.unit_codes, missing)
    people = float(world.population[mask].sum())
    return [violation("G1", "G1.unassigned", fix="G1.unassigned", n=len(missing), people=people,
                      examples=_examples(Labels(world).units_of(missing)),
                      place=Place(districts=tuple(sorted(set(world.district[mask].tolist()))), units=tuple(missing)),
                      figures={"units": len(missing), "population": people})]


def _within_district(world: World, plan: Plan) -> list[Violation]:
    out = []
    grids, names = plan.grid_by_id, Labels(world)
    for i, code in enumerate(world.unit_codes):
        grid = grids.get(plan.assignment.get(str(code), ""))
        if grid is None or grid.district_code == world.district[i]:
            continue
        own = str(world.district[i])
        out.append(violation(
            "G2", "G2.other_district", fix="G2.other_district", unit=names.unit(str(code)),
            district=names.district(own), grid=names.grid(grid.grid_id, grid.district_code),
            grid_district=names.district(grid.district_code),
            place=Place(districts=(own, grid.district_code), grids=(grid.grid_id,), units=(str(code),))))
    return out


def _pooling_area(world: World, plan: Plan) -> list[Violation]:
    out = []
    names, grids = Labels(world), plan.grid_by_id
    for grid, members in _grid_members(world, plan).items():
        areas = sorted(set(world.pooling[members].tolist()))
        if len(areas) > 1:
            out.append(violation("G2", "G2.pooling", fix="G2.pooling", grid=names.grid(grid, grids[grid].district_code),
                                 areas=areas,
                                 place=Place(districts=tuple(sorted(set(world.district[members].tolist()))), grids=(grid,)),
                                 figures={"pooling_areas": len(areas)}))
    return out


def _one_lead_inside(world: World, plan: Plan) -> list[Violation]:
    out = []
    lead_unit = {str(c): int(u) for c, u in zip(world.lead_codes, world.lead_unit)}
    lead_gap = dict(zip(world.lead_codes.tolist(), world.lead_gap_m.tolist()))
    members = _grid_members(world, plan)
    names, grids = Labels(world), plan.grid_by_id
    leads_seen: dict[str, str] = {}
    for grid in plan.grids:
        lead = grid.lead_facility_code
        where = Place(districts=(grid.district_code,), grids=(grid.grid_id,), facilities=(lead,))
        label = names.grid(grid.grid_id, grid.district_code)
        u = lead_unit.get(lead)
        if u is not None and u >= 0 and lead_gap.get(lead, 0.0) > TIED_M:
            unit = str(world.unit_codes[u])
            out.append(violation("G3", "G3.lead_outside_units", fix="G3.lead_outside_units", severity="warning",
                                 lead=lead, name=world.lead_name(lead), km=lead_gap[lead] / 1000, unit=names.unit(unit),
                                 grid=label, place=Place(where.districts, where.grids, (unit,), where.facilities),
                                 figures={"distance_km": round(lead_gap[lead] / 1000, 3)}))
        if u is None:
            out.append(violation("G3", "G3.not_a_lead", fix="G3.not_a_lead", grid=label, lead=names.facility(lead),
                                 place=where))
        elif u not in set(members[grid.grid_id].tolist()) and _county_shares(world, plan, grid, u, members):
            unit = str(world.unit_codes[u])
            holder = plan.assignment.get(unit, "")
            out.append(violation("G3", "G3.lead_shares_unit", fix="G3.lead_shares_unit", severity="warning",
                                 grid=label, lead=lead, name=world.lead_name(lead), unit=names.unit(unit),
                                 other=names.grid(holder, grids[holder].district_code),
                                 place=Place(where.districts, (grid.grid_id, holder), (unit,), where.facilities)))
        elif u not in set(members[grid.grid_id].tolist()):
            unit = str(world.unit_codes[u]) if u >= 0 else ""
            out.append(violation("G3", "G3.lead_outside", fix="G3.lead_outside", grid=label, lead=lead,
                                 name=world.lead_name(lead), unit=names.unit(unit) if unit else "—",
                                 place=Place(where.districts, where.grids, (unit,) if unit else (), where.facilities)))
        if lead in leads_seen:
            first = grids[leads_seen[lead]]
            out.append(violation("G3", "G3.two_grids", fix="G3.two_grids", lead=lead, name=world.lead_name(lead),
                                 first=names.grid(first.grid_id, first.district_code), grid=label,
                                 place=Place((grid.district_code,), (leads_seen[lead], grid.grid_id), (), (lead,))))
        leads_seen[lead] = grid.grid_id
    return out


def _county(world: World, district: str) -> bool:
    return world.district_ring.get(district) == "county"


def _county_shares(world: World, plan: Plan, grid, u: int, members: Mapping[str, np.ndarray]) -> bool:
    """A county alliance whose lead stands in a township of another alliance of the same county
    (人民医院 and 中医院 both in the county seat): allowed when the alliance touches that
    township, and the plan says so (G3, a warning)."""
    holder = plan.grid_by_id.get(plan.assignment.get(str(world.unit_codes[u]), ""))
    if not _county(world, grid.district_code) or holder is None or holder.district_code != grid.district_code:
        return False
    own = members[grid.grid_id]
    return bool(len(own)) and bool(world.adjacency[u][:, own].nnz)


def _members_in_grids(world: World, plan: Plan) -> list[Violation]:
    """G4: every government-run primary care facility (CHC, THC) belongs to a grid: the unit it
    stands in is in one, and that grid is of the facility's own district."""
    out = []
    grids, names = plan.grid_by_id, Labels(world)
    for code, name, kind, district, u, gap in zip(world.member_codes.tolist(), world.member_names.tolist(),
                                                  world.member_kinds.tolist(), world.member_district.tolist(),
                                                  world.member_unit.tolist(), world.member_gap_m.tolist()):
        unit = str(world.unit_codes[u]) if u >= 0 else ""
        grid = grids.get(plan.assignment.get(unit, "")) if unit else None
        if unit and gap > TIED_M:
            out.append(violation("G4", "G4.outside_units", fix="G4.outside_units", severity="warning", facility=code,
                                 name=name, kind=Text(f"kind_{kind}"), km=gap / 1000, unit=names.unit(unit),
                                 place=Place(districts=(district,), units=(unit,), facilities=(code,)),
                                 figures={"distance_km": round(gap / 1000, 3)}))
        if grid is None:
            out.append(violation("G4", "G4.no_grid" if unit else "G4.no_unit", fix="G4.no_grid" if unit else "G4.no_unit",
                                 facility=code, name=name, kind=Text(f"kind_{kind}"),
                                 unit=names.unit(unit) if unit else "—",
                                 place=Place(districts=(district,), units=(unit,) if unit else (), facilities=(code,))))
        elif grid.district_code != district:
            out.append(violation("G4", "G4.other_district", fix="G4.other_district", severity="warning", facility=code,
                                 name=name, grid=names.grid(grid.grid_id, grid.district_code), unit=names.unit(unit),
                                 district=names.district(district), grid_district=names.district(grid.district_code),
                                 place=Place(districts=(district, grid.district_code), grids=(grid.grid_id,),
                                             units=(unit,), facilities=(code,))))
    return out


def contiguous(island_link_km: float = 15.0) -> Rule:
    """G6: every grid is connected through shared boundaries (and island links); a county
    alliance through its lead's township too. A part cut off by water further than
    ``island_link_km`` from the rest cannot join a neighbouring grid: the fix names the
    ``island_link_km`` that would link it, or a lead of its own."""

    def check(world: World, plan: Plan) -> list[Violation]:
        out = []
        lead_unit = {str(c): int(u) for c, u in zip(world.lead_codes, world.lead_unit)}
        grids, names = plan.grid_by_id, Labels(world)
        for grid, members in _grid_members(world, plan).items():
            g = grids[grid]
            u = lead_unit.get(g.lead_facility_code, -1)
            through = _county(world, g.district_code) and u >= 0 and u not in set(members.tolist())
            nodes = np.append(members, u) if through else members
            if len(nodes) <= 1:
                continue
            count, labels = connected_components(world.adjacency[nodes][:, nodes], directed=False)
            if count == 1:
                continue
            main = labels[-1] if through else np.argmax(np.bincount(labels))
            cut = nodes[labels != main]
            stray = [str(world.unit_codes[i]) for i in cut]
            place = Place(districts=tuple(sorted(set(world.district[members].tolist()))), grids=(grid,), units=tuple(stray))
            figures = {"parts": int(count), "units_cut_off": len(stray)}
            gap = _island_gap(world, set(stray))
            if gap is not None:
                out.append(violation("G6", "G6.island", fix="G6.island", grid=names.grid(grid, g.district_code),
                                     parts=int(count), n=len(stray), examples=_examples(names.units_of(stray)), km=gap, limit=island_link_km,
                                     need=math.ceil(gap * 10 + 1e-9) / 10, place=place,
                                     figures={**figures, "gap_km": gap, "island_link_km": island_link_km}))
            else:
                out.append(violation("G6", "G6.not_contiguous", fix="G6.not_contiguous", grid=names.grid(grid, g.district_code),
                                     parts=int(count), n=len(stray), examples=_examples(names.units_of(stray)), place=place,
                                     figures=figures))
        return out

    return Rule("G6", "rule_title.G6.contiguous", "NHC-2019 四(一)", check)


def _island_gap(world: World, units: set[str]) -> float | None:
    """The gap (km) between cut-off units and the rest of their district when it is one no
    island link bridged (``World.island_gaps``), else None (a neighbouring grid can take them)."""
    gaps = [gap for a, b, gap in world.island_gaps if a in units or b in units]
    return max(gaps) if gaps else None


def _possible_leads(world: World, district: str, county: bool = False) -> int:
    """How many grids the district could form: its hospitals that may lead, one per unit (G3);
    in a county each of them (two may share the county seat)."""
    units = world.lead_unit[world.leads_of(district)]
    return len(units) if county else len(set(units.tolist()))


def population_band(lo: float, hi: float) -> Rule:
    """G6: each grid's population within ``[lo, hi]``, and each district with enough grids for
    its residents at ``hi`` each (a planner's setting: warnings, never a refusal). The band is a
    city's: a county's alliances are 1-3 by its population and leads (G5), whatever their size."""

    def check(world: World, plan: Plan) -> list[Violation]:
        out, names = [], Labels(world)
        for code in world.districts:
            if _county(world, code):  # a county forms 1-3 alliances by its population and leads (G5), no band
                continue
            n = sum(g.district_code == code for g in plan.grids)
            people = float(world.population[world.district == code].sum())
            need = math.ceil(people / hi) if hi > 0 else 1
            if 0 < n < need:
                leads = _possible_leads(world, code)
                out.append(violation(
                    "G6", "G6.too_few_grids", fix="G6.too_few_grids", severity="warning",
                    district=names.district(code), people=people, hi=hi, need=need, n=n, leads=leads,
                    raise_to=math.ceil(people / max(n, leads)), place=Place(districts=(code,)),
                    figures={"population": people, "grids": n, "grids_needed": need, "possible_grids": leads}))
        for grid, members in _grid_members(world, plan).items():
            p = float(world.population[members].sum())
            district = plan.grid_by_id[grid].district_code
            if (p > hi or p < lo) and not _county(world, district):
                out.append(violation(
                    "G6", "G6.above_band" if p > hi else "G6.below_band", fix="G6.band", severity="warning",
                    grid=names.grid(grid, district), population=p, lo=lo, hi=hi,
                    place=Place(districts=(district,), grids=(grid,)),
                    figures={"population": p, "band_min": lo, "band_max": hi}))
        return out

    return Rule("G6", "rule_title.G6.band", "NHC-2019 四(一)", check)


def grid_count(county_max: int = 3, counts: Mapping[str, int] | None = None) -> Rule:
    """G5: a district forms at least one grid (it needs a hospital that may lead); a county 1 to
    ``county_max``; a count the planner fixed (``counts``) is met, or the shortfall is shown."""
    fixed = dict(counts or {})

    def check(world: World, plan: Plan) -> list[Violation]:
        out, names = [], Labels(world)
        for code in world.districts:
            n = sum(g.district_code == code for g in plan.grids)
            county = world.district_ring.get(code) == "county"
            name = names.district(code)
            if n == 0 and _possible_leads(world, code, county) == 0:
                units = int((world.district == code).sum())
                out.append(violation("G5", "G5.no_lead", fix="G5.no_lead", district=name, units=units,
                                     place=Place(districts=(code,)), figures={"grids": 0, "possible_grids": 0}))
                continue
            if code in fixed and n and n != fixed[code]:
                leads = _possible_leads(world, code, county)
                units = int((world.district == code).sum())
                why = ("G5.fixed_count_county" if county and fixed[code] > county_max else
                       "G5.fixed_count_units" if fixed[code] > units else "G5.fixed_count")
                out.append(violation("G5", "G5.fixed_count", fix=why, severity="warning", district=name,
                                     n=n, fixed=fixed[code], leads=leads, most=county_max, units=units,
                                     place=Place(districts=(code,)), figures={"grids": n, "fixed": fixed[code]}))
            if n == 0 or (county and n > county_max):
                out.append(violation("G5", "G5.county" if county else "G5.district", fix="G5.count",
                                     district=name, n=n, most=county_max,
                                     place=Place(districts=(code,)), figures={"grids": n, "most": county_max if county else n}))
        return out

    return Rule("G5", "rule_title.G5", "SH-2017 四(一); NHC-2019 县域 三(一)1", check)


FULL_COVERAGE = Rule("G1", "rule_title.G1", "SH-2025 二(一)", _full_coverage)
WITHIN_DISTRICT = Rule("G2", "rule_title.G2.district", "NHC-2019 四(一)", _within_district)
WITHIN_POOLING = Rule("G2", "rule_title.G2.pooling", "NHC-2019 四(一)", _pooling_area)
ONE_LEAD = Rule("G3", "rule_title.G3", "SH-2025 二(一)", _one_lead_inside)
MEMBERS = Rule("G4", "rule_title.G4", "SH-2017 三", _members_in_grids)


def grid_rules(*, band: tuple[float, float], county_max: int = 3, counts: Mapping[str, int] | None = None,
               island_link_km: float = 15.0) -> tuple[Rule, ...]:
    """Every grid rule with the planner's settings."""
    return (FULL_COVERAGE, WITHIN_DISTRICT, WITHIN_POOLING, ONE_LEAD, MEMBERS, grid_count(county_max, counts),
            contiguous(island_link_km), population_band(*band))


def units_at(world: World, plan: Plan, place: Place) -> list[str]:
    """Every unit a violation's place covers, for outlining and zooming the map: its units, else
    the units of its grids, else of its districts."""
    if place.units:
        return list(place.units)
    if place.grids:
        wanted = set(place.grids)
        return [u for u, g in plan.assignment.items() if g in wanted]
    return world.unit_codes[np.isin(world.district, list(place.districts))].astype(str).tolist()
