"""全省汇总 (issue 19): a batch's results folder opened in the app. The folders are written here in
the batch's format (region.json, summary.csv, grids.gpkg; docs of the contract in region/), so the
page is tested without running a batch: the reader, the figures, the map's colours and escaped
tooltips, the charts' rows, the page with AppTest (Chinese and English, the empty state, a
hostile name in a failed county's reason) and, in chromium, the page at the desk's and the
projector's sizes."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geodata.region_results import RegionResultError, find_results, read_grids, read_result
from planning.colours import touching_pairs
from ui.maps import use_local_assets
from ui.region_view import area_table, balance_target, chart_frames, display_grids, failed_lines, figures, region_map

HOSTILE = "**粗体县** [x](http://e.com/a)"


def write_results(folder: Path, columns: int = 3, rows: int = 2, *, failed: tuple[int, ...] = (4,),
                  hostile: bool = True, name: str = "青海省示范") -> Path:
    """A results folder in the batch's format: ``columns`` x ``rows`` square counties of 0.5°, each
    split into 1-3 alliances (strips), the counties in ``failed`` with no grids and a reason; the
    second county's name markdown-hostile when ``hostile``."""
    folder.mkdir(parents=True, exist_ok=True)
    grids, areas, failures = [], [], []
    for i in range(columns * rows):
        code, county = f"63{i + 1:04d}", f"示范县{i + 1:03d}"
        if hostile and i == 1:
            county = HOSTILE
        if i in failed:
            failures.append({"area_code": code, "area_name": county, "kind": "PlanningError",  # the batch's form
                             "zh": f"{county}没有可作牵头医院的县级医院 <b>x</b>", "en": f"{county} has no county hospital to lead"})
            areas.append({"area_code": code, "area_name": county, "status": "failed", "errors": 1, "warnings": 0})
            continue
        x0, y0, k = 96 + 0.5 * (i % columns), 34 + 0.5 * (i // columns), 1 + i % 3
        people = [120_000 + 35_000 * j + 7_000 * i for j in range(k)]
        for j in range(k):
            box = shapely.box(x0 + 0.5 * j / k, y0, x0 + 0.5 * (j + 1) / k, y0 + 0.5)
            grids.append({"area_code": code, "area_name": county, "district_code": code, "district_name": county,
                          "grid_id": f"{code}-G{j + 1:02d}", "lead_code": f"H{code}{j}", "lead_name": f"{county}人民医院{j + 1}",
                          "population": people[j], "units": 4 + j, "geometry": box})
        areas.append({"area_code": code, "area_name": county, "status": "resumed" if i == 0 else "ok", "districts": 1,
                      "units": sum(4 + j for j in range(k)), "population": sum(people), "grids": k,
                      "grid_population_min": min(people), "grid_population_max": max(people),
                      "balance": max(people) / min(people), "village_clinics": 200, "villages_linked": 190 - i,
                      "served_share": 0.9 - 0.01 * i, "access_mean": 1.5, "access_gini": 0.2, "errors": 0,
                      "warnings": 1, "seconds": 2.5, "peak_mb": 300})
    provenance = {"name": name, "inputs": {"region": "/data/qinghai/packages", "cells": None},
                  "settings": {"grid": {"grid_balance_target": 1.25}, "sites": 10},
                  "version": "0.9", "created": "2026-12-01T08:30:00+00:00"}
    (folder / "region.json").write_text(json.dumps({"provenance": provenance, "areas": areas, "failed": failures},
                                                   ensure_ascii=False), encoding="utf-8")
    pd.DataFrame(areas).to_csv(folder / "summary.csv", index=False)
    if grids:  # (a region of failed counties only: no grids file here)
        gpd.GeoDataFrame(grids, geometry="geometry", crs=4326).to_file(folder / "grids.gpkg", layer="grids", driver="GPKG",
                                                                       engine="pyogrio")
    return folder


# --- the reader and the pure parts ---------------------------------------------------------------

def test_results_folders_are_found_by_name_and_read_with_codes_as_text(tmp_path):
    write_results(tmp_path / "b", name="乙省")
    write_results(tmp_path / "a", name="甲省", failed=())
    (tmp_path / "c").mkdir()  # no region.json: not a results folder
    entries = find_results(tmp_path)
    assert [(e.folder.name, e.name, e.areas) for e in entries] == [("a", "甲省", 6), ("b", "乙省", 6)]  # by folder
    result = read_result(tmp_path / "b")
    assert result.name == "乙省" and len(result.summary) == 6
    assert result.summary["area_code"].tolist()[:2] == ["630001", "630002"]
    assert [f["area_code"] for f in result.failed] == ["630005"] and "牵头医院" in result.failed[0]["message"]["zh"]
    grids = read_grids(tmp_path / "b")
    assert grids["area_code"].map(type).eq(str).all() and len(grids) == 1 + 2 + 3 + 1 + 3  # county 5 failed
    assert grids.crs.to_epsg() == 4326


def test_a_broken_manifest_is_listed_and_says_why_when_opened(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "region.json").write_text("{not json", encoding="utf-8")
    assert [e.name for e in find_results(tmp_path)] == ["bad"]
    with pytest.raises(RegionResultError) as caught:
        read_result(tmp_path / "bad")
    assert "JSON" in caught.value.text.render("zh")
    with pytest.raises(RegionResultError):
        read_grids(tmp_path / "bad")


def test_figures_count_the_counties_done_and_weight_the_served_share_by_residents(tmp_path):
    summary = read_result(write_results(tmp_path / "r")).summary
    numbers = figures(summary)
    done = summary[summary["status"] != "failed"]
    assert (numbers["done"], numbers["failed"], numbers["grids"]) == (5, 1, 1 + 2 + 3 + 1 + 3)
    assert numbers["residents"] == done["population"].sum()
    worst = done.loc[done["balance"].idxmax()]
    assert numbers["balance"] == pytest.approx(worst["balance"]) and numbers["balance_county"] == worst["area_name"]
    assert numbers["villages_linked"] == done["villages_linked"].sum() and numbers["village_clinics"] == 5 * 200
    weighted = (done["served_share"] * done["population"]).sum() / done["population"].sum()
    assert numbers["served_share"] == pytest.approx(weighted)


def test_the_map_colours_touching_alliances_apart_and_escapes_its_tooltips(tmp_path):
    folder = write_results(tmp_path / "r")
    shown, counties = display_grids(read_grids(folder))
    colour = dict(zip(shown["key"], shown["fill"]))
    pairs = touching_pairs(shown["key"].tolist(), list(read_grids(folder).geometry))
    assert pairs and all(colour[a] != colour[b] for a, b in pairs)  # across county lines too
    assert sorted(counties["area_code"]) == ["630001", "630002", "630003", "630004", "630006"]
    words = {"county": "区县", "alliance": "医联体", "lead": "牵头医院", "residents": "常住人口"}
    use_local_assets()  # as the app does at start-up
    page = region_map(shown, counties, words).get_root().render()
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)  # the JSON's escapes read
    assert "&#42;&#42;粗体县&#42;&#42; &#91;x&#93;" in page and "**粗体县**" not in page and "[x](http" not in page
    assert re.search(r'county-label\\?" data-z=\\?"[\d.]+\\?" style=\\?"font-size:13px;width:max-content\\?">示范县001</div>', page)  # named
    assert "https://" not in page and "tileLayer" not in page  # offline: the vendored Leaflet, no tiles


