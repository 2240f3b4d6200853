"""The import page's pieces: the dataset's name, the list of imported datasets to switch between,
and the data-format help in the reader's language."""

from __future__ import annotations

import streamlit as st

from geodata.package import NAME_MAX, name_upload, upload_name, uploads
from ui import state
from ui.i18n import sendable, t, tp


def dataset_label(upload: dict, lang: str) -> str:
    """An imported dataset as the list names it: the name given on import, else its archive's
    name, else when it was uploaded and how many files it has."""
    if upload.get("name"):
        return str(upload["name"])
    if upload.get("archive"):
        return str(upload["archive"])
    return t("imp_unnamed", lang, saved=upload.get("saved", "?"), n=len(upload.get("files", [])))


def name_field(lang: str) -> str:
    """The dataset name typed before loading (cleaned when it is kept)."""
    return st.text_input(t("imp_name", lang), key="imp_name", max_chars=NAME_MAX,
                         placeholder=t("imp_name_placeholder", lang), help=t("imp_name_help", lang, n=NAME_MAX))


def loaded_name(package_id: str, shown: str) -> str:
    """The name to say a package loaded under: the one given on import, else the shown one."""
    return upload_name(package_id) if package_id != state.DEFAULT and upload_name(package_id) else shown


def dataset_picker(package_id: str, lang: str) -> None:
    """The imported datasets, newest first: switch to one, or rename the one in use."""
    listed = uploads()
    if not listed:
        return
    with st.expander(t("imp_datasets", lang, n=len(listed))):
        st.caption(t("imp_datasets_note", lang))
        ids = [u["package_id"] for u in listed]
        labels = {u["package_id"]: sendable(dataset_label(u, lang) + (t("imp_in_use", lang) if u["package_id"] == package_id
                                                                     else "")) for u in listed}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox(t("imp_pick", lang), ids, index=ids.index(package_id) if package_id in ids else 0,
                                format_func=labels.get, key="imp_pick")
        if right.button(t("imp_use", lang), disabled=chosen == package_id, key="imp_use"):
            state.activate(chosen, {})
            st.rerun()
        if package_id in ids:
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            name = left.text_input(t("imp_rename_label", lang), value=upload_name(package_id), max_chars=NAME_MAX,
                                   key=f"imp_rename_{package_id}")
            if right.button(t("imp_rename", lang), key="imp_rename"):
                st.success(tp("imp_renamed", lang, name=name_upload(package_id, name) or "—"))
