"""评审模式 Review: one plan version, read-only, for a meeting room's projector; two versions
compared; and the exports for filing (备案)."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.filing import KINDS, SUFFIX, Export, build
from geodata.plans import PlanNotFoundError, PlanStorageError
from planning.colours import feature_colours
from planning.coverage import summary_by
from planning.filing import compare
from planning.plan import Plan, PlanProblem
from planning.session import PlanningSession
from ui import access, editlog, planbar, shell, state
from ui.charts import population_section
from ui.handout import write_export
from ui.i18n import sendable, t, tp
from ui.maps import base_map, district_labels, grid_layer, lead_layer, safe_text, swatch_html
from ui.tables import display
from ui.verdict_panel import rules_table, violation_notices

BIG = """<style>
[data-testid="stMetricValue"] { font-size: 2.6rem; } [data-testid="stMetricLabel"] p { font-size: 1.15rem; }
.ylt-card h4 { margin: 0 0 .3rem 0; font-size: 1.25rem; } .ylt-card p { margin: .1rem 0; font-size: 1.05rem; }
</style>"""


LOG = logging.getLogger(__name__)
STORAGE = (PlanStorageError, sqlite3.Error, OSError)


class Unusable(Exception):
    """A stored version that cannot be shown: its problems (``planning.plan.plan_problems``)."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def stored(store, session: PlanningSession, plan_id: str, version: int | None = None) -> Plan:
    """A stored version, checked in full against the data (``Unusable`` with its problems)."""
    plan, problems = planbar.checked(session, store.load(plan_id, version)[1])
    if plan is None:
        raise Unusable(problems)
    return plan


def first_usable(store, session: PlanningSession, ids: list[str]) -> str:
    """The newest plan whose latest version can be shown (the newest when none of the first ten
    can): one bad import must not greet every official with an error."""
    for plan_id in ids[:10]:
        try:
            stored(store, session, plan_id)
            return plan_id
        except (Unusable, *STORAGE, PlanNotFoundError):
            continue
    return ids[0]


@st.cache_resource(show_spinner=False, max_entries=6)
def exported(key: tuple, plan_id: str, version: int, since: int | None, _session: PlanningSession, _store) -> Export:
    """The export of one stored version (``since``: the version its changes are counted from);
    ``Unusable`` when the version (or ``since``) cannot be shown."""
    plan = stored(_store, _session, plan_id, version)
    info = next(p for p in _store.plans() if p["plan_id"] == plan_id)
    log = [e for e in _store.history(plan_id) if e["version"] == version]
    previous = stored(_store, _session, plan_id, since) if since else None
    meta = {"plan_id": plan_id, "plan_name": info["name"], "version": version,
            "created": log[-1]["at"] if log else info["updated"], "author": log[-1]["author"] if log else ""}
    return build(_session, plan, meta, previous=previous)


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage(key: tuple, _session: PlanningSession):
    result = _session.coverage(sites=0)
    return summary_by(result.table.assign(city="all"), "city").iloc[0], result.villages


def open_issues(export: Export) -> dict[str, set[str]]:
    """The rules each grid breaks: a violation belongs to a grid when its place names the grid, one
    of its units, or a facility in it (a member, or its lead)."""
    plan, members = export.plan, export.filing.members
    facility_grid = {**dict(zip(members["facility_code"], members["grid_id"])),
                     **{g.lead_facility_code: g.grid_id for g in plan.grids}}
    out: dict[str, set[str]] = {g.grid_id: set() for g in plan.grids}
    for v in export.filing.verdict.violations:
        grids = {*v.place.grids, *(plan.assignment.get(u) for u in v.place.units),
                 *(facility_grid.get(f) for f in v.place.facilities)}
        for grid in grids & set(out):
            out[grid].add(v.rule)
    return out


