"""Reading files as planners send them: formats, encodings, archives."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from conftest import collection, district_features, facilities_csv
from geodata.errors import UnsafeArchiveError
from corpus.realdata.faults import windows_zip
from geodata.readers import Limits, decode_text, read_file, safe_extract, zip_members


def _only(path: Path):
    [(name, raw)] = read_file(path)
    return name, raw


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_reads_chinese(tmp_path, encoding):
    path = tmp_path / "facilities.csv"
    path.write_bytes(facilities_csv().encode(encoding))
    name, raw = _only(path)
    assert name == "facilities"
    assert raw.frame["name"].iloc[0] == "甲区中心医院"
    assert raw.position_kind == "line" and raw.positions[0] == 2
    noted = [i.code for i in raw.issues]
    assert ("text_encoding" in noted) == (encoding in ("gbk", "gb18030"))


def test_decode_text_prefers_utf8_then_gb18030():
    assert decode_text("医院".encode("utf-8")) == ("医院", "utf-8-sig")
    assert decode_text("上海市第一人民医院".encode("gbk")) == ("上海市第一人民医院", "gb18030")


def test_geojson_in_gbk_and_with_bom(tmp_path):
    text = collection(district_features())
    for i, data in enumerate((text.encode("gbk"), b"\xef\xbb\xbf" + text.encode("utf-8"))):
        path = tmp_path / f"d{i}" / "districts.geojson"
        path.parent.mkdir()
        path.write_bytes(data)
        _, raw = _only(path)
        assert list(raw.frame["district_name"]) == ["甲区", "乙区"]


def test_xlsx_reads_codes_as_text(tmp_path):
    import pandas as pd

    path = tmp_path / "facilities.xlsx"
    pd.DataFrame({"机构代码": ["001", "002"], "名称": ["甲", "乙"], "经度": [121.01, 121.02],
                  "纬度": [31.01, 31.02]}).to_excel(path, index=False)
    _, raw = _only(path)
    assert list(raw.frame["机构代码"]) == ["001", "002"]
    assert raw.position_kind == "row" and raw.positions == [2, 3]


def _shapefile_zip(tmp_path: Path, *, encoding: str, cpg: bool) -> Path:
    gdf = gpd.GeoDataFrame({"code": ["900001"], "name": ["甲区"]},
                           geometry=[shapely.box(121, 31, 121.1, 31.1)], crs=4326)
    folder = tmp_path / f"shp-{encoding}-{cpg}"
    folder.mkdir()
    gdf.to_file(folder / "districts.shp", encoding=encoding, engine="pyogrio")
    if not cpg:
        (folder / "districts.cpg").unlink(missing_ok=True)
    out = tmp_path / f"districts-{encoding}-{cpg}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    return out


@pytest.mark.parametrize(("encoding", "cpg"), [("UTF-8", True), ("UTF-8", False), ("GBK", True), ("GBK", False)])
def test_zipped_shapefile_in_gbk_or_utf8_with_or_without_cpg(tmp_path, encoding, cpg):
    name, raw = _only(_shapefile_zip(tmp_path, encoding=encoding, cpg=cpg))
    assert name.startswith("districts")
    assert raw.frame["name"].iloc[0] == "甲区"
    assert raw.crs.to_epsg() == 4326
    assert any(i.code == "encoding_guessed" for i in raw.issues) == (not cpg)


def test_shapefile_without_dbf_is_reported(tmp_path):
    z = _shapefile_zip(tmp_path, encoding="UTF-8", cpg=True)
    stripped = tmp_path / "districts.zip"
    with zipfile.ZipFile(z) as src, zipfile.ZipFile(stripped, "w") as dst:
        for m in src.namelist():
            if not m.endswith(".dbf"):
                dst.writestr(m, src.read(m))
    _, raw = _only(stripped)
    assert any(i.code == "shapefile_part_missing" and dict(i.params)["part"] == ".dbf" for i in raw.issues)


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "file_empty"), (b'{"type": "FeatureCollection", "features": [', "file_unreadable"),
     (b"\x00\x01\x02 not json", "file_unreadable")],
)
def test_broken_files_come_back_as_issues(tmp_path, content, code):
    path = tmp_path / "districts.geojson"
    path.write_bytes(content)
    _, raw = _only(path)
    assert [i.code for i in raw.issues] == [code]
    assert raw.issues[0].severity == "error"


def test_too_large_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "districts.geojson"
    path.write_bytes(b" " * 2048)
    [(_, raw)] = read_file(path, limits=Limits(max_file_bytes=1024))
    assert raw.issues[0].code == "file_too_large"


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "limits", "words"),
    [
        (_zip({"../evil.txt": b"x"}), Limits(), "outside"),
        (_zip({"/abs/evil.txt": b"x"}), Limits(), "outside"),
        (_zip({"ok.txt": b"x"}, symlink="link"), Limits(), "symbolic link"),
        (_zip({f"f{i}.txt": b"x" for i in range(5)}), Limits(max_members=4), "members"),
        (_zip({"bomb.txt": b"0" * 5_000_000}), Limits(), "expands"),
        (_zip({"big.txt": b"0" * 5000}), Limits(max_unpacked_bytes=4000), "MB"),
        (b"PK\x03\x04 truncated", Limits(), "not a readable zip"),
    ],
)
def test_unsafe_archives_are_refused_before_anything_is_written(tmp_path, data, limits, words):
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeArchiveError, match=words):
        safe_extract(data, dest, limits=limits)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_safe_extract_writes_ordinary_members(tmp_path):
    written = safe_extract(_zip({"a/b.txt": b"hello"}), tmp_path)
    assert [p.read_bytes() for p in written] == [b"hello"]


# --- zips made on Chinese Windows (issue 14) -------------------------------------------------------



@pytest.mark.parametrize("encoding", ["gbk", "cp936", "gb18030"])
@pytest.mark.parametrize("unicode_path", [False, True])
def test_gbk_member_names_without_the_utf8_flag_are_decoded(tmp_path, encoding, unicode_path):
    data = windows_zip({"规划数据/街镇.geojson": b"{}", "规划数据/医疗机构.csv": b"a\n"}, encoding=encoding,
                       unicode_path=unicode_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(not (m.flag_bits & 0x800) for m in zf.infolist())
        assert "规划数据/街镇.geojson" not in zf.namelist()  # what zipfile alone makes of it
    assert [name for name, _ in zip_members(data)] == ["规划数据/街镇.geojson", "规划数据/医疗机构.csv"]
    written = safe_extract(data, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == ["规划数据/医疗机构.csv", "规划数据/街镇.geojson"]


def test_utf8_flagged_ascii_and_cp437_names_keep_their_meaning():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("区县边界.geojson", b"{}")  # zipfile sets bit 11 for non-ASCII names
        zf.writestr("units.csv", b"a\n")
        info = zipfile.ZipInfo(bytes([0x80, 0x81, 0x2E, 0x74]).decode("cp437"))  # not UTF-8, not GB18030
        zf.writestr(info, b"x")
    names = [name for name, _ in zip_members(buf.getvalue())]
    assert names[:2] == ["区县边界.geojson", "units.csv"]
    assert names[2] == bytes([0x80, 0x81, 0x2E, 0x74]).decode("gb18030", errors="replace") or names[2] == "Çü.t"


def test_a_stale_unicode_path_field_is_not_trusted():
    import struct
    import zlib

    from geodata.readers import _unicode_path

    utf8 = "错误.shp".encode("utf-8")
    field = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(b"other")) + utf8
    assert _unicode_path(field, "街镇.shp".encode("gbk")) is None
    assert _unicode_path(struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(b"x")) + utf8, b"x") == "错误.shp"


def test_a_gbk_named_traversal_is_still_refused(tmp_path):
    with pytest.raises(UnsafeArchiveError, match="outside"):
        safe_extract(windows_zip({"../街镇.geojson": b"{}"}), tmp_path)


def test_zipped_shapefile_with_a_gbk_name_reads(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["900001"], "name": ["甲区"]}, geometry=[shapely.box(121, 31, 121.1, 31.1)], crs=4326)
    gdf.to_file(tmp_path / "x.shp", encoding="GBK", engine="pyogrio")
    members = {f"区县边界{p.suffix}": p.read_bytes() for p in tmp_path.iterdir()}
    path = tmp_path / "districts.zip"
    path.write_bytes(windows_zip(members))
    _, raw = _only(path)
    assert raw.frame["name"].iloc[0] == "甲区" and raw.crs.to_epsg() == 4326


# --- tables as planners keep them (issue 14) -------------------------------------------------------

def test_csv_positions_count_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "facilities.csv"
    path.write_text('facility_code,name\n\nF1,"甲\n乙"\nF2,丙,多出\nF3\n', encoding="utf-8")
    _, raw = _only(path)
    assert list(raw.frame["facility_code"]) == ["F1", "F2", "F3"]
    assert raw.positions == [3, 5, 6] and raw.position_kind == "line"
    assert raw.bad_rows == {1: ("fields_extra", {"count": "2", "extra": "多出"})}


def test_tab_separated_text_and_title_rows(tmp_path):
    path = tmp_path / "facilities.txt"
    path.write_text("附件1：医疗机构名单\n\nfacility_code\tname\nF1\t甲\n", encoding="utf-8")
    _, raw = _only(path)
    assert list(raw.frame.columns) == ["facility_code", "name"] and raw.positions == [4]
    assert [i.code for i in raw.issues] == ["header_row"]


def test_xlsx_rows_keep_sheet_numbers_and_other_sheets_are_named(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "机构"
    for row in (["2024 年医疗机构表"], ["机构代码", "名称", "经度", "纬度"], ["001", "甲", 121.01, 31.01], [], [2, "乙", 121.02, 31.02]):
        sheet.append(row)
    book.create_sheet("说明")
    book.create_sheet("区县").append(["区县代码"])
    path = tmp_path / "facilities.xlsx"
    book.save(path)
    _, raw = _only(path)
    assert list(raw.frame["机构代码"]) == ["001", "2"] and raw.positions == [3, 5] and raw.position_kind == "row"
    assert {i.code for i in raw.issues} == {"header_row", "sheets_ignored"}
    assert dict(next(i for i in raw.issues if i.code == "sheets_ignored").params)["names"] == "区县"


def test_the_store_lists_a_windows_zips_members_in_chinese(tmp_path, monkeypatch):
    from geodata.store import package_info, save_upload

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    data = windows_zip({"规划数据/区县边界.geojson": b"{}", "规划数据/街镇.shp": b"x"})
    package_id = save_upload([("数据.zip", data)])
    assert package_info(package_id)["members"] == ["规划数据/区县边界.geojson", "规划数据/街镇.shp"]
    assert package_info(save_upload([("坏.zip", b"PK\x03\x04 truncated")]))["members"] == []


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_as_a_table_or_a_zip_name_give_a_result_never_a_traceback(tmp_path, seed):
    """Fuzzing the parsers planners' bytes reach first: CSV/TXT records and legacy zip names."""
    import numpy as np

    from geodata.readers import member_name

    rng = np.random.default_rng(seed)
    alphabet = list(b',;\t|"\r\n ab1\xd6\xd0\xe4\xb8\xad') + list(range(256))
    for k in range(60):
        data = bytes(rng.choice(alphabet, size=int(rng.integers(0, 400))).astype(np.uint8))
        path = tmp_path / f"facilities{k}.csv"
        path.write_bytes(data)
        [(_, raw)] = read_file(path)
        assert len(raw.positions) == len(raw.frame)
        assert all(p >= 1 for p in raw.positions) and raw.positions == sorted(raw.positions)
        info = zipfile.ZipInfo(data[:40].replace(b"\x00", b"").decode("cp437") or "x")
        assert isinstance(member_name(info), str)


