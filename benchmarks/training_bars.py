"""Benchmark: where the training checks' accuracy bars come from.

For each training check (BERT fine-tune, ResNet fine-tune) this trains, exactly as the check
does, on the data the check gives the learner and measures accuracy on the held-out data
it judges on (data the learner's function never receives):

  1. the reference recipe, with only its shuffle (and dropout) seed changed, several times:
     the spread a learner with correct code can land anywhere in;
  2. plain correct alternatives (a DataLoader loop at a constant learning rate);
  3. plausible wrong recipes (a loss that is wrong but still trains, the head alone,
     a learning rate that wrecks the weights): where the bar must not reach.

    python benchmarks/training_bars.py [--track bert|resnet|all] [--seeds 5] [--out FILE]

The seed is changed by offsetting the seeds the reference passes to ``random.Random`` and
``torch.manual_seed``; nothing else differs. Writes a Markdown table to stdout and the raw
numbers as JSON (default: benchmarks/results/training_bars.json). Run it niced on a shared
machine: it trains about a dozen models.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def reference_namespace(notebook: str) -> dict[str, Any]:
    path = REPO / "solutions" / f"{notebook}.py"
    namespace: dict[str, Any] = {"__name__": "training_bars"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


@contextlib.contextmanager
def shifted_seeds(namespace: dict[str, Any], offset: int) -> Iterator[None]:
    """Every seed the reference passes to random.Random and torch.manual_seed, plus offset."""
    import torch

    original_manual_seed = torch.manual_seed
    namespace["random"] = types.SimpleNamespace(Random=lambda s: random.Random(s + 1000 * offset))
    torch.manual_seed = lambda s: original_manual_seed(s + 1000 * offset)
    try:
        yield
    finally:
        torch.manual_seed = original_manual_seed
        namespace["random"] = random


def bert_runs(seeds: int) -> list[dict[str, Any]]:
    import torch

    from grader.engine.resources import build
    from grader.engine.spec import Ref
    from grader.tracks.bert import checks
    from tests.tracks import bert_alternative_solutions as alternatives
    from tests.tracks import bert_wrong_solutions as wrong

    train_texts, train_labels, held_texts, held_labels = checks.target_split()
    tokenizer = build(checks.TOKENIZER)

    def accuracy(model: torch.nn.Module) -> float:
        probabilities = torch.cat(
            [
                checks.trusted_probabilities(model, held_texts[start : start + 32])
                for start in range(0, len(held_texts), 32)
            ]
        )
        hits = probabilities.argmax(dim=-1) == torch.tensor(held_labels)
        return hits.double().mean().item()

    def run(kind: str, name: str, fine_tune: Callable[..., Any]) -> dict[str, Any]:
        model = build(Ref.of("bert.classifier"))
        start = time.perf_counter()
        trained = fine_tune(model, tokenizer, list(train_texts), list(train_labels))
        seconds = time.perf_counter() - start
        result = {"kind": kind, "name": name, "accuracy": accuracy(trained), "seconds": seconds}
        print(f"bert {kind:11s} {name:40s} {result['accuracy']:.3f} {seconds:6.1f} s", flush=True)
        return result

    namespace = reference_namespace("bert_classification")
    results = []
    for seed in range(seeds):
        with shifted_seeds(namespace, seed):
            results.append(run("reference", f"shuffle seed {seed}", namespace["fine_tune"]))
    for function in alternatives.TRAINING_ALTERNATIVES:
        results.append(run("alternative", function.__name__, function))
    for function in wrong.TRAINING_MISTAKES:
        results.append(run("wrong", function.__name__, function))
    return results


def resnet_runs(seeds: int) -> list[dict[str, Any]]:
    from grader.engine.resources import build
    from grader.tracks.resnet import checks
    from tests.tracks import resnet_alternative_solutions as alternatives
    from tests.tracks import resnet_wrong_solutions as wrong

    def run(kind: str, name: str, fine_tune: Callable[..., Any]) -> dict[str, Any]:
        model = build(checks.FINE_TUNE_START)
        start = time.perf_counter()
        trained = fine_tune(model, str(checks.split_dir("train")))
        seconds = time.perf_counter() - start
        result = {
            "kind": kind,
            "name": name,
            "accuracy": checks.held_out_accuracy(trained),
            "seconds": seconds,
        }
        print(f"resnet {kind:11s} {name:40s} {result['accuracy']:.3f} {seconds:6.1f} s", flush=True)
        return result

    namespace = reference_namespace("resnet_classification")
    results = []
    for seed in range(seeds):
        with shifted_seeds(namespace, seed):
            results.append(run("reference", f"shuffle seed {seed}", namespace["fine_tune"]))
    for function in alternatives.TRAINING_ALTERNATIVES:
        results.append(run("alternative", function.__name__, function))
    for function in wrong.TRAINING_MISTAKES:
        results.append(run("wrong", function.__name__, function))
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, float]:
    reference = [r["accuracy"] for r in results if r["kind"] == "reference"]
    wrong = [r["accuracy"] for r in results if r["kind"] == "wrong"]
    return {
        "reference_min": min(reference),
        "reference_mean": statistics.mean(reference),
        "reference_max": max(reference),
        "reference_stdev": statistics.stdev(reference) if len(reference) > 1 else 0.0,
        "best_wrong": max(wrong) if wrong else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--track", choices=("bert", "resnet", "all"), default="all")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/training_bars.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tracks = ("bert", "resnet") if args.track == "all" else (args.track,)
    # One track at a time is allowed: the file keeps the other tracks' last results.
    report: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    for track in tracks:
        results = (bert_runs if track == "bert" else resnet_runs)(args.seeds)
        report[track] = {"seeds": args.seeds, "runs": results, "summary": summary(results)}
    print("\n| track | reference min / mean / max (sd) | best wrong | bar |")
    print("|---|---|---|---|")
    for track in tracks:
        s = report[track]["summary"]
        print(
            f"| {track} | {s['reference_min']:.3f} / {s['reference_mean']:.3f} / "
            f"{s['reference_max']:.3f} ({s['reference_stdev']:.3f}) | {s['best_wrong']:.3f} | |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
