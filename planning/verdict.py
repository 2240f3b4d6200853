"""A plan's verdict as data: each rule's violations with their place, figures and message code.

A violation names its rule and severity, the place as codes (districts, grids, units, facilities:
all of them, never cut short), the figures as numbers, and what broke and what would fix it as
message codes with parameters (``texts``). Text is rendered at the edge. A rule **passes** when it
has no error-severity violation; warnings are shown beside it, the same way in the CLI's
``checks.json``, the pages and the filing (docs/DATA_FORMAT.md, "checks.json").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from texts import Text

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Place:
    """Where a violation is, as codes; each tuple complete."""

    districts: tuple[str, ...] = ()
    grids: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()

    def label(self, limit: int = 5) -> str:
        """The codes for a table cell: the most specific kind given, the first ``limit`` of them."""
        for codes in (self.facilities, self.units, self.grids, self.districts):
            if codes:
                return ", ".join(codes[:limit]) + (" …" if len(codes) > limit else "")
        return ""

    def as_dict(self) -> dict[str, list[str]]:
        return {"districts": list(self.districts), "grids": list(self.grids), "units": list(self.units),
                "facilities": list(self.facilities)}


def _frozen(mapping: Mapping[str, object] | None) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Violation:
    """One broken rule at one place."""

    rule: str
    severity: Severity
    what: Text
    remedy: Text
    place: Place = Place()
    figures: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "figures", _frozen(self.figures))

    def message(self, lang: str = "zh") -> str:
        return self.what.render(lang)

    def fix(self, lang: str = "zh") -> str:
        return self.remedy.render(lang)

    def as_dict(self) -> dict[str, object]:
        """The violation for ``checks.json`` and the filing: codes, place, figures, and both texts."""
        return {"rule": self.rule, "severity": self.severity, "code": self.what.code,
                "params": _plain(self.what.params), "fix_code": self.remedy.code, "place": self.place.as_dict(),
                "figures": _plain(self.figures), "message": self.what.messages, "fix": self.remedy.messages}


def _plain(params: Mapping[str, object]) -> dict[str, object]:
    """Parameters as JSON values: a place's label (``planning.labels``: 青浦镇01（310118001）) as
    the code it names, a nested message as its code, lists as lists, numbers as numbers."""
    return {k: _value(v) for k, v in params.items()}


def _value(v: object) -> object:
    if isinstance(v, Text) and v.code.startswith("label."):
        return v.params["ref"]
    if isinstance(v, Text):
        return v.code
    if isinstance(v, (tuple, list)):
        return [_value(x) for x in v]
    return v.item() if hasattr(v, "item") else v


def violation(rule: str, code: str, *, fix: str, severity: Severity = "error", place: Place = Place(),
              figures: Mapping[str, float] | None = None, **params: object) -> Violation:
    """A violation with message ``rule.<code>`` and fix ``fix.<fix>``; ``params`` fill both."""
    return Violation(rule, severity, Text(f"rule.{code}", params), Text(f"fix.{fix}", params), place,
                     _frozen(figures))


@dataclass(frozen=True)
class Rule:
    """A named rule: its id in RULES.md, its title (a catalogue code), the source clause, and the
    check (a function of the world and a plan for grid rules, of the pairing problem and the
    plan's pairings for pairing rules)."""

    id: str
    title: str
    source: str
    check: Callable[..., list[Violation]]

    def __call__(self, *args) -> list[Violation]:
        return self.check(*args)


@dataclass(frozen=True)
class RuleResult:
    """One rule id's outcome (checks sharing an id, such as G2's two, are one result)."""

    id: str
    titles: tuple[str, ...]  # catalogue codes of the checks under this id
    source: str
    violations: tuple[Violation, ...]

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == "error")

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == "warning")

    @property
    def passed(self) -> bool:
        return not self.errors

    def title(self, lang: str = "zh") -> str:
        return " / ".join(dict.fromkeys(Text(t).render(lang) for t in self.titles))

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": {"zh": self.title("zh"), "en": self.title("en")}, "source": self.source,
                "passed": self.passed, "errors": [v.as_dict() for v in self.errors],
                "warnings": [v.as_dict() for v in self.warnings]}


def _rule_order(rule_id: str) -> tuple[str, int]:
    return rule_id[0], int(rule_id[1:]) if rule_id[1:].isdigit() else 0


@dataclass(frozen=True)
class Verdict:
    """Every rule's result for one plan, ordered G1..G6 then P1..P8."""

    rules: tuple[RuleResult, ...]

    @classmethod
    def of(cls, found: Iterable[tuple[Rule, Sequence[Violation]]]) -> Verdict:
        merged: dict[str, tuple[list[str], list[str], list[Violation]]] = {}
        for rule, violations in found:
            titles, sources, out = merged.setdefault(rule.id, ([], [], []))
            titles.append(rule.title)
            if rule.source not in sources:
                sources.append(rule.source)
            out.extend(violations)
        return cls(tuple(RuleResult(rid, tuple(dict.fromkeys(t)), "; ".join(s), tuple(v))
                         for rid, (t, s, v) in sorted(merged.items(), key=lambda kv: _rule_order(kv[0]))))

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rules)

    @property
    def failed(self) -> list[str]:
        """Ids of the rules with an error."""
        return [r.id for r in self.rules if not r.passed]

    @property
    def violations(self) -> list[Violation]:
        return [v for r in self.rules for v in r.violations]

    @property
    def errors(self) -> list[Violation]:
        return [v for r in self.rules for v in r.errors]

    @property
    def warnings(self) -> list[Violation]:
        return [v for r in self.rules for v in r.warnings]

    def rule(self, rule_id: str) -> RuleResult:
        return next(r for r in self.rules if r.id == rule_id)

    def only(self, prefix: str) -> Verdict:
        """The rules whose id starts with ``prefix`` (``G``: grids, ``P``: pairings)."""
        return Verdict(tuple(r for r in self.rules if r.id.startswith(prefix)))

    def as_list(self) -> list[dict[str, object]]:
        """Per rule: id, title, source, passed, errors and warnings (``checks.json``)."""
        return [r.as_dict() for r in self.rules]
