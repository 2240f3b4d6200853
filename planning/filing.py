"""What a plan files (备案), and how two versions of a plan differ: tables from a plan, as pure
functions. Writing them to files is ``geodata.export``'s job.

RULES.md, Filing: per alliance its lead unit, member units, partner city hospitals and the form of
cooperation, the grid it serves, its population, and what changed since the last filed version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from planning.metrics import band_deviation, grid_metrics, summary
from planning.plan import Plan
from planning.session import PlanningSession
from planning.verdict import Verdict
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
    verdict: Verdict


def filing_tables(session: PlanningSession, plan: Plan, facility_units: Mapping[str, str]) -> Filing:
    """The filing's tables of ``plan``; ``facility_units`` maps a facility to the unit it stands in
    (``geodata.export.facility_units``)."""
    world, problem, facilities, band = session.world, session.problem, session.package.facilities, session.band
    grid_of_unit = dict(plan.assignment)
    names = dict(zip(facilities["facility_code"].astype(str), facilities["name"].astype(str)))
    kinds = dict(zip(facilities["facility_code"].astype(str), facilities["kind"].astype(str)))
    members = pd.DataFrame(
        [{"grid_id": grid_of_unit[u], "facility_code": f, "name": names.get(f, ""), "kind": kinds.get(f, "")}
         for f, u in sorted(facility_units.items()) if u in grid_of_unit and kinds.get(f) in MEMBER_KINDS],
        columns=["grid_id", "facility_code", "name", "kind"]).sort_values(["grid_id", "kind", "facility_code"],
                                                                        ignore_index=True)
    hospital_names = {h.code: h.name for h in problem.hospitals}
    paired = session.pairings(plan)
    pairings = pd.DataFrame([{"hospital_code": p.hospital_code, "hospital": hospital_names.get(p.hospital_code, ""),
                              "district_code": p.district_code,
                              "district": world.district_names.get(p.district_code, p.district_code),
                              "role": p.role, "fixed": p.fixed, "reasons": "; ".join(r.render("en") for r in p.reasons)}
                             for p in paired],
                            columns=["hospital_code", "hospital", "district_code", "district", "role", "fixed", "reasons"])
    partners = {}
    for p in paired:
        partners.setdefault(p.district_code, []).append(f"{hospital_names.get(p.hospital_code, p.hospital_code)}:{p.role}")
    table = grid_metrics(world, plan)
    table.insert(2, "district_name", [world.district_names.get(d, d) for d in table["district_code"]])
    table["member_facilities"] = [";".join(members.loc[members["grid_id"] == g, "facility_code"]) for g in table["grid_id"]]
    table["partners"] = [";".join(partners.get(d, [])) for d in table["district_code"]]
    table["band_deviation"] = [band_deviation(p, band) for p in table["population"]]
    units = pd.DataFrame({"unit_code": world.unit_codes.astype(str), "unit_name": world.unit_names.astype(str),
                          "district_code": world.district.astype(str),
                          "population": world.population,
                          "grid_id": [grid_of_unit.get(str(u), "") for u in world.unit_codes],
                          "locked": [str(u) in plan.locked for u in world.unit_codes]})
    verdict = session.judge(plan, pairings=paired)
    return Filing(table, members, units, pairings, rules_table(verdict), violations_table(verdict), verdict)


def rules_table(verdict: Verdict) -> pd.DataFrame:
    """One row per rule: id, names, source, passed (no error), errors and warnings counted."""
    return pd.DataFrame([{"rule": r.id, "name_zh": r.title("zh"), "name_en": r.title("en"), "source": r.source,
                          "passed": r.passed, "errors": len(r.errors), "warnings": len(r.warnings)} for r in verdict.rules],
                        columns=["rule", "name_zh", "name_en", "source", "passed", "errors", "warnings"])


def violations_table(verdict: Verdict) -> pd.DataFrame:
    """One row per violation: rule, severity, message code, the place's codes (complete), the
    figures, and the texts in both languages."""
    rows = [{"rule": v.rule, "severity": v.severity, "code": v.what.code, "place": v.place.label(),
             "districts": ";".join(v.place.districts), "grids": ";".join(v.place.grids), "units": ";".join(v.place.units),
             "facilities": ";".join(v.place.facilities),
             "figures": ";".join(f"{k}={x:g}" for k, x in v.figures.items()),
             "message_zh": v.message("zh"), "message_en": v.message("en"), "fix_zh": v.fix("zh"), "fix_en": v.fix("en")}
            for v in verdict.violations]
    return pd.DataFrame(rows, columns=["rule", "severity", "code", "place", "districts", "grids", "units", "facilities", "figures",
                                       "message_zh", "message_en", "fix_zh", "fix_en"])


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
