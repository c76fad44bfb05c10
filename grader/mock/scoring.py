"""Scoring a theory answer against the model answer's key points.

English answers: the answer is cut into sentences (and pairs of neighbouring sentences);
each key point's similarity is the best cosine similarity between its MiniLM embedding and
any of those pieces. A key point earns credit linearly from ``EN_LOW`` (nothing) to
``EN_HIGH`` (full) and counts as covered at ``EN_COVERED``.

Chinese answers: all-MiniLM-L6-v2 is an English model, so its similarity alone is weak on
Chinese. Each key point is scored with two signals, averaged with weight ``ZH_NGRAM_WEIGHT``:
the recall of the *Chinese* key point's character bigrams in the answer (ASCII words such
as "AdamW" count as single tokens), and MiniLM's similarity between the answer's pieces
and the *English* key point of the same question (technical terms, formulas and code names
often survive the language switch). Both are rescaled to [0, 1] first. The constants are
calibrated on ``benchmarks/data/mock_answers.yaml`` (benchmarks/mock_scorer_calibration.py).

A question's score is the mean credit over its key points.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.bank import Question

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EN_LOW, EN_HIGH, EN_COVERED = 0.25, 0.6, 0.45
ZH_LOW, ZH_HIGH = 0.1, 0.6
ZH_EMB_LOW, ZH_EMB_HIGH = 0.15, 0.5
ZH_NGRAM_WEIGHT = 0.6
ZH_COVERED = 0.5

_SENTENCE_END = re.compile(r"(?<=[.!?;:。！？；：])\s*|\n+")
_TOKEN = re.compile(r"[a-z0-9_\-\[\]\.]+|[\u4e00-\u9fff]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class PointScore:
    text: str
    credit: float  # in [0, 1]
    covered: bool


@dataclass
class TheoryScore:
    """A theory answer's score in [0, 1] with each key point's verdict."""

    score: float
    points: list[PointScore] = field(default_factory=list)
    lang: str = "en"  # the language it was scored in (that of its key points)

    @property
    def covered(self) -> list[str]:
        return [p.text for p in self.points if p.covered]

    @property
    def missed(self) -> list[str]:
        return [p.text for p in self.points if not p.covered]


def pieces(answer: str) -> list[str]:
    """Sentences of the answer, each pair of neighbours, and the whole answer."""
    sentences = [s.strip() for s in _SENTENCE_END.split(answer) if s and s.strip()]
    sentences = [s for s in sentences if len(s) > 1]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
    whole = [answer.strip()] if len(sentences) > 2 else []
    return sentences + pairs + whole


def tokens(text: str) -> list[str]:
    """Chinese characters one by one and ASCII words whole, lower-cased."""
    return _TOKEN.findall(text.lower())


def bigrams(text: str) -> set[tuple[str, str]]:
    toks = tokens(text)
    if len(toks) == 1:
        return {(toks[0], "")}
    return set(itertools.pairwise(toks))


def bigram_recall(point: str, answer: str) -> float:
    """The share of the key point's bigrams (over adjacent tokens) found in the answer."""
    wanted = bigrams(point)
    if not wanted:
        return 0.0
    have = bigrams(answer) | {(t, "") for t in tokens(answer)}
    return len(wanted & have) / len(wanted)


def _ramp(value: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (value - low) / (high - low)))


def is_chinese(text: str) -> bool:
    """Does the text contain a real share of Chinese characters?"""
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and len(_CJK.findall(text)) >= 0.2 * len(letters)


@functools.cache
def load_model() -> SentenceTransformer:
    """The shipped MiniLM sentence encoder, on the CPU, once per process."""
    from sentence_transformers import SentenceTransformer

    from grader.models.quiet import quiet_transformers
    from grader.models.registry import resolve

    with quiet_transformers():
        return SentenceTransformer(str(resolve("bert")), device="cpu")


class Scorer:
    """Scores theory answers; the embedding model is loaded on first use."""

    def __init__(self, model: SentenceTransformer | None = None) -> None:
        self._model = model

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = load_model()
        return self._model

    def _similarities(self, points: list[str], chunks: list[str]) -> list[float]:
        from sentence_transformers.util import cos_sim

        vectors = self.model.encode(points + chunks, convert_to_tensor=True)
        sims = cos_sim(vectors[: len(points)], vectors[len(points) :])  # (P, C)
        return sims.max(dim=1).values.tolist()

    def score(self, question: Question, answer: str, lang: str | None = None) -> TheoryScore:
        """Score ``answer`` in its own language (Chinese when it is mostly Chinese).

        ``lang`` (the session's language) only applies to an empty answer.
        """
        # The answer's language decides: a Chinese session answered in English is scored
        # as English, an English one answered in Chinese (the notebook invites both) as
        # Chinese. An empty answer keeps the session's language for its missed key points.
        if answer.strip():
            lang = "zh" if is_chinese(answer) else "en"
        lang = lang or "en"
        shown = question.text[lang].key_points
        chunks = pieces(answer)
        if not chunks:
            return TheoryScore(0.0, [PointScore(p, 0.0, False) for p in shown], lang)
        english = list(question.text["en"].key_points)
        sims = self._similarities(english, chunks)
        points = []
        if lang == "en":
            for point, sim in zip(shown, sims, strict=True):
                points.append(PointScore(point, _ramp(sim, EN_LOW, EN_HIGH), sim >= EN_COVERED))
        else:
            for point, sim in zip(shown, sims, strict=True):
                ngram = _ramp(bigram_recall(point, answer), ZH_LOW, ZH_HIGH)
                emb = _ramp(sim, ZH_EMB_LOW, ZH_EMB_HIGH)
                credit = ZH_NGRAM_WEIGHT * ngram + (1 - ZH_NGRAM_WEIGHT) * emb
                points.append(PointScore(point, credit, credit >= ZH_COVERED))
        total = sum(p.credit for p in points) / len(points)
        return TheoryScore(total, points, lang)
