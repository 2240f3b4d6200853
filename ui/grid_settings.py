"""网格设置 Grid settings: the planner's grid settings on the grid page, and the line that says
which are in force.

The form changes the settings of ``config.toml`` that shape a proposal (balance target, band,
fixed numbers of grids, how leads are chosen, the exact solver's time limit) for this session.
Only what differs from the package's ``config.toml`` is kept, in the session and in the URL
(``ui.state``: ``?grid=balance:1.1;min:200000;...``), so a refresh, a restart or a shared link
proposes under the same settings, and every page's session (``state.session()``) follows them.
Checked as ``config.toml`` is (``PlanConfig.check``); a value refused is named, nothing applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

import pandas as pd
import streamlit as st

from geodata.export import grid_settings, percent_within, settings_summary
from planning.config import GRID_LEADS, PlanConfig
from planning.errors import ConfigError
from ui import state
from ui.i18n import TEXT, plain, sendable, t, tp

BALANCE_CHOICES = (1.05, 1.1, 1.25, 1.5, 0.0)  # 0: no balance target (access only)
CUSTOM = "custom"
WHY = {"grid_balance_target": "setting.grid_balance_target", "grid_population_min": "setting.band",
       "grid_population_max": "setting.band", "grid_counts": "setting.grid_counts", "grid_leads": "setting.grid_leads",
       "grid_exact_seconds": "setting.grid_exact_seconds"}


def _same(a: object, b: object) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return dict(a) == dict(b)
    return a == b


def changed(package_config: PlanConfig, config: PlanConfig) -> list[str]:
    """The grid settings (``state.GRID_KEYS``) in which ``config`` differs from the package's."""
    return [name for name in state.GRID_KEYS.values() if not _same(getattr(config, name), getattr(package_config, name))]


def summary(package, config: PlanConfig, lang: str) -> str:
    """The settings in force in one line, and whether they are the package's or changed here."""
    names = dict(zip(package.districts["district_code"].astype(str), package.districts["district_name"].astype(str)))
    line = settings_summary(grid_settings(config), lang, names)
    n = len({"band" if name.startswith("grid_population") else name for name in changed(package.config, config)})
    source = t("settings.changed", lang, n=n) if n else t("settings.from_package", lang)
    return f"{line}（{source}）" if lang == "zh" else f"{line} ({source})"


def refusal(exc: ConfigError, lang: str) -> str:
    """Why a setting was refused, in the reader's words (the engine says it in English)."""
    whys = []
    for problem in exc.problems:
        name = next((n for n in WHY if problem.startswith(n)), None)
        why = t(WHY[name], lang) if name else problem
        if why not in whys:
            whys.append(why)
    return ("；" if lang == "zh" else "; ").join(whys)


def apply(package_config: PlanConfig, values: Mapping[str, object]) -> PlanConfig:
    """``package_config`` with ``values`` (grid settings), checked; ``ConfigError`` otherwise."""
    candidate = replace(package_config, **values)
    candidate.check()
    return candidate


OPEN = "gs_dialog_open"


def open_form() -> None:
    """The page's 网格设置 button: open the form (it stays open over reruns until applied, reset
    or dismissed)."""
    st.session_state[OPEN] = True


def close_form() -> None:
    st.session_state[OPEN] = False


def dialog(package, config: PlanConfig, proposed: Mapping[str, int], lang: str) -> None:
    """The form in a dialog over the page, when it is open: it takes room only then, and applying
    it closes it and proposes again."""
    if not st.session_state.get(OPEN):
        return

    @st.dialog(t("gs_title", lang), width="large", on_dismiss=close_form)
    def settings() -> None:
        form(package, config, proposed, lang)

    settings()


