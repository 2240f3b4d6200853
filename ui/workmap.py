"""The workspace's map: what is published once per package (units, districts, the edges between
neighbouring units), the base map every run sends unchanged (so the component keeps its view,
docs/PITFALLS), the layers that show the plan as it now is, the map's events read once each, and
the view around a violation."""

from __future__ import annotations

import json
import math
from typing import NamedTuple

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from scipy import sparse

from geodata.select import bounds_of
from planning.colours import assignment_colours, unit_touching
from planning.edits import free_leads
from planning.pairing import Pairing
from planning.plan import Plan
from planning.session import PlanningSession
from ui.i18n import t
from ui.maps import (KIND_STYLE, _Script, base_map, candidate_layer, label_markers, district_base_layer, district_source, edge_source,
                     facility_layer, gap_layer, lead_markers, legend_html, outline_layer, pairing_lines,
                     plan_styles, role_legend_html, shared_edges, unit_base_layer, unit_shapes, unit_source)

PRIMARY = ("chc", "thc", "village_clinic", "nursing", "rehab", "city_hospital")


class Prepared(NamedTuple):
    """What no edit changes: the units as a table, the edges between neighbours, the published
    sources of the units, districts and edge lines."""

    units: gpd.GeoDataFrame
    edges: tuple[list[str], list[str], list[dict]]
    sources: dict
    touching: set[tuple[str, str]]  # units within a metre of each other, across district lines (the colouring's)
    points: np.ndarray  # a point inside each unit (lon, lat), and the unit's west and east edges: grid labels


def prepare(session: PlanningSession) -> Prepared:
    world, units = session.world, session.package.units.reset_index(drop=True)
    row = {c: i for i, c in enumerate(units["unit_code"].astype(str))}
    upper = sparse.triu(world.adjacency, k=1).tocoo()
    pairs = ([row[str(world.unit_codes[i])] for i in upper.row], [row[str(world.unit_codes[j])] for j in upper.col])
    edges = shared_edges(units, pairs)
    sources = {"units": unit_source(units, unit_shapes(units), world.district_names),
               "districts": district_source(session.package.districts), "edges": edge_source(edges)}
    touching = unit_touching(units["unit_code"].astype(str).tolist(), list(units.geometry))
    inside = units.geometry.representative_point()
    bounds = units.geometry.bounds
    points = np.column_stack([inside.x, inside.y, bounds["minx"], bounds["maxx"]])
    return Prepared(units, edges, sources, touching, points)


def label_layer(ready: Prepared, assignment: dict[str, str]) -> folium.FeatureGroup:
    """Each grid's number where it has room (``ui.maps.label_markers``): at the inside point of its
    unit nearest the middle of its units, its width from its units' edges. From the units' points
    computed once (``prepare``), so an edit costs no geometry."""
    grids = pd.Series([assignment.get(c) for c in ready.units["unit_code"].astype(str)])
    frame = pd.DataFrame(ready.points, columns=["x", "y", "west", "east"]).assign(grid=grids).dropna(subset=["grid"])
    ids, points, spans = [], [], []
    for grid, rows in frame.groupby("grid", sort=True):
        middle = rows[["x", "y"]].mean().to_numpy()
        nearest = rows.iloc[int(np.argmin(((rows[["x", "y"]].to_numpy() - middle) ** 2).sum(axis=1)))]
        ids.append(grid)
        points.append(shapely.Point(nearest["x"], nearest["y"]))
        spans.append(rows["east"].max() - rows["west"].min())
    return label_markers(ids, points, spans)


