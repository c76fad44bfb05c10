"""Where things live: the package's data, the repository's folders and the model cache."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TRACKS_DIR = PACKAGE_DIR / "tracks"
DATA_DIR = PACKAGE_DIR / "data"
# The repository root, when running from a checkout (editable install or tests).
REPO_DIR = PACKAGE_DIR.parent


def cache_dir() -> Path:
    """The model cache: `$MLKATA_CACHE`, else `$XDG_CACHE_HOME/mlkata`, else `~/.cache/mlkata`."""
    explicit = os.environ.get("MLKATA_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mlkata"
