"""Does a fault in one exercise cost only that exercise, with the reason in its feedback?

Each submission solves bert.encode and breaks bert.fix_script in one way; the runner must
give encode its full points, fix_script zero, and say why.
"""

from __future__ import annotations

import pytest

from grader.engine.limits import DEFAULT_MEMORY_MB
from grader.engine.runner import SandboxSession, SessionStudent, grade_notebook
from grader.engine.spec import CheckFailure
from grader.engine.submission import CodeToRun
from tests.submissions import reference_sources, solved, with_cell_source

STUB_HEADER = "def classify_text(model, tokenizer, text):\n"

FAULTS = {
    "loops forever when called": (STUB_HEADER + "    while True:\n        pass\n", "timed out"),
    "loops forever at import": ("while True:\n    pass\n", "timed out"),
    "raises at import": ("raise ValueError('oops')\n", "ValueError: oops"),
    "exits the process when called": (
        STUB_HEADER + "    import os\n    os._exit(3)\n",
        "exited with code 3",
    ),
    "calls sys.exit at import": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "crashes with a segfault": (
        STUB_HEADER + "    import ctypes\n    ctypes.string_at(0)\n",
        "SIGSEGV",
    ),
    "allocates far too much memory": (
        STUB_HEADER + "    import torch\n    return torch.ones(2**40, dtype=torch.uint8).sum()\n",
        "alloc",
    ),
    "prints a huge output": (
        STUB_HEADER + "    print('x' * 50_000_000)\n    raise ValueError('still wrong')\n",
        "still wrong",
    ),
}


@pytest.fixture(scope="module")
def encode_points() -> float:
    from grader.engine.catalog import get_exercise

    return get_exercise("bert.encode").points


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_fault_costs_only_its_own_exercise(fault: str, encode_points: float) -> None:
    """Does the broken exercise score 0 with the reason while the solved one still counts?"""
    source, reason = FAULTS[fault]
    notebook = with_cell_source(solved(["bert.encode"]), "bert_fix_script", source)
    report = grade_notebook(notebook, cell_timeout_s=4, check_timeout_cap_s=4, memory_mb=4096)
    scores = {e.id: e for e in report.exercises}
    assert scores["bert.encode"].score == encode_points, scores["bert.encode"].messages
    broken = scores["bert.fix_script"]
    assert broken.score == 0
    assert any(reason in message for message in broken.messages), broken.messages
    # where the time went, restarts after the fault included, adds up to the whole
    timings = report.timings
    assert set(timings) == {"total_s", "sandbox_startup_s", "model_load_s", "checks_s"}
    assert timings["sandbox_startup_s"] > 0 and timings["model_load_s"] > 0, timings
    parts = timings["sandbox_startup_s"] + timings["model_load_s"] + timings["checks_s"]
    assert parts == pytest.approx(timings["total_s"])


def test_fault_messages_name_the_call() -> None:
    """Does a failing check say what was called, what came back and what was expected?"""
    wrong = reference_sources()["bert.encode"].replace("padding=True", 'padding="max_length"')
    report = grade_notebook(with_cell_source(solved([]), "bert_encode", wrong))
    encode = next(e for e in report.exercises if e.id == "bert.encode")
    message = "\n".join(encode.messages)
    assert "called:   encode_batch(" in message
    assert "got:      input_ids of shape (3, 64)" in message
    assert "expected: shape (3, " in message


def test_after_a_crash_the_next_check_sees_the_cells_reloaded() -> None:
    """A check that kills the sandbox must not cost the next one its functions, whether that
    one expects a value (``call``) or an exception (``raises``)."""
    cells = {
        "cell": (
            "import os\n"
            "def crash():\n    os._exit(3)\n"
            "def refuse(x):\n    raise ValueError(f'no {x}')\n"
            "def double(x):\n    return 2 * x\n"
        )
    }
    session = SandboxSession(CodeToRun(exercise_cells=cells), DEFAULT_MEMORY_MB, cell_timeout_s=30)
    try:
        student = SessionStudent(session, timeout_s=30)
        with pytest.raises(CheckFailure, match="exited with code 3"):
            student.call("crash")
        assert student.raises("refuse", 1).startswith("ValueError: no 1")
        with pytest.raises(CheckFailure, match="exited with code 3"):
            student.call("crash")
        assert student.call("double", 21).value == 42
    finally:
        session.close()
