"""Plausible wrong solutions for the LLM internals track: each must fail a check."""

from __future__ import annotations

import math

import torch

# === group A ============================================================================


def attention_divided_by_d(q, k, v, causal=False, key_padding_mask=None):
    """Scales the scores by 1/D instead of 1/sqrt(D)."""
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool)
    if causal:
        allowed = allowed.tril()
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :]
    return scores.masked_fill(~allowed, float("-inf")).softmax(-1).nan_to_num(0.0) @ v


def attention_masked_after_softmax(q, k, v, causal=False, key_padding_mask=None):
    """Zeroes the masked weights after the softmax, without renormalising the rows."""
    weights = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).softmax(-1)
    allowed = torch.ones(weights.shape[-2:], dtype=torch.bool)
    if causal:
        allowed = allowed.tril()
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :]
    return weights.masked_fill(~allowed, 0.0) @ v


def attention_with_a_naive_softmax(q, k, v, causal=False, key_padding_mask=None):
    """exp(scores) / sum(exp(scores)) without subtracting the maximum: overflows."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool)
    if causal:
        allowed = allowed.tril()
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :]
    exp = scores.exp().masked_fill(~allowed, 0.0)
    return (exp / exp.sum(-1, keepdim=True)).nan_to_num(0.0) @ v


def attention_with_a_large_negative_mask(q, k, v, causal=False, key_padding_mask=None):
    """Masks with -1e9 instead of -inf: a fully masked row averages every value."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool)
    if causal:
        allowed = allowed.tril()
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :]
    return scores.masked_fill(~allowed, -1e9).softmax(-1) @ v


def attention_causal_the_wrong_way(q, k, v, causal=False, key_padding_mask=None):
    """Keeps the upper triangle (future keys) instead of the lower one."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool)
    if causal:
        allowed = allowed.triu()
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :]
    return scores.masked_fill(~allowed, float("-inf")).softmax(-1).nan_to_num(0.0) @ v


# === group B ============================================================================


# === group C ============================================================================


WRONG_SOLUTIONS: list[tuple[str, str, object]] = [
    # --- group A ---
    ("internals.attention", "scaled_dot_product_attention", attention_divided_by_d),
    ("internals.attention", "scaled_dot_product_attention", attention_masked_after_softmax),
    ("internals.attention", "scaled_dot_product_attention", attention_with_a_naive_softmax),
    ("internals.attention", "scaled_dot_product_attention", attention_with_a_large_negative_mask),
    ("internals.attention", "scaled_dot_product_attention", attention_causal_the_wrong_way),
    # --- group B ---
    # --- group C ---
]
