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


def rms_norm_subtracting_the_mean(hidden, weight, eps):
    """LayerNorm without a bias: centres each vector before scaling."""
    x = hidden.float()
    x = x - x.mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)).to(hidden.dtype)


def rms_norm_in_the_input_dtype(hidden, weight, eps):
    """Never upcasts: a bfloat16 input is normalised in bfloat16."""
    return weight * hidden * torch.rsqrt(hidden.pow(2).mean(-1, keepdim=True) + eps)


def rms_norm_with_eps_outside_the_root(hidden, weight, eps):
    """Divides by sqrt(mean(x^2)) + eps."""
    x = hidden.float()
    return weight * (x / (x.pow(2).mean(-1, keepdim=True).sqrt() + eps)).to(hidden.dtype)


def rms_norm_without_the_weight(hidden, weight, eps):
    """Forgets the learned scale."""
    x = hidden.float()
    return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)).to(hidden.dtype)


def rms_norm_weighted_in_float32(hidden, weight, eps):
    """Multiplies by the weight in float32 and casts once at the end (not Llama's order)."""
    x = hidden.float()
    return (weight.float() * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)).to(
        hidden.dtype
    )


def rms_norm_with_the_variance(hidden, weight, eps):
    """Uses torch.var (centred, unbiased) instead of the mean of squares."""
    x = hidden.float()
    return weight * (x * torch.rsqrt(x.var(-1, keepdim=True) + eps)).to(hidden.dtype)


