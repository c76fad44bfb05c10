"""Benchmark: how long the content-only commands take, from process start to exit.

``mlkata hint``, ``mlkata list`` and ``mlkata answer`` only read prose and ids, so they must
not import torch or transformers (tests/test_cli.py holds that); this measures what a user
waits, each command run in a fresh interpreter, the median of ``--repeats`` runs.

    python benchmarks/cli_startup.py [--repeats 5] [--out FILE]

Prints a Markdown table and writes the raw numbers as JSON (default:
benchmarks/results/cli_startup.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [
    ["hint", "bert.encode"],
    ["list"],
    ["answer", "bert.classification-steps"],
]


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "grader.cli", *command],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "cli_startup.json"
    )
    args = parser.parse_args()
    rows = []
    print("| command | median s | min s |\n|---|---|---|")
    for command in COMMANDS:
        runs = [seconds(command) for _ in range(args.repeats)]
        rows.append({"command": " ".join(command), "runs_s": runs})
        print(f"| mlkata {' '.join(command)} | {statistics.median(runs):.2f} | {min(runs):.2f} |")
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min": os.getloadavg()[0],
    }
    args.out.write_text(json.dumps({"machine": machine, "commands": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
