"""Words of the charts: axes, legends, titles and captions: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
}