# --- issue 18: a file that cannot be read is called invalid, by its name, with no GDAL paths ----

def _xlsx_renamed_word() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old Word document"


@pytest.mark.parametrize(
    ("name", "content", "kind", "why_zh"),
    [
        ("districts.geojson", b"hello world", "GeoJSON", "内容与扩展名不符"),
        ("districts.json", b"<html><body>404</body></html>", "GeoJSON", "内容与扩展名不符"),
        ("districts.geojson", b'{"type": "FeatureCollection", "features": [', "GeoJSON", "JSON 语法错误，在第 1 行第"),
        ("districts.gpkg", b"SQLite format 3\x00 but cut short", "GeoPackage", "内容与扩展名不符"),
        ("facilities.xlsx", _xlsx_renamed_word(), "Excel (XLSX)", "内容与扩展名不符"),
        ("districts.zip", _zip({"districts.shp": b"\x00" * 120, "districts.shx": b"\x00" * 120,
                                "districts.dbf": b"\x03" + b"\x00" * 40}), "ZIP/Shapefile", "内容与扩展名不符"),
    ],
)
def test_an_unreadable_file_is_named_invalid_with_its_kind_and_no_gdal_path(tmp_path, name, content, kind, why_zh):
    path = tmp_path / name
    path.write_bytes(content)
    _, raw = _only(path)
    [problem] = raw.issues
    assert problem.code == "file_unreadable" and problem.severity == "error"
    zh, en = problem.message("zh"), problem.message("en")
    assert zh.startswith(f"文件无法读取：{name} 不是有效的 {kind} 文件——{why_zh}")
    assert en.startswith(f"the file cannot be read: {name} is not a valid {kind} file — ")
    for text in (zh, en, problem.fix("zh"), problem.fix("en"), *(v for _, v in problem.params)):
        assert "/vsimem/" not in text and str(tmp_path) not in text and "/tmp/" not in text
        assert "<DRIVER>" not in text and "It might help" not in text
    assert name in problem.fix("zh") and "CSV 或 XLSX" in problem.fix("zh")


