"""Progress: every exercise as solved, attempted or untouched, per topic (from check cells
and `mlkata check` runs), and over mock interviews the mean score per topic; with a plot of
both (a PNG; its path is printed). Reads the history (--history or $MLKATA_HOME)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", type=Path, help="the history database (SQLite)")
    parser.add_argument("--plot", type=Path, help="where to write the PNG")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from grader.errors import MlkataError
    from grader.mock import default_history_path, home_dir, sessions_dir
    from grader.mock.history import History

    with History(args.history or default_history_path(), rebuild_from=sessions_dir()) as db:
        sessions = db.sessions()
        results = db.results()
        cards = db.cards()
        status = db.exercise_status()
    if not sessions and not status:
        raise MlkataError(
            "no progress yet: run a check cell, `mlkata check NOTEBOOK` or `mlkata mock` first"
        )
    console = Console()
    exercises = _exercise_table(status)
    console.print(_exercise_rich_table(exercises))
    plot = args.plot or home_dir() / "progress.png"
    if not sessions:
        _plot({}, exercises, plot)
        print(f"plot: {plot}")
        return 0
    order = {s.id: n for n, s in enumerate(sessions, start=1)}
    per_topic: dict[str, dict[int, list[float]]] = {}
    for session_id, item in results:
        per_topic.setdefault(item.topic, {}).setdefault(order[session_id], []).append(item.fraction)
    count = len(sessions)
    table = Table(title=f"mock interviews: {count} session{'s' if count != 1 else ''}")
    for column in ("topic", "answers", "mean", "last session", "in box 1"):
        table.add_column(column)
    for topic, by_session in sorted(per_topic.items()):
        scores = [s for values in by_session.values() for s in values]
        last = by_session[max(by_session)]
        weak = sum(
            1 for c in cards.values() if c.question_id.startswith(topic + ".") and c.box == 1
        )
        table.add_row(
            topic,
            str(len(scores)),
            f"{sum(scores) / len(scores):.2f}",
            f"{sum(last) / len(last):.2f}",
            str(weak),
        )
    console.print(table)
    _plot(per_topic, exercises, plot)
    print(f"plot: {plot}")
    return 0


STATES = ("solved", "attempted", "untouched")
COLOURS = {"solved": "#1a7f37", "attempted": "#d4a72c", "untouched": "#d0d7de"}


def _exercise_table(status: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """Per topic, the exercise ids in each state (every exercise of the catalog is listed)."""
    from grader.engine.outline import load_outlines

    table: dict[str, dict[str, list[str]]] = {}
    for name, track in load_outlines().items():
        table[name] = {state: [] for state in STATES}
        for exercise in track.exercises:
            table[name][status.get(exercise.id, "untouched")].append(exercise.id)
    return table


def _exercise_rich_table(exercises: dict[str, dict[str, list[str]]]) -> Any:
    from rich.table import Table

    table = Table(title="exercises")
    for column in ("topic", *STATES, "still to do"):
        table.add_column(column, overflow="fold")
    for topic, states in exercises.items():
        todo = [e.split(".", 1)[1] for e in states["attempted"] + states["untouched"]]
        table.add_row(topic, *(str(len(states[s])) for s in STATES), ", ".join(todo))
    return table


def _plot(
    per_topic: dict[str, dict[int, list[float]]],
    exercises: dict[str, dict[str, list[str]]],
    path: Path,
) -> None:
    """Exercises per topic as stacked bars; beside them, mock scores over sessions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = 2 if per_topic else 1
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
    bars = axes[0][0]
    topics = list(exercises)
    bottom = [0] * len(topics)
    for state in STATES:
        counts = [len(exercises[t][state]) for t in topics]
        bars.bar(topics, counts, bottom=bottom, color=COLOURS[state], label=state)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.set(ylabel="exercises", title="exercises")
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.legend()
    if per_topic:
        lines = axes[0][1]
        for topic, by_session in sorted(per_topic.items()):
            xs = sorted(by_session)
            ys = [sum(by_session[x]) / len(by_session[x]) for x in xs]
            lines.plot(xs, ys, "o-", label=topic)
        lines.set(xlabel="session", ylabel="mean score (0-1)", ylim=(0, 1.05))
        lines.set_title("mock interviews")
        lines.xaxis.set_major_locator(MaxNLocator(integer=True))  # sessions are whole
        lines.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
