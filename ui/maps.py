"""Folium maps of a data package, offline and safe.

Offline: folium loads Leaflet, jQuery, Bootstrap and icon fonts from CDNs by default. We point
it at the copies under ``static/vendor`` (served by Streamlit at ``/app/static/``) and use no
Bootstrap or icon fonts at all (markers are circles), so the map draws with no internet.

Safe: ``GeoJsonTooltip`` inserts values as HTML and folium's templates evaluate ``${...}``, so
every string that comes from a planner's file passes through ``safe_text`` first.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path

import branca.element
from branca.element import MacroElement
from jinja2 import Template
import folium
import folium.plugins
import geopandas as gpd
import pandas as pd

from planning.colours import NO_GRID, PALETTE, shape_colours
from planning.colours import grid_colours as _plan_grid_colours

STATIC = "/app/static/vendor"
LEAFLET_JS = [("leaflet", f"{STATIC}/leaflet/leaflet.js"), ("jquery", f"{STATIC}/jquery/jquery.min.js")]
LEAFLET_CSS = [("leaflet_css", f"{STATIC}/leaflet/leaflet.css")]
DRAW_JS = [("leaflet_draw_js", f"{STATIC}/leaflet-draw/leaflet.draw.js")]
DRAW_CSS = [("leaflet_draw_css", f"{STATIC}/leaflet-draw/leaflet.draw.css")]


def use_local_assets() -> None:
    """Point folium at the vendored Leaflet files; call once at start-up (idempotent)."""
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    folium.plugins.Draw.default_js = DRAW_JS
    folium.plugins.Draw.default_css = DRAW_CSS


RING_COLOURS = {"central": "#9ecae1", "near_suburb": "#fdd0a2", "remote_suburb": "#c7e9c0", "county": "#e5d8bd"}
KIND_STYLE = {
    # kind: (colour, radius)
    "city_hospital": ("#d62728", 8),
    "district_hospital": ("#1f4e9c", 7),
    "county_hospital": ("#1f4e9c", 7),
    "chc": ("#2ca02c", 4),
    "thc": ("#17becf", 4),
    "village_clinic": ("#ff7f0e", 2.5),
    "nursing": ("#9467bd", 3),
    "rehab": ("#8c564b", 3),
}


def safe_text(value: object) -> str:
    """HTML-escape, and neutralise the characters of JavaScript template syntax and of markdown
    (links, images, emphasis: the text may sit in ``st.markdown`` HTML) as character references,
    which every browser shows as the characters; a lone surrogate (which no page can carry)
    becomes \ufffd."""
    text = html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return text.translate(_NEUTRAL)


_NEUTRAL = {ord(c): f"&#{ord(c)};" for c in "${}`[]*_!~|\\"}


def _safe_frame(gdf: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame({c: [safe_text(v) for v in gdf[c]] for c in columns}, geometry=gdf.geometry.values, crs=gdf.crs)
    return out


TILE_HOSTS = {"osm": "tile.openstreetmap.org", "tianditu": "tianditu.gov.cn"}
# Leaflet paths take keyboard focus when clicked and browsers draw a focus box around them.
_CSS = "<style>.leaflet-interactive:focus{outline:none}.district-label{font:600 13px sans-serif;color:#222;" \
       "text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;pointer-events:none}" \
       ".grid-label{display:none;font:600 11px sans-serif;color:#333;text-shadow:0 0 2px #fff,0 0 2px #fff;" \
       "white-space:nowrap;pointer-events:none;transform:translate(-50%,-50%)}</style>"


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's ``control_scale`` adds miles too, which
    no Chinese planner reads)."""

    _template = Template("""{% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
    {% endmacro %}""")


