"""Run nbgrader's own commands in a course folder, as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.errors import MlkataError


def nbgrader_environment() -> dict[str, str]:
    """nbgrader runs `alembic` by name, so this environment's bin folder goes on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_nbgrader(
    course: Path, *args: str, timeout_s: float = 3600
) -> subprocess.CompletedProcess[str]:
    """``nbgrader ARGS`` in the course folder, with this environment's Python."""
    return run_in_course(course, "nbgrader", *args, timeout_s=timeout_s)


def run_in_course(
    course: Path, module: str, *args: str, timeout_s: float = 3600
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` in the course folder, where nbgrader finds its config."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def last_error_line(done: subprocess.CompletedProcess[str]) -> str:
    return last_error_line_of(done.stderr + done.stdout)


def last_error_line_of(output: str) -> str:
    """The last line of nbgrader's output that names an error, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return (errors or lines or ["no output"])[-1][:300]


def require_course(course: Path) -> None:
    if not (course / "nbgrader_config.py").exists():
        raise MlkataError(
            f"{course} is not a course folder (no nbgrader_config.py): "
            "create one with `mlkata course init DIR`"
        )
