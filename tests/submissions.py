"""Make submissions for tests: copies of the learner's notebook, filled in or tampered with."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.authoring.assemble import solutions_path
from grader.authoring.solution_cells import read_solution_cells
from grader.engine.catalog import load_tracks
from grader.engine.submission import grade_id
from grader.paths import REPO_DIR

BERT = "bert"


def student_notebook(track: str = BERT) -> NotebookNode:
    notebook = load_tracks()[track].notebook
    return nbformat.read(REPO_DIR / "exercises" / f"{notebook}.ipynb", as_version=4)


def reference_sources(track: str = BERT) -> dict[str, str]:
    cells = read_solution_cells(solutions_path(load_tracks()[track]))
    return {cell.exercise_id: cell.source for cell in cells if cell.exercise_id}


def solution_grade_id(exercise_id: str) -> str:
    return exercise_id.replace(".", "_")


def with_cell_source(notebook: NotebookNode, cell_grade_id: str, source: str) -> NotebookNode:
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if grade_id(cell) == cell_grade_id:
            cell.source = source
            return notebook
    raise KeyError(cell_grade_id)


def solved(
    exercise_ids: list[str] | None = None,
    track: str = BERT,
    base: NotebookNode | None = None,
) -> NotebookNode:
    """The learner's notebook (or ``base``) with reference solutions in the given cells."""
    notebook = base if base is not None else student_notebook(track)
    sources = reference_sources(track)
    for exercise_id in exercise_ids if exercise_ids is not None else list(sources):
        notebook = with_cell_source(notebook, solution_grade_id(exercise_id), sources[exercise_id])
    return notebook


def appended_to_cell(notebook: NotebookNode, cell_grade_id: str, code: str) -> NotebookNode:
    for cell in notebook.cells:
        if grade_id(cell) == cell_grade_id:
            return with_cell_source(notebook, cell_grade_id, cell.source + "\n\n" + code)
    raise KeyError(cell_grade_id)


def write(notebook: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path
