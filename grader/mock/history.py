"""The history of mock interviews in SQLite: every session, every per-question score.

The database is opened in WAL mode with a busy timeout, and each graded session is written
in one ``BEGIN IMMEDIATE`` transaction, so two sessions finishing at once do not corrupt it
and a process killed mid-write leaves either the whole session or none of it. A database
that SQLite cannot read is renamed to ``*.corrupt-<time>`` (with its WAL files), a warning
is printed, and a fresh one is rebuilt from the graded session files (a session is also kept
as JSON in the sessions folder, so none is lost silently).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.mock.spacing import Card, next_box

BUSY_TIMEOUT_MS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    graded_at REAL NOT NULL,
    lang TEXT NOT NULL,
    topics TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    time_used_s REAL NOT NULL,
    late INTEGER NOT NULL,
    hints INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    fraction REAL NOT NULL,
    late INTEGER NOT NULL,
    hints INTEGER NOT NULL,
    answered_at REAL,
    PRIMARY KEY (session_id, item_id)
);
CREATE TABLE IF NOT EXISTS exercise_runs (
    exercise_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    at REAL NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    passed INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cards (
    question_id TEXT PRIMARY KEY,
    box INTEGER NOT NULL,
    last_seen REAL NOT NULL
);
"""

Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"mlkata: warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class ItemResult:
    """One question's result in a graded session; ``fraction`` is in [0, 1]."""

    item_id: str
    kind: str  # "theory" or "coding"
    topic: str
    fraction: float
    late: bool
    hints: int
    answered_at: float | None


@dataclass(frozen=True)
class SessionSummary:
    id: str
    started_at: float
    lang: str
    topics: list[str]
    score: float
    max_score: float
    time_used_s: float
    late: int
    hints: int


class History:
    """A connection to the history database; use as a context manager."""

    def __init__(self, path: Path, rebuild_from: Path | None = None, warn: Warn = _stderr) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.warn = warn
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as error:
            backup = self._back_up()
            warn(
                f"the history database {self.path} was unreadable ({error}); it was moved "
                f"to {backup} and a new one rebuilt from the saved sessions"
            )
            self.db = self._open()
            if rebuild_from is not None:
                self._rebuild(rebuild_from)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _back_up(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.rename(Path(str(backup) + suffix))
        return backup

    def _rebuild(self, sessions_dir: Path) -> None:
        from grader.mock.session import load_graded

        for path in sorted(Path(sessions_dir).glob("*/session.json")):
            try:
                summary, results = load_graded(path)
            except (OSError, ValueError, KeyError):
                continue
            if summary is not None:
                self.record(summary, results)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, summary: SessionSummary, results: Iterable[ItemResult]) -> None:
        """Write a graded session and update the Leitner boxes, all in one transaction.

        Grading a session again replaces its scores; the boxes move only the first time.
        """
        results = list(results)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            seen = db.execute("SELECT 1 FROM sessions WHERE id = ?", (summary.id,)).fetchone()
            db.execute("DELETE FROM results WHERE session_id = ?", (summary.id,))
            db.execute(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    summary.id,
                    summary.started_at,
                    time.time(),
                    summary.lang,
                    json.dumps(summary.topics),
                    summary.score,
                    summary.max_score,
                    summary.time_used_s,
                    summary.late,
                    summary.hints,
                ),
            )
            for item in results:
                db.execute(
                    "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        summary.id,
                        item.item_id,
                        item.kind,
                        item.topic,
                        item.fraction,
                        int(item.late),
                        item.hints,
                        item.answered_at,
                    ),
                )
                if not seen:
                    self._move_card(item, summary.started_at)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _move_card(self, item: ItemResult, started_at: float) -> None:
        row = self.db.execute(
            "SELECT box FROM cards WHERE question_id = ?", (item.item_id,)
        ).fetchone()
        box = next_box(row[0] if row else 1, item.fraction, item.late)
        seen_at = item.answered_at or started_at
        self.db.execute(
            "INSERT OR REPLACE INTO cards VALUES (?, ?, ?)", (item.item_id, box, seen_at)
        )

    def record_exercise(
        self,
        exercise_id: str,
        topic: str,
        score: float,
        max_score: float,
        passed: bool,
        source: str,
    ) -> None:
        """One run of an exercise's checks: a notebook check cell ("notebook") or
        `mlkata check` ("mlkata check")."""
        self.db.execute(
            "INSERT INTO exercise_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            (exercise_id, topic, time.time(), score, max_score, int(passed), source),
        )

    def exercise_status(self) -> dict[str, str]:
        """ "solved" (some run passed every check it ran) or "attempted", per exercise run."""
        rows = self.db.execute(
            "SELECT exercise_id, MAX(passed) FROM exercise_runs GROUP BY exercise_id"
        ).fetchall()
        return {eid: "solved" if passed else "attempted" for eid, passed in rows}

    def cards(self) -> dict[str, Card]:
        rows = self.db.execute("SELECT question_id, box, last_seen FROM cards").fetchall()
        return {qid: Card(qid, box, last) for qid, box, last in rows}

    def sessions(self) -> list[SessionSummary]:
        rows = self.db.execute(
            "SELECT id, started_at, lang, topics, score, max_score, time_used_s, late, hints "
            "FROM sessions ORDER BY started_at, id"
        ).fetchall()
        return [
            SessionSummary(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8])
            for r in rows
        ]

    def results(self, session_id: str | None = None) -> list[tuple[str, ItemResult]]:
        """(session id, result) pairs, in session order."""
        query = (
            "SELECT r.session_id, item_id, kind, topic, fraction, r.late, r.hints, answered_at "
            "FROM results r JOIN sessions s ON s.id = r.session_id"
        )
        params: tuple[str, ...] = ()
        if session_id is not None:
            query += " WHERE r.session_id = ?"
            params = (session_id,)
        rows = self.db.execute(query + " ORDER BY s.started_at, s.id, item_id", params)
        return [
            (r[0], ItemResult(r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]))
            for r in rows.fetchall()
        ]


def record_exercise_run(
    exercise_id: str,
    topic: str,
    score: float,
    max_score: float,
    passed: bool,
    source: str,
    warn: Warn = _stderr,
) -> None:
    """Add a run of an exercise's checks to the default history, for `mlkata progress`.

    Never fails its caller: a check result matters more than its bookkeeping, so a history
    that cannot be written is skipped with a one-line warning. ``MLKATA_NO_HISTORY=1`` turns
    the recording off.
    """
    import os

    from grader.mock import default_history_path

    if os.environ.get("MLKATA_NO_HISTORY"):
        return
    try:
        with History(default_history_path()) as history:
            history.record_exercise(exercise_id, topic, score, max_score, passed, source)
    except (OSError, sqlite3.Error) as error:
        warn(f"exercise progress not saved: {error}")
