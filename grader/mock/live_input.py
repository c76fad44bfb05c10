"""Answer lines typed at a terminal, under a countdown that ticks every second.

``mlkata mock`` reads answers line by line. At a real terminal the lines come from
prompt_toolkit (already installed with Jupyter's IPython), whose bottom toolbar shows the
time left and redraws once a second while the candidate types; when stdin is a pipe or a
file, the lines are read as they are, with no toolbar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from grader.mock.strings import t


def time_left_text(seconds: float, lang: str = "en") -> str:
    """``12:05 left``, or that time is up: the toolbar's text."""
    if seconds <= 0:
        return t("time is up", lang, over=f"{-seconds / 60:.1f}")
    return t("time left", lang, minutes=int(seconds // 60), seconds=f"{int(seconds % 60):02d}")


def countdown_lines(
    deadline: Callable[[], float],
    lang: str = "en",
    clock: Callable[[], float] = time.time,
    prompt_session: Any = None,
) -> Iterator[str]:
    """Lines typed at the prompt (each ending in a newline), a live countdown to
    ``deadline()`` in the bottom toolbar; ends at end of input (Ctrl-D)."""
    from prompt_toolkit import PromptSession

    session = prompt_session or PromptSession()

    def toolbar() -> str:
        return " " + time_left_text(deadline() - clock(), lang)

    while True:
        try:
            # in_thread: the prompt gets its own event loop in a worker thread, so it also
            # works when the calling thread already runs one (asyncio.run would refuse).
            line = session.prompt(
                "> ", bottom_toolbar=toolbar, refresh_interval=1.0, in_thread=True
            )
        except EOFError:
            return
        yield line + "\n"


def answer_lines(deadline: Callable[[], float], lang: str = "en") -> Iterator[str]:
    """The live countdown at a terminal; stdin's lines as they are otherwise."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return countdown_lines(deadline, lang)
    return iter(sys.stdin)
