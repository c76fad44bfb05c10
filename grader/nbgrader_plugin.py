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
import re
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from traitlets import List, Unicode

from grader.course.faults import fault_of
from grader.engine.report import (
    CheckResult,
    ExerciseResult,
    Report,
    exercise_html,
    exercise_text,
)
from grader.wording import chosen_language


def verdict_outputs(result: ExerciseResult) -> list[NotebookNode]:
    """Outputs for a test cell from which nbgrader's determine_grade reads ``result.score``.

    The feedback is in the language of ``$MLKATA_LANG`` (English by default)."""
    lang = chosen_language()
    feedback = new_output(
        "display_data",
        data={"text/html": exercise_html(result, lang), "text/plain": exercise_text(result, lang)},
    )
    if result.score >= result.max_score:
        return [feedback]  # no error, no number: full credit
    if result.score <= 0:
        summary = "; ".join(result.messages_in(lang))[:500] or "no check passed"
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
        result = ExerciseResult.of(exercise, exercise.points)
        result.problem = f"not graded: {reason}"
        result.checks = [CheckResult.of(c, False, "not run") for c in exercise.checks]
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


class RestoreMissingCells(OverwriteCells):
    """nbgrader's OverwriteCells, whose ``add_missing_cells`` puts a deleted graded cell back
    after the nearest earlier cell of the source that the submission still has.

    nbgrader's own version anchors it on the source cell just before it and fails with a
    ``KeyError`` when that one is a locked, ungraded cell (our setup cell comes right before
    the first theory answer): a submission made from the public notebook, which has no
    graded answer cells, would not be graded at all.
    """

    def add_missing_grade_cells(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = list(source_nb.source_cells)
        graded = {cell.name: cell for cell in source_nb.grade_cells}
        solutions = {cell.name for cell in source_nb.solution_cells}
        for position, source in enumerate(source_cells):
            here = {
                cell.metadata["nbgrader"].get("grade_id"): index
                for index, cell in enumerate(nb.cells)
                if "nbgrader" in cell.metadata
            }
            if source.name not in graded or source.name in here:
                continue
            self.log.warning(f"Missing grade cell {source.name} encountered, adding to notebook")
            cell = self.missing_cell_transform(
                source, graded[source.name].max_score, is_solution=source.name in solutions
            )
            cell["id"] = f"restored-{source.name}"[:64]  # nbformat 5 wants every cell to have one
            earlier = (here[s.name] for s in reversed(source_cells[:position]) if s.name in here)
            nb.cells.insert(next(earlier, -1) + 1, cell)
        return nb, resources


ANSWER_PREFIX = "answer_"  # grader.authoring.assemble.answer_grade_id


def student_answer(cell: NotebookNode) -> str:
    """The student's text in a theory answer cell: the prompt and nbgrader's stub left out."""
    from grader.authoring.assemble import ANSWER_PROMPT

    text = cell.source.replace(ANSWER_PROMPT.strip(), "", 1)
    # nbgrader's note on a cell it put back (OverwriteCells.missing_cell_notification)
    text = re.sub(r"This cell \(id:[^)]*\) was missing from the submission\.[^\n]*", "", text)
    return text.replace("YOUR ANSWER HERE", "").strip()


class SuggestTheoryScores(NbGraderPreprocessor):
    """After SaveAutoGrades: pre-fill each theory answer's manual score in the gradebook
    with the theory scorer's suggestion (the one mock interviews use: key points covered,
    by MiniLM), for the instructor to confirm or change in the formgrader.

    A score already given (by an instructor, or by an earlier run) is never replaced; the
    cell stays flagged as needing a manual grade; the comment says it is a suggestion and
    which key points the answer missed.
    """

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        from nbgrader.api import Gradebook

        answers = [
            cell
            for cell in nb.cells
            if cell.cell_type == "markdown"
            and cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith(ANSWER_PREFIX)
            and cell.metadata["nbgrader"].get("grade")
        ]
        if not answers:
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            for cell in answers:
                self._suggest(gradebook, cell, info)
            gradebook.db.commit()
        return nb, resources

    def _suggest(self, gradebook: Any, cell: NotebookNode, info: dict[str, Any]) -> None:
        from grader.authoring.assemble import answer_grade_id
        from grader.bank import load_bank
        from grader.mock.scoring import Scorer

        key = (cell.metadata["nbgrader"]["grade_id"], info["notebook"], info["assignment"])
        grade = gradebook.find_grade(*key, info["student"])
        questions = {answer_grade_id(q.id): q for qs in load_bank().values() for q in qs}
        question = questions.get(key[0])
        if grade.manual_score is not None or question is None:
            return
        result = Scorer().score(question, student_answer(cell))
        grade.manual_score = round(result.score * grade.max_score, 2)
        grade.needs_manual_grade = True  # a suggestion, to confirm
        comment = gradebook.find_comment(*key, info["student"])
        missed = "; ".join(result.missed) or "none"
        comment.auto_comment = (
            f"Suggested by mlkata's theory scorer: {grade.manual_score:g} of "
            f"{grade.max_score:g}, to confirm. Key points missed: {missed}."
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
        ClearOutput,
        DeduplicateIds,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    c.Autograde.sanitize_preprocessors = [  # nbgrader's, with RestoreMissingCells
        ClearOutput,
        DeduplicateIds,
        OverwriteKernelspec,
        RestoreMissingCells,
        CheckCellMetadata,
    ]

    c.Autograde.autograde_preprocessors = [
        IgnorePattern,
        TrustedChecks,  # replaces Execute: submission code never runs in nbgrader's process
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        SuggestTheoryScores,  # theory answers: a suggested manual score, to confirm
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
