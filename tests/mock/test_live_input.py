"""Does the terminal mock read answers through a real prompt_toolkit prompt whose toolbar
counts down every second, and read piped input as it is?"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from grader.mock.live_input import countdown_lines, time_left_text


class Recording:
    """A real PromptSession whose prompt() calls are recorded before they run."""

    def __init__(self, session: PromptSession) -> None:
        self.session = session
        self.toolbars: list[str] = []
        self.refresh: list[float] = []

    def prompt(self, message: str, **options: Any) -> str:
        self.toolbars.append(options["bottom_toolbar"]())
        self.refresh.append(options["refresh_interval"])
        return self.session.prompt(message, **options)


def test_typed_lines_come_through_under_a_ticking_countdown() -> None:
    now = [1000.0]
    with create_pipe_input() as pipe:
        pipe.send_text("Temperature divides the logits.\r.\r")
        recording = Recording(PromptSession(input=pipe, output=DummyOutput()))
        lines = countdown_lines(lambda: 1000.0 + 605, "en", lambda: now[0], recording)
        first = next(lines)
        now[0] += 65
        second = next(lines)
    assert (first, second) == ("Temperature divides the logits.\n", ".\n")
    assert recording.toolbars == [" 10:05 left", " 9:00 left"]
    assert recording.refresh == [1.0, 1.0]


def test_the_countdown_reads_lines_while_an_event_loop_runs_in_this_thread() -> None:
    """Some callers (and earlier tests in one pytest process) already run a loop here."""

    async def read_inside_a_running_loop() -> list[str]:
        with create_pipe_input() as pipe:
            pipe.send_text("Left padding.\r")
            session = PromptSession(input=pipe, output=DummyOutput())
            return [next(countdown_lines(lambda: 1000.0 + 60, "en", lambda: 1000.0, session))]

    # A fresh thread: the main thread may already run a loop left by an earlier test, and
    # asyncio.run refuses to start inside one.
    with ThreadPoolExecutor(max_workers=1) as fresh_thread:
        lines = fresh_thread.submit(asyncio.run, read_inside_a_running_loop()).result(timeout=30)
    assert lines == ["Left padding.\n"]


def test_the_countdown_speaks_the_sessions_language_and_says_when_time_is_up() -> None:
    assert time_left_text(61, "zh") == "剩余 1:01"
    assert time_left_text(-90, "en") == "time is up (1.5 min over): answers are now late"
    assert time_left_text(-90, "zh").startswith("时间到")
