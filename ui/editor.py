"""The workspace's session: the plan being edited, the selection, saving every edit, and the
planner's edits as callbacks (``Actions``).

The session keeps a working copy of the plan at the version it last saw. Every edit is saved at
once on top of that version (``PlanStore.save``), so a refresh, a restart or a crash loses
nothing; when someone else saved in between, the save is refused, nothing is overwritten, and the
page offers to load their version. Undo and redo restore earlier versions as new ones
(``geodata.plans.undo_redo``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import streamlit as st

from geodata.accounts import AccessDenied
from geodata.plans import PlanConflictError, PlanNotFoundError, PlanStorageError, PlanStore, undo_redo
from geodata.select import unit_at, units_within
from planning import edits
from planning.errors import EditError, InfeasiblePlanError, PlanningError
from planning.labels import Labels
from planning.plan import Plan, plan_from_dict, plan_to_dict
from planning.session import PlanningSession
from ui import repair, state, workmap
from ui.i18n import LANGS, plain, t, tp

KEY = "ws_working"
STORAGE = (PlanStorageError, sqlite3.Error, OSError)  # reads and writes of the plan store that failed
SELECTION = "ws_selection"
CONFLICT = "ws_conflict"
NOTICES = "ws_notices"
LAST_GRID = "ws_last_grid"  # the grid of the unit last clicked (or zoomed to): 涂色's first choice
OFFER = "ws_unlock_offer"  # after a re-proposal the locks held back: the scope and the units to unlock
NOTICE_HEIGHT = 210  # px: the notices' box in the tool column; it never grows, so nothing below it moves


@dataclass(frozen=True)
class Working:
    plan_id: str
    version: int
    plan: Plan


def open_plan(store: PlanStore, plan_id: str, *, reload: bool = False) -> Working:
    """The session's copy of the plan, loaded at its latest version when new or on ``reload``."""
    ss = st.session_state
    working = ss.get(KEY)
    if reload or working is None or working.plan_id != plan_id:
        version, payload = store.load(plan_id)
        working = Working(plan_id, version, plan_from_dict(payload))
        ss[KEY] = working
        ss[CONFLICT] = None
        if not reload:
            ss[SELECTION] = set()
    return working


def commit(store: PlanStore, plan: Plan, action: str, detail: dict | None, author: str) -> bool:
    """Save ``plan`` as the next version; False (and the conflict noted) when someone was first or
    deleted the plan. An edit that changes nothing saves nothing (undo then undoes a real edit)."""
    ss = st.session_state
    working: Working = ss[KEY]
    payload = plan_to_dict(plan)
    if payload == plan_to_dict(working.plan):
        say("info", "no_change")
        return True
    try:
        version = store.save(working.plan_id, payload, expected_version=working.version,
                             author=author, action=action, detail=detail)
    except PlanConflictError as exc:
        ss[CONFLICT] = exc.current
        return False
    except (PlanStorageError, AccessDenied) as exc:
        notify("error", plain(exc.messages["zh"]), plain(exc.messages["en"]))
        return False
    except PlanNotFoundError:
        say("error", "plan_deleted_elsewhere")
        ss.pop(KEY, None)
        ss["state_plan"] = ""
        return False
    ss[KEY] = Working(working.plan_id, version, plan)
    return True


def steps(store: PlanStore, plan_id: str) -> tuple[int | None, int | None]:
    """The versions an undo and a redo would go back to (None: nothing to undo / redo, or the
    log cannot be read: the page says so where it shows the log)."""
    try:
        return undo_redo(store.history(plan_id))
    except STORAGE:
        return None, None


def restore(store: PlanStore, version: int, action: str, author: str) -> bool:
    """Undo or redo: the content of ``version`` saved as the next version."""
    try:
        _, payload = store.load(st.session_state[KEY].plan_id, version)
    except PlanNotFoundError:
        say("error", "plan_deleted_elsewhere")
        return False
    except STORAGE as exc:
        messages = getattr(exc, "messages", None) or {lang: str(exc) for lang in LANGS}
        notify("error", plain(messages["zh"]), plain(messages["en"]))
        return False
    return commit(store, plan_from_dict(payload), action, {"restores": version}, author)


