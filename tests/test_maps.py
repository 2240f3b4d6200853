"""Maps: offline assets only, and every planner string escaped before it reaches HTML."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import shapely

from conftest import ROOT
from ui.i18n import TEXT, t
from ui.maps import base_map, district_layer, facility_layer, safe_text, unit_layer, use_local_assets

HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}`x`"
LABELS = {k: t(k, "zh") for k in TEXT}


def _frames():
    d = gpd.GeoDataFrame({"district_code": ["D1"], "district_name": [HOSTILE], "ring": ["central"],
                          "population": [100.0]}, geometry=[shapely.box(121, 31, 121.1, 31.1)], crs=4326)
    u = gpd.GeoDataFrame({"unit_code": [HOSTILE], "unit_name": [HOSTILE], "district_code": ["D1"], "population": [100.0]},
                         geometry=[shapely.box(121, 31, 121.1, 31.1)], crs=4326)
    f = gpd.GeoDataFrame({"facility_code": ["F1"], "name": [HOSTILE], "kind": ["chc"]},
                         geometry=[shapely.Point(121.05, 31.05)], crs=4326)
    return d, u, f


def test_safe_text_escapes_html_and_template_syntax():
    out = safe_text(HOSTILE)
    assert "<" not in out and "${" not in out and "`" not in out and "{" not in out
    assert safe_text(None) == "" and safe_text(float("nan")) == ""


def test_map_html_never_carries_raw_planner_markup():
    use_local_assets()
    d, u, f = _frames()
    m = base_map(d)
    district_layer(d, LABELS).add_to(m)
    unit_layer(u, {"D1": HOSTILE}, LABELS).add_to(m)
    facility_layer(f, "chc", LABELS).add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "${alert" not in html and "`x`" not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, inside JSON


def test_map_loads_only_local_assets():
    use_local_assets()
    d, _, _ = _frames()
    m = base_map(d)
    folium.plugins.Draw().add_to(m)
    html = m.get_root().render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/app/static/vendor/") for u in urls), urls
    for u in urls:
        assert (ROOT / "static" / u.removeprefix("/app/static/")).is_file(), u
    assert "tile.openstreetmap" not in html


def test_tianditu_key_is_escaped():
    d, _, _ = _frames()
    html = base_map(d, basemap="tianditu", tianditu_key='k"><script>').get_root().render()
    assert '"><script>' not in html


def test_the_scale_bar_is_metric_only():
    districts = gpd.GeoDataFrame({"district_code": ["1"]}, geometry=[shapely.box(121, 31, 121.2, 31.2)], crs=4326)
    page = base_map(districts).get_root().render()
    assert page.count("L.control.scale(") == 1
    assert "imperial: false" in page and "metric: true" in page


def test_the_legend_can_lie_on_the_map_with_the_same_items():
    from ui.maps import legend_html

    labels = {"ring_central": "中心城区", "kind_chc": "社区卫生服务中心"}
    plain_legend = legend_html(["central"], ["chc"], labels)
    on_map = legend_html(["central"], ["chc"], labels, on_map=True)
    assert plain_legend in on_map and "ylt-map-legend" in on_map and "margin-top:-" in on_map
    assert "ylt-map-legend" not in plain_legend


LABEL = r'grid-label\\" data-z=\\"(\d+)\\"\\u003e([^\\]+)\\u003c'  # a label in the page's JSON


def test_grid_labels_show_their_number_from_the_zoom_where_the_grid_has_room():
    from ui.maps import grid_labels, room_zoom, short_grid_id

    assert short_grid_id("310118-G03") == "G03" and short_grid_id("QP-north") == "QP-north"
    wide, narrow = room_zoom(0.5), room_zoom(0.01)  # a grid half a degree wide, one a hundredth
    assert wide < narrow and 256 * 2 ** wide * 0.5 / 360 >= 64 > 256 * 2 ** (wide - 1) * 0.5 / 360
    grids = gpd.GeoDataFrame({"grid_id": ["310118-G03", "<b>x</b>-G01"]},
                             geometry=[shapely.box(121, 31, 121.5, 31.2), shapely.box(121.6, 31, 121.61, 31.01)], crs=4326)
    m = base_map(grids.assign(district_code="310118"))
    grid_labels(grids).add_to(m)
    page = m.get_root().render()
    labels = dict((text, int(z)) for z, text in re.findall(LABEL, page))
    assert labels["G03"] == wide and narrow in labels.values() and "<b>x</b>" not in page
    assert "querySelectorAll('.grid-label')" in page and ".grid-label{display:none" in page  # hidden until there is room


def test_the_workspace_labels_each_grid_from_its_units_without_geometry_work():
    from geodata.default import load_default
    from planning.session import PlanningSession
    from ui.workmap import label_layer, prepare

    session = PlanningSession(load_default())
    plan = session.propose().plan
    layer = label_layer(prepare(session), plan.assignment)
    html = folium.Map().add_child(layer).get_root().render()
    shown = re.findall(LABEL, html)
    assert len(shown) == len(plan.grids) and all(6 <= int(z) <= 16 for z, _ in shown)  # a district to a town
