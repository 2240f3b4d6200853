"""A plan's edit log and decision notes, the same in the workspace and the review.

The log names places by their names first and their codes second (``planning.labels``: 青浦镇01
（310118001）, 青浦区 第2网格（310118-G02）). Where the plan is being edited (the workspace passes
``editing_as``), the log is a list to click: a click on a version's row offers to return to that
version, which saves its content as a new version (``ui.editor.restore``): every later version is
kept, and the page says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from geodata.plans import PlanStorageError, PlanStore
from planning.labels import Labels, shown
from planning.plan import Plan
from planning.world import World
from ui import editor
from ui.i18n import detail, local_time, plain, t, tp

ROW_HEIGHT = 35  # px, Streamlit's own, set: a row is found where it is drawn
RETURN = "revert"  # the log's action for a return to an earlier version (an edit: undo takes it back)


def labeller(world: World, lang: str) -> Callable[[str], str]:
    """A code (unit, grid, hospital, district) -> its name and code in ``lang``, for ``detail``."""
    names = Labels(world)
    return lambda code: shown(names.any(code), lang)


def log_frame(entries: list[dict], lang: str, label: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The log as a table, newest first: version, editor, time (Beijing), action and what it
    changed, in the reader's words, codes by name (``label``)."""
    frame = pd.DataFrame(entries).iloc[::-1].reset_index(drop=True)
    frame["action"] = [t(f"action_{a}", lang) for a in frame["action"]]
    frame["detail"] = [detail(d, lang, label=label) for d in frame["detail"]]
    frame["author"] = [a or t("anonymous", lang) for a in frame["author"]]
    frame["at"] = [local_time(a) for a in frame["at"]]
    names = {c: t(key, lang) for c, key in (("version", "version"), ("author", "editor_name"), ("at", "time"),
                                             ("action", "action"), ("detail", "detail"))}
    return frame[list(names)].rename(columns=names)


def log(store: PlanStore, plan_id: str, lang: str, *, upto: int | None = None, world: World | None = None,
        editing_as: str | None = None) -> None:
    """Every saved version (up to ``upto``), newest first (``log_frame``); codes named from
    ``world`` (by default the current package's, ``ui.state.session``). With ``editing_as`` (the
    editor's name; the workspace), a click on a row offers to return to that version."""
    try:
        entries = [e for e in store.history(plan_id) if upto is None or e["version"] <= upto]
    except (PlanStorageError, sqlite3.Error, OSError) as exc:  # the log cannot be read: say why, show the rest
        messages = getattr(exc, "messages", None)
        st.error(t("plans_unreadable", lang, why=plain(messages[lang] if isinstance(messages, dict) else exc)))
        return
    if not entries:
        return
    if world is None:
        from ui import state

        world = state.session().world
    frame = log_frame(entries, lang, labeller(world, lang))
    if editing_as is None:
        st.dataframe(frame, hide_index=True, width="stretch")
        return
    latest = max(e["version"] for e in entries)
    st.caption(t("history_click", lang))
    # a click on any cell picks its row (cell selection: no checkbox column); a new version: a new list
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-cell",
                          row_height=ROW_HEIGHT, key=f"editlog_{plan_id}_{latest}")
    cells = picked.selection.cells if picked is not None else []
    if cells:
        offer_return(store, int(frame.iloc[cells[0][0], 0]), latest, lang, editing_as)


def offer_return(store: PlanStore, version: int, latest: int, lang: str, author: str) -> None:
    """What returning to ``version`` does (saved as version ``latest + 1``, the later ones kept),
    and the button that does it; the current version needs no return."""
    if version >= latest:
        st.info(t("history_current", lang, version=version))
        return
    st.caption(tp("history_return_note", lang, version=version, new=latest + 1, later=latest - version))
    st.button(t("history_return", lang, version=version), type="primary", key=f"editlog_return_{version}_{latest}",
              on_click=return_to, args=(store, version, author))


def return_to(store: PlanStore, version: int, author: str) -> None:
    """Save the content of ``version`` as the next version of the plan being edited (a callback:
    the page then draws the plan returned to), and say which version it became and that every
    later version is kept. A refused save (someone saved first) shows as every refused save does."""
    editor.begin()
    before = st.session_state[editor.KEY].version
    if editor.restore(store, version, RETURN, author):
        after = st.session_state[editor.KEY].version
        if after > before:
            editor.say("success", "history_returned", version=version, new=after, later=before - version)
        editor.select(set())


def notes(plan: Plan, lang: str) -> None:
    """The plan's decision notes (why it is as it is), as plain text."""
    st.markdown(f"**{t('decision_notes', lang)}**")
    for note in plan.notes:
        st.text(note)


def note_form(key: str, lang: str, author: str, add: Callable[[str, str], None]) -> None:
    """A form for a new decision note; ``add`` receives it signed with the time and the editor,
    and as typed."""
    with st.form(key, clear_on_submit=True):
        note = st.text_area(t("note_prompt", lang), max_chars=2000, key=f"{key}_text")
        if st.form_submit_button(t("add_note", lang)) and note.strip():
            stamp = local_time(datetime.now(timezone.utc).isoformat(timespec="seconds"))
            add(f"{stamp} {author or t('anonymous', lang)}：{note.strip()}", note.strip())
            st.rerun()