# A click on a unit waits HOLD_MS before Leaflet (and so streamlit_folium) sees it: a second click
# within that time makes it a double click, which zooms (Leaflet's doubleClickZoom) and edits
# nothing, because neither of its clicks reaches the map's layers. Only clicks on the shapes
# (the overlay pane) wait; the controls, the markers and the drawing tools get theirs at once.
HOLD_MS = 300
_DOUBLE_CLICK_ZOOMS = """(function () {
  var map = %(map)s, box = map.getContainer(), held = null;
  if (map.keyboard) {  /* arrow keys pan; taking the focus must not scroll a map half below the fold */
    map.keyboard.disable();
    map.keyboard._onMouseDown = function () {};
    map.keyboard.enable();
    window.addEventListener('mousedown', function (e) {  /* the map keeps the focus, not a shape in it */
      if (!box.contains(e.target) || e.target.closest('.leaflet-control-container')) return;
      if (document.activeElement !== box) box.focus({preventScroll: true});
      if (e.target.closest('.leaflet-overlay-pane')) e.preventDefault();
    }, true);
  }
  window.addEventListener('click', function (e) {
    if (e.yltLate || !box.contains(e.target) || !e.target.closest('.leaflet-overlay-pane')) return;
    e.stopImmediatePropagation();
    e.preventDefault();
    if (held) { clearTimeout(held.timer); held = null; }
    if (e.detail > 1) return;  /* the second click of a double click: no edit, the dblclick zooms */
    var target = e.target, init = {bubbles: true, cancelable: true, view: window, detail: 1,
      screenX: e.screenX, screenY: e.screenY, clientX: e.clientX, clientY: e.clientY, button: e.button,
      ctrlKey: e.ctrlKey, shiftKey: e.shiftKey, altKey: e.altKey, metaKey: e.metaKey};
    held = {timer: setTimeout(function () {
      held = null;
      var late = new MouseEvent('click', init);
      late.yltLate = true;
      target.dispatchEvent(late);
    }, %(hold)d)};
  }, true);
  window.yltHoldMs = %(hold)d;
})();"""


# The map as high as the window allows below its top (never under MIN_HEIGHT px), again when the
# window is resized: the frame (a rule the component's own height cannot override) and the map in it.
MIN_HEIGHT, BOTTOM_GAP = 520, 16
_FIT_HEIGHT = """(function () {
  var map = %(map)s, frame = window.frameElement;
  if (!frame) return;
  function scroller(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      var o = window.parent.getComputedStyle(p).overflowY;
      if ((o === 'auto' || o === 'scroll') && p.scrollHeight > p.clientHeight) return p;
    }
    return window.parent.document.scrollingElement;
  }
  function fit() {
    var top = frame.getBoundingClientRect().top + scroller(frame).scrollTop;
    var h = Math.max(%(min)d, Math.round(window.parent.innerHeight - top - %(gap)d));
    if (h === window.yltMapHeight) return;
    var first = !window.yltMapHeight, shown = map.getBounds();
    window.yltMapHeight = h;
    frame.style.setProperty('height', h + 'px', 'important');
    var outer = document.getElementById('map_div');
    if (outer) outer.style.height = h + 'px';
    map.getContainer().style.height = h + 'px';
    map.invalidateSize();
    if (first) map.fitBounds(shown);  /* the districts fill the taller map, as they filled the first */
  }
  fit();
  setTimeout(fit, 400);
  window.parent.addEventListener('resize', fit);
  /* Ctrl+Z / Ctrl+Y pressed while the map has the keyboard: the page's undo keys (ui.undo), but
     not while a shape is being drawn (the drawing's own 删除上一个点 is what is wanted then) */
  var drawing = false;
  map.on('draw:drawstart', function () { drawing = true; });
  map.on('draw:drawstop', function () { drawing = false; });
  document.addEventListener('keydown', function (e) {
    if (!drawing && window.parent.yltUndoKey) window.parent.yltUndoKey(e);
  }, true);
})();"""


def _local_words(lang: str) -> dict:
    """Leaflet's and Leaflet.draw's titles and hints in ``lang`` (``L.drawLocal``'s shape)."""
    def w(key: str) -> str:
        return t(key, lang)

    return {
        "zoom": {"in": w("leaflet_zoom_in"), "out": w("leaflet_zoom_out")},
        "draw": {
            "toolbar": {"actions": {"title": w("leaflet_cancel_title"), "text": w("leaflet_cancel")},
                        "finish": {"title": w("leaflet_finish_title"), "text": w("leaflet_finish")},
                        "undo": {"title": w("leaflet_undo_point_title"), "text": w("leaflet_undo_point")},
                        "buttons": {"polygon": w("leaflet_draw_polygon"), "rectangle": w("leaflet_draw_rectangle")}},
            "handlers": {"polygon": {"tooltip": {"start": w("leaflet_polygon_start"), "cont": w("leaflet_polygon_cont"),
                                                 "end": w("leaflet_polygon_end")}},
                         "polyline": {"error": w("leaflet_edges_cross")},
                         "rectangle": {"tooltip": {"start": w("leaflet_rectangle_start")}},
                         "simpleshape": {"tooltip": {"end": w("leaflet_release")}}}},
        "edit": {
            "toolbar": {"actions": {"save": {"title": w("leaflet_save_title"), "text": w("leaflet_save")},
                                    "cancel": {"title": w("leaflet_edit_cancel_title"), "text": w("leaflet_cancel")},
                                    "clearAll": {"title": w("leaflet_clear_all_title"), "text": w("leaflet_clear_all")}},
                        "buttons": {"remove": w("leaflet_remove"), "removeDisabled": w("leaflet_remove_none")}},
            "handlers": {"remove": {"tooltip": {"text": w("leaflet_remove_hint")}}}},
    }


