"""mlkata's importable package: model registry, check engine, question bank and CLI.

Notebooks use three names from here:

    from grader import check, hint, reveal

(and ``solution``, to see the reference solution of an exercise once you have passed it).

They are imported lazily so that ``import grader`` (and the ``mlkata`` command) start
fast; torch and transformers load only when a check or a model needs them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check", "hint", "reveal", "solution"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in __all__:
        from grader.engine import interactive

        return getattr(interactive, name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
