"""The review's grid maps: grids in the plan's colours, the broken ones hatched in red with the rules
they break in the tooltip, and a large label that names the grid under the pointer (a Leaflet
control, in the grid's colour) for a meeting room's projector."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import jinja2

from planning.colours import NO_GRID
from ui.maps import grid_labels, safe_text

BROKEN = "#d7191c"
HATCH_ID = "ylt-hatch"


def _hex(colour: str) -> str:
    text = str(colour or "")
    return text if len(text) == 7 and text.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in text[1:]) \
        else NO_GRID


def grid_frame(features: gpd.GeoDataFrame, colours: dict[str, str], names: dict[str, str],
               issues: dict[str, set[str]], rule_names: dict[str, str]) -> gpd.GeoDataFrame:
    """The grids as the map shows them, every text escaped (``safe_text``): name (district and
    number, then id), lead hospital, population, the rules broken (id and name), fill colour, and
    whether the grid is broken."""
    ids = [str(g) for g in features["grid_id"]]
    broken = ["；".join(f"{r} {rule_names.get(r, '')}".strip() for r in sorted(issues.get(g, ()))) for g in ids]
    return gpd.GeoDataFrame({
        "name": [safe_text(names.get(g, g)) for g in ids],
        "lead": [safe_text(d) for d in features["lead_name"]],
        "population": [f"{p:,.0f}" for p in features["population"]],
        "issues": [safe_text(b) if b else "—" for b in broken],
        "_fill": [_hex(colours.get(g, "")) for g in ids],
        "_broken": [bool(b) for b in broken],
        "grid_id": ids,  # for the map's grid numbers (ui.maps.grid_labels escapes them); no tooltip shows it
    }, geometry=features.geometry.values, crs=features.crs)


def grid_layers(frame: gpd.GeoDataFrame, aliases: list[str]) -> list[folium.GeoJson]:
    """The grids (tooltip: name, district, population, rules broken) and, over them, the broken
    grids hatched and outlined in red (not interactive: the pointer reaches the grid below)."""
    grids = folium.GeoJson(
        frame, name="grids",
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#222222", "weight": 1.2,
                                  "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 3.5, "fillOpacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["name", "lead", "population", "issues"], aliases=aliases))
    layers = [grids]
    broken = frame[frame["_broken"]]
    if len(broken):
        layers.append(folium.GeoJson(
            broken[["geometry"]], name="broken", interactive=False,
            style_function=lambda f: {"fillColor": f"url(#{HATCH_ID})", "fillOpacity": 1, "color": BROKEN,
                                      "weight": 3, "dashArray": "8 4"}))
    return layers


_HOVER = jinja2.Template("""{% macro script(this, kwargs) %}
(function () {
  if (!document.getElementById({{ this.hatch_id }})) {
    var holder = document.createElement('div');
    holder.innerHTML = '<svg width="0" height="0" style="position:absolute"><defs><pattern id="{{ this.hatch }}" '
      + 'patternUnits="userSpaceOnUse" width="9" height="9" patternTransform="rotate(45)">'
      + '<rect width="9" height="9" fill="#ffffff" fill-opacity="0"/>'
      + '<line x1="0" y1="0" x2="0" y2="9" stroke="{{ this.broken }}" stroke-width="3"/></pattern></defs></svg>';
    document.body.appendChild(holder.firstChild);
  }
  if ({{ this.quiet }}) {  // the label says it: no tooltip over it
    var quiet = document.createElement('style');
    quiet.textContent = '.leaflet-tooltip{display:none !important}';
    document.head.appendChild(quiet);
  }
  var box = L.control({position: 'topright'});
  box.onAdd = function () {
    var div = L.DomUtil.create('div', 'ylt-hover');
    div.style.cssText = {{ this.css }};
    div.style.display = 'none';
    return div;
  };
  box.addTo({{ this._parent.get_name() }});
  var div = box.getContainer();
  {{ this.layer }}.on('mouseover', function (e) {
    var p = e.layer.feature.properties;
    div.innerHTML = '<div style="font-size:1em;font-weight:700">' + p.name + '</div>'
      + '<div style="font-size:0.6em">' + p.lead + ' · ' + p.population
      + (p._broken ? ' · <span style="color:{{ this.broken }};background:#fff;padding:0 .25em;border-radius:3px">'
         + p.issues + '</span>' : '') + '</div>';
    div.style.background = p._fill;
    div.style.display = 'block';
  });
  {{ this.layer }}.on('mouseout', function () { div.style.display = 'none'; });
})();
{% endmacro %}""")


class HoverLabel(folium.MacroElement):
    """A label in the map's top right corner naming the grid under the pointer, in large type
    and the grid's colour (the properties are escaped by ``grid_frame``); ``quiet``: no tooltips
    (on a projector the label is enough)."""

    _template = _HOVER

    def __init__(self, layer: folium.GeoJson, *, size_px: int, quiet: bool = False) -> None:
        super().__init__()
        self.quiet = json.dumps(bool(quiet))
        self.layer = layer.get_name()
        self.hatch, self.hatch_id, self.broken = HATCH_ID, json.dumps(HATCH_ID), BROKEN
        self.css = json.dumps(f"font:{int(size_px)}px/1.25 sans-serif;color:#111;padding:.3em .6em;max-width:60vw;"
                              "border:2px solid #222;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.35)")


def add_grids(m: folium.Map, frame: gpd.GeoDataFrame, aliases: list[str], *, label_px: int, quiet: bool = False) -> None:
    """The grids, the broken ones marked, and the hover label, on ``m`` (``quiet``: no tooltips)."""
    layers = grid_layers(frame, aliases)
    for layer in layers:
        layer.add_to(m)
    grid_labels(frame).add_to(m)  # each grid's number, where it has room
    HoverLabel(layers[0], size_px=label_px, quiet=quiet).add_to(m)
