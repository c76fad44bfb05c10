"""Run an nbgrader course made from the question bank.

  mlkata course init DIR                       one assignment per topic, ready for nbgrader
  mlkata course autograde ASSIGNMENT [--workers N] [--scheduler tcp://HOST:PORT]
  mlkata course export ASSIGNMENT [--out ASSIGNMENT.csv]

autograde grades every submission with nbgrader's own autograde, several at a time
(nbgrader alone does one at a time), on a local pool or a Dask cluster. Results go into
nbgrader's gradebook; a run killed at any moment resumes where it stopped. A missing or
unreadable notebook is recorded with 0 points and the reason (see grader.course.faults).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create a course folder",
        description="Create an nbgrader course in FOLDER: one assignment per topic, made from "
        "the exercise notebooks, with the gradebook, nbgrader_config.py and release/ ready.",
    )
    init.add_argument("folder", type=Path, help="the course folder to create")
    init.add_argument(
        "--force", action="store_true", help="refresh the sources of an existing course"
    )
    grade = actions.add_parser(
        "autograde",
        help="grade every submission, in parallel, resumably",
        description="Grade every submission of ASSIGNMENT in submitted/STUDENT/ASSIGNMENT/ with "
        "nbgrader's autograde, several at a time, into the gradebook. A run killed at any "
        "moment resumes where it stopped; unchanged submissions are not graded again. Ends "
        "with each student's score.",
    )
    grade.add_argument("assignment", help="an assignment (a topic), e.g. bert")
    grade.add_argument(
        "--course", type=Path, default=Path.cwd(), help="course folder (default: here)"
    )
    grade.add_argument("--workers", type=int, default=2, help="submissions at a time (default 2)")
    grade.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    grade.add_argument(
        "--retry-failed",
        action="store_true",
        help="grade again submissions nbgrader failed on, even if unchanged",
    )
    export = actions.add_parser(
        "export",
        help="per-exercise grades as CSV",
        description="Write ASSIGNMENT's grades from the gradebook as CSV: one row per "
        "submission with student, score, max_score and one column per exercise.",
    )
    export.add_argument("assignment", help="an assignment (a topic), e.g. bert")
    export.add_argument(
        "--course", type=Path, default=Path.cwd(), help="course folder (default: here)"
    )
    export.add_argument(
        "--out", type=Path, help="the CSV file to write (default: ASSIGNMENT.csv, e.g. bert.csv)"
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "init":
        from grader.course.init import init_course

        names = init_course(args.folder, args.force)
        print(f"course ready in {args.folder}: assignments {', '.join(names)}")
        print(
            f"next: put submissions in {args.folder}/submitted/STUDENT/ASSIGNMENT/, then "
            f"`mlkata course autograde ASSIGNMENT --course {args.folder}`"
        )
        return 0
    if args.action == "export":
        from grader.course.export import default_out, export_csv

        out = args.out or default_out(args.assignment)
        count = export_csv(args.course.resolve(), args.assignment, out)
        print(f"wrote {count} rows to {out}")
        return 0
    return _autograde(args)


def _autograde(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from grader.course.autograde import autograde, check_request, pending

    course = args.course.resolve()
    check_request(course, args.assignment, args.workers)  # before any output
    has_submissions = (course / "submitted").exists()
    todo, done = pending(course, args.assignment, args.retry_failed) if has_submissions else ([], 0)
    console = Console(stderr=True)
    console.print(f"{len(todo)} submissions to grade, {done} already graded and unchanged")
    failures, not_graded = [], []
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("autograding", total=len(todo))

        def show(result: dict, count: int, total: int) -> None:
            progress.update(
                task, completed=count, description=f"autograding (last: {result['student']})"
            )
            if not result["ok"]:
                failures.append(result)
            elif result.get("not_graded"):
                not_graded.append(result)

        autograde(course, args.assignment, args.workers, args.scheduler, show, args.retry_failed)
    for result in not_graded:
        console.print(f"[yellow]0 points[/] {result['student']}: {escape(result['message'])}")
    for failure in failures:
        console.print(f"[red]failed[/] {failure['student']}: {failure['message']}")
    notes = {r["student"]: "0 points: see above" for r in not_graded}
    notes.update({f["student"]: "nbgrader failed: see above" for f in failures})
    _print_summary(console, course, args.assignment, notes)
    return 1 if failures else 0


def _print_summary(console: Console, course: Path, assignment: str, notes: dict[str, str]) -> None:
    """Each student's score from the gradebook, once grading is over."""
    from rich.table import Table

    from grader.course.export import gradebook_rows

    rows, _ = gradebook_rows(course, assignment)
    if not rows:
        return
    table = Table(title=f"{assignment}: {len(rows)} students")
    table.add_column("student", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("note")
    for row in rows:
        score = f"{row['score']:g} / {row['max_score']:g}"
        table.add_row(str(row["student"]), score, notes.get(str(row["student"]), ""))
    console.print(table)
