"""What a plan files (备案), and how two versions of a plan differ: tables from a plan, as pure
functions. Writing them to files is ``geodata.export``'s job.

RULES.md, Filing: per alliance its lead unit, member units, partner city hospitals and the form of
cooperation, the grid it serves, its population, and what changed since the last filed version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from planning.metrics import band_deviation, grid_metrics, summary
from planning.pairing import PairingProblem, check_pairings, pairing_titles, pairings_of
from planning.plan import Plan
from planning.rules import Rule, check, rule_titles
from planning.world import World

MEMBER_KINDS = ("district_hospital", "county_hospital", "chc", "thc", "village_clinic", "nursing", "rehab")


@dataclass(frozen=True)
class Filing:
    """The tables of a filing: one row per grid, per member facility, per unit, per pairing, per
    rule and per violation."""

    grids: pd.DataFrame
    members: pd.DataFrame
    units: pd.DataFrame
    pairings: pd.DataFrame
    rules: pd.DataFrame
    violations: pd.DataFrame


def filing_tables(world: World, plan: Plan, problem: PairingProblem, facilities: pd.DataFrame,
                  facility_units: Mapping[str, str], rules: Sequence[Rule],
                  staffing: Mapping[tuple[str, str], tuple[int, int]] | None = None,
                  band: tuple[float, float] | None = None) -> Filing:
    """``facilities`` has facility_code, name and kind; ``facility_units`` maps a facility to the
    unit it stands in (``geodata.export.facility_units``)."""
    grid_of_unit = dict(plan.assignment)
    names = dict(zip(facilities["facility_code"].astype(str), facilities["name"].astype(str)))
    kinds = dict(zip(facilities["facility_code"].astype(str), facilities["kind"].astype(str)))
    members = pd.DataFrame(
        [{"grid_id": grid_of_unit[u], "facility_code": f, "name": names.get(f, ""), "kind": kinds.get(f, "")}
         for f, u in sorted(facility_units.items()) if u in grid_of_unit and kinds.get(f) in MEMBER_KINDS],
        columns=["grid_id", "facility_code", "name", "kind"]).sort_values(["grid_id", "kind", "facility_code"],
                                                                        ignore_index=True)
    hospital_names = {h.code: h.name for h in problem.hospitals}
    paired = pairings_of(problem, plan.pairings)
    pairings = pd.DataFrame([{"hospital_code": p.hospital_code, "hospital": hospital_names.get(p.hospital_code, ""),
                              "district_code": p.district_code,
                              "district": world.district_names.get(p.district_code, p.district_code),
                              "role": p.role, "fixed": p.fixed, "reasons": "; ".join(p.reasons)} for p in paired],
                            columns=["hospital_code", "hospital", "district_code", "district", "role", "fixed", "reasons"])
    partners = {}
    for p in paired:
        partners.setdefault(p.district_code, []).append(f"{hospital_names.get(p.hospital_code, p.hospital_code)}:{p.role}")
    table = grid_metrics(world, plan)
    table.insert(2, "district_name", [world.district_names.get(d, d) for d in table["district_code"]])
    table["member_facilities"] = [";".join(members.loc[members["grid_id"] == g, "facility_code"]) for g in table["grid_id"]]
    table["partners"] = [";".join(partners.get(d, [])) for d in table["district_code"]]
    if band is not None:
        table["band_deviation"] = [band_deviation(p, band) for p in table["population"]]
    units = pd.DataFrame({"unit_code": world.unit_codes.astype(str), "unit_name": world.unit_names.astype(str),
                          "district_code": world.district.astype(str),
                          "population": world.population,
                          "grid_id": [grid_of_unit.get(str(u), "") for u in world.unit_codes],
                          "locked": [str(u) in plan.locked for u in world.unit_codes]})
    found = check(world, plan, rules)
    found.update(check_pairings(problem, paired, staffing))
    titles, titles_en = ({**pairing_titles(x), **rule_titles(rules, x)} for x in ("zh", "en"))
    rules_table = pd.DataFrame([{"rule": r, "name_zh": titles.get(r, ""), "name_en": titles_en.get(r, ""),
                                 "passed": not v, "violations": len(v)} for r, v in found.items()])
    violations = pd.DataFrame([v.as_dict() for vs in found.values() for v in vs],
                              columns=["rule", "place", "severity", "message_zh", "message_en", "fix_zh", "fix_en"])
    return Filing(table, members, units, pairings, rules_table, violations)


def compare(world: World, before: Plan, after: Plan) -> dict:
    """What changed from ``before`` to ``after``: units that changed grid, the residents in them,
    grids added and removed (or led by another hospital), pairings added and removed, and every
    figure of ``planning.metrics.summary`` side by side."""
    population = dict(zip(world.unit_codes.astype(str), world.population))
    moved = sorted(u for u in set(before.assignment) | set(after.assignment)
                   if before.assignment.get(u) != after.assignment.get(u))
    leads_before = {g.grid_id: g.lead_facility_code for g in before.grids}
    leads_after = {g.grid_id: g.lead_facility_code for g in after.grids}
    pairs_before = {(p.hospital_code, p.district_code): p.role for p in before.pairings}
    pairs_after = {(p.hospital_code, p.district_code): p.role for p in after.pairings}
    figures_before, figures_after = summary(grid_metrics(world, before)), summary(grid_metrics(world, after))
    return {
        "units_moved": [{"unit_code": u, "from": before.assignment.get(u, ""), "to": after.assignment.get(u, ""),
                         "population": float(population.get(u, 0.0))} for u in moved],
        "residents_moved": float(sum(population.get(u, 0.0) for u in moved)),
        "grids_added": sorted(set(leads_after) - set(leads_before)),
        "grids_removed": sorted(set(leads_before) - set(leads_after)),
        "leads_changed": sorted((g, leads_before[g], leads_after[g]) for g in set(leads_before) & set(leads_after)
                                if leads_before[g] != leads_after[g]),
        "pairings_added": sorted(set(pairs_after) - set(pairs_before)),
        "pairings_removed": sorted(set(pairs_before) - set(pairs_after)),
        "roles_changed": sorted((h, d, pairs_before[(h, d)], pairs_after[(h, d)]) for h, d in set(pairs_before) & set(pairs_after)
                                if pairs_before[(h, d)] != pairs_after[(h, d)]),
        "figures": {k: {"before": figures_before[k], "after": figures_after[k],
                        "change": figures_after[k] - figures_before[k]} for k in figures_before},
    }
