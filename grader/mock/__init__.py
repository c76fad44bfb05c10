"""Mock interviews: timed sessions drawn from the question bank, scored automatically and
remembered across sessions.

Modules: ``session`` (building and storing a session), ``terminal`` (the interactive
runner), ``notebook`` (the JupyterLab form), ``coding`` (grading a coding answer with the
track's own checks), ``scoring`` (theory answers: each key point covered, missed or contradicted),
``cues`` (the language-aware text cues it uses), ``calibration`` (its agreement with the
labelled answers), ``llm_judge`` (an optional LLM judge), ``history`` (SQLite), ``spacing``
(Leitner boxes), ``report`` (Markdown and HTML), ``interviewer`` (optional follow-up
questions from an LLM).
"""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    """``$MLKATA_HOME``, else ``$XDG_DATA_HOME/mlkata``, else ``~/.local/share/mlkata``."""
    explicit = os.environ.get("MLKATA_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "mlkata"


def sessions_dir() -> Path:
    return home_dir() / "sessions"


def default_history_path() -> Path:
    return home_dir() / "history.sqlite3"
