"""The workspace's table of the plan's pairings: edit, add and remove rows, fix some, and save them
as they are or optimise the rest again around the fixed ones."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.edits import reoptimise_pairings
from planning.errors import PlanningError
from planning.pairing import Pairing
from planning.plan import PlanPairing
from planning.session import PlanningSession
from ui.i18n import COLUMNS, plain, sendable, t

ROLES = ("technical_support", "main_support", "tcm", "specialty")


def reasons(pairing: Pairing, lang: str) -> str:
    """Why the pairing is there, for a table cell."""
    return ("；" if lang == "zh" else "; ").join(r.render(lang) for r in pairing.reasons)


def edited(session: PlanningSession, pairings: list[Pairing], version: int, lang: str) -> tuple[list[PlanPairing], str] | None:
    """The table in a form; on a submit, the pairings to save and the edit's action
    (``pairings``, or ``reoptimise_pairings`` with the rest optimised again); None otherwise or
    when the optimisation fails (said on the page)."""
    def C(column: str) -> str:
        return COLUMNS[column][0 if lang == "zh" else 1]

    names, hospitals = session.world.district_names, {h.code: h.name for h in session.problem.hospitals}
    frame = pd.DataFrame([{"district": p.district_code, "hospital": p.hospital_code, "role": p.role, "fixed": p.fixed,
                           "cost_km": p.cost_km, "reasons": reasons(p, lang)} for p in pairings],
                         columns=["district", "hospital", "role", "fixed", "cost_km", "reasons"])
    with st.form(f"ws_pairings_{version}"):
        table = st.data_editor(
            frame, num_rows="dynamic", hide_index=True, width="stretch", key=f"ws_pair_editor_{version}",
            column_config={
                "district": st.column_config.SelectboxColumn(t("districts", lang), options=list(session.problem.districts),
                                                             required=True, format_func=lambda d: sendable(f"{names.get(d, d)} ({d})")),
                "hospital": st.column_config.SelectboxColumn(C("hospital"), options=list(hospitals), required=True,
                                                             format_func=lambda h: sendable(f"{hospitals.get(h, h)} ({h})")),
                "role": st.column_config.SelectboxColumn(C("role"), options=list(ROLES), required=True,
                                                         format_func=lambda r: t("role_" + r, lang)),
                "fixed": st.column_config.CheckboxColumn(C("fixed"), default=True),
                "cost_km": st.column_config.NumberColumn(C("cost_km"), disabled=True, format="%.1f"),
                "reasons": st.column_config.TextColumn(C("reasons"), disabled=True),
            })
        c1, c2 = st.columns(2)
        keep = c1.form_submit_button(t("save_pairings", lang), width="stretch")
        again = c2.form_submit_button(t("reoptimise_pairings", lang), type="primary", width="stretch")
    st.caption(t("pairings_help", lang))
    if not (keep or again):
        return None
    rows = table.dropna(subset=["district", "hospital"])
    if len(rows) < len(table):
        st.warning(t("pairing_rows_dropped", lang, n=len(table) - len(rows)))
    chosen = [PlanPairing(str(r.hospital), str(r.district), str(r.role or "technical_support"), bool(r.fixed))
              for r in rows.itertuples()]
    if not again:
        return chosen, "pairings"
    try:
        return list(reoptimise_pairings(session.problem, chosen)), "reoptimise_pairings"
    except PlanningError as exc:
        st.error(plain(getattr(exc, "messages", {}).get(lang, str(exc))))
        return None
