"""Words of the import page: dataset names, templates, invalid files, format help: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
}