def rope_cos_sin_from_zero(positions, head_dim, theta):
    """Ignores the positions it is given and counts from 0."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = torch.arange(len(positions)).float()[:, None] * inv_freq
    angles = torch.cat([angles, angles], -1)
    return angles.cos(), angles.sin()


def rope_cos_sin_with_exponent_i_over_d(positions, head_dim, theta):
    """Frequency theta^(-i/D) instead of theta^(-2i/D)."""
    inv_freq = 1.0 / theta ** (torch.arange(head_dim // 2).float() / head_dim)
    angles = positions.float()[:, None] * inv_freq
    angles = torch.cat([angles, angles], -1)
    return angles.cos(), angles.sin()


def rope_cos_sin_interleaved(positions, head_dim, theta):
    """Repeats each angle twice in a row (GPT-J's layout) instead of repeating the halves."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = (positions.float()[:, None] * inv_freq).repeat_interleave(2, -1)
    return angles.cos(), angles.sin()


def apply_rope_interleaved_pairs(q, k, cos, sin):
    """GPT-J pairing: rotates (x[2i], x[2i+1]) instead of (x[i], x[i + D/2])."""

    def rotate(x):
        half = x.shape[-1] // 2
        c, s = cos[..., :half], sin[..., :half]
        even, odd = x[..., 0::2], x[..., 1::2]
        return torch.stack([even * c - odd * s, even * s + odd * c], -1).flatten(-2)

    return rotate(q), rotate(k)


def apply_rope_turning_backwards(q, k, cos, sin):
    """rotate_half with the sign on the wrong half: rotates by -angle."""

    def rotate(x):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([x[..., half:], -x[..., :half]], -1) * sin

    return rotate(q), rotate(k)


def apply_rope_to_queries_only(q, k, cos, sin):
    """Rotates the queries and leaves the keys unrotated."""
    half = q.shape[-1] // 2
    return q * cos + torch.cat([-q[..., half:], q[..., :half]], -1) * sin, k


def _gqa_heads(hidden, weights, num_heads, num_kv_heads):
    b, t, _ = hidden.shape
    d = weights["q_proj"].shape[0] // num_heads
    q = (hidden @ weights["q_proj"].T).view(b, t, num_heads, d).transpose(1, 2)
    k = (hidden @ weights["k_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)
    v = (hidden @ weights["v_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)
    return q, k, v


def _gqa_out(out, weights):
    b, h, t, d = out.shape
    return out.transpose(1, 2).reshape(b, t, h * d) @ weights["o_proj"].T


def _rope(q, k, cos, sin):
    half = q.shape[-1] // 2
    q_half = torch.cat([-q[..., half:], q[..., :half]], -1)
    k_half = torch.cat([-k[..., half:], k[..., :half]], -1)
    return q * cos + q_half * sin, k * cos + k_half * sin


def _causal(q, k, v, scale):
    scores = (q @ k.transpose(-2, -1)) * scale
    t = q.shape[-2]
    mask = torch.ones(t, t, dtype=torch.bool).tril()
    return scores.masked_fill(~mask, float("-inf")).softmax(-1) @ v


def gqa_repeating_kv_heads_in_blocks(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """repeat instead of repeat_interleave: query head h gets KV head h % K."""
    q, k, v = _gqa_heads(hidden, weights, num_heads, num_kv_heads)
    q, k = _rope(q, k, cos, sin)
    group = num_heads // num_kv_heads
    k, v = k.repeat(1, group, 1, 1), v.repeat(1, group, 1, 1)
    return _gqa_out(_causal(q, k, v, q.shape[-1] ** -0.5), weights)


def gqa_without_rope(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """Forgets the rotary embedding."""
    q, k, v = _gqa_heads(hidden, weights, num_heads, num_kv_heads)
    group = num_heads // num_kv_heads
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    return _gqa_out(_causal(q, k, v, q.shape[-1] ** -0.5), weights)


def gqa_without_the_output_projection(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """Returns the joined heads without o_proj (same shape here: H*D = C)."""
    q, k, v = _gqa_heads(hidden, weights, num_heads, num_kv_heads)
    q, k = _rope(q, k, cos, sin)
    group = num_heads // num_kv_heads
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    out = _causal(q, k, v, q.shape[-1] ** -0.5)
    b, h, t, d = out.shape
    return out.transpose(1, 2).reshape(b, t, h * d)


def gqa_scaled_by_the_head_size(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """Divides the scores by D instead of sqrt(D)."""
    q, k, v = _gqa_heads(hidden, weights, num_heads, num_kv_heads)
    q, k = _rope(q, k, cos, sin)
    group = num_heads // num_kv_heads
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    return _gqa_out(_causal(q, k, v, 1.0 / q.shape[-1]), weights)


def gqa_without_the_causal_mask(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """Lets every token attend to the future."""
    q, k, v = _gqa_heads(hidden, weights, num_heads, num_kv_heads)
    q, k = _rope(q, k, cos, sin)
    group = num_heads // num_kv_heads
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    weights_ = (q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5).softmax(-1)
    return _gqa_out(weights_ @ v, weights)


def gqa_heads_split_the_wrong_way(hidden, weights, cos, sin, num_heads, num_kv_heads):
    """view(B, heads, T, D) straight from (B, T, heads*D), without the transpose."""
    b, t, _ = hidden.shape
    d = weights["q_proj"].shape[0] // num_heads
    q = (hidden @ weights["q_proj"].T).reshape(b, num_heads, t, d)
    k = (hidden @ weights["k_proj"].T).reshape(b, num_kv_heads, t, d)
    v = (hidden @ weights["v_proj"].T).reshape(b, num_kv_heads, t, d)
    q, k = _rope(q, k, cos, sin)
    group = num_heads // num_kv_heads
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    return _gqa_out(_causal(q, k, v, d**-0.5), weights)


# === group B ============================================================================


def swiglu_with_gelu(hidden, gate_weight, up_weight, down_weight):
    """GELU (GPT-2's activation) instead of SiLU on the gate."""
    gate = torch.nn.functional.gelu(hidden @ gate_weight.T)
    return (gate * (hidden @ up_weight.T)) @ down_weight.T


def swiglu_with_relu(hidden, gate_weight, up_weight, down_weight):
    """ReLU (the original Transformer's activation) instead of SiLU on the gate."""
    gate = torch.relu(hidden @ gate_weight.T)
    return (gate * (hidden @ up_weight.T)) @ down_weight.T


def swiglu_activating_the_up_projection(hidden, gate_weight, up_weight, down_weight):
    """SiLU on the up projection, the gate projection left linear (gate and up swapped)."""
    up = torch.nn.functional.silu(hidden @ up_weight.T)
    return ((hidden @ gate_weight.T) * up) @ down_weight.T


def swiglu_with_a_sigmoid_gate(hidden, gate_weight, up_weight, down_weight):
    """sigmoid(gate) instead of silu(gate) = gate * sigmoid(gate) (a GLU, not a SwiGLU)."""
    gate = torch.sigmoid(hidden @ gate_weight.T)
    return (gate * (hidden @ up_weight.T)) @ down_weight.T


def _norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _block_attention(x, weights, config, causal=True, theta=None):
    """Llama attention of one layer from its state dict, positions 0 .. T-1."""
    b, t, _ = x.shape
    heads, kv_heads, d = (
        config["num_attention_heads"],
        config["num_key_value_heads"],
        config["head_dim"],
    )
    theta = config["rope_theta"] if theta is None else theta
    inv_freq = 1.0 / theta ** (torch.arange(0, d, 2).float() / d)
    angles = torch.arange(t).float()[:, None] * inv_freq
    angles = torch.cat([angles, angles], -1)
    q = (x @ weights["self_attn.q_proj.weight"].T).view(b, t, heads, d).transpose(1, 2)
    k = (x @ weights["self_attn.k_proj.weight"].T).view(b, t, kv_heads, d).transpose(1, 2)
    v = (x @ weights["self_attn.v_proj.weight"].T).view(b, t, kv_heads, d).transpose(1, 2)
    q, k = _rope(q, k, angles.cos(), angles.sin())
    k = k.repeat_interleave(heads // kv_heads, 1)
    v = v.repeat_interleave(heads // kv_heads, 1)
    scores = q @ k.transpose(-2, -1) / d**0.5
    if causal:
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, heads * d)
    return out @ weights["self_attn.o_proj.weight"].T


def _block_mlp(x, weights):
    gate = torch.nn.functional.silu(x @ weights["mlp.gate_proj.weight"].T)
    return (gate * (x @ weights["mlp.up_proj.weight"].T)) @ weights["mlp.down_proj.weight"].T


def _block(hidden, weights, config, theta=None):
    """A correct pre-norm block, for the wrong whole models below."""
    eps = config["rms_norm_eps"]
    x = _norm(hidden, weights["input_layernorm.weight"], eps)
    hidden = hidden + _block_attention(x, weights, config, theta=theta)
    return hidden + _block_mlp(
        _norm(hidden, weights["post_attention_layernorm.weight"], eps), weights
    )


def decoder_block_post_norm(hidden, weights, config):
    """Post-norm (the original Transformer): normalises the sums, not the sub-blocks' inputs."""
    eps = config["rms_norm_eps"]
    hidden = _norm(
        hidden + _block_attention(hidden, weights, config), weights["input_layernorm.weight"], eps
    )
    return _norm(
        hidden + _block_mlp(hidden, weights), weights["post_attention_layernorm.weight"], eps
    )


def decoder_block_without_the_mlp_residual(hidden, weights, config):
    """Returns mlp(norm(h)) instead of h + mlp(norm(h))."""
    eps = config["rms_norm_eps"]
    hidden = hidden + _block_attention(
        _norm(hidden, weights["input_layernorm.weight"], eps), weights, config
    )
    return _block_mlp(_norm(hidden, weights["post_attention_layernorm.weight"], eps), weights)


def decoder_block_without_the_causal_mask(hidden, weights, config):
    """Every token attends to the future too."""
    eps = config["rms_norm_eps"]
    x = _norm(hidden, weights["input_layernorm.weight"], eps)
    hidden = hidden + _block_attention(x, weights, config, causal=False)
    return hidden + _block_mlp(
        _norm(hidden, weights["post_attention_layernorm.weight"], eps), weights
    )


def decoder_block_with_one_norm_for_both(hidden, weights, config):
    """Uses input_layernorm's weight before the MLP too (copy and paste)."""
    eps = config["rms_norm_eps"]
    x = _norm(hidden, weights["input_layernorm.weight"], eps)
    hidden = hidden + _block_attention(x, weights, config)
    return hidden + _block_mlp(_norm(hidden, weights["input_layernorm.weight"], eps), weights)


def _layers(state_dict, config, hidden, theta=None):
    for layer in range(config["num_hidden_layers"]):
        prefix = f"model.layers.{layer}."
        weights = {n[len(prefix) :]: w for n, w in state_dict.items() if n.startswith(prefix)}
        hidden = _block(hidden, weights, config, theta=theta)
    return hidden


def llama_forward_without_the_final_norm(state_dict, config, input_ids):
    """Goes straight from the last block to the head, skipping model.norm."""
    embedding = state_dict["model.embed_tokens.weight"]
    return _layers(state_dict, config, embedding[input_ids]) @ embedding.T


def llama_forward_with_a_new_head(state_dict, config, input_ids):
    """An untied head: a freshly initialised nn.Linear instead of the embedding matrix."""
    embedding = state_dict["model.embed_tokens.weight"]
    hidden = _layers(state_dict, config, embedding[input_ids])
    hidden = _norm(hidden, state_dict["model.norm.weight"], config["rms_norm_eps"])
    head = torch.nn.Linear(config["hidden_size"], config["vocab_size"], bias=False)
    return head(hidden)


def llama_forward_with_theta_10000(state_dict, config, input_ids):
    """The RoPE base of the original paper (10^4) instead of the config's rope_theta."""
    embedding = state_dict["model.embed_tokens.weight"]
    hidden = _layers(state_dict, config, embedding[input_ids], theta=10000.0)
    hidden = _norm(hidden, state_dict["model.norm.weight"], config["rms_norm_eps"])
    return hidden @ embedding.T


def llama_forward_scaling_the_embeddings(state_dict, config, input_ids):
    """Multiplies the embeddings by sqrt(C), as Gemma (and the original Transformer) do."""
    embedding = state_dict["model.embed_tokens.weight"]
    hidden = _layers(state_dict, config, embedding[input_ids] * config["hidden_size"] ** 0.5)
    hidden = _norm(hidden, state_dict["model.norm.weight"], config["rms_norm_eps"])
    return hidden @ embedding.T


def greedy_decode_returning_only_the_new_tokens(state_dict, config, input_ids, max_new_tokens):
    """Returns the max_new_tokens new ids without the prompt in front."""
    embedding = state_dict["model.embed_tokens.weight"]
    ids = input_ids
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            hidden = _layers(state_dict, config, embedding[ids])
            hidden = _norm(hidden, state_dict["model.norm.weight"], config["rms_norm_eps"])
            ids = torch.cat([ids, (hidden[:, -1] @ embedding.T).argmax(-1, keepdim=True)], 1)
    return ids[:, input_ids.shape[1] :]


# === group C ============================================================================


WRONG_SOLUTIONS: list[tuple[str, str, object]] = [
    # --- group A ---
    ("internals.attention", "scaled_dot_product_attention", attention_divided_by_d),
    ("internals.attention", "scaled_dot_product_attention", attention_masked_after_softmax),
    ("internals.attention", "scaled_dot_product_attention", attention_with_a_naive_softmax),
    ("internals.attention", "scaled_dot_product_attention", attention_with_a_large_negative_mask),
    ("internals.attention", "scaled_dot_product_attention", attention_causal_the_wrong_way),
    ("internals.rmsnorm", "rms_norm", rms_norm_subtracting_the_mean),
    ("internals.rmsnorm", "rms_norm", rms_norm_in_the_input_dtype),
    ("internals.rmsnorm", "rms_norm", rms_norm_with_eps_outside_the_root),
    ("internals.rmsnorm", "rms_norm", rms_norm_without_the_weight),
    ("internals.rmsnorm", "rms_norm", rms_norm_weighted_in_float32),
    ("internals.rmsnorm", "rms_norm", rms_norm_with_the_variance),
    ("internals.rope", "rope_cos_sin", rope_cos_sin_from_zero),
    ("internals.rope", "rope_cos_sin", rope_cos_sin_with_exponent_i_over_d),
    ("internals.rope", "rope_cos_sin", rope_cos_sin_interleaved),
    ("internals.rope", "apply_rope", apply_rope_interleaved_pairs),
    ("internals.rope", "apply_rope", apply_rope_turning_backwards),
    ("internals.rope", "apply_rope", apply_rope_to_queries_only),
    ("internals.gqa", "grouped_query_attention", gqa_repeating_kv_heads_in_blocks),
    ("internals.gqa", "grouped_query_attention", gqa_without_rope),
    ("internals.gqa", "grouped_query_attention", gqa_without_the_output_projection),
    ("internals.gqa", "grouped_query_attention", gqa_scaled_by_the_head_size),
    ("internals.gqa", "grouped_query_attention", gqa_without_the_causal_mask),
    ("internals.gqa", "grouped_query_attention", gqa_heads_split_the_wrong_way),
    # --- group B ---
    ("internals.swiglu", "swiglu_mlp", swiglu_with_gelu),
    ("internals.swiglu", "swiglu_mlp", swiglu_with_relu),
    ("internals.swiglu", "swiglu_mlp", swiglu_activating_the_up_projection),
    ("internals.swiglu", "swiglu_mlp", swiglu_with_a_sigmoid_gate),
    ("internals.decoder_block", "llama_decoder_block", decoder_block_post_norm),
    ("internals.decoder_block", "llama_decoder_block", decoder_block_without_the_mlp_residual),
    ("internals.decoder_block", "llama_decoder_block", decoder_block_without_the_causal_mask),
    ("internals.decoder_block", "llama_decoder_block", decoder_block_with_one_norm_for_both),
    ("internals.from_state_dict", "llama_forward", llama_forward_without_the_final_norm),
    ("internals.from_state_dict", "llama_forward", llama_forward_with_a_new_head),
    ("internals.from_state_dict", "llama_forward", llama_forward_with_theta_10000),
    ("internals.from_state_dict", "llama_forward", llama_forward_scaling_the_embeddings),
    (
        "internals.from_state_dict",
        "greedy_decode",
        greedy_decode_returning_only_the_new_tokens,
    ),
    # --- group C ---
]
