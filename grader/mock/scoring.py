"""Scoring a theory answer: each key point is judged covered, missed or contradicted.

How (the constants in ``Settings`` are chosen on the calibration part of
``benchmarks/data/mock_answers.yaml``; ``benchmarks/mock_scorer_calibration.py`` reports the
held-out part):

1. **References.** Each key point is compared with its own text and with the sentence of
   the model answer that states it (found once per question), in the answer's language.
2. **Support** of a key point by a piece of the answer (a sentence or two neighbouring ones)
   mixes MiniLM cosine similarity with the recall of the reference's content units (see
   ``grader.mock.cues``). Units that the question itself contains earn nothing, so echoing
   the question does not cover a point. Chinese answers are compared with the Chinese
   references by character bigrams, and with the English references by MiniLM (formulas,
   code names and English terms survive the switch; MiniLM's vocabulary lacks most Chinese
   characters, so Chinese is never embedded against Chinese).
3. **Contradiction.** A claim (clause) of the answer that is about a key point contradicts it
   when it denies what the reference asserts (or the reverse), uses the opposite comparison
   word ("after" for "before", 更小 for 更大), gives numbers the model answer never mentions,
   or when it is closer to one of the question's common misconceptions than to any key
   point. A contradicted point costs ``contradiction_cost`` of a point; a missed one costs
   nothing but earns nothing.
4. **Shape.** A bare keyword list, or an answer that mostly repeats the question, keeps only
   a fraction of its score.

A question's score is the mean credit over its key points, clipped to [0, 1].
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.bank import Question
from grader.mock import cues
from grader.mock.cues import is_chinese

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = ["PointScore", "Scorer", "Settings", "TheoryScore", "is_chinese", "load_model"]

COVERED, MISSED, CONTRADICTED = "covered", "missed", "contradicted"


@dataclass(frozen=True)
class Settings:
    """The scorer's constants, per language where the signals differ."""

    emb_weight: dict[str, float] = field(default_factory=lambda: {"en": 0.6, "zh": 0.15})
    low: dict[str, float] = field(default_factory=lambda: {"en": 0.1, "zh": 0.05})
    high: dict[str, float] = field(default_factory=lambda: {"en": 0.55, "zh": 0.35})
    covered_at: float = 0.5  # credit at which a point counts as covered
    related_at: dict[str, float] = field(default_factory=lambda: {"en": 0.45, "zh": 0.35})
    misconception_at: dict[str, float] = field(default_factory=lambda: {"en": 0.5, "zh": 0.35})
    misconception_margin: float = 0.1
    overlap_at: float = 0.55  # share of a claim's units a reference clause must share
    contradiction_cost: float = 1.0
    keyword_factor: float = 0.4
    echo_factor: float = 0.3
    echo_novelty: float = 0.35


@dataclass
class PointScore:
    text: str
    credit: float  # in [0, 1] (negative when contradicted)
    verdict: str = MISSED  # covered, missed or contradicted
    said: str = ""  # the answer's words: what covers it, or what contradicts it
    why: str = ""  # for a contradiction: which cue

    @property
    def covered(self) -> bool:
        return self.verdict == COVERED


@dataclass
class TheoryScore:
    """A theory answer's score in [0, 1] with each key point's verdict."""

    score: float
    points: list[PointScore] = field(default_factory=list)
    lang: str = "en"  # the language it was scored in (that of its key points)
    judge: str = "offline (MiniLM + cues)"
    shape: str = ""  # "keyword list" or "echo of the question" when it was marked down

    @property
    def covered(self) -> list[str]:
        return [p.text for p in self.points if p.verdict == COVERED]

    @property
    def missed(self) -> list[str]:
        return [p.text for p in self.points if p.verdict == MISSED]

    @property
    def contradicted(self) -> list[dict[str, str]]:
        """Each contradicted key point: what the answer said, the point, and the cue."""
        return [
            {"said": p.said, "point": p.text, "why": p.why}
            for p in self.points
            if p.verdict == CONTRADICTED
        ]


def _spans(n: int) -> list[tuple[int, int]]:
    """The sentence ranges that make pieces longer than one sentence: neighbours, and all."""
    spans = [(i, i + 2) for i in range(n - 1)]
    return spans + ([(0, n)] if n > 2 else [])


def pieces(answer: str) -> list[str]:
    """Sentences of the answer, each pair of neighbours, and the whole answer."""
    found = cues.sentences(answer)
    return found + [" ".join(found[a:b]) for a, b in _spans(len(found))]


@functools.cache
def load_model() -> SentenceTransformer:
    """The shipped MiniLM sentence encoder, on the CPU, once per process."""
    from sentence_transformers import SentenceTransformer

    from grader.models.quiet import quiet_transformers
    from grader.models.registry import resolve

    with quiet_transformers():
        return SentenceTransformer(str(resolve("bert")), device="cpu")


