"""Words of the review page and the meeting (评审模式): cards, filters, compare, presentation: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
}
