"""The terminal form of a mock interview: one question at a time, with a countdown.

Answers are read line by line from a stream (stdin, or a script in tests) and end with a
line holding only ``.`` or at end of input. A line ``?hint`` shows a hint at once (a key
point for a theory question, the exercise's next hint for a coding one) at ``HINT_COST``
each; what was typed before it stays in the answer and is saved as a draft, as it is on
Ctrl-C, so no line of an answer is lost. A line ``?edit`` opens the answer so far in
``$EDITOR``; the saved text is the answer. A line ``?skip`` sets the question aside (with
what was typed so far) until the others have been asked. For a coding exercise the answer
is the path of a .py or .ipynb file with the functions; it is copied into the session folder
and graded with the exercise's checks afterwards, and a path that cannot be read is asked
again. Time is
read from an injectable clock; an answer given after the deadline is recorded as late. The
time spent waiting for the optional interviewer's follow-up moves the deadline back. The
session is saved after every answer; Ctrl-C saves it as interrupted for ``--resume``.
"""

from __future__ import annotations

import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from grader.bank import get_question
from grader.errors import MlkataError
from grader.mock.grading import HINT_COST
from grader.mock.live_input import time_left_text
from grader.mock.session import Answer, Item, Session
from grader.mock.strings import t

END = "."
HINT = "?hint"
SKIP = "?skip"
EDIT = "?edit"
Clock = Callable[[], float]
FollowUp = Callable[[str, str], str | None]  # (question, answer) -> a follow-up or None
Editor = Callable[[str], str]  # the text so far -> the text as the candidate saved it


def external_editor(text: str) -> str:
    """Edit ``text`` in ``$VISUAL`` or ``$EDITOR`` (default ``vi``); the saved file's text."""
    import os
    import shlex
    import subprocess
    import tempfile

    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
        f.write(text)
    path = Path(f.name)
    try:
        subprocess.run([*command, str(path)], check=True)
        return path.read_text(encoding="utf-8")
    except (OSError, subprocess.CalledProcessError) as error:
        raise MlkataError(f"the editor {' '.join(command)!r} failed: {error}") from None
    finally:
        path.unlink(missing_ok=True)


def _countdown(seconds: float, lang: str = "en") -> str:
    colour = "red" if seconds <= 0 else "cyan"
    return f"[{colour}]{time_left_text(seconds, lang)}[/]"


