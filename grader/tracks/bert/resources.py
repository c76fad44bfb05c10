"""Trusted objects the BERT checks hand to learner code, built identically on both sides."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from grader.engine.resources import resource
from grader.models.registry import resolve


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide the load report and progress bars that would look like errors in a notebook."""
    from transformers.utils import logging

    verbosity = logging.get_verbosity()
    bars = logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


@resource("bert.tokenizer")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(resolve("bert"))


@resource("bert.classifier", fresh=True)
def classifier(seed: int = 0, train_mode: bool = False, head_std: float = 0.02) -> Any:
    """MiniLM with a two-class head drawn from ``seed`` (std ``head_std``), on the CPU."""
    import torch
    from transformers import BertForSequenceClassification

    with quiet_transformers():
        model = BertForSequenceClassification.from_pretrained(resolve("bert"), num_labels=2)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        weight = model.classifier.weight
        weight.copy_(torch.randn(weight.shape, generator=generator) * head_std)
        model.classifier.bias.zero_()
    return model.train(train_mode)
