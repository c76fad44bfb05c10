"""Per-exercise grades of an assignment as CSV, read from nbgrader's gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.course.nbgrader_cli import require_course
from grader.errors import MlkataError

ANSWER_PREFIX = "answer_"  # theory answer cells (grader.authoring.assemble.answer_grade_id)
THEORY_COLUMN = "theory"  # the sum of an assignment's theory answers (manual grades)


def gradebook_rows(course: Path, assignment: str) -> tuple[list[dict[str, object]], list[str]]:
    """One row per submission (student, score, max_score, then each exercise's points and
    the theory answers' total) and those columns, in the track's order, read from nbgrader's
    gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from grader.engine.catalog import all_exercises

    require_course(course)
    by_cell = {e.check_grade_id: e.id for e in all_exercises().values()}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise MlkataError(f"assignment {assignment!r} is not in the gradebook") from None
        rows, columns = [], []
        for student in sorted(gradebook.students, key=lambda s: s.id):
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            row: dict[str, object] = {
                "student": student.id,
                "score": submission.score,
                "max_score": submission.max_score,
            }
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name.startswith(ANSWER_PREFIX):  # theory, graded by hand
                        row[THEORY_COLUMN] = float(row.get(THEORY_COLUMN, 0.0)) + grade.score
                        column = THEORY_COLUMN
                    else:
                        column = by_cell.get(grade.name, grade.name)
                        row[column] = grade.score
                    if column not in columns:
                        columns.append(column)
            rows.append(row)
    order = {exercise_id: index for index, exercise_id in enumerate(all_exercises())}
    order[THEORY_COLUMN] = len(order)  # after the exercises
    columns.sort(key=lambda column: (order.get(column, len(order)), column))  # track order
    return rows, columns


def default_out(assignment: str) -> Path:
    """Where `mlkata course export ASSIGNMENT` writes without ``--out``: ``ASSIGNMENT.csv``."""
    return Path(f"{assignment}.csv")


def export_csv(course: Path, assignment: str, out: Path) -> int:
    """Write one row per submission: student, score, max_score, then one column per
    exercise (its points), in the track's order. Returns the number of rows."""
    rows, columns = gradebook_rows(course, assignment)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "score", "max_score", *columns])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
