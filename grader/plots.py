"""Plots shown in notebooks, where a picture reads better than a table of numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def plot_confusion_matrix(confusion: Any, class_names: Sequence[str], title: str = "") -> Any:
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts in cells."""
    import matplotlib.pyplot as plt
    import torch

    counts = torch.as_tensor(confusion).cpu()
    figure, axes = plt.subplots(
        figsize=(1.6 + 1.1 * len(class_names), 1.2 + 1.0 * len(class_names))
    )
    image = axes.imshow(counts, cmap="Blues")
    axes.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right")
    axes.set_yticks(range(len(class_names)), class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title or f"confusion matrix (accuracy {counts.diag().sum() / counts.sum():.2f})")
    threshold = counts.max().item() / 2
    for row in range(counts.shape[0]):
        for column in range(counts.shape[1]):
            value = int(counts[row, column])
            colour = "white" if value > threshold else "black"
            axes.text(column, row, str(value), ha="center", va="center", color=colour)
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    return figure
