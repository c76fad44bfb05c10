"""Does `mlkata lab`'s workspace copy the notebooks without ever overwriting a learner's?"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.errors import MlkataError
from grader.workspace import fill_workspace


def shipped_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (folder / name).write_text(f"shipped {name}")
    return folder


def test_missing_notebooks_are_copied(tmp_path: Path) -> None:
    update = fill_workspace(tmp_path / "work", shipped_folder(tmp_path))
    assert update.copied == ["a.ipynb", "b.ipynb"]
    assert (tmp_path / "work" / "a.ipynb").read_text() == "shipped a.ipynb"


def test_a_learners_notebook_is_kept_and_a_newer_shipped_one_announced(tmp_path: Path) -> None:
    shipped = shipped_folder(tmp_path)
    mine = tmp_path / "work" / "a.ipynb"
    mine.parent.mkdir()
    mine.write_text("my answers")
    os.utime(mine, (0, 0))  # older than the shipped copy
    update = fill_workspace(tmp_path / "work", shipped)
    assert mine.read_text() == "my answers"
    assert update.copied == ["b.ipynb"] and update.kept == ["a.ipynb"]


def test_a_workspace_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "work").write_text("not a folder")
    with pytest.raises(MlkataError, match="is a file, not a folder"):
        fill_workspace(tmp_path / "work", shipped_folder(tmp_path))
