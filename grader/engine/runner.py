"""The authoritative grader: score a notebook by running its code in a sandbox and the
checks here, in a process the submission cannot reach.

Used by ``mlkata check`` and by the nbgrader preprocessor, so both give the same scores.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from nbformat import NotebookNode

from grader.engine import forkserver
from grader.engine.catalog import Track, load_tracks
from grader.engine.report import CheckResult, ExerciseResult, Report
from grader.engine.resources import build_seconds
from grader.engine.sandbox import seed_everything
from grader.engine.sandbox_client import (
    DEFAULT_MEMORY_MB,
    Sandbox,
    SandboxFault,
    template_environment,
)
from grader.engine.spec import REGISTERED_ENDPOINTS, Check, CheckFailure, Exercise
from grader.engine.student import SandboxStudent, Student
from grader.engine.submission import CodeToRun, code_to_run, read_notebook, track_of
from grader.errors import BadSubmission, MlkataError
from grader.preparation import prepare_track

SETUP_TIMEOUT_S = 180.0  # imports torch and transformers, may load a model
CELL_TIMEOUT_S = 30.0  # an exercise cell should only define functions

Progress = Callable[[str], None]


def _forbid_inspection_of_this_process() -> None:
    """Stop same-user processes (the sandbox) from reading or tracing the grader's memory."""
    if sys.platform.startswith("linux"):
        pr_set_dumpable = 4
        ctypes.CDLL(None).prctl(pr_set_dumpable, 0, 0, 0, 0)


class SandboxSession:
    """A sandbox with the submission's cells loaded, restarted and reloaded after a fault."""

    def __init__(
        self,
        code: CodeToRun,
        memory_mb: int,
        cell_timeout_s: float,
        hide: Sequence[str | Path] = (),
        visible: Sequence[str | Path] = (),
        loopback_ports: Sequence[int] = (),
    ) -> None:
        self.code = code
        self.cell_timeout_s = cell_timeout_s
        self.sandbox = Sandbox(memory_mb, hide, visible, loopback_ports)
        self.cell_errors: dict[str, str] = {}
        self.setup_error: str | None = None
        self._loaded = False
        self.startup_s = 0.0  # starting the sandbox and running the cells, restarts included
        self.sandbox_build_s = 0.0  # building resources inside the sandbox, as it reports

    def close(self) -> None:
        self.sandbox.close()

    def ensure_loaded(self) -> None:
        """Start the sandbox and run setup and exercise cells, skipping cells that failed."""
        while not (self._loaded and self.sandbox.alive) and self.setup_error is None:
            self._load()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self._start_and_run_cells()
        finally:
            self.startup_s += time.perf_counter() - started

    def _start_and_run_cells(self) -> None:
        self.sandbox.start()
        self._loaded = True
        for index, source in enumerate(self.code.setup):
            error = self._exec(source, f"setup {index + 1}", SETUP_TIMEOUT_S)
            if error and not self.sandbox.alive:
                self.setup_error = f"a setup cell broke the process: {error}"
                return
        for grade_id, source in self.code.exercise_cells.items():
            if grade_id in self.cell_errors:
                continue  # a cell that failed once is not run again
            error = self._exec(source, grade_id, self.cell_timeout_s)
            if error:
                self.cell_errors[grade_id] = error
            if not self.sandbox.alive:
                self._loaded = False
                return

    def _exec(self, source: str, label: str, timeout_s: float) -> str | None:
        try:
            reply = self.sandbox.request(
                {"op": "exec", "source": source, "label": label}, timeout_s
            )
        except SandboxFault as fault:
            return f"running the cell failed: {fault}"
        return None if reply["ok"] else f"the cell raised {reply.get('error')}"


class SessionStudent(SandboxStudent):
    """A sandbox student that reloads the submission if an earlier check killed it."""

    def __init__(self, session: SandboxSession, timeout_s: float) -> None:
        super().__init__(session.sandbox, timeout_s)
        self.session = session

    def _request(self, function: str, args: tuple, kwargs: dict) -> tuple[str, dict]:
        self.session.ensure_loaded()  # for call and raises alike
        description, reply = super()._request(function, args, kwargs)
        build_s = reply.get("build_s")
        if isinstance(build_s, float) and 0 <= build_s < 3600:  # untrusted: timing only
            self.session.sandbox_build_s += build_s
        return description, reply


def run_check(check: Check, student: Student, timeout_cap_s: float | None = None) -> CheckResult:
    seed_everything(check.seed)
    student.seed = check.seed
    if isinstance(student, SandboxStudent):
        student.timeout_s = min(check.timeout_s, timeout_cap_s or check.timeout_s)
    try:
        check.function(student)
    except CheckFailure as failure:
        return CheckResult.of(check, False, str(failure))
    except MlkataError as error:  # the check's own set-up failed (a server, a model)
        return CheckResult.of(check, False, f"not run: {error}")
    except Exception as error:  # the check tripped over an unexpected return value
        message = f"the check could not use what came back: {type(error).__name__}: {error}"
        return CheckResult.of(check, False, message[:600])
    return CheckResult.of(check, True)


