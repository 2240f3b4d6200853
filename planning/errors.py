"""Errors raised by the planning engine. Each carries its message as a catalogue code with
parameters (``texts``); ``messages`` renders it in both languages at the edge."""

from __future__ import annotations

from texts import Text


class PlanningError(Exception):
    """Base of every error raised by planning."""


class ConfigError(PlanningError, ValueError):
    """A setting is unknown or out of range; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class CodedError(PlanningError):
    """A planning error whose reason is a message code (``text``)."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text.render("en"))

    @property
    def messages(self) -> dict[str, str]:
        return self.text.messages


class InfeasiblePlanError(CodedError):
    """The rules cannot all hold; names the rules, the place (a code), the numbers and a fix."""

    def __init__(self, rules: tuple[str, ...], place: str, code: str, **params: object) -> None:
        self.rules = rules
        self.place = place
        super().__init__(Text(f"infeasible.{code}", {"place": place, **params}))

    def __str__(self) -> str:
        return f"[{', '.join(self.rules)}] {self.place}: {self.text.render('en')}"


class NoUnitsError(CodedError):
    """The package has no units to plan with (its units layer failed to load or is empty)."""

    def __init__(self) -> None:
        super().__init__(Text("infeasible.no_units"))


class EditError(CodedError):
    """An edit that cannot be made (``planning.edits``)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(Text(f"edit.{code}", params))
