"""Grading a session: theory answers by the scorer, coding answers by the exercise checks.

Each hint costs ``HINT_COST`` of the question's points. A late answer (given after the
deadline) is scored and reported but earns no points.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from grader.bank import get_question
from grader.mock.coding import CodingScore, grade_code
from grader.mock.history import ItemResult, SessionSummary
from grader.mock.scoring import Scorer
from grader.mock.session import Session

HINT_COST = 0.2
THEORY_POINTS = 2.0
CodeGrader = Callable[[str, str], CodingScore]


def _penalised(raw: float, hints: int, late: bool) -> float:
    return 0.0 if late else max(0.0, raw - HINT_COST * hints)


def grade_session(session: Session, scorer: Scorer, code_grader: CodeGrader = grade_code) -> dict:
    """Score every item, store the result in ``session.graded`` and return it."""
    items = []
    for item in session.items:
        answer = session.answers.get(item.id)
        hints = answer.hints if answer else session.hints.get(item.id, 0)
        late = bool(answer and answer.late)
        row: dict = {"id": item.id, "kind": item.kind, "topic": item.topic, "hints": hints}
        row["late"] = late
        row["answered"] = bool(answer and answer.text.strip())
        row["answered_at"] = answer.answered_at if answer else None
        row["followups"] = list(answer.followups) if answer else []
        started = answer.started_at if answer else None
        row["seconds"] = round(answer.answered_at - started, 1) if answer and started else None
        row["checks"] = []
        if item.kind == "theory":
            question = get_question(item.id)
            row["question"] = question.text[session.lang].question
            row["answer"] = answer.text if answer else ""
            result = scorer.score(question, row["answer"], session.lang)
            # key points and model answer in the answer's language (maybe not the session's)
            row["model_answer"] = question.text[result.lang].answer
            row["raw"] = result.score
            row["covered"] = result.covered
            row["missed"] = result.missed
            row["contradicted"] = result.contradicted
            row["judge"] = result.judge
            row["shape"] = result.shape
            row["max_points"] = THEORY_POINTS
            row["messages"] = []
        else:
            from grader.engine.catalog import get_exercise

            exercise = get_exercise(item.id)
            row["question"] = exercise.title[session.lang]
            row["max_points"] = exercise.points
            code = ""
            if answer and answer.code_file and Path(answer.code_file).is_file():
                code = Path(answer.code_file).read_text(encoding="utf-8")
            row["answer"] = answer.text if answer else ""
            row["code"] = code
            if code.strip():
                coding = code_grader(item.id, code)
                row["raw"] = coding.fraction
                row["messages"] = coding.messages
                row["checks"] = coding.checks
            else:
                row["raw"] = 0.0
                row["messages"] = ["no code was submitted"]
            row["covered"], row["missed"], row["model_answer"] = [], [], ""
        row["fraction"] = _penalised(row["raw"], hints, late)
        row["points"] = round(row["fraction"] * row["max_points"], 3)
        items.append(row)
    sections = {}
    for kind in ("theory", "coding"):
        rows = [r for r in items if r["kind"] == kind]
        if rows:
            sections[kind] = {
                "score": round(sum(r["points"] for r in rows), 3),
                "max_score": sum(r["max_points"] for r in rows),
            }
    answered = [a.answered_at for a in session.answers.values()]
    used = (max(answered) - session.created_at) if answered else 0.0
    graded = {
        "graded_at": time.time(),
        "score": round(sum(r["points"] for r in items), 3),
        "max_score": sum(r["max_points"] for r in items),
        "sections": sections,
        "time_used_s": round(max(0.0, used), 1),
        "time_allowed_s": session.minutes * 60,
        "late": sum(r["late"] for r in items),
        "hints": sum(r["hints"] for r in items),
        "items": items,
    }
    session.graded = graded
    session.status = "graded"
    session.save()
    return graded


def history_rows(session: Session) -> tuple[SessionSummary, list[ItemResult]]:
    """What the history database keeps of a graded session."""
    graded = session.graded or {}
    summary = SessionSummary(
        session.id,
        session.created_at,
        session.lang,
        list(session.topics),
        graded["score"],
        graded["max_score"],
        graded["time_used_s"],
        graded["late"],
        graded["hints"],
    )
    results = [
        ItemResult(
            r["id"], r["kind"], r["topic"], r["fraction"], r["late"], r["hints"], r["answered_at"]
        )
        for r in graded["items"]
    ]
    return summary, results
