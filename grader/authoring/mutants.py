"""Mutation testing of the reference solutions: is every small change to a solution caught
by that exercise's checks?

mutmut (pinned in the ``test`` extra) makes the mutants: its libcst mutation operators
(flipped comparisons, changed numbers and strings, swapped operators, removed arguments...)
applied to the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` only, one
mutation per mutant. mutmut's own runner imports modules and reruns pytest per mutant;
our solutions are cells executed as notebook namespaces and judged by checks on warm
models, so this module runs them instead: each mutant's file is executed as a namespace
and the exercise's checks run in-process against it (killed: at least one check fails,
the file does not run, or it exceeds its time).

A mutant that no input can tell from the original is *equivalent*: it is listed, with a
one-line reason, in ``grader/tracks/<track>/equivalent_mutants.yaml`` under its id
(``function#n``, the n-th mutant of that function) together with its change, so that an
edit to the solution that renumbers mutants is noticed instead of silently excusing the
wrong one.

    python -m grader.authoring.mutants [TRACK ...] [--sample] [--exercise ID] [--list]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from grader.engine.catalog import get_exercise, load_tracks
from grader.engine.runner import run_check
from grader.engine.student import LocalStudent
from grader.paths import REPO_DIR

MARKER = re.compile(r"^# %% \[exercise (?P<name>[\w.]+)\]\s*$")
DEFAULT_TIMEOUT_S = 60.0  # per mutant of a quick exercise; training exercises get more
TRAINING_TIMEOUT_S = 600.0

# A fixed sample for the test suite: a few quick mutants per track (ids as in --list).
SAMPLE = {
    "bert": ["encode_batch#1", "predict#15", "classification_metrics#19"],
    "efficiency": ["serve_with_cache#9", "serve_with_cache#11", "prune_linear_layers#3"],
    "internals": ["left_pad#18", "kv_cache_bytes_per_token#1", "bert_self_attention#106"],
    "resnet": ["evaluate#8", "evaluate#10", "confusion_matrix#18"],
    "textgen": ["greedy#2", "apply_temperature#3", "top_k_filter#2"],
}


@dataclass(frozen=True)
class Mutant:
    track: str
    exercise_id: str
    function: str
    index: int  # the n-th mutant of ``function``
    line: int
    change: str  # "original -> mutated", the changed code
    # Builds the whole mutated solutions file on demand: printing all of a track's hundreds
    # of mutated modules up front took most of a minute, and listing them needs none.
    build_source: Callable[[], str] = field(repr=False, compare=False)

    @property
    def source(self) -> str:
        """The whole mutated solutions file."""
        return self.build_source()

    @property
    def id(self) -> str:
        return f"{self.function}#{self.index}"


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    killed: bool
    how: str  # the first failing check, "does not run", "timeout", or "survived"
    seconds: float


def solution_lines(code: str) -> tuple[set[int], dict[int, str]]:
    """Line numbers inside solution blocks, and the exercise each line of the file is in."""
    inside, covered, exercise_of, exercise = False, set(), {}, None
    for number, line in enumerate(code.splitlines(), start=1):
        match = MARKER.match(line)
        if match:
            exercise = match["name"]
        elif line.lstrip().startswith("# %% [setup]"):
            exercise = None
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION":
            inside = True
        elif stripped == "### END SOLUTION":
            inside = False
        elif inside:
            covered.add(number)
        if exercise:
            exercise_of[number] = exercise
    return covered, exercise_of


def describe_change(original: str, mutated: str, context: int = 18) -> str:
    """``original -> mutated`` around the part that differs, whitespace collapsed."""
    before, after = " ".join(original.split()), " ".join(mutated.split())
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while (
        end < min(len(before), len(after)) - start
        and before[len(before) - 1 - end] == after[len(after) - 1 - end]
    ):
        end += 1
    left = max(0, start - context)

    def window(text: str) -> str:
        right = min(len(text), len(text) - end + context)
        return ("..." if left else "") + text[left:right] + ("..." if right < len(text) else "")

    return f"{window(before)} -> {window(after)}"


def track_mutants(track: str) -> list[Mutant]:
    """Every mutant of the track's solution blocks, in file order."""
    from libcst.metadata import MetadataWrapper, PositionProvider
    from mutmut.mutation.file_mutation import create_mutations

    path = REPO_DIR / "solutions" / f"{load_tracks()[track].notebook}.py"
    code = path.read_text(encoding="utf-8")
    covered, exercise_of = solution_lines(code)
    with contextlib.chdir(REPO_DIR):  # mutmut reads its settings from ./pyproject.toml
        module, mutations, _, _ = create_mutations(str(path), code, covered_lines=covered)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    counts: dict[str, int] = {}
    mutants = []
    for mutation in mutations:
        function = mutation.contained_by_top_level_function
        if function is None:
            continue
        name = function.name.value
        line = positions[mutation.original_node].start.line
        index = counts.get(name, 0)
        counts[name] = index + 1
        change = describe_change(
            module.code_for_node(mutation.original_node),
            module.code_for_node(mutation.mutated_node),
        )
        build = partial(_mutated_code, module, mutation.original_node, mutation.mutated_node)
        mutants.append(Mutant(track, exercise_of[line], name, index, line, change, build))
    return mutants


