"""Does each learner notebook work in a real Jupyter kernel, top to bottom?

For every track (a new one is covered without a line here), a solved copy must run without
error, demo cells included, with every check cell passing and its reveal and hint cells
working in each language; the untouched notebook must show failing checks, as one-line
errors, not tracebacks.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.engine.catalog import LANGUAGES, load_tracks
from tests.submissions import solved, student_notebook

pytestmark = pytest.mark.slow


def execute(
    notebook: nbformat.NotebookNode, folder: Path, allow_errors: bool, **kernel: object
) -> None:
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(**kernel)


def check_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("check_")
    ]


def language_cells(track: str, notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells whose output follows the chosen language, run again in each language:
    every ``reveal`` cell and one ``hint`` per exercise, after ``%env MLKATA_LANG=...``."""
    reveals = [c for c in notebook.cells if c.cell_type == "code" and "reveal(" in c.source]
    cells = []
    for lang in LANGUAGES:
        cells.append(nbformat.v4.new_code_cell(f"%env MLKATA_LANG={lang}"))
        cells += [nbformat.v4.new_code_cell(cell.source) for cell in reveals]
        cells += [
            nbformat.v4.new_code_cell(f'hint("{exercise.id}", 1)')
            for exercise in load_tracks()[track].exercises
        ]
    return cells


def kernel_environment() -> dict[str, str]:
    """The kernel's environment: the text generation checks and demos use this test
    session's warm model server (as a provider would be used), instead of starting one."""
    from grader.serving.server import shared_endpoint

    endpoint = shared_endpoint()
    return {
        **os.environ,
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": endpoint.api_key,
        "MLKATA_OPENAI_MODEL": endpoint.model,
    }


def errors_of(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        f"cell {index}: {output.ename}: {output.evalue}\n{cell.source[:300]}"
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


@pytest.mark.parametrize("track", sorted(load_tracks()))
def test_solved_notebook_runs_top_to_bottom_in_each_language(track: str, tmp_path: Path) -> None:
    """With the reference solutions filled in, does every learner notebook run top to bottom
    with no error, demo cells included, every check cell passing, and its reveal and hint
    cells working in each language?"""
    notebook = solved(track=track)
    extra = language_cells(track, notebook)
    notebook.cells += extra
    execute(notebook, tmp_path, allow_errors=True, env=kernel_environment())
    assert not errors_of(notebook), "\n\n".join(errors_of(notebook))[:4000]
    for cell in check_cells(notebook):
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "data-passed='true'" in html, cell.source
    shown = {
        lang: "".join(
            o.get("data", {}).get("text/markdown", "")
            for c in extra[i * len(extra) // 2 : (i + 1) * len(extra) // 2]
            for o in c.outputs
        )
        for i, lang in enumerate(LANGUAGES)
    }
    assert "Key points" in shown["en"] and "要点" not in shown["en"]
    assert "要点" in shown["zh"] and "Key points" not in shown["zh"]
    if track == "bert":
        assert (tmp_path / "my-sentiment-model" / "config.json").exists()
    if track in ("bert", "resnet"):
        figures = [
            o
            for c in notebook.cells
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
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
