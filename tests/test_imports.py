"""Importing a planner's files as sent (issue 18): a zip added to files uploaded before it is still
recognised, a file that cannot be read is called invalid (not a missing layer), and a dataset keeps
the name given on import.

The packages are the real-boundary ones of ``tests/corpus/realdata/faults.py``: units as a
Shapefile zipped on Chinese Windows (GBK member names, flag bit 11 clear, no .cpg), facilities as
a GBK CSV, districts as GeoJSON; uploaded through the store as the import page does.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from corpus.realdata.faults import base, facilities_csv, geojson, shapefile_members, windows_zip
from geodata.errors import DataValidationError
from geodata.package import clean_name, load_package, name_upload, save_named, upload_name, uploads
from geodata.store import package_info, package_path, save_upload


@pytest.fixture(scope="module")
def world():
    b = base()
    units = b.units.rename(columns={"unit_code": "街镇代码", "unit_name": "街镇", "district_code": "区县代码",
                                    "population": "常住人口"})
    districts = b.districts[["district_code", "district_name", "population", "geometry"]]
    short = districts.rename(columns={"district_code": "区县代码", "district_name": "区县名称", "population": "常住人口"})
    return {"base": b, "units_shp": shapefile_members(units, "街镇"), "districts_shp": shapefile_members(short, "区县边界"),
            "districts": geojson(districts), "facilities": facilities_csv(b.facilities, encoding="gbk")}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))


def _load(files):
    return load_package(package_path(save_upload(files)))


def _codes(pkg):
    return {i.code for i in pkg.report.issues}


@pytest.mark.parametrize("zip_name", ["青浦区街镇边界2023.zip", "shp.zip", "街镇.zip", "units.zip"])
def test_a_windows_units_zip_added_after_a_facilities_csv_is_read_as_units(world, zip_name):
    """The planner chose 医疗机构.csv and 区县边界.geojson, then added the units' zip: whatever the
    zip is called, its 街镇.shp is the units layer (78 real units), not hexagons made up instead."""
    files = [("医疗机构.csv", world["facilities"]), ("区县边界.geojson", world["districts"]),
             (zip_name, windows_zip(world["units_shp"]))]
    pkg = _load(files)
    b = world["base"]
    assert len(pkg.units) == len(b.units) and set(pkg.units["unit_name"]) == set(b.units["unit_name"])
    assert pkg.meta["units"].source.endswith((".zip", "街镇.shp")) and not pkg.meta["units"].generated
    assert not {"layer_unknown", "units_generated", "layer_missing"} & _codes(pkg)
    assert len(pkg.facilities) == len(b.facilities)


def test_a_zip_named_for_one_layer_that_holds_two_gives_both(world):
    """units.zip holding 区县边界.shp and 街镇.shp, beside the facilities: the districts come from the
    zip (named 'units.zip/区县边界.shp'), not its first Shapefile read as the units."""
    both = windows_zip({**world["units_shp"], **world["districts_shp"]})
    pkg = _load([("医疗机构.csv", world["facilities"]), ("units.zip", both)])
    b = world["base"]
    assert len(pkg.districts) == len(b.districts) and len(pkg.units) == len(b.units)
    assert "archive_several_layers" not in _codes(pkg) and "layer_missing" not in _codes(pkg)


def test_a_zip_beside_a_file_of_the_same_layer_is_the_duplicate(world):
    """The file named for the layer at the top wins over the one in the zip; the zip's is named."""
    both = windows_zip({**world["units_shp"], **world["districts_shp"]})
    pkg = _load([("区县边界.geojson", world["districts"]), ("医疗机构.csv", world["facilities"]), ("数据.zip", both)])
    dup = next(i for i in pkg.report.issues if i.code == "layer_duplicate")
    assert dict(dup.params) == {"name": "数据.zip/区县边界.shp", "used": "区县边界.geojson"}
    assert pkg.meta["districts"].source == "区县边界.geojson"


@pytest.mark.parametrize("data", [b"<html><body>404 Not Found</body></html>", b"Rar!\x1a\x07\x00 packed",
                                  b"PK\x03\x04 cut short"])
