"""The terminal form of a mock interview: one question at a time, with a countdown.

Answers are read line by line from a stream (stdin, or a script in tests) and end with a
line holding only ``.`` or at end of input. A line ``?hint`` shows a hint (a key point for
a theory question, the exercise's next hint for a coding one) at ``HINT_COST`` each. For a
coding exercise the answer is the path of a .py or .ipynb file with the functions; it is
copied into the session folder and graded with the exercise's checks afterwards. Time is
read from an injectable clock; an answer given after the deadline is recorded as late. The
time spent waiting for the optional interviewer's follow-up moves the deadline back. The
session is saved after every answer; Ctrl-C saves it as interrupted for ``--resume``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from grader.bank import get_question
from grader.errors import MlkataError
from grader.mock.grading import HINT_COST
from grader.mock.session import Answer, Item, Session

END = "."
HINT = "?hint"
Clock = Callable[[], float]
FollowUp = Callable[[str, str], str | None]  # (question, answer) -> a follow-up or None


def _countdown(seconds: float) -> str:
    if seconds <= 0:
        return f"[red]time is up ({-seconds / 60:.1f} min over): answers are now late[/]"
    return f"[cyan]{int(seconds // 60)}:{int(seconds % 60):02d} left[/]"


class TerminalInterview:
    """Runs the pending items of a session against an input stream."""

    def __init__(
        self,
        session: Session,
        stream: Iterable[str],
        console: Console | None = None,
        clock: Clock = time.time,
        follow_up: FollowUp | None = None,
    ) -> None:
        self.session = session
        self.lines: Iterator[str] = iter(stream)
        self.console = console or Console()
        self.clock = clock
        self.follow_up = follow_up
        self.exhausted = False

    def run(self) -> Session:
        session = self.session
        if session.status == "interrupted" and session.remaining_s is not None:
            session.deadline = self.clock() + session.remaining_s  # the pause is not counted
        session.status, session.remaining_s = "open", None
        session.save()
        total = len(session.items)
        try:
            for item in session.pending():
                number = session.items.index(item) + 1
                self._ask(item, number, total)
        except KeyboardInterrupt:
            session.status = "interrupted"
            session.remaining_s = max(0.0, session.deadline - self.clock())
            session.save()
            self.console.print(
                f"\n[yellow]interrupted: {len(session.answers)} answers saved; continue with "
                f"`mlkata mock --resume {session.id}`[/]"
            )
            raise
        session.status = "finished"
        session.save()
        return session

    def _read_block(self) -> list[str]:
        block = []
        for raw in self.lines:
            line = raw.rstrip("\n")
            if line.strip() == END:
                return block
            block.append(line)
        self.exhausted = True
        return block

    def _ask(self, item: Item, number: int, total: int) -> None:
        session = self.session
        zh = session.lang == "zh"
        self.console.rule(f"{number}/{total} · {item.kind} · {item.id}")
        self.console.print(_countdown(session.deadline - self.clock()))
        hints = session.hints.get(item.id, 0)
        if item.kind == "theory":
            prompt = get_question(item.id).text[session.lang].question
        else:
            from grader.engine.catalog import get_exercise

            exercise = get_exercise(item.id)
            prompt = (
                f"{exercise.title[session.lang]}\n\n{exercise.instructions[session.lang]}\n\n"
                f"Write `{'`, `'.join(exercise.functions)}` in a .py or .ipynb file and give "
                "its path (empty to skip)."
            )
        self.console.print(Markdown(prompt))
        end_help = "以单独一行 `.` 结束" if zh else "end with a line holding only `.`"
        self.console.print(f"[dim]({end_help}; `{HINT}` for a hint, -{HINT_COST:.0%} each)[/]")
        while True:
            lines = [] if self.exhausted else self._read_block()
            if lines and lines[-1].strip() == HINT:
                hints += 1
                session.hints[item.id] = hints
                session.save()
                self.console.print(f"[magenta]hint {hints}: {escape(self._hint(item, hints))}[/]")
                continue
            break
        text = "\n".join(line for line in lines if line.strip() != HINT).strip()
        now = self.clock()
        answer = Answer(text=text, answered_at=now, late=now > session.deadline, hints=hints)
        if item.kind == "coding" and text:
            answer.code_file = self._keep_code(item, text)
        if answer.late:
            self.console.print("[red]recorded as late[/]")
        if item.kind == "theory" and text and self.follow_up is not None and not self.exhausted:
            started = self.clock()
            question = self.follow_up(prompt, text)
            session.deadline += self.clock() - started  # waiting for the LLM costs no time
            if question:
                self.console.print(f"[bold]Interviewer:[/] {escape(question)}")
                reply = "\n".join(self._read_block()).strip()
                answer.followups.append({"question": question, "answer": reply})
        session.answers[item.id] = answer
        session.save()

    def _hint(self, item: Item, number: int) -> str:
        if item.kind == "theory":
            points = get_question(item.id).text[self.session.lang].key_points
            return f"think about: {points[min(number, len(points)) - 1]}"
        from grader.engine.catalog import get_exercise

        hints = get_exercise(item.id).hints
        return hints[min(number, len(hints)) - 1][self.session.lang]

    def _keep_code(self, item: Item, text: str) -> str | None:
        """Copy the learner's code into the session folder, as it is now."""
        from grader.mock.coding import read_code

        path = Path(text.splitlines()[0].strip()).expanduser()
        try:
            code = read_code(path, item.id)
        except MlkataError as error:
            self.console.print(f"[red]{escape(str(error))}: the exercise scores 0[/]")
            return None
        kept = Path(self.session.folder) / f"{item.id}.py"
        kept.write_text(code, encoding="utf-8")
        if path.suffix == ".ipynb":
            shutil.copy(path, kept.with_suffix(".ipynb"))
        return str(kept)
