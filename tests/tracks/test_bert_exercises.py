"""Do the BERT checks tell right from wrong? Reference passes, stubs and mistakes fail."""

from __future__ import annotations

from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from tests.tracks.bert_wrong_solutions import WRONG_SOLUTIONS
from tests.tracks.checking import run_all_checks

EXERCISES = [exercise.id for exercise in load_tracks()["bert"].exercises]
FAST = [e for e in EXERCISES if e != "bert.fine_tune"]


@pytest.mark.parametrize("exercise_id", FAST)
def test_reference_solution_passes_every_check(exercise_id: str, bert_reference: dict) -> None:
    """Does the reference solution pass all checks, hidden ones included?"""
    results = run_all_checks(exercise_id, bert_reference)
    assert [r.message for r in results if not r.passed] == []
    assert results, "an exercise without checks proves nothing"


@pytest.mark.slow
def test_reference_fine_tuning_reaches_the_target(bert_reference: dict) -> None:
    """Does the reference fine-tuning reach the accuracy the check demands?"""
    results = run_all_checks("bert.fine_tune", bert_reference)
    assert [r.message for r in results if not r.passed] == []


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_untouched_stub_fails_every_check(exercise_id: str, bert_stubs: dict) -> None:
    """Does the learner's untouched stub fail, with a message that says it is not done?"""
    results = run_all_checks(exercise_id, bert_stubs)
    assert results and not any(r.passed for r in results)
    assert all("not implemented" in r.message for r in results)


@pytest.mark.parametrize(
    ("exercise_id", "function", "wrong"),
    WRONG_SOLUTIONS,
    ids=[wrong.__name__ for _, _, wrong in WRONG_SOLUTIONS],
)
def test_plausible_wrong_solution_fails(
    exercise_id: str, function: str, wrong: Any, bert_reference: dict
) -> None:
    """Does a realistic mistake fail at least one check, with a readable message?"""
    namespace = {**bert_reference, function: wrong}
    results = run_all_checks(exercise_id, namespace)
    failures = [r for r in results if not r.passed]
    assert failures, f"{wrong.__name__} ({wrong.__doc__}) passed every check"
    assert all(r.message for r in failures)