# Put before the drawing tools are made (they read L.drawLocal then); the zoom buttons are retitled.
_LOCAL = """(function () {
  var map = %(map)s, words = %(words)s;
  function merge(into, from) {
    for (var k in from) {
      if (typeof from[k] === 'object') { into[k] = into[k] || {}; merge(into[k], from[k]); } else into[k] = from[k];
    }
  }
  if (window.L && L.drawLocal) { merge(L.drawLocal.draw, words.draw); merge(L.drawLocal.edit, words.edit); }
  var zc = map.zoomControl;
  if (zc) {
    [[zc._zoomInButton, words.zoom['in']], [zc._zoomOutButton, words.zoom.out]].forEach(function (b) {
      if (b[0]) { b[0].title = b[1]; b[0].setAttribute('aria-label', b[1]); }
    });
  }
})();"""


def base(session: PlanningSession, ready: Prepared, L: dict, lang: str = "zh") -> folium.Map:
    """The districts, the units and the drawing tools (rectangle, polygon; the trash clears),
    their titles and hints in the app's language, the map as high as the window allows.

    The wheel zooms (one notch about one zoom level), the + and − buttons a whole level, the arrow
    keys pan, and a double click zooms in without editing (``_DOUBLE_CLICK_ZOOMS``)."""
    m = base_map(session.package.districts)
    m.options.update(scroll_wheel_zoom=True, keyboard=True, double_click_zoom=True, zoom_delta=1,
                     wheel_px_per_zoom_level=60)
    _Script(_DOUBLE_CLICK_ZOOMS % {"map": m.get_name(), "hold": HOLD_MS}).add_to(m)
    _Script(_FIT_HEIGHT % {"map": m.get_name(), "min": MIN_HEIGHT, "gap": BOTTOM_GAP}).add_to(m)
    _Script(_LOCAL % {"map": m.get_name(), "words": json_for_script(_local_words(lang))}).add_to(m)
    unit_base_layer(ready.sources["units"], L).add_to(m)
    district_base_layer(ready.sources["districts"]).add_to(m)
    shape = {"shapeOptions": {"color": "#e6007e"}}
    folium.plugins.Draw(draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                                      "rectangle": shape, "polygon": shape},
                        edit_options={"edit": False, "remove": True}).add_to(m)
    return m


def grid_colours(ready: Prepared, plan: Plan) -> dict[str, str]:
    """The plan's one colouring (touching grids differ), as the map, the chart and every view use it."""
    return assignment_colours(ready.touching, plan.assignment, [g.grid_id for g in plan.grids])


def layers(session: PlanningSession, plan: Plan, ready: Prepared, *, selection: set[str], flagged: set[str],
           pairings: list[Pairing], show: list[str], drops: int, lang: str, L: dict) -> list[folium.FeatureGroup]:
    """The plan on the map: units coloured by grid and outlined (selected, breaking a rule,
    locked), grid boundaries, the leads (draggable), the hospitals free to lead (hollow), and the
    layers switched on (``show``: primary, pairings, gaps)."""
    world, facilities = session.world, session.package.facilities
    # the plan's one colouring (planning.colours): the same colours as the grid page, review and exports
    colours = grid_colours(ready, plan)
    out = [plan_styles(ready.units, plan.assignment, plan.locked, selection, flagged, colours),
           outline_layer(ready.edges, ready.sources["edges"], plan.assignment), label_layer(ready, plan.assignment)]
    free = {c for d in world.districts for c in free_leads(world, plan, d)}
    if free:
        candidates = facilities[facilities["facility_code"].isin(free)]
        out.append(folium.FeatureGroup(name="candidates").add_child(candidate_layer(candidates, L)))
    leading = {g.lead_facility_code: g.grid_id for g in plan.grids}
    spots = facilities[facilities["facility_code"].isin(set(leading) & set(world.lead_codes.tolist()))]
    out.append(lead_markers([(p.y, p.x, leading[c], f"{n} · {leading[c]} · {L['lead_hospital']}")
                             for c, n, p in zip(spots["facility_code"], spots["name"], spots.geometry)], drops=drops))
    if "gaps" in show:
        out.insert(0, folium.FeatureGroup(name="gaps").add_child(gap_layer(gap_units(session), L)))
    if "primary" in show:
        group = folium.FeatureGroup(name="facilities")
        for kind in PRIMARY:
            if (facilities["kind"] == kind).any():
                facility_layer(facilities, kind, L).add_to(group)
        out.append(group)
    if "pairings" in show:
        hospitals, names = {h.code: h.name for h in session.problem.hospitals}, world.district_names
        out.append(pairing_lines(
            pairings, facilities[facilities["kind"] == "city_hospital"], session.package.districts,
            lambda p: f"{hospitals.get(p.hospital_code, p.hospital_code)} → {names.get(p.district_code, p.district_code)}"
                      f" · {t('role_' + p.role, lang)}"))
    return out