def test_a_zip_that_is_not_a_zip_says_so_and_how_to_zip_again(tmp_path):
    path = tmp_path / "units.zip"
    path.write_bytes(b"Rar!\x1a\x07\x00 a RAR archive renamed")
    _, raw = _only(path)
    [problem] = raw.issues
    assert problem.code == "archive_damaged"
    assert problem.message("zh") == ("文件无法读取：units.zip 不是有效的 ZIP/Shapefile 压缩包（已损坏或不完整）——"
                                     "内容不是 ZIP 格式（可能是 RAR/7z 压缩包、改了扩展名的文件，或下载失败时保存的网页）")
    assert "damaged or incomplete" in problem.message("en") and "not RAR or 7z" in problem.fix("en")


def test_a_zip_cut_short_is_incomplete_not_another_format(tmp_path):
    """A download that stopped half-way starts like a zip: it is called incomplete, not a RAR."""
    good = _zip({"districts.geojson": b'{"type": "FeatureCollection", "features": []}' * 50})
    path = tmp_path / "districts.zip"
    path.write_bytes(good[: len(good) // 2])
    _, raw = _only(path)
    [problem] = raw.issues
    assert problem.code == "archive_damaged" and dict(problem.params)["why"] == "read_why.zip_broken"
    assert "压缩包不完整或已损坏" in problem.message("zh") and "RAR" not in problem.message("zh")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("'/vsimem/pyogrio_4ee4031805fc' not recognized as being in a supported file format.; It might help to specify "
         "the correct driver explicitly by prefixing the file path with '<DRIVER>:', e.g. 'CSV:path'.",
         "not recognized as being in a supported file format"),
        ("'/srv/ylt/data/packages/325e7be3849b9e22/districts.gpkg' not recognized as being in a supported file format.; "
         "It might help", "districts.gpkg not recognized as being in a supported file format"),
        ("cannot open /tmp/ylt-shp-q1pla4k9/街镇.shp", "cannot open 街镇.shp"),
        (r"cannot open C:\Users\planner\Desktop\街镇.shp", "cannot open 街镇.shp"),
        ("310/118/001", "310/118/001"), (".shx", ".shx"), ("规划数据/区县边界.geojson", "规划数据/区县边界.geojson"),
    ],
)
def test_scrub_drops_gdal_paths_and_keeps_everything_else(text, shown):
    from geodata.errors import scrub

    assert scrub(text) == shown


def test_every_message_of_an_issue_is_scrubbed_at_the_edge():
    """An issue made elsewhere with a GDAL path in its detail still shows none."""
    from geodata.errors import issue

    problem = issue("error", "config_invalid", layer="config", position_kind="file",
                    detail="'/vsimem/pyogrio_ab12' not recognized as being in a supported file format")
    assert "/vsimem/" not in problem.message("zh") and "/vsimem/" not in problem.message("en")
