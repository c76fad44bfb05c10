"""After passing: is the reference solution shown, with how it differs, and can one exercise
be reset to its stub without touching the rest of the notebook?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from grader.engine import interactive, reference
from grader.engine.submission import grade_id
from grader.errors import MlkataError
from tests.submissions import reference_sources, solved, student_notebook, write
from tests.test_cli import mlkata


def run_in(namespace: dict[str, Any], code: str) -> None:
    names = {"check": interactive.check, "solution": interactive.solution}
    exec(compile(code, "<cell>", "exec"), {**namespace, **names})


def test_the_solution_is_shown_only_after_passing(bert_reference: dict, capsys) -> None:
    reference.passed_here.discard("bert.encode")
    with pytest.raises(MlkataError, match=r"pass bert\.encode first"):
        run_in(bert_reference, 'solution("bert.encode")')
    run_in(bert_reference, 'check("bert.encode")')
    capsys.readouterr()
    run_in(bert_reference, 'solution("bert.encode")')
    shown = capsys.readouterr().out
    assert "Reference solution of bert.encode" in shown and "def encode_batch" in shown
    assert "How it differs from yours" in shown and "BEGIN SOLUTION" not in shown


def test_the_difference_note_names_what_only_one_side_calls() -> None:
    yours = "def f(model, x):\n    return model(x)\n"
    theirs = (
        "def f(model, x):\n    model.eval()\n    with torch.no_grad():\n        return model(x)\n"
    )
    note = reference.difference_note(yours, theirs)
    assert "yours has 2 lines of code, the reference 4" in note
    assert "the reference calls `eval`, `no_grad`" in note and "yours calls" not in note


def test_reset_puts_back_one_stub_and_keeps_every_other_cell(tmp_path: Path) -> None:
    path = write(solved(["bert.encode", "bert.metrics"]), tmp_path / "mine.ipynb")
    done = mlkata("reset", str(path), "--exercise", "bert.encode")
    assert done.returncode == 0, done.stderr
    after = {grade_id(c): c.source for c in nbformat.read(path, as_version=4).cells}
    stubs = {grade_id(c): c.source for c in student_notebook().cells}
    assert after["bert_encode"] == stubs["bert_encode"]
    assert after["bert_metrics"] == reference_sources()["bert.metrics"]
    assert len(after) == len(stubs)
    missing = mlkata("reset", str(path), "--exercise", "bert.encodee")
    assert missing.returncode == 2 and "did you mean 'bert.encode'?" in missing.stderr