def form(package, config: PlanConfig, proposed: Mapping[str, int], lang: str) -> None:
    """The settings form: balance target, band (in 10,000 residents), the number of grids per
    district (blank: from the band; ``proposed``: how many the proposal has), leads, the exact
    solver's time limit. Applying it puts the settings in force and proposes again."""
    base = package.config
    with st.form("grid_settings", border=False):
        cols = st.columns([3, 2, 4, 2], vertical_alignment="bottom")
        options = [*BALANCE_CHOICES, CUSTOM]
        target = config.grid_balance_target
        choice = cols[0].selectbox(
            t("gs_balance", lang), options, index=options.index(target) if target in BALANCE_CHOICES else len(options) - 1,
            format_func=lambda v: t("gs_balance_none", lang) if v == 0 else t("gs_balance_custom", lang) if v == CUSTOM
            else f"{v:g}")
        custom = cols[1].number_input(t("gs_balance_custom_value", lang), min_value=1.0, max_value=100.0, step=0.05,
                                      value=float(target) if target >= 1 else 1.25, format="%.2f")
        leads = cols[2].radio(t("gs_leads", lang), GRID_LEADS, index=GRID_LEADS.index(config.grid_leads), horizontal=True,
                              format_func=lambda v: t(f"settings.leads_{v}", lang))
        seconds = cols[3].number_input(t("gs_exact_seconds", lang), min_value=0.0, max_value=600.0, step=1.0,
                                       value=float(config.grid_exact_seconds), format="%g")
        cols = st.columns(2)
        low = cols[0].number_input(t("gs_band_min", lang), min_value=0.0, step=1.0, format="%g",
                                   value=float(config.grid_population_min) / 1e4)
        high = cols[1].number_input(t("gs_band_max", lang), min_value=0.0, step=1.0, format="%g",
                                    value=float(config.grid_population_max) / 1e4)
        districts = package.districts.sort_values("district_code")
        codes = districts["district_code"].astype(str).tolist()
        table = pd.DataFrame({
            "district_name": districts["district_name"].astype(str).tolist(),
            "district_code": codes,
            "ring": [t(f"ring_{r}", lang) if f"ring_{r}" in TEXT else str(r) for r in districts["ring"]],
            "now": pd.array([proposed.get(c, 0) for c in codes], dtype="Int64"),
            "fixed": pd.array([config.grid_counts.get(c) for c in codes], dtype="Int64"),
        })
        st.caption(t("gs_counts", lang))
        edited = st.data_editor(
            table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320), num_rows="fixed",
            placeholder=t("gs_auto", lang),
            disabled=["district_name", "district_code", "ring", "now"], key=f"gs_counts_{state.config_key(config)}",
            column_config={
                "district_name": st.column_config.TextColumn(t("district_label", lang)),
                "district_code": st.column_config.TextColumn(t("code", lang)),
                "ring": st.column_config.TextColumn(t("ring", lang)),
                "now": st.column_config.NumberColumn(t("gs_count_now", lang), format="%d"),
                "fixed": st.column_config.NumberColumn(t("gs_count_fixed", lang), min_value=1, step=1, format="%d"),
            })
        cols = st.columns([2, 2, 5])
        applied = cols[0].form_submit_button(t("gs_apply", lang), type="primary", width="stretch")
        reset = cols[1].form_submit_button(t("gs_reset", lang), width="stretch",
                                           disabled=not changed(base, config))
    if reset:
        state.set_grid({})
        close_form()
        st.rerun()
    if not applied:
        return
    counts = {code: int(n) for code, n in zip(edited["district_code"], edited["fixed"]) if pd.notna(n)}
    values = {"grid_balance_target": float(custom if choice == CUSTOM else choice),
              "grid_population_min": round(float(low) * 1e4, 6), "grid_population_max": round(float(high) * 1e4, 6),
              "grid_counts": MappingProxyType(dict(sorted(counts.items()))), "grid_leads": leads,
              "grid_exact_seconds": float(seconds)}
    try:
        apply(base, values)
    except ConfigError as exc:
        st.error(t("gs_refused", lang, why=plain(refusal(exc, lang))))
        return
    state.set_grid({name: value for name, value in values.items() if not _same(value, getattr(base, name))})
    close_form()
    st.rerun()


# --- access versus balance: one district's frontier ----------------------------------------------

FRONTIER_SHOWN = "gf_shown"  # the (cache key, district) pairs whose frontier this session asked for
FRONTIER_NOTICE = "gf_notice"


@st.cache_resource(show_spinner=False, max_entries=32)
def _frontier(key: tuple, district: str, _session, _plan) -> list:
    """The district's frontier on the proposal of ``key`` (one proposal per package and settings),
    computed once per server; and, where the district has more hospitals that may lead than
    grids, the same count with the leads chosen freely (what the proposal's leads cost)."""
    points = _session.frontier(_plan, district)
    grids = sum(g.district_code == district for g in _plan.grids)
    if len(_session.world.leads_of(district)) > grids > 1:
        points.append(_session.free_lead_choice(_plan, district, seconds=_session.config.grid_exact_seconds / 2))
    return points