def gap_units(session: PlanningSession) -> gpd.GeoDataFrame:
    """Units with their coverage gaps (no new sites proposed here)."""
    units = session.package.units[["unit_code", "unit_name", "geometry"]]
    return units.merge(session.coverage(sites=0).gaps, on="unit_code")


def legend(session: PlanningSession, show: list[str], lang: str, L: dict) -> None:
    facilities = session.package.facilities
    kinds = [k for k in KIND_STYLE if "primary" in show and (facilities["kind"] == k).any()]
    st.markdown(t("workspace_legend", lang) + (legend_html([], kinds, L) if kinds else "")
                + (role_legend_html(lambda r: t("role_" + r, lang)) if "pairings" in show else ""),
                unsafe_allow_html=True)
    if "gaps" in show:
        st.caption(t("gaps_legend", lang))


def json_for_script(value: object) -> str:
    """``value`` as JSON safe inside a <script> (no closing tag, no HTML comment can start)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def finite(*values: object) -> bool:
    """Coordinates from the browser: real numbers, not NaN or infinite."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


class Events(NamedTuple):
    """The map's events not seen before: a click (lon, lat), a lead marker dropped (grid, lon,
    lat) and a drawn shape (GeoJSON geometry); None for each that did not happen."""

    click: tuple[float, float] | None
    drop: tuple[str, float, float] | None
    shape: dict | None


def events(event: dict) -> Events:
    """What the map reported since the last run, each event once; junk from the browser (not a
    number, not a geometry) reads as nothing."""
    ss, click, drop, shape = st.session_state, None, None, None
    clicked, count = event.get("last_object_clicked"), event.get("last_object_clicked_count")
    if isinstance(clicked, dict) and count and count != ss.get("ws_seen_click"):
        ss["ws_seen_click"] = count
        if finite(clicked.get("lng"), clicked.get("lat")):
            click = (clicked["lng"], clicked["lat"])
    drawings = event.get("all_drawings") or []
    if isinstance(drawings, list) and drawings and isinstance(drawings[-1], dict):
        geometry, mark = drawings[-1].get("geometry") or {}, repr(drawings[-1])
        if isinstance(geometry, dict) and mark != ss.get("ws_seen_drawing"):
            ss["ws_seen_drawing"] = mark
            ss["ws_drops"] = ss.get("ws_drops", 0) + 1  # the lead markers are redrawn where they belong
            dragged = (drawings[-1].get("properties") or {}).get("ylt_lead_grid")
            point = geometry.get("coordinates") if geometry.get("type") == "Point" else None
            if dragged and isinstance(point, list) and len(point) >= 2:
                drop = (str(dragged), point[0], point[1]) if finite(point[0], point[1]) else None
            else:
                shape = geometry
    return Events(click, drop, shape)


def view_around(units: gpd.GeoDataFrame, codes: list[str], turn: int) -> dict | None:
    """The map's centre and zoom that show every one of the units ``codes``; ``turn`` (how many
    zooms so far) nudges the centre by a hair, so the same place asked twice still moves the map."""
    box = bounds_of(units, set(codes))
    if box is None:
        return None
    span = max(box[2] - box[0], (box[3] - box[1]) * 1.3, 1e-3)
    zoom = max(7, min(15, int(math.log2(640 * 360 / (256 * span * 1.6)))))
    return {"center": ((box[1] + box[3]) / 2 + 1e-7 * (turn % 2), (box[0] + box[2]) / 2), "zoom": zoom}


def scroll_script(turn: int) -> str:
    """A page (in an iframe of the same origin) that scrolls the workspace map to the top of the
    window; ``turn`` makes each one new, so Streamlit runs it again."""
    return ("<script>/* %d */ const map = window.parent.document.querySelector("
            "'iframe[title=\"streamlit_folium.st_folium\"]');"
            " if (map) map.scrollIntoView({block: 'start', behavior: 'instant'});</script>" % turn)
