"""Errors raised by the planning engine."""

from __future__ import annotations


class PlanningError(Exception):
    """Base of every error raised by planning."""


class ConfigError(PlanningError, ValueError):
    """A setting is unknown or out of range; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class InfeasiblePlanError(PlanningError):
    """The rules cannot all hold; names the rules, the place, the numbers and a fix.

    ``rules`` are rule ids (``G3``, ``G5`` ...); ``messages`` maps ``zh``/``en`` to the text.
    """

    def __init__(self, rules: tuple[str, ...], place: str, zh: str, en: str) -> None:
        self.rules = rules
        self.place = place
        self.messages = {"zh": zh, "en": en}
        super().__init__(f"[{', '.join(rules)}] {place}: {en}")