def base_map(districts: gpd.GeoDataFrame, *, basemap: str = "none", tianditu_key: str = "") -> folium.Map:
    """A map fitted to the districts, with no tiles unless a base map is chosen.

    The wheel does not zoom (it scrolls the page; zoom with the buttons or a double click), and
    zoom snaps in quarter steps so the districts fill the frame. No keyboard handler: Leaflet's
    focuses the map on the first mouse press, and the browser then scrolls a map that is partly
    below the fold into view under the pointer, so that first click lands on another place.
    """
    minx, miny, maxx, maxy = districts.total_bounds
    # No attribution control: the page credits a chosen base map in its own caption.
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=9,
                   control_scale=False, zoom_control=True, attribution_control=False,
                   scroll_wheel_zoom=False, zoom_snap=0.25, zoom_delta=0.5, keyboard=False)
    m.get_root().header.add_child(folium.Element(_CSS))
    MetricScale().add_to(m)
    GridLabelZoom().add_to(m)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    elif basemap == "tianditu" and tianditu_key:
        key = html.escape(tianditu_key.strip(), quote=True)
        for layer in ("vec", "cva"):
            folium.TileLayer(
                tiles=f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                      f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                      f"&TILECOL={{x}}&tk={key}",
                attr="天地图", subdomains="01234567", name=f"天地图 {layer}",
            ).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def district_labels(districts: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """District names at a point inside each district."""
    group = folium.FeatureGroup(name="district labels")
    for name, geom in zip(districts["district_name"], districts.geometry):
        p = geom.representative_point()
        folium.Marker([p.y, p.x], icon=folium.DivIcon(html=f'<div class="district-label">{safe_text(name)}</div>',
                                                      icon_size=(0, 0), icon_anchor=(0, 0))).add_to(group)
    return group


LABEL_ROOM_PX = 64  # a grid's label shows once the grid is this wide on screen


def room_zoom(span_deg: float, room_px: int = LABEL_ROOM_PX) -> int:
    """The zoom from which a shape ``span_deg`` degrees of longitude wide is ``room_px`` wide on a
    Web Mercator map (256 px tiles: a degree is 256 * 2**z / 360 px): where its label has room."""
    import math

    return max(0, min(20, math.ceil(math.log2(room_px * 360 / (256 * max(float(span_deg), 1e-9))))))


def short_grid_id(grid_id: str) -> str:
    """What a map label shows of a grid id: its number (G03 of 310118-G03), else the id."""
    grid_id = str(grid_id)
    tail = grid_id.rsplit("-", 1)[-1]
    return tail if tail != grid_id and re.fullmatch(r"G\d+", tail) else grid_id


def grid_labels(grids: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Each grid's number at a point inside it (``label_markers``)."""
    shapes = [(g, geom) for g, geom in zip(grids["grid_id"], grids.geometry) if geom is not None and not geom.is_empty]
    return label_markers([g for g, _ in shapes], [geom.representative_point() for _, geom in shapes],
                         [geom.bounds[2] - geom.bounds[0] for _, geom in shapes])


def label_markers(grid_ids, points, spans) -> folium.FeatureGroup:
    """Grid numbers at ``points``, each shown only where its grid (``spans`` degrees wide) has room
    on screen: a label carries the zoom it needs (``room_zoom``) and ``GridLabelZoom`` shows it from
    there."""
    group = folium.FeatureGroup(name="grid labels")
    for grid_id, p, span in zip(grid_ids, points, spans):
        folium.Marker([p.y, p.x], interactive=False, icon=folium.DivIcon(
            html=f'<div class="grid-label" data-z="{room_zoom(span)}">{safe_text(short_grid_id(grid_id))}</div>',
            icon_size=(0, 0), icon_anchor=(0, 0))).add_to(group)
    return group


class GridLabelZoom(MacroElement):
    """Shows each grid label from the zoom it needs (its ``data-z``), hides it below: labels never
    pile up on a city view and appear as the planner zooms in. Runs after a zoom and when layers
    are added (the workspace sends its layers after the map is drawn), once a frame at most."""

    _template = Template("""{% macro script(this, kwargs) %}
        (function (map) {
            let queued = false;
            function show() {
                queued = false;
                const z = map.getZoom();
                map.getContainer().querySelectorAll('.grid-label').forEach(function (e) {
                    e.style.display = z >= Number(e.dataset.z) ? 'block' : 'none';
                });
            }
            function later() { if (!queued) { queued = true; requestAnimationFrame(show); } }
            map.on('zoomend layeradd', later);
            later();
        })({{ this._parent.get_name() }});
    {% endmacro %}""")


def district_layer(districts: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    frame = _safe_frame(districts, ["district_code", "district_name"])
    frame["ring"] = [safe_text(labels.get(f"ring_{r}", r)) for r in districts["ring"]]
    frame["population"] = [f"{p:,.0f}" for p in districts["population"]]
    frame["_fill"] = [RING_COLOURS.get(r, "#dddddd") for r in districts["ring"]]
    return folium.GeoJson(
        frame,
        name="districts",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#333333", "weight": 1.5,
                                  "fillOpacity": 0.45},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["district_name", "district_code", "ring", "population"],
            aliases=[labels["districts"], labels["code"], labels["ring"], labels["population"]],
        ),
    )


def unit_layer(units: gpd.GeoDataFrame, district_names: dict[str, str], labels: dict[str, str]) -> folium.GeoJson:
    frame = _safe_frame(units, ["unit_code", "unit_name"])
    frame["district"] = [safe_text(district_names.get(d, d)) for d in units["district_code"]]
    frame["population"] = [f"{p:,.0f}" for p in units["population"]]
    return folium.GeoJson(
        frame,
        name="units",
        style_function=lambda f: {"fillOpacity": 0.0, "color": "#555555", "weight": 0.6, "dashArray": "3"},
        tooltip=folium.GeoJsonTooltip(fields=["unit_name", "unit_code", "district", "population"],
                                      aliases=[labels["units"], labels["code"], labels["districts"], labels["population"]]),
    )


def facility_layer(facilities: gpd.GeoDataFrame, kind: str, labels: dict[str, str]) -> folium.GeoJson:
    colour, radius = KIND_STYLE.get(kind, ("#444444", 3))
    rows = facilities[facilities["kind"] == kind]
    frame = _safe_frame(rows, ["facility_code", "name"])
    frame["kind"] = safe_text(labels[f"kind_{kind}"])
    return folium.GeoJson(
        frame,
        name=kind,
        marker=folium.CircleMarker(radius=radius, weight=1, color="#ffffff", fill=True, fill_color=colour,
                                   fill_opacity=0.95),
        tooltip=folium.GeoJsonTooltip(fields=["name", "facility_code", "kind"],
                                      aliases=[labels["name"], labels["code"], labels["kind"]]),
    )


def legend_html(rings: list[str], kinds: list[str], labels: dict[str, str], *, on_map: bool = False) -> str:
    """A legend of the rings and facility kinds shown; the labels are the app's own words.
    ``on_map``: laid over the lower right corner of the map drawn just above it (a page element,
    not a Leaflet control, so switching a layer on or off never redraws the map and loses its
    zoom)."""
    items = [
        f'<span style="display:inline-block;width:14px;height:14px;background:{RING_COLOURS[r]};'
        f'border:1px solid #333;margin:0 4px -2px 10px"></span>{html.escape(labels["ring_" + r])}'
        for r in rings
    ]
    items += [
        f'<span style="display:inline-block;width:{int(KIND_STYLE[k][1] * 2)}px;height:{int(KIND_STYLE[k][1] * 2)}px;'
        f'border-radius:50%;background:{KIND_STYLE[k][0]};margin:0 4px 0 10px"></span>{html.escape(labels["kind_" + k])}'
        for k in kinds
    ]
    body = '<div style="font-size:0.9rem;line-height:1.9">' + " ".join(
        f'<span style="white-space:nowrap">{item}</span>' for item in items) + "</div>"
    if not on_map:
        return body
    return ('<div class="ylt-map-legend" style="position:relative;z-index:500;margin-top:-4.2rem;height:0;'
            'display:flex;justify-content:flex-end;align-items:flex-start;pointer-events:none"><div style="background:rgba(255,255,255,.92);'
            'border:1px solid #bbb;border-radius:4px;padding:2px 10px 2px 0;margin-right:10px;max-width:70%">'
            f'{body}</div></div>')


def grid_layer(grids: gpd.GeoDataFrame, labels: dict[str, str], colours: dict[str, str] | None = None) -> folium.GeoJson:
    """Grids filled in the plan's colours (``planning.colours``: touching grids differ), with
    figures. ``colours``: the whole plan's colouring (pass it when showing part of a plan); else
    the frame's ``fill`` column (an export's features), else computed from these grids' shapes."""
    frame = _safe_frame(grids, ["grid_id", "lead_name"])
    frame["population"] = [f"{p:,.0f}" for p in grids["population"]]
    frame["access"] = [f"{a:.1f} km" for a in grids["mean_access_km"]]
    ids = [str(g) for g in grids["grid_id"]]
    if colours is None:
        carried = grids["fill"].tolist() if "fill" in grids else []
        colours = (dict(zip(ids, carried)) if carried and all(isinstance(c, str) and c for c in carried)
                   else shape_colours(ids, list(grids.geometry)))
    frame["_fill"] = [colours.get(g, NO_GRID) for g in ids]
    return folium.GeoJson(
        frame,
        name="grids",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#222222", "weight": 1.2,
                                  "fillOpacity": 0.7},
        highlight_function=lambda f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(
            fields=["grid_id", "lead_name", "population", "access"],
            aliases=[labels["grid_id"], labels["lead_hospital"], labels["population"], labels["mean_access"]]),
    )


def lead_layer(leads: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    frame = _safe_frame(leads, ["facility_code", "name"])
    return folium.GeoJson(
        frame, name="leads",
        marker=folium.CircleMarker(radius=7, weight=2, color="#ffffff", fill=True, fill_color="#1f4e9c", fill_opacity=1),
        tooltip=folium.GeoJsonTooltip(fields=["name", "facility_code"], aliases=[labels["lead_hospital"], labels["code"]]),
    )


def gap_layer(units: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    """Units shaded by the share of their residents beyond reach or unserved."""
    short = (units["not_covered"] + units["unserved"]) / units["population"].where(units["population"] > 0)
    frame = _safe_frame(units, ["unit_code", "unit_name"])
    frame["short"] = [f"{s:.0%}" if s == s else "" for s in short]
    frame["distance"] = [f"{d:.1f} km" for d in units["primary_km"]]
    frame["_fill"] = ["#b2182b" if s > 0.75 else "#ef8a62" if s > 0.5 else "#fddbc7" if s > 0.25 else "#f7f7f7"
                      for s in short.fillna(0)]
    return folium.GeoJson(
        frame, name="gaps",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#777777", "weight": 0.6, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=["unit_name", "short", "distance"],
                                      aliases=[labels["units"], labels["unserved_share"] + " / " + labels["not_covered_share"],
                                               labels["mean_access"]]),
    )


def grid_colour(grid: str) -> str:
    """A grid's fill when no plan colouring is at hand (a grid the colouring has not seen): by its
    number. Views of a plan use ``planning.colours`` instead."""
    tail = grid.rsplit("G", 1)[-1]
    return PALETTE[int(tail) % len(PALETTE)] if tail.isascii() and tail.isdigit() else NO_GRID


def unit_shapes(units: gpd.GeoDataFrame) -> list[dict]:
    """Unit outlines as GeoJSON geometries rounded to 1e-5 degrees (about a metre): the map is
    sent again after every edit, and full precision would triple its size for nothing."""
    import shapely

    rounded = shapely.set_precision(units.geometry.values, 1e-5)
    return [shapely.geometry.mapping(g) for g in rounded]


class _Raw(branca.element.Element):
    """Text put into the page as it is. Branca turns every element's rendered script into a new
    Jinja template (``Element(script)``), which for our large generated scripts was a tenth of a
    workspace run: ours are finished JavaScript and need no second pass."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _OwnScript(folium.MacroElement):
    """A map element whose ``script`` macro gives finished JavaScript (see ``_Raw``)."""

    def render(self, **kwargs) -> None:
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_Raw(script(self, kwargs)), name=self.get_name())


class _Script(_OwnScript):
    """A script of ours inside the map (never text from a file: callers pass JSON they built
    from escaped values)."""

    _template = __import__("jinja2").Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


UNIT_STYLES = {  # state -> outline; the fill is the grid's colour
    "": {"color": "#ffffff", "weight": 0.7, "fillOpacity": 0.75, "dashArray": None},
    "locked": {"color": "#000000", "weight": 2, "fillOpacity": 0.75, "dashArray": "4 4"},
    "flagged": {"color": "#d7191c", "weight": 3, "fillOpacity": 0.75, "dashArray": None},
    "selected": {"color": "#e6007e", "weight": 3.5, "fillOpacity": 0.9, "dashArray": None},
}


STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def publish(data: dict) -> str | None:
    """Serve ``data`` as a JSON file under ``static/cache`` (named by its content, written once)
    and return its URL; None when the folder cannot be written (the caller embeds it instead)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    name = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".json"
    target = STATIC_DIR / "cache" / name
    try:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(target)
    except OSError:
        return None
    return f"/app/static/cache/{name}"


_UNITS_JS = """(function(){
var map = %(map)s, fields = %(fields)s, aliases = %(aliases)s;
var anchor = L.featureGroup().addTo(map);  // bound to the component's click handler at start
function tip(layer) {
  var p = layer.feature.properties;  // escaped on the server
  return '<table>' + fields.map(function(k, i) { return '<tr><th style="text-align:left;padding-right:8px">' +
    aliases[i] + '</th><td>' + p[k] + '</td></tr>'; }).join('') + '</table>';
}
function add(data) {
  var layer = L.geoJson(data, {style: function() { return %(style)s; }, onEachFeature: function(f, l) {
    l.bindTooltip(tip, {sticky: true});
    l.on('click', function(e) { anchor.fire('click', {latlng: e.latlng}); });
  }}).addTo(map);
  layer.bringToBack();
  window.yltUnits = layer;
  if (window.yltRestyle) { window.yltRestyle(); }
}
var source = %(source)s;
if (typeof source === 'string') { fetch(source).then(function(r) { return r.json(); }).then(add); } else { add(source); }
})();"""


class _UnitsLayer(_OwnScript):
    """Every unit, loaded by the map from a file the server publishes once per package, so the
    map handed to the component on each run stays small: sending 2,000 outlines with every click
    cost most of a second (bench/workspace.py). ``plan_styles`` colours them after each edit."""

    _template = __import__("jinja2").Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, source: str | dict, aliases: list[str]) -> None:
        super().__init__()
        self.source, self.aliases = source, aliases

    def code(self) -> str:
        return _UNITS_JS % {
            "map": self._parent.get_name(), "fields": json.dumps(UNIT_FIELDS),
            "aliases": json.dumps([html.escape(a) for a in self.aliases], ensure_ascii=False),
            "style": json.dumps({"fillColor": "#d9d9d9", **UNIT_STYLES[""]}),
            "source": json.dumps(self.source, ensure_ascii=False, separators=(",", ":")),
        }


