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


def _refuse_autograd(module: Any, args: Any, kwargs: Any) -> None:
    """Forward pre-hook: refuse a forward pass that records an autograd graph. Checking the
    output alone cannot tell: a graph built and then detached leaves plain tensors."""
    import torch

    if torch.is_grad_enabled():
        raise RuntimeError(
            "the forward pass ran with autograd enabled: predict inside torch.no_grad() "
            "(or torch.inference_mode())"
        )


@resource("bert.classifier", fresh=True)
def classifier(
    seed: int = 0, train_mode: bool = False, head_std: float = 0.02, refuse_autograd: bool = False
) -> Any:
    """MiniLM with a two-class head drawn from ``seed`` (std ``head_std``), on the CPU;
    ``refuse_autograd`` makes every forward pass with autograd enabled raise."""
    import torch
    from transformers import BertForSequenceClassification

    with quiet_transformers():
        model = BertForSequenceClassification.from_pretrained(resolve("bert"), num_labels=2)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        weight = model.classifier.weight
        weight.copy_(torch.randn(weight.shape, generator=generator) * head_std)
        model.classifier.bias.zero_()
    if refuse_autograd:
        model.register_forward_pre_hook(_refuse_autograd, with_kwargs=True)
    return model.train(train_mode)
