"""Starting JupyterLab the way every mlkata command does: with our nbgrader settings on
JUPYTER_CONFIG_PATH (a Validate timeout long enough for real fine-tuning) and allowed to run
as root, as in containers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.paths import PACKAGE_DIR


def lab_command(root_dir: Path, extra: list[str] | None = None) -> list[str]:
    """The `jupyter lab` command line serving ``root_dir``."""
    extra = [arg for arg in extra or [] if arg != "--"]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        extra.append("--allow-root")  # Jupyter refuses root without it
    return [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root_dir}", *extra]


def lab_environment() -> dict[str, str]:
    """This process's environment with mlkata's Jupyter config folder first on the path."""
    folders = [str(PACKAGE_DIR / "jupyter_config"), os.environ.get("JUPYTER_CONFIG_PATH", "")]
    return {**os.environ, "JUPYTER_CONFIG_PATH": os.pathsep.join(f for f in folders if f)}
