"""Fixtures for the mock-interview tests: one scorer (MiniLM loaded once per test session),
a private MLKATA_HOME per test, and one local LLM server per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.mock.scoring import Scorer, load_model
from grader.serving.server import LocalServer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer(load_model())


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLKATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def llm_server() -> Iterator[LocalServer]:
    """The real local server (`transformers serve`, offline SmolLM2) on a free loopback port,
    started once per test session and stopped at its end."""
    from grader.models.registry import resolve
    from grader.serving.server import free_port

    server = LocalServer(str(resolve("llm")), free_port()).start()
    yield server
    server.stop()
