"""Benchmark: what checking costs on top of the model work it checks (BERT track).

Measures, in one run on this machine, side by side:
  1. warm check latency of every BERT check (in-process, as a notebook's check cell runs);
  2. the model compute inside those checks: time spent in the reference solution's own calls;
  3. one full submission autograded through nbgrader (sandbox start, model loads, all
     checks, hidden ones included) against the model compute of the same checks.

    python benchmarks/bert_checks.py [--repeats 5] [--skip-nbgrader] [--out FILE]

Writes a Markdown table to stdout and the raw numbers as JSON (default:
benchmarks/results/bert_checks.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.check_timing import check_table, time_track_checks  # noqa: E402


def reference_namespace() -> dict[str, Any]:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "ref", REPO / "solutions" / "bert_classification.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(vars(module))


def time_checks(repeats: int) -> list[dict[str, Any]]:
    return time_track_checks("bert", reference_namespace(), repeats, frozenset({"bert.fine_tune"}))


def time_nbgrader_autograde() -> float:
    """Seconds for `nbgrader autograde` of one fully solved submission on a fresh course."""
    sys.path.insert(0, str(REPO))
    from tests.submissions import solved, write

    root = Path(tempfile.mkdtemp(prefix="mlkata-bench-course-"))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "from grader.nbgrader_plugin import configure\nconfigure(c)\n"
    )
    (root / "source" / "bert").mkdir(parents=True)
    shutil.copy(REPO / "notebooks" / "bert_classification.ipynb", root / "source" / "bert")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(
        [*nbgrader, "generate_assignment", "bert", "--force"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    write(solved(), root / "submitted" / "alice" / "bert" / "bert_classification.ipynb")
    started = time.perf_counter()
    subprocess.run(
        [*nbgrader, "autograde", "bert", "--force"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(root)
    return elapsed


def markdown(rows: list[dict[str, Any]], autograde_s: float | None) -> str:
    lines = check_table(rows)
    total_model = sum(r["model_s"] for r in rows)
    if autograde_s is not None:
        lines.append(
            f"| **all** | `nbgrader autograde`, one solved submission | {autograde_s:.2f} | "
            f"{total_model:.2f} | {autograde_s / total_model:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per fast check")
    parser.add_argument("--skip-nbgrader", action="store_true", help="skip the autograde timing")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "bert_checks.json"
    )
    args = parser.parse_args()
    import torch

    rows = time_checks(args.repeats)
    autograde_s = None if args.skip_nbgrader else time_nbgrader_autograde()
    table = markdown(rows, autograde_s)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "torch": torch.__version__,
                    "threads": torch.get_num_threads(),
                },
                "checks": rows,
                "nbgrader_autograde_s": autograde_s,
                "table": table,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
