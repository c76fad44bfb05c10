"""For every topic and exercise: does the reference solution pass every check (hidden ones
included), does the untouched stub fail every check, and does each plausible wrong solution
in ``tests/tracks/<topic>_wrong_solutions.py`` fail at least one, with a readable message?

Checks run in-process here (fast, and the same code as in the sandbox); the sandboxed path
is covered by tests/test_every_track_grades.py and the nbgrader tests.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from tests.tracks.checking import reference_namespace, run_all_checks, stub_namespace

TRACKS = load_tracks()
EXERCISES = [(track, exercise.id) for track in TRACKS for exercise in TRACKS[track].exercises]
WRONG = [
    (track, *case)
    for track in TRACKS
    for case in importlib.import_module(f"tests.tracks.{track}_wrong_solutions").WRONG_SOLUTIONS
]

Namespaces = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="session")
def references() -> Namespaces:
    """Each topic's reference solutions as a notebook namespace, loaded once."""
    return functools.cache(lambda track: reference_namespace(TRACKS[track].notebook))


@pytest.fixture(scope="session")
def stubs() -> Namespaces:
    """Each topic's untouched learner cells, executed once."""
    return functools.cache(stub_namespace)


@pytest.mark.parametrize(("track", "exercise_id"), EXERCISES, ids=[e for _, e in EXERCISES])
def test_reference_solution_passes_every_check(
    track: str, exercise_id: str, references: Namespaces
) -> None:
    results = run_all_checks(exercise_id, references(track))
    assert results, "an exercise without checks proves nothing"
    assert [r.message for r in results if not r.passed] == []


@pytest.mark.parametrize(("track", "exercise_id"), EXERCISES, ids=[e for _, e in EXERCISES])
def test_untouched_stub_fails_every_check(track: str, exercise_id: str, stubs: Namespaces) -> None:
    results = run_all_checks(exercise_id, stubs(track))
    assert results and not any(r.passed for r in results)
    assert all("not implemented" in r.message for r in results)


@pytest.mark.parametrize(
    ("track", "exercise_id", "function", "wrong"), WRONG, ids=[w.__name__ for *_, w in WRONG]
)
def test_plausible_wrong_solution_fails(
    track: str, exercise_id: str, function: str, wrong: Any
) -> None:
    namespace = reference_namespace(TRACKS[track].notebook)  # fresh: given helpers see `wrong`
    namespace[function] = wrong
    results = run_all_checks(exercise_id, namespace)
    failures = [r for r in results if not r.passed]
    assert failures, f"{wrong.__name__} ({wrong.__doc__}) passed every check"
    assert all(r.message for r in failures)