def unusable(name: str, version: int, exc: BaseException) -> None:
    """Say which plan cannot be shown and why, and stop the page (the plan picker stays, so
    another plan can be chosen)."""
    if isinstance(exc, Unusable):
        st.error(tp("plan_unusable", lang, name=name, version=version, n=len(exc.problems)) + "\n\n"
                 + planbar.problem_list(exc.problems, lang))
    elif isinstance(exc, STORAGE):
        st.error(t("plans_unreadable", lang, why=planbar.storage_message(exc, lang)))
    else:
        LOG.exception("plan %s v%s cannot be shown", name, version)
        st.error(tp("plan_failed", lang, name=name, version=version, why=f"{type(exc).__name__}: {exc}"))
    st.stop()


lang, L, package_id, pkg = shell.page("page_review", "review_intro")
st.markdown(BIG, unsafe_allow_html=True)
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
top = st.columns([3, 1, 2])
if state.plan_id() not in ids:
    with st.spinner(t("loading", lang)):
        state.set_plan(first_usable(store, state.session(), ids))
plan_id = planbar.picker(plans, lang, key="review_plan", where=top[0])
versions = list(range(by_id[plan_id]["version"], 0, -1))
version = top[1].selectbox(L["version"], versions)
districts = sorted(pkg.districts["district_code"])
names = dict(zip(pkg.districts["district_code"], pkg.districts["district_name"]))
rings = dict(zip(pkg.districts["district_code"], pkg.districts["ring"]))
chosen = top[2].multiselect(L["filter_districts"], districts, format_func=lambda d: sendable(names.get(d, d)),
                            placeholder=t("all_districts", lang))
ring_filter = st.pills(L["ring"], sorted(set(rings.values())), selection_mode="multi",
                       format_func=lambda r: t(f"ring_{r}", lang))
shown = [d for d in districts if (not chosen or d in chosen) and (not ring_filter or rings[d] in ring_filter)]

plan_name = by_id[plan_id]["name"]
with st.spinner(t("loading", lang)):
    session = state.session()
    try:
        export = exported(state.cache_key(), plan_id, version, None, session, store)
    except Exception as exc:  # one bad plan must never break the review for everyone
        unusable(plan_name, version, exc)
    served, villages = coverage(state.cache_key(), session)
f = export.filing
grids = f.grids[f.grids["district_code"].isin(shown)]

# one view at a time: a Leaflet map drawn inside a hidden tab gets no size and draws wrong
view = st.segmented_control(" ", ["review", "compare", "export"], default="review", key="review_view",
                            format_func=lambda v: t(f"{v}_tab", lang), label_visibility="collapsed") or "review"
if view == "review":
    people = grids["population"].sum()
    ratio = grids["population"].max() / grids["population"].min() if len(grids) and grids["population"].min() > 0 else 0
    cols = st.columns(3)
    cols[0].metric(L["grid_count"], len(grids))
    cols[1].metric(L["population"], f"{people / 1e4:,.1f} 万" if lang == "zh" else f"{people / 1e6:,.2f} M")
    cols[2].metric(L["balance"], f"{ratio:.2f}")
    cols = st.columns(3)
    cols[0].metric(L["served_share"], f"{served['served_share']:.1%}")
    cols[1].metric(L["village_integrated"], f"{villages['integrated'].mean():.1%}" if len(villages) else "—")
    cols[2].metric(L["rules_passed"], f"{len(f.verdict.rules) - len(f.verdict.failed)} / {len(f.verdict.rules)}")

    colours = feature_colours(export.collection["features"])  # the whole plan's, as in every view
    features = gpd.GeoDataFrame.from_features(
        [x for x in export.collection["features"] if x["properties"]["district_code"] in shown], crs=4326)
    m = base_map(pkg.districts[pkg.districts["district_code"].isin(shown)])
    if len(features):
        grid_layer(features.merge(f.grids[["grid_id"]], on="grid_id"), L, colours).add_to(m)
    lead_layer(pkg.facilities[pkg.facilities["facility_code"].isin(set(grids["lead_facility_code"]))], L).add_to(m)
    partners = set(f.pairings.loc[f.pairings["district_code"].isin(shown), "hospital_code"])
    campuses = pkg.facilities[(pkg.facilities["kind"] == "city_hospital") & pkg.facilities["hospital_code"].isin(partners)]
    partner_group = folium.FeatureGroup(name="partners")
    for row in campuses.itertuples():
        folium.CircleMarker([row.geometry.y, row.geometry.x], radius=7, color="#ffffff", weight=1.5, fill=True,
                            fill_color="#d62728", fill_opacity=1, tooltip=safe_text(row.name)).add_to(partner_group)
    partner_group.add_to(m)
    district_labels(pkg.districts[pkg.districts["district_code"].isin(shown)]).add_to(m)
    st_folium(m, height=700, use_container_width=True, returned_objects=[], key=f"review-map-{plan_id}-{version}")
    st.caption(t("review_legend", lang))
    population_section(grids, colours, names, session.band, {d for d, r in rings.items() if r == "county"}, lang,
                       key=f"review-chart-{plan_id}")

    st.subheader(t("rules_panel", lang))
    rules_table(f.verdict, lang)
    violation_notices(f.verdict, lang)

    st.subheader(t("grid_cards", lang))
    issues = open_issues(export)
    for start in range(0, len(grids), 3):
        row_cols = st.columns(3)
        for col, row in zip(row_cols, grids.iloc[start:start + 3].itertuples()):
            members = f.members[f.members["grid_id"] == row.grid_id]
            paired = f.pairings[f.pairings["district_code"] == row.district_code]
            partners_text = "、".join(h or c for h, c in zip(paired["hospital"], paired["hospital_code"])) or "—"
            with col.container(border=True):
                st.markdown(
                    f"<div class='ylt-card'><h4>{swatch_html(colours.get(str(row.grid_id), ''))}"
                    f"{safe_text(row.grid_id)} · {safe_text(row.district_name)}</h4>"
                    f"<p>{safe_text(L['lead_hospital'])}：{safe_text(row.lead_name)}</p>"
                    f"<p>{safe_text(L['population'])}：{row.population:,.0f} · {safe_text(L['units'])}：{row.units}</p>"
                    f"<p>{safe_text(L['members'])}：{len(members)} · {safe_text(L['mean_access'])}：{row.mean_access_km:.1f}</p>"
                    f"<p>{safe_text(L['partners'])}：{safe_text(partners_text)}</p>"
                    f"<p>{safe_text(L['open_issues'])}：{safe_text('、'.join(sorted(issues[row.grid_id])) or '—')}</p></div>",
                    unsafe_allow_html=True)

    st.subheader(L["edit_log"])
    editlog.log(store, plan_id, lang, upto=version)
    if export.plan.notes:
        editlog.notes(export.plan, lang)

