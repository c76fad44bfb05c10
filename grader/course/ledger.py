"""A crash-safe record of which submissions have been autograded, for resuming.

One JSON object per line, appended and fsync'd as each submission finishes, so a run
killed at any moment (kill -9 included) keeps every result recorded before it. A submission
counts as done only while its files are unchanged (same fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Ledger:
    def __init__(self, course: Path, assignment: str) -> None:
        self.path = course / ".mlkata" / f"autograde-{assignment}.jsonl"

    def entries(self) -> dict[str, dict[str, object]]:
        """The latest entry per student; a torn last line (a kill mid-write) is ignored."""
        latest: dict[str, dict[str, object]] = {}
        if not self.path.exists():
            return latest
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            latest[str(entry["student"])] = entry
        return latest

    def record(self, entry: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
