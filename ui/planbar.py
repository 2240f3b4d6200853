"""The plan bar of the workspace and the review: which plan is open and who is editing it, and the
plans' management under 方案管理 (a new plan from the proposal, an imported layout, rename, save as
a copy, delete). The session's plan (from the URL, a page or an edit) is the truth; the picker
follows it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import streamlit as st

from geodata.accounts import can
from geodata.export import plan_payload_from_layout
from geodata.plans import PlanStorageError, PlanStore
from planning.errors import InfeasiblePlanError
from planning.plan import (Plan, PlanProblem, clean_name, layout_problems, plan_from_dict, plan_problems, plan_to_dict,
                           shown, text_problem)
from planning.session import PlanningSession
from ui import access, editor, layout_errors, state
from ui.i18n import LANGS, local_time, plain, sendable, t, tp

NAME_MAX = 60  # what the name fields take


def label(info: dict) -> str:
    """A plan as the picker names it: name, latest version, last change (Beijing time), short id."""
    return sendable(f"{info['name']} · v{info['version']} · {local_time(info['updated'])} · {info['plan_id'][:6]}")


def storage_message(exc: Exception, lang: str) -> str:
    """A storage failure's message in ``lang`` (its cause: a damaged file, a full disk), escaped."""
    messages = getattr(exc, "messages", None)
    return plain(messages[lang] if isinstance(messages, dict) and lang in messages else str(exc))


def plan_list(store: PlanStore, package_id: str | None, lang: str) -> list[dict]:
    """The plans of the data, as ``PlanStore.plans`` lists them; when the store cannot be read (a
    damaged file, a full disk), the page says why and stops."""
    try:
        return store.plans(package_id)
    except (PlanStorageError, sqlite3.Error, OSError) as exc:
        st.error(t("plans_unreadable", lang, why=storage_message(exc, lang)))
        st.stop()


def known(session: PlanningSession) -> dict:
    """The codes of the session's data a plan may name (``planning.plan.plan_problems``)."""
    world = session.world
    return {"units": world.unit_codes.astype(str).tolist(), "districts": [str(d) for d in world.districts],
            "leads": world.lead_codes.astype(str).tolist(), "hospitals": [h.code for h in session.problem.hospitals]}


def checked(session: PlanningSession, payload: object, *, complete: bool = False) -> tuple[Plan | None, list[PlanProblem]]:
    """A stored or imported plan, checked in full against the session's data: (the plan, []) or
    (None, every problem). ``complete`` (an import): every unit of the data placed, no empty grid;
    a stored plan may leave units out (rule G1 says so)."""
    problems = plan_problems(payload, complete=complete, **known(session))
    if problems:
        return None, problems
    try:
        return plan_from_dict(payload), []
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # plan_problems let it through: still no crash
        return None, [PlanProblem("plan", "", "unreadable", {"why": f"{type(exc).__name__}: {exc}"[:200]})]


def problem_list(problems: list[PlanProblem], lang: str) -> str:
    """Problems as a markdown list, every value shown literally."""
    return "\n".join(f"- {plain(p.message(lang))}" for p in problems)


def say_problems(kind: str, key: str, problems: list[PlanProblem], **params: object) -> None:
    """A message from the catalogue with the problems listed under it, for the next rendering."""
    editor.notify(kind, *(tp(key, lang, n=len(problems), **params) + "\n\n" + problem_list(problems, lang)
                          for lang in LANGS))


def picker(plans: list[dict], lang: str, *, key: str, where=st) -> str:
    """The plan picker (``plans`` as ``PlanStore.plans`` lists them, the session's plan among them);
    picking another opens it."""
    by_id = {p["plan_id"]: p for p in plans}
    st.session_state[key] = state.plan_id()
    return where.selectbox(t("plan", lang), list(by_id), key=key, format_func=lambda i: label(by_id[i]),
                           on_change=lambda: state.set_plan(st.session_state[key]))


def editor_name(lang: str, author: str, *, where=st) -> None:
    """Who edits: typed when access control is off; the signed-in account's name otherwise."""
    if access.current().via != "off":
        where.text_input(t("editor_name", lang), value=author, disabled=True)
        return
    user = where.text_input(t("editor_name", lang), value=state.user(), max_chars=40, placeholder=t("anonymous", lang))
    if user.strip() != state.user():
        state.set_user(user)


def create(session: PlanningSession, store: PlanStore, package_id: str, name: str, author: str) -> None:
    """A new plan from the proposal (grids and pairings), saved and opened; its name without
    control characters (``planning.plan.clean_name``)."""
    editor.begin()  # a new action: the previous one's notices go
    name = clean_name(name, NAME_MAX) or t("new_plan_name", state.lang())
    try:
        plan = session.propose(name=name).plan
    except InfeasiblePlanError as exc:
        editor.refuse(exc)
        return
    state.set_plan(store.create(name, package_id, plan_to_dict(plan), author=author))


