"""Per-session state: language, the current data package and its coordinate choices, and the
planner's grid settings.

Within a session, ``st.session_state`` holds them (page links drop the URL's query string); the
URL mirrors them on every run (``lang``, ``data`` = ``default`` or an upload id, ``crs`` =
per-layer coordinate systems chosen on import, ``plan`` = the plan open in the workspace,
``user`` = the name edits are logged under, ``grid`` = the grid settings changed on 网格方案,
e.g. ``balance:1.1;min:200000;max:600000;counts:310115=6;leads:given;exact:5``), so a refresh, a
restart or a shared link opens the same data in the same language under the same settings.
Loaded packages are cached per server: they are immutable values and pages never change them in
place. Planning sessions are cached per package and settings (``config_key``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import fields, replace
from types import MappingProxyType

import streamlit as st

from geodata.default import load_default
from geodata.errors import GeodataError
from geodata.package import DataPackage, load_package
from geodata.store import package_info, package_path
from planning.config import GRID_LEADS, Override, PlanConfig
from planning.errors import ConfigError, NoUnitsError
from planning.session import PlanningSession
from ui.i18n import LANGS, TEXT, plain, t

DEFAULT = "default"
_KEYS = ("lang", "data", "crs", "plan", "user", "grid")


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
        ss["state_grid"] = _grid_from_url(st.query_params.get("grid", ""))
    else:
        url = {key: st.query_params.get(key, "") for key in _KEYS}
        if url["data"] and url["data"] != ss["state_data"]:
            ss["state_data"], ss["state_plan"] = url["data"], ""
            ss["state_crs"] = _parse_crs(url["crs"])
            ss["state_grid"] = {}  # settings belong to their data (district codes, bands)
        if url["grid"] and url["grid"] != encode_grid(ss.get("state_grid", {})):
            ss["state_grid"] = _grid_from_url(url["grid"])
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
              "plan": ss.get("state_plan", ""), "user": ss.get("state_user", ""),
              "grid": encode_grid(ss.get("state_grid", {}))}
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
    """The name to show: the demo's, the one the planner gave on import, an uploaded archive's, or
    when and how many files."""
    if package_id == DEFAULT:
        return t("default_name", language)
    info = package_info(package_id)
    if info.get("name"):
        return str(info["name"])
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
def _session(key: tuple, _package: DataPackage, _config: PlanConfig) -> PlanningSession:
    return PlanningSession(_package, _config)


def session() -> PlanningSession:
    """The planning session of the current package under the settings in force (``config()``):
    world, pairing problem, solver, rules; built once per server, package and settings and shared
    by every page and visitor: it never changes. A package with no units stops the page with the
    reason (its problem list is on 导入数据)."""
    _, package = current()
    settings = config()
    refused = st.session_state.pop("state_grid_refused", None)
    if refused:
        st.warning(t("gs_url_refused", lang(), why=plain(refused)))
    try:
        return _session(cache_key(), package, settings)
    except NoUnitsError as exc:
        st.error(plain(exc.messages[lang()]))
        st.stop()


def cache_key() -> tuple[str, tuple[tuple[str, str], ...], str]:
    """What identifies the current package and settings for a page's cache: the package's id and
    coordinate choices, and the settings in force (``config_key``)."""
    return (st.session_state.get("state_data", DEFAULT), tuple(sorted(crs_choices().items())), config_key(config()))


# --- the planner's grid settings ---------------------------------------------------------------
# what the grid page may change, and the short names the URL gives them
GRID_KEYS = {"balance": "grid_balance_target", "min": "grid_population_min", "max": "grid_population_max",
             "counts": "grid_counts", "leads": "grid_leads", "exact": "grid_exact_seconds"}


def config_key(settings: PlanConfig) -> str:
    """A canonical fingerprint of every setting (``PlanConfig`` holds mappings, which do not hash):
    equal settings, equal keys."""
    def canonical(value: object) -> object:
        if isinstance(value, Mapping):
            return tuple(sorted((str(k), canonical(v)) for k, v in value.items()))
        if isinstance(value, Override):
            return (value.limit, value.reason)
        if isinstance(value, (list, tuple)):
            return tuple(canonical(v) for v in value)
        return value
    text = repr(tuple((f.name, canonical(getattr(settings, f.name))) for f in fields(settings)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _number(value: float) -> str:
    return repr(float(value)).removesuffix(".0")


def encode_grid(overrides: Mapping[str, object]) -> str:
    """The grid settings changed on the page as the URL carries them (``GRID_KEYS``)."""
    parts = []
    for short, name in GRID_KEYS.items():
        if name not in overrides:
            continue
        value = overrides[name]
        if name == "grid_counts":
            text = ",".join(f"{code}={n}" for code, n in sorted(value.items())) or "-"  # "-": none fixed
        elif isinstance(value, (int, float)):
            text = _number(value)
        else:
            text = str(value)
        parts.append(f"{short}:{text}")
    return ";".join(parts)


def decode_grid(text: str) -> dict[str, object]:
    """The URL's grid settings (``encode_grid``); ``ValueError`` naming what cannot be read."""
    out: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        short, sep, value = part.partition(":")
        if not sep or short not in GRID_KEYS:
            raise ValueError(f"{part!r}")
        name = GRID_KEYS[short]
        if name == "grid_counts":
            counts = {}
            for item in filter(None, [] if value == "-" else value.split(",")):
                code, eq, n = item.partition("=")
                if not eq or not code or not n.isdigit() or int(n) < 1:
                    raise ValueError(f"{part!r}")
                counts[code] = int(n)
            if value != "-" and not counts:
                raise ValueError(f"{part!r}")
            out[name] = MappingProxyType(dict(sorted(counts.items())))
        elif name == "grid_leads":
            if value not in GRID_LEADS:
                raise ValueError(f"{part!r}")
            out[name] = value
        else:
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{part!r}") from None  # the part that cannot be read, not Python's words
            if not math.isfinite(number):
                raise ValueError(f"{part!r}")
            out[name] = number
    return out


