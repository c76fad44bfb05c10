"""Reading a submitted notebook and finding its cells, with one-line errors for bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.errors import BadSubmission

SETUP_ROLE = "setup"
# nbgrader's own CourseDirectory.max_file_size default (100,000 KB): a notebook larger than
# this is refused before it is read, so a submission cannot make the grader parse gigabytes.
MAX_NOTEBOOK_BYTES = 100_000 * 1024


def read_notebook(path: str | Path) -> NotebookNode:
    path = Path(path)
    if not path.exists():
        raise BadSubmission(f"{path}: no such file")
    if path.is_dir():
        raise BadSubmission(f"{path}: is a folder, not a notebook")
    if path.suffix != ".ipynb":
        raise BadSubmission(f"{path}: not a notebook (expected a .ipynb file)")
    if not path.is_file():  # a FIFO would block the read for ever
        raise BadSubmission(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        limit = MAX_NOTEBOOK_BYTES // 1024
        raise BadSubmission(f"{path}: {size // 1024:,} KB, over the {limit:,} KB a notebook may be")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadSubmission(f"{path}: cannot be read as UTF-8 text ({error})") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError):
        raise BadSubmission(f"{path}: corrupt notebook (not valid JSON)") from None
    except Exception as error:
        raise BadSubmission(f"{path}: corrupt notebook ({type(error).__name__})") from None
    if not isinstance(notebook.get("cells"), list):
        raise BadSubmission(f"{path}: corrupt notebook (no list of cells)")
    return notebook


def grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    value = meta.get("grade_id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def is_setup(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("mlkata", {})
    return isinstance(meta, dict) and meta.get("role") == SETUP_ROLE


@dataclass
class CodeToRun:
    """The code the sandbox executes for a submission, in notebook order."""

    setup: list[str] = field(default_factory=list)
    exercise_cells: dict[str, str] = field(default_factory=dict)  # solution grade_id -> source


def code_to_run(notebook: NotebookNode, solution_grade_ids: set[str]) -> CodeToRun:
    """Setup cells and exercise cells; every other cell (demos, checks) is left out."""
    found = CodeToRun()
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cell_id = grade_id(cell)
        if cell_id in solution_grade_ids and cell_id not in found.exercise_cells:
            found.exercise_cells[cell_id] = source
        elif is_setup(cell):
            found.setup.append(source)
    return found


def track_of(notebook: NotebookNode, path: str | Path | None) -> str | None:
    """The notebook's track, from its metadata or, failing that, its file name."""
    from grader.engine.catalog import load_tracks

    tracks = load_tracks()
    meta = notebook.get("metadata", {}).get("mlkata", {})
    name = meta.get("track") if isinstance(meta, dict) else None
    if name in tracks:
        return name
    ids = {grade_id(cell) for cell in notebook.cells}
    for track in tracks.values():
        if ids & {e.solution_grade_id for e in track.exercises}:
            return track.name
    if path is not None:
        stem = Path(path).stem
        for track in tracks.values():
            if stem.startswith(track.notebook):
                return track.name
    return None