def _target_label(target: float | None, lang: str) -> str:
    return t("fr_none", lang) if target is None else f"{target:g}"


def _point_label(point, lang: str) -> str:
    return t("fr_free", lang) if point.method == "free_leads" else _target_label(point.target, lang)


def frontier_frame(points, current, lang: str) -> pd.DataFrame:
    """The points to draw: each balance target's grids (proved optimal, or with the gap left) and
    the current proposal's, with their labels in the reader's language."""
    rows: list[dict] = []
    for p in points:  # targets that reach the same grids are one point, labelled with each
        row = {"label": _point_label(p, lang), "balance": round(float(p.balance), 3),
               "access": round(float(p.access_km), 3),
               "kind": t("fr_free", lang) if p.method == "free_leads" else
               t("fr_proved", lang) if p.proved else t("fr_gap_kind", lang),
               "status": t("fr_proved", lang) if p.proved else t("fr_gap", lang, gap=percent_within(p.gap))}
        same = next((r for r in rows if (r["balance"], r["access"], r["kind"]) == (row["balance"], row["access"], row["kind"])),
                    None)
        if same is None:
            rows.append(row)
        else:
            same["label"] += f" / {row['label']}"
    if current is not None:
        here = {"label": t("fr_current", lang), "balance": round(float(current.balance), 3),
                "access": round(float(current.access_km), 3), "kind": t("fr_current", lang),
                "status": t("fr_proved", lang) if current.proved else t("fr_gap", lang, gap=percent_within(current.gap))}
        free = [r for r in rows if r["kind"] == t("fr_free", lang) and (r["balance"], r["access"]) == (here["balance"], here["access"])]
        if free:  # the proposal's leads are already the best choice: one point, both names
            rows.remove(free[0])
            here["label"] += f" = {free[0]['label']}"
        rows.append(here)
    return pd.DataFrame(rows)


def frontier_chart(frame: pd.DataFrame, lang: str):
    """Access (y) against balance (x): a point per balance target, coloured proved or with a gap,
    joined in order of balance, and the current proposal apart."""
    import altair as alt

    kinds = [t("fr_proved", lang), t("fr_gap_kind", lang), t("fr_current", lang), t("fr_free", lang)]
    x = alt.X("balance:Q", title=t("fr_x", lang), scale=alt.Scale(zero=False, padding=24))
    y = alt.Y("access:Q", title=t("fr_y", lang), scale=alt.Scale(zero=False, padding=24))
    colour = alt.Color("kind:N", title=None, scale=alt.Scale(domain=kinds, range=["#1a9850", "#f46d43", "#1f4e9c", "#7b3294"]),
                       legend=alt.Legend(orient="bottom"))
    tooltip = [alt.Tooltip("label:N", title=t("fr_target", lang)), alt.Tooltip("balance:Q", title=t("fr_x", lang)),
               alt.Tooltip("access:Q", title=t("fr_y", lang)), alt.Tooltip("status:N", title=t("fr_status", lang))]
    targets = frame[~frame["kind"].isin([t("fr_current", lang), t("fr_free", lang)])]
    line = alt.Chart(targets).mark_line(color="#9e9e9e", strokeDash=[4, 3]).encode(x=x, y=y, order="balance:Q")
    marks = alt.Chart(frame).mark_point(size=140, filled=True, opacity=0.9).encode(
        x=x, y=y, color=colour, shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["circle", "diamond", "square", "triangle-up"]),
                                                legend=None), tooltip=tooltip)
    labels = alt.Chart(targets).mark_text(dy=-14, fontSize=12).encode(x=x, y=y, text="label:N")
    current = alt.Chart(frame[frame["kind"].isin([t("fr_current", lang), t("fr_free", lang)])]).mark_text(
        dy=18, fontSize=12, color="#1f4e9c").encode(x=x, y=y, text="label:N")
    return (line + marks + labels + current).properties(height=320)


