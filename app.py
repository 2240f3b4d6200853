"""医联体网格化布局规划 — the Streamlit app. Run: streamlit run app.py

Thin: sets up the page, the session state, the language switch and the navigation; each page
does one thing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geodata.accounts import can
from ui import access, state
from ui.i18n import sendable, t
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


# (file, title, icon, the permission it needs). A page the role may not use is replaced by a
# hidden one at the same address that says why (a shared link to the workspace reaches an official
# as a refusal with a way to the review); each page checks again, and the plan store refuses
# the write in any case.
PAGES = [("data", "page_data", "map", "view"), ("grids", "page_grids", "grid_view", "view"),
         ("workspace", "page_workspace", "edit_location_alt", "edit"), ("review", "page_review", "co_present", "view"),
         ("pairings", "page_pairings", "handshake", "view"), ("coverage", "page_coverage", "radar", "view"),
         ("region", "region.page", "public", "view"),
         ("import_data", "page_import", "upload_file", "import"), ("guide", "page_guide", "menu_book", "view"),
         ("admin", "page_admin", "admin_panel_settings", "manage")]
who = access.identity_or_none(lang)
role = who.role if who else None
review = _page("review", "page_review", "co_present")
pages = [review if name == "review" else
         _page(name, title, icon, default=name == "data") if can(role, need) else
         st.Page(lambda need=need: access.refused(need, review, lang), title=t(title, lang), url_path=name,
                 visibility="hidden")
         for name, title, icon, need in PAGES]
# signed out: the navigation is still declared (hidden) so that the URL's page is kept for after
# signing in, but no page runs
navigation = st.navigation(pages, position="sidebar" if role else "hidden")
if not role:
    access.sign_in_form(who, lang)  # stops the run

with st.sidebar:
    access.badge(who, lang)
    with st.spinner(t("loading", lang)):
        package_id, package = state.current()
    st.caption(t("current_data", lang))
    st.text(sendable(package.name))  # text, never markup: the name may come from an uploaded file
    if package_id != state.DEFAULT and st.button(t("use_default", lang)):
        state.activate(state.DEFAULT)
        st.rerun()
    st.caption(t("footer_offline", lang))

navigation.run()
