"""Building a mock interview from the question bank and the catalog, and storing it.

A session is a folder ``<sessions>/<id>/`` holding ``session.json`` (questions, answers,
times, and after grading the scores), written atomically after every answer, so an
interrupted session loses nothing and a lost history database can be rebuilt from it.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.bank import DIFFICULTIES, LANGUAGES, load_bank
from grader.errors import MlkataError
from grader.mock import spacing

# Exercises whose checks train a model take minutes: left out of a timed interview.
MAX_CHECK_TIMEOUT_S = 120.0


@dataclass
class Item:
    kind: str  # "theory" or "coding"
    id: str  # a question id or an exercise id
    topic: str


@dataclass
class Answer:
    text: str  # theory: the answer; coding: the path the learner gave
    answered_at: float
    late: bool
    hints: int = 0
    code_file: str | None = None  # coding: the copy kept in the session folder
    followups: list[dict[str, str]] = field(default_factory=list)
    started_at: float | None = None  # when the question was shown (for time per question)


@dataclass
class Session:
    id: str
    folder: str
    created_at: float
    deadline: float
    minutes: float
    lang: str
    seed: int
    topics: list[str]
    difficulty: str | None
    mode: str  # "terminal" or "notebook"
    items: list[Item]
    answers: dict[str, Answer] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)  # hints taken before answering
    drafts: dict[str, str] = field(default_factory=dict)  # text typed so far, not yet answered
    status: str = "open"  # open, interrupted, finished, graded
    remaining_s: float | None = None  # time left when interrupted
    graded: dict | None = None

    @property
    def path(self) -> Path:
        return Path(self.folder) / "session.json"

    def save(self) -> None:
        """Write session.json atomically (a crash leaves the old or the new file, whole)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> Session:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        raw["items"] = [Item(**item) for item in raw["items"]]
        raw["answers"] = {k: Answer(**v) for k, v in raw["answers"].items()}
        session = cls(**raw)
        session.folder = str(Path(path).resolve().parent)
        return session

    def pending(self) -> list[Item]:
        return [item for item in self.items if item.id not in self.answers]


def check_filters(topics: list[str] | None, difficulty: str | None, lang: str) -> list[str]:
    """The chosen topics, or a one-line error naming the valid values."""
    known = sorted(load_bank())
    chosen = topics or known
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise MlkataError(f"unknown topic {unknown[0]!r}: valid topics are {', '.join(known)}")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise MlkataError(
            f"unknown difficulty {difficulty!r}: valid difficulties are {', '.join(DIFFICULTIES)}"
        )
    if lang not in LANGUAGES:
        raise MlkataError(f"unknown language {lang!r}: valid languages are {', '.join(LANGUAGES)}")
    return chosen


def plan_counts(minutes: float) -> tuple[int, int]:
    """(theory questions, coding exercises) for a session of ``minutes``."""
    theory = max(2, min(8, round(minutes / 7)))
    coding = 2 if minutes >= 40 else 1
    return theory, coding


def build_session(
    sessions_dir: Path,
    *,
    minutes: float = 45,
    topics: list[str] | None = None,
    difficulty: str | None = None,
    lang: str = "en",
    seed: int | None = None,
    mode: str = "terminal",
    cards: dict[str, spacing.Card] | None = None,
    now: float | None = None,
    coding: bool = True,
) -> Session:
    """A new session: theory questions then coding exercises, ordered by the Leitner rule.

    The same seed and the same history give the same session.
    """
    chosen = check_filters(topics, difficulty, lang)
    if minutes <= 0:
        raise MlkataError(f"--minutes must be positive, not {minutes:g}")
    now = time.time() if now is None else now
    seed = random.randrange(1_000_000) if seed is None else seed
    rng = random.Random(seed)
    cards = cards or {}
    bank = load_bank()
    questions = {q.id: q for t in chosen for q in bank[t]}
    pool = [qid for qid, q in questions.items() if difficulty in (None, q.difficulty)]
    if not pool:
        raise MlkataError(
            f"no question matches topics {', '.join(chosen)} with difficulty {difficulty}"
        )
    n_theory, n_coding = plan_counts(minutes)
    picked = spacing.order(sorted(pool), cards, now, rng)[:n_theory]
    items = [Item("theory", qid, questions[qid].topic) for qid in picked]
    if coding:
        items += _coding_items(chosen, n_coding, cards, now, rng, difficulty)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    session_id = f"{stamp}-{seed}"
    folder = Path(sessions_dir) / session_id
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = Path(sessions_dir) / f"{session_id}-{suffix}"
    return Session(
        id=folder.name,
        folder=str(folder.resolve()),
        created_at=now,
        deadline=now + minutes * 60,
        minutes=minutes,
        lang=lang,
        seed=seed,
        topics=chosen,
        difficulty=difficulty,
        mode=mode,
        items=items,
    )


def _coding_items(
    topics: list[str],
    count: int,
    cards: dict[str, spacing.Card],
    now: float,
    rng: random.Random,
    difficulty: str | None = None,
) -> list[Item]:
    """``count`` exercises from one track among the topics (a notebook grades one track),
    of ``difficulty`` when one is given."""
    from grader.engine.catalog import load_tracks

    tracks = load_tracks()
    usable = {
        name: [
            e.id
            for e in tracks[name].exercises
            if max(c.timeout_s for c in e.checks) <= MAX_CHECK_TIMEOUT_S
            and difficulty in (None, e.difficulty)
        ]
        for name in topics
        if name in tracks
    }
    usable = {name: ids for name, ids in usable.items() if ids}
    if not usable:
        return []
    track = rng.choice(sorted(usable))
    picked = spacing.order(sorted(usable[track]), cards, now, rng)[:count]
    return [Item("coding", eid, track) for eid in picked]


def find_session(sessions_dir: Path, name: str | None, unfinished: bool = False) -> Session:
    """A session by id or path; without one, the latest (unfinished, when asked)."""
    if name:
        candidate = Path(name)
        if candidate.is_dir():
            candidate = candidate / "session.json"
        if not candidate.is_file():
            candidate = Path(sessions_dir) / name / "session.json"
        if not candidate.is_file():
            raise MlkataError(f"no mock session {name!r} in {sessions_dir}")
        try:
            return Session.load(candidate)
        except (ValueError, KeyError, TypeError) as error:
            raise MlkataError(f"{candidate}: unreadable session file ({error})") from None
    found = []
    for path in sorted(Path(sessions_dir).glob("*/session.json")):
        try:
            session = Session.load(path)
        except (ValueError, KeyError, TypeError, OSError):
            continue
        if not unfinished or session.status in ("open", "interrupted"):
            found.append(session)
    if not found:
        what = "unfinished mock session" if unfinished else "mock session"
        raise MlkataError(f"no {what} in {sessions_dir}: start one with `mlkata mock`")
    return max(found, key=lambda s: (s.created_at, s.id))


def load_graded(path: Path):
    """(summary, results) of a graded session file, or (None, []) if not graded."""
    from grader.mock.grading import history_rows

    session = Session.load(path)
    if session.graded is None:
        return None, []
    return history_rows(session)
