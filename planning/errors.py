"""Errors raised by the planning engine."""

from __future__ import annotations


class PlanningError(Exception):
    """Base of every error raised by planning."""


class ConfigError(PlanningError, ValueError):
    """A setting is unknown or out of range; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))
