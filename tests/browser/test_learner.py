"""Can a learner solve an exercise in JupyterLab and see the feedback, in a real browser?

JupyterLab is started by `mlkata lab` itself, on a fresh workspace, so the test also covers
the command learners use.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from grader.engine.catalog import load_tracks
from grader.engine.report import FAIL_MARK, PASS_MARK
from tests.browser.conftest import ARTIFACTS
from tests.browser.jupyterlab import LabServer, Notebook, running_lab
from tests.submissions import reference_sources, solved, write

pytestmark = pytest.mark.browser

WRONG_ENCODE = """def encode_batch(tokenizer, texts, max_length):
    return tokenizer(texts, padding=True, return_tensors="pt")  # forgot truncation
"""


def mlkata_lab(workspace: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "grader.cli",
        "lab",
        "--skip-prepare",
        "--workspace",
        str(workspace),
        "--",
    ]


@pytest.fixture
def learner_lab(tmp_path: Path) -> Iterator[LabServer]:
    command = mlkata_lab(tmp_path / "workspace")
    with running_lab(command, cwd=tmp_path, home=tmp_path / "learner") as server:
        yield server


def test_learner_solves_an_exercise_and_sees_feedback(page: Any, learner_lab: LabServer) -> None:
    notebook = Notebook.open(page, learner_lab, "bert_classification.ipynb")
    notebook.run(notebook.code_cell("from grader import check, hint, reveal"))

    exercise = notebook.code_cell("def encode_batch(")
    check_cell = notebook.code_cell('check("bert.encode")')

    # A correct solution: the check cell shows formatted, passing feedback.
    notebook.set_source(exercise, reference_sources()["bert.encode"])
    notebook.run(exercise)
    output = notebook.run(check_cell)
    feedback = output.locator(".jp-RenderedHTMLCommon .mlkata-feedback")
    expect(feedback).to_have_attribute("data-passed", "true")
    expect(feedback).to_contain_text("passed")
    passing = feedback.locator("li.mlkata-check[data-passed=true]")
    expect(passing).to_have_count(2)
    expect(passing.nth(1)).to_contain_text(f"{PASS_MARK} truncates texts longer than max_length")
    expect(feedback.locator("li.mlkata-check[data-passed=false]")).to_have_count(0)

    # A plausible mistake: failing feedback naming the check, the call and the shape.
    notebook.set_source(exercise, WRONG_ENCODE)
    notebook.run(exercise)
    output = notebook.run(check_cell)
    feedback = output.locator(".jp-RenderedHTMLCommon .mlkata-feedback")
    expect(feedback).to_have_attribute("data-passed", "false")
    failing = feedback.locator("li.mlkata-check[data-passed=false]")
    expect(failing).to_have_count(1)
    expect(failing).to_contain_text(f"{FAIL_MARK} truncates texts longer than max_length tokens")
    expect(failing.locator("pre")).to_contain_text("expected: shape (3, 8)")
    expect(output).to_contain_text("bert.encode: 1 of 2 checks failed")
    expect(output).not_to_contain_text("Traceback")
    expect(output).not_to_contain_text("<div")  # rendered HTML, not its source
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # what a learner sees, kept for the docs
    check_cell.screenshot(path=str(ARTIFACTS / "learner-failing-check.png"))

    # The first hint, on request.
    hint_output = notebook.run(notebook.add_cell_below(check_cell, 'hint("bert.encode")'))
    expect(hint_output).to_contain_text("Hint 1/2")


@pytest.fixture
def lab_with_solved(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[LabServer, str]]:
    """`mlkata lab` on a workspace that already holds a solved copy of one notebook (which
    `mlkata lab` keeps: it never overwrites a learner's file)."""
    name = f"{load_tracks()[request.param].notebook}.ipynb"
    write(solved(track=request.param), tmp_path / "workspace" / name)
    with running_lab(mlkata_lab(tmp_path / "workspace"), tmp_path, tmp_path / "learner") as lab:
        yield lab, name


@pytest.mark.parametrize("lab_with_solved", sorted(load_tracks()), indirect=True)
def test_a_solved_notebook_passes_validate(
    page: Any, lab_with_solved: tuple[LabServer, str]
) -> None:
    """Does nbgrader's Validate button accept a fully solved copy of each learner notebook?"""
    lab, name = lab_with_solved
    Notebook.open(page, lab, name)
    page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible(timeout=170_000)
    expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
