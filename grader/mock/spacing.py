"""Spaced repetition with Leitner boxes: which questions the next session should favour.

Every question seen in a mock interview sits in a box from 1 to 5. A score of at least
``PROMOTE_AT`` (answered on time) moves it up one box, a score below ``DEMOTE_BELOW`` sends
it back to box 1, anything between leaves it where it is. A question in box ``b`` is due
``INTERVAL_DAYS[b]`` days after it was last answered. New sessions draw, in order: due
questions (lowest box first, then the most overdue), then questions never seen, then the
rest (lowest box first); ties are broken by the session's seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PROMOTE_AT = 0.7
DEMOTE_BELOW = 0.4
INTERVAL_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
MAX_BOX = 5
DAY_S = 86400.0

RULE = (
    "Leitner boxes 1-5: score >= 0.7 on time moves a question up a box, < 0.4 back to box 1; "
    "box 1/2/3/4/5 is due again after 0/1/3/7/21 days. Sessions favour due questions "
    "(lowest box, most overdue first), then unseen ones, then the rest."
)


@dataclass(frozen=True)
class Card:
    """What the history knows of one question."""

    question_id: str
    box: int
    last_seen: float  # epoch seconds

    def due_at(self) -> float:
        return self.last_seen + INTERVAL_DAYS[self.box] * DAY_S


def next_box(box: int, score: float, late: bool) -> int:
    """The box after an answer scoring ``score`` in [0, 1]."""
    if score < DEMOTE_BELOW:
        return 1
    if score >= PROMOTE_AT and not late:
        return min(box + 1, MAX_BOX)
    return box


def order(ids: list[str], cards: dict[str, Card], now: float, rng: random.Random) -> list[str]:
    """``ids`` in the order a session should draw them."""
    shuffled = list(ids)
    rng.shuffle(shuffled)
    tie = {qid: index for index, qid in enumerate(shuffled)}

    def key(qid: str) -> tuple[int, int, float, int]:
        card = cards.get(qid)
        if card is None:
            return (1, 0, 0.0, tie[qid])
        overdue = now - card.due_at()
        if overdue >= 0:
            return (0, card.box, -overdue, tie[qid])
        return (2, card.box, -overdue, tie[qid])

    return sorted(ids, key=key)
