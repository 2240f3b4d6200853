"""覆盖缺口 · 改善可及性: where to add GPs and open new sites under a budget, with the before and
after (issue 17). The planner sets the budget (GPs, new sites, a new site's staffing) and the
objective; ``PlanningSession.improve_access`` solves it (``planning.improve``); this page shows the
figures before and after, the solver's proof or gap, a map of each unit's gain with the sites, the
dumbbells by ring and district, and the list of what to do, names first."""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from planning.accessibility import HEADLINE
from planning.improve import OBJECTIVES, Budget
from ui.charts import access_gain_bars
from ui.i18n import t, tp
from ui.maps import base_map, district_labels, safe_text
from ui.tables import show

GAIN_FILLS = ("#f7fcf5", "#c7e9c0", "#74c476", "#238b45", "#00441b")  # no gain -> the most gain
NEW_SITE = "#d7301f"
MORE_GPS = "#2166ac"
RINGS = ("central", "near_suburb", "remote_suburb", "county")
BUDGET_KEY = "access-improve-budget"
DIAMOND = (f'<div style="width:14px;height:14px;margin:2px;transform:rotate(45deg);background:{NEW_SITE};'
           'border:2px solid #ffffff;box-shadow:0 0 2px #333333"></div>')


def budget_form(config, lang: str) -> Budget | None:
    """The budget and objective (the settings' values first); the budget once submitted, kept for
    the session's later reruns."""
    with st.form("access-improve"):
        cols = st.columns([1, 1, 1, 2])
        gps = cols[0].number_input(t("better_gps", lang), 0, 10_000, int(config.access_improve_gps), step=1)
        sites = cols[1].number_input(t("better_sites", lang), 0, 400, int(config.access_improve_sites), step=1)
        site_gps = cols[2].number_input(t("better_site_gps", lang), 1, 1000, int(config.access_improve_site_gps), step=1)
        objective = cols[3].radio(t("better_objective", lang), OBJECTIVES, horizontal=True,
                                  index=OBJECTIVES.index(config.access_improve_objective),
                                  format_func=lambda o: t(f"better_obj_{o}", lang))
        if st.form_submit_button(t("better_run", lang), type="primary"):
            st.session_state[BUDGET_KEY] = Budget(int(gps), int(sites), int(site_gps), objective,
                                           float(config.access_improve_seconds))
    return st.session_state.get(BUDGET_KEY)


def metrics(result, lang: str) -> None:
    """The four figures before -> after (the change as the delta; for the Gini and the share below,
    down is good)."""
    before, after = result.before, result.after
    cols = st.columns(4)
    for col, (field, word, fmt, lower_is_better) in zip(cols, (
            ("mean", "better_metric_mean", "{:.3f}", False), ("gini", "better_metric_gini", "{:.4f}", True),
            ("share_below", "better_metric_below", "{:.1%}", True), ("circle_share", "better_metric_circle", "{:.1%}", False))):
        old, new = float(before[field]), float(after[field])
        change = new - old if np.isfinite(new - old) else 0.0
        delta = f"{change:+.1%}" if "%" in fmt else f"{change:+.4f}"
        still = abs(change) < (5e-4 if "%" in fmt else 5e-5)  # shown as +0.0%: no colour, no arrow's verdict
        col.metric(t(word, lang), fmt.format(new) if np.isfinite(new) else "—", delta,
                   delta_color="off" if still else "inverse" if lower_is_better else "normal",
                   help=f"{t('better_before', lang)} {fmt.format(old)}" if np.isfinite(old) else None)


