"""Small synthetic worlds for the tests.

The standard world, near Shanghai (so inside China), in WGS84 degrees::

    lon 121.00      121.04      121.08
    lat 31.04 +-----------+-----------+
              | district A| district B|
              |  (4 x 4   |  (4 x 4   |
              |   units)  |   units)  |
    lat 31.00 +-----------+-----------+

Each district is a 0.04 x 0.04 degree square (about 3.8 x 4.4 km) cut into 16 unit squares of
1,000 residents; facilities: one district hospital and one CHC per district, one THC and two
village clinics in B, one city hospital with its main campus in A.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "output"

A, B = "900001", "900002"
X0, Y0, SIDE = 121.0, 31.0, 0.04


def square(x: float, y: float, side: float) -> shapely.Polygon:
    return shapely.box(x, y, x + side, y + side)


def feature(props: dict, geom) -> dict:
    return {"type": "Feature", "properties": props, "geometry": None if geom is None else shapely.geometry.mapping(geom)}


def collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def district_features() -> list[dict]:
    return [
        feature({"district_code": A, "district_name": "甲区", "ring": "central", "population": 16000}, square(X0, Y0, SIDE)),
        feature({"district_code": B, "district_name": "乙区", "ring": "remote_suburb", "population": 16000},
                square(X0 + SIDE, Y0, SIDE)),
    ]


def unit_features() -> list[dict]:
    out = []
    step = SIDE / 4
    for d, code in enumerate((A, B)):
        for i in range(4):
            for j in range(4):
                geom = square(X0 + d * SIDE + i * step, Y0 + j * step, step)
                out.append(feature({"unit_code": f"{code}-{i}{j}", "unit_name": f"单元{i}{j}",
                                    "district_code": code, "population": 1000}, geom))
    return out


def facility_rows() -> list[dict]:
    return [
        {"facility_code": "DH-A", "name": "甲区中心医院", "kind": "district_hospital", "lon": 121.015, "lat": 31.015},
        {"facility_code": "DH-B", "name": "乙区中心医院", "kind": "district_hospital", "lon": 121.055, "lat": 31.025},
        {"facility_code": "CHC-A", "name": "甲区社区卫生服务中心", "kind": "chc", "lon": 121.025, "lat": 31.025},
        {"facility_code": "THC-B", "name": "乙区卫生院", "kind": "thc", "lon": 121.065, "lat": 31.015},
        {"facility_code": "V-B1", "name": "一村卫生室", "kind": "village_clinic", "lon": 121.07, "lat": 31.03,
         "thc_code": "THC-B", "integrated": "是", "meets_standard": "否"},
        {"facility_code": "V-B2", "name": "二村卫生室", "kind": "village_clinic", "lon": 121.075, "lat": 31.035,
         "thc_code": "", "integrated": "否", "meets_standard": "否"},
        {"facility_code": "CITY-1", "name": "市第一医院", "kind": "city_hospital", "subkind": "general",
         "hospital_code": "CITY", "campus_role": "main", "lon": 121.02, "lat": 31.035},
    ]


def facilities_csv(rows: list[dict] | None = None) -> str:
    rows = facility_rows() if rows is None else rows
    cols = ["facility_code", "name", "kind", "subkind", "hospital_code", "campus_role", "lon", "lat",
            "thc_code", "integrated", "meets_standard"]
    lines = [",".join(cols)]
    for r in rows:
        lines.append(",".join(str(r.get(c, "")) for c in cols))
    return "\n".join(lines) + "\n"


def write_world(folder: Path, *, units: bool = True, facilities: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "districts.geojson").write_text(collection(district_features()), encoding="utf-8")
    if units:
        (folder / "units.geojson").write_text(collection(unit_features()), encoding="utf-8")
    if facilities:
        (folder / "facilities.csv").write_text(facilities_csv(), encoding="utf-8")
    return folder


def write_two_leads_world(folder: Path) -> Path:
    """The small world with a second hospital that may lead in 甲区 (900001): two grids to solve."""
    world = write_world(folder)
    rows = facility_rows() + [{"facility_code": "DH-A2", "name": "甲区第二医院", "kind": "district_hospital",
                               "lon": 121.035, "lat": 31.035}]
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    return world


@pytest.fixture
def world(tmp_path: Path) -> Path:
    return write_world(tmp_path / "world")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (``scripts/test.sh`` runs ``-n 2 --dist loadgroup``): the browser tests
    run one at a time on one worker (each drives a server and chromium, and timing matters), the
    other tests a module at a time on the other (module fixtures are made once)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the browser tests' fixtures (tests/browsing.py runs the server) -----------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from browsing import running_app

    with running_app(tmp_path_factory.mktemp("app")) as app:
        yield app


@pytest.fixture(scope="module")
def browser():
    import os

    from browsing import CHROMIUM, FLAGS

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("chromium is required for the browser tests in CI (scripts/setup.sh installs it)")
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, request, output_dir):
    """A page of a fresh browser context; every request not to the app is aborted and fails the
    test, as does any dialog (script run from data)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    outside: list[str] = []
    dialogs: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith((server["url"], "ws://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.outside, pg.dialogs = outside, dialogs
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the browser showed when the test failed
        pg.screenshot(path=str(output_dir / f"FAILED_{request.node.name}.png"), full_page=True)
    context.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert dialogs == [], f"script ran from data: {dialogs}"
