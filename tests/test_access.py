"""Access control: roles, the settings file, local accounts (hashing, lock-out, sign-ins), the
guarded plan store, and the app with each role (AppTest; the browser's sign-in and cookie are in
``test_browser_access.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

import geodata.accounts as accounts_module
from conftest import ROOT
from geodata.accounts import (MAX_FAILURES, AccessDenied, AccessError, AccountStore, GuardedPlanStore, can,
                              check_password, hash_password, read_config)
from geodata.plans import PlanStore

PASSWORDS = {"boss": "admin-pass-123", "zhang": "planner-pass-1", "li": "official-pass-1"}


# --- rules and settings ---------------------------------------------------------------------

def test_each_role_may_do_what_the_issue_says():
    assert [r for r in ("official", "planner", "admin") if can(r, "edit")] == ["planner", "admin"]
    assert [r for r in ("official", "planner", "admin") if can(r, "manage")] == ["admin"]
    assert all(can(r, "view") for r in ("official", "planner", "admin"))
    assert not any(can(None, action) for action in ("view", "edit", "import", "manage"))


def test_settings_default_to_off_and_broken_settings_are_refused_with_the_reason(tmp_path):
    path = tmp_path / "access.toml"
    assert read_config(path).mode == "off"
    path.write_text('mode = "oidc"\ndefault_role = "none"\n[roles]\n"Zhang.Wei@wjw.example.cn" = "admin"\n', encoding="utf-8")
    config = read_config(path)
    assert config.role_of("zhang.wei@WJW.example.cn") == "admin" and config.role_of("someone@else.cn") is None
    # an e-mail counts only when the provider vouches for it; otherwise the subject does
    assert config.identity_of({"email": "zhang.wei@wjw.example.cn", "email_verified": True, "sub": "7"}) == \
        "zhang.wei@wjw.example.cn"
    assert config.identity_of({"email": "zhang.wei@wjw.example.cn", "sub": "7"}) == "7"
    assert config.identity_of({"email": "zhang.wei@wjw.example.cn", "email_verified": "true", "sub": "7"}) == "7"
    for text, words in [('mode = "open"', "mode"), ("mode = local", "TOML"), ('mode = "local"\n[roles]\nx = "root"', "roles"),
                        ("", "mode is missing"), ('[access]\nmode = "local"', "unknown settings access"),
                        ('Mode = "local"', "unknown settings Mode"),
                        ('mode = "oidc"\ndefault_role = "god"', "default_role"), ('mode = "local"\nsession_hours = -1', "session_hours")]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AccessError) as err:
            read_config(path)
        assert words in err.value.messages["en"] and str(path) in err.value.messages["zh"]


# --- passwords and accounts -----------------------------------------------------------------

def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password("planner-pass-1"), hash_password("planner-pass-1")
    assert first != second and first.startswith("scrypt$16384$8$1$") and "planner-pass-1" not in first
    assert check_password("planner-pass-1", first) and check_password("planner-pass-1", second)
    assert not check_password("planner-pass-2", first)
    assert not check_password("x", "plain-text") and not check_password("x", "md5$abc$def$1$2$3")


@pytest.fixture
def accounts(tmp_path):
    store = AccountStore(tmp_path / "accounts.sqlite")
    store.add("boss", PASSWORDS["boss"], "admin")
    store.add("zhang", PASSWORDS["zhang"], "planner")
    store.add("li", PASSWORDS["li"], "official")
    return store


def test_accounts_check_passwords_lock_after_failures_and_keep_an_admin(accounts, monkeypatch):
    assert accounts.verify("zhang", PASSWORDS["zhang"]).role == "planner"
    with pytest.raises(AccessError) as wrong:
        accounts.verify("zhang", "not-the-password")
    with pytest.raises(AccessError) as unknown:
        accounts.verify("nobody", "not-the-password")
    assert wrong.value.messages == unknown.value.messages  # names cannot be probed
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AccessError):
            accounts.verify("li", "guess-guess")
    assert accounts.verify("li", PASSWORDS["li"]).role == "official"  # a success resets the count
    for _ in range(MAX_FAILURES):
        with pytest.raises(AccessError):
            accounts.verify("li", "guess-guess")
    with pytest.raises(AccessError) as locked:
        accounts.verify("li", PASSWORDS["li"])  # locked: even the right password waits
    assert "锁定" in locked.value.messages["zh"]
    later = accounts_module._now() + accounts_module.LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(accounts_module, "_now", lambda: later)
    assert accounts.verify("li", PASSWORDS["li"]).name == "li"

    for bad in [("short", "planner"), ("zhang-zhang", "planner")]:
        with pytest.raises(AccessError):
            accounts.add("zhang-zhang", *bad)  # too short; the name as password
    for name in ("with space", "<script>alert(1)</script>", "[x](http://e.vil)", "x" * 41):
        with pytest.raises(AccessError):
            accounts.add(name, "another-pass-1", "planner")  # names are never markup
    accounts.add("王芳.wf", "another-pass-1", "planner")
    accounts.remove("王芳.wf")
    with pytest.raises(AccessError):
        accounts.add("zhang", "another-pass-1", "planner")  # exists
    with pytest.raises(AccessError):
        accounts.set_role("boss", "planner")  # the last administrator
    with pytest.raises(AccessError):
        accounts.remove("boss")
    accounts.set_role("zhang", "admin")
    accounts.set_role("boss", "official")  # another administrator is left
    assert {a["name"]: a["role"] for a in accounts.accounts()} == {"boss": "official", "zhang": "admin", "li": "official"}


def test_sign_ins_expire_end_on_a_new_password_and_store_only_a_hash(accounts, monkeypatch):
    token = accounts.start_session("zhang", hours=8)
    assert accounts.session(token).role == "planner"
    assert accounts.session("forged-token") is None and accounts.session("") is None
    raw = b"".join(f.read_bytes() for f in accounts.path.parent.glob("accounts.sqlite*"))
    assert token.encode() not in raw and PASSWORDS["zhang"].encode() not in raw
    accounts.set_role("zhang", "official")
    assert accounts.session(token).role == "official"  # a changed role counts at once
    accounts.set_password("zhang", "a-new-password-2")
    assert accounts.session(token) is None  # a new password signs the old sessions out
    token = accounts.start_session("zhang", hours=8)
    later = accounts_module._now() + timedelta(hours=8, seconds=1)
    monkeypatch.setattr(accounts_module, "_now", lambda: later)
    assert accounts.session(token) is None
    accounts.remove("zhang")
    with pytest.raises(AccessError):
        accounts.verify("zhang", "a-new-password-2")


def test_the_guarded_store_refuses_writes_past_the_role(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案", "default", {"assignment": {}}, author="boss")
    official, planner, admin = (GuardedPlanStore(store, role) for role in ("official", "planner", "admin"))
    assert official.load(plan_id)[0] == 1 and official.plans() and official.history(plan_id)
    for attempt in (lambda: official.save(plan_id, {"x": 1}, expected_version=1, author="li", action="assign"),
                    lambda: official.create("x", "default", {}, author="li"),
                    lambda: official.rename(plan_id, "x", author="li"),
                    lambda: official.duplicate(plan_id, "x", author="li"),
                    lambda: official.delete(plan_id, author="li"),
                    lambda: official._connect(),  # anything not known to be a read
                    lambda: planner.delete(plan_id, author="zhang"),
                    lambda: planner.restore(plan_id, author="zhang"),
                    lambda: GuardedPlanStore(store, None).save(plan_id, {}, expected_version=1, author="", action="x")):
        with pytest.raises(AccessDenied) as err:
            attempt()
        assert "无权" in err.value.messages["zh"]
    assert [(e["action"], e["author"]) for e in store.history(plan_id)] == [("create", "boss")]
    assert planner.save(plan_id, {"x": 1}, expected_version=1, author="zhang", action="assign") == 2
    admin.delete(plan_id, author="boss")
    assert store.plans() == [] and [p["plan_id"] for p in admin.plans(deleted=True)] == [plan_id]
    admin.restore(plan_id, author="boss")
    assert [p["plan_id"] for p in store.plans()] == [plan_id] and store.load(plan_id)[0] == 2


# --- the app with each role -----------------------------------------------------------------

@pytest.fixture
def app(tmp_path, monkeypatch):
    """The app with local accounts switched on; ``sign_in(name)`` starts a session as the cookie
    would bring it."""
    data = tmp_path / "data"
    monkeypatch.setenv("YLT_DATA_DIR", str(data))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda fig, key=None, **kw: None)
    data.mkdir()
    (data / "access.toml").write_text('mode = "local"\n', encoding="utf-8")
    store = AccountStore(data / "accounts.sqlite")
    for name, role in (("boss", "admin"), ("zhang", "planner"), ("li", "official")):
        store.add(name, PASSWORDS[name], role)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    return at, store, PlanStore(data / "plans.sqlite")


def _labels(at) -> set[str]:
    return {b.label for b in at.button}


def test_signed_out_nobody_gets_past_the_sign_in_form(app):
    at, _, plans = app
    at.query_params["user"] = "boss"  # a name in the URL is no sign-in
    at.switch_page("pages/workspace.py")
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("登录") and [t.label for t in at.text_input] == ["账号", "密码"]
    assert "划入" not in _labels(at) and plans.plans() == []
    at.text_input[0].input("li")
    at.text_input[1].input("wrong-password")
    at.button[0].click().run()  # the form's submit button
    assert "账号或密码不正确" in at.error[0].value and at.title[0].value.startswith("登录")
    at.text_input[0].input("li")
    at.text_input[1].input(PASSWORDS["li"])
    at.button[0].click().run()
    assert not at.exception and at.session_state["access_token"]
    assert any(t.value.startswith("li · 审阅") for t in at.text)


@pytest.mark.slow
def test_an_official_reads_but_cannot_edit_through_any_page_or_url(app):
    at, accounts, plans = app
    plan_id = plans.create("东片方案", "default", _proposal(), author="zhang")
    at.session_state["access_token"] = accounts.start_session("li", hours=1)
    at.query_params["plan"] = plan_id
    at.query_params["user"] = "boss"
    at.switch_page("pages/workspace.py")
    at.run()
    assert not at.exception
    assert "划入" not in _labels(at) and "按优化结果新建方案" not in _labels(at)
    at.switch_page("pages/review.py").run()
    assert not at.exception and at.selectbox(key="review_plan").value == plan_id
    for page in ("workspace", "import_data", "admin"):  # not in an official's navigation: their URLs lead nowhere
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")
    # and a page reached some other way stops before its tools
    guarded = AppTest.from_string("""
