"""The one catalogue of words: every message code, in simplified Chinese and English.

The engine, storage, the pages, the CLI and the exports all speak in codes with parameters
(``Text("rule.G1.unassigned", n=3, ...)``) and render them here, at the edge, in the reader's
language. Nothing downstream parses a message. Kept apart from every layer (it imports nothing of
the project), so ``planning`` stays pure and ``geodata`` never reaches into ``ui`` for words.

Parts (each a plain dict of code -> (zh, en)):

- ``texts.ui``: the pages' words, table columns and coded values;
- ``texts.data``: problems in planners' files (``issue.<code>`` and ``issue.<code>.fix``);
- ``texts.engine``: rule violations and their fixes, pairing reasons, edit refusals, plans the
  rules cannot all allow, and storage failures;
- ``texts.review``, ``texts.workspace``, ``texts.exports``, ``texts.imports``, ``texts.charts``:
  the words of the review and meeting, the editing desk, the exports and filing, the import page
  and the charts (one part a page area, so a change to one area's words touches one file);
- ``texts.access``: the accessibility's words in the workbook and the filing report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from texts import access, charts, exports, imports, review, sites, workspace
from texts.data import ISSUES, POSITIONS
from texts.engine import ENGINE
from texts.ui import TEXT as UI

LANGS = ("zh", "en")


def _merge(*parts: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for part in parts:
        clash = set(out) & set(part)
        if clash:
            raise ValueError(f"catalogue codes defined twice: {sorted(clash)}")
        out.update(part)
    return out


CATALOGUE: dict[str, tuple[str, str]] = _merge(
    UI,
    ENGINE,
    review.TEXT,
    workspace.TEXT,
    exports.TEXT,
    imports.TEXT,
    charts.TEXT,
    access.TEXT,
    sites.TEXT,
    __import__("texts.region", fromlist=["TEXT"]).TEXT,  # the 全省汇总 page (issue 19)
    __import__("texts.region_batch", fromlist=["TEXT"]).TEXT,  # ylt batch (issue 19)
    POSITIONS,
    {f"issue.{code}": (zh, en) for code, (zh, _, en, _) in ISSUES.items()},
    {f"issue.{code}.fix": (zh, en) for code, (_, zh, _, en) in ISSUES.items()},
)


def render(code: str, lang: str, **params: object) -> str:
    """The text of ``code`` in ``lang`` (``zh`` unless ``en``), formatted with ``params``; a list
    parameter is joined the way each language lists things (、 or a comma)."""
    zh, en = CATALOGUE[code]
    text = en if lang == "en" else zh
    if not params:
        return text
    return text.format(**{k: _shown(v, lang) for k, v in params.items()})


def _shown(value: object, lang: str) -> object:
    """A parameter as the language shows it: a list joined, a nested message rendered."""
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        return (", " if lang == "en" else "、").join(str(_shown(v, lang)) for v in value)
    return value


@dataclass(frozen=True)
class Text:
    """A message as data: its code and parameters; rendered in either language on demand."""

    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise KeyError(f"no catalogue entry {self.code!r}")
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def render(self, lang: str) -> str:
        return render(self.code, lang, **self.params)

    @property
    def messages(self) -> dict[str, str]:
        """Both languages at once (``{"zh": ..., "en": ...}``)."""
        return {lang: self.render(lang) for lang in LANGS}


def text(code: str, **params: object) -> Text:
    return Text(code, params)
