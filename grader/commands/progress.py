"""Progress over mock interviews: mean score per topic, and a plot of each topic's score
over sessions (a PNG; its path is printed). Reads the history (--history or $MLKATA_HOME)."""

from __future__ import annotations

import argparse
from pathlib import Path


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
    if not sessions:
        raise MlkataError("no graded mock interview yet: run `mlkata mock` first")
    order = {s.id: n for n, s in enumerate(sessions, start=1)}
    per_topic: dict[str, dict[int, list[float]]] = {}
    for session_id, item in results:
        per_topic.setdefault(item.topic, {}).setdefault(order[session_id], []).append(item.fraction)
    table = Table(title=f"mock interviews: {len(sessions)} sessions")
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
    Console().print(table)
    plot = args.plot or home_dir() / "progress.png"
    _plot(per_topic, plot)
    print(f"plot: {plot}")
    return 0


def _plot(per_topic: dict[str, dict[int, list[float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for topic, by_session in sorted(per_topic.items()):
        xs = sorted(by_session)
        axes.plot(xs, [sum(by_session[x]) / len(by_session[x]) for x in xs], "o-", label=topic)
    axes.set(xlabel="session", ylabel="mean score (0-1)", ylim=(0, 1.05), title="mock interviews")
    axes.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
