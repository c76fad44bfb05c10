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


def swiglu_with_einsum_and_sigmoid(hidden, gate_weight, up_weight, down_weight):
    """einsum projections and SiLU written out as g * sigmoid(g)."""
    gate = torch.einsum("btc,fc->btf", hidden, gate_weight)
    up = torch.einsum("btc,fc->btf", hidden, up_weight)
    return torch.einsum("btf,cf->btc", gate * torch.sigmoid(gate) * up, down_weight)


class _Block(torch.nn.Module):
    """A Llama decoder layer written from scratch as an nn.Module: nn.Linear layers loaded
    from the layer's state dict, torch's F.rms_norm and F.scaled_dot_product_attention."""

    def __init__(self, weights, config):
        super().__init__()
        self.config = config
        self.linears = torch.nn.ModuleDict()
        for name, tensor in weights.items():
            if name.endswith("proj.weight"):
                linear = torch.nn.Linear(tensor.shape[1], tensor.shape[0], bias=False)
                linear.weight.data = tensor
                self.linears[name.removesuffix(".weight").replace(".", "_")] = linear
        self.norm1 = weights["input_layernorm.weight"]
        self.norm2 = weights["post_attention_layernorm.weight"]

    def norm(self, x, weight):
        eps = self.config["rms_norm_eps"]
        return weight * torch.nn.functional.rms_norm(x, (x.shape[-1],), eps=eps)

    def attention(self, x):
        c, lin = self.config, self.linears
        b, t, _ = x.shape
        d = c["head_dim"]
        positions = torch.arange(t, dtype=torch.float64)
        inv_freq = c["rope_theta"] ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
        angles = torch.outer(positions, inv_freq)  # (T, D/2)
        rotation = torch.polar(torch.ones_like(angles), angles).to(torch.complex64)

        def heads(name, count):
            y = lin[name](x).view(b, t, count, d).transpose(1, 2)
            return y

        def rotate(y):
            z = torch.complex(y[..., : d // 2].contiguous(), y[..., d // 2 :].contiguous())
            z = z * rotation
            return torch.cat([z.real, z.imag], -1)

        q = rotate(heads("self_attn_q_proj", c["num_attention_heads"]))
        k = rotate(heads("self_attn_k_proj", c["num_key_value_heads"]))
        v = heads("self_attn_v_proj", c["num_key_value_heads"])
        out = torch.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True, enable_gqa=True
        )
        return lin["self_attn_o_proj"](out.transpose(1, 2).reshape(b, t, -1))

    def forward(self, x):
        lin = self.linears
        x = x + self.attention(self.norm(x, self.norm1))
        h = self.norm(x, self.norm2)
        gate = torch.nn.functional.silu(lin["mlp_gate_proj"](h))
        return x + lin["mlp_down_proj"](gate * lin["mlp_up_proj"](h))


def decoder_block_as_a_module(hidden, weights, config):
    """The nn.Module above, built from the layer's weights and called once."""
    with torch.no_grad():
        return _Block(weights, config)(hidden)


def _cached_forward(state_dict, config, ids, cache):
    """Logits of the new ids (B, T_new, V), appending their keys and values to ``cache``
    (a list with one (k, v) pair per layer, empty at the start)."""
    heads, kv_heads, d = (
        config["num_attention_heads"],
        config["num_key_value_heads"],
        config["head_dim"],
    )
    eps = config["rms_norm_eps"]
    start = cache[0][0].shape[2] if cache else 0
    b, t = ids.shape
    positions = torch.arange(start, start + t).float()
    inv_freq = 1.0 / config["rope_theta"] ** (torch.arange(0, d, 2).float() / d)
    angles = torch.cat([positions[:, None] * inv_freq] * 2, -1)
    cos, sin = angles.cos(), angles.sin()

    def norm(x, weight):
        return weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)

    def rope(x):
        half = d // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    x = torch.nn.functional.embedding(ids, state_dict["model.embed_tokens.weight"])
    for layer in range(config["num_hidden_layers"]):
        w = lambda name, layer=layer: state_dict[f"model.layers.{layer}.{name}.weight"]  # noqa: E731
        h = norm(x, w("input_layernorm"))
        q = rope((h @ w("self_attn.q_proj").T).view(b, t, heads, d).transpose(1, 2))
        k = rope((h @ w("self_attn.k_proj").T).view(b, t, kv_heads, d).transpose(1, 2))
        v = (h @ w("self_attn.v_proj").T).view(b, t, kv_heads, d).transpose(1, 2)
        if len(cache) > layer:
            k = torch.cat([cache[layer][0], k], 2)
            v = torch.cat([cache[layer][1], v], 2)
            cache[layer] = (k, v)
        else:
            cache.append((k, v))
        # New query i sits at position start + i and sees keys 0 .. start + i.
        allowed = torch.ones(t, start + t, dtype=torch.bool).tril(start)
        group = heads // kv_heads
        out = torch.nn.functional.scaled_dot_product_attention(
            q, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1), attn_mask=allowed
        )
        x = x + out.transpose(1, 2).reshape(b, t, heads * d) @ w("self_attn.o_proj").T
        h = norm(x, w("post_attention_layernorm"))
        gate = torch.nn.functional.silu(h @ w("mlp.gate_proj").T)
        x = x + (gate * (h @ w("mlp.up_proj").T)) @ w("mlp.down_proj").T
    x = norm(x, state_dict["model.norm.weight"])
    return x @ state_dict["lm_head.weight"].T


def llama_forward_with_a_cache(state_dict, config, input_ids):
    """The KV-cache forward with an empty cache: the whole sequence at once."""
    return _cached_forward(state_dict, config, input_ids, [])


