"""Problems found in user input, reported all at once, never as tracebacks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One mistake (or warning) in the user's files: where it is, what is wrong, how to fix it."""

    path: str  # path as the user knows it, relative to the project
    line: int | None  # 1-based line, or None when the file as a whole is wrong
    field: str  # front-matter field, "body", or "file"
    message: str
    hint: str = ""
    severity: str = ERROR
    # False for warnings about something Harvest already handles safely (e.g. an unregistered
    # contributor is shown as anonymous): `harvest check` reports them, a --strict build only logs them.
    strict: bool = True

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        text = f"{self.location()}: {self.field}: {self.message}"
        if self.severity != ERROR:
            text += f" ({self.severity})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def format_github(self) -> str:
        """A GitHub/Forgejo Actions workflow command, shown as an annotation on the line."""
        line = f",line={self.line}" if self.line else ""
        message = f"{self.field}: {self.message}" + (f" — {self.hint}" if self.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.severity} file={self.path}{line}::{message}"


def sort_key(problem: Problem) -> tuple[str, int, str, str]:
    return (problem.path, problem.line or 0, problem.field, problem.message)


def summarize(problems: Iterable[Problem]) -> tuple[int, int]:
    problems = list(problems)
    errors = sum(p.is_error for p in problems)
    return errors, len(problems) - errors


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known choice(s), or listing a few of them."""
    choices = sorted(set(choices))
    import difflib  # here: `harvest search` starts faster without it

    close = difflib.get_close_matches(str(value), choices, n=2, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if not choices:
        return ""
    shown = ", ".join(choices[:12]) + (", …" if len(choices) > 12 else "")
    return f"known values: {shown}"


class HarvestError(Exception):
    """A user-facing failure carrying the problems that caused it."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("harvest", None, "config", problems)]
        self.problems = sorted(problems, key=sort_key)
        super().__init__(self.report())

    def report(self) -> str:
        errors, warnings = summarize(self.problems)
        lines = [p.format() for p in self.problems]
        lines.append(f"{errors} error(s), {warnings} warning(s)")
        return "\n".join(lines)
