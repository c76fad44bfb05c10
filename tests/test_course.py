"""Instructor grading at scale: a course made by `mlkata course init`, autograded in
parallel into nbgrader's gradebook, resumed after kill -9, and run on a Dask cluster."""

from __future__ import annotations

import csv
import getpass
import html
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.authoring.assemble import ANSWER_PROMPT, THEORY_POINTS, answer_grade_id
from grader.bank import load_bank
from grader.course.faults import KEPT_SUFFIX
from grader.course.ledger import Ledger
from grader.course.nbgrader_cli import run_nbgrader
from grader.engine.catalog import get_exercise, load_tracks
from grader.engine.report import FAIL_MARK, PASS_MARK
from grader.mock.calibration import load_labelled
from tests.engine.test_tampering import ATTACKS
from tests.submissions import (
    appended_to_cell,
    reference_sources,
    solved,
    student_notebook,
    write,
)

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

NOTEBOOK = "bert_classification.ipynb"
HALF = ["bert.fix_script", "bert.encode", "bert.metrics"]
CORRUPT = '{"cells": [ not json'


def mlkata(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )


def submit(course: Path, student: str, notebook: object) -> None:
    write(notebook, course / "submitted" / student / "bert" / NOTEBOOK)  # type: ignore[arg-type]


def scores(course: Path) -> dict[str, float]:
    """Each student's points from the checks (the theory answers are graded by hand)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.code_score for s in gradebook.assignment_submissions("bert")}


THEORY_ANSWERED = "bert.attention-mask-padding"


def theory_total() -> float:
    return THEORY_POINTS * len(load_bank()["bert"])


def with_theory_answer(notebook: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    """``notebook`` with ``text`` typed into the answer cell of THEORY_ANSWERED."""
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == answer_grade_id(THEORY_ANSWERED):
            cell.source = f"{ANSWER_PROMPT}\n\n{text}"
            return notebook
    raise KeyError(THEORY_ANSWERED)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course") / "ml101"
    done = mlkata("course", "init", str(root))
    assert done.returncode == 0, done.stderr
    submit(root, "blank", student_notebook())
    # half works in the notebook nbgrader released (theory answer cells included)
    release = nbformat.read(root / "release" / "bert" / NOTEBOOK, as_version=4)
    good = next(
        r["answer"]
        for r in load_labelled()
        if (r["question"], r["lang"], r["label"]) == (THEORY_ANSWERED, "en", "good")
    )
    submit(root, "half", with_theory_answer(solved(HALF, base=release), good))
    tampered = appended_to_cell(
        student_notebook(), "bert_encode", ATTACKS["redefines check and the grader's functions"]
    )
    submit(root, "tamper", tampered)
    (root / "submitted" / "corrupt" / "bert").mkdir(parents=True)
    (root / "submitted" / "corrupt" / "bert" / NOTEBOOK).write_text(CORRUPT)
    (root / "submitted" / "missing" / "bert").mkdir(parents=True)
    (root / "submitted" / "missing" / "bert" / "notes.txt").write_text("forgot the notebook")
    return root


def test_init_makes_one_assignment_per_topic(course: Path) -> None:
    """Are all topics released by nbgrader and in its gradebook?"""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        names = {assignment.name for assignment in gradebook.assignments}
    assert names == set(load_tracks())
    for track in load_tracks().values():
        assert (course / "release" / track.name / f"{track.notebook}.ipynb").exists()


@pytest.fixture(scope="module")
def graded(course: Path) -> subprocess.CompletedProcess[str]:
    """The first `mlkata course autograde` run over the five submissions."""
    return mlkata("course", "autograde", "bert", "--course", str(course), "--workers", "2")


@pytest.fixture(scope="module")
def feedback(course: Path, graded: subprocess.CompletedProcess[str]) -> Path:
    """nbgrader's own generate_feedback, run after the autograde."""
    done = run_nbgrader(course, "generate_feedback", "bert", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    return course / "feedback"


def feedback_text(feedback: Path, student: str) -> str:
    """The feedback HTML as the student reads it: tags dropped, entities decoded."""
    page = (feedback / student / "bert" / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_parallel_autograde_records_every_submission(
    course: Path, graded: subprocess.CompletedProcess[str]
) -> None:
    """Does --workers 2 grade everything, faults included, into the gradebook?"""
    assert "5 submissions to grade" in graded.stderr, graded.stderr
    assert graded.returncode == 0, graded.stderr
    half = sum(get_exercise(e).points for e in HALF)
    got = scores(course)
    assert got["blank"] == 0 and got["tamper"] == 0 and got["half"] == half
    ledger = Ledger(course, "bert").entries()
    assert set(ledger) == {"blank", "half", "tamper", "corrupt", "missing"}
    # a missing or corrupt notebook still gets its gradebook row, with 0
    assert got["corrupt"] == 0 and got["missing"] == 0
    assert {name for name, entry in ledger.items() if entry["not_graded"]} == {"corrupt", "missing"}
    assert "0 points corrupt: " in graded.stderr and "0 points missing: " in graded.stderr
    table = graded.stderr.split("bert: 5 students")[-1].replace("│", " ")
    summary = " ".join(table.split())
    total = load_tracks()["bert"].points + theory_total()
    assert f"corrupt 0 / {total:g} 0 points: see above" in summary and "half " in summary


def test_theory_answers_are_graded_by_hand_with_a_suggested_score(
    course: Path, graded: subprocess.CompletedProcess[str]
) -> None:
    """Is each theory answer a manually graded cell, with the model answer in the source and
    a stub in the release, and does autograde pre-fill a suggested score (high for a good
    answer, 0 for none) that still awaits the instructor's confirmation?"""
    source = nbformat.read(course / "source" / "bert" / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / "bert" / NOTEBOOK, as_version=4)
    cell_id = answer_grade_id(THEORY_ANSWERED)
    (ours,) = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id]
    (theirs,) = [
        c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id
    ]
    assert ours.cell_type == "markdown" and ours.metadata["nbgrader"]["grade"]
    assert "### BEGIN SOLUTION" in ours.source and "参考答案" in ours.source
    assert "YOUR ANSWER HERE" in theirs.source and "Model answer" not in theirs.source
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = NOTEBOOK.removesuffix(".ipynb")
        answered = gradebook.find_grade(cell_id, notebook, "bert", "half")
        other = gradebook.find_grade(
            answer_grade_id("bert.wordpiece-tokenization"), notebook, "bert", "half"
        )
        comment = gradebook.find_comment(cell_id, notebook, "bert", "half")
        assert answered.manual_score > 0.5 and answered.needs_manual_grade
        assert other.manual_score == 0 and other.needs_manual_grade
        assert "Suggested by mlkata's theory scorer" in comment.auto_comment


def test_an_unknown_assignment_is_one_line_before_any_progress(course: Path) -> None:
    """Does autograde of a mistyped assignment stop with one line naming the real ones,
    before it counts submissions or draws a progress bar?"""
    done = mlkata("course", "autograde", "bertt", "--course", str(course))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert "no assignment 'bertt'" in done.stderr and "did you mean 'bert'?" in done.stderr
    assert "submissions to grade" not in done.stderr and "autograding" not in done.stderr


def test_a_faulty_submission_keeps_its_file_and_shows_the_reason(
    course: Path, feedback: Path
) -> None:
    """Is the file as submitted kept, and the reason in the feedback and the ledger?"""
    folder = course / "submitted" / "corrupt" / "bert"
    assert (folder / (NOTEBOOK + KEPT_SUFFIX)).read_text() == CORRUPT
    text = feedback_text(feedback, "corrupt")
    assert "Not graded, 0 points: " in text and "corrupt notebook (not valid JSON)" in text
    text = feedback_text(feedback, "missing")
    assert f"no {NOTEBOOK} was submitted (the folder holds: notes.txt)" in text
    assert Ledger(course, "bert").entries()["missing"]["message"].startswith(f"no {NOTEBOOK}")


def test_feedback_shows_every_check_and_no_reference_or_hidden_code(
    course: Path, feedback: Path
) -> None:
    """Does nbgrader's feedback for a partial submission mark each check passed or failed,
    with the failure message, and hold no reference solution line and no hidden check?"""
    page = (feedback / "half" / "bert" / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    items = [plain(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", page, flags=re.DOTALL)]
    for exercise in load_tracks()["bert"].exercises:
        for check in exercise.checks:
            passed = exercise.id in HALF
            mark = PASS_MARK if passed else FAIL_MARK
            found = [i for i in items if i.startswith(f"{mark} {check.name}")]
            assert len(found) == 1, (check.name, items)
            assert passed or "is not implemented yet" in found[0], found[0]
    text = feedback_text(feedback, "half")
    submitted = {line.strip() for cell in solved(HALF).cells for line in cell.source.splitlines()}
    source = (course / "source" / "bert" / NOTEBOOK).read_text()
    secret = {
        line.strip()
        for exercise_id, code in reference_sources().items()
        if exercise_id not in HALF
        for line in code.splitlines()
        if line.strip() and line.strip() not in submitted
    }
    # the lines are really in the course's source notebook, and none reaches the feedback
    assert len(secret) > 20
    as_json = {line: json.dumps(line, ensure_ascii=False)[1:-1] for line in secret}
    assert [line for line in secret if as_json[line] not in source] == []
    assert [line for line in secret if line in text] == []
    hidden = [c for e in load_tracks()["bert"].exercises for c in e.checks if c.hidden]
    hidden_code = {
        line.strip()
        for check in hidden
        for line in inspect.getsource(check.function).splitlines()
        if len(line.strip()) > 8 and not line.lstrip().startswith(("@", "def ", '"""'))
    }
    assert len(hidden_code) > 5
    assert [line for line in hidden_code if line in text] == []


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_a_second_run_resumes_and_grades_nothing_new(course: Path) -> None:
    done = mlkata("course", "autograde", "bert", "--course", str(course))
    assert "0 submissions to grade, " in done.stderr, done.stderr


def test_export_has_one_column_per_exercise(
    course: Path, graded: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """Does `mlkata course export` write a row per submission, faults included, with the
    score and one column per exercise in the track's order?"""
    done = subprocess.run(  # without --out: ASSIGNMENT.csv here, as the README says
        [sys.executable, "-m", "grader.cli", "course", "export", "bert", "--course", str(course)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "bert.csv"
    assert "rows to bert.csv" in done.stdout and out.exists()
    with open(out, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = {row["student"]: row for row in reader}
    exercises = load_tracks()["bert"].exercises
    columns = ["student", "score", "max_score", *[e.id for e in exercises], "theory"]
    assert reader.fieldnames == columns
    assert {"blank", "half", "tamper", "corrupt", "missing"} <= set(rows)
    total = sum(e.points for e in exercises)
    for student, row in rows.items():
        expected = {e.id: e.points if student == "half" and e.id in HALF else 0 for e in exercises}
        if student in {"blank", "half", "tamper", "corrupt", "missing"}:
            assert {e: float(row[e]) for e in expected} == expected, student
            theory = float(row["theory"])
            assert float(row["score"]) == pytest.approx(sum(expected.values()) + theory), student
            assert (theory > 0.5) == (student == "half"), (student, theory)
        assert float(row["max_score"]) == total + theory_total()


def test_kill_9_mid_run_loses_nothing_and_resumes(course: Path) -> None:
    """After kill -9, are recorded grades kept and only the rest graded next time?"""
    for name in ("late1", "late2", "late3"):
        submit(course, name, solved(["bert.encode"]))
    command = [
        sys.executable,
        "-m",
        "grader.cli",
        "course",
        "autograde",
        "bert",
        "--course",
        str(course),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if sum(n.startswith("late") for n in Ledger(course, "bert").entries()) >= 1:
            break
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    recorded = {n for n in Ledger(course, "bert").entries() if n.startswith("late")}
    assert 1 <= len(recorded) < 3
    done = mlkata("course", "autograde", "bert", "--course", str(course))
    assert f"{3 - len(recorded)} submissions to grade" in done.stderr, done.stderr
    got = scores(course)
    assert all(
        got[name] == get_exercise("bert.encode").points for name in ("late1", "late2", "late3")
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_autograde_on_a_dask_cluster(course: Path) -> None:
    """Does --scheduler run the same grading on a Dask LocalCluster on loopback?"""
    from distributed import LocalCluster

    submit(course, "remote", solved(["bert.metrics"]))
    with LocalCluster(
        n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        done = mlkata(
            "course",
            "autograde",
            "bert",
            "--course",
            str(course),
            "--scheduler",
            cluster.scheduler_address,
        )
    assert "1 submissions to grade" in done.stderr, done.stderr
    assert scores(course)["remote"] == get_exercise("bert.metrics").points


def test_release_fetch_submit_and_collect_meet_in_the_course_exchange(
    course: Path, tmp_path: Path
) -> None:
    """Do nbgrader's own release_assignment, fetch_assignment, submit and collect work on a
    course from `mlkata course init`, without a system-wide exchange folder?"""
    from grader.course.nbgrader_cli import nbgrader_environment

    def as_student(*args: str) -> None:
        # A student on this machine names the course's exchange, as the config's comment says.
        exchange = f"--Exchange.root={course / 'exchange'}"
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args, "--course", course.name, exchange],
            cwd=tmp_path,
            env=nbgrader_environment(),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr

    notebook = f"{load_tracks()['textgen'].notebook}.ipynb"
    released = run_nbgrader(course, "release_assignment", "textgen", "--force")
    assert released.returncode == 0, released.stderr
    as_student("fetch_assignment", "textgen")
    fetched = tmp_path / "textgen" / notebook
    assert "mlkata" in fetched.read_text()
    as_student("submit", "textgen")
    collected = run_nbgrader(course, "collect", "textgen")
    assert collected.returncode == 0, collected.stderr
    submitted = course / "submitted" / getpass.getuser() / "textgen" / notebook
    assert submitted.read_bytes() == fetched.read_bytes()


POISON = """
import pathlib, torch, transformers
import grader.engine.resources as resources

# A module attribute: every later softmax and every BERT forward would lie, if they were shared.
torch.softmax = lambda *a, **k: torch.zeros(1)
torch.Tensor.softmax = lambda self, *a, **k: torch.zeros_like(self)
transformers.BertForSequenceClassification.forward = lambda self, *a, **k: None
# A cached model: zero the weights of everything this process has built or will build.
_build = resources.build
def _zeroed(ref):
    built = _build(ref)
    if isinstance(built, torch.nn.Module):
        with torch.no_grad():
            for parameter in built.parameters():
                parameter.zero_()
    return built
resources.build = _zeroed
# Files where a warm process might look: the working folder and the home folder.
for folder in (pathlib.Path("."), pathlib.Path.home()):
    try:
        (folder / "model.safetensors").write_bytes(b"poison")
    except OSError:
        pass

def fine_tune(model, train_texts, train_labels, epochs=3, lr=5e-5, batch_size=16):
    # A model whose weights the grader loads on its side: zeros, NaNs in the head.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        model.classifier.weight.fill_(float("nan"))
    return model
"""


def test_a_warm_worker_grades_the_next_submission_as_if_cold(
    course: Path, graded: subprocess.CompletedProcess[str]
) -> None:
    """One warm worker grades a submission, then one that tries to poison every cache (a
    module attribute, the resource cache, a returned model, files), then a copy of the
    first: does the copy get exactly the first one's score and feedback?"""
    submit(course, "w1-before", solved(HALF))
    submit(course, "w2-poison", appended_to_cell(solved(HALF), "bert_fine_tune", POISON))
    submit(course, "w3-after", solved(HALF))
    done = mlkata("course", "autograde", "bert", "--course", str(course), "--workers", "1")
    assert "3 submissions to grade" in done.stderr, done.stderr
    got = scores(course)
    assert got["w1-before"] == got["w3-after"] == sum(get_exercise(e).points for e in HALF)
    run_nbgrader(course, "generate_feedback", "bert", "--student", "w1-before", "--force")
    run_nbgrader(course, "generate_feedback", "bert", "--student", "w3-after", "--force")
    before, after = (
        re.sub(r"mlkata-[\w.-]+|w[13]-(before|after)", "…", feedback_text(course / "feedback", s))
        for s in ("w1-before", "w3-after")
    )
    assert "passed" in before and before == after
