"""Make the learner's version of a source notebook with nbgrader's own preprocessors,
the same ones ``nbgrader generate_assignment`` runs."""

from __future__ import annotations

import copy

from nbformat import NotebookNode
from nbgrader.preprocessors import (  # the order generate_assignment uses
    ClearHiddenTests,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)


def student_notebook(source: NotebookNode) -> NotebookNode:
    notebook = copy.deepcopy(source)
    resources: dict[str, object] = {}
    for preprocessor in (
        ClearSolutions(),
        ClearHiddenTests(),
        ClearOutput(),
        LockCells(),
        ComputeChecksums(),
    ):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook
