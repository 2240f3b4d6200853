"""The workspace's search box: a unit, a grid, a hospital or a place (district, 街镇) by name or
code; the first match is selected and the map zooms to it, the others are offered under the box.

``entries`` lists what can be found (pure), ``find`` ranks the matches of a query (pure: an
exact code first, then names that start with it, then names and codes that contain it), ``box``
draws the field and ``go`` (its callback) selects and zooms."""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import streamlit as st

from planning.plan import Plan
from planning.session import PlanningSession
from ui import editor, workmap
from ui.i18n import sendable, t, tp

LIMIT = 12
ZOOM = 13  # the closest a search zooms
QUERY, PICK = "ws_search", "ws_search_pick"


class Entry(NamedTuple):
    """Something to find: its kind (unit, grid, facility, district), code, name, the words it
    is found by (name, code, district, lead) and the units to select and zoom to."""

    kind: str
    code: str
    name: str
    words: str
    units: tuple[str, ...]


def place_entries(session: PlanningSession, units) -> list[Entry]:
    """What no edit changes: every district, unit and facility (found at its unit)."""
    world, facilities = session.world, session.package.facilities
    names = world.district_names
    district_of = dict(zip(world.unit_codes.tolist(), world.district.tolist()))
    out = [Entry("district", d, names.get(d, d), f"{names.get(d, d)} {d}".lower(),
                 tuple(str(u) for u in world.unit_codes[world.units_of(d)])) for d in world.districts]
    for code, name in zip(world.unit_codes.tolist(), world.unit_names.tolist()):
        district = names.get(district_of.get(code, ""), "")
        out.append(Entry("unit", code, name or code, f"{name} {code} {district}".lower(), (code,)))
    points = facilities[["facility_code", "name", "geometry"]].dropna(subset=["geometry"])
    points = points[~points.geometry.is_empty].to_crs(units.crs) if len(points) else points
    inside = gpd.sjoin(points, units[["unit_code", "geometry"]], predicate="intersects", how="inner")
    inside = inside[~inside.index.duplicated()]
    for code, name, here in zip(inside["facility_code"].astype(str), inside["name"].astype(str), inside["unit_code"].astype(str)):
        out.append(Entry("facility", code, name, f"{name} {code}".lower(), (here,)))
    return out


@st.cache_resource(show_spinner=False, max_entries=4)
def _places(key: tuple, _session: PlanningSession, _units) -> list[Entry]:
    return place_entries(_session, _units)


def entries(key: tuple, session: PlanningSession, plan: Plan, units) -> list[Entry]:
    """Every district, unit and facility (computed once per package, ``key``) and the plan's
    grids (by their id and their lead's name and code)."""
    world = session.world
    by_grid: dict[str, list[str]] = {}
    for unit, grid in plan.assignment.items():
        by_grid.setdefault(grid, []).append(unit)
    grids = [Entry("grid", g.grid_id, world.lead_name(g.lead_facility_code),
                   f"{g.grid_id} {world.lead_name(g.lead_facility_code)} {g.lead_facility_code}".lower(),
                   tuple(sorted(by_grid.get(g.grid_id, [])))) for g in plan.grids]
    return grids + _places(key, session, units)


def find(found_in: list[Entry], query: str, limit: int = LIMIT) -> list[Entry]:
    """The entries matching ``query`` (any part of a name or code, case ignored), best first:
    an exact code or name, then names or codes starting with it, then the rest; districts,
    grids, units and facilities in that order within each."""
    wanted = query.strip().lower()
    if not wanted:
        return []
    order = {"district": 0, "grid": 1, "unit": 2, "facility": 3}

    def rank(e: Entry) -> tuple:
        code, name = e.code.lower(), e.name.lower()
        exact = wanted in (code, name)
        starts = code.startswith(wanted) or name.startswith(wanted)
        return (not exact, not starts, order[e.kind], len(e.name), e.code)

    return sorted((e for e in found_in if wanted in e.words), key=rank)[:limit]


def label(entry: Entry, lang: str) -> str:
    """An entry as the result list shows it, names before codes: 青浦镇01（310118001）· 单元."""
    kind = t(f"search_kind_{entry.kind}", lang)
    if entry.kind == "grid":
        return sendable(f"{entry.code}（{t('search_grid_led_by', lang, lead=entry.name)}）· {kind}")
    return sendable(f"{entry.name}（{entry.code}）· {kind}" if entry.name != entry.code else f"{entry.code} · {kind}")


def go(entry: Entry, plan: Plan, units) -> None:
    """Zoom the map to ``entry``; a unit, a grid or a hospital's unit is selected too (a district
    only shown: selecting all of it is rarely wanted), and its grid is what 涂色 offers first."""
    ss = st.session_state
    turn = ss["ws_nudge"] = ss.get("ws_nudge", 0) + 1
    view = workmap.view_around(units, list(entry.units), turn)
    if view is not None:  # a single unit not closer than ZOOM: its neighbours stay in sight
        ss["ws_view"] = {**view, "zoom": min(view["zoom"], ZOOM)}
    if entry.kind != "district":
        editor.select(set(entry.units))
    grid = next((plan.assignment.get(u) for u in entry.units if plan.assignment.get(u)), None)
    if grid and entry.kind != "district":
        ss[editor.LAST_GRID] = grid


def box(found_in: list[Entry], plan: Plan, units, lang: str) -> None:
    """The search field; on Enter the best match is selected and zoomed to, and the other
    matches are offered in a list under it (choosing one goes there)."""
    def typed() -> None:
        editor.begin()
        hits = find(found_in, st.session_state.get(QUERY) or "")
        st.session_state[PICK] = 0
        if hits:
            go(hits[0], plan, units)

    def picked() -> None:
        hits = find(found_in, st.session_state.get(QUERY) or "")
        choice = st.session_state.get(PICK) or 0
        if 0 <= choice < len(hits):
            go(hits[choice], plan, units)

    query = st.text_input(t("search_label", lang), key=QUERY, on_change=typed, placeholder=t("search_placeholder", lang),
                          help=t("search_help", lang))
    hits = find(found_in, query or "")
    if query and not hits:
        st.caption(tp("search_none", lang, query=query))
    elif len(hits) > 1:
        st.selectbox(t("search_results", lang, n=len(hits)), range(len(hits)), key=PICK, on_change=picked,
                     format_func=lambda i: label(hits[i], lang))