def solver_text(result, lang: str) -> str:
    """What was solved and how well: proved or the gap, the rows, the GPs used, the candidates
    (every piece from ``tp``: escaped)."""
    proof = tp("better_proved", lang) if result.gap <= 1e-6 else tp("better_gap", lang, gap=f"{result.gap:.2%}")
    if result.status == "time_limit":
        proof += " " + tp("better_time_limit", lang, seconds=f"{result.budget.seconds:g}")
    rows = tp("better_rows_exact", lang, n=f"{result.n_rows:,}") if result.rows in ("points", "patterns") else \
        tp("better_rows_merged", lang, by=t(f"better_by_{result.rows}", lang), n=f"{result.n_rows:,}")
    new_sites = int((result.actions["action"] == "new_site").sum()) if len(result.actions) else 0
    used = tp("better_used", lang, used=result.gps_used, pool=result.budget.gps, sites=new_sites)
    spare = result.budget.gps - result.gps_used
    if spare > 0 and result.budget.objective == "shortfall":
        used += " " + tp("better_unused", lang, n=spare)
    return " ".join([proof, rows, used, tp(f"better_candidates_{result.candidate_source}", lang, n=result.candidates)])


def unit_gain(access, result) -> pd.Series:
    """Each unit's resident-weighted gain in access (unit code -> gain)."""
    points = access.points
    weight = points["population"].to_numpy(dtype=float)
    unit = points["unit"].to_numpy()
    gain = result.points_after - points[HEADLINE].to_numpy(dtype=float)
    n = len(access.units)
    people = np.bincount(unit, weights=weight, minlength=n)
    mean = np.divide(np.bincount(unit, weights=weight * gain, minlength=n), people, out=np.zeros(n), where=people > 0)
    return pd.Series(mean, index=access.units["unit_code"].to_numpy())


def gain_map(pkg, access, result, lang: str) -> folium.Map:
    """Units shaded by their gain (no gain white), new sites as red dots, facilities given GPs as
    blue circles sized by how many; tooltips name them, names first."""
    gain = unit_gain(access, result)
    top = float(gain.max()) if len(gain) and gain.max() > 0 else 1.0
    shapes = pkg.units[["unit_code", "unit_name", "geometry"]].assign(gain=lambda f: f["unit_code"].map(gain).fillna(0.0))
    fill = [GAIN_FILLS[0] if g <= 1e-12 else GAIN_FILLS[min(4, 1 + int(3.999 * g / top))] for g in shapes["gain"]]
    frame = shapes[["geometry"]].assign(_fill=fill, unit=[safe_text(f"{n}（{c}）") for n, c in
                                                          zip(shapes["unit_name"], shapes["unit_code"])],
                                        gain=[f"+{g:.3f}" for g in shapes["gain"]])
    m = base_map(pkg.districts)
    folium.GeoJson(frame, name="gain", style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#999999",
                                                                  "weight": 0.4, "fillOpacity": 0.8},
                   tooltip=folium.GeoJsonTooltip(fields=["unit", "gain"], aliases=[t("units", lang),
                                                                                   t("better_legend_gain", lang)])).add_to(m)
    district_labels(pkg.districts).add_to(m)
    most = max(1, int(result.actions["gps_added"].max())) if len(result.actions) else 1
    for a in result.actions.itertuples():
        if a.action == "new_site":
            tip = tp("better_tip_new", lang, name=a.name, gps=int(a.gps_added))
            # a red diamond drawn by the page itself (Leaflet's divIcon: folium's polygon markers load a plugin from a CDN)
            folium.Marker([a.lat, a.lon], icon=folium.DivIcon(html=DIAMOND, icon_size=(18, 18), icon_anchor=(9, 9),
                                                                class_name="better-new-site"),
                          tooltip=safe_text(tip)).add_to(m)
        else:
            tip = tp("better_tip_add", lang, name=a.name, before=f"{a.gps_before:g}", after=f"{a.gps_before + a.gps_added:g}")
            folium.CircleMarker([a.lat, a.lon], radius=5 + 9 * np.sqrt(a.gps_added / most), color="#ffffff", weight=2,
                                fill=True, fill_color=MORE_GPS, fill_opacity=0.9, tooltip=safe_text(tip)).add_to(m)
    return m


