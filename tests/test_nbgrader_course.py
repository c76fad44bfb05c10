"""Does nbgrader, driven by its own commands on a real course, award the same points as
``mlkata check``: full marks, zero, and the expected partial score?"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.engine.catalog import get_exercise
from grader.paths import REPO_DIR
from tests.engine.test_tampering import ATTACKS
from tests.submissions import appended_to_cell, solved, with_cell_source, write

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

NOTEBOOK = "bert_classification.ipynb"
HALF_DONE = ["bert.fix_script", "bert.encode", "bert.metrics"]
NBGRADER = [sys.executable, "-m", "nbgrader"]
DELETED_CHECK = "check_bert_encode"


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def venv_environment() -> dict[str, str]:
    """nbgrader runs `alembic` by name, so the environment's bin folder must be on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=900, env=venv_environment()
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'mlkata-test'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "from grader.nbgrader_plugin import configure\n"
        "configure(c)\n"
    )
    (root / "source" / "bert").mkdir(parents=True)
    shutil.copy(REPO_DIR / "notebooks" / NOTEBOOK, root / "source" / "bert" / NOTEBOOK)
    run([*NBGRADER, "generate_assignment", "bert", "--force"], root)
    release = nbformat.read(root / "release" / "bert" / NOTEBOOK, as_version=4)
    tampered = release
    for cell_id in ("bert_fix_script", "bert_encode"):
        tampered = appended_to_cell(
            tampered, cell_id, ATTACKS["redefines check and the grader's functions"]
        )
    tampered = with_cell_source(tampered, "check_bert_encode", "pass")
    carol = solved(HALF_DONE, base=release)  # who also deleted a check cell by accident
    carol.cells = [c for c in carol.cells if grade_id(c) != DELETED_CHECK]
    submissions = {
        "alice": solved(base=release),
        "bob": release,
        "carol": carol,
        "dave": tampered,
    }
    for student, notebook in submissions.items():
        write(notebook, root / "submitted" / student / "bert" / NOTEBOOK)
    run([*NBGRADER, "autograde", "bert", "--force"], root)
    run([*NBGRADER, "export"], root)
    return root


@pytest.fixture(scope="module")
def expected_scores() -> dict[str, float]:
    full = sum(get_exercise(e.id).points for e in [get_exercise(i) for i in _all_ids()])
    half = sum(get_exercise(exercise_id).points for exercise_id in HALF_DONE)
    return {"alice": full, "bob": 0.0, "carol": half, "dave": 0.0}


def _all_ids() -> list[str]:
    from grader.engine.catalog import load_tracks

    return [exercise.id for exercise in load_tracks()["bert"].exercises]


def test_the_release_matches_the_committed_exercise_notebook(course: Path) -> None:
    """Is nbgrader's own release the notebook learners open from exercises/?"""
    release = nbformat.read(course / "release" / "bert" / NOTEBOOK, as_version=4)
    ours = nbformat.read(REPO_DIR / "exercises" / NOTEBOOK, as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in ours.cells]


def test_exported_grades_are_full_zero_and_partial(
    course: Path, expected_scores: dict[str, float]
) -> None:
    """Does nbgrader export hold full marks, 0, the partial score, and 0 for tampering?"""
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    got = {student: float(rows[student]["raw_score"]) for student in expected_scores}
    assert got == expected_scores
    assert all(float(rows[s]["max_score"]) == expected_scores["alice"] for s in expected_scores)


def test_mlkata_check_gives_the_same_scores(
    course: Path, expected_scores: dict[str, float]
) -> None:
    """Does `mlkata check --json` agree with the gradebook on every submission?"""
    for student, expected in expected_scores.items():
        path = course / "submitted" / student / "bert" / NOTEBOOK
        done = subprocess.run(
            [sys.executable, "-m", "grader.cli", "check", str(path), "--json"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert report["score"] == expected, (student, report)
        assert report["max_score"] == expected_scores["alice"]


def test_autograded_notebook_shows_feedback_in_the_check_cells(course: Path) -> None:
    """Does the autograded notebook carry readable pass/fail feedback in its test cells?"""
    graded = nbformat.read(course / "autograded" / "carol" / "bert" / NOTEBOOK, as_version=4)
    outputs = [
        output
        for cell in graded.cells
        if grade_id(cell).startswith("check_")
        for output in cell.outputs
    ]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "mlkata-feedback" in html
    assert "mlkata-check' data-passed='true'" in html
    assert "mlkata-check' data-passed='false'" in html


def test_a_deleted_check_cell_is_put_back_with_its_feedback(course: Path) -> None:
    """Carol deleted the check cell of an exercise she solved: nbgrader puts it back, with a
    note, and it carries her feedback and points (the export test checks the total), instead
    of staying ungraded ("needs manual grading") for ever (nbgrader #1682)."""
    graded = nbformat.read(course / "autograded" / "carol" / "bert" / NOTEBOOK, as_version=4)
    restored = [cell for cell in graded.cells if grade_id(cell) == DELETED_CHECK]
    assert len(restored) == 1
    assert "was missing from the submission" in restored[0].source
    html = "".join(o.get("data", {}).get("text/html", "") for o in restored[0].outputs)
    assert "mlkata-feedback' data-passed='true'" in html
