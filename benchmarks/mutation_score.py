"""Benchmark: the full mutation score of each track's reference solutions.

Every mutant mutmut makes of the solution blocks (grader/authoring/mutants.py) runs
against its exercise's checks; the score is the share of non-equivalent mutants killed.
Training exercises retrain for every mutant, so a full track takes from minutes (quick
exercises) to hours (fine-tuning) on two cores: run one track at a time, niced.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/mutation_score.py --track resnet \\
        [--exercise resnet.confusion] [--out FILE]

Writes the survivors and the score to stdout and merges the result into
benchmarks/results/mutation_score.json (one entry per track, or per track and exercise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    from grader.authoring import mutants

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--track", required=True)
    parser.add_argument("--exercise", help="only this exercise's mutants")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/mutation_score.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    result = mutants.score(args.track, args.exercise)
    seconds = time.perf_counter() - started
    key = args.track if args.exercise is None else f"{args.track}:{args.exercise}"
    entry = {
        "killed": result.killed,
        "non_equivalent": result.total,
        "equivalent_skipped": result.equivalent,
        "score_percent": round(result.percent, 1),
        "survivors": [f"{m.id} ({m.exercise_id}): {m.change}" for m in result.survived],
        "stale_equivalents": result.stale_equivalents,
        "seconds": round(seconds),
    }
    report = json.loads(args.out.read_text()) if args.out.exists() else {}
    report[key] = entry
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"{key}: {result.killed} of {result.total} non-equivalent mutants killed "
        f"({result.percent:.1f} %), {result.equivalent} equivalent skipped, {seconds:.0f} s"
    )
    for survivor in entry["survivors"]:
        print(f"  survived: {survivor}")


if __name__ == "__main__":
    main()