def greedy_decode_with_a_kv_cache(state_dict, config, input_ids, max_new_tokens):
    """Prefill once, then one token per step against the cached keys and values."""
    cache: list = []
    ids = input_ids
    with torch.no_grad():
        logits = _cached_forward(state_dict, config, ids, cache)
        for _ in range(max_new_tokens):
            next_id = logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, next_id], 1)
            logits = _cached_forward(state_dict, config, next_id, cache)
    return ids


# === group C ============================================================================


def left_pad_with_pad_sequence(sequences, pad_id):
    """torch's pad_sequence with padding_side="left"; the pads' positions are 1, as in generate."""
    from torch.nn.utils.rnn import pad_sequence

    def pad(rows, value):
        return pad_sequence(rows, batch_first=True, padding_value=value, padding_side="left")

    ids = pad([torch.tensor(s) for s in sequences], pad_id)
    mask = pad([torch.ones(len(s), dtype=torch.long) for s in sequences], 0)
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    return {"input_ids": ids, "attention_mask": mask, "position_ids": positions}


def batched_logits_right_padded_and_gathered(model, prompts_ids, pad_id):
    """Right padding, which a causal model allows too: read each row at its last real token."""
    width = max(len(p) for p in prompts_ids)
    ids = torch.tensor([p + [pad_id] * (width - len(p)) for p in prompts_ids])  # (B, T)
    mask = torch.arange(width)[None, :] < torch.tensor([len(p) for p in prompts_ids])[:, None]
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask.long()).logits  # (B, T, V)
    last = torch.tensor([len(p) - 1 for p in prompts_ids])
    return logits[torch.arange(len(prompts_ids)), last]


def parameter_count_from_shapes(config):
    """Lists every weight's shape, as the state dict would, and multiplies them out."""
    c, f, d = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    h, k, v = config["num_attention_heads"], config["num_key_value_heads"], config["vocab_size"]
    layer = [(h * d, c), (k * d, c), (k * d, c), (c, h * d), (f, c), (f, c), (c, f), (c,), (c,)]
    shapes = [(v, c)] + layer * config["num_hidden_layers"] + [(c,)]
    if not config["tie_word_embeddings"]:
        shapes.append((v, c))
    return sum(torch.Size(shape).numel() for shape in shapes)


def kv_cache_bytes_layer_by_layer(config, bytes_per_value):
    """Adds up each layer's key and value tensors of shape (K, 1, D), one token."""
    total = 0
    for _ in range(config["num_hidden_layers"]):
        for _tensor in ("key", "value"):
            total += config["num_key_value_heads"] * config["head_dim"] * bytes_per_value
    return total


def flops_from_the_matmul_parameters(config, seq_len):
    """2 FLOPs per matmul weight per token, plus attention's 4 T H D per layer, as a float."""
    c, f, d = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    h, k = config["num_attention_heads"], config["num_key_value_heads"]
    matmul_weights = config["num_hidden_layers"] * (2 * c * h * d + 2 * c * k * d + 3 * c * f)
    matmul_weights += c * config["vocab_size"]  # the LM head, tied or not
    attention = config["num_hidden_layers"] * 4 * seq_len * h * d
    return float(2 * matmul_weights + attention)


def bert_attention_head_by_head(hidden, weights, attention_mask, num_heads, eps):
    """A loop over heads, nn.Linear and nn.LayerNorm modules, BERT's original -10000 mask."""
    c = hidden.shape[-1]
    d = c // num_heads

    def linear(name):
        layer = torch.nn.Linear(c, c)
        layer.load_state_dict(
            {"weight": weights[f"{name}.weight"], "bias": weights[f"{name}.bias"]}
        )
        return layer

    query, key, value, dense = (
        linear(n) for n in ("self.query", "self.key", "self.value", "output.dense")
    )
    norm = torch.nn.LayerNorm(c, eps=eps)
    norm.load_state_dict(
        {"weight": weights["output.LayerNorm.weight"], "bias": weights["output.LayerNorm.bias"]}
    )
    bias = (1.0 - attention_mask[:, None, :].float()) * -10000.0  # (B, 1, T)
    with torch.no_grad():
        q, k, v = query(hidden), key(hidden), value(hidden)
        heads = []
        for head in range(num_heads):
            part = slice(head * d, (head + 1) * d)
            scores = q[..., part] @ k[..., part].transpose(1, 2) / d**0.5 + bias  # (B, T, T)
            heads.append(scores.softmax(-1) @ v[..., part])
        return norm(dense(torch.cat(heads, -1)) + hidden)


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
    ("internals.swiglu", {"swiglu_mlp": swiglu_with_einsum_and_sigmoid}),
    ("internals.decoder_block", {"llama_decoder_block": decoder_block_as_a_module}),
    (
        "internals.from_state_dict",
        {
            "llama_forward": llama_forward_with_a_cache,
            "greedy_decode": greedy_decode_with_a_kv_cache,
        },
    ),
    # --- group C ---
    (
        "internals.left_padding",
        {
            "left_pad": left_pad_with_pad_sequence,
            "batched_next_token_logits": batched_logits_right_padded_and_gathered,
        },
    ),
    (
        "internals.accounting",
        {
            "parameter_count": parameter_count_from_shapes,
            "kv_cache_bytes_per_token": kv_cache_bytes_layer_by_layer,
            "forward_flops_per_token": flops_from_the_matmul_parameters,
        },
    ),
    ("internals.bert_attention", {"bert_self_attention": bert_attention_head_by_head}),
]
