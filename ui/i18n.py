"""UI words in simplified Chinese (default) and English, in the vocabulary of RULES.md."""

from __future__ import annotations

import re
from collections.abc import Callable

from texts import CATALOGUE as TEXT  # noqa: F401  (one catalogue for every layer; pages read labels from it)
from texts import LANGS, Text, render  # noqa: F401
from texts.ui import COLUMNS, VALUES  # noqa: F401


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_UNSENDABLE = re.compile(r"[\ud800-\udfff]")  # lone surrogates: no UTF-8 for them, so no page either


# what GitHub-style markdown links by itself, with no brackets (``http://…``, ``www.…``), once
# escaped: a word joiner (U+2060, invisible) after the scheme's colon or ``www`` leaves the text
# reading as it did and makes no link. E-mail addresses (account names) stay as they are: a
# ``mailto:`` link fetches nothing, and an address copied from the page must stay whole.
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp)\\:|\bwww(?=\\\.))")


def plain(value: object) -> str:
    """``value`` as literal text inside Streamlit markdown (messages, labels): links, images,
    emphasis and formulas in names from files or planners are shown, never rendered, and an
    address in them is not made a link either (``_AUTOLINK``); a lone surrogate (which no page
    can carry) is shown as U+FFFD."""
    escaped = _MARKDOWN.sub(r"\\\1", _UNSENDABLE.sub("\ufffd", str(value)))
    return _AUTOLINK.sub("\\1\u2060", escaped)


def sendable(value: object) -> str:
    """``value`` as text a page can carry (plain-text widgets: options, tables): a lone surrogate
    shown as \ufffd."""
    return _UNSENDABLE.sub("\ufffd", str(value))


def _literal(value: object, lang: str) -> object:
    if isinstance(value, Text):
        return plain(value.render(lang))
    if isinstance(value, (list, tuple)):
        return [_literal(v, lang) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value  # numbers keep the catalogue's formats
    return plain(value)


def tp(key: str, lang: str, **params: object) -> str:
    """``t`` for markdown (messages, captions, alerts, labels) with data in it: every parameter
    (a name, a code, a file name, an error's text) is shown literally (``plain``); the
    catalogue's own words are kept as they are."""
    return render(key, lang, **{k: _literal(v, lang) for k, v in params.items()})


def t(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params`` (the catalogue's ``render``)."""
    return render(key, lang, **params)


DETAIL_KEYS = {  # the edit log's detail keys (pages/workspace.py) in Chinese
    "grid": "网格", "grids": "网格", "units": "单元", "n": "数量", "lock": "锁定", "lead": "牵头医院", "scope": "范围",
    "restores": "恢复为版本", "pairings": "结对数", "fixed": "固定", "name": "名称", "from": "来自", "version": "版本",
}


CODED_KEYS = frozenset({"grid", "grids", "units", "lead", "scope"})  # detail keys whose values are codes


def detail(data: dict, lang: str = "zh", *, label: Callable[[str], str] | None = None) -> str:
    """An edit-log entry's detail for a table, in the reader's words: lists joined, long ones
    shortened, yes/no for flags. With ``label`` (a code -> its text in ``lang``: ``ui.editlog``
    passes names before codes, 青浦镇01（310118001）, 青浦区 第2网格（310118-G02）), the codes of units,
    grids, hospitals and districts are shown by name."""
    parts = []
    name = label or str
    for key, value in data.items():
        if key in CODED_KEYS and not (key == "scope" and value == "all"):
            value = [name(str(v)) for v in value] if isinstance(value, list) else name(str(value))
        if isinstance(value, list):
            value = ("、" if lang == "zh" else ", ").join(map(str, value[:8])) + ("…" if len(value) > 8 else "")
        elif isinstance(value, bool):
            value = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        elif key == "scope" and value == "all":
            value = "全部区县" if lang == "zh" else "all districts"
        parts.append(f"{DETAIL_KEYS.get(key, key) if lang == 'zh' else key}: {value}")
    return ("；" if lang == "zh" else "; ").join(parts)


def local_time(stamp: str) -> str:
    """A stored UTC time (ISO 8601) as Beijing time, to the minute: 2026-11-22 18:34."""
    from datetime import datetime, timedelta, timezone

    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
