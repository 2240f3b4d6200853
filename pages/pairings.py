"""医院结对 Hospital pairings: city hospitals paired with districts under P1-P8, explained: the
hospital x district matrix against the caps first (the map's lines knot in the central city),
then the map. The open plan's pairings when a plan is open (``ui.open_plan``), else the engine's."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.errors import InfeasiblePlanError
from planning.pairing import what_if
from planning.session import PlanningSession
from ui import open_plan, shell, state
from ui.charts import RING_ORDER, pairing_matrix, pairing_matrix_frame
from ui.i18n import plain, sendable, t, tp
from ui.maps import base_map, district_labels, district_layer, pairing_lines, role_legend_html
from ui.tables import show
from ui.verdict_panel import rules_table, violation_notices


@st.cache_resource(show_spinner=False, max_entries=8)
def pair(key: tuple, _session: PlanningSession):
    try:
        return _session.pairing, _session.binding_caps()
    except InfeasiblePlanError as exc:
        return exc, []


MATRIX_MOST = 24  # districts the matrix shows at once; beyond, a ring at a time (remote suburbs first)


def matrix_section(problem, pairings, names: dict, rings: dict, lang: str) -> None:
    """The hospital x district matrix with each hospital's and district's count against its cap."""
    st.subheader(t("chart_matrix_title", lang))
    only = None
    present = [r for r in RING_ORDER if r in {rings.get(d) for d in problem.districts}]
    if len(problem.districts) > MATRIX_MOST and present:
        chosen = st.pills(t("chart_matrix_rings", lang), present, default=present[:1], selection_mode="multi",
                          format_func=lambda r: t(f"ring_{r}", lang), key="pair_matrix_rings") or present[:1]
        only = [d for d in problem.districts if rings.get(d) in chosen]
    labels = {key: t(f"chart_{key}", lang) for key in ("hospital", "role", "home", "eligible", "count", "cap", "exempt",
                                                        "hospital_cap", "district_cap")}
    labels["district"] = t("chart_district", lang)
    frame = pairing_matrix_frame(problem, pairings, district_names=names, rings=rings, only=only)
    role_words = {r: t("role_" + r, lang) for r in ("technical_support", "main_support", "tcm", "specialty")}
    st.altair_chart(pairing_matrix(frame, role_words=role_words, labels=labels), width="stretch")
    st.markdown(role_legend_html(lambda r: t("role_" + r, lang)), unsafe_allow_html=True)
    st.caption(t("chart_matrix_note", lang))


lang, L, package_id, pkg = shell.page("page_pairings", "pairings_intro")
w = pkg.config
with st.spinner(t("loading", lang)):
    session = state.session()
    problem = session.problem
    opened = open_plan.current(session, package_id, lang)
which = open_plan.choose(opened, lang, key="pairings_view")
st.caption(t("pairing_weights", lang, branch=w.pairing_branch_km, partner=w.pairing_partnership_km, remote=w.pairing_remote_km))
if which == open_plan.PLAN:
    pairings, unpaired, dropped, binding = session.pairings(opened.plan), (), (), []
else:
    with st.spinner(t("loading", lang)):
        result, binding = pair(state.cache_key(), session)
    if isinstance(result, InfeasiblePlanError):
        st.error(f"{t('infeasible', lang)} [{plain(', '.join(result.rules))}]: {plain(result.messages[lang])}")
        st.stop()
    pairings, unpaired, dropped = list(result.pairings), result.unpaired, result.dropped

names = dict(zip(pkg.districts["district_code"], pkg.districts["district_name"]))
rings = dict(zip(pkg.districts["district_code"], pkg.districts["ring"]))
hospital_names = {h.code: h.name for h in problem.hospitals}
capped = {h.code for h in problem.hospitals if h.capped}
cols = st.columns(3)
cols[0].metric(L["pairing_count"], len(pairings))
cols[1].metric(L["unpaired"], len(unpaired) if which == open_plan.PROPOSAL
               else len(set(problem.districts) - {p.district_code for p in pairings if p.hospital_code in capped}))
cols[2].metric(L["dropped"], len(dropped) if which == open_plan.PROPOSAL else "—")

matrix_section(problem, pairings, names, rings, lang)

st.subheader(t("chart_matrix_map", lang))
campuses = pkg.facilities[pkg.facilities["kind"] == "city_hospital"]
m = base_map(pkg.districts)
district_layer(pkg.districts, L).add_to(m)
district_labels(pkg.districts).add_to(m)
pairing_lines(pairings, campuses, pkg.districts,
              lambda p: f"{hospital_names.get(p.hospital_code, p.hospital_code)} → {names.get(p.district_code, p.district_code)}"
                        f" · {t('role_' + p.role, lang)}").add_to(m)
st_folium(m, height=560, use_container_width=True, returned_objects=[],
          key=f"pair-map-{package_id}-{which}-{opened.plan_id if opened else ''}-{opened.version if opened else 0}")
st.markdown(role_legend_html(lambda r: t("role_" + r, lang)), unsafe_allow_html=True)

st.subheader(t("rules_panel", lang))
verdict = session.judge_pairings(pairings)
rules_table(verdict, lang)
violation_notices(verdict, lang)
for d, why in unpaired:
    st.info(plain(f"{L['unpaired']}: {names.get(d, d)} — {why.render(lang)}"))
for h, d, why in dropped:
    st.warning(plain(f"{L['dropped']}: {hospital_names.get(h, h)} → {names.get(d, d)} — {why.render(lang)}"))

st.subheader(t("pairing_table", lang))
table = pd.DataFrame([{"hospital": hospital_names.get(p.hospital_code, p.hospital_code), "hospital_code": p.hospital_code,
                       "district": names.get(p.district_code, p.district_code), "role": t("role_" + p.role, lang),
                       "fixed": p.fixed, "cost_km": p.cost_km, "reasons": ("；" if lang == "zh" else "; ").join(r.render(lang) for r in p.reasons)}
                      for p in pairings])
show(table, lang)
if which == open_plan.PLAN:
    st.caption(t("op_plan_pairings_note", lang))
    st.stop()
if binding:
    st.caption(t("binding", lang))
    show(pd.DataFrame([{"rule": b["rule"], "place": f"{(hospital_names if b['rule'] == 'P2' else names).get(b['place'], b['place'])}"
                                                 f"（{b['place']}）", "cap": b["cap"], "gain_km": b["gain_km"]}
                       for b in binding]), lang)  # names before codes, headers in the reader's words

with st.expander(t("what_if", lang)):
    c1, c2 = st.columns(2)
    district = c1.selectbox(L["districts"], list(problem.districts), format_func=lambda d: sendable(names.get(d, d)))
    # a cap above the hospitals there is the same as that many (config caps go up to 10,000)
    most = max(1, len(problem.hospitals))
    current = int(problem.district_cap[district])
    cap = c2.number_input(t("what_if_cap", lang), min_value=0, max_value=max(most, current), value=current)
    if cap != problem.district_cap[district]:
        change = what_if(problem, district={district: int(cap)})
        st.markdown(tp("what_if_result", lang, added=", ".join(f"{h}→{names.get(d, d)}" for h, d in change["added"]) or "—",
                   removed=", ".join(f"{h}→{names.get(d, d)}" for h, d in change["removed"]) or "—",
                   delta=change["objective_change_km"]))
