"""What an exercise is: its prose (from the track's exercises.yaml) and its checks (from code).

Checks are plain functions registered with ``@check(exercise_id, points=...)``. A check
receives a ``Student`` (the learner's functions, possibly in another process), builds what
it trusts itself (``grader.engine.resources.build``), and raises ``CheckFailure`` with a
readable message when the learner's code is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.engine.student import Student

CheckFunction = Callable[["Student"], None]

DEFAULT_CHECK_TIMEOUT_S = 60.0


class CheckFailure(AssertionError):
    """A check found the learner's code wrong; the message says what, for the learner."""


@dataclass(frozen=True)
class Check:
    """One test of one exercise."""

    exercise_id: str
    name: str  # a sentence fragment: "pads every text to the longest one"
    function: CheckFunction
    points: float
    hidden: bool = False
    timeout_s: float = DEFAULT_CHECK_TIMEOUT_S
    seed: int = 0
    name_zh: str = ""  # the docstring's "zh:" line: the name shown in Chinese feedback


def check_names(function: CheckFunction) -> tuple[str, str]:
    """A check's name in English (its docstring's first line) and in Chinese (a line that
    starts with ``zh:``, or "" when there is none)."""
    lines = [line.strip() for line in (function.__doc__ or function.__name__).strip().splitlines()]
    chinese = next((line[3:].strip() for line in lines[1:] if line.startswith("zh:")), "")
    return lines[0], chinese


@dataclass
class Exercise:
    """A coding exercise: a function (or a few) the learner writes, and the checks on it."""

    id: str  # "bert.encode"
    track: str
    title: dict[str, str]
    instructions: dict[str, str]
    functions: tuple[str, ...]
    hints: list[dict[str, str]]
    difficulty: str = ""  # easy, medium or hard (required in exercises.yaml)
    checks: list[Check] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def solution_grade_id(self) -> str:
        """nbgrader's id for the cell in which the learner writes the solution."""
        return self.id.replace(".", "_")

    @property
    def check_grade_id(self) -> str:
        """nbgrader's id for the autograded test cell of this exercise."""
        return "check_" + self.solution_grade_id

    def public_checks(self) -> list[Check]:
        return [check for check in self.checks if not check.hidden]


# Filled by @check as track modules are imported; read through grader.engine.catalog.
REGISTERED_CHECKS: list[Check] = []

EndpointsFunction = Callable[[], list[int]]
# Filled by @sandbox_endpoints: per track, the host loopback ports its checks hand to
# learner code (the model server). An isolated sandbox reaches these and nothing else.
REGISTERED_ENDPOINTS: dict[str, EndpointsFunction] = {}


def sandbox_endpoints(track: str) -> Callable[[EndpointsFunction], EndpointsFunction]:
    """Register the function that starts (if need be) and names a track's loopback ports."""

    def register(function: EndpointsFunction) -> EndpointsFunction:
        REGISTERED_ENDPOINTS[track] = function
        return function

    return register


def check(
    exercise_id: str,
    *,
    points: float = 1.0,
    hidden: bool = False,
    timeout_s: float = DEFAULT_CHECK_TIMEOUT_S,
    seed: int = 0,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check; its docstring's first line is shown as the check's name, and a line
    ``zh: ...`` gives the name in Chinese."""

    def register(function: CheckFunction) -> CheckFunction:
        name, name_zh = check_names(function)
        REGISTERED_CHECKS.append(
            Check(exercise_id, name, function, points, hidden, timeout_s, seed, name_zh)
        )
        return function

    return register


@dataclass(frozen=True)
class Ref:
    """A named, trusted resource (a tokenizer, a seeded model) built on each side by name.

    Objects like models cannot cross a process boundary safely, so a check passes a ``Ref``
    and both the sandbox and the trusted side build the same object from the same recipe.
    """

    name: str
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, name: str, **options: Any) -> Ref:
        return cls(name, tuple(sorted(options.items())))

    def describe(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options)
        return f"<{self.name}{' ' + opts if opts else ''}>"
