"""Fixtures for the mock-interview tests: one scorer (MiniLM loaded once per test session)
and a private MLKATA_HOME per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.mock.scoring import Scorer, load_model


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer(load_model())


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLKATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
