"""User-facing errors: each carries one line that the CLI prints instead of a traceback."""

from __future__ import annotations


class MlkataError(Exception):
    """An error the user can act on; ``str(error)`` is the whole message, one line."""


class ModelNotAvailable(MlkataError):
    """A named model cannot be resolved on this machine."""


class BadSubmission(MlkataError):
    """A submission path is missing, not a notebook, or not readable as one."""
