"""Do the efficiency checks tell right from wrong? Reference passes, stubs and mistakes fail."""

from __future__ import annotations

from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from tests.tracks.checking import reference_namespace, run_all_checks, stub_namespace
from tests.tracks.efficiency_wrong_solutions import WRONG_SOLUTIONS

TRACK = "efficiency"
EXERCISES = [exercise.id for exercise in load_tracks()[TRACK].exercises]


@pytest.fixture(scope="session")
def efficiency_reference() -> dict[str, Any]:
    """The reference solutions as a notebook namespace; the fine-tuned model prepared once."""
    from grader.engine.resources import build
    from grader.engine.spec import Ref

    build(Ref.of("efficiency.fine_tuned"))  # fine-tunes once per machine, then loads from cache
    return reference_namespace("efficiency")


@pytest.fixture(scope="session")
def efficiency_stubs() -> dict[str, Any]:
    """The untouched learner notebook's setup and exercise cells, executed."""
    return stub_namespace("efficiency")


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_solution_passes_every_check(
    exercise_id: str, efficiency_reference: dict
) -> None:
    """Does the reference solution pass all checks, hidden ones included?"""
    results = run_all_checks(exercise_id, efficiency_reference)
    assert [r.message for r in results if not r.passed] == []
    assert results, "an exercise without checks proves nothing"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_untouched_stub_fails_every_check(exercise_id: str, efficiency_stubs: dict) -> None:
    """Does the learner's untouched stub fail, with a message that says it is not done?"""
    results = run_all_checks(exercise_id, efficiency_stubs)
    assert results and not any(r.passed for r in results)
    assert all("not implemented" in r.message for r in results)


@pytest.mark.parametrize(
    ("exercise_id", "function", "wrong"),
    WRONG_SOLUTIONS,
    ids=[wrong.__name__ for _, _, wrong in WRONG_SOLUTIONS],
)
def test_plausible_wrong_solution_fails(
    exercise_id: str, function: str, wrong: Any, efficiency_reference: dict
) -> None:
    """Does a realistic mistake fail at least one check, with a readable message?"""
    namespace = {**efficiency_reference, function: wrong}
    results = run_all_checks(exercise_id, namespace)
    failures = [r for r in results if not r.passed]
    assert failures, f"{wrong.__name__} ({wrong.__doc__}) passed every check"
    assert all(r.message for r in failures)


def test_out_of_range_arguments_are_one_line_value_errors(efficiency_reference: dict) -> None:
    """Do the reference functions refuse bad arguments with a one-line ValueError?"""
    ref = efficiency_reference
    cases = [
        (ref["prune_linear_layers"], (torch_linear(), 1.0), "sparsity must be in"),
        (ref["serve_with_cache"], (str, ["a"], 0), "max_entries must be"),
        (ref["accumulate_gradients"], (None, None, ["a"], [0], 0), "k must be between"),
    ]
    for function, args, message in cases:
        with pytest.raises(ValueError, match=message) as raised:
            function(*args)
        assert "\n" not in str(raised.value)


def torch_linear() -> Any:
    import torch

    return torch.nn.Sequential(torch.nn.Linear(4, 4))
