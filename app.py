"""医联体网格化布局规划 — the Streamlit app. Run: streamlit run app.py

Thin: sets up the page, the session state, the language switch and the navigation; each page
does one thing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geodata.accounts import can
from ui import access, state
from ui.i18n import t
from ui.maps import use_local_assets

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="医联体网格化布局规划", page_icon=str(HERE / "static" / "favicon.png"), layout="wide")
use_local_assets()
state.init()


def _switch_language() -> None:
    state.set_lang("en" if st.session_state["language"] == "English" else "zh")


with st.sidebar:
    st.radio("语言 / Language", ["中文", "English"], index=0 if state.lang() == "zh" else 1, horizontal=True,
             key="language", on_change=_switch_language)
lang = state.lang()


def _page(name: str, title: str, icon: str, **kw) -> st.Page:
    return st.Page(str(HERE / "pages" / f"{name}.py"), title=t(title, lang), icon=f":material/{icon}:", **kw)


# (page, the permission it needs): a page the role may not use is not in the navigation, so its
# URL leads nowhere; the page checks again, and the plan store refuses the write in any case.
pages = [
    (_page("data", "page_data", "map", default=True), "view"),
    (_page("grids", "page_grids", "grid_view"), "view"),
    (_page("workspace", "page_workspace", "edit_location_alt"), "edit"),
    (_page("review", "page_review", "co_present"), "view"),
    (_page("pairings", "page_pairings", "handshake"), "view"),
    (_page("coverage", "page_coverage", "radar"), "view"),
    (_page("import_data", "page_import", "upload_file"), "import"),
    (_page("admin", "page_admin", "admin_panel_settings"), "manage"),
]
who = access.identity_or_none(lang)
allowed = [page for page, need in pages if who is not None and can(who.role, need)]
# signed out: the navigation is still declared (hidden) so that the URL's page is kept for after
# signing in, but no page runs
navigation = st.navigation(allowed or [page for page, _ in pages], position="sidebar" if allowed else "hidden")
if not allowed:
    access.sign_in_form(lang)  # stops the run

with st.sidebar:
    access.badge(who, lang)
    with st.spinner(t("loading", lang)):
        package_id, package = state.current()
    st.caption(t("current_data", lang))
    st.text(package.name)  # text, never markup: the name may come from an uploaded file
    if package_id != state.DEFAULT and st.button(t("use_default", lang)):
        state.activate(state.DEFAULT)
        st.rerun()
    st.caption(t("footer_offline", lang))

navigation.run()
