"""Results of checks, and their three renderings: JSON, a terminal table, notebook HTML."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from grader.wording import localise_message, word

if TYPE_CHECKING:
    from grader.engine.spec import Check, Exercise


@dataclass
class CheckResult:
    name: str
    points: float
    passed: bool
    hidden: bool
    message: str = ""
    name_zh: str = ""

    @classmethod
    def of(cls, check: Check, passed: bool, message: str = "") -> CheckResult:
        return cls(check.name, check.points, passed, check.hidden, message, check.name_zh)

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    def label(self, lang: str = "en") -> str:
        """The check's name in ``lang`` (English where no translation exists)."""
        return self.name_zh if lang == "zh" and self.name_zh else self.name


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
    title_zh: str = ""

    @classmethod
    def of(cls, exercise: Exercise, max_score: float) -> ExerciseResult:
        return cls(exercise.id, exercise.title["en"], max_score, title_zh=exercise.title["zh"])

    @property
    def score(self) -> float:
        return sum(check.score for check in self.checks)

    def heading(self, lang: str = "en") -> str:
        return self.title_zh if lang == "zh" and self.title_zh else self.title

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def points_line(self) -> str:
        return self.points_text()

    def points_text(self, lang: str = "en") -> str:
        """``3/3 points``, or, with hidden checks not run here, what they hold and who runs them."""
        shown = word("points", lang, score=f"{self.score:g}", max=f"{self.max_score:g}")
        if not self.hidden_points:
            return shown
        total = self.max_score + self.hidden_points
        return word(
            "points with hidden",
            lang,
            shown=shown,
            hidden=f"{self.hidden_points:g}",
            total=f"{total:g}",
        )

    @property
    def messages(self) -> list[str]:
        return self.messages_in()

    def messages_in(self, lang: str = "en") -> list[str]:
        found = [self.problem] if self.problem else []
        for check in self.checks:
            if not check.passed:
                found.append(
                    word(
                        "check failed",
                        lang,
                        label=word("hidden check" if check.hidden else "check", lang),
                        name=check.label(lang),
                        message=localise_message(check.message, lang),
                    )
                )
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

    def to_json(self, lang: str = "en") -> dict[str, Any]:
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
                    "messages": e.messages_in(lang),
                    "checks": [asdict(c) for c in e.checks],
                }
                for e in self.exercises
            ],
        }


PASS_MARK = "\u2713"  # ✓ and ✗: plain text marks that every common font draws, unlike emoji
FAIL_MARK = "\u2717"
PASS_COLOUR = "#1a7f37"
FAIL_COLOUR = "#cf222e"


def _mark(passed: bool, lang: str = "en") -> str:
    colour, mark, verdict = (
        (PASS_COLOUR, PASS_MARK, "passed") if passed else (FAIL_COLOUR, FAIL_MARK, "failed")
    )
    label = word(verdict, lang)
    return f"<span style='color:{colour};font-weight:bold' aria-label='{label}'>{mark}</span>"


def exercise_html(result: ExerciseResult, lang: str = "en") -> str:
    """Feedback for one exercise, for a notebook output: pass and fail marked, messages kept.

    Each check is an ``li.mlkata-check`` with ``data-passed``, so tests and styles need not
    read the marks.
    """
    colour = PASS_COLOUR if result.passed else FAIL_COLOUR
    verdict = word("passed" if result.passed else "not yet", lang)
    rows = []
    if result.problem:
        rows.append(
            f"<li class='mlkata-problem'><span style='color:{FAIL_COLOUR}'>\u26a0</span> "
            f"{html.escape(result.problem)}</li>"
        )
    for check in result.checks:
        label = f" <em>({word('hidden', lang)})</em>" if check.hidden else ""
        detail = (
            ""
            if check.passed
            else f"<pre style='white-space:pre-wrap;margin:4px 0 0 0'>"
            f"{html.escape(localise_message(check.message, lang))}</pre>"
        )
        rows.append(
            f"<li class='mlkata-check' data-passed='{str(check.passed).lower()}'>"
            f"{_mark(check.passed, lang)} {html.escape(check.label(lang))}{label}{detail}</li>"
        )
    if result.stderr:
        lines = result.stderr.strip().splitlines()
        rows.append(
            f"<li class='mlkata-stderr'><details><summary>"
            f"{html.escape(word('stderr', lang, count=len(lines)))}"
            f"</summary><pre style='white-space:pre-wrap'>"
            f"{html.escape(chr(10).join(lines[-40:]))}</pre></details></li>"
        )
    return (
        f"<div class='mlkata-feedback' data-passed='{str(result.passed).lower()}' "
        f"style='border-left:4px solid {colour};padding:4px 10px'>"
        f"<strong>{html.escape(result.heading(lang))}</strong>: "
        f"<span style='color:{colour}'>{verdict}</span> "
        f"({html.escape(result.points_text(lang))})"
        f"<ul style='list-style:none;padding-left:0'>{''.join(rows)}</ul></div>"
    )


def exercise_text(result: ExerciseResult, lang: str = "en") -> str:
    lines = [f"{result.heading(lang)}: {result.points_text(lang)}"]
    if result.problem:
        lines.append(f"  ! {result.problem}")
    for check in result.checks:
        lines.append(f"  {'PASS' if check.passed else 'FAIL'} {check.label(lang)}")
        if not check.passed:
            message = localise_message(check.message, lang)
            lines.extend(f"       {line}" for line in message.splitlines())
    if result.stderr:
        count = len(result.stderr.strip().splitlines())
        lines.append(f"  ({word('stderr', lang, count=count)})")
    return "\n".join(lines)
