"""The import page in a real browser (issue 18): Chinese words on the file uploader with the limits
the app enforces, a Windows-made units zip added after the facilities still read as the units, the
dataset's name, an invalid file called invalid, and the data-format help in the reader's language.

One app server for the module (conftest's ``server``); screenshots at 1600×1000 in tests/output/.
"""

from __future__ import annotations

import re
import time

import pytest

from corpus.realdata.faults import base, facilities_csv, geojson, shapefile_members, windows_zip

pytestmark = pytest.mark.browser

DESK = {"width": 1600, "height": 1000}
UPLOADER = '[data-testid="stFileUploader"]'


@pytest.fixture(scope="module")
def files():
    """The real-boundary package as a planner sends it: districts as GeoJSON, facilities as a GBK
    CSV, and the units as a Shapefile zipped on Chinese Windows under a name that is no layer's."""
    b = base()
    units = b.units.rename(columns={"unit_code": "街镇代码", "unit_name": "街镇", "district_code": "区县代码",
                                    "population": "常住人口"})
    return {
        "区县边界.geojson": geojson(b.districts[["district_code", "district_name", "population", "geometry"]]),
        "医疗机构.csv": facilities_csv(b.facilities, encoding="gbk"),
        "青浦区街镇边界2023.zip": windows_zip(shapefile_members(units, "街镇")),
        "units": len(b.units),
    }


def _upload(pg, named: dict[str, bytes]) -> None:
    """Add files to the uploader (as a planner's second choice of files does) and wait until the
    server has received each."""
    done: list[str] = []

    def listener(r):
        if "/_stcore/upload_file" in r.url and r.request.method == "PUT":
            done.append(r.url)

    pg.on("response", listener)
    pg.locator(f'{UPLOADER} input[type="file"]').set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in named.items()])
    deadline = time.monotonic() + 60
    while len(done) < len(named) and time.monotonic() < deadline:
        pg.wait_for_timeout(200)
    pg.remove_listener("response", listener)
    assert len(done) == len(named), f"{len(done)} of {len(named)} files uploaded"


def _uploader_text(pg) -> str:
    box = pg.locator(UPLOADER).first
    box.wait_for(timeout=60_000)
    pg.wait_for_function("document.querySelector('[data-testid=\"stFileUploader\"]').innerText.includes('MB')")
    pg.wait_for_timeout(300)  # the relabelling runs on the next frame
    return box.inner_text()


def test_a_units_zip_added_after_the_facilities_loads_under_the_name_given(page, server, files, output_dir):
    page.set_viewport_size(DESK)
    page.goto(server["url"] + "/import_data")
    words = _uploader_text(page)
    assert "上传文件" in words and "每个文件不超过 100 MB，合计不超过 200 MB、50 个文件" in words
    assert not re.search(r"\bUpload\b|per file|Drag and drop|200MB", words), words
    page.locator(UPLOADER).first.screenshot(path=str(output_dir / "browser_import_uploader_zh.png"))

    _upload(page, {"医疗机构.csv": files["医疗机构.csv"], "区县边界.geojson": files["区县边界.geojson"]})
    _upload(page, {"青浦区街镇边界2023.zip": files["青浦区街镇边界2023.zip"]})  # added afterwards
    chosen = page.locator(UPLOADER).first.inner_text()
    assert all(name in chosen for name in ("医疗机构.csv", "区县边界.geojson", "青浦区街镇边界2023.zip")), chosen
    page.get_by_role("textbox", name="数据集名称").fill("舟山、铜陵、阳泉 2024 年规划数据")
    page.get_by_role("button", name="校验并载入").click()
    page.get_by_text(f"已载入“舟山、铜陵、阳泉 2024 年规划数据”：{files['units']} 个单元").wait_for(timeout=90_000)
    body = page.locator("body").inner_text()
    assert "不对应任何图层" not in body and "未生成替代" not in body and "/vsimem/" not in body
    page.wait_for_timeout(800)
    page.screenshot(path=str(output_dir / "browser_import_named_zh.png"))

    picker = page.get_by_text(re.compile(r"已导入的数据集（1 个）"))
    picker.scroll_into_view_if_needed()
    picker.click()
    listed = page.locator('[data-testid="stExpander"]').filter(has_text="使用此数据集")
    listed.get_by_role("button", name="保存名称").wait_for()
    picked = listed.locator('[data-testid="stSelectbox"]')
    assert "舟山、铜陵、阳泉 2024 年规划数据（当前使用）" in (picked.inner_text() + picked.locator("input").input_value())
    assert listed.get_by_role("textbox", name="当前数据集的名称").input_value() == "舟山、铜陵、阳泉 2024 年规划数据"
    listed.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "browser_import_datasets_zh.png"))
    help_box = page.get_by_text("数据格式说明", exact=True)
    help_box.scroll_into_view_if_needed()
    help_box.click()
    heading = page.get_by_role("heading", name="规划数据包（planning data package）")
    heading.wait_for()
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(output_dir / "browser_import_help_zh.png"))


