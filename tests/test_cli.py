"""Does the `mlkata` command help, list, answer, diagnose, and refuse bad input in one line?"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_notebook

from grader.engine.submission import grade_id
from grader.mock import default_history_path
from grader.mock.history import History
from tests.submissions import solved, student_notebook, write


def mlkata(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlkata: "), done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_every_verb() -> None:
    done = mlkata("--help")
    assert done.returncode == 0
    for verb in ("lab", "check", "list", "answer", "hint", "doctor", "prepare", "build"):
        assert verb in done.stdout


def test_check_help_explains_the_json_output() -> None:
    done = mlkata("check", "--help")
    assert done.returncode == 0 and "--json" in done.stdout and "max_score" in done.stdout


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.ipynb", "no such file"),
        (lambda d: d, "is a folder"),
        (lambda d: _file(d / "notes.txt", "hello"), "not a notebook"),
        (lambda d: _file(d / "corrupt.ipynb", '{"cells": [ oops'), "corrupt notebook"),
        (lambda d: _file(d / "binary.ipynb", b"\xff\xfe\x00garbage"), "cannot be read"),
        (lambda d: write(new_notebook(), d / "unrelated.ipynb"), "no mlkata exercises"),
    ],
    ids=["missing", "folder", "not-a-notebook", "corrupt", "binary", "unrelated"],
)
def test_check_refuses_bad_input_in_one_line(tmp_path: Path, make, fragment: str) -> None:
    """Is each kind of unusable input refused with one line and no traceback?"""
    assert_one_line_error(mlkata("check", str(make(tmp_path))), fragment)


def _file(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def test_check_scores_deleted_exercise_cells_zero_with_the_reason(tmp_path: Path) -> None:
    """Does a notebook missing exercise cells get 0 for them, with the reason, as JSON?"""
    notebook = student_notebook()
    notebook.cells = [
        c for c in notebook.cells if grade_id(c) not in ("bert_encode", "bert_metrics")
    ]
    done = mlkata("check", str(write(notebook, tmp_path / "deleted.ipynb")), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"score", "max_score", "exercises"}
    by_id = {e["id"]: e for e in report["exercises"]}
    assert set(by_id["bert.encode"]) >= {"id", "score", "max_score", "passed", "messages"}
    assert by_id["bert.encode"]["score"] == 0
    assert "exercise cell not found" in by_id["bert.encode"]["messages"][0]
    assert report["score"] == 0 and report["max_score"] == 19


def test_check_one_exercise_grades_it_alone_hidden_checks_included(tmp_path: Path) -> None:
    """Does `mlkata check NB --exercise bert.encode` give that exercise's authoritative
    score (3 points, the hidden check's among them) and leave the others out?"""
    path = write(solved(["bert.encode"]), tmp_path / "one.ipynb")
    done = mlkata("check", str(path), "--exercise", "bert.encode", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [e["id"] for e in report["exercises"]] == ["bert.encode"]
    assert report["score"] == report["max_score"] == 3
    assert any(c["hidden"] for c in report["exercises"][0]["checks"])
    with History(default_history_path()) as history:  # for `mlkata progress`
        assert history.exercise_status()["bert.encode"] == "solved"
    assert_one_line_error(
        mlkata("check", str(path), "--exercise", "bert.encod"), "did you mean 'bert.encode'?"
    )


def test_check_prints_a_table_without_json(tmp_path: Path) -> None:
    done = mlkata("check", str(write(student_notebook(), tmp_path / "blank.ipynb")))
    assert done.returncode == 1
    assert "bert.fine_tune" in done.stdout and "0/4" in done.stdout


def test_list_json_has_topics_exercises_and_points() -> None:
    data = json.loads(mlkata("list", "--json").stdout)
    bert = next(t for t in data["topics"] if t["topic"] == "bert")
    assert bert["points"] == sum(e["points"] for e in bert["exercises"]) == 19
    assert {e["difficulty"] for e in bert["exercises"]} <= {"easy", "medium", "hard"}
    assert len(bert["questions"]) >= 13


def test_answer_shows_the_model_answer_in_chinese() -> None:
    done = mlkata("answer", "bert.classification-steps", "--lang", "zh")
    assert done.returncode == 0 and "要点" in done.stdout


def test_answer_shows_common_mistakes_review_month_and_sources() -> None:
    """Does `mlkata answer` show the misconceptions, when it was reviewed and its sources?"""
    done = mlkata("answer", "efficiency.flash-attention", "--lang", "en")
    shown = " ".join(done.stdout.split())  # rich wraps long lines
    assert done.returncode == 0, done.stderr
    assert "Common mistakes" in shown and "Reviewed" in shown and "Sources" in shown
    assert "2026-12" in shown and "arXiv:2205.14135" in shown


def test_unknown_ids_are_one_line_errors() -> None:
    assert_one_line_error(mlkata("answer", "bert.nope"), "unknown question")
    assert_one_line_error(mlkata("hint", "bert.nope"), "unknown exercise")
    assert_one_line_error(mlkata("hint", "bert.encodee"), "did you mean 'bert.encode'?")
    assert_one_line_error(mlkata("hint", "bert.encode", "7"), "hints 1 to 2")


def test_doctor_reports_versions_models_device_and_cache() -> None:
    report = json.loads(mlkata("doctor", "--json").stdout)
    assert report["packages"]["torch"] and report["packages"]["nbgrader"]
    assert report["models"]["bert"]["ok"] and report["models"]["llm"]["ok"]
    assert report["device"] in ("cpu", "cuda")
    assert report["cache"]
    assert report["isolation"].startswith(("on", "off", "unavailable"))


def test_list_at_80_columns_shows_every_id_whole() -> None:
    """Ids are what `mlkata answer` and `mlkata hint` take: are none cut with "…" at 80
    columns (the titles wrap instead)?"""
    import io

    from rich.console import Console

    from grader.commands.list import catalogue, print_tables

    data = catalogue()
    screen = io.StringIO()
    print_tables(data, Console(file=screen, width=80))
    shown = screen.getvalue()
    assert "…" not in shown
    cells = {cell.strip() for line in shown.splitlines() for cell in line.split("│")}
    for topic in data["topics"]:
        for item in [*topic["exercises"], *topic["questions"]]:
            assert item["id"] in cells, item["id"]


@pytest.mark.parametrize(
    "command",
    [["hint", "bert.encode"], ["list"], ["answer", "bert.classification-steps"]],
    ids=["hint", "list", "answer"],
)
def test_content_only_commands_do_not_import_torch(command: list[str]) -> None:
    """Do `mlkata hint`, `list` and `answer`, which only show prose, run without importing
    torch or transformers (seconds of start-up; benchmarks/cli_startup.py times them)?"""
    code = (
        "import sys, contextlib, io\n"
        "from grader.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({command!r}) == 0\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'nbgrader') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_outline_read_without_torch_matches_the_imported_catalog() -> None:
    """Are the ids, prose and points that content-only commands read from the sources
    (checks parsed, not imported) the same as the full catalog's?"""
    from grader.engine.catalog import load_tracks
    from grader.engine.outline import load_outlines

    outlines = load_outlines()
    for name, track in load_tracks().items():
        outline = outlines[name]
        assert (outline.title, outline.notebook, outline.points) == (
            track.title,
            track.notebook,
            track.points,
        )
        for exercise, light in zip(track.exercises, outline.exercises, strict=True):
            hidden = sum(c.points for c in exercise.checks if c.hidden)
            assert (light.id, light.title, light.functions, light.hints) == (
                exercise.id,
                exercise.title,
                exercise.functions,
                exercise.hints,
            )
            assert (light.points, light.hidden_points) == (exercise.points, hidden)
            assert light.difficulty == exercise.difficulty in ("easy", "medium", "hard")


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["check", "--jsno", "x.ipynb"], "usage: mlkata check "),
        (["course", "autograde", "bert", "--wrokers", "2"], "usage: mlkata course autograde "),
    ],
)
def test_a_mistyped_flag_shows_the_subcommands_usage(args: list[str], usage: str) -> None:
    done = mlkata(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(usage), done.stderr
    assert f"unrecognized arguments: {args[-2] if args[-1] == '2' else args[1]}" in done.stderr


def test_course_subcommands_have_descriptions() -> None:
    for action in ("init", "autograde", "export"):
        done = mlkata("course", action, "--help")
        paragraphs = done.stdout.split("\n\n")
        assert done.returncode == 0 and len(paragraphs[1].split()) > 8, done.stdout
