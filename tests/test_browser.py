"""The app in a real browser (Debian's chromium via Playwright), with the network blocked.

Starts ``streamlit run app.py`` on a free loopback port; every request that is not to that
server is aborted and recorded, and the tests fail if there was any. Screenshots are written to
``tests/output/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browsing import MAP, running_app
from conftest import collection, district_features, facilities_csv, facility_rows, unit_features, write_world

pytestmark = pytest.mark.browser


def _upload(pg, paths: list[Path]) -> None:
    """Choose files in the uploader and wait until the server has received every one of them
    (clicking before the uploads finish would find no files; a cold machine uploads slowly)."""
    done: list[str] = []
    listener = lambda r: done.append(r.url) if "/_stcore/upload_file" in r.url and r.request.method == "PUT" else None  # noqa: E731
    pg.on("response", listener)
    pg.locator('input[type="file"]').set_input_files([str(p) for p in paths])
    deadline = time.monotonic() + 60
    while len(done) < len(paths) and time.monotonic() < deadline:
        pg.wait_for_timeout(200)
    pg.remove_listener("response", listener)
    assert len(done) == len(paths), f"{len(done)} of {len(paths)} files uploaded"


def _map_paths(pg, at_least: int, timeout_s: float = 45.0) -> int:
    frame = pg.frame_locator(MAP)
    deadline = time.monotonic() + timeout_s
    count = 0
    while time.monotonic() < deadline:
        count = frame.locator("path.leaflet-interactive").count()
        if count >= at_least:
            return count
        pg.wait_for_timeout(500)
    return count


def test_default_map_draws_offline(page, server, output_dir):
    page.goto(server["url"])
    count = _map_paths(page, 16 + 234)
    elapsed = time.monotonic() - server["started"]
    assert count >= 16 + 234, f"only {count} shapes drawn"
    page.get_by_text("24,870,895").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(output_dir / "browser_default_zh.png"))
    (output_dir / "browser_timing.txt").write_text(f"server start to map drawn: {elapsed:.1f} s\n")


def test_english_switch(page, server, output_dir):
    page.goto(server["url"] + "/?lang=en")
    page.get_by_text("Resident population").first.wait_for()
    count = _map_paths(page, 16 + 234)  # the same map as in Chinese: 16 districts, 234 units
    assert count >= 16 + 234, f"only {count} shapes drawn"
    page.screenshot(path=str(output_dir / "browser_default_en.png"))


def test_upload_shows_the_report_and_opens_the_data(page, server, output_dir, tmp_path):
    world = write_world(tmp_path / "w")
    rows = facility_rows() + [{"facility_code": "DH-A", "name": "重复的代码", "kind": "chc", "lon": 121.01, "lat": 31.01}]
    (world / "facilities.csv").write_bytes(facilities_csv(rows).encode("gbk"))
    page.goto(server["url"] + "/import_data")
    _upload(page, list(world.iterdir()))
    page.get_by_role("button", name="校验并载入").click()
    page.get_by_text("已载入").wait_for(timeout=60_000)
    page.get_by_text("错误 1 项").wait_for()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(output_dir / "browser_import_report.png"), full_page=True)
    assert "data=" in page.url
    page.get_by_text("上传于").first.wait_for()  # the sidebar names the new data at once
    # the page links keep the data: go to the overview through the sidebar, then refresh
    page.get_by_role("link", name="数据总览").click()
    assert _map_paths(page, 2 + 32) >= 2 + 32
    page.get_by_text("32,000").first.wait_for()
    page.reload()
    assert _map_paths(page, 2 + 32) >= 2 + 32
    page.get_by_text("32,000").first.wait_for()


def test_language_is_kept_across_pages(page, server):
    page.goto(server["url"])
    page.get_by_text("English").click()
    page.get_by_text("Resident population").first.wait_for()
    page.get_by_role("link", name="Import data").click()
    page.get_by_role("button", name="Validate and load").wait_for()
    assert "lang=en" in page.url


def test_hostile_names_are_shown_as_text(page, server, output_dir, tmp_path):
    hostile = "<img src=x onerror=alert(1)>${alert(2)}`alert(3)`"
    world = write_world(tmp_path / "h")
    d = district_features()
    d[0]["properties"]["district_name"] = hostile
    (world / "districts.geojson").write_text(collection(d), encoding="utf-8")
    u = unit_features()
    u[0]["properties"]["unit_name"] = hostile
    (world / "units.geojson").write_text(collection(u), encoding="utf-8")
    rows = facility_rows()
    rows[0]["name"] = hostile.replace(",", " ")
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    page.goto(server["url"] + "/import_data")
    _upload(page, list(world.iterdir()))
    page.get_by_role("button", name="校验并载入").click()
    page.get_by_text("已载入").wait_for(timeout=60_000)
    page.get_by_role("link", name="数据总览").click()
    assert _map_paths(page, 2) >= 2
    frame = page.frame_locator(MAP)
    page.locator(MAP).scroll_into_view_if_needed()
    box = page.locator(MAP).bounding_box()
    # the hostile unit is the bottom-left one; its tooltip must show the name as plain text
    page.mouse.move(box["x"] + box["width"] * 0.08, box["y"] + box["height"] * 0.85)
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.first.wait_for(timeout=10_000)
    page.screenshot(path=str(output_dir / "browser_hostile.png"))
    assert "<img src=x onerror=alert(1)>" in tooltip.first.inner_text()
    assert frame.locator("img[src=x]").count() == 0


def test_a_bookmarked_page_opens_in_the_shell_on_a_fresh_server(browser, tmp_path, output_dir):
    """The first request after a restart names a page: no 'page not found', sidebar present."""
    with running_app(tmp_path) as app:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.goto(app["url"] + "/import_data?lang=en")
        pg.get_by_role("button", name="Validate and load").wait_for(timeout=30_000)
        pg.get_by_text("语言 / Language").wait_for()
        pg.wait_for_timeout(1000)
        pg.screenshot(path=str(output_dir / "browser_bookmark_fresh_server.png"))
        assert pg.get_by_text("Page not found").count() == 0
        assert pg.get_by_role("link", name="Data overview").count() == 1
        context.close()


def test_grid_proposal_page_draws_the_grids(page, server, output_dir):
    page.goto(server["url"] + "/grids")
    assert _map_paths(page, 40) >= 40  # 48 grids on the default (plus lead markers)
    page.get_by_text("规则检查").wait_for()
    page.screenshot(path=str(output_dir / "browser_grids_zh.png"))


def test_pairing_page_draws_lines(page, server, output_dir):
    page.goto(server["url"] + "/pairings")
    assert _map_paths(page, 16 + 25) >= 16 + 25  # districts and the pairing lines
    page.get_by_text("结对清单").wait_for()
    page.screenshot(path=str(output_dir / "browser_pairings_zh.png"))


def test_coverage_page_draws_the_gap_map(page, server, output_dir):
    page.goto(server["url"] + "/coverage")
    assert _map_paths(page, 234) >= 234
    page.get_by_text("缺口排名（前 20）").wait_for()
    page.screenshot(path=str(output_dir / "browser_coverage_zh.png"))
