"""Helpers for the per-track exercise tests: namespaces and running every check."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.engine.catalog import get_exercise
from grader.engine.report import CheckResult
from grader.engine.runner import run_check
from grader.engine.student import LocalStudent
from grader.paths import REPO_DIR
from tests.submissions import student_notebook


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_namespace(notebook: str) -> dict[str, Any]:
    """A fresh copy of a track's reference solutions run as one notebook namespace: the
    functions' globals are this dict, so replacing one function changes what the others call."""
    path = REPO_DIR / "solutions" / f"{notebook}.py"
    namespace: dict[str, Any] = {"__name__": f"{notebook}_reference"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def stub_namespace(track: str) -> dict[str, Any]:
    """The untouched learner notebook's setup and exercise cells, executed."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in student_notebook(track).cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (nbgrader.get("solution") or "mlkata" in cell.metadata):
            exec(compile(cell.source, "<stub>", "exec"), namespace)
    return namespace


def run_all_checks(exercise_id: str, namespace: dict[str, Any]) -> list[CheckResult]:
    """Every check of the exercise, hidden ones included, against ``namespace``."""
    student = LocalStudent(namespace)
    return [run_check(check, student) for check in get_exercise(exercise_id).checks]
