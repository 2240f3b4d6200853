"""The plan (方案): an immutable value. Editing returns a new plan.

A plan holds the units' grids, the grids and their lead hospitals, the locks, the pairings, the
decision notes and its name. Versions, parents and authors belong to the plan store
(``geodata.plans``), which numbers every saved edit: a plan does not count its own edits, so the
two can never disagree.
Derived figures (population per grid, violations, metrics) are functions of a plan and a world
(``planning.rules``, ``planning.metrics``), never stored in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType


def grid_id(district_code: str, number: int) -> str:
    """``<district_code>-G<nn>``: stable ids that filing systems and exports rely on."""
    return f"{district_code}-G{number:02d}"


@dataclass(frozen=True)
class Grid:
    """A service grid (网格): its district and the hospital that leads it (G3)."""

    grid_id: str
    district_code: str
    lead_facility_code: str


@dataclass(frozen=True)
class PlanPairing:
    """A city hospital paired with a district (P rules); ``fixed`` pairings stay when the rest is
    optimised again. Reasons and costs are derived (``planning.pairing.pairings_of``)."""

    hospital_code: str
    district_code: str
    role: str
    fixed: bool = False


@dataclass(frozen=True)
class Plan:
    """Units -> grid ids, the grids, the locked units, the hospital pairings, notes and a name."""

    assignment: Mapping[str, str]
    grids: tuple[Grid, ...]
    locked: frozenset[str] = frozenset()
    name: str = ""
    notes: tuple[str, ...] = ()
    pairings: tuple[PlanPairing, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.assignment, MappingProxyType):
            object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))

    @property
    def grid_by_id(self) -> dict[str, Grid]:
        return {g.grid_id: g for g in self.grids}

    def units_of(self, grid: str) -> list[str]:
        return [u for u, g in self.assignment.items() if g == grid]

    def reassign(self, changes: Mapping[str, str]) -> Plan:
        """A new plan with ``changes`` (unit -> grid id) applied."""
        assignment = dict(self.assignment)
        assignment.update(changes)
        return replace(self, assignment=assignment)

    def lock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked | frozenset(units))

    def unlock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked - frozenset(units))

    def with_lead(self, grid: str, facility_code: str) -> Plan:
        """The grid led by another hospital (the units stay; re-propose to follow the new lead)."""
        grids = tuple(replace(g, lead_facility_code=facility_code) if g.grid_id == grid else g for g in self.grids)
        return replace(self, grids=grids)

    def with_grid(self, district_code: str, lead_facility_code: str) -> tuple[Plan, str]:
        """A new, empty grid in the district led by the hospital; returns the plan and its id. Its
        number follows the district's highest, so an id never names two grids in one plan's life
        unless the highest grid itself was removed."""
        numbers = [int(g.grid_id.rsplit("G", 1)[-1]) for g in self.grids
                   if g.district_code == district_code and g.grid_id.rsplit("G", 1)[-1].isdigit()]
        number = max(numbers, default=0) + 1
        while grid_id(district_code, number) in {g.grid_id for g in self.grids}:
            number += 1
        new = Grid(grid_id(district_code, number), district_code, lead_facility_code)
        return replace(self, grids=(*self.grids, new)), new.grid_id

    def without_empty_grids(self) -> Plan:
        """The plan minus grids that no unit belongs to (after the planner emptied one)."""
        used = set(self.assignment.values())
        kept = tuple(g for g in self.grids if g.grid_id in used)
        return self if len(kept) == len(self.grids) else replace(self, grids=kept)

    def with_note(self, note: str) -> Plan:
        """A decision note added (why the plan is as it is; the review page and filing show them)."""
        return replace(self, notes=(*self.notes, note))

    def with_pairings(self, pairings: Iterable[PlanPairing]) -> Plan:
        ordered = tuple(sorted(pairings, key=lambda p: (p.district_code, p.hospital_code)))
        return replace(self, pairings=ordered)


def plan_to_dict(plan: Plan) -> dict:
    """A plan as plain data (for storage and export)."""
    return {
        "name": plan.name,
        "assignment": dict(sorted(plan.assignment.items())),
        "grids": [{"grid_id": g.grid_id, "district_code": g.district_code, "lead_facility_code": g.lead_facility_code}
                  for g in plan.grids],
        "locked": sorted(plan.locked),
        "notes": list(plan.notes),
        "pairings": [{"hospital_code": p.hospital_code, "district_code": p.district_code, "role": p.role, "fixed": p.fixed}
                     for p in plan.pairings],
    }


def plan_from_dict(data: dict) -> Plan:
    return Plan(
        assignment=dict(data["assignment"]),
        grids=tuple(Grid(g["grid_id"], g["district_code"], g["lead_facility_code"]) for g in data["grids"]),
        locked=frozenset(data.get("locked", ())),
        name=str(data.get("name", "")),
        notes=tuple(data.get("notes", ())),
        pairings=tuple(PlanPairing(str(p["hospital_code"]), str(p["district_code"]), str(p["role"]), bool(p.get("fixed")))
                       for p in data.get("pairings", ())),
    )
