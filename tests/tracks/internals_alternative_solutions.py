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


def rms_norm_with_torch(hidden, weight, eps):
    """torch's own F.rms_norm in float32, cast back, then the weight."""
    normalised = torch.nn.functional.rms_norm(hidden.float(), (hidden.shape[-1],), eps=eps)
    return weight * normalised.to(hidden.dtype)


def rope_cos_sin_with_outer_and_float64(positions, head_dim, theta):
    """Angles from torch.outer in float64, halves tiled with repeat."""
    inv_freq = theta ** (-torch.arange(head_dim // 2, dtype=torch.float64) * 2 / head_dim)
    angles = torch.outer(positions.double(), inv_freq).repeat(1, 2)
    return angles.cos().float(), angles.sin().float()


def apply_rope_with_complex_numbers(q, k, cos, sin):
    """Pairs (x[i], x[i + D/2]) as complex numbers multiplied by exp(i * angle)."""
    half = q.shape[-1] // 2
    rotation = torch.complex(cos[..., :half], sin[..., :half])

    def rotate(x):
        z = torch.complex(x[..., :half].contiguous(), x[..., half:].contiguous()) * rotation
        return torch.cat([z.real, z.imag], -1)

    return rotate(q), rotate(k)


def gqa_grouped_einsum(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """No repeat: queries reshaped to (B, K, G, T, D) groups, einsum against the shared keys."""
    b, t, _ = hidden.shape
    d = weights["q_proj"].shape[0] // num_heads
    g = num_heads // num_kv_heads
    q = torch.nn.functional.linear(hidden, weights["q_proj"]).view(b, t, num_heads, d)
    k = torch.nn.functional.linear(hidden, weights["k_proj"]).view(b, t, num_kv_heads, d)
    v = torch.nn.functional.linear(hidden, weights["v_proj"]).view(b, t, num_kv_heads, d)
    c, s = cos[:, None, :], sin[:, None, :]  # (T, 1, D) against (B, T, heads, D)
    half = d // 2
    q = q * c + torch.cat([-q[..., half:], q[..., :half]], -1) * s
    k = k * c + torch.cat([-k[..., half:], k[..., :half]], -1) * s
    q = q.view(b, t, num_kv_heads, g, d)
    scores = torch.einsum("btkgd,bskd->bkgts", q, k) / d**0.5
    future = torch.ones(t, t, dtype=torch.bool).triu(1)
    attn = scores.masked_fill(future, float("-inf")).softmax(-1)
    out = torch.einsum("bkgts,bskd->btkgd", attn, v).reshape(b, t, num_heads * d)
    return torch.nn.functional.linear(out, weights["o_proj"])


def gqa_with_torch_sdpa(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """torch's F.scaled_dot_product_attention with enable_gqa and is_causal."""
    b, t, _ = hidden.shape
    d = weights["q_proj"].shape[0] // num_heads
    q = (hidden @ weights["q_proj"].T).view(b, t, num_heads, d).transpose(1, 2)
    k = (hidden @ weights["k_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)
    v = (hidden @ weights["v_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)
    q, k = apply_rope_with_complex_numbers(q, k, cos, sin)
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    return out.transpose(1, 2).reshape(b, t, -1) @ weights["o_proj"].T


# === group B ============================================================================


# === group C ============================================================================


ALTERNATIVE_SOLUTIONS: list[tuple[str, dict[str, object]]] = [
    # --- group A ---
    (
        "internals.attention",
        {"scaled_dot_product_attention": attention_with_einsum_and_an_additive_mask},
    ),
    ("internals.rmsnorm", {"rms_norm": rms_norm_with_torch}),
    (
        "internals.rope",
        {
            "rope_cos_sin": rope_cos_sin_with_outer_and_float64,
            "apply_rope": apply_rope_with_complex_numbers,
        },
    ),
    ("internals.gqa", {"grouped_query_attention": gqa_grouped_einsum}),
    ("internals.gqa", {"grouped_query_attention": gqa_with_torch_sdpa}),
    # --- group B ---
    # --- group C ---
]
