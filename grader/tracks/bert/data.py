"""The track's labelled sentiment data: original short texts, with a fixed train/test split."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "sentiment"
LABELS = ("negative", "positive")


def load_split(split: str) -> tuple[list[str], list[int]]:
    """Texts and integer labels (0 = negative, 1 = positive) of ``train`` or ``test``."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    with open(DATA_DIR / f"{split}.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row["text"] for row in rows], [LABELS.index(row["label"]) for row in rows]
