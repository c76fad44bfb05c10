"""Does the learner's notebook work in a real Jupyter kernel, top to bottom?

A solved copy must run without error with every check cell passing; the untouched notebook
must show failing checks, as one-line errors, not tracebacks.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.submissions import solved, student_notebook

pytestmark = pytest.mark.slow


def execute(notebook: nbformat.NotebookNode, folder: Path, allow_errors: bool) -> None:
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()


def check_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("check_")
    ]


def test_solved_notebook_runs_and_every_check_passes(tmp_path: Path) -> None:
    notebook = solved()
    try:
        execute(notebook, tmp_path, allow_errors=False)
    except CellExecutionError as error:
        pytest.fail(f"a cell failed in the solved notebook: {str(error)[:2000]}")
    for cell in check_cells(notebook):
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "data-passed='true'" in html, cell.source
    assert (tmp_path / "my-sentiment-model" / "config.json").exists()
    figures = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert figures, "the confusion matrix should be plotted"


def test_untouched_notebook_shows_failing_checks(tmp_path: Path) -> None:
    notebook = student_notebook()
    execute(notebook, tmp_path, allow_errors=True)
    for cell in check_cells(notebook):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert len(errors) == 1 and errors[0].ename == "ChecksFailed", cell.source
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "not implemented yet" in html
