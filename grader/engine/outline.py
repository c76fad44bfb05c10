"""The catalog without its checks: what content-only commands need, read without torch.

``mlkata list``, ``mlkata hint`` and ``hint()`` only show prose, ids and points. The full
catalog (``grader.engine.catalog``) imports every track's checks, and with them torch and
transformers (seconds). This module reads the same sources instead: the prose from each
``tracks/<name>/exercises.yaml``, and each check's points and hidden flag from the
``@check(...)`` decorators in ``tracks/<name>/checks.py``, parsed, not imported. A test
holds it equal to the imported catalog.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import MlkataError, did_you_mean
from grader.paths import TRACKS_DIR

LANGUAGES = ("en", "zh")
DIFFICULTIES = ("easy", "medium", "hard")
# libyaml's loader, where PyYAML was built with it: several times faster than pure Python
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """``yaml.safe_load`` of a file, with the fast loader."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER)


@dataclass(frozen=True)
class ExerciseOutline:
    id: str
    track: str
    title: dict[str, str]
    instructions: dict[str, str]
    functions: tuple[str, ...]
    hints: list[dict[str, str]]
    difficulty: str  # easy, medium or hard
    points: float  # all checks, hidden ones included
    hidden_points: float


@dataclass(frozen=True)
class TrackOutline:
    name: str
    title: dict[str, str]
    notebook: str
    intro: dict[str, str]
    exercises: list[ExerciseOutline]

    @property
    def points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)


def track_names() -> list[str]:
    return sorted(path.parent.name for path in TRACKS_DIR.glob("*/exercises.yaml"))


def bilingual(raw: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ValueError(f"{where}: {key!r} needs exactly the languages {LANGUAGES}")
    return {lang: str(value[lang]).strip() for lang in LANGUAGES}


def declared_checks(checks_file: Path) -> list[tuple[str, float, bool]]:
    """(exercise id, points, hidden) of every ``@check("id", points=..., hidden=...)`` in
    ``checks_file``, in order, read from its syntax tree (the arguments must be literals)."""
    found = []
    for node in ast.walk(ast.parse(checks_file.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "check"
            ):
                continue
            options = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords if k.arg}
            exercise_id = ast.literal_eval(decorator.args[0])
            found.append(
                (exercise_id, float(options.get("points", 1.0)), bool(options.get("hidden")))
            )
    return found


@functools.cache
def load_outlines() -> dict[str, TrackOutline]:
    tracks = {}
    for name in track_names():
        path = TRACKS_DIR / name / "exercises.yaml"
        raw = read_yaml(path)
        checks = declared_checks(TRACKS_DIR / name / "checks.py")
        exercises = []
        for item in raw["exercises"]:
            where = f"{path}: {item.get('id')}"
            mine = [(points, hidden) for eid, points, hidden in checks if eid == item["id"]]
            exercises.append(
                ExerciseOutline(
                    id=item["id"],
                    track=name,
                    title=bilingual(item, "title", where),
                    instructions=bilingual(item, "instructions", where),
                    functions=tuple(item["functions"]),
                    hints=[bilingual(hint, "hint", where) for hint in item["hints"]],
                    difficulty=str(item.get("difficulty", "")),
                    points=sum(points for points, _ in mine),
                    hidden_points=sum(points for points, hidden in mine if hidden),
                )
            )
        tracks[name] = TrackOutline(
            name=name,
            title=bilingual(raw, "title", str(path)),
            notebook=raw["notebook"],
            intro=bilingual(raw, "intro", str(path)),
            exercises=exercises,
        )
    return tracks


def get_outline(exercise_id: str) -> ExerciseOutline:
    """One exercise's outline, or a one-line error with a did-you-mean suggestion."""
    exercises = {e.id: e for track in load_outlines().values() for e in track.exercises}
    if exercise_id not in exercises:
        raise MlkataError(
            f"unknown exercise {exercise_id!r}{did_you_mean(exercise_id, exercises)}: "
            "`mlkata list` shows the ids"
        )
    return exercises[exercise_id]
