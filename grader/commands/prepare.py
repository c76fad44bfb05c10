"""Make every default model ready offline: convert the LLM's GGUF once into the cache
(with a progress bar) and check that the BERT encoder resolves."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", nargs="+", default=["bert", "llm"], help="names to prepare")


def run(args: argparse.Namespace) -> int:
    from grader.models.registry import resolve

    for name in args.models:
        print(f"{name}: {resolve(name)}")
    return 0