@dataclass
class _Reference:
    """What one question's answers are compared with, in one language."""

    points: list[str]  # key points in the answer's language (shown in the report)
    lexical: list[list[set[str]]]  # per point: content units of each reference text
    clauses: list[list[str]]  # per point: the reference texts' clauses (for contradictions)
    english: list[list[str]]  # per point: English reference texts (embedded)
    misconceptions: list[str]  # in the answer's language
    misconceptions_en: list[str]
    misconception_point: list[int]  # the key point each misconception denies
    misconception_marks: list[set[str]]  # units of each that the model answer never uses
    model_answer: str  # both languages and the question: numbers the answer may use
    question: str


class Scorer:
    """Scores theory answers; the embedding model is loaded on first use."""

    def __init__(self, model: SentenceTransformer | None = None, settings: Settings | None = None):
        self._model = model
        self.settings = settings or Settings()
        self._vectors: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._references: dict[tuple[str, str], _Reference] = {}

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = load_model()
        return self._model

    # -- embeddings -------------------------------------------------------------------

    def _embed(self, texts: list[str]) -> torch.Tensor:
        """Unit vectors for the texts, (N, 384); recent texts are remembered."""
        import torch

        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            vectors = self.model.encode(todo, convert_to_tensor=True, normalize_embeddings=True)
            for text, vector in zip(todo, vectors, strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > 20_000:
            self._vectors.popitem(last=False)
        return torch.stack([self._vectors[t] for t in texts])

    def _embed_answer(self, sentences: list[str], claims: list[str]) -> None:
        """Embed the answer's sentences and claims in one batch; a piece made of several
        sentences gets the length-weighted mean of theirs (MiniLM mean-pools its tokens, so
        this is close to embedding the piece, at a fraction of the cost)."""
        import torch

        vectors = self._embed(sentences + claims)[: len(sentences)]
        weights = torch.tensor([float(len(cues.words(x)) or 1) for x in sentences])
        for start, stop in _spans(len(sentences)):
            text = " ".join(sentences[start:stop])
            if text not in self._vectors:
                mean = (vectors[start:stop] * weights[start:stop, None]).sum(dim=0)
                self._vectors[text] = mean / mean.norm().clamp_min(1e-12)

    def _cosine(self, left: list[str], right: list[str]) -> list[list[float]]:
        if not left or not right:
            return [[0.0] * len(right) for _ in left]
        return (self._embed(left) @ self._embed(right).T).tolist()

    # -- references -------------------------------------------------------------------

    def _reference(self, question: Question, lang: str) -> _Reference:
        key = (question.id, lang)
        if key not in self._references:
            self._references[key] = self._build_reference(question, lang)
        return self._references[key]

    def _build_reference(self, question: Question, lang: str) -> _Reference:
        text, english = question.text[lang], question.text["en"]
        known = " ".join([text.answer, *text.key_points])
        mine = self._aligned(text.key_points, text.answer, lang)
        theirs = self._aligned(english.key_points, english.answer, "en")
        raw = [[p, s] if s else [p] for p, s in zip(text.key_points, mine, strict=True)]
        en_refs = [[p, s] if s else [p] for p, s in zip(english.key_points, theirs, strict=True)]
        sims = self._cosine(list(english.misconceptions), list(english.key_points))
        return _Reference(
            points=list(text.key_points),
            lexical=[[cues.terms(r) - cues.terms(text.question) for r in refs] for refs in raw],
            clauses=[[c for r in refs for c in cues.clauses(r) or [r]] for refs in raw],
            english=en_refs,
            misconceptions=list(text.misconceptions),
            misconceptions_en=list(english.misconceptions),
            misconception_point=[max(range(len(row)), key=row.__getitem__) for row in sims],
            misconception_marks=[
                cues.terms(m) - cues.terms(known) - cues.terms(text.question)
                for m in text.misconceptions
            ],
            model_answer=" ".join(
                [question.text[x].answer for x in ("en", "zh")]
                + [p for x in ("en", "zh") for p in question.text[x].key_points]
            ),
            question=text.question,
        )

    def _aligned(self, points: tuple[str, ...], answer: str, lang: str) -> list[str]:
        """For each key point, the model answer's sentence that states it best ('' if none)."""
        found = [s for s in cues.sentences(answer) if len(cues.terms(s)) >= 3]
        if not found:
            return ["" for _ in points]
        lexical = [[cues.recall(cues.terms(p), cues.terms(s)) for s in found] for p in points]
        if lang == "en":
            emb = self._cosine(list(points), found)
            lexical = [
                [(a + b) / 2 for a, b in zip(x, y, strict=True)]
                for x, y in zip(lexical, emb, strict=True)
            ]
        best = []
        for row in lexical:
            i = max(range(len(row)), key=row.__getitem__)
            best.append(found[i] if row[i] >= 0.3 else "")
        return best

    # -- scoring ----------------------------------------------------------------------

    def _support(self, ref: _Reference, texts: list[str], lang: str) -> list[list[float]]:
        """sim[point][text]: how well each text states each key point, in [0, 1]."""
        w = self.settings.emb_weight[lang]
        flat = [r for refs in ref.english for r in refs]
        emb = self._cosine(texts, flat)  # (T, R)
        units = [cues.terms(t) for t in texts]
        table = []
        start = 0
        for refs_lex, refs_en in zip(ref.lexical, ref.english, strict=True):
            row = []
            for t, mine in enumerate(units):
                lexical = max(cues.recall(r, mine) for r in refs_lex)
                semantic = max(emb[t][start : start + len(refs_en)])
                row.append(w * max(0.0, semantic) + (1 - w) * lexical)
            table.append(row)
            start += len(refs_en)
        return table

    def _misconception_sims(
        self, ref: _Reference, claims: list[str], lang: str
    ) -> list[list[float]]:
        """sim[misconception][claim], like ``_support`` but against the misconceptions."""
        if not ref.misconceptions:
            return []
        w = self.settings.emb_weight[lang]
        emb = self._cosine(claims, ref.misconceptions_en)
        units = [cues.terms(c) for c in claims]
        question = cues.terms(ref.question)
        table = []
        for m, text in enumerate(ref.misconceptions):
            wanted = cues.terms(text) - question
            table.append(
                [
                    w * max(0.0, emb[c][m]) + (1 - w) * cues.recall(wanted, units[c])
                    for c in range(len(claims))
                ]
            )
        return table

    def _contradiction(
        self, ref: _Reference, point: int, claim: str, support: float, lang: str
    ) -> str:
        """Why ``claim`` (about the key point, with this support) contradicts it, or ''.

        The claim is set against the reference clause that shares most of its content
        units: a claim only contradicts the part of a key point that it restates.
        """
        s = self.settings
        if support < s.related_at[lang]:
            return ""
        mine = cues.terms(claim)
        if not mine:
            return ""
        matching = []  # (share of units in common, reference clause)
        for r in ref.clauses[point]:
            theirs = cues.terms(r)
            shared = len(mine & theirs) / max(len(mine), len(theirs))
            if shared >= s.overlap_at:
                matching.append((shared, r))
        if not matching:
            return ""
        best = max(matching)[1]
        if all(cues.denies(claim, r) for _, r in matching):
            return "negation"
        flips = cues.opposed(claim, best, best)
        if flips:
            return f"'{flips[0][0]}' where the key point has '{flips[0][1]}'"
        if cues.numbers(best) and cues.foreign_numbers(claim, ref.model_answer):
            return "numbers the model answer does not give"
        return ""

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
        s = self.settings
        ref = self._reference(question, lang)
        chunks = pieces(answer)
        if not chunks:
            return TheoryScore(0.0, [PointScore(p, 0.0) for p in ref.points], lang)
        claims = cues.clauses(answer) or chunks[:1]
        self._embed_answer(cues.sentences(answer), claims)
        support = self._support(ref, chunks, lang)
        about = self._support(ref, claims, lang)
        points = []
        for i, text in enumerate(ref.points):
            j = max(range(len(chunks)), key=support[i].__getitem__)
            credit = min(
                1.0, max(0.0, (support[i][j] - s.low[lang]) / (s.high[lang] - s.low[lang]))
            )
            verdict = COVERED if credit >= s.covered_at else MISSED
            points.append(
                PointScore(text, credit, verdict, chunks[j] if verdict == COVERED else "")
            )
            for c, claim in enumerate(claims):
                why = self._contradiction(ref, i, claim, about[i][c], lang)
                if why:
                    points[i] = PointScore(text, -s.contradiction_cost, CONTRADICTED, claim, why)
                    break
        for m, row in enumerate(self._misconception_sims(ref, claims, lang)):
            c = max(range(len(claims)), key=row.__getitem__)
            best_point = max(about[i][c] for i in range(len(ref.points)))
            marks = ref.misconception_marks[m]
            if marks and not marks & cues.terms(claims[c]):
                continue  # says nothing that only the misconception says
            if row[c] >= s.misconception_at[lang] and row[c] >= best_point + s.misconception_margin:
                i = ref.misconception_point[m]
                if points[i].verdict != CONTRADICTED:
                    why = f"a common misconception: {ref.misconceptions[m]}"
                    points[i] = PointScore(
                        ref.points[i], -s.contradiction_cost, CONTRADICTED, claims[c], why
                    )
        total = min(1.0, max(0.0, sum(p.credit for p in points) / len(points)))
        shape = ""
        if cues.is_keyword_list(answer):
            total, shape = total * s.keyword_factor, "keyword list"
        elif cues.novelty(answer, ref.question) < s.echo_novelty:
            total, shape = total * s.echo_factor, "echo of the question"
        return TheoryScore(total, points, lang, shape=shape)
