"""nbgrader integration: a preprocessor that puts the trusted runner's verdicts into the
autograded test cells, and the configuration that installs it.

In a course's ``nbgrader_config.py``::

    from grader.nbgrader_plugin import configure
    configure(c)

``nbgrader autograde`` then runs its usual sanitizing steps (OverwriteCells restores any
edited test cell), but instead of executing the submission in a kernel it asks
``grader.engine.runner`` for the score, which runs the submission's code in a sandbox, with
the course folder hidden from it, and every check outside it. SaveAutoGrades then records
the points from the cell outputs, so the gradebook, ``nbgrader export`` and the formgrader
all see the authoritative score.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from grader.engine.report import ExerciseResult, exercise_html, exercise_text


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
        # The course folder holds the gradebook, the source notebooks and every student's
        # submission: the submission's code must not see it.
        course_root = CourseDirectory(config=self.config).root
        report = grade_notebook(nb, path=name, hide=[course_root])
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


def _unknown_cell_output() -> NotebookNode:
    return new_output(
        "error", ename="UnknownTestCell", evalue="not an mlkata check cell", traceback=[]
    )


def configure(c: Any) -> None:
    """Install the trusted pipeline in an nbgrader config object ``c``."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
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
