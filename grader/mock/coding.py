"""Grading a coding answer with the exercise's own checks, hidden ones included.

The learner's code (a .py file, or a notebook whose exercise cell or code cells hold the
functions) becomes the exercise cell of a notebook built from the track's learner notebook
(its setup cells), and ``grader.engine.runner.grade_notebook`` scores it: the code runs in
the sandbox, the checks run here, exactly as in ``mlkata check``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.engine.catalog import get_exercise, load_tracks
from grader.engine.submission import grade_id, is_setup, read_notebook
from grader.errors import MlkataError
from grader.paths import REPO_DIR


@dataclass
class CodingScore:
    fraction: float
    points: float
    max_points: float
    messages: list[str] = field(default_factory=list)
    # each check: {"name", "points", "passed", "hidden", "message"}, as the runner reports it
    checks: list[dict] = field(default_factory=list)


def learner_notebook_path(track: str) -> Path:
    return REPO_DIR / "exercises" / f"{load_tracks()[track].notebook}.ipynb"


def setup_cells(track: str) -> list[nbformat.NotebookNode]:
    notebook = read_notebook(learner_notebook_path(track))
    return [cell for cell in notebook.cells if cell.cell_type == "code" and is_setup(cell)]


def stub_cell(exercise_id: str) -> nbformat.NotebookNode:
    exercise = get_exercise(exercise_id)
    for cell in read_notebook(learner_notebook_path(exercise.track)).cells:
        if grade_id(cell) == exercise.solution_grade_id:
            return cell
    raise MlkataError(f"{exercise_id}: no exercise cell in the learner notebook")


def read_code(path: Path, exercise_id: str) -> str:
    """The learner's code for an exercise from a .py file or a notebook."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MlkataError(f"{path}: no such file")
    if path.suffix == ".py":
        return path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        raise MlkataError(f"{path}: give a .py file or a .ipynb notebook")
    notebook = read_notebook(path)
    wanted = get_exercise(exercise_id).solution_grade_id
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code:
        if grade_id(cell) == wanted:
            return _source(cell)
    return "\n\n".join(_source(c) for c in code if not is_setup(c))


def _source(cell: nbformat.NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def grade_code(exercise_id: str, code: str, memory_mb: int | None = None) -> CodingScore:
    """Score ``code`` on every check of the exercise, in the sandbox."""
    from grader.engine.runner import grade_notebook

    exercise = get_exercise(exercise_id)
    cell = new_code_cell(code, metadata={"nbgrader": {"grade_id": exercise.solution_grade_id}})
    notebook = new_notebook(cells=[*setup_cells(exercise.track), cell])
    notebook.metadata["mlkata"] = {"track": exercise.track}
    options = {} if memory_mb is None else {"memory_mb": memory_mb}
    report = grade_notebook(notebook, path=f"mock:{exercise_id}", **options)
    result = next(r for r in report.exercises if r.id == exercise_id)
    fraction = result.score / result.max_score if result.max_score else 0.0
    checks = [asdict(check) for check in result.checks]
    return CodingScore(fraction, result.score, result.max_score, list(result.messages), checks)
