"""Put an exercise's stub back into its cell of a notebook, to start that exercise again.

Every other cell of the notebook, and its output, is kept as it is; the file is replaced
atomically. Close the notebook in JupyterLab first (or reload it after), or JupyterLab will
offer to overwrite the reset file with the copy it has open.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the .ipynb notebook")
    parser.add_argument("--exercise", required=True, metavar="ID", help="e.g. bert.encode")


def run(args: argparse.Namespace) -> int:
    from grader.engine.reference import reset_exercise

    reset_exercise(args.path, args.exercise)
    print(f"{args.path}: {args.exercise} is back to its stub; the other cells are unchanged")
    return 0
