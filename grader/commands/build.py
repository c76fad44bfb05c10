"""Regenerate the derived notebooks from their single sources.

For each track: notebooks/<name>.ipynb (nbgrader source version, with solutions) and
exercises/<name>.ipynb (the learner's version, made by nbgrader's own preprocessors).
With --check, write nothing and exit 1 if any committed file differs from what it would be.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.paths import REPO_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("--out", type=Path, default=REPO_DIR, help="repository root to write in")


def rendered_files() -> dict[str, str]:
    """Relative path -> exact file text of every derived file."""
    import nbformat

    from grader.authoring.assemble import source_notebook
    from grader.authoring.release import student_notebook
    from grader.engine.catalog import load_tracks

    files = {}
    for track in load_tracks().values():
        source = source_notebook(track)
        files[f"notebooks/{track.notebook}.ipynb"] = nbformat.writes(source) + "\n"
        files[f"exercises/{track.notebook}.ipynb"] = (
            nbformat.writes(student_notebook(source)) + "\n"
        )
    return files


def stale_files(root: Path) -> list[str]:
    stale = []
    for relative, text in rendered_files().items():
        path = root / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def run(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_files(args.out)
        for relative in stale:
            print(f"stale: {relative} (run `mlkata build`)")
        return 1 if stale else 0
    for relative, text in rendered_files().items():
        path = args.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {relative}")
    return 0