UNIT_FIELDS = ["unit_name", "unit_code", "grid", "district", "population", "locked"]


def unit_source(units: gpd.GeoDataFrame, shapes: list[dict], district_names: dict[str, str]) -> str | dict:
    """The units as GeoJSON for the workspace's map: the URL of the published file, or the data
    itself when ``static/cache`` cannot be written. Build once per package."""
    features = [{"type": "Feature", "geometry": shape, "properties": {
        "_i": i, "unit_name": safe_text(name), "unit_code": safe_text(code), "grid": "",
        "district": safe_text(district_names.get(district, district)), "population": f"{pop:,.0f}", "locked": ""}}
        for i, (code, name, district, pop, shape) in enumerate(zip(units["unit_code"].astype(str), units["unit_name"],
                                                                   units["district_code"], units["population"], shapes))]
    data = {"type": "FeatureCollection", "features": features}
    return publish(data) or data


def unit_base_layer(source: str | dict, labels: dict[str, str]) -> folium.MacroElement:
    """The units on the workspace's map (add it to the base map)."""
    return _UnitsLayer(source, [labels["unit_label"], labels["code"], labels["grid_id"], labels["district_label"],
                                labels["population"], labels["locked"]])


def grid_colours(grids: list[str], touching: set[tuple[str, str]]) -> dict[str, str]:
    """A colour per grid such that grids that touch differ: ``planning.colours.grid_colours``."""
    return _plan_grid_colours(grids, touching)


