"""Shared fixtures (the BERT reference solutions and stubs as notebook namespaces, and the
shipped SmolLM2 and MiniLM models, each built once per session) and the skip of GPU-marked
tests on machines without a GPU."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

# Tests never reach a model hub, even where the network would allow it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Exercise runs (check cells, `mlkata check`) are recorded in $MLKATA_HOME's history: tests,
# their kernels and CLI runs write to a scratch one, never the user's.
os.environ["MLKATA_HOME"] = tempfile.mkdtemp(prefix="mlkata-test-home-")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def shared_llm_server() -> Iterator[None]:
    """Text generation checks start one local model server per process, on first use; it
    stays up for every test that needs it (warm, like the sandbox template) and stops at
    the end of the session."""
    yield
    from grader.serving import server

    if server._shared is not None:
        server._shared.stop()


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


@pytest.fixture(scope="session")
def smollm2() -> Any:
    """SmolLM2-135M-Instruct as we ship it (the cached float32 conversion), loaded once."""
    from transformers import AutoModelForCausalLM

    from grader.models.registry import resolve

    return AutoModelForCausalLM.from_pretrained(resolve("llm"))


@pytest.fixture(scope="session")
def smollm2_tokenizer() -> Any:
    from transformers import AutoTokenizer

    from grader.models.registry import resolve

    return AutoTokenizer.from_pretrained(resolve("llm"))


@pytest.fixture(scope="session")
def minilm() -> Any:
    """The shipped all-MiniLM-L6-v2 encoder, loaded once."""
    from transformers import AutoModel

    from grader.models.registry import resolve

    return AutoModel.from_pretrained(resolve("bert"))


@pytest.fixture(scope="session")
def minilm_tokenizer() -> Any:
    from transformers import AutoTokenizer

    from grader.models.registry import resolve

    return AutoTokenizer.from_pretrained(resolve("bert"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none is visible")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
