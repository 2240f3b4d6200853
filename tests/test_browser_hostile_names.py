"""Markdown-hostile names on every page, in a real browser (issue 16, item 4): district, hospital,
unit and plan names like ``[x](http://example.com/a)``, ``![i](http://example.com/i.png)``,
``**b**`` and ``$x$`` are shown as text. The test fails on any request that leaves the machine
(``page.on("request")``; such requests are aborted too) and on any link or image the data made,
in the page or in its maps. Screenshots go to ``tests/output/``."""

from __future__ import annotations

import time

import pytest
from browsing import running_app

from conftest import collection, district_features, facilities_csv, facility_rows, unit_features, write_world

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

LINK, IMAGE = "[x](http://example.com/a)", "![i](http://example.com/i.png)"
DISTRICTS = (f"{LINK} 甲区", f"{IMAGE} **b** $x$")
HOSPITAL = f"{LINK} **b** 医院"
CITY = f"{IMAGE} $x$ 市院"
UNIT = f"{LINK} {IMAGE}"
PLAN = f"{LINK} {IMAGE} **b** $x$"
PAGES = ("", "grids", "workspace", "review", "pairings", "coverage", "import_data", "admin")
LOCAL = ("data:", "blob:", "about:")


def hostile_package(folder):
    world = write_world(folder)
    d = district_features()
    for feature, name in zip(d, DISTRICTS):
        feature["properties"]["district_name"] = name
    (world / "districts.geojson").write_text(collection(d), encoding="utf-8")
    u = unit_features()
    u[0]["properties"]["unit_name"] = UNIT
    (world / "units.geojson").write_text(collection(u), encoding="utf-8")
    rows = facility_rows()
    rows[0]["name"] = HOSPITAL  # DH-A, a lead
    rows[-1]["name"] = CITY  # the city hospital, a partner
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    return world


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The app on the hostile package, with a plan named with markdown: (app, package id, plan id)."""
    from geodata.package import load_package
    from geodata.plans import PlanStore
    from geodata.store import package_path, save_upload
    from planning.plan import plan_to_dict
    from planning.session import PlanningSession

    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YLT_DATA_DIR", str(folder / "data"))
        world = hostile_package(folder / "w")
        package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])
        session = PlanningSession(load_package(package_path(package_id)))
        plan = session.propose(name=PLAN).plan.with_note(f"{LINK} {IMAGE} 说明")
        store = PlanStore(folder / "data" / "plans.sqlite")
        plan_id = store.create(PLAN, package_id, plan_to_dict(plan), author=f"{LINK} 张三")
        store.save(plan_id, plan_to_dict(plan.lock(sorted(plan.assignment)[:2])), expected_version=1, author="**李四**",
                   action="lock", detail={"units": sorted(plan.assignment)[:2], "n": 2})
    with running_app(folder) as app:
        yield app, package_id, plan_id


def _settled(pg, seconds: float = 60) -> None:
    """Wait until the script run is over (no status widget for a second) and the maps drew."""
    deadline, quiet = time.monotonic() + seconds, 0.0
    while time.monotonic() < deadline and quiet < 1.5:
        running = pg.locator('[data-testid="stStatusWidget"]').count() or pg.locator('[data-testid="stSpinner"]').count()
        quiet = 0.0 if running else quiet + 0.25
        pg.wait_for_timeout(250)
    pg.wait_for_timeout(1000)


def _made_by_data(frame, base: str) -> list[str]:
    """Links and images in ``frame`` that point off the app, or at the addresses in the names."""
    found = frame.evaluate("""() => [
        ...[...document.querySelectorAll('a[href]')].map(a => ['a', a.getAttribute('href'), a.parentElement.outerHTML]),
        ...[...document.querySelectorAll('img[src]')].map(i => ['img', i.getAttribute('src'), i.parentElement.outerHTML])]""")
    bad = []
    for kind, url, where in found:
        local = url.startswith((base, "/", "#", "./", "?", *LOCAL)) or "://" not in url
        if "example.com" in url or not local:
            bad.append(f"{kind} {url} in {where[:300]}")
    return bad


def test_markdown_hostile_names_stay_text_on_every_page(browser, hostile, output_dir):
    app, package_id, plan_id = hostile
    base = app["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    outside: list[str] = []

    def route(r):  # nothing may leave the machine: aborted here, and failed below
        url = r.request.url
        (r.continue_ if url.startswith((base, "ws://127.0.0.1", *LOCAL)) else r.abort)()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("request", lambda r: None if r.url.startswith((base, "ws://127.0.0.1", *LOCAL)) else outside.append(r.url))
    pg.on("dialog", lambda d: (outside.append("dialog: " + d.message), d.dismiss()))
    made: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    try:
        for name in PAGES:
            pg.goto(f"{base}/{name}?data={package_id}&plan={plan_id}")
            pg.locator('[data-testid="stMain"] h1').first.wait_for(timeout=60_000)
            _settled(pg)
            if name == "review":
                pg.get_by_text("规则通过").wait_for(timeout=60_000)
                _settled(pg)
                card = pg.locator(".ylt-card").first
                card.scroll_into_view_if_needed()
                card.screenshot(path=str(output_dir / "browser_hostile_md_review_card.png"))
            bad = _made_by_data(pg, base)
            for frame in pg.frames[1:]:  # the maps (components' iframes)
                try:
                    bad += [f"map: {b}" for b in _made_by_data(frame, base)]
                except Exception:  # a frame replaced during a rerun
                    continue
            made[name or "data"] = bad
            # as read: the word joiners that keep addresses from becoming links are invisible
            shown[name or "data"] = pg.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
            if name in ("", "workspace", "review", "pairings"):
                pg.screenshot(path=str(output_dir / f"browser_hostile_md_{name or 'data'}.png"), full_page=True)
    finally:
        context.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert all(not bad for bad in made.values()), made
    # the names read as typed where the issue found them rendered
    assert "已保存：" + PLAN in shown["workspace"]  # the "已保存：…" caption
    assert PLAN in shown["review"] or PLAN in shown["workspace"]
    assert DISTRICTS[0] in shown["review"]  # the grid cards


def test_a_hostile_layout_is_refused_with_every_problem_listed(browser, hostile, output_dir, tmp_path):
    """Importing a layout whose grid id is ``EVIL<script>``, whose locked list holds a number and
    whose plan name holds a lone surrogate: no crash, nothing stored, every problem listed as text
    (issue 16, item 5 and the lone-surrogate line)."""
    import json
    import re

    from geodata.filing import build
    from geodata.package import load_package
    from geodata.plans import PlanStore
    from geodata.store import package_path
    from planning.session import PlanningSession

    app, package_id, plan_id = hostile
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YLT_DATA_DIR", str(app["data"]))
        session = PlanningSession(load_package(package_path(package_id)))
    plan = session.propose().plan
    layout = json.loads(json.dumps(build(session, plan, {"plan_id": "x", "plan_name": "NAME", "version": 1}).collection))
    old = layout["features"][0]["properties"]["grid_id"]
    layout["features"][0]["properties"]["grid_id"] = "EVIL<script>"
    layout["metadata"]["locked_units"] = [5]
    text = json.dumps(layout, ensure_ascii=True).replace('"NAME"', '"\\ud800 ' + LINK.replace('"', '') + '"')
    assert old and "\\ud800" in text
    path = tmp_path / "[点我](javascript:alert(1)) **b** $x$.geojson"  # no slash in a file's name
    path.write_text(text, encoding="utf-8")
    store = PlanStore(app["data"] / "plans.sqlite")
    before = len(store.plans())

    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    base = app["url"]
    outside: list[str] = []
    context.route("**/*", lambda r: (r.continue_ if r.request.url.startswith((base, "ws://127.0.0.1", *LOCAL))
                                     else (outside.append(r.request.url), r.abort)[1])())
    pg = context.new_page()
    try:
        pg.goto(f"{base}/workspace?data={package_id}&plan={plan_id}")
        pg.get_by_text("已保存：").wait_for(timeout=60_000)
        _settled(pg)
        pg.get_by_text("方案管理").first.click()
        done: list[str] = []
        pg.on("response", lambda r: done.append(r.url) if "/_stcore/upload_file" in r.url else None)
        pg.locator('input[type="file"]').set_input_files(str(path))
        for _ in range(300):
            if done:
                break
            pg.wait_for_timeout(100)
        pg.get_by_role("button", name="导入为新方案").click()
        alert = pg.locator('[data-testid="stAlertContentError"]').filter(has_text="未导入")
        alert.wait_for(timeout=60_000)
        _settled(pg)
        said = alert.inner_text().replace("\u2060", "")
        pg.keyboard.press("Escape")  # close 方案管理, which lies over the message
        pg.wait_for_timeout(500)
        alert.screenshot(path=str(output_dir / "browser_hostile_md_import_refused.png"))
        bad = _made_by_data(pg, base)
    finally:
        context.close()
    assert outside == [] and bad == [], (outside, bad)
    assert "grids[0].grid_id：EVIL<script>" in said  # the field, the value as typed, the reason and the fix
    assert "locked[0]：5" in said and "U+D800" in said and path.name in said  # the file's name, as text
    assert re.search(r"发现 \d+ 个问题", said)
    assert len(store.plans()) == before  # nothing stored
