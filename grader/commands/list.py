"""List topics with their exercises (and points) and theory questions."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def catalogue() -> dict[str, object]:
    from grader.bank import load_bank
    from grader.engine.catalog import load_tracks

    bank = load_bank()
    topics = []
    for track in load_tracks().values():
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
    from rich.table import Table

    console = Console()
    for topic in data["topics"]:  # type: ignore[union-attr]
        table = Table(
            title=f"{topic['topic']}: {topic['title']['en']} / {topic['title']['zh']}"
            f" ({topic['points']:g} points)"
        )
        table.add_column("id")
        table.add_column("kind")
        table.add_column("points / level", justify="right")
        table.add_column("title")
        for exercise in topic["exercises"]:
            table.add_row(
                exercise["id"], "exercise", f"{exercise['points']:g}", exercise["title"]["en"]
            )
        for question in topic["questions"]:
            table.add_row(question["id"], "question", question["difficulty"], question["question"])
        console.print(table)
    return 0
