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

from grader.paths import PACKAGE_DIR


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
    from grader.workspace import default_workspace, fill_workspace

    workspace = (args.workspace or default_workspace()).expanduser().resolve()
    update = fill_workspace(workspace)
    if not args.skip_prepare:
        from grader.commands.prepare import ITEMS

        for prepare in ITEMS.values():
            prepare()
    for name in update.copied:
        print(f"copied {name} into {workspace}")
    for name in update.kept:
        print(
            f"kept your {name}; a newer version ships in exercises/ "
            f"(rename yours to get a fresh copy)"
        )
    # Our nbgrader settings (a Validate timeout long enough for real fine-tuning).
    config_path = [str(PACKAGE_DIR / "jupyter_config"), os.environ.get("JUPYTER_CONFIG_PATH", "")]
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in config_path if p)
    extra = [a for a in args.jupyter_args if a != "--"]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        extra.append("--allow-root")  # containers often run as root; Jupyter refuses otherwise
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={workspace}", *extra]
    print(f"opening JupyterLab on {workspace}", flush=True)
    os.chdir(workspace)
    os.execv(sys.executable, command)
    return 0  # not reached
