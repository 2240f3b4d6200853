"""Who is using this session, and what they may do (the rules are in ``geodata.accounts``).

``gate()`` runs first in ``app.py``: with access control on, nobody gets past it without signing
in, through the organisation's identity provider (``st.login``, OpenID Connect) or a local
account. A local sign-in is kept in a cookie holding a random token (only its hash is stored on
the server), so a refresh or a reopened tab stays signed in until it expires or the user signs
out. Every run looks the sign-in up again, so a changed role or a removed account takes effect
on the next click.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geodata.accounts import AccessConfig, AccessDenied, AccessError, AccountStore, GuardedPlanStore, can, read_config
from geodata.plans import PlanStore
from geodata.store import data_dir
from ui import state
from ui.i18n import t

COOKIE = "ylt_session"
TOKEN = "access_token"
COOKIE_SCRIPT = "access_cookie_script"


@dataclass(frozen=True)
class Identity:
    name: str        # the name edits are logged under ("" when access control is off and no name was given)
    role: str | None  # None: signed in, but the identity provider's user has no role here
    via: str          # off, local or oidc


def settings_path() -> Path:
    return data_dir() / "access.toml"


def settings() -> AccessConfig:
    return read_config(settings_path())


def accounts() -> AccountStore:
    return _accounts(str(data_dir() / "accounts.sqlite"))


@st.cache_resource(show_spinner=False)
def _accounts(path: str) -> AccountStore:
    return AccountStore(Path(path))


def plan_store() -> GuardedPlanStore:
    """The plans of this server (``plans.sqlite`` in the data directory, see the README), as the
    signed-in role may use them: a write past the role raises ``AccessDenied``."""
    return GuardedPlanStore(_plans(str(data_dir() / "plans.sqlite")), role)  # the role at each write


@st.cache_resource(show_spinner=False)
def _plans(path: str) -> PlanStore:
    return PlanStore(Path(path))


def identity() -> Identity | None:
    """Who this session is (None: nobody signed in). With access control off, the single user
    may do everything and signs edits with the name typed in the workspace."""
    config = settings()
    if config.mode == "off":
        return Identity(state.user(), "admin", "off")
    if config.mode == "oidc":
        if not st.user.is_logged_in:
            return None
        name = config.identity_of(st.user)
        return Identity(name, config.role_of(name) if name else None, "oidc")
    token = st.session_state.get(TOKEN) or st.context.cookies.get(COOKIE, "")
    account = accounts().session(token)
    if account is None:
        st.session_state.pop(TOKEN, None)
        return None
    return Identity(account.name, account.role, "local")


def current() -> Identity | None:
    """Who this session is now. Looked up at every call, not once per run: Streamlit runs a
    button's callback before the page (and before the shell's check), so a role remembered from
    the previous run could let a demoted or signed-out user make one more change."""
    try:
        return identity()
    except AccessError:
        return None  # a broken setting: nobody


def role() -> str | None:
    who = current()
    return who.role if who else None


def author() -> str:
    """The name an edit is logged under."""
    who = current()
    return who.name if who else ""


def refused(action: str, review: st.Page, lang: str) -> None:
    """A page the role may not use, reached by its address: why, and the way to the review."""
    st.title(t("refused_title", lang))
    st.error(AccessDenied(role(), action).messages[lang])
    st.page_link(review, label=t("refused_to_review", lang), icon=":material/co_present:")


def require(action: str, lang: str) -> None:
    """Stop the page, saying why, unless the session's role may ``action``."""
    now = role()
    if not can(now, action):
        st.error(AccessDenied(now, action).messages[lang])
        st.stop()


def identity_or_none(lang: str) -> Identity | None:
    """``identity()`` for the shell: a broken access setting shuts everyone out with the reason
    (it never opens the tool up)."""
    try:
        who = identity()
    except AccessError as exc:
        st.error(exc.messages[lang])
        st.stop()
    if who is not None and who.role is not None:
        _write_cookie()
    return who


def sign_in_form(who: Identity | None, lang: str) -> None:
    """The sign-in page (local accounts or the identity provider) for ``who``, as the shell found
    it (None, or an OIDC identity without a role here); the run stops here."""
    config = settings()
    st.title(t("sign_in_title", lang))
    if who is not None:  # an OIDC identity without a role here
        st.error(t("sign_in_no_role", lang))
        st.text(who.name)  # text, never markup: the name comes from the identity provider
        st.button(t("sign_out", lang), on_click=st.logout)
        st.stop()
    if config.mode == "oidc":
        st.caption(t("sign_in_oidc_intro", lang))
        if st.button(t("sign_in_oidc", lang), type="primary"):
            try:
                st.login(config.provider or None)
            except Exception as exc:  # Streamlit raises its own error when [auth] is not configured
                st.error(t("sign_in_oidc_broken", lang, why=str(exc)))
        st.stop()
    _write_cookie()  # clears the cookie after signing out
    with st.form("sign_in"):
        name = st.text_input(t("account", lang), max_chars=40)
        password = st.text_input(t("password", lang), type="password", max_chars=200)
        submitted = st.form_submit_button(t("sign_in", lang), type="primary")
    if submitted:
        try:  # a wrong password, a lock, or storage that failed (a full disk, a damaged file): said, not raised
            account = accounts().verify(name.strip(), password)
            token = accounts().start_session(account.name, config.session_hours)
        except AccessError as exc:
            st.error(exc.messages[lang])
            st.stop()
        st.session_state[TOKEN] = token
        st.session_state[COOKIE_SCRIPT] = (token, int(config.session_hours * 3600))
        st.rerun()
    st.caption(t("sign_in_local_intro", lang))
    st.stop()


def sign_out() -> None:
    """End the sign-in: the token is forgotten on the server and the cookie cleared."""
    config = settings()
    if config.mode == "oidc":
        st.logout()
        return
    token = st.session_state.pop(TOKEN, None) or st.context.cookies.get(COOKIE, "")
    if token:
        try:
            accounts().end_session(token)
        except AccessError:
            pass  # storage failed: the cookie is still cleared below; the sign-in expires on its own
    st.session_state[COOKIE_SCRIPT] = ("", 0)


def _write_cookie() -> None:
    """Send the pending cookie change to the browser (the token is ours: url-safe base64)."""
    pending = st.session_state.pop(COOKIE_SCRIPT, None)
    if pending is None:
        return
    token, seconds = pending
    st.sidebar.html(f"""<script>document.cookie = "{COOKIE}={token}; path=/; max-age={seconds}; SameSite=Strict"
            + (location.protocol === "https:" ? "; Secure" : "");</script>""", unsafe_allow_javascript=True, width=1)


def badge(who: Identity | None, lang: str) -> None:
    """The sidebar's line: who is signed in, as what, and the sign-out button."""
    if who is None or who.via == "off":
        return
    st.caption(t("signed_in_as", lang))
    st.text(f"{who.name} · {t('role.' + who.role, lang)}")  # text, never markup
    st.button(t("sign_out", lang), on_click=sign_out, key="sign_out")
