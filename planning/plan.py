"""The plan (方案): an immutable value. Editing returns a new plan that remembers its parent.

A plan holds the units' grids, the grids and their lead hospitals, the locks, and metadata.
Derived figures (population per grid, violations, metrics) are functions of a plan and a world
(``planning.rules``, ``planning.metrics``), never stored in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
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
class Plan:
    """Units -> grid ids, the grids, the locked units; plus name, version and parent."""

    assignment: Mapping[str, str]
    grids: tuple[Grid, ...]
    locked: frozenset[str] = frozenset()
    name: str = ""
    version: int = 1
    parent: Plan | None = field(default=None, repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.assignment, MappingProxyType):
            object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))

    @property
    def grid_by_id(self) -> dict[str, Grid]:
        return {g.grid_id: g for g in self.grids}

    def units_of(self, grid: str) -> list[str]:
        return [u for u, g in self.assignment.items() if g == grid]

    def reassign(self, changes: Mapping[str, str]) -> Plan:
        """A new plan with ``changes`` (unit -> grid id) applied; this plan becomes its parent."""
        assignment = dict(self.assignment)
        assignment.update(changes)
        return replace(self, assignment=assignment, version=self.version + 1, parent=self)

    def lock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked | frozenset(units), version=self.version + 1, parent=self)

    def unlock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked - frozenset(units), version=self.version + 1, parent=self)


def plan_to_dict(plan: Plan) -> dict:
    """A plan as plain data (for storage and export); the parent link is not included."""
    return {
        "name": plan.name,
        "version": plan.version,
        "assignment": dict(sorted(plan.assignment.items())),
        "grids": [{"grid_id": g.grid_id, "district_code": g.district_code, "lead_facility_code": g.lead_facility_code}
                  for g in plan.grids],
        "locked": sorted(plan.locked),
        "notes": list(plan.notes),
    }


def plan_from_dict(data: dict) -> Plan:
    return Plan(
        assignment=dict(data["assignment"]),
        grids=tuple(Grid(g["grid_id"], g["district_code"], g["lead_facility_code"]) for g in data["grids"]),
        locked=frozenset(data.get("locked", ())),
        name=str(data.get("name", "")),
        version=int(data.get("version", 1)),
        notes=tuple(data.get("notes", ())),
    )
