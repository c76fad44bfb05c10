"""The theory scorer must keep agreeing with the hand-labelled answers.

Measured (benchmarks/mock_scorer_calibration.py, benchmarks/results/mock_scorer.json):
Spearman 0.82 overall (en 0.88, zh 0.87), good beats bad in 22 of 22 pairs. The thresholds
sit a little below, so a change that makes the scorer worse fails here.
"""

from __future__ import annotations

from grader.mock.calibration import calibrate, load_labelled


def test_labelled_set_covers_both_languages_and_all_labels() -> None:
    rows = load_labelled()
    assert len(rows) >= 60
    for lang in ("en", "zh"):
        labels = {r["label"] for r in rows if r["lang"] == lang}
        assert labels == {"good", "partial", "bad"}


def test_scorer_agrees_with_the_labels(scorer) -> None:
    result = calibrate(scorer)
    assert result["overall"]["spearman"] >= 0.75, result["overall"]
    assert result["en"]["spearman"] >= 0.8, result["en"]
    assert result["zh"]["spearman"] >= 0.8, result["zh"]
    assert result["overall"]["good_beats_bad"] >= 0.95, result["overall"]
    means = result["mean_score_by_label"]
    assert means["good"] > means["partial"] > means["bad"]
