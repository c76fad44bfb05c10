"""Mutation testing (grader/authoring/mutants.py): are the mutants of the reference solutions
made and named stably, is the list of equivalent ones current, and does a fixed sample of
quick mutants per track get killed by its exercise's checks? (The full run is
``./dev mutants`` or ``benchmarks/mutation_score.py``: too slow for every test run.)"""

from __future__ import annotations

import pytest

from grader.authoring import mutants
from grader.engine.catalog import load_tracks

TRACKS = sorted(load_tracks())


def test_only_solution_blocks_are_mutated() -> None:
    """Do mutants come only from lines between BEGIN and END SOLUTION (never given helpers)?"""
    found = mutants.track_mutants("resnet")
    assert found and {m.function for m in found}.isdisjoint({"transform_image", "evaluate_folder"})


@pytest.mark.parametrize("track", TRACKS)
def test_equivalent_mutant_lists_are_current(track: str) -> None:
    """Does every listed equivalent mutant still exist with the change it was excused for?"""
    by_id = {mutant.id: mutant for mutant in mutants.track_mutants(track)}
    for key, entry in mutants.equivalent_mutants(track).items():
        assert key in by_id, f"{track}: {key} is listed as equivalent but no longer exists"
        assert by_id[key].change == entry["change"], f"{track}: {key} now changes something else"
        assert entry.get("reason"), f"{track}: {key} needs a one-line reason"


@pytest.mark.parametrize("track", TRACKS)
def test_a_fixed_sample_of_mutants_is_killed(track: str) -> None:
    """Do the checks catch a few quick mutants of each track's reference solutions?"""
    result = mutants.score(track, ids=mutants.SAMPLE[track], progress=False)
    assert result.total == len(mutants.SAMPLE[track]), "a sample id no longer names a mutant"
    assert [m.id + ": " + m.change for m in result.survived] == []
