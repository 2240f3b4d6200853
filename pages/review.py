"""评审模式 Review: one plan version, read-only, for a meeting room's projector (presentation
mode, filters that the whole page follows); two versions compared; and the exports for filing
(备案). The views are in ``ui.review``."""

from __future__ import annotations

import streamlit as st

from geodata.plans import PlanStorageError
from ui import access, planbar, shell, state
from ui.i18n import sendable, t
from ui.review import compare, meeting, present
from ui.review import export as export_view
from ui.review.data import (Review, coverage, exported, first_usable, grid_figures, select_grids, unusable,
                            version_entries, version_label)

lang, L, package_id, pkg = shell.page("page_review", "review_intro")
head = st.columns([4, 1.3, 0.9], vertical_alignment="center")
presenting = present.toggle(lang, where=head[1], full_screen=head[2])
try:
    store = access.plan_store()
except PlanStorageError as exc:
    st.error(planbar.storage_message(exc, lang))
    st.stop()
plans = planbar.plan_list(store, package_id, lang)
if not plans:
    st.info(t("review_no_plan", lang))
    st.stop()
ids = [p["plan_id"] for p in plans]
by_id = {p["plan_id"]: p for p in plans}
controls = st.container(key=present.CONTROLS)
top = controls.columns([3, 2, 2])
if state.plan_id() not in ids:
    with st.spinner(t("loading", lang)):
        state.set_plan(first_usable(store, state.session(), ids))
plan_id = planbar.picker(plans, lang, key="review_plan", where=top[0])
try:
    entries = version_entries(store.history(plan_id))
except PlanStorageError as exc:
    st.error(planbar.storage_message(exc, lang))
    st.stop()
versions = list(range(by_id[plan_id]["version"], 0, -1))
version = top[1].selectbox(L["version"], versions, format_func=lambda v: version_label(v, entries.get(v), lang))
districts = sorted(pkg.districts["district_code"])
names = dict(zip(pkg.districts["district_code"], pkg.districts["district_name"]))
rings = dict(zip(pkg.districts["district_code"], pkg.districts["ring"]))
chosen = top[2].multiselect(L["filter_districts"], districts, format_func=lambda d: sendable(names.get(d, d)),
                            placeholder=t("all_districts", lang))
ring_filter = controls.pills(L["ring"], sorted(set(rings.values())), selection_mode="multi",
                             format_func=lambda r: t(f"ring_{r}", lang))
shown = [d for d in districts if (not chosen or d in chosen) and (not ring_filter or rings[d] in ring_filter)]

plan_name = by_id[plan_id]["name"]
with st.spinner(t("loading", lang)):
    session = state.session()
    try:
        export = exported(state.cache_key(), plan_id, version, None, session, store)
    except Exception as exc:  # one bad plan must never break the review for everyone
        unusable(plan_name, version, exc, lang)
    units, villages = coverage(state.cache_key(), session)
with controls:
    chosen_filter = present.filters(export.filing.verdict, L, lang)
kept = select_grids(grid_figures(export, units, villages), shown, chosen_filter)

# one view at a time: a Leaflet map drawn inside a hidden tab gets no size and draws wrong
view = head[0].segmented_control(" ", ["review", "compare", "export"], default="review", key="review_view",
                                 format_func=lambda v: t(f"{v}_tab", lang), label_visibility="collapsed") or "review"
review = Review(lang, L, pkg, store, session, plans, plan_id, version, export, shown, names, rings, villages, units,
                kept=kept, entries=entries, filters=chosen_filter, present=presenting, key=state.cache_key())
{"review": meeting, "compare": compare, "export": export_view}[view].show(review)
