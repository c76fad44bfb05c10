"""Trusted objects the BERT checks hand to learner code, built identically on both sides."""

from __future__ import annotations

from typing import Any

from grader.engine.resources import resource
from grader.models.quiet import quiet_transformers
from grader.models.registry import resolve


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
