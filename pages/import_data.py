"""导入数据 Import data: upload a planner's data package, see every problem, use what loads."""

from __future__ import annotations

import streamlit as st

from geodata.errors import DataValidationError, GeodataError, LoadReport
from geodata.schema import LAYERS
from geodata.store import MAX_FILES, save_upload
from ui import state
from ui.i18n import t
from ui.report import issue_table, show_report

lang = state.lang()
L = state.labels(lang)

st.title(t("page_import", lang))
st.markdown(t("import_intro", lang))

files = st.file_uploader(
    t("upload", lang), accept_multiple_files=True,
    type=["geojson", "json", "gpkg", "zip", "csv", "xlsx", "toml", "shp", "shx", "dbf", "prj", "cpg"],
)
systems = {"": t("crs_auto", lang), "wgs84": "WGS84 (EPSG:4326)", "cgcs2000": "CGCS2000 (EPSG:4490)",
           "gcj02": "GCJ-02（高德/腾讯 AMap/Tencent）", "bd09": "BD-09（百度 Baidu）"}
crs: dict[str, str] = {}
cols = st.columns(3)
for col, layer in zip(cols, ("districts", "units", "facilities")):
    choice = col.selectbox(t("crs_of", lang, layer=layer), list(systems), format_func=systems.get, key=f"crs-{layer}")
    if choice:
        crs[layer] = choice


def load_and_show(files, crs: dict[str, str]) -> None:
    if not files:
        st.warning(t("nothing_uploaded", lang))
        return
    if len(files) > MAX_FILES:
        st.error(t("upload_too_many", lang, n=MAX_FILES))
        return
    try:
        package_id = save_upload([(f.name, f.getvalue()) for f in files])
        pkg = state.load(package_id, crs)
    except DataValidationError as exc:
        st.error(t("load_failed", lang))
        st.dataframe(issue_table(LoadReport(issues=exc.issues), lang), hide_index=True, width="stretch")
        return
    except GeodataError as exc:
        st.error(f"{t('load_failed', lang)} {exc}")
        return
    state.activate(package_id, crs)
    st.success(t("loaded_ok", lang, name=pkg.name, units=len(pkg.units), facilities=len(pkg.facilities),
                 population=f"{pkg.population:,.0f}"))
    show_report(pkg.report, pkg.meta, lang)
    if any(i.code == "looks_gcj02" for i in pkg.report.issues):
        st.session_state["offer_gcj"] = True


if st.button(t("validate_load", lang), type="primary"):
    st.session_state.pop("offer_gcj", None)
    load_and_show(files, crs)
if st.session_state.get("offer_gcj") and files:
    if st.button(t("convert_gcj", lang)):
        st.session_state.pop("offer_gcj", None)
        load_and_show(files, {**crs, "facilities": "gcj02"})

with st.expander(t("data_source_note", lang)):
    for layer in LAYERS.values():
        st.markdown(f"**{layer.name}** — {layer.meaning}")
        st.markdown(", ".join(f"`{c.name}`{'*' if c.required else ''}" for c in layer.columns))
