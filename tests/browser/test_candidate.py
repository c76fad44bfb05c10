"""Does a candidate see the mock interview's deadline when the notebook opens in JupyterLab?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.jupyterlab import Notebook, running_lab

pytestmark = pytest.mark.browser


def test_the_mock_interview_notebook_shows_its_deadline(page: Any, tmp_path: Path) -> None:
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
    deadline = json.loads(session_file.read_text())["deadline"]
    shown = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(deadline))

    command = [sys.executable, "-m", "jupyter", "lab"]
    with running_lab(command, cwd=session_file.parent, home=tmp_path / "candidate") as lab:
        notebook = Notebook.open(page, lab, "mock_interview.ipynb")
        first = notebook.page.locator(".jp-Notebook .jp-Cell").first
        expect(first.locator(".jp-RenderedMarkdown strong")).to_have_text(
            f"Deadline / 截止时间: {shown}"
        )
        expect(first).to_contain_text("30 minutes")