def test_an_invalid_zip_beside_other_files_is_called_invalid_not_an_unknown_layer(world, data):
    pkg = _load([("区县边界.geojson", world["districts"]), ("医疗机构.csv", world["facilities"]),
                 ("青浦区街镇2023.zip", data)])
    [bad] = [i for i in pkg.report.issues if i.code == "archive_damaged"]
    assert "layer_unknown" not in _codes(pkg)
    zh, en = bad.message("zh"), bad.message("en")
    assert zh.startswith("文件无法读取：青浦区街镇2023.zip 不是有效的 ZIP/Shapefile 压缩包")
    assert "is not a valid ZIP/Shapefile archive" in en
    assert "发送到" in bad.fix("zh") and "Compressed (zipped) folder" in bad.fix("en")


def test_an_invalid_zip_uploaded_alone_is_called_invalid_with_its_name():
    with pytest.raises(DataValidationError) as err:
        _load([("规划数据包.zip", b"<!DOCTYPE html><html>login</html>")])
    [problem] = err.value.issues
    assert problem.code == "archive_damaged"
    assert problem.message("zh").startswith("文件无法读取：规划数据包.zip 不是有效的 ZIP/Shapefile 压缩包")
    assert "RAR/7z" in problem.message("zh")


def test_a_single_unreadable_file_is_said_before_the_layers_missing():
    with pytest.raises(DataValidationError) as err:
        _load([("units.geojson", b'{"type": "FeatureCollection", "features": [')])
    codes = [i.code for i in err.value.issues]
    assert codes[0] == "file_unreadable" and "layer_missing" in codes
    first = err.value.issues[0].message("zh")
    assert first.startswith("文件无法读取：units.geojson 不是有效的 GeoJSON 文件") and "第 1 行第 12 个字符" in first


# --- the dataset's name ------------------------------------------------------------------------

def test_a_dataset_keeps_the_name_given_on_import(world):
    files = [("区县边界.geojson", world["districts"]), ("医疗机构.csv", world["facilities"]),
             ("街镇.zip", windows_zip(world["units_shp"]))]
    package_id = save_upload(files)
    assert upload_name(package_id) == ""
    assert name_upload(package_id, "  青浦区 2024\u202e 年\n规划数据  ") == "青浦区 2024 年 规划数据"
    assert upload_name(package_id) == "青浦区 2024 年 规划数据"
    info = package_info(package_id)
    assert info["name"] == "青浦区 2024 年 规划数据" and len(info["files"]) == 3  # the manifest kept the rest
    assert load_package(package_path(package_id)).name == "青浦区 2024 年 规划数据"
    assert [u["name"] for u in uploads() if u["package_id"] == package_id] == ["青浦区 2024 年 规划数据"]
    name_upload(package_id, "")
    assert upload_name(package_id) == "" and "name" not in package_info(package_id)


def test_a_named_single_zip_package_is_still_read_as_one_zip(world):
    """The name lives in the manifest, not in a file beside the zip: the zip is still the package."""
    package = windows_zip({"区县边界.geojson": world["districts"], "医疗机构.csv": world["facilities"],
                           **world["units_shp"]})
    package_id = save_upload([("规划数据包.zip", package)])
    name_upload(package_id, "舟山、铜陵、阳泉")
    assert package_path(package_id).suffix == ".zip"
    pkg = load_package(package_path(package_id))
    assert pkg.name == "舟山、铜陵、阳泉" and len(pkg.units) == len(world["base"].units)


def test_the_same_files_uploaded_again_keep_their_name_unless_given_another(world):
    files = [("区县边界.geojson", world["districts"]), ("医疗机构.csv", world["facilities"])]
    package_id = save_named(files, "青浦区 2024")
    assert save_named(files, "") == package_id and upload_name(package_id) == "青浦区 2024"
    assert save_named(list(reversed(files)), "青浦区 2025") == package_id and upload_name(package_id) == "青浦区 2025"
    other = save_named(files[:1], "")
    assert other != package_id and upload_name(other) == ""


def test_names_are_cleaned_and_bounded():
    assert clean_name("a\x00b\tc\u200b") == "ab c"
    assert len(clean_name("区" * 200)) == 60


