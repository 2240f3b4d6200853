"""使用指南 User guide: docs/GUIDE.md in the reader's language, its screenshots shown from the
repository (offline: nothing is fetched)."""

from __future__ import annotations

from ui import shell
from ui.guide import show_guide

lang, L, package_id, pkg = shell.page("page_guide", "guide_subtitle")
show_guide(lang)
