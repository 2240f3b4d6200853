"""Issue 18, the review's 导出与备案 view in a browser: the file is made when its format is chosen and
downloads in one click under a name a clerk can file; filing a plan that breaks rules (listed by
name) on the demo data takes the explicit "file it anyway" checkbox, and the filed layout records
the confirmation."""

from __future__ import annotations

import json
import zipfile

import pytest

from browsing import running_app
from geodata.default import load_default
from geodata.plans import PlanStore
from planning.plan import plan_to_dict
from planning.session import PlanningSession

PLAN = "2026年网格方案（送审稿）"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app with one plan of the demo data whose v2 leaves two units in no grid (G1 errors)."""
    folder = tmp_path_factory.mktemp("export_app")
    session = PlanningSession(load_default())
    plan = plan_to_dict(session.propose(name=PLAN).plan)
    store = PlanStore(folder / "data" / "plans.sqlite")
    plan_id = store.create(PLAN, "default", plan, author="王规划")
    broken = {**plan, "assignment": dict(list(plan["assignment"].items())[2:])}
    store.save(plan_id, broken, expected_version=1, author="王规划", action="assign", detail={"units": 2})
    with running_app(folder) as running:
        yield running


@pytest.fixture
def desk(browser, app, output_dir):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True)
    outside: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (app["url"], "ws://127.0.0.1", "data:", "blob:", "about:")) else (outside.append(r.request.url), r.abort()))
    page = context.new_page()
    yield page
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def _download(page, tmp_path):
    button = page.get_by_role("button", name="下载").first
    with page.expect_download(timeout=240_000) as got:
        button.click()
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    return path


def test_one_click_downloads_named_files_and_filing_takes_a_confirmation(desk, app, output_dir, tmp_path):
    page = desk
    page.goto(f"{app['url']}/review", wait_until="domcontentloaded")
    page.get_by_text("导出与备案", exact=True).first.click(timeout=180_000)
    page.get_by_role("button", name="下载").first.wait_for(timeout=180_000)
    geojson = _download(page, tmp_path)  # the first format, made when the view opened: one click
    assert geojson.name == f"{PLAN}_第2版_网格布局.geojson"

    page.get_by_text("备案包 ZIP", exact=True).click()
    confirm = page.get_by_text("我已了解上述问题，仍要备案")
    confirm.wait_for(timeout=60_000)
    alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "规则未通过" in alerts and "G1 " in alerts and "演示数据" in alerts  # failed rules by name, the demo data
    assert page.get_by_role("button", name="下载").first.is_disabled()
    confirm.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "export_confirm_1600.png"))

    confirm.click()
    ready = page.locator("button:has-text('下载'):not([disabled])").first
    ready.wait_for(timeout=240_000)
    ready.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "export_confirmed_1600.png"))
    filing = _download(page, tmp_path)
    assert filing.name == f"{PLAN}_第2版_备案.zip"
    with zipfile.ZipFile(filing) as archive:
        layout = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".geojson"))))
    confirmed = layout["metadata"]["confirmed"]
    assert confirmed["reasons"] == ["rules_failed", "demo_data"] and "G1" in confirmed["rules"]

