"""Is a mock interview's coding answer scored by the real checks, in the real sandbox?"""

from __future__ import annotations

import pytest

from grader.engine.catalog import get_exercise
from grader.mock.coding import grade_code
from tests.submissions import reference_sources

pytestmark = pytest.mark.slow


def test_a_correct_answer_gets_every_point_and_a_stub_none() -> None:
    full = get_exercise("bert.metrics").points
    right = grade_code("bert.metrics", reference_sources()["bert.metrics"])
    assert (right.points, right.max_points, right.fraction) == (full, full, 1.0), right.messages
    stub = "def classification_metrics(y_true, y_pred, num_labels):\n    raise NotImplementedError"
    wrong = grade_code("bert.metrics", stub)
    assert wrong.points == 0 and wrong.messages
