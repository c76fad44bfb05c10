"""Make everything the exercises load ready offline, once, with progress bars: resolve the
BERT encoder, convert the LLM's GGUF into the cache, write the digits images, and train
the platform's own ResNet-18 checkpoint and fine-tuned sentiment classifier.

Each item is cached; running it again only checks that the cache is there. The items, and
which track needs which, are listed in ``grader.preparation``.
"""

from __future__ import annotations

import argparse
import time

from grader.preparation import ITEMS


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
        # a line before each item: the first time, some take tens of seconds (fine-tuning the
        # sentiment classifier, converting the LLM) and would otherwise look stuck
        print(f"{name}: preparing (cached after the first time) ...", flush=True)
        where = ITEMS[name]()
        print(f"{name}: {where} ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0