if view == "compare":
    c1, c2 = st.columns(2)
    other_plan = c1.selectbox(t("compare_with", lang), ids, index=ids.index(plan_id),
                              format_func=lambda i: planbar.label(by_id[i]), key="cmp_plan")
    other_versions = list(range(by_id[other_plan]["version"], 0, -1))
    default = other_versions.index(version - 1) if other_plan == plan_id and version - 1 in other_versions else 0
    other_version = c2.selectbox(L["version"], other_versions, index=default, key="cmp_version")
    try:
        before = stored(store, session, other_plan, other_version)
    except Exception as exc:  # the other version cannot be compared: say so, keep this one
        unusable(by_id[other_plan]["name"], other_version, exc)
    diff = compare(export.world, before, export.plan)
    cols = st.columns(4)
    cols[0].metric(t("units_moved", lang), len(diff["units_moved"]))
    cols[1].metric(t("residents_moved", lang), f"{diff['residents_moved']:,.0f}")
    cols[2].metric(t("pairings_added", lang), len(diff["pairings_added"]))
    cols[3].metric(t("pairings_removed", lang), len(diff["pairings_removed"]))
    moved = {u["unit_code"] for u in diff["units_moved"]}
    changed = pkg.units[pkg.units["unit_code"].isin(moved)]
    m = base_map(pkg.districts)
    folium.GeoJson(pkg.units[["unit_code", "geometry"]], name="units", interactive=False,
                   style_function=lambda _: {"fillColor": "#eeeeee", "color": "#999999", "weight": 0.5, "fillOpacity": 0.6}).add_to(m)
    if len(changed):
        frame = gpd.GeoDataFrame({"unit": [safe_text(c) for c in changed["unit_code"]],
                                  "from": [safe_text(before.assignment.get(c, "")) for c in changed["unit_code"]],
                                  "to": [safe_text(export.plan.assignment.get(c, "")) for c in changed["unit_code"]]},
                                 geometry=changed.geometry.values, crs=4326)
        folium.GeoJson(frame, name="changed", style_function=lambda _: {"fillColor": "#e6007e", "color": "#7a0043",
                                                                        "weight": 1.5, "fillOpacity": 0.75},
                       tooltip=folium.GeoJsonTooltip(fields=["unit", "from", "to"],
                                                     aliases=[L["units"], t("from_grid", lang), t("to_grid", lang)])).add_to(m)
        minx, miny, maxx, maxy = changed.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=11)  # the changes, not the whole city
    district_labels(pkg.districts).add_to(m)
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key=f"cmp-map-{plan_id}")
    figures = pd.DataFrame([{"figure": t(f"figure_{k}", lang), "before": v["before"], "after": v["after"], "change": v["change"]}
                            for k, v in diff["figures"].items()])
    st.dataframe(figures.rename(columns={"figure": L["name"], "before": t("before", lang), "after": t("after", lang),
                                         "change": t("change", lang)}), hide_index=True, width="stretch")
    if diff["pairings_added"] or diff["pairings_removed"]:
        st.markdown(tp("pairings_diff", lang, added="、".join(f"{h}→{names.get(d, d)}" for h, d in diff["pairings_added"]) or "—",
                       removed="、".join(f"{h}→{names.get(d, d)}" for h, d in diff["pairings_removed"]) or "—"))
    if diff["units_moved"]:
        st.dataframe(display(pd.DataFrame(diff["units_moved"]), lang), hide_index=True, width="stretch")

if view == "export":
    st.caption(t("export_intro", lang))
    since_options = [0, *range(version - 1, 0, -1)]
    since = st.selectbox(t("since_version", lang), since_options,
                         format_func=lambda v: t("first_filing", lang) if v == 0 else f"v{v}")
    kind = st.radio(t("export_format", lang), KINDS, horizontal=True, key="review_kind",
                    format_func=lambda k: t(f"format_{k}", lang))
    if st.button(t("make_export", lang), type="primary"):
        with st.spinner(t("loading", lang)):
            try:
                source = exported(state.cache_key(), plan_id, version, since or None, session, store)
                with tempfile.TemporaryDirectory() as tmp:
                    name = f"{plan_id}-v{version}{SUFFIX[kind]}"
                    st.session_state["review_file"] = ((plan_id, version, since, kind), name,
                                                       write_export(source, kind, Path(tmp) / name, lang).read_bytes())
            except Unusable as exc:
                unusable(plan_name, since or version, exc)
            except Exception as exc:  # an export that fails says so, naming the plan; the page stays
                LOG.exception("export of plan %s v%s as %s failed", plan_id, version, kind)
                st.error(tp("export_failed", lang, name=plan_name, version=version, why=f"{type(exc).__name__}: {exc}"))
                st.stop()
    made = st.session_state.get("review_file")
    if made and made[0] == (plan_id, version, since, kind):  # only the file of what is chosen now
        _, name, data = made
        st.download_button(tp("download", lang, name=name), data, file_name=name, width="stretch")
