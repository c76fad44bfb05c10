"""User-facing errors: each carries one line that the CLI prints instead of a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class MlkataError(Exception):
    """An error the user can act on; ``str(error)`` is the whole message, one line.

    In a notebook IPython shows it as that line too (``_render_traceback_``), not as a
    traceback through the grader.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31mmlkata: {self}\x1b[0m"]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to a mistyped ``name``, or ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ModelNotAvailable(MlkataError):
    """A named model cannot be resolved on this machine."""


class BadSubmission(MlkataError):
    """A submission path is missing, not a notebook, or not readable as one."""
