"""A warm grading process: nbgrader's own autograde, in-process, one submission after another.

`nbgrader autograde --student S` as a new process for every submission grades each one
cold: nbgrader starts, the course config loads, the trusted side imports torch, builds its
models and reference results, and the sandbox template imports everything again. A worker
does that once. It calls nbgrader's API (what the formgrader's Autograde button calls) for
each student it is handed, so the gradebook, `nbgrader export` and the formgrader see the
same results as from the command line.

What stays warm is only trusted: models and tokenizers built from the tracks' recipes,
reference results computed from them, imported modules, the model server and the sandbox
template. Submission code only ever runs in its own freshly forked sandbox, and the
resources a check hands to learner code, or loads a returned state into, are fresh copies
(``@resource(..., fresh=True)``), so one submission cannot change what the next is graded
against (``tests/test_course.py`` grades a poisoning submission between two identical ones).

``grade_in_process`` serves the Dask path too: a Dask worker is a long-lived process, so the
same per-process cache makes it warm. Grading is serialised per process (the checks seed
the process-wide random generators), so give Dask workers one thread each.

Run as ``python -m grader.course.worker COURSE ASSIGNMENT``: it reads one student id per
line on stdin and writes one JSON outcome per line on the stdout it started with; anything
else printed goes to stderr.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LOCK_RETRIES = 3
_grading = threading.Lock()


@dataclass
class Outcome:
    student: str
    ok: bool
    seconds: float
    fingerprint: str
    message: str = ""
    not_graded: bool = False  # recorded with 0 points: a missing or unreadable notebook


@functools.cache
def nbgrader_api(course: str) -> Any:
    """nbgrader's API for the course, its config read once per process."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    if "root" not in config.get("CourseDirectory", {}):
        config.CourseDirectory.root = course  # as the CLI assumes, run in the course
    return NbGraderAPI(config=config)


def grade_in_process(course: str, assignment: str, student: str) -> dict[str, object]:
    """Autograde one submission with nbgrader's API in this (warm) process."""
    from grader.course.faults import substitute
    from grader.course.ledger import fingerprint
    from grader.course.nbgrader_cli import last_error_line_of

    with _grading:
        root = Path(course)
        started = time.perf_counter()
        # A missing or unreadable notebook would stop nbgrader: grade a marked stand-in.
        faults = substitute(root, assignment, student)
        print_ = fingerprint(root / "submitted" / student / assignment)
        api = nbgrader_api(str(root.resolve()))
        for attempt in range(LOCK_RETRIES):
            result = api.autograde(assignment, student, force=True, create=True)
            output = f"{result.get('log', '')}\n{result.get('error', '')}"
            if result["success"] or "database is locked" not in output:
                break
            time.sleep(1 + attempt)  # another worker was writing the gradebook
        ok = bool(result["success"])
        message = "; ".join(faults) if ok else last_error_line_of(output)
        seconds = time.perf_counter() - started
        return asdict(Outcome(student, ok, seconds, print_, message, bool(faults)))


def main() -> int:
    course, assignment = sys.argv[1], sys.argv[2]
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # nbgrader's and the checks' prints must never reach the channel
    sys.stdout = sys.stderr
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        try:
            outcome = grade_in_process(course, assignment, student)
        except Exception as error:  # nbgrader itself failed: this submission's row says so
            outcome = asdict(Outcome(student, False, 0.0, "", f"{type(error).__name__}: {error}"))
        channel.write(json.dumps(outcome) + "\n")
        channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
