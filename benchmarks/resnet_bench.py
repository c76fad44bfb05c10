"""Benchmark: ResNet-18 throughput and what the ResNet checks cost on top of their model work.

Measures, in one run on this machine, side by side:
  1. images/s of the platform's ResNet-18 on the digits (32x32): evaluation (eval mode,
     no_grad) and training (forward + backward + AdamW step, whole network);
  2. warm latency of every ResNet check (in-process, as a notebook's check cell runs)
     against the time spent inside the reference solution's own calls (raw compute).

    python benchmarks/resnet_bench.py [--repeats 3] [--batch-size 64] [--out FILE]

Writes a Markdown table to stdout and the raw numbers as JSON (default:
benchmarks/results/resnet.json). Numbers depend on the machine's load: re-measure on a
quiet machine before quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.check_timing import check_table, time_track_checks  # noqa: E402


def reference_namespace() -> dict[str, Any]:
    path = REPO / "solutions" / "resnet_classification.py"
    namespace: dict[str, Any] = {"__name__": "resnet_bench"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def throughput(batch_size: int, train_steps: int) -> dict[str, float]:
    """Images per second for evaluation and for training, on tensors already in memory."""
    import torch

    from grader.tracks.resnet.data import load_split_tensors
    from grader.tracks.resnet.pretrained import load_resnet18

    images, labels = load_split_tensors("train")  # (N, 3, 32, 32), (N,)
    model = load_resnet18("digits").eval()
    with torch.no_grad():
        model(images[:batch_size])  # warm-up
        started = time.perf_counter()
        for start in range(0, len(images), batch_size):
            model(images[start : start + batch_size])  # (B, 10)
        eval_s = time.perf_counter() - started
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    started = time.perf_counter()
    for step in range(train_steps):
        chosen = slice(step * batch_size, (step + 1) * batch_size)
        loss = torch.nn.functional.cross_entropy(model(images[chosen]), labels[chosen])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    train_s = time.perf_counter() - started
    return {
        "eval_images_per_s": len(images) / eval_s,
        "train_images_per_s": train_steps * batch_size / train_s,
        "batch_size": batch_size,
    }


def time_checks(repeats: int) -> list[dict[str, Any]]:
    once = frozenset({"resnet.fine_tune"})
    return time_track_checks("resnet", reference_namespace(), repeats, once)


def markdown(speed: dict[str, float], rows: list[dict[str, Any]]) -> str:
    lines = [
        f"ResNet-18, 32x32 digits, batch {speed['batch_size']}: "
        f"evaluation {speed['eval_images_per_s']:.0f} images/s, "
        f"training {speed['train_images_per_s']:.0f} images/s",
        "",
    ]
    lines += check_table(rows, "reference compute")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per fast check")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train-steps", type=int, default=10)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "resnet.json")
    args = parser.parse_args()
    import torch

    speed = throughput(args.batch_size, args.train_steps)
    rows = time_checks(args.repeats)
    table = markdown(speed, rows)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    payload = {"machine": machine, "throughput": speed, "checks": rows, "table": table}
    args.out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