def loopback_ports(track: str, progress: Progress | None = None) -> list[int]:
    """The host loopback ports the track's checks hand to learner code, their services
    started; none when one cannot start (its checks then fail, saying why)."""
    load_tracks()  # registers each track's endpoints with its checks
    endpoints = REGISTERED_ENDPOINTS.get(track)
    if endpoints is None:
        return []
    if progress:
        progress("starting the services the checks use")
    try:
        return endpoints()
    except MlkataError:
        return []


def grade_notebook(
    notebook: NotebookNode,
    *,
    path: str | Path | None = None,
    include_hidden: bool = True,
    memory_mb: int = DEFAULT_MEMORY_MB,
    cell_timeout_s: float = CELL_TIMEOUT_S,
    check_timeout_cap_s: float | None = None,
    progress: Progress | None = None,
    hide: Sequence[str | Path] = (),
    only: Sequence[str] = (),
) -> Report:
    """Score every exercise of the notebook's track; a broken exercise scores 0 with a reason.

    ``cell_timeout_s`` bounds each exercise cell's top-level code; each check has its own
    timeout, which ``check_timeout_cap_s`` can lower (tests use it to keep hangs short).
    ``hide`` names folders the submission's code must not see (a course root). ``only``
    names exercises to grade, all checks of each, leaving the others out of the report.
    """
    _forbid_inspection_of_this_process()
    started = time.perf_counter()
    forkserver.template().warm_up(template_environment())  # imports while we prepare
    built_before = build_seconds()
    track_name = track_of(notebook, path)
    if track_name is None:
        raise BadSubmission(f"{path or 'notebook'}: no mlkata exercises found in this notebook")
    track = load_tracks()[track_name]
    chosen = _chosen_exercises(track, only)
    solution_ids = {exercise.solution_grade_id for exercise in track.exercises}
    code = code_to_run(notebook, solution_ids)
    if progress:
        progress("preparing the track's models")
    prepare_started = time.perf_counter()
    cached = prepare_track(track_name)  # here, because the sandbox sees the cache read-only
    prepare_s = time.perf_counter() - prepare_started
    session = SandboxSession(
        code, memory_mb, cell_timeout_s, hide, cached, loopback_ports(track_name, progress)
    )
    results = []
    try:
        if session.code.exercise_cells:
            if progress:
                progress("loading the submission")
            session.ensure_loaded()
        for exercise in chosen:
            results.append(
                _grade_exercise(exercise, session, include_hidden, check_timeout_cap_s, progress)
            )
    finally:
        session.close()
    report = Report(str(path or track.notebook), results)
    total_s = time.perf_counter() - started
    model_s = build_seconds() - built_before + session.sandbox_build_s + prepare_s
    report.timings = {
        "total_s": total_s,
        "sandbox_startup_s": session.startup_s,  # process start, imports, setup and cells
        "model_load_s": model_s,  # resources built on both sides of the sandbox
        "checks_s": max(total_s - session.startup_s - model_s, 0.0),  # the rest
    }
    return report


def _chosen_exercises(track: Track, only: Sequence[str]) -> list[Exercise]:
    """The track's exercises named in ``only`` (all when empty), or a one-line error."""
    from grader.errors import did_you_mean

    known = {exercise.id: exercise for exercise in track.exercises}
    for exercise_id in only:
        if exercise_id not in known:
            raise MlkataError(
                f"no exercise {exercise_id!r} in this {track.name} notebook"
                f"{did_you_mean(exercise_id, known)}: its exercises are {', '.join(known)}"
            )
    return [exercise for exercise in track.exercises if not only or exercise.id in only]


def _grade_exercise(
    exercise: Exercise,
    session: SandboxSession,
    include_hidden: bool,
    timeout_cap_s: float | None,
    progress: Progress | None,
) -> ExerciseResult:
    checks = exercise.checks if include_hidden else exercise.public_checks()
    result = ExerciseResult.of(exercise, sum(c.points for c in checks))
    grade_id = exercise.solution_grade_id
    if session.setup_error:
        result.problem = session.setup_error
    elif grade_id not in session.code.exercise_cells:
        result.problem = "exercise cell not found: it was deleted or its metadata was changed"
    elif grade_id in session.cell_errors:
        result.problem = session.cell_errors[grade_id]
    if result.problem:
        result.checks = [CheckResult.of(c, False, "not run") for c in checks]
        return result
    for check in checks:
        if progress:
            progress(f"{exercise.id}: {check.name}")
        student = SessionStudent(session, check.timeout_s)
        result.checks.append(run_check(check, student, timeout_cap_s))
    return result


def grade_path(path: str | Path, **options: object) -> Report:
    return grade_notebook(read_notebook(path), path=path, **options)  # type: ignore[arg-type]
