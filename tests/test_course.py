"""Instructor grading at scale: a course made by `mlkata course init`, autograded in
parallel into nbgrader's gradebook, resumed after kill -9, and run on a Dask cluster."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grader.course.ledger import Ledger
from grader.engine.catalog import get_exercise, load_tracks
from tests.engine.test_tampering import ATTACKS
from tests.submissions import appended_to_cell, solved, student_notebook, write

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

NOTEBOOK = "bert_classification.ipynb"
HALF = ["bert.fix_script", "bert.encode", "bert.metrics"]


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
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions("bert")}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course") / "ml101"
    done = mlkata("course", "init", str(root))
    assert done.returncode == 0, done.stderr
    submit(root, "blank", student_notebook())
    submit(root, "half", solved(HALF))
    tampered = appended_to_cell(
        student_notebook(), "bert_encode", ATTACKS["redefines check and the grader's functions"]
    )
    submit(root, "tamper", tampered)
    (root / "submitted" / "corrupt" / "bert").mkdir(parents=True)
    (root / "submitted" / "corrupt" / "bert" / NOTEBOOK).write_text('{"cells": [ not json')
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


def test_parallel_autograde_records_every_submission(course: Path) -> None:
    """Does --workers 2 grade everything, faults included, into the gradebook?"""
    done = mlkata("course", "autograde", "bert", "--course", str(course), "--workers", "2")
    assert "5 submissions to grade" in done.stderr, done.stderr
    half = sum(get_exercise(e).points for e in HALF)
    got = scores(course)
    assert got["blank"] == 0 and got["tamper"] == 0 and got["half"] == half
    ledger = Ledger(course, "bert").entries()
    assert set(ledger) == {"blank", "half", "tamper", "corrupt", "missing"}
    assert got.get("corrupt", 0) == 0 and got.get("missing", 0) == 0


def test_a_second_run_resumes_and_grades_nothing_new(course: Path) -> None:
    done = mlkata("course", "autograde", "bert", "--course", str(course))
    assert "0 submissions to grade, " in done.stderr, done.stderr


def test_export_has_one_column_per_exercise(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    assert (
        mlkata("course", "export", "bert", "--course", str(course), "--out", str(out)).returncode
        == 0
    )
    with open(out, newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    for exercise in load_tracks()["bert"].exercises:
        assert exercise.id in rows["half"]
    assert float(rows["half"]["bert.encode"]) == get_exercise("bert.encode").points
    assert float(rows["half"]["bert.predict"]) == 0


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