def test_display_geometry_is_simplified_for_a_province_of_600_alliances():
    seeds = shapely.MultiPoint([(96 + (i * 7919 % 1000) / 100, 32 + (i * 104729 % 800) / 100) for i in range(600)])
    cells = [c.intersection(shapely.box(96, 32, 106, 40)) for c in shapely.voronoi_polygons(seeds).geoms]
    cells = [shapely.Polygon(shapely.segmentize(c.exterior, 0.002)) for c in cells]  # dense outlines, as from real units
    grids = gpd.GeoDataFrame({"area_code": [f"63{i // 3:04d}" for i in range(600)], "area_name": [f"县{i // 3}" for i in range(600)],
                              "grid_id": [f"63{i // 3:04d}-G{i % 3 + 1:02d}" for i in range(600)]}, geometry=cells, crs=4326)
    started = time.perf_counter()
    shown, counties = display_grids(grids)
    assert time.perf_counter() - started < 20
    before = shapely.get_num_coordinates(grids.geometry.values).sum()
    after = shapely.get_num_coordinates(shown.geometry.values).sum()
    assert after < before / 5 and len(shown) == 600 and len(counties) == 200


def test_a_countys_alliances_are_simplified_together_leaving_no_gap_between_them(tmp_path):
    grids = read_grids(write_results(tmp_path / "r", columns=6, rows=5, failed=()))
    grids = grids.set_geometry(shapely.segmentize(grids.geometry.values, 0.0005))  # dense, wobbly outlines
    def wobble(x: float, y: float) -> tuple[float, float]:  # a function of the place: shared edges stay shared
        x, y = round(x, 7), round(y, 7)
        return round(x + 0.002 * math.sin(y * 400), 7), round(y + 0.002 * math.sin(x * 400), 7)

    grids = grids.set_geometry(gpd.GeoSeries([shapely.Polygon([wobble(x, y) for x, y in g.exterior.coords])
                                              for g in grids.geometry], index=grids.index, crs=4326))
    assert shapely.coverage_is_valid(grids.geometry.values)
    shown, counties = display_grids(grids)
    assert shapely.get_num_coordinates(shown.geometry.values).sum() < shapely.get_num_coordinates(grids.geometry.values).sum() / 5
    for code, rows in shown.groupby("area_code"):
        if len(rows) > 1:
            assert shapely.coverage_is_valid(rows.geometry.values), code  # one common edge between neighbours
            county = counties.loc[counties["area_code"] == code].geometry.iloc[0]
            assert county.area == pytest.approx(shapely.area(rows.geometry.values).sum(), rel=1e-9)  # no gap, no overlap


