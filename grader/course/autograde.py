"""`mlkata course autograde`: grade every submission of an assignment, in parallel,
resumably, into nbgrader's own gradebook.

Each submission is graded by nbgrader's own autograde (so the gradebook, `nbgrader export`
and the formgrader see the result), in a **warm worker process** that grades one submission
after another (``grader.course.worker``): nbgrader, the course config, the trusted models and
reference results and the sandbox template are loaded once per worker, not once per
submission. A missing or unreadable notebook, on which nbgrader would stop, is first
replaced by a marked stand-in that scores 0 with the reason as its feedback
(``grader.course.faults``). The workers are local processes by default, or the worker
processes of a Dask distributed cluster given its scheduler address. Every finished
submission is recorded in the fsync'd ledger as it arrives, so a run killed at any moment
loses nothing recorded; a submission whose files have not changed since it was graded is
skipped, and a worker that dies costs only the submission it was grading (with the reason),
then is replaced.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO

from grader.children import dies_with_parent
from grader.course.ledger import Ledger, fingerprint
from grader.course.nbgrader_cli import nbgrader_environment, require_course
from grader.course.worker import Outcome, grade_in_process
from grader.errors import MlkataError


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


class WorkerProcess:
    """One warm `python -m grader.course.worker` child, handed one student at a time."""

    def __init__(self, course: Path, assignment: str, log: Path, threads: int) -> None:
        self.course, self.assignment, self.log_path = course, assignment, log
        self.env = nbgrader_environment()
        # Workers share the cores: torch in each (and in its sandboxes) takes its share only.
        self.env.setdefault("OMP_NUM_THREADS", str(threads))
        self.process: subprocess.Popen[str] | None = None
        self.start()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.course.worker", str(self.course), self.assignment],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=self.course,
                env=self.env,
                preexec_fn=dies_with_parent(),  # and it stops at end of input anyway
            )

    def grade(self, student: str) -> dict[str, object]:
        """Grade one submission; a worker that dies doing it is reported, then replaced."""
        assert self.process and self.process.stdin and self.process.stdout
        try:
            self.process.stdin.write(student + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except OSError:
            line = ""
        if line:
            return json.loads(line)
        code = self.process.wait()
        self.start()
        reason = f"the grading process died (exit code {code}; log in {self.log_path})"
        return asdict(Outcome(student, False, 0.0, "", reason))

    def close(self) -> None:
        if self.process is None:
            return
        streams: list[IO[str] | None] = [self.process.stdin, self.process.stdout]
        for stream in streams:
            if stream:
                stream.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _local(course: Path, assignment: str, students: list[str], workers: int) -> Iterator[dict]:
    todo: queue.Queue[str] = queue.Queue()
    for student in students:
        todo.put(student)
    done: queue.Queue[dict] = queue.Queue()
    logs = course / ".mlkata"
    count = min(workers, len(students))
    threads = max(1, (os.cpu_count() or 1) // count)
    pool = [
        WorkerProcess(course, assignment, logs / f"worker-{i}.log", threads) for i in range(count)
    ]

    def feed(worker: WorkerProcess) -> None:
        while True:
            try:
                student = todo.get_nowait()
            except queue.Empty:
                return
            done.put(worker.grade(student))

    feeders = [threading.Thread(target=feed, args=(w,), daemon=True) for w in pool]
    for feeder in feeders:
        feeder.start()
    try:
        for _ in students:
            yield done.get()
    finally:
        for feeder in feeders:
            feeder.join(timeout=1)
        for worker in pool:
            worker.close()


def _dask(course: Path, assignment: str, students: list[str], scheduler: str) -> Iterator[dict]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="20s")
    except OSError as error:
        raise MlkataError(f"no Dask scheduler answers at {scheduler}: {error}") from None
    with client:
        futures = client.map(
            grade_in_process,
            [str(course)] * len(students),
            [assignment] * len(students),
            students,
            pure=False,
        )
        for future in dask_completed(futures):
            yield future.result()


def check_request(course: Path, assignment: str, workers: int) -> None:
    """A one-line error for a folder that is not a course, an unknown assignment (naming the
    course's assignments) or a bad worker count, before any work starts."""
    from grader.errors import did_you_mean

    require_course(course)
    if not (course / "source" / assignment).is_dir():
        known = sorted(p.name for p in (course / "source").iterdir() if p.is_dir())
        raise MlkataError(
            f"no assignment {assignment!r} in {course / 'source'}"
            f"{did_you_mean(assignment, known)}: the course has {', '.join(known) or 'none'}"
        )
    if workers < 1:
        raise MlkataError(f"--workers must be at least 1, not {workers}")


def autograde(
    course: Path,
    assignment: str,
    workers: int = 2,
    scheduler: str | None = None,
    on_result: Callable[[dict, int, int], None] | None = None,
    retry_failed: bool = False,
) -> list[dict]:
    """Grade the pending submissions; each result is recorded in the ledger as it arrives."""
    check_request(course, assignment, workers)
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
