"""Does every track name the cached items its grading loads, so that the grader can make them
ready before a sandbox, which sees the cache read-only, needs them?"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine.catalog import load_tracks
from grader.preparation import ITEMS, TRACK_ITEMS, prepare, prepare_track


def test_every_track_lists_known_items() -> None:
    assert set(TRACK_ITEMS) == set(load_tracks())
    for track, items in TRACK_ITEMS.items():
        assert items and set(items) <= set(ITEMS), track


def test_preparing_a_track_makes_its_items_ready() -> None:
    where = prepare(TRACK_ITEMS["resnet"])
    assert set(where) == {"digits", "resnet18"}
    assert all(Path(str(path)).exists() for path in where.values())
    prepare_track("resnet")  # grading calls this before every sandbox: cached, it only looks


def test_an_unknown_track_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        prepare_track("no-such-track")