def test_an_invalid_zip_is_called_invalid_with_the_fix(page, server, output_dir):
    page.set_viewport_size(DESK)
    page.goto(server["url"] + "/import_data")
    _uploader_text(page)
    _upload(page, {"规划数据包.zip": b"<!DOCTYPE html><html><body>login expired</body></html>"})
    page.get_by_role("button", name="校验并载入").click()
    page.get_by_text("数据包无法使用").wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    page.wait_for_timeout(800)
    text = page.locator("body").inner_text()
    assert "缺少必需的图层" not in text and "/vsimem/" not in text
    # the whole message and its fix, above the table (whose cells cut them short)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="文件无法读取")
    said = alert.inner_text()
    assert "规划数据包.zip 不是有效的 ZIP/Shapefile 压缩包" in said and "RAR/7z" in said, said
    assert "修正方法：请在电脑上重新压缩" in said and "压缩(zipped)文件夹" in said, said
    grid.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "browser_import_invalid_zh.png"))
    # the table's cells are drawn on a canvas: read the problem from the grid's accessible copy
    cells = grid.locator('[role="gridcell"]').all_inner_texts()
    assert any(c.startswith("文件无法读取：规划数据包.zip 不是有效的 ZIP/Shapefile 压缩包") for c in cells), cells
    assert any("发送到" in c for c in cells)


def test_the_uploader_and_the_help_in_english(page, server, output_dir):
    page.set_viewport_size(DESK)
    page.goto(server["url"] + "/import_data?lang=en")
    words = _uploader_text(page)
    assert "100 MB per file, 200 MB and 50 files in all" in words and "Upload" in words
    page.get_by_text("Data format", exact=True).click()
    page.get_by_role("heading", name="The planning data package (规划数据包)").wait_for()
    page.locator(UPLOADER).first.screenshot(path=str(output_dir / "browser_import_uploader_en.png"))


def test_the_workspace_plan_uploader_speaks_chinese_too(page, server, output_dir):
    """Every uploader, not just the import page's: the workspace's 导入方案 (its limit is
    Streamlit's per file only: a plan is no data package)."""
    page.set_viewport_size(DESK)
    page.goto(server["url"] + "/workspace")
    page.get_by_role("button", name="方案管理").click(timeout=90_000)
    words = _uploader_text(page)
    assert "上传文件" in words and "每个文件不超过 100 MB" in words and "合计" not in words, words
    assert not re.search(r"\bUpload\b|per file", words), words
    page.locator(UPLOADER).first.screenshot(path=str(output_dir / "browser_workspace_uploader_zh.png"))
    # Streamlit's other words (the drop hint while dragging, its refusals) as they appear
    said = page.evaluate("""async () => {
        const box = document.querySelector('[data-testid="stFileUploader"]');
        const said = {};
        for (const text of ["Drag and drop files here", "File must be 100.0MB or smaller.",
                            "application/x-rar files are not allowed.", "Add files"]) {
            const span = document.createElement("span");
            span.textContent = text;
            box.appendChild(span);
            await new Promise(r => setTimeout(r, 150));
            said[text] = span.textContent;
            span.remove();
        }
        return said;
    }""")
    assert said == {"Drag and drop files here": "将文件拖放到此处", "File must be 100.0MB or smaller.": "文件不能超过 100.0MB",
                    "application/x-rar files are not allowed.": "不支持 application/x-rar 类型的文件", "Add files": "添加文件"}
