"""全省汇总 Province results: a batch run's results folder (``ylt batch … --out <data dir>/regions/<name>``)
opened read-only: the summary figures, every county's alliances on one map, residents and balance
by county, the counties' table and the ones not done with their reasons. Changing a county stays
the workspace's, on that county's package."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from geodata.region_results import RegionResultError, find_results, input_names, read_grids, read_result, regions_root
from ui import shell, state
from ui.i18n import local_time, sendable, t, tp
from ui.region_view import (area_table, balance_chart, balance_target, chart_frames, display_grids, failed_lines, figures,
                            region_map, residents_chart, show_figures)


@st.cache_data(show_spinner=False, max_entries=4)
def _result(folder: str, stamp: float):
    return read_result(Path(folder))


@st.cache_data(show_spinner=False, max_entries=4)
def _map_frames(folder: str, stamp: float):
    return display_grids(read_grids(Path(folder)))


shell.enter()
lang = state.lang()
st.title(t("region.page", lang))
st.caption(t("region.intro", lang))

entries = find_results()
if not entries:
    st.info(tp("region.none", lang, root=str(regions_root())))
    st.code(t("region.command", lang, root=str(regions_root())), language=None)
    st.stop()

index = st.selectbox(t("region.choose", lang), range(len(entries)), format_func=lambda i: sendable(t(
    "region.option", lang, folder=entries[i].folder.name, name=entries[i].name, areas=entries[i].areas,
    created=local_time(entries[i].created))))
entry = entries[index]
try:
    with st.spinner(t("loading", lang)):
        result = _result(str(entry.folder), entry.stamp)
except RegionResultError as exc:
    st.error(tp("region.unreadable", lang, folder=entry.folder.name, reason=exc.text))
    st.stop()

prov = result.provenance
st.caption(tp("region.provenance", lang, created=local_time(str(prov.get("created", ""))), version=str(prov.get("version", "")),
              inputs=input_names(prov)))
target = balance_target(prov)
show_figures(figures(result.summary, target), lang)

st.subheader(t("region.map", lang))
try:
    with st.spinner(t("loading", lang)):
        shown, counties = _map_frames(str(entry.folder), entry.stamp)
except RegionResultError as exc:
    st.warning(tp("region.unreadable", lang, folder=entry.folder.name, reason=exc.text))
    shown = counties = None
words = {"county": t("region.tip_county", lang), "alliance": t("region.tip_alliance", lang),
         "lead": t("region.tip_lead", lang), "residents": t("region.tip_residents", lang),
         "balance": t("region.chart_balance", lang), "target": t("region.chart_target", lang),
         "smallest": t("region.chart_smallest", lang), "largest": t("region.chart_largest", lang)}
if counties is not None and len(counties):
    st_folium(region_map(shown, counties, words, lang), height=640, use_container_width=True, returned_objects=[],
              key=f"region-map-{entry.folder.name}-{entry.stamp}")
    st.caption(t("region.map_note", lang))

    st.subheader(t("region.charts", lang))
    rows, alliances, total = chart_frames(result.summary, shown)
    left, right = st.columns(2)
    left.altair_chart(residents_chart(alliances, rows["county"].tolist(), words), width="stretch")
    right.altair_chart(balance_chart(rows, target, words), width="stretch")
    st.caption(tp("region.chart_note", lang, target="—" if target is None else f"{target:.2f}"))
    if total > len(rows):
        st.caption(tp("region.chart_cut", lang, shown=len(rows), total=total))

st.subheader(t("region.table", lang))
table, config = area_table(result.summary, lang)
st.dataframe(table, hide_index=True, width="stretch", column_config=config)
if result.failed:
    st.caption(tp("region.table_failed", lang, n=len(result.failed)))

st.subheader(t("region.failed", lang))
if result.failed:
    text = "\n".join(f"- {line}" for line in failed_lines(result.failed, lang))
    st.markdown(text)
    st.caption(t("region.failed_fix", lang))
else:
    st.success(t("region.failed_none", lang))

st.subheader(t("region.edit", lang))
st.info(t("region.edit_note", lang))
links = st.columns(4)
links[0].page_link("pages/import_data.py", label=t("page_import", lang), icon=":material/upload_file:")
links[1].page_link("pages/workspace.py", label=t("page_workspace", lang), icon=":material/edit_location_alt:")
