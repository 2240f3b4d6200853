"""In chromium: the charts (Vega-Lite through Altair, offline, in Chinese) with a plan open: the
population chart on the grid page and in review, bars in the plan's grid colours, the review map
and cards in the export's colours; coverage and distance to care by district and ring; the
hospital x district pairing matrix above the map; the grid page naming the open plan.

Lean on purpose (CI time): one app server for the module and one browser page per viewport; each
viewport loads the app once and moves between pages through the navigation (no reload), taking
its screenshots of every page in one test. Screenshots at 1600x1000 and 1920x1080 in tests/output/."""

from __future__ import annotations

import re

import pytest

from browsing import settle
from geodata.default import load_default
from geodata.filing import build
from geodata.plans import PlanStore
from planning.plan import plan_to_dict
from planning.session import PlanningSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART = '[data-testid="stVegaLiteChart"]'
LOCAL = ("data:", "blob:", "about:")
PLAN_NAME = "图表方案"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    from browsing import running_app

    folder = tmp_path_factory.mktemp("charts")
    session = PlanningSession(load_default())
    plan = session.propose().plan
    (folder / "data").mkdir()
    plan_id = PlanStore(folder / "data" / "plans.sqlite").create(PLAN_NAME, "default", plan_to_dict(plan), author="张三")
    meta = {"plan_id": plan_id, "plan_name": PLAN_NAME, "version": 1, "author": "张三"}
    fills = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in build(session, plan, meta).collection["features"]}
    with running_app(folder) as app:
        yield app, plan_id, fills


def _visit(pg, path: str, title: str, heading: str) -> None:
    """Go to ``path`` through the sidebar's navigation (no reload) and wait for its ``title``
    (the last page's elements linger until the new page replaces them), its ``heading`` and a
    drawn chart."""
    pg.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
    pg.wait_for_url(f"**/{path}*", timeout=60_000)
    pg.locator("h1").filter(has_text=title).first.wait_for(timeout=180_000)
    pg.get_by_text(heading, exact=False).first.wait_for(timeout=180_000)
    pg.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=180_000)
    settle(pg, 120, 1200)


def _shot(pg, target, path) -> None:
    target.scroll_into_view_if_needed()
    pg.wait_for_timeout(600)
    pg.screenshot(path=str(path))


class Tab:
    """One browser page at one viewport size, every request that leaves the machine recorded
    (and aborted)."""

    def __init__(self, browser, base: str, size: tuple[int, int]) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
        self.outside: list[str] = []
        self.context.route("**/*", lambda r: (r.continue_ if r.request.url.startswith((base, "ws://127.0.0.1", *LOCAL))
                                              else (self.outside.append(r.request.url), r.abort)[1])())
        self.page = self.context.new_page()


@pytest.fixture(scope="module", params=[(1600, 1000), (1920, 1080)], ids=["desk", "projector"])
def tab(request, browser, stored):
    app, plan_id, _ = stored
    tab = Tab(browser, app["url"], request.param)
    tab.page.goto(f"{app['url']}/grids?lang=zh&plan={plan_id}", timeout=120_000)
    tab.page.wait_for_selector(f"{CHART} canvas, {CHART} svg", timeout=180_000)
    settle(tab.page, 120, 1200)
    yield tab, request.param[0]
    tab.context.close()


def _population_chart(pg) -> None:
    chart = pg.locator(CHART).first
    text = pg.locator("body").inner_text()
    assert "各网格常住人口" in text and "人口区间 20–80 万人" in text
    assert chart.bounding_box()["height"] > 200


def test_every_chart_page_offline_in_chinese(tab, stored, output_dir):
    """The grid page (the open plan named), review, coverage and pairings at one viewport."""
    (t, width), (_, _, fills) = tab, stored
    pg = t.page
    # 网格方案: the open plan, named with its version; its population chart in the grid colours
    banner = pg.locator('[data-testid="stAlertContentInfo"]').filter(has_text=PLAN_NAME).first
    assert "第 1 版" in banner.inner_text()
    pg.screenshot(path=str(output_dir / f"charts_grids_top_{width}.png"))
    _population_chart(pg)
    _shot(pg, pg.locator(CHART).first, output_dir / f"charts_grids_{width}.png")
    if width == 1600:  # the grid table: thousands separators, a swatch a row; the proposal on request
        _shot(pg, pg.locator('[data-testid="stDataFrame"]').nth(1), output_dir / "charts_grid_table_1600.png")
        pg.locator('[data-testid="stButtonGroup"] button').filter(has_text="引擎建议").first.click()
        warning = pg.locator('[data-testid="stAlertContentWarning"]').filter(has_text="引擎建议").first
        warning.wait_for(timeout=180_000)
        settle(pg, 120, 1200)
        assert PLAN_NAME in warning.inner_text() and "第 1 版" in warning.inner_text()
        _shot(pg, pg.locator("h1").first, output_dir / "charts_grids_proposal_1600.png")
        pg.locator('[data-testid="stButtonGroup"] button').filter(has_text="当前方案").first.click()
        banner.wait_for(timeout=60_000)
        settle(pg, 120, 1200)

    # 评审模式: the population chart; at the desk, the map and the cards in the export's colours
    _visit(pg, "review", "评审模式", "各网格常住人口")
    _population_chart(pg)
    _shot(pg, pg.locator(CHART).first, output_dir / f"charts_review_{width}.png")
    if width == 1600:
        frame = pg.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        shown = set(frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
        grids = shown - {None, "#1f4e9c", "#d62728", "#ffffff"}  # leads, partner hospitals
        assert grids <= set(fills.values()) and len(grids) > 3
        cards = pg.locator('.ylt-card h4 span[style*="background"]')
        _shot(pg, cards.first, output_dir / "charts_review_cards_1600.png")
        colours = cards.evaluate_all("ss => ss.map(s => getComputedStyle(s).backgroundColor)")
        hexes = {"#%02x%02x%02x" % tuple(int(v) for v in re.findall(r"\d+", c)[:3]) for c in colours}
        assert len(colours) > 3 and hexes <= set(fills.values())

    # 覆盖缺口: share served and distance to care per district, by ring, side by side
    _visit(pg, "coverage", "覆盖缺口", "各区县覆盖与就医距离")
    charts = pg.locator(CHART)
    assert charts.count() >= 2  # the district bars first; the accessibility charts follow (issue 17)
    served, distance = charts.nth(0), charts.nth(1)
    _shot(pg, served, output_dir / f"charts_coverage_{width}.png")
    a, b = served.bounding_box(), distance.bounding_box()
    assert abs(a["y"] - b["y"]) < 5 and b["x"] > a["x"] + a["width"] - 5  # beside each other
    assert a["height"] > 300  # one bar a district, every district named
    text = pg.locator("body").inner_text()
    assert "远郊在前" in text and "95% 居民所在的距离" in text  # the caption says how to read them (the charts draw on canvas)

    # 医院结对: the matrix first, the map under it
    _visit(pg, "pairings", "医院结对", "结对矩阵")
    matrix = pg.locator(CHART).first
    _shot(pg, matrix, output_dir / f"charts_pairings_{width}.png")
    box = matrix.bounding_box()
    assert box["height"] > 400 and box["width"] > 700
    heading = pg.get_by_text("结对连线图", exact=True).first.bounding_box()
    assert heading["y"] > box["y"] + box["height"] - 5  # the line map comes after the matrix
    assert t.outside == [], f"requests left the machine: {t.outside}"