def test_the_charts_show_the_worst_balance_first_and_the_alliances_in_the_maps_colours(tmp_path):
    folder = write_results(tmp_path / "r")
    result = read_result(folder)
    shown, _ = display_grids(read_grids(folder))
    rows, alliances, total = chart_frames(result.summary, shown, limit=3)
    assert total == 5 and len(rows) == 3
    assert rows["balance"].is_monotonic_decreasing and rows["balance"].iloc[0] == result.summary["balance"].max()
    assert set(alliances["county"]) == set(rows["county"])
    fills = dict(zip(shown["key"], shown["fill"]))
    assert all(fills[k] == f for k, f in zip(alliances["key"], alliances["fill"]))
    assert balance_target(result.provenance) == 1.25 and balance_target({"settings": {"grid_balance_target": 0}}) is None
    assert balance_target({"settings": {"grid": {"grid_balance_target": 1.4}}}) == 1.4 and balance_target({}) == 1.25


def test_the_table_names_counties_first_and_the_failed_reasons_are_escaped(tmp_path):
    result = read_result(write_results(tmp_path / "r"))
    table, config = area_table(result.summary, "zh")
    assert list(table.columns[:3]) == ["区县", "区县代码", "状态"]
    assert set(table["状态"]) == {"完成", "完成（沿用）"} and "630005" not in set(table["区县代码"])  # failed: listed apart
    assert "常住人口" in config and "服务覆盖率" in config and "均衡度" in config
    lines = failed_lines(result.failed, "zh")
    assert len(lines) == 1 and "<b>" not in lines[0] and "\\<b\\>" in lines[0]
    english = failed_lines(result.failed, "en")[0]
    assert "has no county hospital" in english and "630005" in english


# --- the page, with AppTest ----------------------------------------------------------------------

