"""The exports for filing (备案) of the version in review, in every format, with the changes
counted since an earlier version.

One click: the file is made as soon as a format is chosen (with a spinner; a failure says so
on the page), and the button downloads it, under a name a clerk can file
(``geodata.filing.file_name``). Filing a plan that breaks rules, or one built on the demo data,
takes an explicit confirmation, which the filed metadata records (``with_confirmation``)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from geodata.filing import KINDS, file_name, filing_concerns, with_confirmation
from ui import access, state
from ui.handout import write_export
from ui.i18n import t, tp
from ui.review.data import LOG, Review, Unusable, exported, unusable

CONFIRMED_KINDS = ("filing", "pdf")  # the documents that are filed: they carry the confirmation


def show(r: Review) -> None:
    lang, plan_id, version, plan_name = r.lang, r.plan_id, r.version, r.plan_name
    st.caption(t("export_intro", lang))
    if r.filters_active:
        st.caption(t("export.whole_plan", lang))
    since_options = [0, *range(version - 1, 0, -1)]
    since = st.selectbox(t("since_version", lang), since_options,
                         format_func=lambda v: t("first_filing", lang) if v == 0 else f"v{v}")
    kind = st.radio(t("export_format", lang), KINDS, horizontal=True, key="review_kind",
                    format_func=lambda k: t(f"format_{k}", lang))
    source = _source(r, since)
    name = file_name(plan_name, version, kind, lang)
    concerns = filing_concerns(source, demo=state.current()[0] == state.DEFAULT)
    confirmed = None
    if kind in CONFIRMED_KINDS and (concerns["rules"] or concerns["demo_data"]):
        if not _confirm(source, concerns, lang, key=f"review_confirm_{plan_id}_{version}"):
            st.download_button(tp("export.download", lang, name=name), b"", file_name=name, disabled=True, width="stretch")
            return
        confirmed = concerns
    data = _made(r, source, since, kind, name, confirmed)
    filed = (_record_filing, (r.store, plan_id, version, name)) if kind == "filing" else ("ignore", ())
    st.download_button(tp("export.download", lang, name=name), data, file_name=name, type="primary", width="stretch",
                       on_click=filed[0], args=filed[1] or None, key="review_download")


def _record_filing(store, plan_id: str, version: int, name: str) -> None:
    """A filing package downloaded: the plan's log says which version was filed, by whom (the
    review's "last filed version")."""
    store.record_filing(plan_id, version, author=access.author(), file_name=name)


def _source(r: Review, since: int):
    """The export of the version in review with its changes counted since ``since`` (0: none)."""
    if not since:
        return r.export
    try:
        return exported(state.cache_key(), r.plan_id, r.version, since, r.session, r.store)
    except Unusable as exc:
        unusable(r.plan_name, since, exc, r.lang)


def _confirm(source, concerns: dict, lang: str, *, key: str) -> bool:
    """The reasons not to file (each failing rule by name, the demo data) and the checkbox that
    files it anyway; True once ticked."""
    from geodata.report import failed_rule_names

    with st.container(border=True):
        st.markdown(f"**{t('export.confirm_title', lang)}**")
        if concerns["rules"]:
            names = failed_rule_names(source, lang)
            st.error(tp("export.confirm_rules", lang, n=len(names), rules=names))
        if concerns["demo_data"]:
            st.warning(t("export.confirm_demo", lang))
        ticked = st.checkbox(t("export.confirm_box", lang), key=key)
        if not ticked:
            st.caption(t("export.confirm_needed", lang))
    return ticked


def _made(r: Review, source, since: int, kind: str, name: str, confirmed: dict | None) -> bytes:
    """The file of what is chosen now, made once (kept for this session until the choice changes)."""
    choice = (r.plan_id, r.version, since, kind, r.lang, bool(confirmed))
    made = st.session_state.get("review_file")
    if made and made[0] == choice:
        return made[1]
    if confirmed:
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        source = with_confirmation(source, by=access.author(), at=at, concerns=confirmed)
    with st.spinner(tp("export.preparing", r.lang, name=name)):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                data = write_export(source, kind, Path(tmp) / name, r.lang).read_bytes()
        except Exception as exc:  # an export that fails says so, naming the plan; the page stays
            LOG.exception("export of plan %s v%s as %s failed", r.plan_id, r.version, kind)
            st.error(tp("export_failed", r.lang, name=r.plan_name, version=r.version,
                        why=f"{type(exc).__name__}: {exc}"))
            st.stop()
    st.session_state["review_file"] = (choice, data)
    return data
