"""Words of the exports and the filing package: file names, confirmations, the PDF: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
}