import streamlit as st
from ui import access
access.require("edit", "zh")
st.button("划入")
""")
    guarded.session_state["access_token"] = at.session_state["access_token"]
    guarded.run()
    assert "无权修改方案" in guarded.error[0].value and not guarded.button
    assert [e["action"] for e in plans.history(plan_id)] == ["create"]  # nothing written


def test_a_planner_edits_under_the_account_name_but_cannot_delete(app):
    at, accounts, plans = app
    at.session_state["access_token"] = accounts.start_session("zhang", hours=1)
    at.query_params["user"] = "boss"  # ignored: edits carry the account's name
    at.switch_page("pages/workspace.py")
    at.run()
    at.button(key="ws_first_plan").click().run()
    assert not at.exception
    plan_id = at.query_params["plan"]
    assert plans.history(plan_id)[0]["author"] == "zhang"
    delete = next(b for b in at.button if b.label == "删除方案")
    assert delete.disabled and at.checkbox(key=f"ws_sure_{plan_id}").disabled
    assert any("仅管理员可删除方案" in c.value for c in at.caption)  # and says why
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin.py")
    assert [p["plan_id"] for p in plans.plans()] == [plan_id]


@pytest.mark.slow
def test_an_administrator_deletes_restores_and_manages_accounts(app):
    at, accounts, plans = app
    plan_id = plans.create("西片方案", "default", _proposal(), author="zhang")
    plans.delete(plan_id, author="zhang")
    at.session_state["access_token"] = accounts.start_session("boss", hours=1)
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception
    at.button(key="admin_restore").click().run()
    assert not at.exception and "已恢复" in at.success[0].value
    assert [p["plan_id"] for p in plans.plans()] == [plan_id]
    assert [(e["action"], e["author"]) for e in plans.history(plan_id)][-1] == ("restore", "boss")

    at.text_input(key="admin_name").input("wang")
    at.selectbox(key="admin_role").set_value("official")
    at.text_input(key="admin_first").input("official-pass-2")
    at.text_input(key="admin_again").input("official-pass-2")
    next(b for b in at.button if b.label == "新建账号").click().run()
    assert not at.exception and "wang" in at.success[0].value
    assert accounts.verify("wang", "official-pass-2").role == "official"
    at.selectbox(key="admin_who").set_value("boss").run()
    assert next(b for b in at.button if b.label == "删除账号").disabled  # not oneself, not the last admin
    at.selectbox(key="admin_who").set_value("zhang").run()
    assert at.selectbox(key="admin_role_zhang").value == "planner"  # the box starts at the account's role
    at.selectbox(key="admin_role_zhang").set_value("official").run()
    next(b for b in at.button if b.label == "设为此角色").click().run()
    assert {a["name"]: a["role"] for a in accounts.accounts()}["zhang"] == "official"
    assert "已将 zhang 设为“审阅（只读）”" in at.success[0].value

    at.text_input(key="admin_password_zhang").input("a-new-password-9")
    next(b for b in at.button if b.label == "重设密码").click().run()
    assert accounts.verify("zhang", "a-new-password-9") and at.text_input(key="admin_password_zhang").value == ""
    remove = next(b for b in at.button if b.label == "删除账号")
    assert remove.disabled  # not without the confirmation
    at.checkbox(key="admin_sure_zhang").check().run()
    next(b for b in at.button if b.label == "删除账号").click().run()
    assert "zhang" not in {a["name"] for a in accounts.accounts()} and "已删除账号 zhang" in at.success[0].value


def test_a_broken_settings_file_shuts_the_tool_rather_than_opening_it(app):
    at, _, _ = app
    from geodata.store import data_dir

    (data_dir() / "access.toml").write_text('mode = "everyone"\n', encoding="utf-8")
    at.run()
    assert not at.exception and "mode" in at.error[0].value and not at.title


def _proposal() -> dict:
    from geodata.default import load_default
    from planning.grids import GridSolver
    from planning.plan import plan_to_dict
    from planning.world import build_world

    pkg = load_default()
    world = build_world(pkg.units, pkg.districts, pkg.facilities, island_link_km=pkg.config.island_link_km)
    band = (pkg.config.grid_population_min, pkg.config.grid_population_max)
    return plan_to_dict(GridSolver(band=band, county_max=pkg.config.county_alliances_max).solve(world).plan)



def test_parallel_guesses_are_all_counted_and_unknown_names_lock_alike(accounts):
    from concurrent.futures import ThreadPoolExecutor

    def guess(_):
        try:
            accounts.verify("zhang", "guess-guess-guess")
        except AccessError as exc:
            return exc.messages["en"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(8)))
    assert all(a in ("Wrong account name or password.",) or "locked" in a for a in answers)
    with pytest.raises(AccessError) as locked:
        accounts.verify("zhang", PASSWORDS["zhang"])
    assert "locked" in locked.value.messages["en"]  # eight at once were not counted as one
    assert next(a for a in accounts.accounts() if a["name"] == "zhang")["locked_until"]
    for _ in range(MAX_FAILURES):
        with pytest.raises(AccessError) as err:
            accounts.verify("nobody", "guess-guess-guess")
    with pytest.raises(AccessError) as err:
        accounts.verify("nobody", "guess-guess-guess")
    assert "locked" in err.value.messages["en"]  # an unknown name answers as a real one would
    accounts.set_password("zhang", "a-new-password-3")  # an administrator lifts the lock
    assert accounts.verify("zhang", "a-new-password-3").name == "zhang"


def test_a_role_taken_away_counts_for_the_very_next_write(tmp_path):
    store = PlanStore(tmp_path / "plans.sqlite")
    plan_id = store.create("方案", "default", {"assignment": {}}, author="zhang")
    role = {"now": "planner"}
    guarded = GuardedPlanStore(store, lambda: role["now"])  # as the app builds it: the role at each write
    assert guarded.save(plan_id, {"x": 1}, expected_version=1, author="zhang", action="assign") == 2
    role["now"] = "official"  # demoted while the page was open
    with pytest.raises(AccessDenied):
        guarded.save(plan_id, {"x": 2}, expected_version=2, author="zhang", action="assign")

