"""Shared fixtures (the BERT reference solutions and stubs as notebook namespaces, built
once per session) and the skip of GPU-marked tests on machines without a GPU."""

from __future__ import annotations

import os
from typing import Any

import pytest

# Tests never reach a model hub, even where the network would allow it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def bert_reference() -> dict[str, Any]:
    """The reference solutions of the BERT track, as the namespace a notebook would have."""
    from tests.tracks.checking import reference_namespace

    return reference_namespace("bert_classification")


@pytest.fixture(scope="session")
def bert_stubs() -> dict[str, Any]:
    """The untouched learner notebook's setup and exercise cells, executed."""
    from tests.tracks.checking import stub_namespace

    return stub_namespace("bert")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none is visible")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
