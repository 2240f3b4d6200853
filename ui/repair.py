"""Why re-proposing did not mend a plan: the locked units that break a grid rule.

Every unit a planner assigns is locked by default (划入后锁定), and re-proposing never moves a
locked unit, so a unit painted into the wrong grid keeps breaking its rule however often the plan
is re-proposed. ``blocking_locks`` finds those units; the workspace names them (names first) and
offers to unlock just them and re-propose in one click."""

from __future__ import annotations

from planning.plan import Plan
from planning.session import PlanningSession
from ui.i18n import LANGS, t, tp

SHOWN = 6  # units named in the notice; the rest are counted


def blocking_locks(session: PlanningSession, plan: Plan, scope: str = "all") -> list[str]:
    """The locked units (sorted) of every grid-rule error of ``plan``, in district ``scope``
    (``all``: everywhere): what a re-proposal may not move and so cannot repair."""
    world = session.world
    district = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
    verdict = session.judge(plan).only("G")
    found = {u for v in verdict.errors for u in session.units_at(plan, v.place)}
    return sorted(u for u in found & set(plan.locked) if scope == "all" or district.get(u) == scope)


def unit_list(session: PlanningSession, plan: Plan, units: list[str], lang: str) -> str:
    """The units as the planner reads them, names first: 青浦镇01（310118001，网格 310118-G03）、…
    (escaped: ready for a notice)."""
    world = session.world
    name = dict(zip(world.unit_codes.tolist(), world.unit_names.tolist()))
    shown = [tp("locked_unit_in_grid", lang, unit=name.get(u) or u, unit_code=u, grid=plan.assignment.get(u, "—"))
             for u in units[:SHOWN]]
    if len(units) > SHOWN:
        shown.append(tp("and_more_units", lang, n=len(units) - SHOWN))
    return ("、" if lang == "zh" else ", ").join(shown)


def blocked_messages(session: PlanningSession, plan: Plan, units: list[str], changed: bool) -> dict[str, str]:
    """The notice, in both languages (escaped: the unit names are data): the locks prevent the
    repair (``changed``: the re-proposal moved other units, these it could not)."""
    key = "locks_block_rest" if changed else "locks_block_repair"
    return {lang: t(key, lang, units=unit_list(session, plan, units, lang)) for lang in LANGS}
