"""Per-session state: language and the current data package, kept in the URL.

The URL carries ``lang``, ``data`` (``default`` or an upload id) and ``crs`` (per-layer
coordinate systems chosen on import), so a refresh or a shared
link opens the same data in the same language. Loaded packages are cached per server (they are
immutable values; pages never change them in place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import streamlit as st

from geodata.default import load_default
from geodata.errors import GeodataError
from geodata.package import DataPackage, load_package
from geodata.store import package_name, package_path
from ui.i18n import LANGS, TEXT, t

DEFAULT = "default"


def lang() -> str:
    value = st.query_params.get("lang", "zh")
    return value if value in LANGS else "zh"


def labels(language: str) -> dict[str, str]:
    return {key: t(key, language) for key in TEXT}


@st.cache_resource(show_spinner=False)
def _default() -> DataPackage:
    return load_default()


@st.cache_resource(show_spinner=False, max_entries=8)
def _uploaded(package_id: str, crs: tuple[tuple[str, str], ...]) -> DataPackage:
    package = load_package(package_path(package_id), crs_overrides=dict(crs))
    return replace(package, name=package_name(package_id))


def load(package_id: str, crs: Mapping[str, str] | None = None) -> DataPackage:
    """The package with this id (raises GeodataError subclasses when it cannot be used)."""
    if package_id == DEFAULT:
        return _default()
    return _uploaded(package_id, tuple(sorted((crs or {}).items())))


def current() -> tuple[str, DataPackage]:
    """The id and package the session works on; falls back to the default if it is gone."""
    package_id = st.query_params.get("data", DEFAULT)
    crs = dict(item.split(":", 1) for item in st.query_params.get("crs", "").split(";") if ":" in item)
    try:
        return package_id, load(package_id, crs)
    except GeodataError:
        st.query_params["data"] = DEFAULT
        return DEFAULT, _default()


def activate(package_id: str, crs: Mapping[str, str] | None = None) -> None:
    """Make ``package_id`` (read with ``crs`` per layer) the session's data, in the URL."""
    st.query_params["data"] = package_id
    if crs:
        st.query_params["crs"] = ";".join(f"{k}:{v}" for k, v in sorted(crs.items()))
    elif "crs" in st.query_params:
        del st.query_params["crs"]
