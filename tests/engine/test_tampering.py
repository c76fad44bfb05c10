"""Can a submission raise its own score by tampering with the grader? Each attempt is made
in a copy of the untouched learner notebook and must still score 0 from the runner."""

from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell

from grader.engine.runner import grade_notebook
from grader.engine.submission import grade_id
from tests.submissions import appended_to_cell, student_notebook

ATTACKS = {
    "redefines check and the grader's functions": """
import grader, grader.engine.runner as runner, grader.engine.expect as expect
from grader.engine.report import CheckResult
def check(*args, **kwargs):
    return True
grader.check = check
runner.run_check = lambda c, s, *a: CheckResult(c.name, c.points, True, c.hidden)
expect.fail = lambda *a, **k: None
""",
    "monkeypatches torch, numpy testing and pytest": """
import numpy.testing, pytest, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
numpy.testing.assert_allclose = lambda *a, **k: None
pytest.approx = lambda expected, **k: expected
""",
    "silences tracebacks (nbgrader #1324)": """
try:
    get_ipython().showtraceback = lambda *a, **k: None
except NameError:
    pass
import sys
sys.excepthook = lambda *a: None
""",
    "exits the process during the checks": """
import atexit, os
atexit.register(lambda: os._exit(0))
def classify_text(model, tokenizer, text):
    os._exit(0)
""",
    "writes files that look like results": """
import json, pathlib
for name in ("results.json", "report.json", "grades.csv", "../results.json"):
    try:
        pathlib.Path(name).write_text(json.dumps({"score": 19, "max_score": 19}))
    except OSError:
        pass
""",
    "returns an object that runs code when unpickled": """
import os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/mlkata-pwned",))
def encode_batch(tokenizer, texts, max_length):
    return {"input_ids": Payload(), "attention_mask": Payload()}
""",
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_tampering_in_an_exercise_cell_scores_zero(attack: str) -> None:
    """Does this attempt, written into exercise cells, still score 0?"""
    notebook = student_notebook()
    for cell_id in ("bert_fix_script", "bert_encode"):
        notebook = appended_to_cell(notebook, cell_id, ATTACKS[attack])
    report = grade_notebook(notebook, check_timeout_cap_s=20)
    assert report.score == 0, [e.messages for e in report.exercises if e.score]
    assert report.max_score > 0


def test_edited_and_deleted_check_cells_change_nothing() -> None:
    """Does rewriting one check cell and deleting the others still score 0?"""
    notebook = copy.deepcopy(student_notebook())
    kept = []
    for cell in notebook.cells:
        cell_id = grade_id(cell) or ""
        if cell_id == "check_bert_encode":
            cell.source = "print('all checks passed')"
            cell.metadata["nbgrader"]["points"] = 100
        elif cell_id.startswith("check_"):
            continue
        kept.append(cell)
    notebook.cells = kept
    notebook.cells.append(new_code_cell("check = lambda *a, **k: None"))
    report = grade_notebook(notebook)
    assert report.score == 0
    assert report.max_score == 19


def test_unpickling_payload_never_ran() -> None:
    """Did the pickle payload above stay unexecuted on the trusted side?"""
    import pathlib

    test_tampering_in_an_exercise_cell_scores_zero(
        "returns an object that runs code when unpickled"
    )
    assert not pathlib.Path("/tmp/mlkata-pwned").exists()
