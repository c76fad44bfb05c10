"""A submission nbgrader cannot read (no notebook, a corrupt one) gets a marked stand-in
that scores 0 with the reason; and feedback never shows hidden test regions. Fast: no
sandbox, no nbgrader process (the end-to-end runs are in test_course.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import determine_grade

from grader.course.faults import KEPT_SUFFIX, fault_of, notebook_fault, substitute
from grader.engine.catalog import load_tracks
from grader.nbgrader_plugin import ClearHiddenTestsInFeedback, TrustedChecks
from tests.submissions import solved, student_notebook, write

NOTEBOOK = "resnet_classification.ipynb"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """Just enough of a course: the released notebook of the resnet assignment."""
    write(student_notebook("resnet"), tmp_path / "release" / "resnet" / NOTEBOOK)
    return tmp_path


def folder(course: Path, student: str) -> Path:
    path = course / "submitted" / student / "resnet"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_reasons_name_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("forgot it")
    assert notebook_fault(tmp_path / NOTEBOOK) == (
        f"no {NOTEBOOK} was submitted (the folder holds: notes.txt)"
    )
    (tmp_path / "notes.txt").unlink()
    assert notebook_fault(tmp_path / NOTEBOOK) == (
        f"no {NOTEBOOK} was submitted (the folder is empty)"
    )
    (tmp_path / NOTEBOOK).write_text('{"cells": [')
    assert notebook_fault(tmp_path / NOTEBOOK) == f"{NOTEBOOK}: corrupt notebook (not valid JSON)"
    (tmp_path / NOTEBOOK).unlink()
    (tmp_path / NOTEBOOK).mkdir()
    assert notebook_fault(tmp_path / NOTEBOOK) == f"{NOTEBOOK}: is a folder, not a notebook"
    (tmp_path / NOTEBOOK).rmdir()
    write(student_notebook("resnet"), tmp_path / NOTEBOOK)
    assert notebook_fault(tmp_path / NOTEBOOK) is None


def test_a_corrupt_notebook_is_kept_and_replaced_by_a_marked_stand_in(course: Path) -> None:
    submitted = folder(course, "corrupt")
    (submitted / NOTEBOOK).write_bytes(b"\xff\xfe not a notebook")
    reasons = substitute(course, "resnet", "corrupt")
    assert len(reasons) == 1
    assert reasons[0].startswith(f"{NOTEBOOK}: cannot be read as UTF-8 text (")
    assert (submitted / (NOTEBOOK + KEPT_SUFFIX)).read_bytes() == b"\xff\xfe not a notebook"
    stand_in = nbformat.read(submitted / NOTEBOOK, as_version=4)
    assert fault_of(stand_in) == reasons[0]
    assert stand_in.cells[0].cell_type == "markdown" and reasons[0] in stand_in.cells[0].source
    released = [cell.source for cell in student_notebook("resnet").cells]
    assert [cell.source for cell in stand_in.cells[1:]] == released
    assert substitute(course, "resnet", "corrupt") == []  # graded as it stands from now on


def test_a_readable_submission_is_left_alone(course: Path) -> None:
    path = write(solved(["resnet.head"], track="resnet"), folder(course, "ok") / NOTEBOOK)
    before = path.read_bytes()
    assert substitute(course, "resnet", "ok") == []
    assert path.read_bytes() == before and not path.with_name(NOTEBOOK + KEPT_SUFFIX).exists()


def test_trusted_checks_score_a_stand_in_zero_with_the_reason(course: Path) -> None:
    """Every check cell of a stand-in gets an error (0 points) and the reason, without
    starting a sandbox."""
    folder(course, "missing")
    (reason,) = substitute(course, "resnet", "missing")
    notebook = nbformat.read(folder(course, "missing") / NOTEBOOK, as_version=4)
    notebook, _ = TrustedChecks().preprocess(notebook, {"unique_key": "resnet_classification"})
    check_cells = {e.check_grade_id for e in load_tracks()["resnet"].exercises}
    graded = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert {c.metadata.nbgrader.grade_id for c in graded} == check_cells
    for cell in graded:
        assert determine_grade(cell)[0] == 0
        html = cell.outputs[0].data["text/html"]
        assert f"not graded: {reason}" in html.replace("&#x27;", "'")


def test_feedback_drops_hidden_test_regions_of_test_cells_only() -> None:
    """nbgrader #917/#1363: a restored test cell's hidden region must not reach feedback;
    a learner cell that happens to hold the marker is shown as written."""
    test = new_code_cell(
        'check("x")\n### BEGIN HIDDEN TESTS\nassert answer() == 42\n### END HIDDEN TESTS',
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}},
    )
    learner = new_code_cell(
        "# ### BEGIN HIDDEN TESTS (a learner's comment, never closed)\nx = 1",
        metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "s"}},
    )
    notebook, _ = ClearHiddenTestsInFeedback().preprocess(new_notebook(cells=[test, learner]), {})
    assert notebook.cells[0].source == 'check("x")'
    assert notebook.cells[1].source == learner.source


def test_the_course_config_installs_the_feedback_preprocessors() -> None:
    from traitlets.config import Config

    from grader.nbgrader_plugin import configure

    c = Config()
    configure(c)
    assert ClearHiddenTestsInFeedback in c.GenerateFeedback.preprocessors
    assert TrustedChecks in c.Autograde.autograde_preprocessors
