"""Cut a solutions module into notebook cells at its ``# %% [kind name]`` markers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^# %% \[(?P<kind>setup|exercise)(?: (?P<name>[\w.]+))?\]\s*$")


@dataclass(frozen=True)
class SolutionCell:
    kind: str  # "setup" or "exercise"
    exercise_id: str | None
    source: str


def read_solution_cells(path: Path) -> list[SolutionCell]:
    """The marked cells of ``path`` in order; text before the first marker is left out."""
    cells: list[SolutionCell] = []
    kind: str | None = None
    name: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is not None:
            cells.append(SolutionCell(kind, name, "\n".join(lines).strip("\n")))

    for line in path.read_text(encoding="utf-8").splitlines():
        match = MARKER.match(line)
        if match:
            flush()
            kind, name, lines = match["kind"], match["name"], []
        elif kind is not None:
            lines.append(line)
    flush()
    exercise_ids = [cell.exercise_id for cell in cells if cell.kind == "exercise"]
    if len(exercise_ids) != len(set(exercise_ids)):
        raise ValueError(f"{path}: an exercise is marked twice")
    return cells
