"""The exports for filing (备案) of the version in review, in every format, with the changes
counted since an earlier version."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from geodata.filing import KINDS, SUFFIX
from ui import state
from ui.handout import write_export
from ui.i18n import t, tp
from ui.review.data import LOG, Review, Unusable, exported, unusable


def show(r: Review) -> None:
    lang, session, store, plan_id, version, plan_name = r.lang, r.session, r.store, r.plan_id, r.version, r.plan_name
    st.caption(t("export_intro", lang))
    since_options = [0, *range(version - 1, 0, -1)]
    since = st.selectbox(t("since_version", lang), since_options,
                         format_func=lambda v: t("first_filing", lang) if v == 0 else f"v{v}")
    kind = st.radio(t("export_format", lang), KINDS, horizontal=True, key="review_kind",
                    format_func=lambda k: t(f"format_{k}", lang))
    if st.button(t("make_export", lang), type="primary"):
        with st.spinner(t("loading", lang)):
            try:
                source = exported(state.cache_key(), plan_id, version, since or None, session, store)
                with tempfile.TemporaryDirectory() as tmp:
                    name = f"{plan_id}-v{version}{SUFFIX[kind]}"
                    st.session_state["review_file"] = ((plan_id, version, since, kind), name,
                                                       write_export(source, kind, Path(tmp) / name, lang).read_bytes())
            except Unusable as exc:
                unusable(plan_name, since or version, exc, lang)
            except Exception as exc:  # an export that fails says so, naming the plan; the page stays
                LOG.exception("export of plan %s v%s as %s failed", plan_id, version, kind)
                st.error(tp("export_failed", lang, name=plan_name, version=version, why=f"{type(exc).__name__}: {exc}"))
                st.stop()
    made = st.session_state.get("review_file")
    if made and made[0] == (plan_id, version, since, kind):  # only the file of what is chosen now
        _, name, data = made
        st.download_button(tp("download", lang, name=name), data, file_name=name, width="stretch")