def plan_styles(units: gpd.GeoDataFrame, assignment, locked, selection, flagged,
                colours: dict[str, str] | None = None) -> folium.FeatureGroup:
    """A script that colours the units by grid and outlines the selected (magenta), the ones of a
    broken rule (red) and the locked (dashed), and clears shapes the planner drew (their units
    are selected by then)."""
    states = list(UNIT_STYLES)
    rows = []
    for code in units["unit_code"].astype(str):
        grid = assignment.get(code, "")
        state = "selected" if code in selection else "flagged" if code in flagged else "locked" if code in locked else ""
        rows.append([safe_text(grid), (colours or {}).get(grid) or grid_colour(grid), states.index(state), code in locked])
    code = (
        f"(function(){{var R={json.dumps(rows, ensure_ascii=False, separators=(',', ':'))};"
        f"var S={json.dumps([UNIT_STYLES[s] for s in states], separators=(',', ':'))};"
        "window.yltRestyle=function(){window.yltUnits.eachLayer(function(l){var r=R[l.feature.properties._i];if(!r)return;"
        "l.feature.properties.grid=r[0];l.feature.properties.locked=r[3]?'🔒':'—';"
        "l.setStyle(Object.assign({fillColor:r[1]},S[r[2]],r[3]?{dashArray:'4 4',weight:Math.max(S[r[2]].weight,2)}:{}));"
        "if(r[2]>=2)l.bringToFront();});if(window.yltDistricts){window.yltDistricts.bringToFront();}};"
        "if(window.yltUnits){window.yltRestyle();}"
        "if(window.drawnItems&&window.drawnItems.clearLayers){window.drawnItems.clearLayers();}})();"
    )
    group = folium.FeatureGroup(name="plan")
    group.add_child(_Script(code))
    return group


