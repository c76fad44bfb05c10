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


def _left_pad(sequences, pad_id):
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id)
    mask = torch.zeros(len(sequences), width, dtype=torch.long)
    for row, s in enumerate(sequences):
        ids[row, width - len(s) :] = torch.tensor(s)
        mask[row, width - len(s) :] = 1
    return ids, mask


def left_pad_on_the_right(sequences, pad_id):
    """Pads after the sequence (the tokenizer default for encoders)."""
    width = max(len(s) for s in sequences)
    ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in sequences])
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences])
    return {"input_ids": ids, "attention_mask": mask, "position_ids": mask.cumsum(-1) - 1}


def left_pad_positions_from_the_pad(sequences, pad_id):
    """Position ids 0..T-1 in every row: the real tokens start at the pad count, not 0."""
    ids, mask = _left_pad(sequences, pad_id)
    positions = torch.arange(ids.shape[1]).expand_as(ids)
    return {"input_ids": ids, "attention_mask": mask, "position_ids": positions}


def left_pad_mask_from_the_pad_id(sequences, pad_id):
    """attention_mask = input_ids != pad_id: masks real tokens that equal the pad id."""
    ids, _ = _left_pad(sequences, pad_id)
    mask = (ids != pad_id).long()
    return {"input_ids": ids, "attention_mask": mask, "position_ids": (mask.cumsum(-1) - 1)}


def batched_logits_without_the_mask(model, prompts_ids, pad_id):
    """Left-pads but never passes the attention mask: real tokens attend to the pads."""
    ids, mask = _left_pad(prompts_ids, pad_id)
    positions = (mask.cumsum(-1) - 1).clamp_min(0)
    with torch.no_grad():
        return model(input_ids=ids, position_ids=positions).logits[:, -1]


def batched_logits_right_padded(model, prompts_ids, pad_id):
    """Pads on the right and still reads the last column (a pad's logits for short prompts)."""
    width = max(len(s) for s in prompts_ids)
    ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in prompts_ids])
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in prompts_ids])
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).logits[:, -1]


def batched_logits_prompt_by_prompt(model, prompts_ids, pad_id):
    """Right values, but one forward pass per prompt instead of one batch."""
    with torch.no_grad():
        return torch.stack([model(torch.tensor([p])).logits[0, -1] for p in prompts_ids])


def _sizes(config):
    return (
        config["hidden_size"],
        config["intermediate_size"],
        config["num_hidden_layers"],
        config["num_attention_heads"],
        config["num_key_value_heads"],
        config["head_dim"],
        config["vocab_size"],
    )


def parameter_count_tied_twice(config):
    """Counts the LM head even when it is the embedding matrix."""
    c, f, layers, h, k, d, v = _sizes(config)
    per_layer = 2 * c * h * d + 2 * c * k * d + 3 * c * f + 2 * c
    return 2 * v * c + layers * per_layer + c


def parameter_count_with_query_sized_kv(config):
    """k_proj and v_proj as large as q_proj (multi-head attention, not grouped-query)."""
    c, f, layers, h, _, d, v = _sizes(config)
    per_layer = 4 * c * h * d + 3 * c * f + 2 * c
    return v * c * (1 if config["tie_word_embeddings"] else 2) + layers * per_layer + c


def parameter_count_without_the_norms(config):
    """Forgets the RMSNorm weights (2 per layer and the final one)."""
    c, f, layers, h, k, d, v = _sizes(config)
    per_layer = 2 * c * h * d + 2 * c * k * d + 3 * c * f
    return v * c * (1 if config["tie_word_embeddings"] else 2) + layers * per_layer


def parameter_count_head_size_from_hidden(config):
    """Takes D = C / H instead of the config's head_dim."""
    c, f, layers, h, k, _, v = _sizes(config)
    d = c // h
    per_layer = 2 * c * h * d + 2 * c * k * d + 3 * c * f + 2 * c
    return v * c * (1 if config["tie_word_embeddings"] else 2) + layers * per_layer + c


def kv_cache_with_query_heads(config, bytes_per_value):
    """Caches one key and value per query head instead of per KV head."""
    layers, heads = config["num_hidden_layers"], config["num_attention_heads"]
    return 2 * layers * heads * config["head_dim"] * bytes_per_value


def kv_cache_keys_only(config, bytes_per_value):
    """Forgets that the values are cached too."""
    layers, kv_heads = config["num_hidden_layers"], config["num_key_value_heads"]
    return layers * kv_heads * config["head_dim"] * bytes_per_value


def flops_without_the_factor_2(config, seq_len):
    """Counts multiply-accumulates (m n k), not FLOPs (2 m n k)."""
    c, f, layers, h, k, d, v = _sizes(config)
    per_layer = c * (h * d + 2 * k * d) + h * d * c + 2 * seq_len * h * d + 3 * c * f
    return layers * per_layer + c * v


def flops_as_twice_the_parameters(config, seq_len):
    """The 2N rule of thumb: counts the embedding lookup and norms, drops attention."""
    c, f, layers, h, k, d, v = _sizes(config)
    per_layer = 2 * c * h * d + 2 * c * k * d + 3 * c * f + 2 * c
    n = v * c * (1 if config["tie_word_embeddings"] else 2) + layers * per_layer + c
    return 2 * n


