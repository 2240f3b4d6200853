"""The planner's edits of a plan, as small pure functions: each takes the world (or the pairing
problem) and a plan and returns a new plan (or raises ``EditError`` saying why the edit cannot be
made).

The rules are not enforced here: an edit may break one (a grid cut in two, a grid out of the
band) and the rules panel says so; only edits that make no sense (a unit into another district's
grid, a lead that is not a hospital of the district) are refused. A refusal names the places by
name, then code (``planning.labels``: 青浦区区域医疗中心4（310118-DH04）).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from planning.errors import EditError
from planning.grids import GridSolver
from planning.labels import Labels
from planning.pairing import PairingProblem, planned_pairings, solve
from planning.plan import Plan, PlanPairing
from planning.world import World


def assign(world: World, plan: Plan, units: Iterable[str], grid: str, *, lock: bool = True) -> tuple[Plan, list[str]]:
    """Move units into ``grid`` (and lock them, so re-proposing keeps the planner's choice).

    Units of other districts stay where they are (grids do not cross districts, G2) and are
    returned as the second value. Grids left empty are dropped."""
    target = plan.grid_by_id.get(grid)
    if target is None:
        raise EditError("no_grid", grid=Labels(world).grid(grid))
    district = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
    units = [u for u in dict.fromkeys(units) if u in district]
    moved = [u for u in units if district[u] == target.district_code]
    refused = [u for u in units if district[u] != target.district_code]
    changes = {u: grid for u in moved if plan.assignment.get(u) != grid}
    if not changes and not (lock and set(moved) - plan.locked):
        return plan, refused
    edited = plan.reassign(changes)
    if lock:
        edited = edited.lock(moved)
    return edited.without_empty_grids(), refused


def free_leads(world: World, plan: Plan, district: str, *, keep: str | None = None) -> list[str]:
    """Hospitals of the district that could lead a grid now: they lead none, and no current lead
    stands in their unit (two leads in one unit cannot both have it in their grid, G3). The lead
    of grid ``keep`` does not count as current (it is the one being replaced)."""
    lead_unit = dict(zip(world.lead_codes.tolist(), world.lead_unit.tolist()))
    current = {g.lead_facility_code for g in plan.grids if g.grid_id != keep}
    taken = {lead_unit.get(c, -1) for c in current} - {-1}
    return [str(c) for j, c in enumerate(world.lead_codes.tolist()) if world.lead_district[j] == district
            and c not in current and (world.lead_unit[j] < 0 or world.lead_unit[j] not in taken)]


def new_grid(world: World, plan: Plan, units: Iterable[str], lead: str, *, lock: bool = True) -> tuple[Plan, str, list[str]]:
    """A new grid led by ``lead`` (one of ``free_leads``) holding ``units`` and the lead's own unit
    (G3). Returns the plan, the new grid's id and the refused units."""
    j = _lead_index(world, lead)
    if lead not in free_leads(world, plan, str(world.lead_district[j])):
        raise EditError("lead_taken", lead=Labels(world).facility(lead))
    district = str(world.lead_district[j])
    edited, gid = plan.with_grid(district, lead)
    own = [str(world.unit_codes[world.lead_unit[j]])] if world.lead_unit[j] >= 0 else []
    edited, refused = assign(world, edited, [*own, *units], gid, lock=lock)
    return edited, gid, refused


def change_lead(world: World, plan: Plan, solver: GridSolver, grid: str, lead: str) -> Plan:
    """Another hospital of the district leads ``grid``; the district is proposed again around it
    and around the locks (the other districts stay as they are)."""
    target = plan.grid_by_id.get(grid)
    if target is None:
        raise EditError("no_grid", grid=Labels(world).grid(grid))
    j = _lead_index(world, lead)
    if str(world.lead_district[j]) != target.district_code:
        names = Labels(world)
        raise EditError("lead_other_district", lead=names.facility(lead), grid=names.grid(grid, target.district_code))
    if lead == target.lead_facility_code:
        return plan
    if lead not in free_leads(world, plan, target.district_code, keep=grid):
        raise EditError("lead_taken_other", lead=Labels(world).facility(lead))
    own = str(world.unit_codes[world.lead_unit[j]]) if world.lead_unit[j] >= 0 else None
    edited = plan.with_lead(grid, lead)
    if own is not None and own in edited.locked and edited.assignment.get(own) != grid:
        edited = edited.unlock([own])  # the lead's own unit joins its grid (G3)
    return solver.solve(world, previous=edited, only=[target.district_code]).plan


def repropose(world: World, plan: Plan, solver: GridSolver, districts: Iterable[str] | None = None) -> Plan:
    """Everything that is not locked proposed again (in ``districts``, or everywhere)."""
    return solver.solve(world, previous=plan, only=districts).plan


def lead_near(world: World, plan: Plan, grid: str, x: float, y: float, *, within_m: float = 1000.0) -> str | None:
    """The hospital that may lead ``grid`` (its current lead or a free one of its district)
    nearest to the point ``(x, y)`` in the world's metres, if one is within ``within_m``: where
    the planner dropped or clicked a lead marker. None when there is none."""
    target = plan.grid_by_id.get(grid)
    if target is None or not (math.isfinite(x) and math.isfinite(y)):
        return None
    allowed = {target.lead_facility_code, *free_leads(world, plan, target.district_code, keep=grid)}
    pool = [j for j, c in enumerate(world.lead_codes.tolist()) if c in allowed]
    near = min(pool, key=lambda j: math.hypot(world.lead_xy[j][0] - x, world.lead_xy[j][1] - y), default=None)
    if near is None or math.hypot(world.lead_xy[near][0] - x, world.lead_xy[near][1] - y) > within_m:
        return None
    return str(world.lead_codes[near])


def reoptimise_pairings(problem: PairingProblem, chosen: Iterable[PlanPairing]) -> tuple[PlanPairing, ...]:
    """The pairings optimised again around the ``fixed`` ones among ``chosen``, which keep their
    roles; the others are replaced by the solver's choice."""
    chosen = list(chosen)
    fixed = [(p.hospital_code, p.district_code) for p in chosen if p.fixed]
    roles = {(p.hospital_code, p.district_code): p.role for p in chosen if p.fixed}
    result = solve(replace(problem, fixed=frozenset(fixed)))
    return tuple(replace(p, role=roles.get((p.hospital_code, p.district_code), p.role)) for p in planned_pairings(result))


def lock_grids(plan: Plan, grids: Iterable[str]) -> Plan:
    """Lock every unit of the grids."""
    wanted = set(grids)
    return plan.lock(u for u, g in plan.assignment.items() if g in wanted)


def _lead_index(world: World, lead: str) -> int:
    hits = [j for j, c in enumerate(world.lead_codes) if c == lead]
    if not hits:
        raise EditError("not_a_lead", lead=Labels(world).facility(lead))
    return hits[0]