def shared_edges(units: gpd.GeoDataFrame, pairs) -> tuple[list[str], list[str], list[dict]]:
    """The line each pair of neighbouring units shares, rounded like the units; computed once per
    package, so an edit draws the grid boundaries by picking edges instead of dissolving units
    (which took 0.1-5 s at 2,000 units; bench/workspace.py)."""
    import numpy as np
    import shapely

    codes = units["unit_code"].astype(str).to_numpy()
    a, b = (np.asarray(x, dtype=int) for x in pairs)
    boundary = shapely.boundary(units.geometry.values)
    lines = shapely.set_precision(shapely.intersection(boundary[a], boundary[b]), 1e-5)
    out_a, out_b, shapes = [], [], []
    for i, j, line in zip(a, b, lines):
        parts = [p for p in shapely.get_parts(line) if p.geom_type in ("LineString", "MultiLineString") and p.length > 0]
        if parts:
            out_a.append(codes[i])
            out_b.append(codes[j])
            shapes.append(shapely.geometry.mapping(shapely.multilinestrings(parts) if len(parts) > 1 else parts[0]))
    return out_a, out_b, shapes


_FETCHED = """var source = %(source)s;
if (typeof source === 'string') { fetch(source).then(function(r) { return r.json(); }).then(add); } else { add(source); }"""

_DISTRICTS_JS = """(function(){
var map = %(map)s;
function add(data) {
  window.yltDistricts = L.geoJson(data, {interactive: false, style: function() {
    return {fill: false, color: '#000000', weight: 3}; }}).addTo(map);
  data.features.forEach(function(f) {  // the names were escaped on the server
    L.marker(f.properties.label, {interactive: false, keyboard: false, icon: L.divIcon({className: 'empty',
      iconSize: [0, 0], iconAnchor: [0, 0], html: '<div class="district-label">' + f.properties.name + '</div>'})}).addTo(map);
  });
}
""" + _FETCHED + "\n})();"


