"""How well does the mock-interview theory scorer agree with hand-labelled answers?

Scores every answer in benchmarks/data/mock_answers.yaml (good / partial / bad, English and
Chinese) and writes benchmarks/results/mock_scorer.json: Spearman's rank correlation between
score and label, and how often a good answer outscores a bad one to the same question,
overall and per language.

    python benchmarks/mock_scorer_calibration.py
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's grader

from grader.mock.calibration import calibrate
from grader.mock.scoring import Scorer

RESULTS = Path(__file__).resolve().parent / "results" / "mock_scorer.json"


def main() -> None:
    start = time.perf_counter()
    result = calibrate(Scorer())
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["machine"] = f"{platform.machine()}, {platform.python_version()}"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for part in ("overall", "en", "zh"):
        print(part, result[part])
    print("mean score by label", result["mean_score_by_label"])
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
