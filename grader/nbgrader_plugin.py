"""nbgrader integration: a preprocessor that puts the trusted runner's verdicts into the
autograded test cells, and the configuration that installs it.

In a course's ``nbgrader_config.py``::

    from grader.nbgrader_plugin import configure
    configure(c)

``nbgrader autograde`` then runs its usual sanitizing steps (OverwriteCells restores any
edited test cell and puts back a deleted one), but instead of executing the submission in
a kernel it asks ``grader.engine.runner`` for the score, which runs the submission's code
in a sandbox, with the course folder hidden from it, and every check outside it.
SaveAutoGrades then records the points from the cell outputs, so the gradebook,
``nbgrader export`` and the formgrader all see the authoritative score.
"""

from __future__ import annotations

import json
import os
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import List, Unicode

from grader.course.faults import fault_of
from grader.engine.report import (
    CheckResult,
    ExerciseResult,
    Report,
    exercise_html,
    exercise_text,
)


def verdict_outputs(result: ExerciseResult) -> list[NotebookNode]:
    """Outputs for a test cell from which nbgrader's determine_grade reads ``result.score``."""
    feedback = new_output(
        "display_data",
        data={"text/html": exercise_html(result), "text/plain": exercise_text(result)},
    )
    if result.score >= result.max_score:
        return [feedback]  # no error, no number: full credit
    if result.score <= 0:
        summary = "; ".join(result.messages)[:500] or "no check passed"
        return [feedback, new_output("error", ename="ChecksFailed", evalue=summary, traceback=[])]
    # a number as the cell's result is nbgrader's partial credit
    return [
        feedback,
        new_output(
            "execute_result", data={"text/plain": f"{result.score:g}"}, execution_count=None
        ),
    ]


class TrustedChecks(NbGraderPreprocessor):  # enabled by default, unlike nbconvert's base
    """Score the notebook with the sandboxed runner and write each test cell's verdict."""

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        from nbgrader.coursedir import CourseDirectory

        from grader.engine.catalog import all_exercises
        from grader.engine.runner import grade_notebook
        from grader.engine.submission import grade_id

        name = resources.get("unique_key") or resources.get("metadata", {}).get("name")
        fault = fault_of(nb)
        if fault:  # a stand-in for a submission nbgrader could not read (grader.course.faults)
            report = not_graded_report(nb, name, fault)
        else:
            # The course folder holds the gradebook, the source notebooks and every student's
            # submission: the submission's code must not see it.
            course_root = CourseDirectory(config=self.config).root
            report = grade_notebook(nb, path=name, hide=[course_root])
            _log_timings(report, resources)
        by_check_cell = {
            all_exercises()[result.id].check_grade_id: result for result in report.exercises
        }
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            result = by_check_cell.get(grade_id(cell) or "")
            # Fail closed: nbgrader gives full credit to a test cell without an error, so a
            # graded cell that is not one of our checks gets an error, never a free pass.
            cell.outputs = verdict_outputs(result) if result else [_unknown_cell_output()]
            cell.execution_count = None
        return nb, resources


def not_graded_report(nb: NotebookNode, name: str | None, reason: str) -> Report:
    """Every exercise 0, each check "not run", with ``reason`` as the feedback."""
    from grader.engine.catalog import load_tracks
    from grader.engine.submission import track_of

    track = load_tracks()[track_of(nb, name) or ""]
    results = []
    for exercise in track.exercises:
        result = ExerciseResult(exercise.id, exercise.title["en"], exercise.points)
        result.problem = f"not graded: {reason}"
        result.checks = [
            CheckResult(c.name, c.points, False, c.hidden, "not run") for c in exercise.checks
        ]
        results.append(result)
    return Report(str(name or track.notebook), results)


def _log_timings(report: Report, resources: dict[str, Any]) -> None:
    """Append where the grading time went to $MLKATA_TIMINGS_LOG, if set (benchmarks)."""
    log = os.environ.get("MLKATA_TIMINGS_LOG")
    if not log:
        return
    nbgrader = resources.get("nbgrader", {})
    entry = {
        "student": nbgrader.get("student"),
        "assignment": nbgrader.get("assignment"),
        "notebook": report.notebook,
        "score": report.score,
        **report.timings,
    }
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")  # one write: concurrent appends stay whole


def _unknown_cell_output() -> NotebookNode:
    return new_output(
        "error", ename="UnknownTestCell", evalue="not an mlkata check cell", traceback=[]
    )


class ClearHiddenTestsInFeedback(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, run on the feedback of test cells only.

    mlkata's hidden checks live in the grader, never in a notebook. But autograde restores
    every test cell from the gradebook with its ``### BEGIN HIDDEN TESTS`` region, and
    generate_feedback shows it (nbgrader issues #917, #1363): a course that adds such cells
    of its own would hand them to students. Learner cells are left as written.
    """

    # The HTML exporter sets this for every preprocessor; declared so it is not a warning.
    display_data_priority = List(Unicode(), config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbgrader.get("grade") and not nbgrader.get("solution"):
            return super().preprocess_cell(cell, resources, index)
        return cell, resources


def configure(c: Any) -> None:
    """Install the trusted pipeline in an nbgrader config object ``c``."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    c.Autograde.autograde_preprocessors = [
        IgnorePattern,
        TrustedChecks,  # replaces Execute: submission code never runs in nbgrader's process
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # A check cell the student deleted comes back, with a note, and is graded like the rest;
    # left out, nbgrader would wait for a manual grade that nobody can give (nbgrader #1682).
    c.OverwriteCells.add_missing_cells = True
    # Feedback shows each check's verdict and message (TrustedChecks' outputs), never
    # hidden test code.
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        ClearHiddenTestsInFeedback,
        CSSHTMLHeaderPreprocessor,
    ]
