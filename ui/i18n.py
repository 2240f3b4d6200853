"""UI words in simplified Chinese (default) and English, in the vocabulary of RULES.md."""

from __future__ import annotations

import re

from texts import CATALOGUE as TEXT  # noqa: F401  (one catalogue for every layer; pages read labels from it)
from texts import LANGS, render  # noqa: F401
from texts.ui import COLUMNS, VALUES  # noqa: F401


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(value: object) -> str:
    """``value`` as literal text inside Streamlit markdown (messages, labels): links, images,
    emphasis and formulas in names from files or planners are shown, never rendered."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def t(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params`` (the catalogue's ``render``)."""
    return render(key, lang, **params)


DETAIL_KEYS = {  # the edit log's detail keys (pages/workspace.py) in Chinese
    "grid": "网格", "grids": "网格", "units": "单元", "n": "数量", "lock": "锁定", "lead": "牵头医院", "scope": "范围",
    "restores": "恢复为版本", "pairings": "结对数", "fixed": "固定", "name": "名称", "from": "来自", "version": "版本",
}


def detail(data: dict, lang: str = "zh") -> str:
    """An edit-log entry's detail for a table, in the reader's words: lists joined, long ones
    shortened, yes/no for flags."""
    parts = []
    for key, value in data.items():
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