class TerminalInterview:
    """Runs the pending items of a session against an input stream."""

    def __init__(
        self,
        session: Session,
        stream: Iterable[str],
        console: Console | None = None,
        clock: Clock = time.time,
        follow_up: FollowUp | None = None,
        editor: Editor = external_editor,
    ) -> None:
        self.session = session
        self.lines: Iterator[str] = iter(stream)
        self.console = console or Console()
        self.clock = clock
        self.follow_up = follow_up
        self.editor = editor
        self.exhausted = False
        self._typing: tuple[str, list[str]] | None = None  # (item id, lines read so far)
        self._skipped = False

    def run(self) -> Session:
        session = self.session
        if session.status == "interrupted" and session.remaining_s is not None:
            session.deadline = self.clock() + session.remaining_s  # the pause is not counted
        session.status, session.remaining_s = "open", None
        session.save()
        total = len(session.items)
        try:
            queue = deque(session.pending())
            while queue:
                item = queue.popleft()
                number = session.items.index(item) + 1
                if not self._ask(item, number, total):
                    queue.append(item)  # skipped: asked again after the others
        except KeyboardInterrupt:
            if self._typing is not None:  # the lines typed so far are kept as a draft
                item_id, lines = self._typing
                session.drafts[item_id] = "\n".join(lines)
            session.status = "interrupted"
            session.remaining_s = max(0.0, session.deadline - self.clock())
            session.save()
            stopped = t("interrupted", session.lang, count=len(session.answers), id=session.id)
            self.console.print(f"\n[yellow]{escape(stopped)}[/]")
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

    def _read_answer(self, item: Item) -> str:
        """The answer's lines up to a ``.`` line (or the end of input), after any saved draft.

        ``?hint`` shows the next hint at once and the reading goes on: the lines typed before
        it stay in the answer and are saved to session.json as the item's draft.
        """
        session = self.session
        lines = session.drafts.get(item.id, "").splitlines()
        self._typing = (item.id, lines)
        if not self.exhausted:
            for raw in self.lines:
                line = raw.rstrip("\n")
                if line.strip() == END:
                    break
                if line.strip() == SKIP:
                    self._skipped = True
                    break
                if line.strip() == EDIT:  # the answer so far, in $EDITOR; saving ends it
                    try:
                        edited = self.editor("\n".join(lines))
                    except MlkataError as error:
                        self.console.print(f"[red]{escape(str(error))}[/]")
                        continue
                    lines[:] = edited.rstrip("\n").splitlines()
                    break
                if line.strip() == HINT:
                    hints = session.hints.get(item.id, 0) + 1
                    session.hints[item.id] = hints
                    session.drafts[item.id] = "\n".join(lines)
                    session.save()
                    shown = t("hint", session.lang, number=hints, text=self._hint(item, hints))
                    self.console.print(f"[magenta]{escape(shown)}[/]")
                    continue
                lines.append(line)
            else:
                self.exhausted = True
        self._typing = None
        return "\n".join(lines).strip()

    def _ask(self, item: Item, number: int, total: int) -> bool:
        """Ask one item; False when the candidate skipped it (its draft is kept)."""
        session = self.session
        lang = session.lang
        shown_at = self.clock()
        self.console.rule(f"{number}/{total} · {t(item.kind, lang)} · {item.id}")
        self.console.print(_countdown(session.deadline - self.clock(), lang))
        if item.kind == "theory":
            prompt = get_question(item.id).text[session.lang].question
        else:
            from grader.engine.catalog import get_exercise

            exercise = get_exercise(item.id)
            functions = ", ".join(f"`{name}`" for name in exercise.functions)
            prompt = f"{exercise.title[lang]}\n\n{exercise.instructions[lang]}\n\n" + t(
                "write the code", lang, functions=functions
            )
        self.console.print(Markdown(prompt))
        usage = t("how to answer", lang, hint=HINT, cost=f"{HINT_COST:.0%}", skip=SKIP, edit=EDIT)
        self.console.print(f"[dim]({escape(usage)})[/]")
        if session.drafts.get(item.id):
            draft = escape(session.drafts[item.id])
            self.console.print(f"[dim]{t('draft so far', lang)}[/]\n{draft}")
        code_file = None
        while True:
            self._skipped = False
            text = self._read_answer(item)
            if self._skipped:
                session.drafts[item.id] = text
                session.save()
                self.console.print(f"[yellow]{t('skipped', lang)}[/]")
                return False
            if item.kind != "coding" or not text:
                break
            code_file, problem = self._keep_code(item, text)
            if code_file is not None:
                break
            if self.exhausted:
                shown = t("unreadable path, scores 0", lang, problem=problem)
                self.console.print(f"[red]{escape(shown)}[/]")
                break
            session.drafts.pop(item.id, None)  # the bad path is not kept for the retry
            shown = t("type the path again", lang, problem=problem)
            self.console.print(f"[yellow]{escape(shown)}[/]")
        now = self.clock()
        hints = session.hints.get(item.id, 0)
        answer = Answer(
            text=text,
            answered_at=now,
            late=now > session.deadline,
            hints=hints,
            started_at=shown_at,
        )
        answer.code_file = code_file
        if answer.late:
            self.console.print(f"[red]{t('late', lang)}[/]")
        if item.kind == "theory" and text and self.follow_up is not None and not self.exhausted:
            started = self.clock()
            question = self.follow_up(prompt, text)
            session.deadline += self.clock() - started  # waiting for the LLM costs no time
            if question:
                self.console.print(f"[bold]{t('interviewer', lang)}[/] {escape(question)}")
                reply = "\n".join(self._read_block()).strip()
                answer.followups.append({"question": question, "answer": reply})
        session.answers[item.id] = answer
        session.drafts.pop(item.id, None)
        session.save()
        return True

    def _hint(self, item: Item, number: int) -> str:
        if item.kind == "theory":
            points = get_question(item.id).text[self.session.lang].key_points
            return t("think about", self.session.lang, point=points[min(number, len(points)) - 1])
        from grader.engine.catalog import get_exercise

        hints = get_exercise(item.id).hints
        return hints[min(number, len(hints)) - 1][self.session.lang]

    def _keep_code(self, item: Item, text: str) -> tuple[str | None, str]:
        """Copy the learner's code into the session folder, as it is now: (copy, "") or
        (None, why the path could not be read)."""
        from grader.mock.coding import read_code

        path = Path(text.splitlines()[0].strip()).expanduser()
        try:
            code = read_code(path, item.id)
        except MlkataError as error:
            return None, str(error)
        kept = Path(self.session.folder) / f"{item.id}.py"
        kept.write_text(code, encoding="utf-8")
        if path.suffix == ".ipynb":
            shutil.copy(path, kept.with_suffix(".ipynb"))
        return str(kept), ""
