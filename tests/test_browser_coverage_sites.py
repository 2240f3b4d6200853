"""In chromium: 覆盖缺口 on a package with population points (issue 17): the proposed new sites
are chosen among clusters of where people live, and their markers stand on the map exactly where
the analysis puts them (derived codes such as ``900001-10-k1`` name no unit, so the page must not
look them up by code). Lean (CI time): one app server, one page load, one screenshot at 1600x1000
in tests/output/."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely

from browsing import MAP, settle
from conftest import collection, feature, write_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PACKAGE = "5173a0b1c2d3e4f5"  # a stored upload's id (16 hex digits)
MARKER = re.compile(r"L\.circleMarker\(\s*\[\s*([-0-9.e]+)\s*,\s*([-0-9.e]+)\s*\]")


def _points() -> str:
    """A population point every 0.003 degrees over both districts, 20-200 residents each (seeded)."""
    rng = np.random.default_rng(1)
    return collection([feature({"人口": int(rng.integers(20, 200))}, shapely.Point(x, y))
                       for x in np.arange(121.0015, 121.08, 0.003) for y in np.arange(31.0015, 31.04, 0.003)])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app serving a stored package of the standard world with population points, and what
    the analysis of that package proposes (10 sites, the page's default)."""
    from browsing import running_app
    from geodata.package import load_package
    from planning.session import PlanningSession

    folder = tmp_path_factory.mktemp("coverage-sites")
    package = write_world(folder / "data" / "packages" / PACKAGE)
    (package / "人口点.geojson").write_text(_points(), encoding="utf-8")
    (package / "manifest.json").write_text(json.dumps({"archive": "", "files": sorted(p.name for p in package.iterdir()),
                                                       "saved": "2026-12-02 09:00"}), encoding="utf-8")
    expected = PlanningSession(load_package(package)).coverage(sites=10)
    with running_app(folder) as served:
        yield served, expected


def test_new_site_markers_stand_where_the_clusters_are(browser, app, output_dir):
    served, expected = app
    assert expected.candidate_source == "population" and len(expected.site_codes) >= 3
    assert all("-k" in code for code in expected.site_codes)  # derived: no unit has these codes
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        pg = context.new_page()
        pg.goto(f"{served['url']}/coverage?lang=zh&data={PACKAGE}", timeout=120_000)
        pg.get_by_text("建议新增的基层站点", exact=True).first.wait_for(timeout=240_000)
        frame = pg.frame_locator(MAP).first
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=120_000)
        settle(pg, 180, 1500)
        text = pg.locator("body").inner_text()
        assert "Traceback" not in text and "KeyError" not in text
        assert f"候选站点：按人口点聚类得到的 {expected.candidate_count} 处" in text
        # the markers: one per proposed site, each at the site's lon/lat, named in its tooltip
        html = pg.locator(MAP).first.evaluate("f => f.contentDocument.documentElement.outerHTML")
        for rank, name in enumerate(expected.site_names, start=1):
            assert f"{rank}. {name} +" in html
        drawn = np.array([[float(lat), float(lon)] for lat, lon in MARKER.findall(html)])
        want = expected.site_lonlat[:, ::-1]
        assert drawn.shape == want.shape
        assert np.abs(np.sort(drawn, axis=0) - np.sort(want, axis=0)).max() < 1e-9
        assert frame.locator("path.leaflet-interactive[fill='#2166ac']").count() == len(want)
        pg.locator(MAP).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        pg.wait_for_timeout(800)
        pg.screenshot(path=str(output_dir / "coverage_sites_1600.png"))
    finally:
        context.close()