def selection() -> set[str]:
    return set(st.session_state.get(SELECTION, set()))


def select(units: set[str]) -> None:
    st.session_state[SELECTION] = set(units)


def notify(kind: str, zh: str, en: str) -> None:
    """A message for the next rendering of the page (``kind``: success, info, warning, error),
    shown as markdown: data in it must already be escaped (``say`` does that)."""
    st.session_state.setdefault(NOTICES, []).append((kind, {"zh": zh, "en": en}))


def say(kind: str, key: str, **params: object) -> None:
    """A message from the catalogue (``texts.ui``), in both languages, for the next rendering;
    its parameters (names, codes, file names, errors) are shown literally (``ui.i18n.tp``)."""
    notify(kind, *(tp(key, lang, **params) for lang in LANGS))


def refuse(exc: PlanningError) -> None:
    """An edit or a proposal the engine refused, with the rules that cannot all hold."""
    messages = getattr(exc, "messages", None) or {lang: str(exc) for lang in LANGS}
    if isinstance(exc, InfeasiblePlanError):
        messages = {lang: tp("infeasible_rules", lang, rules=exc.rules, why=messages[lang]) for lang in LANGS}
    else:
        messages = {lang: plain(messages[lang]) for lang in LANGS}
    notify("error", messages["zh"], messages["en"])


def notices() -> list[tuple[str, dict[str, str]]]:
    """The messages of the last action; they stay on screen until the next one (a rerun that the
    map triggers by itself does not wipe a warning the planner has not read)."""
    return list(st.session_state.get(NOTICES, []))


def begin() -> None:
    """A new action starts: the previous action's messages (and its offer to unlock) go, so a
    notice is always about the last thing the planner did."""
    st.session_state[NOTICES] = []
    st.session_state[OFFER] = None


def reload(store: PlanStore, plan_id: str) -> None:
    """Load the latest version after a refused save (the conflict notice's button)."""
    begin()
    open_plan(store, plan_id, reload=True)


def show(store: PlanStore, plan_id: str, lang: str, *, unlock=None) -> None:
    """The last action's messages, a refused save and the offer to unlock what blocks a repair
    (``unlock(scope, units)``, a callback), always in the same place: the workspace draws them in
    a box of fixed height beside the map (``NOTICE_HEIGHT``), so a notice never moves the map."""
    offer = st.session_state.get(OFFER)
    if offer and unlock is not None:  # first, so the box never hides it below its fold; the why follows
        st.button(t("unlock_and_repropose", lang, n=len(offer["units"])), type="primary", key="ws_unlock_offer_button",
                  help=t("unlock_and_repropose_help", lang), on_click=unlock, args=(offer["scope"], offer["units"]),
                  width="stretch")
    for kind, text in notices():
        getattr(st, kind)(text[lang])
    if st.session_state.get(CONFLICT):
        st.error(tp("conflict", lang, version=st.session_state[CONFLICT]))
        st.button(t("reload_plan", lang), type="primary", on_click=reload, args=(store, plan_id))


def lead_units(world, plan: Plan, codes: list[str], target: str | None) -> dict[str, tuple[str, str]]:
    """Those of ``codes`` that hold the lead hospital of a grid other than ``target`` (None: a new
    grid), as unit -> (that grid, its lead): moving them out would break G3."""
    unit_of = dict(zip(world.lead_codes.tolist(), world.lead_unit.tolist()))
    wanted, out = set(codes), {}
    for grid in plan.grids:
        j = unit_of.get(grid.lead_facility_code, -1)
        unit = str(world.unit_codes[j]) if j >= 0 else None
        if unit in wanted and grid.grid_id != target and plan.assignment.get(unit) == grid.grid_id:
            out[unit] = (grid.grid_id, grid.lead_facility_code)
    return out


