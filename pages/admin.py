"""系统管理 Administration: restore deleted plans, manage local accounts (administrators)."""

from __future__ import annotations

import sqlite3

import pandas as pd
import streamlit as st

from geodata.accounts import ROLES, AccessDenied, AccessError, can
from geodata.plans import PlanNotFoundError, PlanStorageError
from ui import access, planbar, shell
from ui.i18n import local_time, plain, sendable, t, tp

lang, L, package_id, pkg = shell.page("page_admin", "admin_intro")
access.require("manage", lang)
config = access.settings()
me = access.author()
role_name = {role: t(f"role.{role}", lang) for role in ROLES}
mode = t("admin_mode_off", lang) if config.mode == "off" else config.mode
st.caption(tp("admin_mode", lang, mode=mode, path=access.settings_path()))
MESSAGE = "admin_message"


def _do(action, success: str, **params) -> None:
    """Run an administrator's action in a button's callback; its outcome is shown on this run.
    The role is checked again here: callbacks run before the page's own check."""
    try:
        if not can(access.role(), "manage"):
            raise AccessDenied(access.role(), "manage")
        action()
    except (AccessError, PlanStorageError, PlanNotFoundError) as exc:
        st.session_state[MESSAGE] = ("error", plain(getattr(exc, "messages", {}).get(lang, str(exc))))
    else:
        st.session_state[MESSAGE] = ("success", t(success, lang, **params))


if MESSAGE in st.session_state:
    kind, text = st.session_state.pop(MESSAGE)
    getattr(st, kind)(text)

# --- deleted plans ------------------------------------------------------------------------------
st.subheader(t("admin_deleted", lang))
try:
    store = access.plan_store()
    deleted = store.plans(deleted=True)
except (PlanStorageError, sqlite3.Error, OSError) as exc:  # reads like writes: the cause, escaped
    st.error(t("plans_unreadable", lang, why=planbar.storage_message(exc, lang)))
    st.stop()
if not deleted:
    st.caption(t("admin_no_deleted", lang))
else:
    by_id = {p["plan_id"]: p for p in deleted}
    st.dataframe(pd.DataFrame([{L["plan"]: p["name"], L["version"]: p["version"], L["time"]: local_time(p["updated"]),
                                "ID": p["plan_id"]} for p in deleted]), hide_index=True, width="stretch")
    chosen = st.selectbox(L["plan"], list(by_id), format_func=lambda i: sendable(f"{by_id[i]['name']} · v{by_id[i]['version']} · {i[:6]}"),
                          key="admin_restore_pick")
    st.button(t("admin_restore", lang), key="admin_restore",
              on_click=lambda: _do(lambda: store.restore(chosen, author=me), "admin_restored", name=plain(by_id[chosen]["name"])))

# --- accounts ------------------------------------------------------------------------------------
st.subheader(t("admin_accounts", lang))
if config.mode == "oidc":
    st.caption(tp("admin_accounts_oidc", lang, role=role_name.get(config.default_role, config.default_role)))
    st.dataframe(pd.DataFrame([{"e-mail": k, t("admin_role", lang): role_name[v]} for k, v in config.roles.items()]),
                 hide_index=True, width="stretch")
    st.stop()
accounts = access.accounts()
listed = accounts.accounts()
if listed:
    st.dataframe(pd.DataFrame([{t("account", lang): a["name"], t("admin_role", lang): role_name.get(a["role"], a["role"]),
                                t("admin_created", lang): local_time(a["created"]),
                                t("admin_locked", lang): local_time(a["locked_until"]) if a["locked_until"] else ""}
                               for a in listed]),
                 hide_index=True, width="stretch")
admins = [a["name"] for a in listed if a["role"] == "admin"]


def _add() -> None:
    ss = st.session_state
    if ss["admin_first"] != ss["admin_again"]:
        ss[MESSAGE] = ("error", t("admin_password_mismatch", lang))
        return
    _do(lambda: accounts.add(ss["admin_name"], ss["admin_first"], ss["admin_role"]), "admin_added", name=plain(ss["admin_name"].strip()))


left, right = st.columns(2)
with left.form("admin_add", clear_on_submit=True):
    st.markdown(f"**{t('admin_add', lang)}**")
    st.text_input(t("account", lang), max_chars=40, key="admin_name")
    st.selectbox(t("admin_role", lang), ROLES, index=1, format_func=role_name.get, key="admin_role")
    st.text_input(t("password", lang), type="password", max_chars=200, key="admin_first")
    st.text_input(t("admin_password_again", lang), type="password", max_chars=200, key="admin_again")
    st.form_submit_button(t("admin_add", lang), type="primary", on_click=_add)
if listed:
    with right.container(border=True):
        st.markdown(f"**{t('admin_change', lang)}**")
        who = st.selectbox(t("account", lang), [a["name"] for a in listed], key="admin_who")
        role_now = next(a["role"] for a in listed if a["name"] == who)
        # per account, so each starts at the account's own role and holds no other account's input
        role_key, password_key, sure_key = (f"admin_{part}_{who}" for part in ("role", "password", "sure"))
        new_role = st.selectbox(t("admin_role", lang), ROLES, index=ROLES.index(role_now), format_func=role_name.get,
                                key=role_key)
        last_admin = admins == [who]
        ss = st.session_state  # callbacks read the widgets' values as sent with the click

        def _password() -> None:
            _do(lambda: accounts.set_password(who, ss[password_key]), "admin_password_done", name=plain(who))
            ss[password_key] = ""  # never left for the next account

        st.button(t("admin_set_role", lang), disabled=new_role == role_now or (last_admin and new_role != "admin"),
                  on_click=lambda: _do(lambda: accounts.set_role(who, ss[role_key]), "admin_role_done", name=plain(who),
                                       role=role_name[ss[role_key]]))
        st.text_input(t("admin_new_password", lang), type="password", max_chars=200, key=password_key)
        st.button(t("admin_set_password", lang), on_click=_password)
        sure = st.checkbox(t("admin_remove_sure", lang, name=plain(who)), key=sure_key, disabled=last_admin or who == me)
        st.button(t("admin_remove", lang), disabled=last_admin or who == me or not sure,
                  on_click=lambda: _do(lambda: accounts.remove(who), "admin_removed", name=plain(who)))
        if last_admin or who == me:
            st.caption(t("admin_last_admin", lang))
