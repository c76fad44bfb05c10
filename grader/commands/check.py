"""Score a completed notebook the authoritative way.

The notebook's exercise cells run in a separate sandbox process; every check, hidden ones
included, runs here, out of the submission's reach. Prints a per-exercise table, or with
--json one object: score, max_score and exercises (id, score, max_score, passed, messages).
With --exercise ID, only that exercise is graded (its hidden checks too): much faster than
the whole notebook.
Exit status: 0 when everything passed, 1 when some check failed, 2 for unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.engine.limits import DEFAULT_MEMORY_MB
from grader.engine.outline import LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the .ipynb notebook to score")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the feedback: en or zh (default: $MLKATA_LANG, else en)",
    )
    parser.add_argument(
        "--exercise",
        action="append",
        default=[],
        metavar="ID",
        help="grade only this exercise, hidden checks included (repeatable), e.g. bert.encode",
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=DEFAULT_MEMORY_MB,
        help=f"memory cap for the submission's process (default {DEFAULT_MEMORY_MB})",
    )
    parser.add_argument(
        "--hide",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder the submission's code must not see, such as other submissions "
        "(repeatable; needs the isolation that `mlkata doctor` reports)",
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from grader.engine.runner import grade_path
    from grader.engine.submission import read_notebook
    from grader.wording import chosen_language

    lang = chosen_language(args.lang)
    read_notebook(args.path)  # fail fast, in one line, on a bad path or file
    err = Console(stderr=True)
    if args.json or not sys.stderr.isatty():
        report = grade_path(args.path, memory_mb=args.memory_mb, hide=args.hide, only=args.exercise)
    else:
        with err.status("grading") as status:
            report = grade_path(
                args.path,
                memory_mb=args.memory_mb,
                hide=args.hide,
                only=args.exercise,
                progress=lambda step: status.update(f"grading · {step}"),
            )
    _record(report)
    if args.json:
        print(json.dumps(report.to_json(lang), ensure_ascii=False, indent=2))
    else:
        print_table(report, lang)
    return 0 if report.score == report.max_score else 1


def _record(report) -> None:
    """Each graded exercise's result, for `mlkata progress`."""
    from grader.mock.history import record_exercise_run

    for exercise in report.exercises:
        topic = exercise.id.split(".")[0]
        record_exercise_run(
            exercise.id, topic, exercise.score, exercise.max_score, exercise.passed, "mlkata check"
        )


def print_table(report, lang: str = "en") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from grader.wording import word

    total = word("points", lang, score=f"{report.score:g}", max=f"{report.max_score:g}")
    table = Table(title=f"{report.notebook}: {total}")
    table.add_column(word("exercise", lang))
    table.add_column(word("score", lang), justify="right")
    table.add_column(word("result", lang))
    table.add_column(word("messages", lang), overflow="fold")
    for exercise in report.exercises:
        verdict = (
            f"[green]{word('passed', lang)}[/]"
            if exercise.passed
            else f"[red]{word('failed', lang)}[/]"
        )
        table.add_row(
            exercise.id,
            f"{exercise.score:g}/{exercise.max_score:g}",
            verdict,
            escape("\n".join(exercise.messages_in(lang))),
        )
    Console().print(table)
