"""In chromium: the accessibility section of 覆盖缺口 (issue 17), in Chinese and offline: the
measure selector, the choropleth of the units with its legend in the planner's terms, the
histogram, the Lorenz curve with the Gini in its caption, and the bars by ring and district.

Lean (CI time): one app server for the module, one page load; the projector's size by resizing the
same page. Screenshots at 1600x1000 and 1920x1080 in tests/output/."""

from __future__ import annotations

import pytest

from browsing import MAP, settle
from ui.charts import ACCESS_FILLS, COST_FILLS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART = '[data-testid="stVegaLiteChart"]'
TITLE = "可及性（两步移动搜寻法 2SFCA）"


def _fills(pg) -> set[str]:
    """The fills of the accessibility map's units (the second map on the page)."""
    frame = pg.frame_locator(MAP).nth(1)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=120_000)
    return set(frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))


def _shot(pg, target, path) -> None:
    """The page with ``target`` at the top of the view (Streamlit scrolls inside its container)."""
    target.evaluate("e => e.scrollIntoView({block: 'start'})")
    pg.wait_for_timeout(800)
    pg.screenshot(path=str(path))


def test_accessibility_section_draws_map_legend_histogram_lorenz_and_bars(page, server, output_dir):
    pg = page
    pg.set_viewport_size({"width": 1600, "height": 1000})
    pg.goto(f"{server['url']}/coverage?lang=zh", timeout=120_000)
    pg.get_by_text(TITLE, exact=True).first.wait_for(timeout=240_000)
    pg.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=180_000)
    settle(pg, 180, 1500)
    text = pg.locator("body").inner_text()
    select = pg.locator('[data-testid="stSelectbox"]').filter(has_text="测算方法").first
    assert "增强两步移动搜寻法（E2SFCA，分段衰减）" in select.inner_text() + select.locator("input").input_value()
    for words in ("各单元可及性", "每万人口可及全科医生数，按居民人数五等分",
                  "居民可及性分布", "洛伦兹曲线", "基尼系数 0.", "泰尔指数", "15 分钟社区健康服务圈",
                  "各圈层、各区县居民平均可及性（远郊优先）"):
        assert words in text, words
    assert pg.locator(f"{CHART}").count() >= 6  # the district charts above, then histogram, Lorenz, two bar charts
    legend = pg.locator(".acc-legend").first
    assert legend.locator('span[style*="background"]').count() == 6  # five fifths and "nothing within reach"
    fills = _fills(pg) - {None}
    assert fills <= set(ACCESS_FILLS) | {"#d9d9d9"} and len(fills & set(ACCESS_FILLS)) >= 4
    section = pg.get_by_text(TITLE, exact=True).first
    _shot(pg, section, output_dir / "accessibility_map_1600.png")
    hist = pg.get_by_text("居民可及性分布", exact=True).first
    _shot(pg, hist, output_dir / "accessibility_charts_1600.png")
    bars = pg.get_by_text("各圈层、各区县居民平均可及性（远郊优先）", exact=True).first
    _shot(pg, bars, output_dir / "accessibility_bars_1600.png")
    charts = pg.locator(CHART)
    histogram, lorenz = charts.nth(2), charts.nth(3)
    a, b = histogram.bounding_box(), lorenz.bounding_box()
    assert abs(a["y"] - b["y"]) < 5 and b["x"] > a["x"] + a["width"] - 5  # side by side
    assert charts.nth(5).bounding_box()["height"] > 300  # every district named

    # RAAM: a cost, the colours turned round and its own legend, no standard line
    pg.set_viewport_size({"width": 1920, "height": 1080})
    select.scroll_into_view_if_needed()
    select.click()
    pg.get_by_role("option", name="理性可及性模型（RAAM，出行与拥挤成本）").click()
    pg.get_by_text("就医综合成本（越低越好），按居民人数五等分", exact=False).first.wait_for(timeout=120_000)
    settle(pg, 180, 1500)
    assert "RAAM 为成本，无标准线" in pg.locator("body").inner_text()
    assert len((_fills(pg) - {None}) & set(COST_FILLS)) >= 4
    _shot(pg, pg.get_by_text(TITLE, exact=True).first, output_dir / "accessibility_raam_map_1920.png")
    _shot(pg, pg.get_by_text("居民可及性分布", exact=True).first, output_dir / "accessibility_raam_charts_1920.png")

    # improving access under a budget: the settings' budget, solved, shown before -> after
    button = pg.get_by_role("button", name="计算改善方案")
    button.scroll_into_view_if_needed()
    button.click()
    pg.get_by_text("改善措施清单", exact=True).first.wait_for(timeout=180_000)
    settle(pg, 180, 1500)
    text = pg.locator("body").inner_text()
    for words in ("人均可及性（每万人全科医生）", "基尼系数", "低于标准线的居民", "15 分钟圈覆盖", "已证明最优（HiGHS）",
                  "使用全科医生 30 名（可用 30 名）", "各圈层、各区县人均可及性的提升（远郊优先）", "增配全科医生"):
        assert words in text, words
    better_map = pg.locator(MAP).nth(2)
    assert better_map.bounding_box()["height"] > 400  # drawn (a CDN plugin would leave it empty offline)
    frame = pg.frame_locator(MAP).nth(2)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=120_000)
    # the same plan as the session gives for the settings' budget: one blue circle per facility given
    # GPs, one red diamond per new site
    from geodata.default import load_default
    from planning.session import PlanningSession

    actions = PlanningSession(load_default()).improve_access().actions
    assert frame.locator("path.leaflet-interactive[fill='#2166ac']").count() == int((actions["action"] == "add_gps").sum())
    assert frame.locator(".better-new-site").count() == int((actions["action"] == "new_site").sum())
    _shot(pg, pg.get_by_text("改善可及性：新增全科医生与新建站点", exact=True).first, output_dir / "access_improve_1920.png")
    _shot(pg, pg.get_by_text("改善措施清单", exact=True).first, output_dir / "access_improve_list_1920.png")
