"""Does a correct solution written differently from ours (another API, a loop instead of a
vectorised form, other valid hyperparameters) get full marks? Guards against checks that
over-fit the reference. The solutions live in ``tests/tracks/<topic>_alternative_solutions.py``.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from grader.engine.catalog import load_tracks
from tests.tracks.checking import reference_namespace, run_all_checks

TRACKS = load_tracks()
ALTERNATIVES = [
    (track, exercise_id, functions)
    for track in TRACKS
    for exercise_id, functions in importlib.import_module(
        f"tests.tracks.{track}_alternative_solutions"
    ).ALTERNATIVE_SOLUTIONS
]


def _name(functions: dict[str, Any]) -> str:
    return "+".join(function.__name__ for function in functions.values())


@pytest.mark.parametrize(
    ("track", "exercise_id", "functions"), ALTERNATIVES, ids=[_name(f) for *_, f in ALTERNATIVES]
)
def test_alternative_correct_solution_gets_full_marks(
    track: str, exercise_id: str, functions: dict[str, Any]
) -> None:
    namespace = reference_namespace(TRACKS[track].notebook)  # fresh: given helpers see ours
    namespace.update(functions)
    results = run_all_checks(exercise_id, namespace)
    assert [r.message for r in results if not r.passed] == []
