"""Prepare the offline models, then open JupyterLab on the exercise notebooks.

Extra arguments after `--` go to `jupyter lab` (for example `-- --port 8899 --no-browser`).
"""

from __future__ import annotations

import argparse
import os
import sys

from grader.paths import REPO_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-prepare", action="store_true", help="do not prepare models")
    parser.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")


def run(args: argparse.Namespace) -> int:
    from grader.errors import MlkataError

    if not args.skip_prepare:
        from grader.commands.prepare import ITEMS

        for prepare in ITEMS.values():
            prepare()
    folder = REPO_DIR / "exercises"
    if not folder.is_dir():
        raise MlkataError(f"{folder} is missing: run mlkata from a repository checkout")
    extra = [a for a in args.jupyter_args if a != "--"]
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", *extra]
    print(f"opening JupyterLab on {folder}")
    os.execv(sys.executable, command)
    return 0  # not reached
