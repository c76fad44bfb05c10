"""The labelled answer set, and the theory scorer's agreement with it.

The figures themselves come from benchmarks/mock_scorer_calibration.py (written to
benchmarks/results/mock_scorer.json and reported in the README); the bars here sit a little
below what the scorer measures on the held-out part, so a change that makes it worse fails.
"""

from __future__ import annotations

from collections import Counter

from grader.bank import get_question
from grader.mock.calibration import GOOD_KINDS, KINDS, calibrate, load_labelled


def test_labelled_set_is_large_bilingual_and_split() -> None:
    rows = load_labelled()
    assert len(rows) >= 200 and len({r["question"] for r in rows}) >= 40
    for part in ("calibration", "held_out"):
        for lang in ("en", "zh"):
            kinds = Counter(r["kind"] for r in rows if r["part"] == part and r["lang"] == lang)
            assert set(kinds) == set(KINDS), (part, lang, kinds)
    for row in rows:
        get_question(row["question"])  # every question is in the bank
    held = {r["question"] for r in rows if r["part"] == "held_out"}
    calibration = {r["question"] for r in rows if r["part"] == "calibration"}
    assert held and calibration and not held & calibration


def test_every_held_out_question_has_twins_and_a_wrong_answer_per_language() -> None:
    rows = [r for r in load_labelled() if r["part"] == "held_out"]
    for question in {r["question"] for r in rows}:
        mine = [r for r in rows if r["question"] == question]
        for lang in ("en", "zh"):
            kinds = {r["kind"] for r in mine if r["lang"] == lang}
            assert "correct" in kinds and "wrong" in kinds, (question, lang)
            assert kinds & set(GOOD_KINDS)


def test_scorer_agrees_with_the_labels_on_the_held_out_part(scorer) -> None:
    result = calibrate(scorer, parts=("held_out",))["held_out"]
    assert result["spearman_en"] >= 0.75 and result["spearman_zh"] >= 0.75, result
    assert result["good_beats_wrong"] >= 0.9, result
    assert result["wrong_mean"] <= 0.2 and result["keywords_max"] <= 0.5, result
    means = result["mean_by_kind"]
    assert means["correct"] > means["partial"] > means["off_topic"], means
    assert means["paraphrase"] > means["wrong"] and means["partial"] > means["wrong"], means
