"""导入数据 Import data: upload a planner's data package, see every problem, use what loads."""

from __future__ import annotations

import streamlit as st

from geodata.errors import DataValidationError, GeodataError, LoadReport
from geodata.package import save_named
from geodata.schema import LAYERS, TEMPLATE_FILES
from geodata.store import MAX_FILES, discard
from ui import access, shell, state
from ui.guide import data_format
from ui.i18n import plain, t, tp
from ui.imports import dataset_picker, loaded_name, name_field
from ui.report import layer_label, show_file_errors, show_issues, show_report
from ui.templates import template_csv, template_xlsx

LAYERS_WITH_CRS = ("districts", "units", "facilities")

shell.enter()
lang = state.lang()
st.title(t("page_import", lang))
access.require("import", lang)
st.markdown(t("imp_intro", lang))

files = st.file_uploader(
    t("upload", lang), accept_multiple_files=True, key=shell.IMPORT_UPLOADER,
    type=["geojson", "json", "gpkg", "zip", "csv", "xlsx", "toml", "shp", "shx", "dbf", "prj", "cpg"],
)
dataset_name = name_field(lang)
systems = {"": t("crs_auto", lang), "wgs84": "WGS84 (EPSG:4326)", "cgcs2000": "CGCS2000 (EPSG:4490)",
           "gcj02": "GCJ-02（高德/腾讯 AMap/Tencent）", "bd09": "BD-09（百度 Baidu）"}
for layer in LAYERS_WITH_CRS:
    st.session_state.setdefault(f"crs-{layer}", state.crs_choices().get(layer, ""))
cols = st.columns(len(LAYERS_WITH_CRS))
for col, layer in zip(cols, LAYERS_WITH_CRS):
    col.selectbox(t("crs_of", lang, layer=layer_label(layer, lang)), list(systems), format_func=systems.get,
                  key=f"crs-{layer}")
crs = {layer: st.session_state[f"crs-{layer}"] for layer in LAYERS_WITH_CRS if st.session_state[f"crs-{layer}"]}


def _convert_from_gcj02() -> None:
    st.session_state["crs-facilities"] = "gcj02"
    st.session_state["reload"] = True


def load(files, crs: dict[str, str], name: str) -> None:
    """Store and load the upload under ``name``; on success make it the session's data and show
    its report."""
    if not files:
        st.warning(t("nothing_uploaded", lang))
        return
    if len(files) > MAX_FILES:
        st.error(t("upload_too_many", lang, n=MAX_FILES))
        return
    try:
        package_id = save_named([(f.name, f.getvalue()) for f in files], name)
    except GeodataError as exc:  # a full disk says so in the reader's language
        messages = getattr(exc, "messages", None)
        why = messages[lang] if isinstance(messages, dict) and lang in messages else exc
        st.error(f"{t('load_failed', lang)} {plain(why)}")
        return
    try:
        state.load(package_id, crs)
    except DataValidationError as exc:
        discard(package_id)
        st.error(t("load_failed", lang))
        show_file_errors(LoadReport(issues=exc.issues), lang)
        show_issues(LoadReport(issues=exc.issues), lang)
        return
    state.activate(package_id, crs)
    st.session_state["last_import"] = package_id
    st.rerun()  # so the sidebar and every page show the new data


if st.button(t("validate_load", lang), type="primary") or st.session_state.pop("reload", False):
    st.session_state.pop("last_import", None)
    load(files, crs, dataset_name)

package_id, pkg = state.current()
if st.session_state.get("last_import") == package_id:
    st.success(tp("imp_loaded", lang, name=loaded_name(package_id, pkg.name), units=len(pkg.units),
                  facilities=len(pkg.facilities), population=f"{pkg.population:,.0f}"))
    if any(i.code == "looks_gcj02" for i in pkg.report.issues):
        st.button(t("convert_gcj", lang), on_click=_convert_from_gcj02)
    st.page_link("pages/grids.py", label=t("next_grids", lang), icon=":material/arrow_forward:")
    show_report(pkg.report, pkg.meta, lang)

dataset_picker(package_id, lang)

with st.expander(t("templates", lang)):
    st.caption(t("templates_note", lang))
    for layer, stem in TEMPLATE_FILES.items():
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.markdown(layer_label(layer, lang))  # markdown: the app's own words
        c2.download_button("CSV", template_csv(layer), file_name=f"{stem}.csv", mime="text/csv", key=f"tpl-csv-{layer}")
        c3.download_button("XLSX", template_xlsx(layer), file_name=f"{stem}.xlsx", key=f"tpl-xlsx-{layer}",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

with st.expander(t("data_source_note", lang)):
    for layer in LAYERS.values():
        st.markdown(f"**{layer_label(layer.name, lang)}** — {layer.meaning}")  # markdown: the app's own words
        st.markdown("、".join(  # markdown: the app's own words
            f"`{c.name}`" + (f"（{t('required', lang)}）" if c.required else "") for c in layer.columns))
with st.expander(t("imp_format_doc", lang)):
    st.markdown(data_format(lang))  # markdown: the app's own words (docs/DATA_FORMAT*.md, no data)
