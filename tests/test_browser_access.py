"""Access control in the browser: signing in with a local account, staying signed in across a
reload (the cookie), what an official can reach, and signing out. Offline; a dialog fails the
test (the ``page`` fixture of conftest.py), so a hostile identity must show as text."""

from __future__ import annotations

import pytest

from geodata.accounts import AccountStore

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]
OFFICIAL = "li.na"
PASSWORDS = {OFFICIAL: "official-pass-1", "zhang": "planner-pass-1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with local accounts on: an official and a planner."""
    from browsing import running_app

    folder = tmp_path_factory.mktemp("access")
    data = folder / "data"
    data.mkdir()
    (data / "access.toml").write_text('mode = "local"\nsession_hours = 1\n', encoding="utf-8")
    accounts = AccountStore(data / "accounts.sqlite")
    accounts.add(OFFICIAL, PASSWORDS[OFFICIAL], "official")
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
    page.get_by_label("账号").fill(OFFICIAL)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("账号或密码不正确").wait_for(timeout=30_000)

    _sign_in(page, server["url"] + "/workspace", OFFICIAL)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(f"{OFFICIAL} · 审阅（只读）").wait_for(timeout=30_000)
    assert sidebar.get_by_text("评审模式").count() == 1 and sidebar.get_by_text("规划工作台").count() == 0
    assert any(c["name"] == "ylt_session" and c["sameSite"] == "Strict" for c in page.context.cookies())

    page.goto(server["url"] + "/workspace")  # a bookmark or a shared link to the workspace
    page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)  # still signed in after a new load
    page.get_by_text("无权修改方案").wait_for(timeout=30_000)  # says why, in the planners' words
    assert page.get_by_role("button", name="划入").count() == 0 and page.get_by_text("方案管理").count() == 0
    page.get_by_role("link", name="转到评审模式").click()
    page.get_by_role("heading", name="评审模式").wait_for(timeout=60_000)

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录").wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)  # the sign-in is gone on the server too


def test_a_planner_reaches_the_workspace_under_the_account_name(page, server):
    _sign_in(page, server["url"] + "/workspace", "zhang")
    page.get_by_text("方案管理").wait_for(timeout=60_000)
    editor = page.get_by_label("编辑人")
    assert editor.input_value() == "zhang" and editor.is_disabled()


# --- the organisation's identity provider (OpenID Connect, st.login) ------------------------------

@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    """The app with access through an identity provider (a stand-in on loopback): one e-mail is a
    planner, everyone else is refused (default_role = "none")."""
    from browsing import free_port, running_app
    from oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

    folder = tmp_path_factory.mktemp("oidc")
    (folder / "data").mkdir()
    (folder / "data" / "access.toml").write_text(
        'mode = "oidc"\ndefault_role = "none"\n[roles]\n"zhang.wei@wjw.example.cn" = "planner"\n', encoding="utf-8")
    app_port, idp_port = free_port(), free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
                       f'cookie_secret = "{"x" * 48}"\nclient_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
                       f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n',
                       encoding="utf-8")
    with running_provider(idp_port) as provider, \
            running_app(folder, port=app_port, args=("--secrets.files", str(secrets))) as app:
        yield app, provider


def test_sign_in_through_the_identity_provider_gives_the_role_of_the_e_mail(browser, oidc):
    app, provider = oidc
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    outside: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (app["url"], provider.base, "ws://127.0.0.1", "data:", "blob:", "about:")) else (outside.append(r.request.url), r.abort()))
    page = context.new_page()
    try:
        page.goto(app["url"] + "/workspace")
        page.get_by_role("button", name="通过统一身份认证登录").click()  # to the provider and back
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("zhang.wei@wjw.example.cn · 规划").wait_for(timeout=60_000)
        assert sidebar.get_by_text("规划工作台").count() == 1

        provider.user = {"sub": "u-2", "email": "<b>someone</b>@elsewhere.cn", "email_verified": True}  # not in [roles]
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="通过统一身份认证登录").click()
        page.get_by_text("没有角色").wait_for(timeout=60_000)
        page.get_by_text("<b>someone</b>@elsewhere.cn").wait_for(timeout=10_000)  # as text
        assert sidebar.get_by_text("规划工作台").count() == 0 and page.get_by_role("button", name="划入").count() == 0
        assert outside == []
    finally:
        context.close()


def test_names_in_messages_show_as_text_not_markdown(browser, tmp_path):
    """``ui.i18n.plain``, as the pages use it for plan names and rule messages: no disguised link,
    image, emphasis, formula or colour from a name, and the name reads as typed."""
    from browsing import running_app

    name = "[点我](http://e.vil) ![x](http://e.vil/x.png) **粗** $x^2$ :red[红] <b>b</b>"
    script = tmp_path / "names.py"
    script.write_text(f"import streamlit as st\nfrom ui.i18n import plain\n"  # ui: the installed package
                      f"st.success('已删除方案“' + plain({name!r}) + '”')\n", encoding="utf-8")
    context = browser.new_context()
    try:
        with running_app(tmp_path, script=script) as app:
            page = context.new_page()
            page.goto(app["url"])
            alert = page.locator('[data-testid="stAlertContentSuccess"]')
            alert.wait_for(timeout=60_000)
            # (an invisible word joiner after "http:" keeps a bare address from being linked)
            assert alert.inner_text().replace("\u2060", "").strip() == f"已删除方案“{name}”"
            found = alert.locator("img, strong, b, .katex")
            assert found.count() == 0, [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]
            links = alert.locator("a").evaluate_all("es => es.map(e => [e.textContent, e.getAttribute('href')])")
            assert links == [], links  # no link at all, not even a bare address
    finally:
        context.close()
