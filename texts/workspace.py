"""Words of the editing desk (规划工作台): map tools, search, undo, history, notices: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
}
