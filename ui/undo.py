"""Undo and redo in the workspace: the ↶ 撤销 / ↷ 重做 buttons and their keys (Ctrl+Z; Ctrl+Y or
Ctrl+Shift+Z; ⌘ on a Mac).

Every version is kept: an undo saves the content of the version before the last edit as a new
version (action ``undo``), a redo the undone one (``redo``); ``geodata.plans.undo_redo`` replays
the log to know which. The keys press the buttons, so a key does exactly what a click does: a
script put once into the page (not into a component's frame, which Streamlit may replace) listens
for them, and the map's own frame passes them on (``workmap``), since the map keeps the keyboard
after a click. In a text field the keys keep their usual meaning."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from ui.i18n import t

UNDO_KEY, REDO_KEY = "ws_undo", "ws_redo"  # Streamlit marks each button's box with st-key-<key>

# Runs in the page itself (put there by a component's frame of the same origin): once per page.
_KEYS = """(function () {
  var doc = window.parent.document;
  if (doc.getElementById('ylt-undo-keys')) return;
  var s = doc.createElement('script');
  s.id = 'ylt-undo-keys';
  s.textContent = "(" + function () {
    window.yltUndoKey = function (e) {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return false;
      var k = (e.key || '').toLowerCase(), which = null;
      if (k === 'z' && !e.shiftKey) which = 'ws_undo';
      else if (k === 'y' || (k === 'z' && e.shiftKey)) which = 'ws_redo';
      if (!which) return false;
      var t = e.target, tag = t && t.tagName ? t.tagName.toLowerCase() : '';
      if (tag === 'input' || tag === 'textarea' || (t && t.isContentEditable)) return false;
      var b = document.querySelector('.st-key-' + which + ' button');
      e.preventDefault();
      if (b && !b.disabled) b.click();
      return true;
    };
    document.addEventListener('keydown', function (e) { window.yltUndoKey(e); }, true);
  } + ")();";
  doc.head.appendChild(s);
})();"""


def keys() -> None:
    """Ctrl+Z and Ctrl+Y press 撤销 and 重做 (once per page; the frame is 0 px high)."""
    components.html(f"<script>{_KEYS}</script>", height=0)


def buttons(back: int | None, forward: int | None, on_click, lang: str) -> None:
    """↶ 撤销 and ↷ 重做 (``on_click(0)`` / ``on_click(1)``), greyed when there is nothing to undo
    or redo; their help says every version is kept."""
    c1, c2 = st.columns(2)
    c1.button(f"↶ {t('undo', lang)}", width="stretch", disabled=back is None, key=UNDO_KEY, on_click=on_click,
              args=(0,), help=t("undo_help", lang))
    c2.button(f"↷ {t('redo', lang)}", width="stretch", disabled=forward is None, key=REDO_KEY, on_click=on_click,
              args=(1,), help=t("redo_help", lang))

