"""The mock and progress verbs from the command line: one-line errors, the notebook mode,
a scripted terminal session graded into the history, and the progress plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from grader.bank import load_bank
from grader.mock.calibration import load_labelled


def mlkata(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLKATA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    for args, fragment in [
        (("mock", "--topics", "gan"), "valid topics are " + ", ".join(sorted(load_bank()))),
        (("mock", "--difficulty", "expert"), "valid difficulties are easy, medium, hard"),
        (("mock", "--grade", "nope"), "no mock session 'nope'"),
        (("mock", "--resume"), "no unfinished mock session"),
        (("progress",), "no progress yet: run a check cell, `mlkata check NOTEBOOK`"),
        (("mock", "--notebook", "--interviewer"), "--interviewer asks its follow-ups in the"),
    ]:
        done = mlkata(tmp_path, *args)
        assert done.returncode == 2, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0], done.stderr


def test_notebook_mode_shows_the_deadline(tmp_path: Path) -> None:
    done = mlkata(tmp_path, "mock", "--notebook", "--no-open", "--topics", "bert", "--seed", "4")
    assert done.returncode == 0, done.stderr
    (path,) = tmp_path.glob("sessions/*/mock_interview.ipynb")
    notebook = nbformat.read(path, as_version=4)
    assert "Deadline" in notebook.cells[0].source
    assert any(c.metadata.get("mlkata", {}).get("mock_item") for c in notebook.cells)


def test_terminal_session_graded_into_history_and_progress(tmp_path: Path) -> None:
    good = {(r["question"], r["label"]): r["answer"] for r in load_labelled() if r["lang"] == "en"}
    answers = [good[(q, "good")] for q in ("textgen.temperature", "textgen.kv-cache")]
    stdin = "".join(f"{a}\n.\n" for a in answers)  # the rest: end of input, empty answers
    done = mlkata(
        tmp_path,
        "mock",
        "--topics",
        "textgen",
        "--minutes",
        "14",
        "--seed",
        "1",
        "--no-coding",
        stdin=stdin,
    )
    assert done.returncode == 0, done.stderr
    assert "report:" in done.stdout
    (session_file,) = tmp_path.glob("sessions/*/session.json")
    session = json.loads(session_file.read_text())
    assert session["status"] == "graded" and session["graded"]["max_score"] == 4
    shown = mlkata(tmp_path, "progress", "--plot", str(tmp_path / "p.png"))
    assert shown.returncode == 0, shown.stderr
    assert "textgen" in shown.stdout and (tmp_path / "p.png").stat().st_size > 1000


def test_progress_lists_every_exercise_as_solved_attempted_or_untouched(
    tmp_path: Path, monkeypatch
) -> None:
    """Do check-cell and `mlkata check` runs, kept in the history, give each topic's
    exercises a state, with a plot, even before any mock interview?"""
    from grader.mock.history import record_exercise_run

    monkeypatch.setenv("MLKATA_HOME", str(tmp_path))
    record_exercise_run("bert.encode", "bert", 2, 2, True, "notebook")
    record_exercise_run("bert.predict", "bert", 1, 4, False, "mlkata check")
    record_exercise_run("bert.predict", "bert", 0, 4, False, "notebook")
    shown = mlkata(tmp_path, "progress", "--plot", str(tmp_path / "p.png"))
    assert shown.returncode == 0, shown.stderr
    rows = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines() if "│" in line}
    cells = [cell.strip() for cell in rows["bert"].split("│")[2:5]]
    assert cells == ["1", "1", "4"], rows["bert"]
    assert "predict" in rows["bert"] and "encode" not in rows["bert"]
    assert [c.strip() for c in rows["textgen"].split("│")[2:5]] == ["0", "0", "4"]
    assert (tmp_path / "p.png").stat().st_size > 1000
