"""The learner's workspace: the folder `mlkata lab` opens, holding copies of the notebooks.

Learners never edit `exercises/` itself: `mlkata build` rewrites those files, and a `git
pull` would conflict with them. A notebook is copied into the workspace only when it is not
there yet, so a learner's answers are never overwritten; a newer shipped version is
announced instead.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import MlkataError
from grader.paths import REPO_DIR


def default_workspace() -> Path:
    """`$MLKATA_WORKSPACE`, else `~/mlkata-workspace`."""
    return Path(os.environ.get("MLKATA_WORKSPACE") or Path.home() / "mlkata-workspace")


@dataclass
class WorkspaceUpdate:
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the learner's copy, older than the shipped one


def fill_workspace(workspace: Path, shipped: Path = REPO_DIR / "exercises") -> WorkspaceUpdate:
    """Copy each shipped notebook that the workspace lacks; never overwrite one it has."""
    if not shipped.is_dir():
        raise MlkataError(f"{shipped} is missing: run mlkata from a repository checkout")
    if workspace.exists() and not workspace.is_dir():
        raise MlkataError(f"workspace {workspace} is a file, not a folder")
    workspace.mkdir(parents=True, exist_ok=True)
    update = WorkspaceUpdate()
    for notebook in sorted(shipped.glob("*.ipynb")):
        mine = workspace / notebook.name
        if not mine.exists():
            shutil.copy2(notebook, mine)
            update.copied.append(notebook.name)
        elif notebook.stat().st_mtime > mine.stat().st_mtime:
            update.kept.append(notebook.name)
    return update