@dataclass(frozen=True)
class Actions:
    """The planner's edits of the open plan, as widget callbacks (they run before the page is
    drawn, so the page shows the plan after its edit); each is saved at once and refusals are
    said (``notices``)."""

    store: PlanStore
    session: PlanningSession
    author: str

    def plan(self) -> Plan:
        return open_plan(self.store, state.plan_id()).plan

    def save(self, plan: Plan, action: str, detail: dict | None = None) -> bool:
        """Save an edit; a refused save (someone else was first) shows at the top of the page."""
        return commit(self.store, plan, action, detail, self.author)

    def edit(self, plan: Plan, action: str, detail: dict | None = None) -> bool:
        """A new action that saves ``plan`` (a table or note form): the last action's notices go."""
        begin()
        return self.save(plan, action, detail)

    def assign(self, codes: list[str], target: str, lock: bool) -> None:
        """Units into grid ``target``, or into a new grid (``new:<hospital>``) led by a free hospital.
        A unit holding another grid's lead stays where it is (G3), said before anything is saved."""
        begin()
        world, fresh = self.session.world, target.startswith("new:")
        held = lead_units(world, self.plan(), codes, None if fresh else target)
        names = Labels(world)  # names before codes (planning.labels)
        for unit, (other, lead) in held.items():
            say("warning", "lead_unit_kept", unit=names.unit(unit), grid=names.grid(other), lead=names.facility(lead))
        codes = [c for c in codes if c not in held]
        if not codes:
            return None
        try:
            if fresh:
                edited, grid, refused = edits.new_grid(world, self.plan(), codes, target[4:], lock=lock)
            else:
                (edited, refused), grid = edits.assign(world, self.plan(), codes, target, lock=lock), target
        except EditError as exc:
            return refuse(exc)
        if refused:
            say("warning", "refused_units", n=len(refused), grid=names.grid(grid))
        moved = [c for c in codes if c not in refused]
        # a move that changes nothing (the units are there already) is answered by save(): 没有变化
        if moved and self.save(edited, "new_grid" if fresh else "assign",
                               {"grid": grid, "units": moved[:50], "n": len(moved), "lock": lock}):
            select(set())

    def assign_selection(self) -> None:
        """划入: the selection, target and lock flag as they are when the button is pressed (not as
        they were when it was drawn: a click right after changing the target must use the new one)."""
        codes = sorted(selection() & set(self.session.world.unit_codes.tolist()))
        target = st.session_state.get("ws_target")
        if codes and target:
            return self.assign(codes, str(target), bool(st.session_state.get("ws_lock_on_assign", True)))
        begin()  # never silently nothing
        say("warning", "nothing_assigned")

    def lock(self, lock: bool) -> None:
        """Lock (or unlock) the selected units."""
        begin()
        plan, chosen = self.plan(), sorted(selection())
        self.save(plan.lock(chosen) if lock else plan.unlock(chosen), "lock" if lock else "unlock",
                  {"units": chosen[:50], "n": len(chosen)})

    def lock_grids(self, grids: list[str]) -> None:
        """Lock every unit of ``grids``."""
        begin()
        self.save(edits.lock_grids(self.plan(), grids), "lock", {"grids": grids})

    def change_lead(self, grid: str, lead: str) -> None:
        """Another hospital leads ``grid``; its district is proposed again around it."""
        self._solve(lambda: edits.change_lead(self.session.world, self.plan(), self.session.solver, grid, lead),
                    "lead", {"grid": grid, "lead": lead})

    def repropose(self, scope: str) -> None:
        """Everything not locked proposed again, in one district or (``all``) everywhere. When
        locked units break a rule the re-proposal may not move them: said by name, with the offer
        to unlock just them and re-propose (``unlock_repropose``)."""
        begin()
        self._repropose(self.plan(), scope, {"scope": scope}, unlocked=False)

    def unlock_repropose(self, scope: str, units: list[str]) -> None:
        """Unlock ``units`` (those that break a rule) and re-propose, saved as one version."""
        begin()
        self._repropose(self.plan().unlock(units), scope, {"scope": scope, "units": units[:50], "n": len(units)},
                        unlocked=True)

    def _repropose(self, start: Plan, scope: str, detail: dict, *, unlocked: bool) -> None:
        session, before = self.session, self.plan()
        try:
            edited = edits.repropose(session.world, start, session.solver, None if scope == "all" else [scope])
        except PlanningError as exc:
            return refuse(exc)
        changed = plan_to_dict(edited) != plan_to_dict(before)
        if changed and not self.save(edited, "unlock_repropose" if unlocked else "repropose", detail):
            return None
        blocking = repair.blocking_locks(session, edited, scope)
        if blocking:
            said = repair.blocked_messages(session, edited, blocking, changed)
            notify("warning", said["zh"], said["en"])
            st.session_state[OFFER] = {"scope": scope, "units": blocking}
        elif not changed:
            say("info", "repropose_unchanged")

    def _solve(self, edit, action: str, detail: dict) -> None:
        begin()
        try:
            self.save(edit(), action, detail)
        except PlanningError as exc:
            refuse(exc)

    def move_lead(self, grid: str, lon: float, lat: float, *, quiet: bool = False) -> bool:
        """The lead of ``grid`` moved to the hospital nearest where the planner dropped or clicked
        (within 1 km); False (and, unless ``quiet``, a notice) when none is there."""
        plan, world = self.plan(), self.session.world
        lead = edits.lead_near(world, plan, grid, *world.metres(lon, lat))
        if lead is None:
            if not quiet and grid in plan.grid_by_id:
                say("warning", "drop_on_candidate", grid=grid)
            return False
        if lead != plan.grid_by_id[grid].lead_facility_code:
            self.change_lead(grid, lead)
        return True

    def restore(self, which: int) -> None:
        """Undo (0) or redo (1), from the log as it is now."""
        begin()
        target = steps(self.store, state.plan_id())[which]
        if target is not None and restore(self.store, target, ("undo", "redo")[which], self.author):
            select(set())

    def map_event(self, event: dict, units) -> None:
        """The map's last click, lead drop or drawing (``workmap.events``), applied once, as the
        edit mode (``ws_mode``) says: select, paint into a grid, or pick a grid and move its lead."""
        happened, ss = workmap.events(event), st.session_state
        mode = ss.get("ws_mode", "select")
        if happened.click:
            begin()
            code = unit_at(units, *happened.click)
            if code and mode != "paint" and self.plan().assignment.get(code):
                ss[LAST_GRID] = self.plan().assignment[code]  # what 涂色 offers first
            if mode == "select" and code:
                select(selection() ^ {code})
            elif mode == "paint" and code and ss.get("ws_paint"):
                self.assign([code], ss["ws_paint"], bool(ss.get("ws_lock_on_assign", True)))
            elif mode == "lead":
                chosen = ss.get("ws_lead_grid")
                if chosen in self.plan().grid_by_id and self.move_lead(chosen, *happened.click, quiet=True):
                    ss["ws_lead_grid"] = None
                elif code:
                    ss["ws_lead_grid"] = self.plan().assignment.get(code)
        if happened.drop:
            begin()
            self.move_lead(*happened.drop)
        if happened.shape:
            begin()
            inside = set(units_within(units, happened.shape))
            if mode == "paint" and ss.get("ws_paint"):  # a brush: every unit inside, in one version
                if not inside:
                    return say("info", "paint_nothing_inside")
                self.assign(sorted(inside), ss["ws_paint"], bool(ss.get("ws_lock_on_assign", True)))
            else:
                select(selection() | inside)
