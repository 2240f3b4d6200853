"""Load: N concurrent browser sessions editing plans on one loopback server.

    .venv/bin/python bench/load.py [--sessions 20] [--edits 5] [--same 2] [--timeout 600]

Starts the app on a free loopback port (nothing else is contacted), stores one plan per session
(``--same`` sessions share the first plan, to exercise conflicts), then opens every session in
its own tab of one headless chromium and, in each, repeats ``--edits`` times: click a unit, 划入,
wait until the new version is reported (or the conflict message). Bounded: every wait has a
time-out and the whole run stops after ``--timeout`` seconds.

Prints the time to open the page, the edit times (median, 95th percentile, max), conflicts, and
errors (time-outs, exceptions shown by the page).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from startup import FLAGS, MAP, serving

ROOT = Path(__file__).resolve().parents[1]


def make_plans(data_dir: Path, count: int) -> list[str]:
    os.environ["YLT_DATA_DIR"] = str(data_dir)
    from geodata.default import load_default
    from geodata.plans import PlanStore
    from planning.plan import plan_to_dict
    from planning.session import PlanningSession

    plan = PlanningSession(load_default()).propose_grids().plan
    store = PlanStore(data_dir / "plans.sqlite")
    return [store.create(f"load {n}", "default", plan_to_dict(plan), author="load") for n in range(count)]


async def session(browser, url: str, plan_id: str, n: int, edits: int, out: dict) -> None:
    from playwright.async_api import TimeoutError as Timeout

    context = await browser.new_context(viewport={"width": 1440, "height": 960})
    await context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url, "ws://127.0.0.1", "data:"))
                        else r.abort())
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(f"{url}/workspace?lang=zh&plan={plan_id}&user=load{n}", timeout=120_000)  # 20 tabs load at once
        await page.get_by_text("已保存：").first.wait_for(timeout=120_000)
        await page.locator(MAP).wait_for(timeout=120_000)
        frame = await (await page.locator(MAP).element_handle()).content_frame()
        for _ in range(600):
            if await frame.evaluate("() => !!window.yltUnits"):
                break
            await page.wait_for_timeout(100)
        out["open"].append(time.perf_counter() - t0)
        for k in range(edits):
            await page.locator(MAP).scroll_into_view_if_needed()
            box = await page.locator(MAP).bounding_box()
            text = await page.get_by_text("已保存：").last.inner_text()
            version = int(text.split("第 ")[1].split(" ")[0])
            await page.mouse.click(box["x"] + box["width"] * (0.30 + 0.03 * k), box["y"] + box["height"] * (0.62 + 0.01 * n % 5))
            try:
                await page.get_by_role("button", name="划入", exact=True).wait_for(timeout=30_000)
            except Timeout:
                out["errors"].append(f"session {n} edit {k}: the click selected nothing")
                continue
            t0 = time.perf_counter()
            await page.get_by_role("button", name="划入", exact=True).click()
            done = page.get_by_text(f"第 {version + 1} 版").or_(page.get_by_text("保存被拒绝")).or_(
                page.get_by_text("没有变化"))  # the unit was in that grid already: answered, nothing saved
            try:
                await done.first.wait_for(timeout=60_000)
            except Timeout:
                out["errors"].append(f"session {n} edit {k}: no result in 60 s")
                continue
            out["edit"].append(time.perf_counter() - t0)
            if await page.get_by_text("保存被拒绝").count():
                out["conflicts"] += 1
                await page.get_by_role("button", name="载入最新版本").click()
                await page.get_by_text("已保存：").first.wait_for(timeout=60_000)
        if await page.locator('[data-testid="stException"]').count():
            out["errors"].append(f"session {n}: the page shows an exception")
    except Exception as exc:  # noqa: BLE001 (a load test reports every failure and goes on)
        out["errors"].append(f"session {n}: {type(exc).__name__}: {str(exc)[:120]}")
    finally:
        await context.close()


async def run(url: str, plans: list[str], edits: int, limit: float) -> dict:
    from playwright.async_api import async_playwright

    out = {"open": [], "edit": [], "errors": [], "conflicts": 0}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS)
        tasks = [session(browser, url, plan, n, edits, out) for n, plan in enumerate(plans)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=limit)
        except asyncio.TimeoutError:
            out["errors"].append(f"the run hit its {limit:.0f} s limit")
        await browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--same", type=int, default=2, help="how many sessions share the first plan")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ylt-load-"))
    try:
        ids = make_plans(data_dir, args.sessions - args.same + 1)
        plans = [ids[0]] * args.same + ids[1:]
        with serving(ROOT / "app.py", str(data_dir)) as url:
            started = time.perf_counter()
            out = asyncio.run(run(url, plans[:args.sessions], args.edits, args.timeout))
            wall = time.perf_counter() - started
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    edit = sorted(out["edit"])

    def pct(values, q):
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")

    print(f"sessions {args.sessions} ({args.same} on one plan), edits per session {args.edits}, wall {wall:.1f} s")
    print(f"open page: median {statistics.median(out['open']):.2f} s, max {max(out['open']):.2f} s" if out["open"] else "open: none")
    print(f"edits: {len(edit)} done, median {statistics.median(edit):.2f} s, p95 {pct(edit, 0.95):.2f} s, "
          f"max {max(edit):.2f} s" if edit else "edits: none")
    print(f"conflicts refused (expected on the shared plan): {out['conflicts']}")
    print(f"errors: {len(out['errors'])}")
    for e in out["errors"][:20]:
        print("  ", e)


if __name__ == "__main__":
    main()
