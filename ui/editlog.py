"""A plan's edit log and decision notes, the same in the workspace and the review."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from geodata.plans import PlanStorageError, PlanStore
from planning.plan import Plan
from ui.i18n import detail, local_time, plain, t


def log(store: PlanStore, plan_id: str, lang: str, *, upto: int | None = None) -> None:
    """Every saved version (up to ``upto``), newest first: version, editor, time (Beijing), action
    and what it changed."""
    try:
        entries = [e for e in store.history(plan_id) if upto is None or e["version"] <= upto]
    except (PlanStorageError, sqlite3.Error, OSError) as exc:  # the log cannot be read: say why, show the rest
        messages = getattr(exc, "messages", None)
        st.error(t("plans_unreadable", lang, why=plain(messages[lang] if isinstance(messages, dict) else exc)))
        return
    if not entries:
        return
    frame = pd.DataFrame(entries)
    frame["action"] = [t(f"action_{a}", lang) for a in frame["action"]]
    frame["detail"] = [detail(d, lang) for d in frame["detail"]]
    frame["author"] = [a or t("anonymous", lang) for a in frame["author"]]
    frame["at"] = [local_time(a) for a in frame["at"]]
    names = {c: t(key, lang) for c, key in (("version", "version"), ("author", "editor_name"), ("at", "time"),
                                             ("action", "action"), ("detail", "detail"))}
    st.dataframe(frame.iloc[::-1].rename(columns=names), hide_index=True, width="stretch")


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
