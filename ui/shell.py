"""Entering the app through a page's own URL on a freshly started server.

Streamlit treats a main script with a ``pages/`` folder beside it as an old-style multipage app
until the first ``st.navigation`` call of the process (a class flag in its PagesManager). So the
very first request after a restart that names a page (a bookmark of ``/import_data``) runs that
page file alone, without the shell (language, sidebar, navigation). Each page therefore starts
with ``enter(__file__)``: in that situation it runs ``app.py`` instead, which sets the flag and
runs the requested page through ``st.navigation``. Checked by ``tests/test_browser.py``.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP = Path(__file__).resolve().parents[1] / "app.py"


def enter() -> None:
    """Call first in every page: hands over to the shell when the page was run on its own."""
    if PagesManager.uses_pages_directory:
        runpy.run_path(str(APP), run_name="__main__")
        st.stop()


def page(title_key: str, intro_key: str | None = None):
    """The start every page shares: enter the shell, then title and introduction in the
    session's language. Returns (language, words, package id, package)."""
    from ui import state
    from ui.i18n import t

    enter()
    lang = state.lang()
    package_id, package = state.current()
    st.title(t(title_key, lang))
    if intro_key:
        st.caption(t(intro_key, lang))
    caveats(package_id, package, lang)
    return lang, state.labels(lang), package_id, package


def caveats(package_id: str, package, lang: str) -> None:
    """Every result on this page inherits these problems: say so above it, with a one-click fix."""
    from ui import state
    from ui.i18n import plain, t, tp

    for problem in package.report.carried():
        layer = problem.layer
        box = st.container(border=True)
        box.warning(plain(t("carried_warning", lang, layer=layer, problem=problem.message(lang), fix=problem.fix(lang))))
        if layer and box.button(tp("carried_fix_gcj02", lang, layer=layer), key=f"fix-gcj02-{layer}"):
            state.activate(package_id, {**state.crs_choices(), layer: "gcj02"})
            st.rerun()
