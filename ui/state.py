"""Per-session state: language, the current data package and its coordinate choices.

Within a session, ``st.session_state`` holds them (page links drop the URL's query string); the
URL mirrors them on every run (``lang``, ``data`` = ``default`` or an upload id, ``crs`` =
per-layer coordinate systems chosen on import, ``plan`` = the plan open in the workspace,
``user`` = the name edits are logged under), so a refresh, a restart or a shared link opens
the same data in the same language. Loaded packages are cached per server: they are immutable
values and pages never change them in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import streamlit as st

from geodata.default import load_default
from geodata.errors import GeodataError
from geodata.package import DataPackage, load_package
from geodata.store import package_info, package_path
from planning.errors import NoUnitsError
from planning.session import PlanningSession
from ui.i18n import LANGS, TEXT, t

DEFAULT = "default"
_KEYS = ("lang", "data", "crs", "plan", "user")


def init() -> None:
    """Take the session's state from the URL on its first run; mirror it to the URL after.

    Streamlit keeps a session across reloads of the same browser tab, so a link opened there (a
    bookmark, a shared ``?plan=…``) finds a session with state of its own: a value the URL names
    explicitly wins; a value it leaves out (page links drop the query string) is kept."""
    ss = st.session_state
    if "state_lang" not in ss:
        url_lang = st.query_params.get("lang", "zh")
        ss["state_lang"] = url_lang if url_lang in LANGS else "zh"
        ss["state_data"] = st.query_params.get("data", DEFAULT)
        ss["state_crs"] = _parse_crs(st.query_params.get("crs", ""))
        ss["state_plan"] = st.query_params.get("plan", "")
        ss["state_user"] = st.query_params.get("user", "")[:40]
    else:
        url = {key: st.query_params.get(key, "") for key in _KEYS}
        if url["data"] and url["data"] != ss["state_data"]:
            ss["state_data"], ss["state_plan"] = url["data"], ""
            ss["state_crs"] = _parse_crs(url["crs"])
        if url["lang"] in LANGS and url["lang"] != ss["state_lang"]:
            ss["state_lang"] = url["lang"]
        if url["plan"] and url["plan"] != ss.get("state_plan"):
            ss["state_plan"] = url["plan"]
        if url["user"] and url["user"][:40] != ss.get("state_user"):
            ss["state_user"] = url["user"][:40]
    _mirror()


def _parse_crs(text: str) -> dict[str, str]:
    return dict(item.split(":", 1) for item in text.split(";") if ":" in item)


def _mirror() -> None:
    ss = st.session_state
    wanted = {"lang": ss["state_lang"], "data": ss["state_data"],
              "crs": ";".join(f"{k}:{v}" for k, v in sorted(ss["state_crs"].items())),
              "plan": ss.get("state_plan", ""), "user": ss.get("state_user", "")}
    for key in _KEYS:
        if wanted[key] and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif not wanted[key] and key in st.query_params:
            del st.query_params[key]


def lang() -> str:
    return st.session_state.get("state_lang", "zh")


def set_lang(value: str) -> None:
    st.session_state["state_lang"] = value if value in LANGS else "zh"
    _mirror()


def labels(language: str) -> dict[str, str]:
    return {key: t(key, language) for key in TEXT}


@st.cache_resource(show_spinner=False)
def _default() -> DataPackage:
    return load_default()


@st.cache_resource(show_spinner=False, max_entries=8)
def _uploaded(package_id: str, crs: tuple[tuple[str, str], ...]) -> DataPackage:
    return load_package(package_path(package_id), crs_overrides=dict(crs))


def load(package_id: str, crs: Mapping[str, str] | None = None) -> DataPackage:
    """The package with this id (raises GeodataError subclasses when it cannot be used)."""
    if package_id == DEFAULT:
        return _default()
    return _uploaded(package_id, tuple(sorted((crs or {}).items())))


def display_name(package_id: str, package: DataPackage, language: str) -> str:
    """The name to show: the demo's, an uploaded archive's, or when and how many files."""
    if package_id == DEFAULT:
        return t("default_name", language)
    info = package_info(package_id)
    if info.get("archive"):
        return str(info["archive"])
    return t("upload_name", language, saved=info.get("saved", "?"), n=len(info.get("files", [])))


def current() -> tuple[str, DataPackage]:
    """The id and package the session works on; falls back to the default if it is gone."""
    ss = st.session_state
    if "state_data" not in ss:
        init()
    try:
        package = load(ss["state_data"], ss["state_crs"])
    except GeodataError:
        activate(DEFAULT)
        return DEFAULT, _default()
    return ss["state_data"], replace(package, name=display_name(ss["state_data"], package, lang()))


@st.cache_resource(show_spinner=False, max_entries=8)
def _session(key: tuple, _package: DataPackage) -> PlanningSession:
    return PlanningSession(_package)


def session() -> PlanningSession:
    """The planning session of the current package (world, pairing problem, solver, rules),
    built once per server and package and shared by every page and visitor: it never changes.
    A package with no units stops the page with the reason (its problem list is on 导入数据)."""
    _, package = current()
    try:
        return _session(cache_key(), package)
    except NoUnitsError as exc:
        st.error(exc.messages[lang()])
        st.stop()


def cache_key() -> tuple[str, tuple[tuple[str, str], ...]]:
    """What identifies the current package for a page's cache: its id and coordinate choices."""
    return st.session_state.get("state_data", DEFAULT), tuple(sorted(crs_choices().items()))


def crs_choices() -> dict[str, str]:
    return dict(st.session_state.get("state_crs", {}))


def activate(package_id: str, crs: Mapping[str, str] | None = None) -> None:
    """Make ``package_id`` (read with ``crs`` per layer) the session's data."""
    if st.session_state.get("state_data") != package_id:
        st.session_state["state_plan"] = ""  # a plan belongs to its data
    st.session_state["state_data"] = package_id
    st.session_state["state_crs"] = dict(crs or {})
    _mirror()


def plan_id() -> str:
    return st.session_state.get("state_plan", "")


def set_plan(value: str) -> None:
    st.session_state["state_plan"] = value
    _mirror()


def user() -> str:
    return st.session_state.get("state_user", "")


def set_user(value: str) -> None:
    st.session_state["state_user"] = value.strip()[:40]
    _mirror()
