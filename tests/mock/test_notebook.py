"""A notebook mock interview through the real CLI: `mlkata mock --notebook` writes it, the
test fills its cells as a candidate would (nbformat), `mlkata mock --grade` grades it, and
the Markdown and HTML reports are read back: per-section scores, covered and missed key
points, the coding exercise scored by its real checks, late answers, and an untouched
notebook scoring nothing."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from grader.bank import get_question
from grader.engine.catalog import get_exercise
from grader.mock.calibration import load_labelled
from grader.mock.notebook import PLACEHOLDER
from tests.mock.test_cli import mlkata
from tests.submissions import reference_sources


def candidate_answer(question_id: str, lang: str) -> str:
    """A good answer: the labelled one of the calibration set if any, else the model answer."""
    for row in load_labelled():
        if (row["question"], row["lang"], row["label"]) == (question_id, lang, "good"):
            return row["answer"].strip()
    return get_question(question_id).text[lang].answer


def start(home: Path, *options: str) -> tuple[dict, Path]:
    """A new notebook session: its session.json (as a dict) and its notebook."""
    done = mlkata(home, "mock", "--notebook", "--no-open", *options)
    assert done.returncode == 0, done.stderr
    (path,) = home.glob("sessions/*/mock_interview.ipynb")
    session = json.loads((path.parent / "session.json").read_text(encoding="utf-8"))
    assert session["id"] in done.stdout and str(path) in done.stdout
    return session, path


def fill(path: Path, theory: dict[str, str], code: dict[str, str]) -> None:
    """Type the answers into the notebook's cells and save it, as JupyterLab would."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        item = cell.metadata.get("mlkata", {}).get("mock_item")
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if item in theory:
            cell.source = PLACEHOLDER + theory[item]
        for exercise_id, source in code.items():
            if grade_id == get_exercise(exercise_id).solution_grade_id:
                cell.source = source
    nbformat.write(notebook, path)


def grade(home: Path, session: dict) -> tuple[dict, str, str]:
    """Grade through the CLI: the graded session, report.md and report.html."""
    done = mlkata(home, "mock", "--grade", session["id"])
    assert done.returncode == 0, done.stderr
    folder = home / "sessions" / session["id"]
    graded = json.loads((folder / "session.json").read_text(encoding="utf-8"))["graded"]
    for name, part in graded["sections"].items():
        assert f"{name}: {part['score']:g} / {part['max_score']:g}" in done.stdout
    assert f"report: {folder / 'report.md'}" in done.stdout
    md = (folder / "report.md").read_text(encoding="utf-8")
    page = (folder / "report.html").read_text(encoding="utf-8")
    return graded, md, page


def section_rows(graded: dict, md: str, page: str) -> None:
    """Each section's score is in both reports' tables."""
    cells = re.sub(r">\s+<", "><", page)  # markdown-it puts each cell on its own line
    for name, part in graded["sections"].items():
        score = f"{part['score']:g} / {part['max_score']:g}"
        assert f"| {name} | {score} |" in md
        assert f"<tr><td>{name}</td><td>{score}</td></tr>" in cells


@pytest.mark.slow  # the coding answer runs the exercise's checks in the sandbox
def test_filled_notebook_is_graded_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    session, path = start(home, "--topics", "bert", "--minutes", "25", "--seed", "2")
    theory = [i["id"] for i in session["items"] if i["kind"] == "theory"]
    (coding,) = [i["id"] for i in session["items"] if i["kind"] == "coding"]
    assert len(theory) == 4
    english, chinese, empty = theory[:2], theory[2], theory[3]
    answers = {q: candidate_answer(q, "en") for q in english}
    answers[chinese] = candidate_answer(chinese, "zh")  # an English session, answered in Chinese
    fill(path, answers, {coding: reference_sources()[coding]})

    graded, md, page = grade(home, session)
    rows = {row["id"]: row for row in graded["items"]}
    exercise = get_exercise(coding)

    # theory: good answers cover key points, the empty one misses every key point
    for q in english:
        assert rows[q]["raw"] > 0.6 and rows[q]["covered"], rows[q]
        assert rows[q]["answer"] == answers[q] and not rows[q]["late"]
    zh_points = get_question(chinese).text["zh"].key_points
    assert rows[chinese]["raw"] > 0.5, rows[chinese]
    assert rows[chinese]["covered"] and set(rows[chinese]["covered"]) <= set(zh_points)
    assert rows[chinese]["model_answer"] == get_question(chinese).text["zh"].answer
    en_points = list(get_question(empty).text["en"].key_points)
    assert rows[empty]["raw"] == 0 and not rows[empty]["answered"]
    assert rows[empty]["covered"] == [] and rows[empty]["missed"] == en_points

    # coding: every real check ran and passed
    assert len(rows[coding]["checks"]) == len(exercise.checks)
    assert all(c["passed"] for c in rows[coding]["checks"]), rows[coding]["messages"]
    assert rows[coding]["raw"] == 1.0 and rows[coding]["points"] == exercise.points
    assert graded["sections"]["coding"] == {"score": exercise.points, "max_score": exercise.points}
    theory_points = round(sum(rows[q]["points"] for q in theory), 3)
    assert graded["sections"]["theory"] == {"score": theory_points, "max_score": 8.0}
    assert graded["late"] == 0 and graded["score"] == theory_points + exercise.points

    section_rows(graded, md, page)
    for q in [*english, chinese]:
        for point in rows[q]["covered"]:
            assert f"- ✓ {point}" in md and f"<li>✓ {html.escape(point, quote=False)}</li>" in page
    for point in en_points:
        assert f"- ✗ {point}" in md and f"<li>✗ {html.escape(point, quote=False)}</li>" in page
    assert f"**Checks: {len(exercise.checks)} of {len(exercise.checks)} passed**" in md
    for check in rows[coding]["checks"]:
        assert f"- ✓ {check['name']}" in md and f"✓ {html.escape(check['name'])}" in page
    assert f"- **{empty}** (0.00)" in md  # what to study next
    assert "<blockquote>" in page and html.escape(answers[chinese].splitlines()[0]) in page


