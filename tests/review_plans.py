"""A plan with a history for the review's tests: the proposal of the default data (v1), five units
moved between two grids of one district (v2: the grids break rules), a decision note (v3, a
note-only version), and a lock (v4), saved by two named planners."""

from __future__ import annotations

from pathlib import Path

from geodata.default import load_default
from geodata.plans import PlanStore
from planning.edits import assign
from planning.plan import plan_to_dict
from planning.session import PlanningSession

MOVED = 5
QINGPU = "310118"


def moved_units(session: PlanningSession, plan) -> tuple[list[str], str, str]:
    """Every other unit of the largest grid (by units) of Qingpu, to move to another of its grids: the
    largest grid is left in pieces and the other takes units far from it (rules broken)."""
    qingpu = [g.grid_id for g in plan.grids if g.district_code == QINGPU]
    size = {g: sum(1 for v in plan.assignment.values() if v == g) for g in qingpu}
    second = max(sorted(qingpu), key=size.get)
    first = min(g for g in sorted(qingpu) if g != second)
    units = sorted(u for u, g in plan.assignment.items() if g == second)[::2][:MOVED]
    return units, first, second


def make_store(data_dir: Path) -> tuple[str, PlanStore, dict]:
    """The store under ``data_dir`` with the plan; (plan id, store, what was moved)."""
    session = PlanningSession(load_default())
    plan = session.propose(name="2026年网格方案（送审稿）").plan
    store = PlanStore(Path(data_dir) / "plans.sqlite")
    plan_id = store.create(plan.name, "default", plan_to_dict(plan), author="王规划")
    units, to_grid, from_grid = moved_units(session, plan)
    edited, _ = assign(session.world, plan, units, to_grid)
    v2 = store.save(plan_id, plan_to_dict(edited), expected_version=1, author="李科长", action="assign",
                    detail={"grid": to_grid, "units": units})
    noted = edited.with_note("2026-12-01 李科长：边界按街道调整")
    v3 = store.save(plan_id, plan_to_dict(noted), expected_version=v2, author="李科长", action="note", detail={"n": 9})
    locked = noted.lock(units)
    store.save(plan_id, plan_to_dict(locked), expected_version=v3, author="王规划", action="lock", detail={"units": units})
    return plan_id, store, {"units": units, "from": from_grid, "to": to_grid}


if __name__ == "__main__":
    import sys

    print(make_store(Path(sys.argv[1]))[0])