def _grid_from_url(text: str) -> dict[str, object]:
    try:
        return decode_grid(text)
    except ValueError as exc:
        st.session_state["state_grid_refused"] = str(exc)
        return {}


def grid_overrides() -> dict[str, object]:
    """The grid settings changed on the page (``PlanConfig`` field -> value); empty: the package's."""
    return dict(st.session_state.get("state_grid", {}))


def set_grid(overrides: Mapping[str, object]) -> None:
    """Put ``overrides`` (``PlanConfig`` fields in ``GRID_KEYS``) in force for this session and
    its URL; every page's session follows."""
    st.session_state["state_grid"] = {k: v for k, v in overrides.items() if k in GRID_KEYS.values()}
    _mirror()


def config() -> PlanConfig:
    """The settings in force: the package's config.toml with the grid settings changed on the
    page. Settings the package cannot take (a link from another package, a hand-edited URL) are
    dropped, and the next ``session()`` says why."""
    _, package = current()
    overrides = grid_overrides()
    if not overrides:
        return package.config
    districts = set(package.districts["district_code"].astype(str))
    if "grid_counts" in overrides:
        counts = overrides["grid_counts"]
        overrides["grid_counts"] = MappingProxyType({c: n for c, n in counts.items() if c in districts})
    try:
        changed = replace(package.config, **overrides)
        changed.check()
    except (ConfigError, TypeError) as exc:
        st.session_state["state_grid"] = {}
        st.session_state["state_grid_refused"] = "; ".join(getattr(exc, "problems", [str(exc)]))
        _mirror()
        return package.config
    return changed


def crs_choices() -> dict[str, str]:
    return dict(st.session_state.get("state_crs", {}))


def activate(package_id: str, crs: Mapping[str, str] | None = None) -> None:
    """Make ``package_id`` (read with ``crs`` per layer) the session's data."""
    if st.session_state.get("state_data") != package_id:
        st.session_state["state_plan"] = ""  # a plan belongs to its data
        st.session_state["state_grid"] = {}  # and so do the grid settings (district codes, band)
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