def test_uploads_lists_the_newest_first_and_skips_what_is_not_an_upload(tmp_path, world):
    first = save_upload([("区县边界.geojson", world["districts"])])
    second = save_upload([("医疗机构.csv", world["facilities"])])
    (tmp_path / "data" / "packages" / "not-an-id").mkdir()
    listed = [u["package_id"] for u in uploads()]
    assert set(listed) == {first, second}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_documents_only_still_says_it_matches_no_layer(world):
    pkg = _load([("区县边界.geojson", world["districts"]), ("说明.zip", _zip({"说明.docx": b"PK", "readme.txt": b"x"}))])
    unknown = next(i for i in pkg.report.issues if i.code == "layer_unknown")
    assert dict(unknown.params)["name"] == "说明.zip"


# --- the data-format help in the reader's language ---------------------------------------------

def test_the_chinese_data_format_documents_every_layer_column_and_setting():
    from dataclasses import fields

    from conftest import ROOT
    from geodata.package import parse_config
    from geodata.schema import LAYERS
    from planning.config import PlanConfig

    zh = (ROOT / "docs" / "DATA_FORMAT.zh.md").read_text(encoding="utf-8")
    en = (ROOT / "docs" / "DATA_FORMAT.md").read_text(encoding="utf-8")
    for layer in LAYERS.values():
        assert f"`{layer.name}`" in zh
        for column in layer.columns:
            assert f"`{column.name}`" in zh, column.name
    for f in fields(PlanConfig):
        assert ("[crs]" if f.name == "layer_crs" else f.name) in zh, f.name
    example = {doc: parse_config(doc.split("```toml\n", 1)[1].split("```", 1)[0]) for doc in (zh, en)}
    assert example[zh] == example[en]  # the same settings, comments in Chinese
    sections = {doc: [line for line in doc.splitlines() if line.startswith("## ")] for doc in (zh, en)}
    assert len(sections[zh]) == len(sections[en])  # every section translated


def test_the_format_help_is_shown_in_the_readers_language():
    from ui.guide import data_format

    assert data_format("zh").startswith("# 规划数据包") and "无法读取的文件被明确称为无效文件" in data_format("zh")
    assert data_format("en").startswith("# The planning data package")


# --- the import page (AppTest): a hostile name is shown as text; switching datasets -------------

def test_the_import_page_says_a_markdown_name_as_text_and_switches_datasets(tmp_path):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT, write_world

    world = write_world(tmp_path / "w")
    hostile = "[x](http://e.com/a) **b** $x$"
    named = save_named([(p.name, p.read_bytes()) for p in world.iterdir()], hostile)
    other = save_named([("districts.geojson", (world / "districts.geojson").read_bytes())], "甲乙两区")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["data"] = named
    at.session_state["last_import"] = named
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    loaded = at.success[0].value
    assert "\\[x\\]" in loaded and "\\*\\*b\\*\\*" in loaded and "32 个单元" in loaded  # escaped, not rendered
    pick = at.selectbox(key="imp_pick")
    assert pick.value == named and sorted(pick.options) == sorted(["甲乙两区", hostile + "（当前使用）"])
    pick.set_value(other).run()
    at.button(key="imp_use").click().run()
    assert not at.exception and at.query_params["data"] == other


def test_the_name_given_on_import_is_the_name_the_app_shows(world, monkeypatch):
    """The sidebar's 当前数据, the session's package name and the exports' data sources all read
    ``ui.state.display_name``: the planner's name comes before the archive's or the upload time."""
    from ui.state import display_name

    package_id = save_upload([("规划数据包.zip", windows_zip({"区县边界.geojson": world["districts"],
                                                               "医疗机构.csv": world["facilities"], **world["units_shp"]}))])
    package = load_package(package_path(package_id))
    assert display_name(package_id, package, "zh") == "规划数据包"  # the archive's name
    name_upload(package_id, "舟山 2024 年规划数据")
    assert display_name(package_id, package, "zh") == display_name(package_id, package, "en") == "舟山 2024 年规划数据"
