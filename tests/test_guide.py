"""The user guide on its own page, and the four steps on the first page (issue 18, first steps)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ui.guide import GUIDE, blocks, section


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_guide_shows_its_own_language_with_every_screenshot_from_the_repository(lang):
    text = GUIDE.read_text(encoding="utf-8")
    part = section(text, lang)
    assert ("查看数据" in part) == (lang == "zh") and ("## English" not in part)
    wanted = re.findall(r"^!\[[^\]]*\]\(([^)]+)\)", part, flags=re.M)
    images = [v for k, v in blocks(part) if k == "image"]
    assert len(wanted) >= 4 and len(images) == len(wanted)
    assert all(str(GUIDE.parent) in p for p in images)


def test_an_image_outside_the_docs_or_on_the_web_is_not_fetched():
    found = blocks("a\n![x](http://example.com/x.png)\n![y](../../etc/passwd)\nb")
    assert [k for k, _ in found] == ["text", "text"]


def test_guide_page_and_the_first_pages_steps():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("使用步骤" in c.value for c in at.caption)
    at.switch_page("pages/guide.py").run()
    assert not at.exception
    assert at.title[0].value == "使用指南"
    assert len(at.get("image")) >= 4
