"""Prepare the offline models, then open JupyterLab on the learner's workspace.

The workspace (`--workspace`, `$MLKATA_WORKSPACE`, default `~/mlkata-workspace`) receives a
copy of each notebook in `exercises/` that it does not have yet; your own copies are never
overwritten. Extra arguments after `--` go to `jupyter lab` (for example
`-- --port 8899 --no-browser`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="folder to work in (default: $MLKATA_WORKSPACE or ~/mlkata-workspace)",
    )
    parser.add_argument("--skip-prepare", action="store_true", help="do not prepare models")
    parser.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")


def run(args: argparse.Namespace) -> int:
    from grader.jupyter import lab_command, lab_environment
    from grader.workspace import default_workspace, fill_workspace

    workspace = (args.workspace or default_workspace()).expanduser().resolve()
    update = fill_workspace(workspace)
    if not args.skip_prepare:
        from grader.preparation import ITEMS, prepare

        prepare(ITEMS)
    for name in update.copied:
        print(f"copied {name} into {workspace}")
    for name in update.kept:
        print(
            f"kept your {name}; a newer version ships in exercises/ "
            f"(rename yours to get a fresh copy)"
        )
    command = lab_command(workspace, args.jupyter_args)
    print(f"opening JupyterLab on {workspace}", flush=True)
    os.chdir(workspace)
    os.execve(sys.executable, command, lab_environment())
    return 0  # not reached
