"""Are the derived notebooks fresh, deterministic, and free of anything learners must not see?"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from grader.bank import load_bank
from grader.commands.build import rendered_files, stale_files
from grader.engine.catalog import load_tracks
from grader.paths import REPO_DIR

SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def test_committed_derived_files_are_fresh() -> None:
    """Does every committed derived notebook equal what `mlkata build` writes now?"""
    assert stale_files(REPO_DIR) == [], "run `mlkata build` and commit the result"


def test_a_stale_file_is_detected(tmp_path: Path) -> None:
    """Is a hand-edited derived notebook reported as stale?"""
    for relative in rendered_files():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_DIR / relative, tmp_path / relative)
    edited = tmp_path / "exercises" / "bert_classification.ipynb"
    edited.write_text(edited.read_text().replace("Batch encoding", "Batch encodings"))
    assert stale_files(tmp_path) == ["exercises/bert_classification.ipynb"]


def test_build_is_deterministic() -> None:
    """Does building twice give byte-identical files (no random cell ids)?"""
    assert rendered_files() == rendered_files()


def test_learner_notebooks_hold_no_solutions_answers_or_hidden_checks() -> None:
    """Is exercises/ free of solution code, model answers and hidden tests?"""
    texts = {
        p.name: p.read_text(encoding="utf-8") for p in (REPO_DIR / "exercises").glob("*.ipynb")
    }
    assert texts
    solutions = "".join(p.read_text() for p in (REPO_DIR / "solutions").glob("*.py"))
    solution_lines = {
        line.strip()
        for block in SOLUTION_BLOCK.findall(solutions)
        for line in block.splitlines()
        if len(line.strip()) > 25
    }
    answers = [
        text.answer[:60]
        for questions in load_bank().values()
        for q in questions
        for text in q.text.values()
    ]
    hidden = [
        check.function.__name__
        for track in load_tracks().values()
        for e in track.exercises
        for check in e.checks
        if check.hidden
    ]
    for name, text in texts.items():
        source = "".join("".join(cell.source) for cell in nbformat.reads(text, as_version=4).cells)
        assert "BEGIN SOLUTION" not in source and "BEGIN HIDDEN" not in source, name
        assert not [line for line in solution_lines if line in source], name
        assert not [answer for answer in answers if answer in source], name
        assert not [function for function in hidden if function in source], name


def test_source_notebook_carries_the_points_of_each_exercise() -> None:
    """Does each test cell in notebooks/ carry its exercise's points for nbgrader?"""
    for track in load_tracks().values():
        notebook = nbformat.read(REPO_DIR / "notebooks" / f"{track.notebook}.ipynb", as_version=4)
        points = {
            cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
            for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")
        }
        assert points == {e.check_grade_id: e.points for e in track.exercises}
