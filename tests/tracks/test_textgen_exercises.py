"""Do the text generation checks tell right from wrong, on the real model and server?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from tests.tracks.checking import reference_namespace, run_all_checks, stub_namespace
from tests.tracks.textgen_wrong_solutions import WRONG_SOLUTIONS

EXERCISES = [exercise.id for exercise in load_tracks()["textgen"].exercises]


@pytest.fixture(scope="module", autouse=True)
def llm_server() -> Iterator[None]:
    """One real `transformers serve` on a free loopback port for the whole module."""
    from grader.serving import server

    server.shared_endpoint()
    yield
    if server._shared is not None:
        server._shared.stop()


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return reference_namespace("text_generation")


@pytest.fixture(scope="module")
def stubs() -> dict[str, Any]:
    return stub_namespace("textgen")


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_solution_passes_every_check(exercise_id: str, reference: dict) -> None:
    results = run_all_checks(exercise_id, reference)
    assert results and [r.message for r in results if not r.passed] == []


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_untouched_stub_fails_every_check(exercise_id: str, stubs: dict) -> None:
    results = run_all_checks(exercise_id, stubs)
    assert results and not any(r.passed for r in results)
    assert all("not implemented" in r.message for r in results)


@pytest.mark.parametrize(
    ("exercise_id", "function", "wrong"),
    WRONG_SOLUTIONS,
    ids=[wrong.__name__ for _, _, wrong in WRONG_SOLUTIONS],
)
def test_plausible_wrong_solution_fails(
    exercise_id: str, function: str, wrong: Any, reference: dict
) -> None:
    results = run_all_checks(exercise_id, {**reference, function: wrong})
    failures = [r for r in results if not r.passed]
    assert failures, f"{wrong.__name__} ({wrong.__doc__}) passed every check"
    assert all(r.message for r in failures)
