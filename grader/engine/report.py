"""Results of checks, and their three renderings: JSON, a terminal table, notebook HTML."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class CheckResult:
    name: str
    points: float
    passed: bool
    hidden: bool
    message: str = ""

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


@dataclass
class ExerciseResult:
    id: str
    title: str
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)
    problem: str = ""  # set when the exercise could not be checked at all
    stderr: str = ""  # what the learner's code wrote to stderr while checked (in-kernel only)
    # in-kernel only: the points of the hidden checks, which only `mlkata check` and the
    # grader run (max_score then counts the public checks alone)
    hidden_points: float = 0.0

    @property
    def score(self) -> float:
        return sum(check.score for check in self.checks)

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def points_line(self) -> str:
        """``3/3 points``, or, with hidden checks not run here, what they hold and who runs them."""
        shown = f"{self.score:g}/{self.max_score:g} points"
        if not self.hidden_points:
            return shown
        total = self.max_score + self.hidden_points
        return (
            f"{shown} from the public checks; hidden checks hold the other "
            f"{self.hidden_points:g} of the exercise's {total:g} points and are run by "
            "`mlkata check` and the grader"
        )

    @property
    def messages(self) -> list[str]:
        found = [self.problem] if self.problem else []
        for check in self.checks:
            if not check.passed:
                label = "hidden check" if check.hidden else "check"
                found.append(f"{label} '{check.name}' failed: {check.message}")
        return found


@dataclass
class Report:
    notebook: str
    exercises: list[ExerciseResult]
    # where the grading time went, in seconds (see grade_notebook); not part of the JSON
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(exercise.score for exercise in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)

    def to_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [
                {
                    "id": e.id,
                    "score": e.score,
                    "max_score": e.max_score,
                    "passed": e.passed,
                    "messages": e.messages,
                    "checks": [asdict(c) for c in e.checks],
                }
                for e in self.exercises
            ],
        }


PASS_MARK = "\u2713"  # ✓ and ✗: plain text marks that every common font draws, unlike emoji
FAIL_MARK = "\u2717"
PASS_COLOUR = "#1a7f37"
FAIL_COLOUR = "#cf222e"


def _mark(passed: bool) -> str:
    colour, mark, word = (
        (PASS_COLOUR, PASS_MARK, "passed") if passed else (FAIL_COLOUR, FAIL_MARK, "failed")
    )
    return f"<span style='color:{colour};font-weight:bold' aria-label='{word}'>{mark}</span>"


def exercise_html(result: ExerciseResult) -> str:
    """Feedback for one exercise, for a notebook output: pass and fail marked, messages kept.

    Each check is an ``li.mlkata-check`` with ``data-passed``, so tests and styles need not
    read the marks.
    """
    colour = PASS_COLOUR if result.passed else FAIL_COLOUR
    verdict = "passed" if result.passed else "not yet"
    rows = []
    if result.problem:
        rows.append(
            f"<li class='mlkata-problem'><span style='color:{FAIL_COLOUR}'>\u26a0</span> "
            f"{html.escape(result.problem)}</li>"
        )
    for check in result.checks:
        label = " <em>(hidden)</em>" if check.hidden else ""
        detail = (
            ""
            if check.passed
            else f"<pre style='white-space:pre-wrap;margin:4px 0 0 0'>"
            f"{html.escape(check.message)}</pre>"
        )
        rows.append(
            f"<li class='mlkata-check' data-passed='{str(check.passed).lower()}'>"
            f"{_mark(check.passed)} {html.escape(check.name)}{label}{detail}</li>"
        )
    if result.stderr:
        lines = result.stderr.strip().splitlines()
        rows.append(
            f"<li class='mlkata-stderr'><details><summary>your code wrote {len(lines)} line(s) "
            f"to stderr (warnings do not fail a check)</summary><pre style='white-space:pre-wrap'>"
            f"{html.escape(chr(10).join(lines[-40:]))}</pre></details></li>"
        )
    return (
        f"<div class='mlkata-feedback' data-passed='{str(result.passed).lower()}' "
        f"style='border-left:4px solid {colour};padding:4px 10px'>"
        f"<strong>{html.escape(result.title)}</strong>: "
        f"<span style='color:{colour}'>{verdict}</span> "
        f"({html.escape(result.points_line)})"
        f"<ul style='list-style:none;padding-left:0'>{''.join(rows)}</ul></div>"
    )


def exercise_text(result: ExerciseResult) -> str:
    lines = [f"{result.title}: {result.points_line}"]
    if result.problem:
        lines.append(f"  ! {result.problem}")
    for check in result.checks:
        lines.append(f"  {'PASS' if check.passed else 'FAIL'} {check.name}")
        if not check.passed:
            lines.extend(f"       {line}" for line in check.message.splitlines())
    if result.stderr:
        count = len(result.stderr.strip().splitlines())
        lines.append(f"  (your code wrote {count} line(s) to stderr; warnings do not fail a check)")
    return "\n".join(lines)