def test_late_notebook_earns_no_points(tmp_path: Path) -> None:
    home = tmp_path / "home"
    options = ("--topics", "textgen", "--minutes", "14", "--seed", "1", "--no-coding")
    session, path = start(home, *options)
    answered, left_empty = (i["id"] for i in session["items"])
    fill(path, {answered: candidate_answer(answered, "en")}, {})
    saved = session["deadline"] + 120  # saved two minutes after the deadline
    os.utime(path, (saved, saved))

    graded, md, page = grade(home, session)
    rows = {row["id"]: row for row in graded["items"]}
    assert rows[answered]["late"] and rows[answered]["points"] == 0
    assert rows[answered]["raw"] > 0.6  # scored and reported, but worth nothing
    assert not rows[left_empty]["late"] and not rows[left_empty]["answered"]
    assert graded["late"] == 1 and graded["score"] == 0
    assert graded["time_used_s"] == pytest.approx(session["minutes"] * 60 + 120, abs=1)
    section_rows(graded, md, page)
    assert "late answers 1" in md and "(raw " in md and "(late)" in md
    assert "late answers 1" in page


def test_untouched_notebook_scores_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    session, path = start(home, "--topics", "bert", "--minutes", "10", "--seed", "1")
    kinds = [i["kind"] for i in session["items"]]
    assert "coding" in kinds and "theory" in kinds
    for late in (False, True):  # saved in time, then the same untouched notebook saved late
        if late:
            os.utime(path, (session["deadline"] + 60,) * 2)
        graded, md, page = grade(home, session)
        assert graded["score"] == 0 and graded["late"] == 0
        for row in graded["items"]:
            assert (row["raw"], row["points"], row["answered"], row["late"]) == (0, 0, False, False)
            assert row["covered"] == [] and row["checks"] == []
            if row["kind"] == "coding":
                assert row["messages"] == ["no code was submitted"]
        assert all(part["score"] == 0 for part in graded["sections"].values())
        section_rows(graded, md, page)
        assert md.count("*(no answer)*") == kinds.count("theory")


def test_cells_added_below_an_answer_are_part_of_it(tmp_path: Path) -> None:
    """A candidate who writes on in new cells below an answer cell (JupyterLab's B key) is
    graded on all of it, up to the next question."""
    home = tmp_path / "home"
    options = ("--topics", "textgen", "--minutes", "14", "--seed", "1", "--no-coding")
    session, path = start(home, *options)
    first, second = (i["id"] for i in session["items"])
    answer = candidate_answer(second, "en")
    opening, rest = answer[: len(answer) // 2], answer[len(answer) // 2 :]
    fill(path, {first: "Sampling with a temperature."}, {})
    notebook = nbformat.read(path, as_version=4)
    index = {c.metadata.get("mlkata", {}).get("mock_item"): i for i, c in enumerate(notebook.cells)}
    # The second answer cell stays empty: the answer is in two new cells below it. Below
    # the first answer, a code cell. (The later insertion first, so the indices hold.)
    at = index[second] + 1
    notebook.cells[at:at] = [new_markdown_cell(opening), new_markdown_cell(rest)]
    notebook.cells.insert(index[first] + 1, new_code_cell("print('an example')"))
    nbformat.write(notebook, path)

    graded, md, page = grade(home, session)
    rows = {row["id"]: row for row in graded["items"]}
    assert rows[first]["answer"] == "Sampling with a temperature.\n\nprint('an example')"
    assert rows[second]["answer"] == f"{opening.strip()}\n\n{rest.strip()}"
    assert rows[second]["answered"] and rows[second]["raw"] > 0.6, rows[second]
    section_rows(graded, md, page)
