"""Shared fixtures: the reference solutions as a namespace, the stubs, and graded reports
that are computed once per session (grading a solved notebook fine-tunes a real model)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.paths import REPO_DIR

# Tests run offline, single-threaded per process, and never touch the user's cache.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bert_reference() -> dict[str, Any]:
    """The reference solutions of the BERT track, as the namespace a notebook would have."""
    module = load_module(REPO_DIR / "solutions" / "bert_classification.py", "bert_reference")
    return vars(module)


@pytest.fixture(scope="session")
def bert_stubs() -> dict[str, Any]:
    """The untouched learner notebook's setup and exercise cells, executed."""
    from tests.submissions import student_notebook

    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in student_notebook().cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (nbgrader.get("solution") or "mlkata" in cell.metadata):
            exec(compile(cell.source, "<stub>", "exec"), namespace)
    return namespace


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none is visible")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
