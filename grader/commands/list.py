"""List topics with their exercises (and points) and theory questions."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def catalogue() -> dict[str, object]:
    from grader.bank import load_bank
    from grader.engine.outline import load_outlines

    bank = load_bank()
    topics = []
    for track in load_outlines().values():
        topics.append(
            {
                "topic": track.name,
                "title": track.title,
                "notebook": f"exercises/{track.notebook}.ipynb",
                "points": track.points,
                "exercises": [
                    {
                        "id": e.id,
                        "title": e.title,
                        "points": e.points,
                        "difficulty": e.difficulty,
                        "functions": list(e.functions),
                    }
                    for e in track.exercises
                ],
                "questions": [
                    {"id": q.id, "difficulty": q.difficulty, "question": q.text["en"].question}
                    for q in bank.get(track.name, [])
                ],
            }
        )
    return {"topics": topics}


def run(args: argparse.Namespace) -> int:
    data = catalogue()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console

    print_tables(data, Console())
    return 0


def print_tables(data: dict[str, object], console: Console) -> None:
    """One table per topic. Ids are never cut or wrapped, whatever the width: they are what
    `mlkata answer` and `mlkata hint` take; the titles wrap instead."""
    from rich.table import Table

    topics: list[dict[str, Any]] = data["topics"]  # type: ignore[assignment]
    for topic in topics:
        id_width = max(len(item["id"]) for item in [*topic["exercises"], *topic["questions"]])
        table = Table(
            title=f"{topic['topic']}: {topic['title']['en']} / {topic['title']['zh']}"
            f" ({topic['points']:g} points)"
        )
        table.add_column("id", no_wrap=True, min_width=id_width)
        table.add_column("kind", no_wrap=True)
        table.add_column("points / level", justify="right")
        table.add_column("title", ratio=1, overflow="fold")
        for exercise in topic["exercises"]:
            level = f"{exercise['points']:g} · {exercise['difficulty']}"
            table.add_row(exercise["id"], "exercise", level, exercise["title"]["en"])
        for question in topic["questions"]:
            table.add_row(question["id"], "question", question["difficulty"], question["question"])
        console.print(table)
