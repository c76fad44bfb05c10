"""All tracks and their exercises: prose from ``tracks/<name>/exercises.yaml``, checks from
``tracks/<name>/checks.py``. This is the one place that joins the two.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

import yaml

from grader.engine.outline import DIFFICULTIES, LANGUAGES, get_outline, track_names
from grader.engine.outline import bilingual as _bilingual
from grader.engine.spec import REGISTERED_CHECKS, Exercise
from grader.paths import TRACKS_DIR

__all__ = ["LANGUAGES", "Track", "all_exercises", "get_exercise", "load_tracks", "track_names"]


@dataclass
class Track:
    """A topic: a notebook's worth of questions and exercises."""

    name: str
    title: dict[str, str]
    notebook: str  # file stem of the notebook in notebooks/ and exercises/
    intro: dict[str, str]
    exercises: list[Exercise]

    @property
    def points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)


@functools.cache
def import_resources() -> None:
    """Import every track's resources so their builders register (all the sandbox needs:
    it must never import the checks, which an isolated sandbox cannot even read)."""
    for name in track_names():
        importlib.import_module(f"grader.tracks.{name}.resources")


@functools.cache
def import_tracks() -> None:
    """Import every track's checks and resources so their decorators register."""
    import_resources()
    for name in track_names():
        importlib.import_module(f"grader.tracks.{name}.checks")


@functools.cache
def load_tracks() -> dict[str, Track]:
    import_tracks()
    tracks: dict[str, Track] = {}
    for name in track_names():
        path = TRACKS_DIR / name / "exercises.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        exercises = []
        for item in raw["exercises"]:
            where = f"{path}: {item.get('id')}"
            exercise = Exercise(
                id=item["id"],
                track=name,
                title=_bilingual(item, "title", where),
                instructions=_bilingual(item, "instructions", where),
                functions=tuple(item["functions"]),
                hints=[_bilingual(hint, "hint", where) for hint in item["hints"]],
                difficulty=str(item.get("difficulty", "")),
            )
            exercise.checks = [c for c in REGISTERED_CHECKS if c.exercise_id == exercise.id]
            _validate(exercise, where)
            exercises.append(exercise)
        tracks[name] = Track(
            name=name,
            title=_bilingual(raw, "title", str(path)),
            notebook=raw["notebook"],
            intro=_bilingual(raw, "intro", str(path)),
            exercises=exercises,
        )
    orphans = {c.exercise_id for c in REGISTERED_CHECKS} - {
        e.id for t in tracks.values() for e in t.exercises
    }
    if orphans:
        raise ValueError(f"checks registered for unknown exercises: {sorted(orphans)}")
    return tracks


def _validate(exercise: Exercise, where: str) -> None:
    if not exercise.public_checks():
        raise ValueError(f"{where}: an exercise needs at least one public check")
    if not 1 <= len(exercise.hints) <= 3:
        raise ValueError(f"{where}: an exercise needs 1 to 3 hints")
    if exercise.difficulty not in DIFFICULTIES:
        raise ValueError(f"{where}: difficulty must be one of {', '.join(DIFFICULTIES)}")


def all_exercises() -> dict[str, Exercise]:
    return {e.id: e for track in load_tracks().values() for e in track.exercises}


def get_exercise(exercise_id: str) -> Exercise:
    exercises = all_exercises()
    if exercise_id not in exercises:
        get_outline(exercise_id)  # raises the one-line error, with a suggestion
    return exercises[exercise_id]
