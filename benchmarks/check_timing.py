"""Shared by the benchmarks: time each check of a track warm, in-process, and the part of
that time spent inside the reference solution's own calls (the raw model work)."""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from grader.engine.catalog import load_tracks
from grader.engine.runner import run_check
from grader.engine.student import LocalStudent, Returned


class TimedStudent(LocalStudent):
    """A local student that adds up the time spent inside the learner's own functions."""

    inside_s = 0.0

    def call(self, function: str, *args: Any, **kwargs: Any) -> Returned:
        target = self.namespace[function]

        def timed(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return target(*a, **k)
            finally:
                self.inside_s += time.perf_counter() - started

        self.namespace[function] = timed
        try:
            return super().call(function, *args, **kwargs)
        finally:
            self.namespace[function] = target


def time_track_checks(
    track: str, namespace: dict[str, Any], repeats: int, once: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """One row per check: median warm check time and model time. Exercises in ``once``
    (training ones) run a single time, without a warm-up run."""
    rows = []
    for exercise in load_tracks()[track].exercises:
        single = exercise.id in once
        for check in exercise.checks:
            student = TimedStudent(dict(namespace))
            if not single:
                assert run_check(check, student).passed  # warm-up: loads models, fills caches
            totals, insides = [], []
            for _ in range(1 if single else repeats):
                student.inside_s = 0.0
                started = time.perf_counter()
                result = run_check(check, student)
                totals.append(time.perf_counter() - started)
                insides.append(student.inside_s)
                assert result.passed, result.message
            rows.append(
                {
                    "exercise": exercise.id,
                    "check": check.name,
                    "hidden": check.hidden,
                    "check_s": statistics.median(totals),
                    "model_s": statistics.median(insides),
                }
            )
            print(f"  {exercise.id}: {check.name}: {rows[-1]['check_s']:.3f} s", file=sys.stderr)
    return rows


def check_table(rows: list[dict[str, Any]], compute: str = "model compute") -> list[str]:
    """Markdown table lines: one row per check, then the warm in-process total."""
    lines = [
        f"| exercise | check | check (s) | {compute} (s) | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row["check_s"] / row["model_s"] if row["model_s"] else float("nan")
        name = row["check"] + (" *(hidden)*" if row["hidden"] else "")
        lines.append(
            f"| {row['exercise']} | {name} | {row['check_s']:.3f} | {row['model_s']:.3f} | "
            f"{ratio:.1f}x |"
        )
    total_check = sum(r["check_s"] for r in rows)
    total_model = sum(r["model_s"] for r in rows)
    lines.append(
        f"| **all** | warm, in-process | {total_check:.2f} | {total_model:.2f} | "
        f"{total_check / total_model:.2f}x |"
    )
    return lines
