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
