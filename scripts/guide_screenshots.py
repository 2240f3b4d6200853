"""Screenshots for docs/GUIDE.md, taken from the running app (headless chromium, network blocked).

    .venv/bin/python scripts/guide_screenshots.py [--out docs/images]

Starts the app on a loopback port with a fresh data directory, walks through the tasks of the
guide (load, propose, edit, review, file) in Chinese and English, and writes one PNG per step.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from geodata.default import load_default

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # bench/ is not a package: its app and browser helpers
from startup import FLAGS, MAP, offline_page, serving  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    units = load_default().units
    spot = units[units["district_code"] == "310118"].geometry.iloc[2].representative_point()  # a unit of Qingpu
    with serving(ROOT / "app.py", tempfile.mkdtemp()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for lang in ("zh", "en"):
            page = offline_page(browser, url, {"width": 1440, "height": 960})

            def shot(name: str) -> None:
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / f"{lang}-{name}.png"))
                print(out / f"{lang}-{name}.png")

            page.goto(f"{url}/?lang={lang}")
            page.frame_locator(MAP).locator("path.leaflet-interactive").nth(200).wait_for(state="attached", timeout=60_000)
            shot("1-data")
            page.goto(f"{url}/import_data?lang={lang}")
            page.locator('input[type="file"]').wait_for(state="attached")
            shot("2-import")
            page.goto(f"{url}/grids?lang={lang}")
            page.frame_locator(MAP).locator("path.leaflet-interactive").nth(40).wait_for(state="attached", timeout=60_000)
            shot("3-grids")
            page.goto(f"{url}/workspace?lang={lang}")
            page.get_by_text(re.compile("已保存：|Saved:|还没有方案|No plan for this data yet")).first.wait_for(timeout=60_000)
            if page.get_by_text(re.compile("还没有方案|No plan for this data yet")).count():
                page.get_by_role("button", name=re.compile("按优化结果新建方案|New plan from the proposal")).first.click()
            page.get_by_text(re.compile("已保存：|Saved:")).wait_for(timeout=60_000)
            frame = page.locator(MAP).element_handle().content_frame()
            for _ in range(100):
                if frame.evaluate("() => !!window.yltUnits"):
                    break
                page.wait_for_timeout(100)
            page.locator(MAP).scroll_into_view_if_needed()
            x, y = frame.evaluate("([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
                                  " return [p.x, p.y]; }", [spot.y, spot.x])
            box = page.locator(MAP).bounding_box()
            page.mouse.click(box["x"] + x, box["y"] + y)
            page.get_by_text(re.compile(r"(已选|Selected): 1")).wait_for()
            shot("4-workspace")
            page.goto(f"{url}/review?lang={lang}")
            page.get_by_text(re.compile("规则通过|Rules passed")).wait_for(timeout=60_000)
            shot("5-review")
            page.get_by_text(re.compile("^(导出与备案|Export and file)$")).click()
            page.get_by_text(re.compile("^(备案包 ZIP|Filing package \\(ZIP\\))$")).click()
            shot("6-file")
            page.context.close()
        browser.close()


if __name__ == "__main__":
    main()
