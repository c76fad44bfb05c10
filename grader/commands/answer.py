"""Show the model answer, key points and common mistakes of a theory question (answer it
yourself first), with the month it was last reviewed and the sources it rests on."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question_id", help="a question id, e.g. bert.classification-steps")
    parser.add_argument("--lang", choices=["en", "zh"], help="one language (default: both)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markdown import Markdown

    from grader.bank import answer_markdown, get_question, provenance_markdown

    question = get_question(args.question_id)
    text = question.text[args.lang or "en"].question
    body = answer_markdown(question, args.lang)
    provenance = provenance_markdown(question, args.lang)
    Console().print(Markdown(f"# {text}\n\n{body}\n\n---\n\n{provenance}"))
    return 0
