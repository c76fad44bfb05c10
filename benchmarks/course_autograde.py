"""Benchmark: grading one assignment for a whole class, three ways, side by side.

The same submissions (default 20: correct, partial and blank ones, and faulty ones: an
infinite loop, a crash, a missing and a corrupt notebook) of ONE assignment (default
resnet, the cheapest full grade) are graded in one run, each way in its own copy of a
course made by `mlkata course init` (so all three use the trusted pipeline of its config):

  (a) stock `nbgrader autograde ASSIGNMENT`: nbgrader's own command, one submission after
      another, in one process;
  (b) `mlkata course autograde ASSIGNMENT --workers 2`: one nbgrader process per submission,
      two at a time;
  (c) the same on a Dask LocalCluster on loopback (2 worker processes of 1 thread, started
      before the clock), via `--scheduler`.

For each it reports submissions per minute, the gradebook's scores (which must agree), and
where a submission's time goes: the nbgrader process (start-up, sanitizing, gradebook), the
sandbox's start-up (process, imports, the notebook's setup and exercise cells), model
loading (resources built on both sides of the sandbox) and the checks themselves, as
TrustedChecks records them in $MLKATA_TIMINGS_LOG.

    python benchmarks/course_autograde.py [--submissions 20] [--assignment resnet]
        [--workers 2] [--out FILE] [--keep DIR]

Writes a Markdown table to stdout and the raw numbers as JSON (default:
benchmarks/results/course_autograde.json). Numbers depend on the machine's load: the JSON
records the load average around each way.
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

from grader.course.ledger import Ledger  # noqa: E402
from grader.course.nbgrader_cli import nbgrader_environment  # noqa: E402
from grader.engine.catalog import load_tracks  # noqa: E402

# The class, in this order and repeated: --submissions 4 still has a fault and a hang.
KINDS = [
    "correct",
    "partial",
    "missing",
    "loop",
    "partial",
    "crash",
    "correct",
    "blank",
    "partial",
    "corrupt",
]
WAYS = {
    "a": "stock `nbgrader autograde`, sequential",
    "b": "`mlkata course autograde --workers 2`",
    "c": "`mlkata course autograde --scheduler` (Dask LocalCluster, 2 workers)",
}


def class_of(assignment: str, count: int) -> list[dict[str, Any]]:
    """``count`` submissions: student name, kind, what to write, and the expected score
    where it is plain (an exercise's checks may call the learner's other functions, so a
    partial or broken submission's score is only compared across the three ways)."""
    from tests.submissions import solution_grade_id, solved, student_notebook, with_cell_source

    track = load_tracks()[assignment]
    exercises = track.exercises
    points = {e.id: e.points for e in exercises}
    total = sum(points.values())
    students = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        notebook, expected = None, 0.0  # blank, missing, corrupt: 0
        if kind == "correct":
            notebook, expected = solved(track=assignment), total
        elif kind == "partial":  # a different half of the exercises each time
            chosen = [e.id for n, e in enumerate(exercises) if (n + index) % 2 == 0]
            notebook, expected = solved(chosen, track=assignment), None
        elif kind == "blank":
            notebook = student_notebook(assignment)
        elif kind == "loop":  # an exercise cell that never returns: its cell times out
            hung = exercises[-1]
            notebook = with_cell_source(
                solved(track=assignment), solution_grade_id(hung.id), "while True:\n    pass\n"
            )
            expected = None
        elif kind == "crash":  # the learner's function kills its process when called
            crashing = exercises[len(exercises) // 2]
            code = "import os\n\n" + "".join(
                f"def {name}(*args, **kwargs):\n    os._exit(3)\n\n\n"
                for name in crashing.functions
            )
            notebook = with_cell_source(
                solved(track=assignment), solution_grade_id(crashing.id), code
            )
            expected = None
        student = f"s{index + 1:02d}-{kind}"
        students.append(
            {"student": student, "kind": kind, "notebook": notebook, "expected": expected}
        )
    return students


def submit(course: Path, assignment: str, students: list[dict[str, Any]]) -> None:
    import nbformat

    name = f"{load_tracks()[assignment].notebook}.ipynb"
    for entry in students:
        folder = course / "submitted" / entry["student"] / assignment
        folder.mkdir(parents=True, exist_ok=True)
        if entry["kind"] == "missing":
            (folder / "notes.txt").write_text("I could not save my notebook\n")
        elif entry["kind"] == "corrupt":
            (folder / name).write_text('{"cells": [{"cell_type": "code", "source": "x = ')
        else:
            nbformat.write(entry["notebook"], folder / name)


def copy_course(base: Path, target: Path) -> Path:
    """A copy of the course at ``base``; its config names its own folder as the root."""
    shutil.copytree(base, target)
    config = target / "nbgrader_config.py"
    config.write_text(config.read_text().replace(repr(str(base)), repr(str(target))))
    return target


def scores(course: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(assignment)}


def read_timings(path: Path) -> dict[str, dict[str, float]]:
    if not path.exists():
        return {}
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {entry["student"]: entry for entry in entries}


def grade(way: str, course: Path, assignment: str, workers: int) -> dict[str, Any]:
    """Run one way over the course's submissions; wall time, gradebook scores, timings."""
    log = course / "timings.jsonl"
    env = dict(nbgrader_environment(), MLKATA_TIMINGS_LOG=str(log))
    cluster = None
    if way == "a":
        command = [sys.executable, "-m", "nbgrader", "autograde", assignment]
    else:
        command = [sys.executable, "-m", "grader.cli", "course", "autograde", assignment]
        command += ["--course", str(course), "--workers", str(workers)]
    if way == "c":
        from distributed import LocalCluster

        os.environ["MLKATA_TIMINGS_LOG"] = str(log)  # the workers run the nbgrader processes
        started = time.perf_counter()
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        cluster_start_s = time.perf_counter() - started
        command += ["--scheduler", cluster.scheduler_address]
    load_before = os.getloadavg()[0]
    print(f"({way}) {WAYS[way]} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=course, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
    finally:
        wall_s = time.perf_counter() - started
        if cluster is not None:
            cluster.close()
            os.environ.pop("MLKATA_TIMINGS_LOG", None)
    result: dict[str, Any] = {
        "way": WAYS[way],
        "command": " ".join(command[1:]).replace(str(course), "COURSE"),
        "returncode": done.returncode,
        "wall_s": wall_s,
        "load_average_1min_before": load_before,
        "load_average_1min_after": os.getloadavg()[0],
        "scores": scores(course, assignment),
        "autograded": sorted(
            p.parent.parent.name for p in course.glob(f"autograded/*/{assignment}/*.ipynb")
        ),
        "timings": read_timings(log),
        "stderr_tail": (done.stdout + done.stderr)[-1500:],
    }
    if way != "a":  # one nbgrader process per submission: its wall time is in the ledger
        ledger = Ledger(course, assignment).entries()
        result["process_s"] = {s: float(e["seconds"]) for s, e in ledger.items()}  # type: ignore[arg-type]
    if cluster is not None:
        result["cluster_start_s"] = cluster_start_s
    return result


def summarise(result: dict[str, Any], count: int) -> dict[str, float]:
    """Submissions per minute and the mean split of a submission's time, in seconds."""
    timings = result["timings"].values()
    graded = len(result["autograded"])  # an autograded notebook: nbgrader finished with it
    # time spent in nbgrader processes: one long process (a), or one per submission (b, c)
    busy_s = sum(result["process_s"].values()) if "process_s" in result else result["wall_s"]
    in_runner = sum(t["total_s"] for t in timings)
    return {
        "submissions": count,
        "autograded": graded,
        "per_minute": 60 * graded / result["wall_s"],
        "wall_s": result["wall_s"],
        "nbgrader_s": (busy_s - in_runner) / max(graded, 1),
        "sandbox_startup_s": sum(t["sandbox_startup_s"] for t in timings) / max(graded, 1),
        "model_load_s": sum(t["model_load_s"] for t in timings) / max(graded, 1),
        "checks_s": sum(t["checks_s"] for t in timings) / max(graded, 1),
    }


def markdown(summaries: dict[str, dict[str, float]], agree: bool, count: int) -> str:
    lines = [
        f"| way ({count} submissions) | autograded | wall (s) | submissions/min | "
        "nbgrader (s) | sandbox start-up (s) | model loading (s) | checks (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for way, s in summaries.items():
        lines.append(
            f"| ({way}) {WAYS[way]} | {s['autograded']} | {s['wall_s']:.0f} | "
            f"{s['per_minute']:.2f} | {s['nbgrader_s']:.1f} | {s['sandbox_startup_s']:.1f} | "
            f"{s['model_load_s']:.1f} | {s['checks_s']:.1f} |"
        )
    lines.append("")
    lines.append(
        "Submissions/min counts the autograded ones (nbgrader finished with them). The "
        "per-submission columns are means over those, in process time (two at a time "
        "overlap). Scores "
        + ("agree across the three ways and with the expected ones." if agree else "DIFFER:")
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=20, help="class size (default 20)")
    parser.add_argument("--assignment", default="resnet", help="the one assignment graded")
    parser.add_argument("--workers", type=int, default=2, help="for (b) and (c) (default 2)")
    parser.add_argument("--ways", default="abc", help="which ways to run (default abc)")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "course_autograde.json"
    )
    parser.add_argument("--keep", type=Path, help="make the courses here and keep them")
    args = parser.parse_args()
    import torch

    work = args.keep or Path(tempfile.mkdtemp(prefix="mlkata-bench-class-"))
    work.mkdir(parents=True, exist_ok=True)
    students = class_of(args.assignment, args.submissions)
    started = time.perf_counter()
    base = work / "base"
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "course", "init", str(base)],
        capture_output=True,
        text=True,
        env=nbgrader_environment(),
    )
    if done.returncode != 0:
        sys.exit(f"mlkata course init failed:\n{done.stderr}")
    init_s = time.perf_counter() - started
    results, summaries = {}, {}
    for way in args.ways:
        course = copy_course(base, work / f"way-{way}")
        submit(course, args.assignment, students)
        results[way] = grade(way, course, args.assignment, args.workers)
        summaries[way] = summarise(results[way], args.submissions)
        print(json.dumps({way: summaries[way]}), file=sys.stderr, flush=True)
        (work / "results-so-far.json").write_text(json.dumps(results, indent=2))
    expected = {s["student"]: s["expected"] for s in students}
    reference = results[args.ways[-1]]["scores"]  # every way must give the same scores
    agree = all(
        result["scores"].get(student, reference.get(student)) == reference.get(student)
        and (score is None or reference.get(student) == score)
        for result in results.values()
        for student, score in expected.items()
    ) and all(
        set(result["autograded"]) == set(expected)
        for way, result in results.items()
        if way != "a"  # stock nbgrader stops on a missing or unreadable notebook
    )
    table = markdown(summaries, agree, args.submissions)
    print(table)
    if not agree:
        for way, result in results.items():
            print(f"({way}) {json.dumps(result['scores'])}")
        print(f"expected {json.dumps(expected)}")
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "note": "2 CPU cores, maybe shared: each way records the load average around it",
    }
    payload = {
        "machine": machine,
        "assignment": args.assignment,
        "course_init_s": init_s,
        "class": [{k: s[k] for k in ("student", "kind", "expected")} for s in students],
        "summaries": summaries,
        "results": results,
        "scores_agree": agree,
        "table": table,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