def _mutated_code(module: Any, original: Any, mutated: Any) -> str:
    """The module's code with one node replaced (libcst nodes are immutable: a new tree)."""
    return module.deep_replace(original, mutated).code


def equivalent_mutants(track: str) -> dict[str, dict[str, str]]:
    """{mutant id: {"change": ..., "reason": ...}} from the track's YAML list."""
    path = REPO_DIR / "grader" / "tracks" / track / "equivalent_mutants.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class MutantTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise MutantTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def is_training(exercise_id: str) -> bool:
    return any(check.timeout_s > 100 for check in get_exercise(exercise_id).checks)


def run_mutant(mutant: Mutant) -> Outcome:
    """Execute the mutated solutions as a notebook namespace and run the exercise's checks."""
    started = time.perf_counter()
    limit = TRAINING_TIMEOUT_S if is_training(mutant.exercise_id) else DEFAULT_TIMEOUT_S
    how = "survived"
    try:
        with time_limit(limit):
            namespace: dict[str, Any] = {"__name__": f"mutant_{mutant.track}"}
            try:
                exec(compile(mutant.source, f"<mutant {mutant.id}>", "exec"), namespace)
            except MutantTimeout:
                raise
            except Exception:
                how = "does not run"
            else:
                student = LocalStudent(namespace)
                for check in get_exercise(mutant.exercise_id).checks:
                    if not run_check(check, student).passed:
                        how = f"check: {check.name}"
                        break
    except MutantTimeout:
        how = "timeout"
    return Outcome(mutant, how != "survived", how, time.perf_counter() - started)


@dataclass(frozen=True)
class Score:
    track: str
    killed: int
    survived: list[Mutant]
    equivalent: int
    stale_equivalents: list[str]

    @property
    def total(self) -> int:
        return self.killed + len(self.survived)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0


def score(
    track: str,
    exercise_id: str | None = None,
    ids: list[str] | None = None,
    progress: bool = True,
) -> Score:
    """Run the track's mutants (or only those of one exercise, or the given ids); the
    equivalent ones are skipped, and listed ones whose change no longer matches reported."""
    equivalents = equivalent_mutants(track)
    mutants = track_mutants(track)
    by_id = {mutant.id: mutant for mutant in mutants}
    stale = [
        key
        for key, entry in equivalents.items()
        if key not in by_id or by_id[key].change != entry.get("change")
    ]
    chosen = [
        mutant
        for mutant in mutants
        if (exercise_id is None or mutant.exercise_id == exercise_id)
        and (ids is None or mutant.id in ids)
        and not (mutant.id in equivalents and mutant.id not in stale)
    ]
    skipped = sum(
        1
        for mutant in mutants
        if mutant.id in equivalents
        and mutant.id not in stale
        and (exercise_id is None or mutant.exercise_id == exercise_id)
    )
    killed, survived = 0, []
    for number, mutant in enumerate(chosen, start=1):
        outcome = run_mutant(mutant)
        if outcome.killed:
            killed += 1
        else:
            survived.append(mutant)
        if progress:
            mark = "killed  " if outcome.killed else "SURVIVED"
            print(
                f"[{number}/{len(chosen)}] {mark} {track} {mutant.id:28s} "
                f"{outcome.seconds:5.1f} s  {mutant.change}  ({outcome.how})",
                flush=True,
            )
    return Score(track, killed, survived, skipped, stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev mutants",
        description="Mutation testing: every mutant of a reference solution must be killed "
        "by its exercise's checks (equivalent mutants: grader/tracks/<track>/"
        "equivalent_mutants.yaml).",
    )
    tracks = sorted(load_tracks())
    parser.add_argument("tracks", nargs="*", metavar="TRACK", help=f"default: all of {tracks}")
    parser.add_argument("--exercise", help="only the mutants of this exercise id")
    parser.add_argument("--sample", action="store_true", help="only the fixed quick sample")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    args = parser.parse_args(argv)
    unknown = [track for track in args.tracks if track not in tracks]
    if unknown:
        parser.error(f"unknown track {unknown[0]!r}; choose from {tracks}")
    failed = False
    for track in args.tracks or tracks:
        if args.list:
            for mutant in track_mutants(track):
                print(f"{track} {mutant.exercise_id:28s} {mutant.id:28s} {mutant.change}")
            continue
        result = score(track, args.exercise, SAMPLE[track] if args.sample else None)
        print(
            f"{track}: {result.killed} of {result.total} non-equivalent mutants killed "
            f"({result.percent:.1f} %), {result.equivalent} equivalent skipped"
        )
        for key in result.stale_equivalents:
            print(f"  stale entry in equivalent_mutants.yaml: {key} (its change moved)")
        failed |= bool(result.survived or result.stale_equivalents)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