def _page(data: Path, monkeypatch, lang: str = "zh") -> AppTest:
    import streamlit_folium

    monkeypatch.setenv("YLT_DATA_DIR", str(data))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if lang == "en":
        at.query_params["lang"] = "en"
    at.switch_page("pages/region.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_says_how_to_make_results_when_there_are_none(tmp_path, monkeypatch):
    at = _page(tmp_path / "data", monkeypatch)
    assert at.title[0].value == "全省汇总"
    assert "还没有批量规划的结果" in at.info[0].value
    assert at.code[0].value.startswith("ylt batch ") and "regions" in at.code[0].value


@pytest.mark.slow
def test_the_page_shows_figures_table_and_failed_counties_in_chinese_and_english(tmp_path, monkeypatch):
    write_results(tmp_path / "data" / "regions" / "qinghai")
    at = _page(tmp_path / "data", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已完成区县"] == "5" and metrics["未完成区县"] == "1" and metrics["医联体（网格）"] == "10"
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", metrics["常住人口"])
    assert metrics["已关联村卫生室 / 总数"] == "939 / 1,000"
    assert at.selectbox[0].options[0] == "qinghai（青海省示范，6 个区县，2026-12-01 16:30）"
    assert len(at.dataframe) == 1 and at.dataframe[0].value.iloc[0]["区县"] == "示范县001"
    failed = [m.value for m in at.markdown if "630005" in m.value]
    assert failed and "\\<b\\>" in failed[0]
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "**粗体县**" not in shown and "](http" not in shown
    assert any("工作台" in i.value for i in at.info)
    assert any("输入：packages" in c.value and "北京时间" in c.value for c in at.caption)
    english = _page(tmp_path / "data", monkeypatch, "en")
    assert english.title[0].value == "Province results"
    assert {m.label for m in english.metric} >= {"Counties done", "Counties failed", "Alliances (grids)"}


def test_a_region_where_every_county_failed_and_no_grids_file_says_so(tmp_path, monkeypatch):
    folder = write_results(tmp_path / "data" / "regions" / "none", columns=2, rows=1, failed=(0, 1), hostile=False)
    assert not (folder / "grids.gpkg").exists()
    at = _page(tmp_path / "data", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已完成区县"] == "0" and metrics["未完成区县"] == "2" and metrics["最不均衡（最大/最小）"] == "—"
    assert any("没有 grids" in w.value and "地图无法绘制" in w.value for w in at.warning)  # why there is no map
    assert len([m for m in at.markdown if "630001" in m.value and "630002" in m.value]) == 1


@pytest.mark.slow
def test_the_page_opens_a_real_batchs_results(tmp_path, monkeypatch):
    """The batch's own output (a synthetic region of three counties, run serially), not this file's
    imitation: the page reads every figure of it."""
    from region.runner import run_region
    from region.synthetic import make_region

    made = make_region(tmp_path / "src", 3, seed=5, townships=4, villages_per_township=3, cells_per_county=400)
    out = run_region(made["packages_root"], tmp_path / "data" / "regions" / "three", cells=made["cells_root"],
                     scheduler="serial", progress=None)
    at = _page(tmp_path / "data", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    done = [r for r in out.rows if r["status"] != "failed"]
    assert metrics["已完成区县"] == str(len(done)) and metrics["未完成区县"] == str(len(out.failed))
    assert metrics["常住人口"] == f"{sum(r['population'] for r in done):,.0f}"
    assert metrics["医联体（网格）"] == str(sum(r["grids"] for r in done))
    assert len(at.dataframe[0].value) == len(done) and at.dataframe[0].value.iloc[0]["区县"] == done[0]["area_name"]
    shown, counties = display_grids(read_grids(out.out))
    assert len(counties) == len(done) and len(shown) == sum(r["grids"] for r in done)


# --- in chromium: the page at the desk's and the projector's sizes ------------------------------

@pytest.fixture(scope="module")
def region_app(tmp_path_factory):
    from browsing import running_app

    folder = tmp_path_factory.mktemp("region")
    write_results(folder / "data" / "regions" / "qinghai", columns=8, rows=6, failed=(4, 30), name="青海省 2026 网格化布局")
    with running_app(folder) as app:
        yield app


@pytest.mark.browser
@pytest.mark.slow
def test_the_province_page_in_chromium(browser, region_app, output_dir):
    for size in ((1600, 1000), (1920, 1080)):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
        outside: list[str] = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            (region_app["url"], "ws://127.0.0.1", "data:", "blob:", "about:")) else (outside.append(r.request.url), r.abort()))
        pg = context.new_page()
        pg.goto(f"{region_app['url']}/region", wait_until="domcontentloaded")
        pg.locator("h1").filter(has_text="全省汇总").first.wait_for(timeout=120_000)
        frame = pg.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        labels = frame.locator(".county-label")
        labels.filter(has_text="示范县001").first.wait_for(state="attached", timeout=120_000)
        shown = "els => els.filter(e => e.style.display === 'block').length"
        for _ in range(40):  # GridLabelZoom shows each name once its county is wide enough on screen for it
            if labels.evaluate_all(shown):
                break
            pg.wait_for_timeout(250)
        names = labels.evaluate_all("els => els.filter(e => e.style.display === 'block').map(e => e.textContent)")
        assert len(names) == labels.count() - 1 == 45 and HOSTILE not in names  # its name is longer than its county is wide
        paths = frame.locator("path.leaflet-interactive")
        assert paths.count() >= 46 * 2 - 10  # every county's alliances drawn
        pg.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(timeout=60_000)
        pg.wait_for_timeout(1500)
        pg.screenshot(path=str(output_dir / f"region_page_{size[0]}x{size[1]}.png"))
        pg.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
        pg.wait_for_timeout(800)
        pg.screenshot(path=str(output_dir / f"region_charts_{size[0]}x{size[1]}.png"))
        pg.locator("h3").filter(has_text="未完成的区县").first.scroll_into_view_if_needed()
        pg.wait_for_timeout(600)
        pg.screenshot(path=str(output_dir / f"region_failed_{size[0]}x{size[1]}.png"))
        for where in (pg, frame):  # the hostile name shown as it is written, never as bold or a link
            assert where.locator("strong, b").filter(has_text="粗体县").count() == 0
            assert where.locator('a[href*="e.com"]').count() == 0
        context.close()
        assert outside == [], outside
