"""Which plan 网格方案 and 医院结对 show: the plan open in the session (opened in the workspace or
the review, or named by a ``?plan=`` link: ``ui.state.plan_id``), its latest version from the
plan store (``ui.access.plan_store``); the engine's proposal only when no plan of the current data
is open, or when the planner asks to see it instead. The page says which one it shows."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import streamlit as st

from geodata.plans import PlanNotFoundError, PlanStorageError
from planning.plan import Plan, PlanProblem
from planning.session import PlanningSession
from ui import access, planbar, state
from ui.i18n import sendable, t, tp

PLAN, PROPOSAL = "plan", "proposal"
STORAGE = (PlanStorageError, sqlite3.Error, OSError)


@dataclass(frozen=True)
class OpenPlan:
    """The open plan's latest version: checked against the data (``plan``), or not usable
    (``plan`` None and its ``problems``)."""

    plan_id: str
    name: str
    version: int
    plan: Plan | None
    problems: tuple[PlanProblem, ...] = ()


@dataclass(frozen=True)
class Stored:
    """The open plan where a page takes a proposal (``GridProposal``): its plan, and no solver's
    quality to report (the planner made it)."""

    plan: Plan
    quality: dict = field(default_factory=dict)


def find(plans: list[dict], plan_id: str) -> dict | None:
    """The plan ``plan_id`` among ``plans`` (as ``PlanStore.plans`` lists the current data's), or
    None: no plan open, or one of other data, or deleted."""
    return next((p for p in plans if p["plan_id"] == plan_id), None) if plan_id else None


def load(store, session: PlanningSession, info: dict) -> OpenPlan:
    """``info``'s latest version from ``store``, checked in full against the session's data."""
    version, payload = store.load(info["plan_id"])
    plan, problems = planbar.checked(session, payload)
    return OpenPlan(info["plan_id"], str(info["name"]), int(version), plan, tuple(problems))


def current(session: PlanningSession, package_id: str, lang: str) -> OpenPlan | None:
    """The session's open plan of this data (None: none is open). A store that cannot be read is
    said, and the page goes on with the proposal."""
    plan_id = state.plan_id()
    if not plan_id:
        return None
    try:
        info = find(access.plan_store().plans(package_id), plan_id)
        return load(access.plan_store(), session, info) if info is not None else None
    except PlanNotFoundError:
        return None
    except STORAGE as exc:
        st.warning(t("plans_unreadable", lang, why=planbar.storage_message(exc, lang)))
        return None


def shown(opened: OpenPlan | None, wanted: str) -> str:
    """What the page shows: the open plan when one is usable and the planner has not asked for the
    proposal (``wanted``), else the proposal."""
    return PLAN if opened is not None and opened.plan is not None and wanted != PROPOSAL else PROPOSAL


def choose(opened: OpenPlan | None, lang: str, *, key: str) -> str:
    """The line above the page: which plan it shows (the plan's name and version) and, when a plan
    is open, a switch to see the engine's proposal instead. Returns ``PLAN`` or ``PROPOSAL``."""
    if opened is None:
        st.caption(t("op_showing_proposal_none", lang))
        return PROPOSAL
    if opened.plan is None:
        st.warning(tp("op_unusable", lang, name=opened.name, version=opened.version, n=len(opened.problems)) + "\n\n"
                   + planbar.problem_list(list(opened.problems), lang))
        return PROPOSAL
    text_col, switch_col = st.columns([3, 1], vertical_alignment="center")
    wanted = switch_col.segmented_control(
        t("op_view", lang), [PLAN, PROPOSAL], default=PLAN, key=f"{key}-{opened.plan_id}",
        format_func=lambda v: sendable(t(f"op_view_{v}", lang)), label_visibility="collapsed") or PLAN
    which = shown(opened, wanted)
    message = tp("op_showing_plan" if which == PLAN else "op_showing_proposal", lang, name=opened.name,
                 version=opened.version)
    if which == PLAN:
        text_col.info(message, icon=":material/description:")
    else:
        text_col.warning(message, icon=":material/lightbulb:")
    return which
