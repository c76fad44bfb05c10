"""Correct solutions for the bert track written differently from the reference: each must
get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

ALTERNATIVE_SOLUTIONS: list = []
