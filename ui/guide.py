"""The user guide (docs/GUIDE.md) on a page, and the four steps a new user takes."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ui.i18n import t

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "GUIDE.md"
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)\s*$")

# (page file, the step's title, its icon): look at the data, propose, edit, review and file
STEPS = (("pages/data.py", "step_data", "map"), ("pages/grids.py", "step_propose", "grid_view"),
         ("pages/workspace.py", "step_edit", "edit_location_alt"), ("pages/review.py", "step_review", "co_present"))


def section(text: str, lang: str) -> str:
    """The guide's part in ``lang``: the ``## 中文`` or ``## English`` section (the whole text
    when it has no such sections)."""
    parts = re.split(r"^## (中文|English)\s*$", text, flags=re.M)
    found = dict(zip(parts[1::2], parts[2::2]))
    return found.get("中文" if lang == "zh" else "English", text).strip()


def blocks(markdown: str) -> list[tuple[str, str]]:
    """The section as ("text", markdown) and ("image", path) blocks, in order; an image outside
    docs/ (or missing) is left out rather than fetched."""
    out: list[tuple[str, str]] = []
    text: list[str] = []
    for line in markdown.splitlines():
        match = _IMAGE.match(line.strip())
        if not match:
            text.append(line)
            continue
        if text:
            out.append(("text", "\n".join(text)))
            text = []
        path = (GUIDE.parent / match["src"]).resolve()
        if path.is_relative_to(GUIDE.parent) and path.is_file():
            out.append(("image", str(path)))
    if text:
        out.append(("text", "\n".join(text)))
    return out


def show_guide(lang: str) -> None:
    """The guide in ``lang``, screenshots as images (the guide is the project's own text)."""
    for kind, value in blocks(section(GUIDE.read_text(encoding="utf-8"), lang)):
        if kind == "image":
            st.image(value, width=960)  # a screenshot at about its own size, not blown up
        elif value.strip():
            st.markdown(value)  # markdown: the app's own words (docs/GUIDE.md, no data)


def next_steps(lang: str, here: str = "pages/data.py") -> None:
    """The four steps as links, the current one marked, and the guide beside them."""
    st.caption(t("steps_intro", lang))
    cols = st.columns(len(STEPS) + 1)
    for n, (col, (page, title, icon)) in enumerate(zip(cols, STEPS), start=1):
        label = f"{n}. {t(title, lang)}" + (t("step_here", lang) if page == here else "")
        col.page_link(page, label=label, icon=f":material/{icon}:", disabled=page == here)
    cols[-1].page_link("pages/guide.py", label=t("page_guide", lang), icon=":material/menu_book:")


DATA_FORMAT = {"zh": ROOT / "docs" / "DATA_FORMAT.zh.md", "en": ROOT / "docs" / "DATA_FORMAT.md"}


def data_format(lang: str) -> str:
    """docs/DATA_FORMAT.md in ``lang``: the Chinese translation (DATA_FORMAT.zh.md) for ``zh``,
    the English original otherwise (and when the translation is missing)."""
    path = DATA_FORMAT.get(lang, DATA_FORMAT["en"])
    return (path if path.is_file() else DATA_FORMAT["en"]).read_text(encoding="utf-8")