class _Fetched(_OwnScript):
    """A layer the map loads from a file the server publishes once per package (``publish``), so
    the map built on every run stays small and cheap: folium processes an embedded GeoJSON on each
    run (bounds, templates), which cost the workspace about a third of a run (bench/wsload.py)."""

    _template = __import__("jinja2").Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, script: str, source: str | dict) -> None:
        super().__init__()
        self.script, self.source = script, source

    def code(self) -> str:
        return self.script % {"map": self._parent.get_name(),
                              "source": json.dumps(self.source, ensure_ascii=False, separators=(",", ":"))}


def district_source(districts: gpd.GeoDataFrame) -> str | dict:
    """District outlines and label points for the workspace's map, published once per package
    (the URL, or the data itself when ``static/cache`` cannot be written)."""
    import shapely

    rounded = shapely.set_precision(districts.geometry.values, 1e-5)
    features = [{"type": "Feature", "geometry": shapely.geometry.mapping(shape), "properties": {
        "name": safe_text(name), "label": [round(point.y, 6), round(point.x, 6)]}}
        for name, shape, point in zip(districts["district_name"], rounded, districts.geometry.representative_point())]
    data = {"type": "FeatureCollection", "features": features}
    return publish(data) or data


def district_base_layer(source: str | dict) -> folium.MacroElement:
    """District boundaries over everything (the workspace brings them back to the front after
    each recolouring), not clickable, with their names (add it to the base map)."""
    return _Fetched(_DISTRICTS_JS, source)


def edge_source(edges: tuple[list[str], list[str], list[dict]]) -> str | dict:
    """The shared edges' lines (``shared_edges``), published once per package."""
    data = {"lines": edges[2]}
    return publish(data) or data


_OUTLINES_JS = """(function(){
var map = window.map, keep = %(keep)s; if (!map) { return; }
function draw(lines) {
  if (window.yltOutlines) { map.removeLayer(window.yltOutlines); }
  window.yltOutlines = L.geoJson({type: 'FeatureCollection', features: keep.map(function(i) {
    return {type: 'Feature', properties: {}, geometry: lines[i]}; })},
    {interactive: false, style: function() { return {color: '#1a1a1a', weight: 2.4}; }}).addTo(map);
  if (window.yltDistricts) { window.yltDistricts.bringToFront(); }
}
if (window.yltEdgeLines) { draw(window.yltEdgeLines); return; }
function add(data) { window.yltEdgeLines = data.lines; draw(data.lines); }
""" + _FETCHED + "\n})();"


def outline_layer(edges: tuple[list[str], list[str], list[dict]], source: str | dict, assignment) -> folium.FeatureGroup:
    """Grid boundaries inside districts (the edges between units of different grids), drawn over
    the units; not clickable, so clicks reach the units. Only the edges' numbers are sent on each
    run; their lines come once from ``source`` (``edge_source``)."""
    a, b, _ = edges
    keep = [i for i, (x, y) in enumerate(zip(a, b)) if assignment.get(x) != assignment.get(y)]
    group = folium.FeatureGroup(name="grid outlines")
    group.add_child(_Script(_OUTLINES_JS % {"keep": json.dumps(keep, separators=(",", ":")),
                                            "source": json.dumps(source, ensure_ascii=False, separators=(",", ":"))}))
    return group


