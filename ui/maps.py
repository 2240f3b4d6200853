"""Folium maps of a data package, offline and safe.

Offline: folium loads Leaflet, jQuery, Bootstrap and icon fonts from CDNs by default. We point
it at the copies under ``static/vendor`` (served by Streamlit at ``/app/static/``) and use no
Bootstrap or icon fonts at all (markers are circles), so the map draws with no internet.

Safe: ``GeoJsonTooltip`` inserts values as HTML and folium's templates evaluate ``${...}``, so
every string that comes from a planner's file passes through ``safe_text`` first.
"""

from __future__ import annotations

import html

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd

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
    """HTML-escape, and neutralise the characters of JavaScript template syntax."""
    text = html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
    return text.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")


def _safe_frame(gdf: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame({c: [safe_text(v) for v in gdf[c]] for c in columns}, geometry=gdf.geometry.values, crs=gdf.crs)
    return out


TILE_HOSTS = {"osm": "tile.openstreetmap.org", "tianditu": "tianditu.gov.cn"}
# Leaflet paths take keyboard focus when clicked and browsers draw a focus box around them.
_CSS = "<style>.leaflet-interactive:focus{outline:none}.district-label{font:600 13px sans-serif;color:#222;" \
       "text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;pointer-events:none}</style>"


def base_map(districts: gpd.GeoDataFrame, *, basemap: str = "none", tianditu_key: str = "") -> folium.Map:
    """A map fitted to the districts, with no tiles unless a base map is chosen.

    The wheel does not zoom (it scrolls the page; zoom with the buttons or a double click), and
    zoom snaps in quarter steps so the districts fill the frame.
    """
    minx, miny, maxx, maxy = districts.total_bounds
    # No attribution control: the page credits a chosen base map in its own caption.
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=9,
                   control_scale=True, zoom_control=True, attribution_control=False,
                   scroll_wheel_zoom=False, zoom_snap=0.25, zoom_delta=0.5)
    m.get_root().header.add_child(folium.Element(_CSS))
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


def legend_html(rings: list[str], kinds: list[str], labels: dict[str, str]) -> str:
    """A legend of the rings and facility kinds shown; the labels are the app's own words."""
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
    return '<div style="font-size:0.9rem;line-height:1.9">' + " ".join(
        f'<span style="white-space:nowrap">{item}</span>' for item in items) + "</div>"


PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd",
           "#ccebc5", "#ffed6f", "#d9d9d9")


def grid_layer(grids: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    """Grids filled in distinct colours (neighbours within a district differ), with figures."""
    frame = _safe_frame(grids, ["grid_id", "lead_name"])
    frame["population"] = [f"{p:,.0f}" for p in grids["population"]]
    frame["access"] = [f"{a:.1f} km" for a in grids["mean_access_km"]]
    frame["_fill"] = [PALETTE[int(g.rsplit("G", 1)[-1]) % len(PALETTE)] for g in grids["grid_id"]]
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
    """A grid's fill: by its number, so neighbouring grids of a district differ."""
    tail = grid.rsplit("G", 1)[-1]
    return PALETTE[int(tail) % len(PALETTE)] if tail.isdigit() else "#d9d9d9"


def unit_shapes(units: gpd.GeoDataFrame) -> list[dict]:
    """Unit outlines as GeoJSON geometries rounded to 1e-5 degrees (about a metre): the map is
    sent again after every edit, and full precision would triple its size for nothing."""
    import shapely

    rounded = shapely.set_precision(units.geometry.values, 1e-5)
    return [shapely.geometry.mapping(g) for g in rounded]


class _ClearDrawings(folium.MacroElement):
    """Removes the shapes the planner drew once their units are selected (the selection shows
    them instead). Our own constant script; nothing from a file goes into it."""

    _template = __import__("jinja2").Template(
        "{% macro script(this, kwargs) %}if (window.drawnItems && window.drawnItems.clearLayers) "
        "{ window.drawnItems.clearLayers(); }{% endmacro %}")


def plan_layer(units: gpd.GeoDataFrame, shapes: list[dict], assignment, locked, selection, flagged,
               district_names: dict[str, str], labels: dict[str, str]) -> folium.FeatureGroup:
    """The units coloured by grid: selected units outlined in magenta, locked ones dashed, units
    of a violated rule in red. Clicking a unit is read by the workspace page."""
    features = []
    for code, name, district, pop, shape in zip(units["unit_code"].astype(str), units["unit_name"], units["district_code"],
                                                units["population"], shapes):
        grid = assignment.get(code, "")
        features.append({"type": "Feature", "geometry": shape, "properties": {
            "unit_name": safe_text(name), "unit_code": safe_text(code), "grid": safe_text(grid),
            "district": safe_text(district_names.get(district, district)), "population": f"{pop:,.0f}",
            "locked": "🔒" if code in locked else "", "_fill": grid_colour(grid),
            "_state": "selected" if code in selection else "flagged" if code in flagged else "locked" if code in locked else ""}})
    styles = {
        "selected": {"color": "#e6007e", "weight": 3.5, "fillOpacity": 0.9, "dashArray": None},
        "flagged": {"color": "#d7191c", "weight": 3, "fillOpacity": 0.75, "dashArray": None},
        "locked": {"color": "#222222", "weight": 1.4, "fillOpacity": 0.75, "dashArray": "5 3"},
        "": {"color": "#ffffff", "weight": 0.7, "fillOpacity": 0.75, "dashArray": None},
    }
    group = folium.FeatureGroup(name="plan")
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="units",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], **styles[f["properties"]["_state"]]},
        tooltip=folium.GeoJsonTooltip(fields=["unit_name", "unit_code", "grid", "district", "population", "locked"],
                                      aliases=[labels["units"], labels["code"], labels["grid_id"], labels["districts"],
                                               labels["population"], labels["locked"]]),
    ).add_to(group)
    _ClearDrawings().add_to(group)
    return group


def outline_layer(outlines: gpd.GeoDataFrame) -> folium.GeoJson:
    """Grid boundaries, drawn over the units; not clickable, so clicks reach the units."""
    frame = gpd.GeoDataFrame({"grid_id": [safe_text(g) for g in outlines["grid_id"]]}, geometry=outlines.geometry.values,
                             crs=outlines.crs)
    return folium.GeoJson(frame, name="grid outlines", interactive=False,
                          style_function=lambda f: {"fill": False, "color": "#1a1a1a", "weight": 2.4})


def candidate_layer(candidates: gpd.GeoDataFrame, leading: set[str], labels: dict[str, str]) -> folium.GeoJson:
    """Hospitals that may lead a grid: filled when they lead one, hollow when free to."""
    frame = _safe_frame(candidates, ["facility_code", "name"])
    frame["role"] = [safe_text(labels["lead_hospital"] if c in leading else labels["lead_candidate"])
                     for c in candidates["facility_code"]]
    frame["_lead"] = [c in leading for c in candidates["facility_code"]]
    return folium.GeoJson(
        frame, name="leads",
        marker=folium.CircleMarker(radius=7, weight=2.5, fill=True),
        style_function=lambda f: {"color": "#1f4e9c", "fillColor": "#1f4e9c" if f["properties"]["_lead"] else "#ffffff",
                                  "fillOpacity": 1, "radius": 7 if f["properties"]["_lead"] else 5},
        tooltip=folium.GeoJsonTooltip(fields=["name", "facility_code", "role"],
                                      aliases=[labels["name"], labels["code"], labels["kind"]]),
    )


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
