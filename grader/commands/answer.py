"""Show the model answer and key points of a theory question (answer it yourself first)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question_id", help="a question id, e.g. bert.classification-steps")
    parser.add_argument("--lang", choices=["en", "zh"], help="one language (default: both)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from grader.bank import answer_markdown, get_question

    question = get_question(args.question_id)
    text = question.text[args.lang or "en"].question
    Console().print(Markdown(f"# {text}\n\n" + answer_markdown(question, args.lang)))
    return 0
