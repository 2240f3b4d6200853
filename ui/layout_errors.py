"""Why an uploaded plan layout (方案 GeoJSON, 方案管理 → 导入) cannot be read, in words.

Python's own reasons (``Expecting value: line 1 column 1 (char 0)``, ``'utf-8' codec can't
decode byte 0xb5 in position 3``) are the parser's, not the planner's: ``unreadable`` turns each
into a catalogue message (``texts.workspace``) that says what is wrong with the file, where, and
what to do. ``ui.planbar.layout_plan``, which reads the file, puts it in the problem it lists."""

from __future__ import annotations

import json

from texts import Text


def unreadable(exc: BaseException) -> Text:
    """The reason a layout file could not be read as JSON, as a message with its parameters."""
    if isinstance(exc, json.JSONDecodeError):
        if not exc.doc.strip():
            return Text("layout_empty")
        return Text("layout_json_at", {"line": exc.lineno, "char": exc.colno})
    if isinstance(exc, UnicodeDecodeError):
        return Text("layout_not_utf8")
    if isinstance(exc, RecursionError):
        return Text("layout_too_deep")
    return Text("layout_not_json")
