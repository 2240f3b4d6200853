"""医联体网格化布局规划 — the Streamlit app. Run: streamlit run app.py

Thin: sets up the page, the session state, the language switch and the navigation; each page
does one thing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import state
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

pages = [
    st.Page(str(HERE / "pages" / "data.py"), title=t("page_data", lang), icon=":material/map:", default=True),
    st.Page(str(HERE / "pages" / "grids.py"), title=t("page_grids", lang), icon=":material/grid_view:"),
    st.Page(str(HERE / "pages" / "workspace.py"), title=t("page_workspace", lang), icon=":material/edit_location_alt:"),
    st.Page(str(HERE / "pages" / "review.py"), title=t("page_review", lang), icon=":material/co_present:"),
    st.Page(str(HERE / "pages" / "pairings.py"), title=t("page_pairings", lang), icon=":material/handshake:"),
    st.Page(str(HERE / "pages" / "coverage.py"), title=t("page_coverage", lang), icon=":material/radar:"),
    st.Page(str(HERE / "pages" / "import_data.py"), title=t("page_import", lang), icon=":material/upload_file:"),
]
navigation = st.navigation(pages)

with st.sidebar:
    with st.spinner(t("loading", lang)):
        package_id, package = state.current()
    st.caption(t("current_data", lang))
    st.text(package.name)  # text, never markup: the name may come from an uploaded file
    if package_id != state.DEFAULT and st.button(t("use_default", lang)):
        state.activate(state.DEFAULT)
        st.rerun()
    st.caption(t("footer_offline", lang))

navigation.run()
