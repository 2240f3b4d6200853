"""The workspace's session: the plan being edited, the selection, and saving every edit.

The session keeps a working copy of the plan at the version it last saw. Every edit is saved at
once on top of that version (``PlanStore.save``), so a refresh, a restart or a crash loses
nothing; when someone else saved in between, the save is refused, nothing is overwritten, and the
page offers to load their version. Undo and redo restore earlier versions as new ones
(``geodata.plans.undo_redo``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geodata.accounts import AccessDenied
from geodata.plans import PlanConflictError, PlanNotFoundError, PlanStorageError, PlanStore, undo_redo
from planning.plan import Plan, plan_from_dict, plan_to_dict

KEY = "ws_working"
SELECTION = "ws_selection"
CONFLICT = "ws_conflict"
NOTICES = "ws_notices"


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
        notify("info", "没有变化，未保存新版本", "Nothing changed; no new version saved")
        return True
    try:
        version = store.save(working.plan_id, payload, expected_version=working.version,
                             author=author, action=action, detail=detail)
    except PlanConflictError as exc:
        ss[CONFLICT] = exc.current
        return False
    except (PlanStorageError, AccessDenied) as exc:
        notify("error", exc.messages["zh"], exc.messages["en"])
        return False
    except PlanNotFoundError:
        notify("error", "该方案已被他人删除，修改未保存；请选择其他方案或新建方案",
               "This plan was deleted by someone else; the edit was not saved. Choose another plan or create one.")
        ss.pop(KEY, None)
        ss["state_plan"] = ""
        return False
    ss[KEY] = Working(working.plan_id, version, plan)
    return True


def steps(store: PlanStore, plan_id: str) -> tuple[int | None, int | None]:
    """The versions an undo and a redo would go back to (None: nothing to undo / redo)."""
    return undo_redo(store.history(plan_id))


def restore(store: PlanStore, version: int, action: str, author: str) -> bool:
    """Undo or redo: the content of ``version`` saved as the next version."""
    _, payload = store.load(st.session_state[KEY].plan_id, version)
    return commit(store, plan_from_dict(payload), action, {"restores": version}, author)


def selection() -> set[str]:
    return set(st.session_state.get(SELECTION, set()))


def select(units: set[str]) -> None:
    st.session_state[SELECTION] = set(units)


def notify(kind: str, zh: str, en: str) -> None:
    """A message for the next rendering of the page (``kind``: success, info, warning, error)."""
    st.session_state.setdefault(NOTICES, []).append((kind, {"zh": zh, "en": en}))


def notices() -> list[tuple[str, dict[str, str]]]:
    """The messages of the last action; they stay on screen until the next one (a rerun that the
    map triggers by itself does not wipe a warning the planner has not read)."""
    return list(st.session_state.get(NOTICES, []))


def begin() -> None:
    """A new action starts: the previous action's messages go."""
    st.session_state[NOTICES] = []
