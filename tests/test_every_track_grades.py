"""Does the authoritative runner give every topic's fully solved notebook full marks, and
its untouched notebook zero? (The per-track tests run checks in-process; this runs each
learner notebook through the sandbox, as `mlkata check` and nbgrader do.)"""

from __future__ import annotations

import pytest

from grader.engine.catalog import load_tracks
from grader.engine.runner import grade_notebook
from tests.submissions import solved, student_notebook

pytestmark = pytest.mark.slow

OTHER_TRACKS = [name for name in load_tracks() if name != "bert"]  # bert: test_nbgrader_course


@pytest.mark.parametrize("track", OTHER_TRACKS)
def test_solved_notebook_gets_full_marks(track: str) -> None:
    report = grade_notebook(solved(track=track))
    failed = {e.id: e.messages for e in report.exercises if not e.passed}
    assert failed == {} and report.score == report.max_score == load_tracks()[track].points


@pytest.mark.parametrize("track", OTHER_TRACKS)
def test_untouched_notebook_gets_zero(track: str) -> None:
    report = grade_notebook(student_notebook(track))
    assert report.score == 0 and report.max_score > 0
