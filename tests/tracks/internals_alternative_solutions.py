"""Correct solutions for the LLM internals track written differently from the reference:
each must get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch

# === group A ============================================================================


def attention_with_einsum_and_an_additive_mask(q, k, v, causal=False, key_padding_mask=None):
    """einsum for both products, an additive float mask, and an explicit max-shifted softmax."""
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) * q.shape[-1] ** -0.5
    bias = torch.zeros(scores.shape[-2:])
    if causal:
        bias = bias.masked_fill(torch.ones_like(bias, dtype=torch.bool).triu(1), float("-inf"))
    if key_padding_mask is not None:
        bias = bias + torch.where(key_padding_mask, 0.0, float("-inf"))[:, None, None, :]
    scores = scores + bias
    top = scores.amax(-1, keepdim=True)
    exp = torch.where(top.isinf(), 0.0, (scores - top).exp())
    total = exp.sum(-1, keepdim=True)
    weights = torch.where(total > 0, exp / total.clamp_min(1e-30), 0.0)
    return torch.einsum("bhqk,bhkd->bhqd", weights, v)


# === group B ============================================================================


# === group C ============================================================================


ALTERNATIVE_SOLUTIONS: list[tuple[str, dict[str, object]]] = [
    # --- group A ---
    (
        "internals.attention",
        {"scaled_dot_product_attention": attention_with_einsum_and_an_additive_mask},
    ),
    # --- group B ---
    # --- group C ---
]
