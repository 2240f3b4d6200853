"""The one catalogue: every code has both languages with the same placeholders, and renders."""

from __future__ import annotations

import string

import pytest

from texts import CATALOGUE, Text, render


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


LANGUAGE_SPECIFIC = {"issue.bad_choice.fix": ({"choices_zh"}, {"choices"})}  # each language its own words


def test_every_entry_has_chinese_and_english_with_the_same_placeholders():
    for code, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), code
        if code in LANGUAGE_SPECIFIC:
            assert (_fields(zh), _fields(en)) == LANGUAGE_SPECIFIC[code]
        else:
            assert _fields(zh) == _fields(en), code


def test_lists_and_nested_messages_render_in_each_language():
    assert render("rule.G2.pooling", "zh", grid="310101-G01", areas=["A", "B"]) == "网格 310101-G01 跨越医保统筹区 A、B"
    assert render("rule.G2.pooling", "en", grid="310101-G01", areas=["A", "B"]).endswith("areas A, B")
    kind = Text("kind_chc")
    message = Text("rule.G4.no_unit", {"kind": kind, "name": "中心", "facility": "F1"})
    assert message.render("zh").startswith("社区卫生服务中心") and message.render("en").startswith("Community health centre")
    assert message.messages == {"zh": message.render("zh"), "en": message.render("en")}


def test_an_unknown_code_is_refused_when_made_not_when_shown():
    with pytest.raises(KeyError):
        Text("rule.no_such_code")