def layout_plan(session: PlanningSession, data: bytes) -> tuple[Plan | None, list[PlanProblem]]:
    """The plan in an exported layout GeoJSON (``geodata.filing``), checked in full: its shape,
    ids, codes, locks, names and pairings, and that it places exactly the units of the current
    data; (the plan, []) or (None, every problem found). Never raises on what the file holds."""
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested beyond reading
        return None, [PlanProblem("file", "", "unreadable", {"why": layout_errors.unreadable(exc)})]  # in words, not Python's
    problems = layout_problems(collection)
    if problems:
        return None, problems
    try:
        payload = plan_payload_from_layout(collection)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:  # layout_problems let it through
        return None, [PlanProblem("layout", "", "unreadable", {"why": f"{type(exc).__name__}: {exc}"[:200]})]
    return checked(session, payload, complete=True)


def import_layout(session: PlanningSession, store: PlanStore, package_id: str, data: bytes, filename: str,
                  author: str) -> None:
    """A plan from an exported layout GeoJSON: every problem is listed and nothing is stored,
    or it is stored as a new plan and opened; the rules then judge its leads and pairings."""
    editor.begin()  # a new action: the previous one's notices go
    plan, problems = layout_plan(session, data)
    if plan is None:
        say_problems("error", "import_refused", problems, name=filename)
        return
    name = plan.name.strip() or clean_name(Path(filename).stem, NAME_MAX) or t("new_plan_name", state.lang())
    state.set_plan(store.create(name, package_id, plan_to_dict(plan), author=author))
    editor.say("success", "imported_plan", name=name)


def manage(session: PlanningSession, store: PlanStore, package_id: str, plans: list[dict], lang: str, author: str) -> None:
    """方案管理: new from the proposal, import, and for the open plan rename, save as a copy and
    delete (administrators only; they can restore it)."""
    new_name = st.text_input(t("new_plan_label", lang), value=t("new_plan_name", lang), max_chars=60, key="ws_new_name")
    if st.button(t("new_plan", lang), width="stretch", key="ws_new_plan"):
        create(session, store, package_id, new_name.strip() or t("new_plan_name", lang), author)
        st.rerun()
    upload = st.file_uploader(t("import_plan", lang), type=["geojson", "json"], key="ws_import")
    if upload is not None and st.button(t("import_plan_button", lang), width="stretch"):
        import_layout(session, store, package_id, upload.getvalue(), upload.name, author)
        st.rerun()
    plan_id = state.plan_id()
    if not plans:
        return
    name = next(p["name"] for p in plans if p["plan_id"] == plan_id)
    renamed = st.text_input(t("rename", lang), value=name, max_chars=60, key=f"ws_rename_{plan_id}")
    c1, c2 = st.columns(2)
    if c1.button(t("rename", lang), width="stretch", disabled=renamed.strip() in ("", name)):
        refused = text_problem(renamed.strip(), most=NAME_MAX)
        if refused:
            editor.begin()
            say_problems("error", "rename_refused", [PlanProblem("name", shown(renamed.strip()), *refused)])
        else:
            store.rename(plan_id, renamed.strip(), author=author)
        st.rerun()
    if c2.button(t("save_as", lang), width="stretch"):
        state.set_plan(store.duplicate(plan_id, f"{name} {t('copy_suffix', lang)}", author=author))
        st.rerun()
    may_delete = can(access.role(), "manage")  # planners cannot delete; administrators can restore
    sure = st.checkbox(tp("confirm_delete", lang, name=name), key=f"ws_sure_{plan_id}", disabled=not may_delete)
    if not may_delete:
        st.caption(t("delete_admin_only", lang))
    if st.button(t("delete_plan", lang), type="primary", disabled=not (sure and may_delete), width="stretch"):
        store.delete(plan_id, author=author)
        editor.begin()
        editor.say("success", "deleted_plan", name=name)
        state.set_plan("")
        st.rerun()


def bar(session: PlanningSession, store: PlanStore, package_id: str, plans: list[dict], lang: str, author: str) -> None:
    """The workspace's bar: the plan picker, the editor's name and 方案管理."""
    cols = st.columns([4, 2, 2], vertical_alignment="bottom")
    if plans:
        picker(plans, lang, key="ws_plan_pick", where=cols[0])
    editor_name(lang, author, where=cols[1])
    with cols[2].popover(t("manage_plans", lang), width="stretch"):
        manage(session, store, package_id, plans, lang, author)


def first_plan(session: PlanningSession, store: PlanStore, package_id: str, lang: str, author: str) -> None:
    """No plan for this data yet: offer one from the proposal (and stop the page)."""
    st.info(t("no_plan", lang))
    name = st.text_input(t("plan_name", lang), value=t("new_plan_name", lang), max_chars=60, key="ws_first_name")
    if st.button(t("new_plan", lang), type="primary", key="ws_first_plan"):
        create(session, store, package_id, name.strip() or t("new_plan_name", lang), author)
        st.rerun()
    st.stop()
