"""Entering the app through a page's own URL on a freshly started server.

Streamlit treats a main script with a ``pages/`` folder beside it as an old-style multipage app
until the first ``st.navigation`` call of the process (a class flag in its PagesManager). So the
very first request after a restart that names a page (a bookmark of ``/import_data``) runs that
page file alone, without the shell (language, sidebar, navigation). Each page therefore starts
with ``enter(__file__)``: in that situation it runs ``app.py`` instead, which sets the flag and
runs the requested page through ``st.navigation``. Checked by ``tests/test_browser.py``.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP = Path(__file__).resolve().parents[1] / "app.py"


def enter() -> None:
    """Call first in every page: hands over to the shell when the page was run on its own; then
    the file uploaders' own words in the session's language (``uploader_words``)."""
    if PagesManager.uses_pages_directory:
        runpy.run_path(str(APP), run_name="__main__")
        st.stop()
    from ui import state

    uploader_words(state.lang())


IMPORT_UPLOADER = "import_files"  # the import page's uploader key: its limits are the package's too

# Streamlit writes its file uploader's words in English (the button, the drop hint, "100MB per
# file", its refusals). One script, sent with every page, rewrites them in the reader's language
# as they appear (a MutationObserver), keeping each original so a switch of language redoes them;
# the limits said are the ones enforced: Streamlit's per file (server.maxUploadSize), and on the
# import page also the package's (geodata.readers.Limits, geodata.store.MAX_FILES).
_RELABEL = """
(function () {
  window.__yltUploaderWords = WORDS;
  if (window.__yltUploaderObserver) { window.__yltUploaderRelabel(); return; }
  const shown = new WeakMap();
  function say(text, onImport) {
    const w = window.__yltUploaderWords;
    let m = text.match(/^\\s*(\\S+) per file$/);
    if (m) return w.perFile.replace("$1", m[1].replace(/^([\\d.]+)([KMG]?B)$/, "$1 $2")) + (onImport ? w.total : "");
    if (!w.zh) return text;
    if (text === "Upload") return w.button;
    if (text === "Add files") return w.add;
    if (/^Drag and drop (files|a file) here$/.test(text)) return w.drop;
    m = text.match(/^File must be (.+) or smaller\\.?$/);
    if (m) return w.tooLarge.replace("$1", m[1]);
    m = text.match(/^(.*) files are not allowed\\.?$/);
    if (m) return w.type.replace("$1", m[1]);
    return text;
  }
  function relabel() {
    document.querySelectorAll('[data-testid="stFileUploader"]').forEach(function (box) {
      const onImport = !!box.closest(".st-key-IMPORT");
      const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const last = shown.get(node);
        const original = last && last.said === node.nodeValue ? last.original : node.nodeValue;
        const said = say(original, onImport);
        if (said !== node.nodeValue) node.nodeValue = said;
        shown.set(node, {original: original, said: said});
      }
    });
  }
  let pending = false;
  window.__yltUploaderRelabel = relabel;
  window.__yltUploaderObserver = new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; relabel(); });
  });
  window.__yltUploaderObserver.observe(document.body, {childList: true, subtree: true, characterData: true});
  relabel();
})();
"""


def uploader_words(lang: str) -> None:
    """Send the script that says every file uploader's words in ``lang`` (``_RELABEL``); its own
    element is hidden. The words are the catalogue's (``texts.imports``), never data."""
    from geodata.readers import DEFAULT_LIMITS
    from geodata.store import MAX_FILES
    from ui.i18n import t

    words = {"zh": lang == "zh", "button": t("up_button", lang), "add": t("up_add", lang), "drop": t("up_drop", lang),
             "perFile": t("up_per_file", lang, size="$1"), "tooLarge": t("up_too_large", lang, size="$1"),
             "type": t("up_type", lang, type="$1"),
             "total": t("up_total", lang, total=DEFAULT_LIMITS.max_file_bytes // 2**20, files=MAX_FILES)}
    data = json.dumps(words, ensure_ascii=False).replace("</", "<\\/")
    script = _RELABEL.replace("WORDS", data).replace("IMPORT", IMPORT_UPLOADER)
    st.html('<style>[data-testid="stElementContainer"]:has(.ylt-uploader-words){display:none}</style>'
            f'<span class="ylt-uploader-words"></span><script>{script}</script>', unsafe_allow_javascript=True)


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
