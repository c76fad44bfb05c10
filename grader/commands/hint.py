"""Show hint N (default 1) of an exercise, rendered for the terminal."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exercise_id", help="an exercise id, e.g. bert.encode")
    parser.add_argument("number", nargs="?", type=int, default=1, help="which hint (default 1)")
    parser.add_argument("--lang", choices=["en", "zh"], help="one language (default: both)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from grader.engine.interactive import hint_markdown

    Console().print(Markdown(hint_markdown(args.exercise_id, args.number, args.lang)))
    return 0
