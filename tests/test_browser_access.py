"""Access control in the browser: signing in with a local account, staying signed in across a
reload (the cookie), what an official can reach, and signing out. Offline; a dialog fails the
test (the ``page`` fixture of conftest.py), so a hostile account name must show as text."""

from __future__ import annotations

import pytest

from geodata.accounts import AccountStore

pytestmark = pytest.mark.flaky(reruns=1)
HOSTILE = "<script>alert(1)</script>"
PASSWORDS = {HOSTILE: "official-pass-1", "zhang": "planner-pass-1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with local accounts on: an official with a hostile name and a planner."""
    from browsing import running_app

    folder = tmp_path_factory.mktemp("access")
    data = folder / "data"
    data.mkdir()
    (data / "access.toml").write_text('mode = "local"\nsession_hours = 1\n', encoding="utf-8")
    accounts = AccountStore(data / "accounts.sqlite")
    accounts.add(HOSTILE, PASSWORDS[HOSTILE], "official")
    accounts.add("zhang", PASSWORDS["zhang"], "planner")
    with running_app(folder) as app:
        yield app


def _sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)


def test_an_official_signs_in_stays_signed_in_reaches_no_editing_and_signs_out(page, server):
    page.goto(server["url"] + "/workspace")
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    assert page.get_by_text("规划工作台").count() == 0  # nothing but the form before signing in
    page.get_by_label("账号").fill(HOSTILE)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("账号或密码不正确").wait_for(timeout=30_000)

    _sign_in(page, server["url"] + "/workspace", HOSTILE)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(f"{HOSTILE} · 审阅（只读）").wait_for(timeout=30_000)  # the name as text
    assert sidebar.get_by_text("评审模式").count() == 1 and sidebar.get_by_text("规划工作台").count() == 0
    assert any(c["name"] == "ylt_session" and c["sameSite"] == "Strict" for c in page.context.cookies())

    page.goto(server["url"] + "/workspace")  # a bookmark or a shared link to the workspace
    page.get_by_text("Page not found").wait_for(timeout=60_000)  # Streamlit's: the role has no such page
    page.keyboard.press("Escape")
    page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)  # still signed in after a new load
    page.wait_for_timeout(2_000)
    assert page.get_by_role("button", name="划入").count() == 0 and page.get_by_text("方案管理").count() == 0

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录").wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)  # the sign-in is gone on the server too


def test_a_planner_reaches_the_workspace_under_the_account_name(page, server):
    _sign_in(page, server["url"] + "/workspace", "zhang")
    page.get_by_text("方案管理").wait_for(timeout=60_000)
    editor = page.get_by_label("编辑人")
    assert editor.input_value() == "zhang" and editor.is_disabled()
