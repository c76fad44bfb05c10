"""What the exercises load from the cache, how each item is made, and which track needs what.

``mlkata prepare`` makes every item ready once, with progress bars. Grading calls
``prepare_track`` on the trusted side before a sandbox starts: the sandbox sees the cache
read-only, so submission code cannot replace a model or a dataset that later checks, or
other students' grading, would load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def _bert() -> object:
    from grader.models.registry import resolve

    return resolve("bert")


def _llm() -> object:
    from grader.models.registry import resolve

    return resolve("llm")


def _digits() -> object:
    from grader.tracks.resnet.data import digits_root

    return digits_root()


def _resnet18() -> object:
    from grader.tracks.resnet.pretrained import digits_checkpoint

    return digits_checkpoint()


def _sentiment_classifier() -> object:
    from grader.tracks.efficiency.resources import fine_tuned_folder

    return fine_tuned_folder()


ITEMS: dict[str, Callable[[], object]] = {
    "bert": _bert,
    "llm": _llm,
    "digits": _digits,
    "resnet18": _resnet18,
    "sentiment-classifier": _sentiment_classifier,
}

# Every cached item a track's resources and checks load, in either process.
TRACK_ITEMS: dict[str, tuple[str, ...]] = {
    "bert": ("bert",),
    "efficiency": ("bert", "sentiment-classifier"),
    "internals": ("bert", "llm"),
    "resnet": ("digits", "resnet18"),
    "textgen": ("llm",),
}


def prepare(names: Iterable[str]) -> dict[str, object]:
    """Make each named item ready (a no-op when cached) and return where each one is."""
    return {name: ITEMS[name]() for name in names}


def prepare_track(track: str) -> list[str]:
    """Make ready everything grading ``track`` loads, before any sandbox needs it; return
    where each item is: all of the model cache that the track's sandbox may see."""
    return [str(location) for location in prepare(TRACK_ITEMS[track]).values()]