def frontier_section(session, result, package_id: str, lang: str) -> None:
    """For a chosen district: its grids solved again for balance targets 1.05, 1.1, 1.25, 1.5 and
    none (leads and locks kept), mean access against the balance reached, each point proved
    optimal or with its gap, and a button per point that saves that plan as a new plan (the way
    the workspace saves a proposal: ``PlanStore.create``) and opens it."""
    from geodata.accounts import can
    from ui import access

    world = session.world
    notice = st.session_state.pop(FRONTIER_NOTICE, None)
    if notice:  # (kind, messages), escaped when made
        kind, messages = notice if isinstance(notice, tuple) else ("success", notice)
        getattr(st, kind)(messages[lang])
    grids_in = pd.Series([g.district_code for g in result.plan.grids]).value_counts()
    districts = sorted(grids_in.index)
    if not districts:
        return
    names = world.district_names
    cols = st.columns([3, 1], vertical_alignment="bottom")
    busiest = districts.index(max(districts, key=lambda d: (grids_in[d], d)))  # most to trade off
    district = cols[0].selectbox(t("fr_district", lang), districts, key="gf_district", index=busiest,
                                 format_func=lambda d: sendable(f"{names.get(d, d)}（{d}）" if lang == "zh"
                                                                else f"{names.get(d, d)} ({d})"))
    group = t("fr_groups_county" if world.district_ring.get(district) == "county" else "fr_groups_grid", lang)
    st.caption(t("fr_intro", lang, groups=group, seconds=f"{session.config.grid_exact_seconds / 2:g}"))
    wanted = (state.cache_key(), district)
    if cols[1].button(t("fr_compute", lang), width="stretch", key="gf_compute"):
        st.session_state.setdefault(FRONTIER_SHOWN, set()).add(wanted)
    if wanted not in st.session_state.get(FRONTIER_SHOWN, set()):
        return
    with st.spinner(tp("fr_computing", lang, district=names.get(district, district))):
        points = _frontier(state.cache_key(), district, session, result.plan)
    quality = getattr(result, "quality", {}) or {}
    if all(p.method == "single" for p in points):
        st.info(t("fr_single", lang, group=group))
        return
    st.altair_chart(frontier_chart(frontier_frame(points, quality.get(district), lang), lang), width="stretch")
    if any(p.method == "free_leads" for p in points):
        target = session.config.grid_balance_target
        st.caption(t("fr_free_note", lang, n=sum(g.district_code == district for g in result.plan.grids), groups=group,
                     m=len(world.leads_of(district)), target=f"{target:g}" if target else t("fr_none", lang)))
    may_save = can(access.role(), "edit")
    buttons = st.columns(len(points))
    for i, (col, point) in enumerate(zip(buttons, points)):
        label = _point_label(point, lang)
        col.caption(t("fr_point", lang, balance=f"{point.balance:.2f}", km=f"{point.access_km:.2f}"))
        if col.button(t("fr_adopt", lang, target=label), key=f"gf_adopt_{i}", width="stretch", disabled=not may_save,
                      help=None if may_save else t("fr_adopt_role", lang)):
            adopt(session, point, district, package_id)
            st.rerun()


def adopt(session, point, district: str, package_id: str) -> None:
    """Save the point's plan (with the proposed pairings) as a new plan and open it."""
    from geodata.accounts import AccessDenied
    from geodata.plans import PlanStorageError
    from planning.pairing import planned_pairings
    from planning.plan import clean_name, plan_to_dict
    from texts import render
    from ui import access

    name_of = session.world.district_names.get(district, district)
    plan = point.plan if point.plan.pairings else point.plan.with_pairings(planned_pairings(session.pairing))
    names = {lang: clean_name(render("fr_plan_name", lang, district=name_of, target=_point_label(point, lang)))
             for lang in ("zh", "en")}  # a district name from a file may hold what no store can keep
    try:
        plan_id = access.plan_store().create(names[state.lang()], package_id, plan_to_dict(plan), author=access.author())
    except (AccessDenied, PlanStorageError) as exc:
        st.session_state[FRONTIER_NOTICE] = ("error", {lang: plain(text) for lang, text in exc.messages.items()})
        return
    state.set_plan(plan_id)
    st.session_state[FRONTIER_NOTICE] = {lang: plain(render("fr_adopted", lang, name=names[state.lang()]))
                                         for lang in ("zh", "en")}