def legend(lang: str) -> str:
    """The map's legend: the gain's ramp, a new site, a facility given GPs (escaped)."""
    swatch = ('<span style="white-space:nowrap"><span style="display:inline-block;width:14px;height:14px;'
              'background:{};border:1px solid #777;margin:0 4px -2px 10px"></span>{}</span>')
    ramp = "".join(f'<span style="display:inline-block;width:18px;height:14px;background:{c};border:1px solid #777;'
                   f'margin:0 0 -2px 0"></span>' for c in GAIN_FILLS)
    diamond = ('<span style="white-space:nowrap"><span style="display:inline-block;width:11px;height:11px;'
               f'transform:rotate(45deg);background:{NEW_SITE};border:1px solid #777;margin:0 6px -1px 12px"></span>'
               f'{safe_text(t("better_legend_new", lang))}</span>')
    return (f'<div class="better-legend"><b>{safe_text(t("better_legend_gain", lang))}</b> 0 {ramp} + ' + diamond
            + swatch.format(MORE_GPS, safe_text(t("better_legend_add", lang))).replace("width:14px;height:14px;", "width:14px;height:14px;border-radius:50%;")
            + "</div>")


def charts(result, lang: str) -> None:
    """The gain by ring and by district, remote suburbs first (before and after in the tooltips)."""
    ring_words = {r: t(f"ring_{r}", lang) for r in RINGS}
    labels = {"gain": t("better_gain", lang), "before": t("better_before", lang), "after": t("better_after", lang),
              "group": t("acc_group", lang), "ring": t("ring", lang), "residents": t("acc_residents", lang)}
    st.markdown(f"**{t('better_chart_title', lang)}**")
    by_ring = result.by_ring.assign(ring_word=[ring_words.get(r, r) for r in result.by_ring["ring"]])
    left, right = st.columns([2, 3])
    left.altair_chart(access_gain_bars(by_ring, ring_words=ring_words, labels=labels, row="ring_word"), width="stretch")
    right.altair_chart(access_gain_bars(result.by_district, ring_words=ring_words, labels=labels), width="stretch")
    st.caption(tp("better_chart_note", lang, threshold=f"{result.threshold:g}"))


def action_table(result, lang: str) -> None:
    st.markdown(f"**{t('better_table_title', lang)}**")
    a = result.actions
    if not len(a):
        return
    table = pd.DataFrame({
        t("better_col_action", lang): [t(f"better_action_{x}", lang) for x in a["action"]],
        t("better_col_name", lang): a["name"], t("better_col_district", lang): a["district_name"],
        t("better_col_unit", lang): [f"{n}（{c}）" for n, c in zip(a["unit_name"], a["unit_code"])],
        t("better_col_before", lang): a["gps_before"], t("better_col_added", lang): a["gps_added"],
        t("better_col_reach", lang): a["residents_in_reach"].round(0)})
    show(table, lang)


def section(session, pkg, package_id: str, lang: str) -> None:
    """The whole section: the budget, then (once asked) the figures, the map, the charts and the list."""
    st.subheader(t("better_title", lang))
    config = pkg.config
    asked = st.session_state.get(BUDGET_KEY)
    objective = asked.objective if asked is not None else config.access_improve_objective
    st.caption(tp("better_intro", lang, goal=t(f"better_goal_{objective}", lang)))
    budget = budget_form(config, lang)
    if budget is None:
        st.caption(t("better_prompt", lang))
        return
    with st.spinner(t("better_running", lang)):
        result = session.improve_access(budget)
    if result.status == "nothing":
        st.info(t("better_nothing", lang))
        return
    metrics(result, lang)
    st.caption(solver_text(result, lang))
    st.markdown(f"**{t('better_map_title', lang)}**")
    st_folium(gain_map(pkg, session.accessibility(), result, lang), height=480, use_container_width=True,
              returned_objects=[], key=f"better-map-{package_id}-{hash(budget)}")
    st.markdown(legend(lang), unsafe_allow_html=True)
    charts(result, lang)
    action_table(result, lang)
