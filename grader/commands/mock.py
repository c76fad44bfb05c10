"""A timed mock interview drawn from the question bank: theory questions and one or two
coding exercises, scored automatically and remembered in the history.

Terminal mode (default): one question at a time with a countdown; end each answer with a
line holding only `.` (or end of input); `?hint` shows a hint and costs 20% of that
question's points; for a coding exercise give the path of a .py or .ipynb file with your
functions. Answers after the deadline are recorded as late and earn no points. Ctrl-C saves
the session: `mlkata mock --resume [SESSION]` continues it. --notebook writes the session as
a notebook (deadline in its first cell) and opens JupyterLab on it; its answers are late if
it was last saved after the deadline. --interviewer asks one follow-up per answer from an
LLM ($OPENAI_BASE_URL with $MLKATA_OPENAI_MODEL, else the local server), kept in the report;
without a server, one line says so and the interview goes on. It is for terminal mode only.

Grading: `mlkata mock --grade [SESSION]` (the latest by default) scores coding answers with
the exercise's own checks in the sandbox, and judges each theory key point covered, missed
or contradicted (grader/mock/scoring.py: MiniLM similarity plus content recall, words for
English and character bigrams for Chinese, and contradiction cues including the question's
misconceptions); with MLKATA_JUDGE=llm and a configured provider an LLM judge scores
instead, falling back to the offline scorer on any failure. It writes
report.md and report.html into the session folder and records the scores in the history
(SQLite; --history or $MLKATA_HOME).

Spaced repetition: Leitner boxes 1-5. A score >= 0.7 on time moves a question up a box,
< 0.4 back to box 1; box 1/2/3/4/5 is due again after 0/1/3/7/21 days. New sessions draw
due questions first (lowest box, most overdue), then unseen ones, then the rest. The same
--seed with the same history gives the same session.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from grader.bank import DIFFICULTIES, LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--minutes", type=float, default=45, help="time limit (default 45)")
    parser.add_argument("--topics", nargs="+", metavar="TOPIC", help="topics (default: all)")
    parser.add_argument(
        "--difficulty",
        metavar="|".join(DIFFICULTIES),
        help="only questions and exercises of this difficulty",
    )
    parser.add_argument("--lang", default="en", metavar="|".join(LANGUAGES), help="en or zh")
    parser.add_argument("--seed", type=int, help="the same seed gives the same session")
    parser.add_argument("--notebook", action="store_true", help="a notebook, not the terminal")
    parser.add_argument("--no-open", action="store_true", help="do not start JupyterLab")
    parser.add_argument("--no-coding", action="store_true", help="theory questions only")
    parser.add_argument("--interviewer", action="store_true", help="LLM follow-up questions")
    parser.add_argument("--no-grade", action="store_true", help="do not grade at the end")
    parser.add_argument(
        "--grade", nargs="?", const="", metavar="SESSION", help="grade a session (id or folder)"
    )
    parser.add_argument(
        "--resume", nargs="?", const="", metavar="SESSION", help="continue an interrupted one"
    )
    parser.add_argument("--history", type=Path, help="the history database (SQLite)")


def _history(args: argparse.Namespace):
    from grader.mock import default_history_path, sessions_dir
    from grader.mock.history import History

    return History(args.history or default_history_path(), rebuild_from=sessions_dir())


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from grader.mock import sessions_dir
    from grader.mock.session import build_session, check_filters, find_session

    console = Console()
    if args.grade is not None:
        session = find_session(sessions_dir(), args.grade or None)
        return grade(session, args, console)
    if args.resume is not None:
        session = find_session(sessions_dir(), args.resume or None, unfinished=True)
        if session.mode == "notebook":
            return grade(session, args, console)
        follow_up = _interviewer(args, console)
    else:
        check_filters(args.topics, args.difficulty, args.lang)  # fail before any wait
        if args.notebook and args.interviewer:
            from grader.errors import MlkataError

            raise MlkataError(
                "--interviewer asks its follow-ups in the terminal session, "
                "so it cannot be combined with --notebook"
            )
        follow_up = None if args.notebook else _interviewer(args, console)
        with _history(args) as history:
            cards = history.cards()
        session = build_session(
            sessions_dir(),
            minutes=args.minutes,
            topics=args.topics,
            difficulty=args.difficulty,
            lang=args.lang,
            seed=args.seed,
            mode="notebook" if args.notebook else "terminal",
            cards=cards,
            coding=not args.no_coding,
        )
        session.save()
        if args.notebook:
            return _notebook(session, args, console)
    return _terminal(session, args, console, follow_up)


def _notebook(session, args: argparse.Namespace, console) -> int:
    from grader.mock.notebook import write_notebook
    from grader.mock.strings import t

    path = write_notebook(session)
    console.print(t("session notebook", session.lang, id=session.id, path=path), soft_wrap=True)
    console.print(t("grade it with", session.lang, id=session.id))
    if not args.no_open:
        from grader.jupyter import lab_command, lab_environment

        subprocess.Popen(
            [*lab_command(path.parent), str(path.name)],
            cwd=path.parent,
            env=lab_environment(),
            start_new_session=True,
        )
    return 0


def _interviewer(args: argparse.Namespace, console):
    """The follow-up function, its endpoint reached (or a note printed) before the clock runs."""
    if not args.interviewer:
        return None
    from rich.markup import escape

    from grader.mock.interviewer import make_follow_up
    from grader.mock.strings import t

    console.print(t("connecting", args.lang))
    return make_follow_up(
        lambda m: console.print(f"[yellow]{escape(m)}[/]", soft_wrap=True), connect=True
    )


def _terminal(session, args: argparse.Namespace, console, follow_up=None) -> int:
    from grader.mock.live_input import answer_lines
    from grader.mock.strings import t
    from grader.mock.terminal import TerminalInterview

    lang = session.lang
    count, minutes = len(session.items), f"{session.minutes:g}"
    console.print(t("session started", lang, id=session.id, count=count, minutes=minutes))
    # at a terminal the prompt's toolbar counts down every second; piped input is read as is
    lines = answer_lines(lambda: session.deadline, lang)
    TerminalInterview(session, lines, console, follow_up=follow_up).run()
    if args.no_grade:
        console.print(t("grade it with", lang, id=session.id))
        return 0
    return grade(session, args, console)


def grade(session, args: argparse.Namespace, console) -> int:
    from grader.mock.grading import grade_session, history_rows
    from grader.mock.llm_judge import judge_from_environment
    from grader.mock.notebook import notebook_path, read_answers
    from grader.mock.report import write_reports
    from grader.mock.strings import t

    if session.mode == "notebook" and notebook_path(session).exists():
        read_answers(session)
    # Loading MiniLM and running the coding checks in the sandbox takes a while: say so.
    lang = session.lang
    with console.status(t("grading", lang)):
        graded = grade_session(session, judge_from_environment())
    with _history(args) as history:
        history.record(*history_rows(session))
    md, page = write_reports(session)
    for name, part in graded["sections"].items():
        score, top = f"{round(part['score'], 2):g}", f"{part['max_score']:g}"
        console.print(t("section score", lang, name=t(name, lang), score=score, max=top))
    score, top = f"{round(graded['score'], 2):g}", f"{graded['max_score']:g}"
    console.print(t("total score", lang, score=score, max=top, late=graded["late"]))
    console.print(t("report at", lang, path=md), soft_wrap=True)
    console.print(t("report at", lang, path=page), soft_wrap=True)
    return 0