def flops_without_the_lm_head(config, seq_len):
    """Stops at the last layer: the (V x C) LM head is most of a small model's compute."""
    c, f, layers, h, k, d, _ = _sizes(config)
    per_layer = 2 * c * (h * d + 2 * k * d) + 2 * h * d * c + 4 * seq_len * h * d + 6 * c * f
    return layers * per_layer


def flops_with_a_causal_half(config, seq_len):
    """Counts only the lower triangle of the attention square, (T + 1) / 2 keys per query."""
    c, f, layers, h, k, d, v = _sizes(config)
    keys = (seq_len + 1) / 2
    per_layer = 2 * c * (h * d + 2 * k * d) + 2 * h * d * c + 4 * keys * h * d + 6 * c * f
    return layers * per_layer + 2 * c * v


def _bert_qkv(hidden, weights, num_heads):
    b, t, c = hidden.shape
    d = c // num_heads

    def heads(name):
        x = hidden @ weights[f"self.{name}.weight"].T + weights[f"self.{name}.bias"]
        return x.view(b, t, num_heads, d).transpose(1, 2)

    return heads("query"), heads("key"), heads("value")


def _bert_out(context, hidden, weights, eps, residual=True):
    b, h, t, d = context.shape
    out = context.transpose(1, 2).reshape(b, t, h * d)
    out = out @ weights["output.dense.weight"].T + weights["output.dense.bias"]
    w, bias = weights["output.LayerNorm.weight"], weights["output.LayerNorm.bias"]
    x = out + hidden if residual else out
    return torch.nn.functional.layer_norm(x, (h * d,), w, bias, eps)


def bert_attention_causal(hidden, weights, attention_mask, num_heads, eps):
    """A decoder habit: adds a causal mask to the padding mask."""
    q, k, v = _bert_qkv(hidden, weights, num_heads)
    t = q.shape[-2]
    allowed = torch.ones(t, t, dtype=torch.bool).tril() & attention_mask.bool()[:, None, None, :]
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~allowed, -1e9)
    return _bert_out(scores.softmax(-1) @ v, hidden, weights, eps)


def bert_attention_without_the_padding_mask(hidden, weights, attention_mask, num_heads, eps):
    """Lets the real tokens attend to the padding."""
    q, k, v = _bert_qkv(hidden, weights, num_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return _bert_out(scores.softmax(-1) @ v, hidden, weights, eps)


def bert_attention_pre_norm(hidden, weights, attention_mask, num_heads, eps):
    """Llama's order: LayerNorm the input, attend, then add the residual (no norm after)."""
    c = hidden.shape[-1]
    w, bias = weights["output.LayerNorm.weight"], weights["output.LayerNorm.bias"]
    x = torch.nn.functional.layer_norm(hidden, (c,), w, bias, eps)
    q, k, v = _bert_qkv(x, weights, num_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~attention_mask.bool()[:, None, None, :], -1e9)
    context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(hidden.shape)
    return hidden + context @ weights["output.dense.weight"].T + weights["output.dense.bias"]


def bert_attention_without_the_residual(hidden, weights, attention_mask, num_heads, eps):
    """LayerNorm of the attention output alone, the residual forgotten."""
    q, k, v = _bert_qkv(hidden, weights, num_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~attention_mask.bool()[:, None, None, :], -1e9)
    return _bert_out(scores.softmax(-1) @ v, hidden, weights, eps, residual=False)


def bert_attention_with_a_fixed_eps(hidden, weights, attention_mask, num_heads, eps):
    """Ignores the eps it is given and uses LayerNorm's default 1e-5."""
    q, k, v = _bert_qkv(hidden, weights, num_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~attention_mask.bool()[:, None, None, :], -1e9)
    return _bert_out(scores.softmax(-1) @ v, hidden, weights, 1e-5)


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
    ("internals.left_padding", "left_pad", left_pad_on_the_right),
    ("internals.left_padding", "left_pad", left_pad_positions_from_the_pad),
    ("internals.left_padding", "left_pad", left_pad_mask_from_the_pad_id),
    ("internals.left_padding", "batched_next_token_logits", batched_logits_without_the_mask),
    ("internals.left_padding", "batched_next_token_logits", batched_logits_right_padded),
    ("internals.left_padding", "batched_next_token_logits", batched_logits_prompt_by_prompt),
    ("internals.accounting", "parameter_count", parameter_count_tied_twice),
    ("internals.accounting", "parameter_count", parameter_count_with_query_sized_kv),
    ("internals.accounting", "parameter_count", parameter_count_without_the_norms),
    ("internals.accounting", "parameter_count", parameter_count_head_size_from_hidden),
    ("internals.accounting", "kv_cache_bytes_per_token", kv_cache_with_query_heads),
    ("internals.accounting", "kv_cache_bytes_per_token", kv_cache_keys_only),
    ("internals.accounting", "forward_flops_per_token", flops_without_the_factor_2),
    ("internals.accounting", "forward_flops_per_token", flops_as_twice_the_parameters),
    ("internals.accounting", "forward_flops_per_token", flops_without_the_lm_head),
    ("internals.accounting", "forward_flops_per_token", flops_with_a_causal_half),
    ("internals.bert_attention", "bert_self_attention", bert_attention_causal),
    ("internals.bert_attention", "bert_self_attention", bert_attention_without_the_padding_mask),
    ("internals.bert_attention", "bert_self_attention", bert_attention_pre_norm),
    ("internals.bert_attention", "bert_self_attention", bert_attention_without_the_residual),
    ("internals.bert_attention", "bert_self_attention", bert_attention_with_a_fixed_eps),
]
