"""What a learner calls in a notebook: ``check``, ``hint``, ``reveal`` and ``solution``.

``check`` runs an exercise's public checks in the kernel for instant feedback. It is
advisory: the learner's code shares this process and could fool it. The authoritative
score comes from ``mlkata check`` and nbgrader, which run checks outside the submission's
process (see docs/grading-design.md).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from grader.bank import LANGUAGES, answer_markdown, get_question
from grader.engine.outline import get_outline
from grader.errors import MlkataError

_hints_shown: dict[str, int] = {}


class ChecksFailed(AssertionError):
    """Raised by ``check`` so the cell is marked failed; shown as one line, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{self}\x1b[0m"]


def _language(lang: str | None) -> str | None:
    chosen = lang or os.environ.get("MLKATA_LANG") or None
    if chosen is not None and chosen not in LANGUAGES:
        raise MlkataError(f"unknown language {chosen!r}: use one of {', '.join(LANGUAGES)}")
    return chosen


def _user_namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    return sys._getframe(2).f_globals


def _show(html: str, text: str, markdown: bool = False) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML, Markdown, display
    except ImportError:
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text) if markdown else HTML(html))


@contextlib.contextmanager
def _stderr_captured() -> Iterator[io.StringIO]:
    """Collect what runs inside writes to stderr, logging handlers included.

    nbgrader's Validate (and its autograder) marks a cell that wrote to stderr as failed, so a
    library warning raised by correct code (transformers warns about ``use_cache`` under
    gradient checkpointing, for example) would fail a passing check. The text is kept and
    shown inside the feedback instead.
    """
    buffer = io.StringIO()
    streams = {id(sys.stderr), id(sys.__stderr__)}
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    swapped: list[tuple[logging.StreamHandler, Any]] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and id(handler.stream) in streams:
                swapped.append((handler, handler.setStream(buffer)))
    try:
        with contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


def check(exercise_id: str, lang: str | None = None) -> None:
    """Run the public checks of ``exercise_id`` on the functions defined in this notebook.

    The feedback is in ``lang`` ("en" or "zh"; default ``$MLKATA_LANG``, else English).
    Returns nothing (a value would print under the cell); raises ``ChecksFailed`` so the
    cell shows as failed when any check fails.
    """
    # the checks (and torch) load here, not on import: hint() and reveal() stay fast
    from grader.engine.catalog import get_exercise
    from grader.engine.report import ExerciseResult, exercise_html, exercise_text
    from grader.engine.runner import run_check
    from grader.engine.student import LocalStudent
    from grader.wording import chosen_language, word

    language = chosen_language(lang)
    exercise = get_exercise(exercise_id)
    student = LocalStudent(_user_namespace())
    result = ExerciseResult.of(exercise, 0.0)
    with _stderr_captured() as stderr:
        for public in exercise.public_checks():
            result.max_score += public.points
            result.checks.append(run_check(public, student))
    result.stderr = stderr.getvalue()
    result.hidden_points = exercise.points - result.max_score
    _show(exercise_html(result, language), exercise_text(result, language))
    from grader.mock.history import record_exercise_run

    # stdout, not stderr: nbgrader's Validate fails a cell that writes to stderr
    record_exercise_run(
        exercise.id,
        exercise.track,
        result.score,
        result.max_score,
        result.passed,
        "notebook",
        warn=lambda message: print(f"mlkata: {message}"),
    )
    if result.passed:
        from grader.engine.reference import passed_here

        passed_here.add(exercise.id)
    if not result.passed:
        failed = sum(not c.passed for c in result.checks)
        raise ChecksFailed(
            word("checks failed", language, id=exercise.id, failed=failed, total=len(result.checks))
        )


def hint_markdown(exercise_id: str, number: int | None = None, lang: str | None = None) -> str:
    """The next hint for an exercise (or hint ``number``, counting from 1), as Markdown; it
    counts as shown."""
    exercise = get_outline(exercise_id)
    total = len(exercise.hints)
    if number is None:
        number = min(_hints_shown.get(exercise_id, 0) + 1, total)
    if not 1 <= number <= total:
        raise MlkataError(f"{exercise_id} has hints 1 to {total}, not {number}")
    _hints_shown[exercise_id] = max(_hints_shown.get(exercise_id, 0), number)
    chosen = _language(lang)
    langs = LANGUAGES if chosen is None else (chosen,)
    return "\n\n".join(
        f"**Hint {number}/{total}** ({code}): {exercise.hints[number - 1][code]}" for code in langs
    )


def hint(exercise_id: str, number: int | None = None, lang: str | None = None) -> None:
    """Show the next hint for an exercise (or hint ``number``, counting from 1).

    Returns nothing: a returned string would be echoed under the cell a second time, raw.
    """
    _show("", hint_markdown(exercise_id, number, lang), markdown=True)


def solution(exercise_id: str, force: bool = False) -> None:
    """Show the reference solution of an exercise you have passed here (``force=True``: even
    if not), with a note on how it differs from yours."""
    import inspect

    from grader.engine.reference import solution_markdown

    outline = get_outline(exercise_id)
    namespace = _user_namespace()
    yours = []
    for name in outline.functions:
        try:
            yours.append(inspect.getsource(namespace[name]))
        except (KeyError, TypeError, OSError):
            continue
    _show("", solution_markdown(exercise_id, "\n\n".join(yours) or None, force), markdown=True)


def reveal(question_id: str, lang: str | None = None) -> None:
    """Show the model answer and key points of a theory question, after you have answered.

    Returns nothing, like ``hint``, so the answer is shown once, rendered.
    """
    _show("", answer_markdown(get_question(question_id), _language(lang)), markdown=True)
