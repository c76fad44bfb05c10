"""Run an nbgrader course made from the question bank.

  mlkata course init DIR                       one assignment per topic, ready for nbgrader
  mlkata course autograde ASSIGNMENT [--workers N] [--scheduler tcp://HOST:PORT]
  mlkata course export ASSIGNMENT [--out grades.csv]

autograde grades every submission with nbgrader's own autograde, several at a time
(nbgrader alone does one at a time), on a local pool or a Dask cluster. Results go into
nbgrader's gradebook; a run killed at any moment resumes where it stopped. A missing or
unreadable notebook is recorded with 0 points and the reason (see grader.course.faults).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create a course folder")
    init.add_argument("folder", type=Path)
    init.add_argument(
        "--force", action="store_true", help="refresh the sources of an existing course"
    )
    grade = actions.add_parser("autograde", help="grade every submission, in parallel, resumably")
    grade.add_argument("assignment")
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
    export = actions.add_parser("export", help="per-exercise grades as CSV")
    export.add_argument("assignment")
    export.add_argument(
        "--course", type=Path, default=Path.cwd(), help="course folder (default: here)"
    )
    export.add_argument("--out", type=Path, default=Path("grades-by-exercise.csv"))


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
        from grader.course.export import export_csv

        count = export_csv(args.course.resolve(), args.assignment, args.out)
        print(f"wrote {count} rows to {args.out}")
        return 0
    return _autograde(args)


def _autograde(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from grader.course.autograde import autograde, pending

    course = args.course.resolve()
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
    return 1 if failures else 0
