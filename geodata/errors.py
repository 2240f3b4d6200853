"""Problems found at the boundary: one ``Issue`` per problem, bilingual, with place and fix.

Validation collects every issue and reports them together; rows that cannot be used are kept
aside (``LoadReport.rejected``), the rest loads. Only a package that cannot be used at all
raises ``DataValidationError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from texts import render

Severity = Literal["error", "warning", "info"]
PositionKind = Literal["line", "row", "feature", "file"]

@dataclass(frozen=True)
class Issue:
    """One problem: what, where (layer, position, column, value), how bad, and how to fix it."""

    severity: Severity
    code: str
    layer: str = ""
    position: int | None = None
    position_kind: PositionKind = "feature"
    column: str = ""
    value: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def _texts(self, lang: str) -> tuple[str, str]:
        fields = {"layer": self.layer, "column": self.column, "value": self.value,
                  **{k: scrub(v) for k, v in self.params}}
        for key, value in fields.items():
            if key.endswith("_pos") and str(value).isdigit():  # another place in the same file
                fields[key] = replace(self, position=int(value)).place(lang)
        if fields.get("why", "").startswith(WHY):  # the reason, a catalogue code of its own
            fields["why"] = render(fields["why"], lang, **fields)
        return render(f"issue.{self.code}", lang, **fields), render(f"issue.{self.code}.fix", lang, **fields)

    def message(self, lang: str = "zh") -> str:
        return self._texts(lang)[0]

    def fix(self, lang: str = "zh") -> str:
        return self._texts(lang)[1]

    def place(self, lang: str = "zh") -> str:
        """The line, row or feature number in the planner's file ('' for the whole file)."""
        if self.position is None:
            return ""
        return render(f"position.{self.position_kind}", lang, n=self.position)

    def where(self, lang: str = "zh") -> str:
        """The place in the planner's own file: layer, line/row/feature number, column."""
        parts = [self.layer] if self.layer else []
        if self.position is not None:
            parts.append(self.place(lang))
        if self.column:
            parts.append(render("position.column", lang, column=self.column))
        return " · ".join(parts)

    def as_row(self, lang: str = "zh") -> dict[str, object]:
        return {
            "severity": self.severity,
            "layer": self.layer,
            "position": self.place(lang),
            "column": self.column,
            "value": self.value,
            "problem": self.message(lang),
            "fix": self.fix(lang),
            "code": self.code,
        }


WHY = "read_why."

# GDAL names what it could not read by a path of its own: an in-memory file (/vsimem/pyogrio_…),
# a temporary folder the archive was unpacked to, or the server's data folder. None of them
# means anything to a planner (and the last tells the server's layout): the name alone stays.
_VSI_PATH = re.compile(r"'?/vsi[a-z0-9_]+/[^\s']*'?\s*", re.I)
_ABS_PATH = re.compile(r"(?<![^\s'\"(])'?(?:/|[A-Za-z]:[\\/])(?:[^\s'/\\]+[\\/])+([^\s'/\\]+)'?")
_DRIVER_HINT = re.compile(r"[.;]*\s*It might help\b.*$", re.I | re.S)


def scrub(text: object) -> str:
    """``text`` without GDAL's internal file paths: ``/vsimem/…`` dropped, an absolute path
    shortened to its file name, GDAL's advice on driver prefixes (meant for programmers) cut."""
    original = str(text)
    out = _DRIVER_HINT.sub("", original)
    out = _VSI_PATH.sub("", out)
    out = _ABS_PATH.sub(lambda m: m.group(1), out)
    if out == original:  # nothing of GDAL's: the value as it was (".shx" keeps its dot)
        return original
    return " ".join(out.split()).strip(" ;,.")


def issue(severity: Severity, code: str, **kw: object) -> Issue:
    """Build an Issue; keyword arguments that are not Issue fields become message parameters."""
    own = {k: kw.pop(k) for k in ("layer", "position", "position_kind", "column", "value") if k in kw}
    if "value" in own:
        own["value"] = _short(own["value"])
    params = tuple(sorted((k, str(v)) for k, v in kw.items()))
    return Issue(severity, code, params=params, **own)  # type: ignore[arg-type]


def _short(value: object, limit: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


CARRIED = ("looks_gcj02",)


@dataclass
class LoadReport:
    """Every issue found while loading, and the rows kept aside per layer."""

    issues: list[Issue] = field(default_factory=list)
    rejected: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add(self, *items: Issue) -> None:
        self.issues.extend(items)

    def extend(self, items: Iterable[Issue]) -> None:
        self.issues.extend(items)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def ordered(self) -> list[Issue]:
        """Errors first, then warnings, then notes; file order within each."""
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(self.issues, key=lambda i: order[i.severity])

    def table(self, lang: str = "zh") -> pd.DataFrame:
        rows = [i.as_row(lang) for i in self.ordered()]
        return pd.DataFrame(rows, columns=["severity", "layer", "position", "column", "value", "problem", "fix", "code"])

    def carried(self) -> list[Issue]:
        """The problems every result drawn from the package inherits (an undeclared GCJ-02 layer
        moves units between grids): pages, the CLI's results and exports repeat them."""
        return [i for i in self.issues if i.code in CARRIED]

    def counts(self) -> Mapping[str, int]:
        return {s: sum(i.severity == s for i in self.issues) for s in ("error", "warning", "info")}


class GeodataError(Exception):
    """Base of every error raised by geodata."""


class DataValidationError(GeodataError, ValueError):
    """The data cannot be used at all; ``issues`` says every reason at once."""

    def __init__(self, issues: list[Issue], lang: str = "en") -> None:
        self.issues = issues
        lines = [f"{i.where(lang)}: {i.message(lang)} ({i.fix(lang)})" for i in issues]
        super().__init__("\n".join(lines) if lines else "invalid data")


class UnsafeArchiveError(GeodataError):
    """An uploaded archive was refused before anything in it was read.

    ``damaged`` tells a truncated or corrupt archive from one refused for safety.
    """

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged
