"""Presentation mode (演示模式) and the review's filters: the controls that shape what a meeting
sees. Presentation mode is kept in the URL (``?present=1``) so a refresh of the projector's page
keeps it; it hides the sidebar, the header and the controls, puts the map first and sets the
figures in large type."""

from __future__ import annotations

import html
import json

import streamlit as st

from planning.verdict import Verdict
from ui.i18n import sendable, t
from ui.review.data import GridFilter

PARAM = "present"
CONTROLS = "review_controls"  # the keyed container of the plan picker and the filters (hidden when presenting)

STYLE = """<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; } [data-testid="stMetricLabel"] p { font-size: 1.15rem; }
.ylt-card h4 { margin: 0 0 .3rem 0; font-size: 1.25rem; } .ylt-card p { margin: .1rem 0; font-size: 1.05rem; }
</style>"""

PRESENT_STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], .st-key-review_controls, [data-testid="stElementContainer"]:has(h1),
[data-testid="stElementContainer"]:has(h1) + [data-testid="stElementContainer"],
[data-testid="stElementContainer"]:has(style) { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: .5rem 1.2rem 2rem 1.2rem !important; max-width: 100% !important; }
[data-testid="stMetricValue"] { font-size: 3.4rem; line-height: 1.1; } [data-testid="stMetricLabel"] p { font-size: 1.5rem; }
.ylt-card h4 { font-size: 1.6rem; } .ylt-card p { font-size: 1.3rem; }
[data-testid="stCaptionContainer"] p { font-size: 1.15rem; }
</style>"""


FULL_SCREEN = """<button id="ylt-full" style="font:15px sans-serif;padding:5px 14px;border:1px solid #bbb;
border-radius:8px;background:#fff;cursor:pointer;white-space:nowrap">%(label)s</button>
<script>
const page = window.parent.document;
document.getElementById('ylt-full').onclick = () => {
  if (page.fullscreenElement) { page.exitFullscreen(); } else { page.documentElement.requestFullscreen(); }
};
const say = () => { document.getElementById('ylt-full').textContent = page.fullscreenElement ? %(leave)s : %(enter)s; };
page.addEventListener('fullscreenchange', say);
say();
</script>"""


def full_screen_button(lang: str) -> None:
    """A button that puts the whole page in the browser's full screen (and back): the browser
    allows that only on a click, so it is a small page of its own beside the switch."""
    enter, leave = t("rv_full_screen", lang), t("rv_leave_full_screen", lang)
    st.iframe(FULL_SCREEN % {"label": html.escape(enter), "enter": json.dumps(enter), "leave": json.dumps(leave)},
              height=42)


def presenting() -> bool:
    """Whether the page is in presentation mode: the toggle, first taken from the URL."""
    if "review_present" not in st.session_state:
        st.session_state["review_present"] = st.query_params.get(PARAM) == "1"
    return bool(st.session_state["review_present"])


def toggle(lang: str, where=st, full_screen=None) -> bool:
    """The presentation switch; mirrors its state into the URL and sets the page's style; when on,
    the full-screen button goes in ``full_screen`` (a column)."""
    presenting()
    on = where.toggle(t("rv_present", lang), key="review_present", help=t("rv_present_help", lang))
    if on and full_screen is not None:
        with full_screen:
            full_screen_button(lang)
    if on:
        st.query_params[PARAM] = "1"
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    st.markdown(STYLE, unsafe_allow_html=True)
    if on:
        st.markdown(PRESENT_STYLE, unsafe_allow_html=True)
    return on


def filters(verdict: Verdict, L: dict, lang: str) -> GridFilter:
    """The filters beyond districts and rings: grids with violations only, served share and
    village clinics integrated (ranges, in per cent), rules broken."""
    cols = st.columns([1.6, 2, 2, 2.2], vertical_alignment="center")
    only = cols[0].toggle(t("rv_violations_only", lang), key="review_only_broken")
    served = cols[1].slider(t("rv_served_range", lang), 0, 100, (0, 100), step=5, format="%d%%", key="review_served")
    villages = cols[2].slider(t("rv_village_range", lang), 0, 100, (0, 100), step=5, format="%d%%", key="review_villages")
    titles = {rule.id: rule.title(lang) for rule in verdict.rules}
    rules = cols[3].multiselect(t("rv_rule_filter", lang), list(titles), key="review_rules",
                                format_func=lambda r: sendable(f"{r} · {titles[r]}"), placeholder=t("rv_any_rule", lang))
    return GridFilter(violations_only=only, served=(served[0] / 100, served[1] / 100),
                      villages=(villages[0] / 100, villages[1] / 100), rules=tuple(rules))
