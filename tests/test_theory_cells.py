"""In an nbgrader course, is every theory answer a manually graded cell holding the model
answer, cleared for students, and is the student's text read back without nbgrader's stub?"""

from __future__ import annotations

import pytest

from grader.authoring.assemble import THEORY_POINTS, answer_grade_id, source_notebook
from grader.authoring.release import student_notebook
from grader.bank import load_bank
from grader.engine.catalog import load_tracks
from grader.nbgrader_plugin import student_answer


@pytest.mark.parametrize("track", sorted(load_tracks()))
def test_every_question_has_a_graded_answer_cell_with_the_model_answer(track: str) -> None:
    source = source_notebook(load_tracks()[track], graded_theory=True)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source.cells}
    released = {
        c.metadata.get("nbgrader", {}).get("grade_id"): c for c in student_notebook(source).cells
    }
    for question in load_bank()[track]:
        cell = by_id[answer_grade_id(question.id)]
        nbgrader = cell.metadata["nbgrader"]
        assert cell.cell_type == "markdown" and nbgrader["solution"] and nbgrader["grade"]
        assert nbgrader["points"] == THEORY_POINTS
        assert question.text["en"].answer.strip()[:60] in cell.source
        assert question.text["zh"].answer.strip()[:30] in cell.source
        student = released[answer_grade_id(question.id)]
        assert "YOUR ANSWER HERE" in student.source and "BEGIN SOLUTION" not in student.source
        assert student_answer(student) == ""


def test_the_committed_notebooks_keep_plain_answer_cells() -> None:
    """`mlkata check` grades code only, so the notebooks learners open carry no theory points."""
    source = source_notebook(load_tracks()["bert"])
    assert not any(
        c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("answer_")
        for c in source.cells
    )


def test_the_students_text_is_read_without_the_prompt() -> None:
    from nbformat.v4 import new_markdown_cell

    cell = new_markdown_cell("*Your answer / 你的答案:*\n\nThe mask hides padding.")
    assert student_answer(cell) == "The mask hides padding."
    restored = new_markdown_cell(  # put back by nbgrader into a submission that lacked it
        "This cell (id:answer_bert_x) was missing from the submission. It was added back by "
        "nbgrader.\n\n*Your answer / 你的答案:*\nYOUR ANSWER HERE"
    )
    assert student_answer(restored) == ""
