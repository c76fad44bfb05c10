"""Make everything the exercises load ready offline, once, with progress bars: resolve the
BERT encoder, convert the LLM's GGUF into the cache, write the digits images, and train
the platform's own ResNet-18 checkpoint and fine-tuned sentiment classifier.

Each item is cached; running it again only checks that the cache is there.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable


def _bert() -> object:
    from grader.models.registry import resolve

    return resolve("bert")


def _llm() -> object:
    from grader.models.registry import resolve

    return resolve("llm")


def _digits() -> object:
    from grader.tracks.resnet.data import digits_root

    return digits_root()


def _resnet18() -> object:
    from grader.tracks.resnet.pretrained import digits_checkpoint

    return digits_checkpoint()


def _sentiment_classifier() -> object:
    from grader.tracks.efficiency.resources import fine_tuned_folder

    return fine_tuned_folder()


ITEMS: dict[str, Callable[[], object]] = {
    "bert": _bert,
    "llm": _llm,
    "digits": _digits,
    "resnet18": _resnet18,
    "sentiment-classifier": _sentiment_classifier,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "items",
        nargs="*",
        metavar="ITEM",
        help=f"what to prepare (default: all of {', '.join(ITEMS)})",
    )


def run(args: argparse.Namespace) -> int:
    from grader.errors import MlkataError

    unknown = [name for name in args.items if name not in ITEMS]
    if unknown:
        raise MlkataError(
            f"nothing called {', '.join(unknown)} to prepare: choose from {', '.join(ITEMS)}"
        )
    for name in args.items or list(ITEMS):
        started = time.perf_counter()
        where = ITEMS[name]()
        print(f"{name}: {where} ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0
