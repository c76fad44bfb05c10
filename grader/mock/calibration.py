"""Agreement between the theory scorer and hand-labelled answers (good, partial, bad)."""

from __future__ import annotations

from pathlib import Path

import yaml

from grader.bank import get_question
from grader.mock.scoring import Scorer
from grader.paths import REPO_DIR

LABELS = {"bad": 0, "partial": 1, "good": 2}
DATA = REPO_DIR / "benchmarks" / "data" / "mock_answers.yaml"


def load_labelled(path: Path = DATA) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]


def _agreement(rows: list[dict]) -> dict[str, float]:
    from scipy.stats import spearmanr

    labels = [LABELS[r["label"]] for r in rows]
    scores = [r["score"] for r in rows]
    rho = float(spearmanr(labels, scores).statistic)
    wins = total = 0
    for good in rows:
        for other in rows:
            same = good["question"] == other["question"] and good["lang"] == other["lang"]
            if same and good["label"] == "good" and other["label"] == "bad":
                total += 1
                wins += good["score"] > other["score"]
    return {
        "n": len(rows),
        "spearman": round(rho, 4),
        "good_beats_bad": round(wins / total, 4) if total else float("nan"),
        "good_bad_pairs": total,
    }


def calibrate(scorer: Scorer, path: Path = DATA) -> dict:
    """Score every labelled answer; agreement overall and per language."""
    rows = []
    for item in load_labelled(path):
        question = get_question(item["question"])
        score = scorer.score(question, item["answer"], item["lang"]).score
        rows.append({**item, "score": round(score, 4)})
    result = {"overall": _agreement(rows)}
    for lang in ("en", "zh"):
        result[lang] = _agreement([r for r in rows if r["lang"] == lang])
    by_label: dict[str, list[float]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row["score"])
    result["mean_score_by_label"] = {k: round(sum(v) / len(v), 4) for k, v in by_label.items()}
    result["answers"] = [
        {"question": r["question"], "lang": r["lang"], "label": r["label"], "score": r["score"]}
        for r in rows
    ]
    return result