def candidate_layer(candidates: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    """Hospitals that may lead a grid and lead none: hollow circles (where a lead can be moved)."""
    frame = _safe_frame(candidates, ["facility_code", "name"])
    frame["role"] = safe_text(labels["lead_candidate"])
    return folium.GeoJson(
        frame, name="candidates",
        marker=folium.CircleMarker(radius=5, weight=2.5, fill=True, color="#1f4e9c", fill_color="#ffffff", fill_opacity=1),
        tooltip=folium.GeoJsonTooltip(fields=["name", "facility_code", "role"],
                                      aliases=[labels["name"], labels["code"], labels["kind"]]),
    )


_LEADS_JS = """(function(){
var map = window.map; if (!map) { return; }
if (window.yltLeads) { map.removeLayer(window.yltLeads); }
var group = L.layerGroup().addTo(map); window.yltLeads = group;
var icon = L.divIcon({className: '', iconSize: [18, 18], iconAnchor: [9, 9], html: '<div style="width:14px;height:14px;'
  + 'border-radius:50%%;background:#1f4e9c;border:2px solid #fff;box-shadow:0 0 2px #000;cursor:grab"></div>'});
%(leads)s.forEach(function(r) {
  var m = L.marker([r[0], r[1]], {icon: icon, draggable: true, autoPan: true}).addTo(group);
  m.bindTooltip(r[3]);
  m.on('dragend', function(e) {  // handed to the page as a drawn point that names the grid
    var moved = L.marker(e.target.getLatLng());
    moved.feature = {type: 'Feature', properties: {ylt_lead_grid: r[2]}};
    if (window.drawnItems && window.drawnItems.addLayer) { window.drawnItems.addLayer(moved); }
    map.fire('draw:created', {layer: moved, layerType: 'marker'});
  });
});
})();"""


def lead_markers(leads: list[tuple[float, float, str, str]], *, drops: int = 0) -> folium.FeatureGroup:
    """The grids' lead hospitals as filled markers the planner can drag onto another hospital of
    the district: ``leads`` are (lat, lon, grid id, tooltip text). Folium has no draggable marker
    that reports where it was dropped, so the drop comes back like a drawn point (the workspace
    page reads ``ylt_lead_grid`` from it). ``drops`` counts the drops handled: a drop that changed
    nothing still redraws the markers, so none stays where it was dropped."""
    rows = [[round(lat, 6), round(lon, 6), grid, safe_text(text)] for lat, lon, grid, text in leads]
    group = folium.FeatureGroup(name="leads")
    group.add_child(_Script(f"/* drop {int(drops)} */" + _LEADS_JS % {"leads": json.dumps(rows, ensure_ascii=False)}))
    return group


def pairing_lines(pairings, campuses: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, text) -> folium.FeatureGroup:
    """A line from the hospital's nearest campus to each district it is paired with, coloured by
    role; ``text(pairing)`` gives the tooltip (escaped here)."""
    anchor = {c: g.representative_point() for c, g in zip(districts["district_code"], districts.geometry)}
    group = folium.FeatureGroup(name="pairings")
    for p in pairings:
        own = campuses[campuses["hospital_code"] == p.hospital_code]
        target = anchor.get(p.district_code)
        if target is None or not len(own):
            continue
        start = min(own.geometry, key=lambda g: g.distance(target))
        colour = ROLE_COLOURS.get(p.role, "#444444")
        folium.PolyLine([[start.y, start.x], [target.y, target.x]], color=colour, weight=2.5, opacity=0.85,
                        dash_array=None if p.fixed else "6 4", tooltip=safe_text(text(p))).add_to(group)
        folium.CircleMarker([start.y, start.x], radius=4, color="#ffffff", weight=1, fill=True, fill_color=colour,
                            fill_opacity=1).add_to(group)
    return group


ROLE_COLOURS = {"technical_support": "#1f4e9c", "main_support": "#d62728", "tcm": "#2ca02c", "specialty": "#9467bd"}


def role_legend_html(text) -> str:
    return " ".join(f'<span style="white-space:nowrap"><span style="display:inline-block;width:22px;height:3px;'
                    f'background:{c};margin:0 6px 3px 12px"></span>{html.escape(text(r))}</span>'
                    for r, c in ROLE_COLOURS.items())


def _hex(colour: str) -> str:
    """A colour for HTML/SVG: ``#rrggbb`` as given, anything else grey (never markup)."""
    return colour if isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else NO_GRID


def swatch_uri(colour: str) -> str:
    """A grid's colour as a small square image (a data: URI, offline) for a table's image column."""
    import base64

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="18"><rect x="1" y="1" width="26" height="16" '
           f'fill="{_hex(colour)}" stroke="#222222" stroke-width="1"/></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def swatch_html(colour: str) -> str:
    """A grid's colour as an inline square before its name (cards)."""
    return (f'<span style="display:inline-block;width:0.95em;height:0.95em;background:{_hex(colour)};'
            'border:1px solid #222;margin-right:0.4em;vertical-align:-0.1em"></span>')
