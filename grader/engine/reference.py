"""An exercise's reference solution for a learner who has passed it, and its stub for one
who wants to start it again.

``solution("bert.encode")`` in a notebook shows the reference solution once the exercise's
check has passed in this kernel (or ``force=True``), with a short note on how it differs from
the learner's code: what it calls that theirs does not, and the other way round, and their
lengths. ``mlkata reset NOTEBOOK --exercise ID`` puts the stub back into one exercise cell
and leaves every other cell (and its output) as it was.
"""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import nbformat

from grader.engine.outline import get_outline, load_outlines
from grader.errors import MlkataError
from grader.paths import REPO_DIR

# Exercises whose check passed in this process (filled by ``check``).
passed_here: set[str] = set()


def _notebook_stem(exercise_id: str) -> str:
    return load_outlines()[get_outline(exercise_id).track].notebook


def reference_source(exercise_id: str) -> str:
    """The reference solution's cell, as ``mlkata build`` cuts it from ``solutions/``."""
    from grader.authoring.solution_cells import read_solution_cells

    path = REPO_DIR / "solutions" / f"{_notebook_stem(exercise_id)}.py"
    if not path.is_file():
        raise MlkataError(f"{path}: the reference solutions ship with a checkout of mlkata")
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    for cell in read_solution_cells(path):
        if cell.exercise_id == exercise_id:
            lines = cell.source.splitlines()
            return "\n".join(line for line in lines if line.strip() not in markers)
    raise MlkataError(f"no reference solution for {exercise_id} in {path}")


def stub_source(exercise_id: str) -> str:
    """The untouched learner notebook's exercise cell."""
    path = REPO_DIR / "exercises" / f"{_notebook_stem(exercise_id)}.ipynb"
    wanted = exercise_id.replace(".", "_")
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == wanted:
            return cell.source
    raise MlkataError(f"no exercise cell {wanted!r} in {path}")


def _called_names(source: str) -> set[str]:
    """Names of what the code calls (``torch.no_grad()`` gives ``no_grad``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                names.add(function.attr)
            elif isinstance(function, ast.Name):
                names.add(function.id)
    return names


def _code_lines(source: str) -> int:
    return sum(
        1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
    )


def difference_note(yours: str, reference: str) -> str:
    """What is easy to say about how ``yours`` differs from ``reference``."""
    only_reference = sorted(_called_names(reference) - _called_names(yours))
    only_yours = sorted(_called_names(yours) - _called_names(reference))
    parts = [
        f"yours has {_code_lines(yours)} lines of code, the reference {_code_lines(reference)}"
    ]
    if only_reference:
        parts.append("the reference calls " + ", ".join(f"`{n}`" for n in only_reference[:8]))
    if only_yours:
        parts.append("yours calls " + ", ".join(f"`{n}`" for n in only_yours[:8]))
    if not only_reference and not only_yours:
        parts.append("both call the same functions")
    return "; ".join(parts) + "."


def solution_markdown(exercise_id: str, yours: str | None, force: bool = False) -> str:
    outline = get_outline(exercise_id)
    if exercise_id not in passed_here and not force:
        raise MlkataError(
            f'pass {exercise_id} first: run its check cell, `check("{exercise_id}")`; '
            f'`solution("{exercise_id}", force=True)` shows it anyway'
        )
    reference = reference_source(exercise_id)
    heading = f"**Reference solution of {outline.id}** ({outline.title['en']})"
    text = f"{heading}\n\n```python\n{reference}\n```"
    if yours:
        text += f"\n\n*How it differs from yours:* {difference_note(yours, reference)}"
    return text


def reset_exercise(path: Path, exercise_id: str) -> None:
    """Put the stub back into the exercise's cell of the notebook at ``path``; every other
    cell is kept as it is. Written atomically: a crash leaves the old file or the new."""
    from grader.engine.submission import read_notebook

    stub = stub_source(exercise_id)
    notebook = read_notebook(path)
    wanted = exercise_id.replace(".", "_")
    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == wanted]
    if not cells:
        raise MlkataError(f"{path}: no exercise cell for {exercise_id}")
    cells[0].source = stub
    cells[0].outputs = []
    cells[0].execution_count = None
    handle, temporary = tempfile.mkstemp(dir=Path(path).parent, suffix=".ipynb.tmp")
    os.close(handle)
    try:
        nbformat.write(notebook, temporary)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
