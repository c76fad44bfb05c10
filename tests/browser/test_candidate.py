"""Does a candidate see the mock interview's deadline when the notebook opens in JupyterLab?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.jupyterlab import LabServer, Notebook, running_lab

pytestmark = pytest.mark.browser


@pytest.fixture
def mock_session(tmp_path: Path) -> Path:
    """A 30-minute notebook session made by `mlkata mock`; returns its session.json."""
    env = {**os.environ, "MLKATA_HOME": str(tmp_path / "home")}
    mock = ["mock", "--notebook", "--no-open", "--minutes", "30", "--seed", "7", "--topics", "bert"]
    started = subprocess.run(
        [sys.executable, "-m", "grader.cli", *mock],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    (session_file,) = (tmp_path / "home").rglob("session.json")
    return session_file


@pytest.fixture
def candidate_lab(mock_session: Path, tmp_path: Path) -> Iterator[LabServer]:
    command = [sys.executable, "-m", "jupyter", "lab"]
    with running_lab(command, cwd=mock_session.parent, home=tmp_path / "candidate") as lab:
        yield lab


def test_the_mock_interview_notebook_shows_its_deadline(
    page: Any, candidate_lab: LabServer, mock_session: Path
) -> None:
    deadline = json.loads(mock_session.read_text())["deadline"]
    shown = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(deadline))
    notebook = Notebook.open(page, candidate_lab, "mock_interview.ipynb")
    first = notebook.page.locator(".jp-Notebook .jp-Cell").first
    expect(first.locator(".jp-RenderedMarkdown strong")).to_have_text(
        f"Deadline / 截止时间: {shown}"
    )
    expect(first).to_contain_text("30 minutes")
