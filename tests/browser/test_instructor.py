"""Can an instructor see autograded work in JupyterLab's formgrader, in a real browser?

The course is made by `mlkata course init`, two submissions to the ResNet assignment (the
cheapest to grade) are autograded by `mlkata course autograde`, and JupyterLab is started in
the course folder, as an instructor would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import expect

from grader.authoring.assemble import THEORY_POINTS
from grader.bank import load_bank
from grader.engine.catalog import load_tracks
from tests.browser.jupyterlab import LabServer, running_lab
from tests.submissions import solved, student_notebook, write

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader]

ASSIGNMENT, NOTEBOOK = "resnet", "resnet_classification"


def mlkata(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("instructor") / "ml101"
    mlkata("course", "init", str(root))
    submitted = root / "submitted"
    write(solved(track=ASSIGNMENT), submitted / "ada" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    write(student_notebook(ASSIGNMENT), submitted / "bob" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    mlkata("course", "autograde", ASSIGNMENT, "--course", str(root), "--workers", "2")
    return root


@pytest.fixture
def instructor_lab(tmp_path: Path, graded_course: Path) -> Iterator[LabServer]:
    command = [sys.executable, "-m", "jupyter", "lab"]
    with running_lab(command, cwd=graded_course, home=tmp_path / "instructor") as lab:
        yield lab


def test_formgrader_lists_and_opens_autograded_work(
    page: Any, instructor_lab: LabServer, graded_course: Path
) -> None:
    page.goto(instructor_lab.url("lab"))
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.locator("#jp-mainmenu-nbgrader").get_by_text("Formgrader", exact=True).click()
    formgrader = page.frame_locator("iframe")

    # Every assignment of the course, and the two submissions of the graded one.
    assignments = formgrader.locator("#main-table")
    for name in load_tracks():
        expect(assignments.get_by_role("link", name=name, exact=True)).to_be_visible()
    row = assignments.locator("tr", has=formgrader.get_by_role("link", name=ASSIGNMENT))
    row.get_by_role("link", name="2").click()

    # 20 points of checks, and the theory answers (graded by hand; nobody answered here, so
    # their suggested scores are 0)
    total = 20 + THEORY_POINTS * len(load_bank()[ASSIGNMENT])
    submissions = formgrader.locator("#main-table")
    expect(submissions.locator("tr", has_text="ada")).to_contain_text(f"20 / {total:g}")
    expect(submissions.locator("tr", has_text="bob")).to_contain_text(f"0 / {total:g}")

    # One student's autograded notebook, with the score of every graded cell.
    submissions.locator("tr", has_text="ada").get_by_role("link").first.click()
    expect(formgrader.locator("#main-table")).to_contain_text(f"20 / {total:g}")
    formgrader.get_by_role("link", name=NOTEBOOK).click()
    for grade_id, points in graded_cells(graded_course):
        # The autograder's score is the field's placeholder; a typed value would override it.
        score = formgrader.locator(f"input.score#{grade_id}")
        expect(score).to_have_attribute("placeholder", re.compile(rf"^{points:g}(\.0+)?$"))


def graded_cells(course: Path) -> list[tuple[str, float]]:
    notebook = nbformat.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = [cell.metadata.get("nbgrader", {}) for cell in notebook.cells]
    checks = [m for m in cells if m.get("grade") and not m["grade_id"].startswith("answer_")]
    found = [(meta["grade_id"], float(meta["points"])) for meta in checks]
    assert sum(points for _, points in found) == 20
    return found
