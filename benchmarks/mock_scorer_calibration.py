"""How well does the mock-interview theory scorer agree with hand-labelled answers?

Scores every answer of benchmarks/data/mock_answers.yaml (tagged correct, paraphrase,
partial, wrong in the right vocabulary, keywords, echo, off-topic; English and Chinese) and
writes benchmarks/results/mock_scorer.json. For each part of the set (calibration: used to
choose the scorer's constants; held-out: only measured) it reports Spearman's rank
correlation between score and grade, overall and per language; how often a good answer
beats a wrong one to the same question; the mean score of each kind; and the gap between
each correct Chinese answer and its English twin. The targets are checked on the held-out
part. It also times scoring one answer with a warm scorer (median and worst, seconds).

    python benchmarks/mock_scorer_calibration.py [--threads 2]

With MLKATA_JUDGE=llm, OPENAI_BASE_URL and MLKATA_OPENAI_MODEL set, it measures the LLM judge
(grader/mock/llm_judge.py) instead; copy the results file aside first, it is overwritten.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's grader

from grader.bank import get_question
from grader.mock.calibration import check_targets, evaluate, load_labelled
from grader.mock.llm_judge import judge_from_environment

RESULTS = Path(__file__).resolve().parent / "results" / "mock_scorer.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    scorer = judge_from_environment()  # the offline scorer unless MLKATA_JUDGE=llm
    rows = load_labelled()
    for question in {r["question"] for r in rows}:  # warm: model loaded, references built
        for lang in ("en", "zh"):
            scorer.score(get_question(question), "", lang)
            scorer.score(get_question(question), "warm 热身")
    scored, seconds = [], []
    start = time.perf_counter()
    for row in rows:
        began = time.perf_counter()
        result = scorer.score(get_question(row["question"]), row["answer"])
        seconds.append(time.perf_counter() - began)
        scored.append({**row, "score": round(result.score, 4), "verdicts": result})
    total = time.perf_counter() - start
    report: dict = {}
    for part in ("calibration", "held_out"):
        report[part] = evaluate([r for r in scored if r["part"] == part])
    report["targets_on_held_out"] = check_targets(report["held_out"])
    report["seconds_per_answer"] = {
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
        "threads": args.threads,
    }
    report["judges"] = sorted({r["verdicts"].judge for r in scored})
    report["seconds"] = round(total, 1)
    report["machine"] = f"{platform.machine()}, {platform.python_version()}"
    report["answers"] = [
        {
            "question": r["question"],
            "lang": r["lang"],
            "kind": r["kind"],
            "part": r["part"],
            "score": r["score"],
            "contradicted": [c["point"] for c in r["verdicts"].contradicted],
        }
        for r in scored
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for part in ("calibration", "held_out"):
        figures = {k: v for k, v in report[part].items() if k != "mean_by_kind"}
        print(part, figures)
        print("  mean score by kind", report[part]["mean_by_kind"])
    for name, target in report["targets_on_held_out"].items():
        mark = "met" if target["met"] else "NOT met"
        print(f"target {name} {target['target']}: {target['value']} ({mark})")
    print("seconds per answer", report["seconds_per_answer"])
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
