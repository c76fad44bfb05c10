"""The history database: a kill -9 mid-write, a corrupt file, two writers at once, and the
Leitner order that the next session follows."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from grader.mock.history import History, ItemResult, SessionSummary
from grader.mock.session import Item, build_session
from grader.mock.spacing import Card, next_box, order

WRITER = """
import sys
from grader.mock.history import History, ItemResult, SessionSummary
path, tag = sys.argv[1], sys.argv[2]
with History(path) as db:
    for n in range(int(sys.argv[3])):
        summary = SessionSummary(f"{tag}-{n}", n, "en", ["bert"], 1.0, 2.0, 60.0, 0, 0)
        items = [ItemResult(f"bert.q{k}", "theory", "bert", 0.5, False, 0, n) for k in range(20)]
        db.record(summary, items)
        print(n, flush=True)
"""


def writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_history_survives_kill_9_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    process = writer(path, "k", 100_000)
    assert process.stdout is not None
    for _ in range(30):  # let it commit a few sessions, then kill it while it writes more
        process.stdout.readline()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    with History(path) as db:
        sessions = db.sessions()
        results = db.results()
        assert db.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(sessions) >= 30
    assert len(results) == 20 * len(sessions)  # every session whole, none half-written


def test_two_writers_at_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).close()
    processes = [writer(path, tag, 40) for tag in ("a", "b")]
    for process in processes:
        process.communicate(timeout=120)
        assert process.returncode == 0
    with History(path) as db:
        assert len(db.sessions()) == 80 and len(db.results()) == 1600


def test_corrupt_database_is_backed_up_and_rebuilt(tmp_path: Path, home: Path) -> None:
    sessions = home / "sessions"
    session = build_session(sessions, topics=["bert"], seed=2, coding=False, now=1e9)
    session.graded = {
        "score": 1.0,
        "max_score": 4.0,
        "time_used_s": 30.0,
        "late": 0,
        "hints": 0,
        "items": [
            {"id": i.id, "kind": i.kind, "topic": i.topic, "fraction": 0.25, "late": False}
            | {"hints": 0, "answered_at": 1e9}
            for i in session.items
        ],
    }
    session.save()
    path = home / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    warnings: list[str] = []
    with History(path, rebuild_from=sessions, warn=warnings.append) as db:
        assert [s.id for s in db.sessions()] == [session.id]
        assert len(db.results()) == len(session.items)
    assert len(warnings) == 1 and "corrupt-" in warnings[0]
    backups = list(home.glob("history.sqlite3.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes().startswith(b"this is not")
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_leitner_boxes_and_the_next_session(tmp_path: Path) -> None:
    assert next_box(1, 0.9, late=False) == 2
    assert next_box(3, 0.9, late=True) == 3
    assert next_box(4, 0.2, late=False) == 1
    assert next_box(5, 0.9, late=False) == 5
    now = time.time()
    cards = {
        "bert.a": Card("bert.a", 3, now - 86400),  # box 3: due in two days
        "bert.b": Card("bert.b", 1, now - 60),  # box 1: due now
        "bert.c": Card("bert.c", 2, now - 3 * 86400),  # box 2: two days overdue
    }
    import random

    ordered = order(["bert.a", "bert.b", "bert.c", "bert.d"], cards, now, random.Random(0))
    assert ordered == ["bert.b", "bert.c", "bert.d", "bert.a"]
    with History(tmp_path / "h.sqlite3") as db:
        weak = "bert.wordpiece-tokenization"
        summary = SessionSummary("s1", now - 600, "en", ["bert"], 0.0, 2.0, 60.0, 0, 0)
        db.record(summary, [ItemResult(weak, "theory", "bert", 0.1, False, 0, now - 600)])
        cards = db.cards()
    assert cards[weak].box == 1
    session = build_session(tmp_path, topics=["bert"], seed=11, cards=cards, now=now)
    assert session.items[0] == Item("theory", weak, "bert")  # the weak, due one comes first
