"""Edit-to-result time in the planner workspace, in a real browser, at about 2,000 units and on
the 234-unit default in the same run (the baseline).

    .venv/bin/python bench/workspace.py [--runs 5] [--hex-km 1.0]

The 2,000-unit package is the default's districts and facilities with hexagonal units of
``--hex-km`` cut along the district boundaries. For each package a plan is proposed and stored,
a server started on a loopback port and the workspace opened in headless chromium (network
blocked but for the server). Then, ``--runs`` times, timing from the user's action until the
result is on the screen:

- select: a click on a unit until the map outlines it (a magenta path inside the map's frame);
- assign: the 划入 button until the new version is reported and the map has redrawn (outline gone);
- undo: the 撤销 button until the next version is reported.

Prints medians, the runs, and the ratio of the 2,000-unit times to the default's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from startup import FLAGS, MAP, offline_page, serving

ROOT = Path(__file__).resolve().parents[1]

SELECTED = 'path[stroke="#e6007e"]'


def make_package(data_dir: Path, hex_km: float | None) -> tuple[str, int]:
    """A stored package (the default, or its districts and facilities with hexagons) and its
    number of units."""
    os.environ["YLT_DATA_DIR"] = str(data_dir)
    from geodata.package import load_package
    from geodata.store import save_upload

    source = ROOT / "geodata" / "default"
    files = [(name, (source / name).read_bytes()) for name in ("districts.geojson", "facilities.geojson")]
    config = (source / "config.toml").read_text(encoding="utf-8")
    if hex_km is None:
        files.append(("units.geojson", (source / "units.geojson").read_bytes()))
    else:
        config = config.replace("[grids]", f"[grids]\nhex_size_km = {hex_km}", 1)
    files.append(("config.toml", config.encode("utf-8")))
    package_id = save_upload(files)
    from geodata.store import package_path

    return package_id, len(load_package(package_path(package_id)).units)


def make_plan(data_dir: Path, package_id: str) -> str:
    from geodata.package import load_package
    from geodata.plans import PlanStore
    from geodata.store import package_path
    from planning.plan import plan_to_dict
    from planning.session import PlanningSession

    plan = PlanningSession(load_package(package_path(package_id))).propose().plan
    return PlanStore(data_dir / "plans.sqlite").create("bench", package_id, plan_to_dict(plan), author="bench")


def measure(browser, data_dir: Path, package_id: str, plan_id: str, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"select": [], "assign": [], "undo": []}
    with serving(ROOT / "app.py", str(data_dir)) as url:
        page = offline_page(browser, url, {"width": 1500, "height": 1100})
        page.goto(f"{url}/workspace?lang=zh&data={package_id}&plan={plan_id}")
        page.get_by_text("已保存").wait_for(timeout=120_000)
        frame = page.frame_locator(MAP)
        while frame.locator("path.leaflet-interactive").count() < 100:
            page.wait_for_timeout(50)
        page.wait_for_timeout(1500)
        version = 1
        for run in range(runs):
            page.locator(MAP).scroll_into_view_if_needed()
            box = page.locator(MAP).bounding_box()
            t0 = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] * (0.25 + 0.02 * run), box["y"] + box["height"] * 0.62)
            frame.locator(SELECTED).first.wait_for(timeout=30_000, state="attached")
            times["select"].append(time.perf_counter() - t0)
            page.wait_for_timeout(400)
            t0 = time.perf_counter()
            page.get_by_role("button", name="划入", exact=True).click()
            version += 1
            page.get_by_text(f"第 {version} 版").wait_for(timeout=30_000)
            while frame.locator(SELECTED).count():
                page.wait_for_timeout(10)
            times["assign"].append(time.perf_counter() - t0)
            page.wait_for_timeout(400)
            t0 = time.perf_counter()
            page.get_by_role("button", name="↶ 撤销").click()
            version += 1
            page.get_by_text(f"第 {version} 版").wait_for(timeout=30_000)
            times["undo"].append(time.perf_counter() - t0)
            page.wait_for_timeout(400)
        page.context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hex-km", type=float, default=1.35)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ylt-bench-"))
    try:
        cases = {}
        for label, hex_km in (("default", None), ("hexagons", args.hex_km)):
            package_id, n = make_package(data_dir, hex_km)
            cases[label] = (n, package_id, make_plan(data_dir, package_id))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            results = {label: measure(browser, data_dir, pid, plan, args.runs) for label, (_, pid, plan) in cases.items()}
            browser.close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    for label, (n, _, _) in cases.items():
        for step, values in results[label].items():
            print(f"{label:9s} {n:5d} units  {step:6s}: median {statistics.median(values):.2f} s  "
                  f"runs {', '.join(f'{v:.2f}' for v in values)}")
    for step in ("select", "assign", "undo"):
        ratio = statistics.median(results["hexagons"][step]) / statistics.median(results["default"][step])
        print(f"ratio {cases['hexagons'][0]} units / {cases['default'][0]} units, {step}: {ratio:.2f}")


if __name__ == "__main__":
    main()
