"""The ``mlkata`` command: a thin dispatcher, one module per verb in ``grader.commands``.

Every user error is printed as one line (``mlkata: ...``) with exit status 2; tracebacks
are kept for real bugs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from grader import __version__
from grader.errors import MlkataError

VERBS = {
    "lab": "prepare models and open JupyterLab on the exercise notebooks",
    "check": "score a completed notebook with all checks, hidden ones included",
    "list": "list topics, exercises with their points, and theory questions",
    "answer": "show a theory question's model answer, key points, common mistakes and sources",
    "hint": "show a hint for an exercise",
    "reset": "put an exercise's stub back into its cell, keeping the rest of the notebook",
    "serve": "serve the local LLM with an OpenAI-compatible API on loopback",
    "doctor": "report versions, models, device and cache location",
    "prepare": "convert and cache the offline models (done once; lab does it too)",
    "data": "write the offline image data (digits) and train the ResNet-18 checkpoint",
    "build": "regenerate notebooks/ and exercises/ from the single sources",
    "course": "create an nbgrader course and autograde it in parallel, resumably",
    "mock": "a timed mock interview from the question bank, scored and remembered",
    "progress": "progress over mock interviews per topic, with a plot",
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose unknown options are reported by the (sub)command that got
    them, with that command's usage: ``mlkata check --jsno`` shows ``mlkata check``'s usage,
    not the top-level one. Subcommands' parsers are of the same class (argparse's default)."""

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="mlkata",
        description="Interview prep and coding exercises for ML and large models, "
        "graded by real models that run offline.",
        epilog="Run `mlkata VERB --help` for a verb's options. Docs: README.md.",
    )
    parser.add_argument("--version", action="version", version=f"mlkata {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, summary in VERBS.items():
        module = importlib.import_module(f"grader.commands.{verb}")
        sub = verbs.add_parser(verb, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except MlkataError as error:
        print(f"mlkata: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mlkata: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
