"""Submissions nbgrader cannot grade at all (a missing or unreadable notebook) still get a
gradebook row: the released notebook takes the notebook's place, marked with the reason.

nbgrader's own autograde stops on such a submission, so the gradebook, `nbgrader export`
and the formgrader would never show it. `mlkata course autograde` calls ``substitute``
first: the file as submitted is kept beside it (``NAME.ipynb.as-submitted``), and the
stand-in notebook carries the reason in its metadata, where ``TrustedChecks`` finds it and
scores every check 0 with that reason as the feedback.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell

from grader.engine.submission import read_notebook
from grader.errors import BadSubmission

FAULT_KEY = "submission_fault"  # in the notebook's metadata["mlkata"]
KEPT_SUFFIX = ".as-submitted"


def notebook_fault(path: Path) -> str | None:
    """Why nbgrader cannot grade the notebook at ``path``, or None when it can be read."""
    if not path.exists():
        folder = path.parent
        held = sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt")
        found = f"the folder holds: {', '.join(held)[:200]}" if held else "the folder is empty"
        return f"no {path.name} was submitted ({found})"
    try:
        read_notebook(path)
    except BadSubmission as error:
        return str(error).replace(str(path), path.name)
    return None


def fault_of(notebook: NotebookNode) -> str | None:
    meta = notebook.get("metadata", {}).get("mlkata", {})
    reason = meta.get(FAULT_KEY) if isinstance(meta, dict) else None
    return reason if isinstance(reason, str) and reason else None


def stand_in(released: NotebookNode, reason: str, kept: str | None) -> NotebookNode:
    """The released notebook, marked as standing in for an ungradable submission."""
    notebook = nbformat.from_dict(released)  # a copy
    notebook.metadata.setdefault("mlkata", {})[FAULT_KEY] = reason
    where = f" The file as submitted is kept beside it as `{kept}`." if kept else ""
    notebook.cells.insert(
        0,
        new_markdown_cell(
            f"**Not graded, 0 points: {reason}.**\n\n"
            "mlkata put the released notebook in its place so that the gradebook, "
            f"`nbgrader export` and the formgrader record the submission.{where}"
        ),
    )
    return notebook


def substitute(course: Path, assignment: str, student: str) -> list[str]:
    """Replace each missing or unreadable notebook of a submission with a marked stand-in;
    returns the reasons (empty when every notebook can be graded)."""
    folder = course / "submitted" / student / assignment
    reasons = []
    for released_path in sorted((course / "release" / assignment).glob("*.ipynb")):
        path = folder / released_path.name
        reason = notebook_fault(path)
        if reason is None:
            continue
        kept = None
        if path.exists() or path.is_symlink():
            kept = path.name + KEPT_SUFFIX
            path.replace(folder / kept)
        released = nbformat.read(released_path, as_version=4)
        nbformat.write(stand_in(released, reason, kept), path)
        reasons.append(reason)
    return reasons
