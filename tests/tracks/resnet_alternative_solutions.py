"""Correct solutions for the ResNet track written differently from the reference: each must
get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch


def evaluate_with_float32_mean(model, loader):
    """Collects every prediction, then takes the mean in float32 (rounding about 1e-8)."""
    model.eval()
    predictions, labels = [], []
    with torch.inference_mode():
        for images, targets in loader:
            predictions.append(model(images).argmax(dim=1))
            labels.append(targets)
    return (torch.cat(predictions) == torch.cat(labels)).float().mean().item()


ALTERNATIVE_SOLUTIONS = [
    ("resnet.fix_script", {"evaluate": evaluate_with_float32_mean}),
]
