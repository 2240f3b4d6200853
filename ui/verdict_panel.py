"""A verdict on screen, the same way on every page: a table of the rules (passed means no error;
errors and warnings counted apart), then each violation as an error or a warning box."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from planning.verdict import Verdict, Violation
from ui.i18n import plain, t


def rules_table(verdict: Verdict, lang: str) -> None:
    """One row per rule: id, name, ✓/✗ (an error fails it), errors, warnings; the rules with
    errors first, then those with warnings, then the passed ones (each group in rule order)."""
    rules = sorted(verdict.rules, key=lambda r: (not r.errors, not r.warnings))
    st.dataframe(pd.DataFrame([{"ID": r.id, t("rule_name", lang): r.title(lang),
                                "✓/✗": t("rule_pass" if r.passed else "rule_fail", lang),
                                t("errors", lang): len(r.errors), t("warnings", lang): len(r.warnings)}
                               for r in rules]),
                 hide_index=True, width="stretch", height=36 * (len(verdict.rules) + 1) + 4)


def violation_text(v: Violation, lang: str) -> str:
    """A violation as one line of text, safe inside markdown: rule, place, what broke, the fix."""
    where = ", ".join(v.place.grids) if v.place.grids else v.place.label()  # a grid's violation names the grid
    return plain(f"{v.rule} · {where}: {v.message(lang)} → {v.fix(lang)}")


def violation_notices(verdict: Verdict, lang: str, *, action: Callable[[int, Violation], None] | None = None) -> None:
    """Each violation as an error or a warning; ``action(n, violation)`` draws a control beside it
    (the workspace's zoom button)."""
    for n, v in enumerate(verdict.violations):
        box = st.columns([6, 1], vertical_alignment="center") if action else (st, None)
        (box[0].error if v.severity == "error" else box[0].warning)(violation_text(v, lang))
        if action:
            with box[1]:
                action(n, v)
