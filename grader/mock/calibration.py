"""Agreement between the theory scorer and hand-labelled answers.

The labelled set (``benchmarks/data/mock_answers.yaml``) tags every answer with its kind:
correct, paraphrase, partial, wrong (the right vocabulary, wrong claims), keywords, echo or
off_topic. Its questions are split once, in the file, into a calibration part (used to
choose the scorer's constants) and a held-out part (only ever measured). ``evaluate``
computes the figures the README reports and ``TARGETS`` the bars they are held to.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from grader.bank import get_question
from grader.paths import REPO_DIR

DATA = REPO_DIR / "benchmarks" / "data" / "mock_answers.yaml"
KINDS = ("correct", "paraphrase", "partial", "wrong", "keywords", "echo", "off_topic")
GOOD_KINDS = ("correct", "paraphrase")
# The grade each kind stands for in the rank correlation.
GRADE = {"correct": 2, "paraphrase": 2, "partial": 1}
# The coarse label older callers use: good, partial or bad.
LABEL = {"correct": "good", "paraphrase": "good", "partial": "partial"}
PARTS = ("calibration", "held_out")

# name -> (what is measured, comparison, bar), checked on the held-out part.
TARGETS = {
    "good_beats_wrong": (
        "share of same-question pairs a good answer wins over a wrong",
        ">=",
        0.95,
    ),
    "wrong_mean": ("mean score of wrong answers in the right vocabulary", "<=", 0.3),
    "keywords_max": ("highest score of a bare keyword list", "<=", 0.5),
    "twin_gap_max": ("largest gap between a correct zh answer and its en twin", "<=", 0.15),
    "spearman_en": ("Spearman between score and grade, English", ">=", 0.8),
    "spearman_zh": ("Spearman between score and grade, Chinese", ">=", 0.8),
}


def load_labelled(path: Path = DATA) -> list[dict]:
    """Every labelled answer as a row: question, lang, kind, label, part, answer."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    held_out = set(raw["held_out"])
    rows = []
    for question, answers in raw["questions"].items():
        part = "held_out" if question in held_out else "calibration"
        for item in answers:
            kind = item["kind"]
            if kind not in KINDS:
                raise ValueError(f"{path}: {question}: unknown kind {kind!r}")
            rows.append(
                {
                    "question": question,
                    "lang": item["lang"],
                    "kind": kind,
                    "label": LABEL.get(kind, "bad"),
                    "part": part,
                    "answer": item["answer"],
                }
            )
    return rows


def _spearman(rows: list[dict]) -> float:
    from scipy.stats import spearmanr

    grades = [GRADE.get(r["kind"], 0) for r in rows]
    return round(float(spearmanr(grades, [r["score"] for r in rows]).statistic), 4)


def _good_beats_wrong(rows: list[dict]) -> tuple[float, int]:
    wins = total = 0
    for good in rows:
        if good["kind"] not in GOOD_KINDS:
            continue
        for wrong in rows:
            if wrong["kind"] == "wrong" and (wrong["question"], wrong["lang"]) == (
                good["question"],
                good["lang"],
            ):
                total += 1
                wins += good["score"] > wrong["score"]
    return (round(wins / total, 4) if total else float("nan")), total


def _twin_gaps(rows: list[dict]) -> list[float]:
    """|zh - en| for each question with a correct answer in both languages (twins)."""
    correct = {(r["question"], r["lang"]): r["score"] for r in rows if r["kind"] == "correct"}
    return [
        round(abs(correct[(q, "zh")] - correct[(q, "en")]), 4)
        for q, lang in correct
        if lang == "en" and (q, "zh") in correct
    ]


def evaluate(rows: list[dict]) -> dict:
    """The figures for scored rows (each with a ``score``)."""
    share, pairs = _good_beats_wrong(rows)
    by_kind: dict[str, list[float]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row["score"])
    gaps = _twin_gaps(rows)
    figures = {
        "n": len(rows),
        "questions": len({r["question"] for r in rows}),
        "spearman": _spearman(rows),
        "spearman_en": _spearman([r for r in rows if r["lang"] == "en"]),
        "spearman_zh": _spearman([r for r in rows if r["lang"] == "zh"]),
        "good_beats_wrong": share,
        "good_wrong_pairs": pairs,
        "mean_by_kind": {k: round(statistics.mean(by_kind[k]), 4) for k in KINDS if k in by_kind},
        "wrong_mean": round(statistics.mean(by_kind.get("wrong", [0.0])), 4),
        "keywords_max": round(max(by_kind.get("keywords", [0.0])), 4),
        "twin_pairs": len(gaps),
        "twin_gap_mean": round(statistics.mean(gaps), 4) if gaps else float("nan"),
        "twin_gap_max": max(gaps) if gaps else float("nan"),
        "twins_within_0.15": round(sum(g <= 0.15 for g in gaps) / len(gaps), 4) if gaps else 0,
    }
    return figures


def check_targets(figures: dict) -> dict[str, dict]:
    """Each target with its bar, the measured value, and whether it is met."""
    result = {}
    for name, (what, op, bar) in TARGETS.items():
        value = figures[name]
        met = value >= bar if op == ">=" else value <= bar
        result[name] = {"what": what, "target": f"{op} {bar}", "value": value, "met": bool(met)}
    return result


def score_rows(score: Callable[[str, str], float], rows: Iterable[dict]) -> list[dict]:
    """Each row with ``score(question_id, answer)`` added."""
    return [{**r, "score": round(score(r["question"], r["answer"]), 4)} for r in rows]


def calibrate(scorer, path: Path = DATA, parts: tuple[str, ...] = PARTS) -> dict:
    """Score the labelled answers of ``parts``; figures per part (and targets on held-out)."""

    def score(question_id: str, answer: str) -> float:
        return scorer.score(get_question(question_id), answer).score

    rows = [r for r in load_labelled(path) if r["part"] in parts]
    scored = score_rows(score, rows)
    result: dict = {}
    for part in parts:
        figures = evaluate([r for r in scored if r["part"] == part])
        result[part] = figures
        if part == "held_out":
            result["targets"] = check_targets(figures)
    result["answers"] = [
        {k: r[k] for k in ("question", "lang", "kind", "part", "score")} for r in scored
    ]
    return result
