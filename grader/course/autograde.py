"""`mlkata course autograde`: grade every submission of an assignment, in parallel,
resumably, into nbgrader's own gradebook.

Each submission is graded by nbgrader's own `autograde --student S` (so the gradebook,
`nbgrader export` and the formgrader see the result), run as a separate process. A missing
or unreadable notebook, on which nbgrader would stop, is first replaced by a marked stand-in
that scores 0 with the reason as its feedback (``grader.course.faults``). Those
processes run on a local pool by default, or on a Dask distributed cluster given its
scheduler address. A submission whose files have not changed since it was graded is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.course.faults import substitute
from grader.course.ledger import Ledger, fingerprint
from grader.course.nbgrader_cli import last_error_line, require_course, run_nbgrader
from grader.errors import MlkataError

LOCK_RETRIES = 3


@dataclass
class Outcome:
    student: str
    ok: bool
    seconds: float
    fingerprint: str
    message: str = ""
    not_graded: bool = False  # recorded with 0 points: a missing or unreadable notebook


def grade_one(course: str, assignment: str, student: str) -> dict[str, object]:
    """Autograde one submission with nbgrader; runs on a pool thread or a Dask worker."""
    root = Path(course)
    started = time.perf_counter()
    # A missing or unreadable notebook would stop nbgrader: grade a marked stand-in instead.
    faults = substitute(root, assignment, student)
    print_ = fingerprint(root / "submitted" / student / assignment)
    for attempt in range(LOCK_RETRIES):
        done = run_nbgrader(root, "autograde", assignment, "--student", student, "--force")
        output = done.stdout + done.stderr
        if done.returncode == 0 or "database is locked" not in output:
            break
        time.sleep(1 + attempt)  # another submission was writing the gradebook
    message = "; ".join(faults) if done.returncode == 0 else last_error_line(done)
    seconds = time.perf_counter() - started
    outcome = Outcome(student, done.returncode == 0, seconds, print_, message, bool(faults))
    return asdict(outcome)


def submissions(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir())


def pending(course: Path, assignment: str, retry_failed: bool = False) -> tuple[list[str], int]:
    """Students still to grade, and how many are already done with unchanged files.

    A submission nbgrader failed on is done too, until its files change or
    ``retry_failed`` asks for another try.
    """
    done = Ledger(course, assignment).entries()
    todo = []
    for student in submissions(course, assignment):
        entry = done.get(student)
        current = fingerprint(course / "submitted" / student / assignment)
        stale = not entry or entry.get("fingerprint") != current
        if stale or (retry_failed and not entry.get("ok")):  # type: ignore[union-attr]
            todo.append(student)
    return todo, len(submissions(course, assignment)) - len(todo)


def _local(course: Path, assignment: str, students: list[str], workers: int) -> Iterator[dict]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(grade_one, str(course), assignment, s) for s in students]
        for future in as_completed(futures):
            yield future.result()


def _dask(course: Path, assignment: str, students: list[str], scheduler: str) -> Iterator[dict]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="20s")
    except OSError as error:
        raise MlkataError(f"no Dask scheduler answers at {scheduler}: {error}") from None
    with client:
        futures = client.map(
            grade_one,
            [str(course)] * len(students),
            [assignment] * len(students),
            students,
            pure=False,
        )
        for future in dask_completed(futures):
            yield future.result()


def autograde(
    course: Path,
    assignment: str,
    workers: int = 2,
    scheduler: str | None = None,
    on_result: Callable[[dict, int, int], None] | None = None,
    retry_failed: bool = False,
) -> list[dict]:
    """Grade the pending submissions; each result is recorded in the ledger as it arrives."""
    require_course(course)
    if not (course / "source" / assignment).is_dir():
        raise MlkataError(f"no assignment {assignment!r} in {course / 'source'}")
    if workers < 1:
        raise MlkataError(f"--workers must be at least 1, not {workers}")
    students, _ = pending(course, assignment, retry_failed)
    ledger = Ledger(course, assignment)
    results = []
    stream = (
        _dask(course, assignment, students, scheduler)
        if scheduler
        else _local(course, assignment, students, workers)
    )
    for result in stream:
        ledger.record({"assignment": assignment, **result})
        results.append(result)
        if on_result:
            on_result(result, len(results), len(students))
    return results
