"""Benchmark: how long a sandbox takes to be ready to grade, before and after the fork server.

For each track, in one run, side by side, the time from asking for a sandbox to having run
the learner notebook's setup and exercise cells in it:

  cold process   a fresh interpreter (``python -m grader.engine.sandbox``, no namespaces):
                 what every sandbox paid before the fork server, less its two ``unshare``
                 commands;
  first fork     the first sandbox of a grader process: the template starts and imports,
                 then forks it (what a one-shot ``mlkata check`` pays);
  warm fork      every later sandbox, forked from the warm template into its own mount, PID,
                 network and user namespaces (what autograde, Validate and the tests pay).

    python benchmarks/sandbox_startup.py [--repeats 3] [--out FILE]

Prints a Markdown table and writes the raw numbers as JSON (default:
benchmarks/results/sandbox_startup.json).
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.engine import forkserver, isolation, protocol, wire  # noqa: E402
from grader.engine.catalog import load_tracks  # noqa: E402
from grader.engine.sandbox_client import Sandbox, _scrubbed_environment  # noqa: E402
from grader.engine.submission import code_to_run  # noqa: E402
from grader.preparation import prepare_track  # noqa: E402


def cells(track: str) -> list[str]:
    from tests.submissions import student_notebook

    ids = {exercise.solution_grade_id for exercise in load_tracks()[track].exercises}
    code = code_to_run(student_notebook(track), ids)
    return [*code.setup, *code.exercise_cells.values()]


def run_cells(send, sources: list[str]) -> None:  # type: ignore[no-untyped-def]
    for index, source in enumerate(sources):
        reply = send({"op": "exec", "source": source, "label": f"cell {index}"})
        assert reply["ok"], reply


def cold_process(track: str, sources: list[str]) -> float:
    """A fresh sandbox interpreter, as every sandbox was started before."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.engine.sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_scrubbed_environment(Path("/tmp")),
    )
    assert process.stdin and process.stdout

    def send(message: dict) -> dict:
        protocol.write_frame(process.stdin, protocol.encode_request(message))
        return wire.loads_untrusted(protocol.read_frame(process.stdout))

    run_cells(send, sources)
    seconds = time.perf_counter() - started
    process.stdin.close()
    process.wait()
    return seconds


def forked(track: str, sources: list[str]) -> float:
    """A sandbox from this process's template, isolated as grading does it."""
    started = time.perf_counter()
    with Sandbox(visible=prepare_track(track)) as sandbox:
        run_cells(lambda message: sandbox.request(message, 300), sources)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "sandbox_startup.json"
    )
    args = parser.parse_args()
    tracks = list(load_tracks())
    sources = {track: cells(track) for track in tracks}
    for track in tracks:
        prepare_track(track)
    results: dict[str, dict[str, object]] = {}
    first_track = tracks[0]
    results["first fork"] = {first_track: forked(first_track, sources[first_track])}
    for track in tracks:
        cold = [cold_process(track, sources[track]) for _ in range(args.repeats)]
        warm = [forked(track, sources[track]) for _ in range(args.repeats)]
        results[track] = {"cold_process_s": cold, "warm_fork_s": warm}
        print(track, f"cold {statistics.median(cold):.2f} s, warm {statistics.median(warm):.2f} s")
    lines = [
        "| track | cold process (s) | warm fork (s) | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for track in tracks:
        cold = statistics.median(results[track]["cold_process_s"])  # type: ignore[arg-type]
        warm = statistics.median(results[track]["warm_fork_s"])  # type: ignore[arg-type]
        lines.append(f"| {track} | {cold:.2f} | {warm:.2f} | {cold / warm:.0f}x |")
    first = results["first fork"][first_track]  # type: ignore[index]
    lines.append("")
    lines.append(
        f"Medians of {args.repeats}, setup and exercise cells of the learner notebook included; "
        f"the first fork of a process (template start-up, {first_track}) took {first:.1f} s. "
        f"Isolation: {isolation.describe()}."
    )
    table = "\n".join(lines)
    print(table)
    payload = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_1min_after": os.getloadavg()[0],
        "repeats": args.repeats,
        "results": results,
        "table": table,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    forkserver.template().close()


if __name__ == "__main__":
    main()
