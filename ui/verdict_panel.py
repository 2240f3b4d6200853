"""A verdict on screen, the same way on every page: a table of the rules (passed means no error;
errors and warnings counted apart), then each violation as an error or a warning box.

The colours of an error and a warning are Streamlit's own alert colours (light theme), in the
table as in the boxes below it, on every page that shows a verdict (the grid page, the pairing
page, the workspace and the review): ``SEVERITY_COLOURS``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from planning.verdict import RuleResult, Verdict, Violation
from ui.i18n import plain, t

# (text, background) of st.error and st.warning in the light theme: the table's rows use them too
SEVERITY_COLOURS = {"error": ("#9E303B", "#FFF1F2"), "warning": ("#956B0F", "#FFFAE5")}
ROW_HEIGHT = 35  # px, Streamlit's own; set, so the table's height fits every rule


def ordered(verdict: Verdict) -> list[RuleResult]:
    """The rules with errors first, then those with warnings only, then the passed ones, each
    group in rule order (G1..G6, P1..P8)."""
    return sorted(verdict.rules, key=lambda r: 0 if r.errors else 1 if r.warnings else 2)


def rule_rows(verdict: Verdict, lang: str) -> pd.DataFrame:
    """One row per rule id the engine checked (``ordered``): id, name, ✓/✗ (an error fails it),
    errors, warnings. Rules sharing an id (G2's district and pooling checks) are one row."""
    rules = ordered(verdict)
    return pd.DataFrame([{"ID": r.id, t("rule_name", lang): r.title(lang),
                          "✓/✗": t("rule_pass" if r.passed else "rule_fail", lang),
                          t("errors", lang): len(r.errors), t("warnings", lang): len(r.warnings)} for r in rules],
                        columns=["ID", t("rule_name", lang), "✓/✗", t("errors", lang), t("warnings", lang)])


def _severity(rule: RuleResult) -> str | None:
    return "error" if rule.errors else "warning" if rule.warnings else None


def _row_style(severities: list[str | None]) -> Callable[[pd.Series], list[str]]:
    def style(row: pd.Series) -> list[str]:
        severity = severities[row.name]
        if severity is None:
            return [""] * len(row)
        text, background = SEVERITY_COLOURS[severity]
        return [f"color: {text}; background-color: {background}"] * len(row)
    return style


def rules_table(verdict: Verdict, lang: str) -> None:
    """The rules (``rule_rows``) as a table tall enough for every row, a rule with an error in
    the error colour, one with warnings only in the warning colour."""
    frame = rule_rows(verdict, lang)
    severities = [_severity(r) for r in ordered(verdict)]
    st.dataframe(frame.style.apply(_row_style(severities), axis=1), hide_index=True, width="stretch",
                 row_height=ROW_HEIGHT, height=ROW_HEIGHT * (len(frame) + 1) + 3)


def violation_text(v: Violation, lang: str) -> str:
    """A violation as one line of text, safe inside markdown: the rule, what broke (every place
    named by its name first, its code second: ``planning.labels``), the fix."""
    return plain(f"{v.rule} · {v.message(lang)} → {v.fix(lang)}")


def violation_notices(verdict: Verdict, lang: str, *, action: Callable[[int, Violation], None] | None = None) -> None:
    """Each violation as an error or a warning; ``action(n, violation)`` draws a control beside it
    (the workspace's zoom button)."""
    for n, v in enumerate(verdict.violations):
        box = st.columns([6, 1], vertical_alignment="center") if action else (st, None)
        (box[0].error if v.severity == "error" else box[0].warning)(violation_text(v, lang))
        if action:
            with box[1]:
                action(n, v)
