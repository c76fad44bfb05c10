"""Benchmark: what the LLM internals checks cost on top of the model work inside them.

Measures, in one run on this machine, the warm latency of every internals check
(in-process, as a notebook's check cell runs it: expected values computed from the real
SmolLM2-135M and MiniLM modules, results through the same wire as the sandbox) against the
time spent inside the reference solution's own calls (the raw compute).

    python benchmarks/internals_bench.py [--repeats 3] [--out FILE]

Writes a Markdown table to stdout and the raw numbers as JSON (default:
benchmarks/results/internals.json). Numbers depend on the machine's load: re-measure on a
quiet machine before quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.check_timing import check_table, time_track_checks  # noqa: E402


def reference_namespace() -> dict[str, Any]:
    path = REPO / "solutions" / "llm_internals.py"
    namespace: dict[str, Any] = {"__name__": "internals_bench"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per check")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "internals.json"
    )
    args = parser.parse_args()
    import torch

    rows = time_track_checks("internals", reference_namespace(), args.repeats)
    table = "\n".join(check_table(rows, "reference compute"))
    print(table)
    slow = [r for r in rows if r["check_s"] >= 1.0]
    print(f"\n{len(rows) - len(slow)} of {len(rows)} checks answer in under 1 s", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    payload = {"machine": machine, "checks": rows, "table": table}
    args.out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
