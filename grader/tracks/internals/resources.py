"""Trusted objects the LLM internals checks hand to learner code: the real SmolLM2-135M and
MiniLM models, in float32 and eval mode. Fresh copies, since learner code may mutate them."""

from __future__ import annotations

from typing import Any

from grader.engine.resources import OBSERVATIONS, resource
from grader.models.quiet import quiet_transformers
from grader.models.registry import resolve


@resource("internals.llm", fresh=True)
def llm() -> Any:
    """SmolLM2-135M (Llama architecture) in float32, eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    with quiet_transformers():
        model = AutoModelForCausalLM.from_pretrained(resolve("llm"), dtype=torch.float32)
    return model.eval()


@resource("internals.minilm", fresh=True)
def minilm() -> Any:
    """all-MiniLM-L6-v2 (a 6-layer BERT encoder) in float32, eval mode."""
    import torch
    from transformers import AutoModel

    with quiet_transformers():
        model = AutoModel.from_pretrained(resolve("bert"), dtype=torch.float32)
    return model.eval()


# --- group A resources (attention, rmsnorm, rope, gqa) ---------------------------------


# --- group B resources (swiglu, decoder_block, from_state_dict) -------------------------


@resource("internals.llm_state_dict", fresh=True)
def llm_state_dict() -> dict[str, Any]:
    """SmolLM2-135M's float32 ``state_dict()``: every parameter by name, ``lm_head.weight``
    included (the same tensor as ``model.embed_tokens.weight``: the head is tied)."""
    from grader.engine.resources import build
    from grader.engine.spec import Ref

    state = dict(build(Ref.of("internals.llm")).state_dict())
    # One tensor under both names, as in the model: a fresh copy duplicates it only once.
    state["lm_head.weight"] = state["model.embed_tokens.weight"]
    return state


# --- group C resources (left_padding, accounting, bert_attention) -----------------------


def _record_forward(module: Any, args: tuple, kwargs: dict) -> None:
    """Forward pre-hook: note the shape of the input_ids of every forward pass (None when
    the call passed no input_ids)."""
    ids = kwargs.get("input_ids", args[0] if args else None)
    shape = list(ids.shape) if hasattr(ids, "shape") else None
    getattr(module, OBSERVATIONS).setdefault("forward_shapes", []).append(shape)


@resource("internals.llm_counted", fresh=True)
def llm_counted() -> Any:
    """SmolLM2 as ``internals.llm``, recording the input shape of every forward pass, so that
    a check can see whether a batch was run in one forward or prompt by prompt."""
    model = llm()
    setattr(model, OBSERVATIONS, {})
    model.register_forward_pre_hook(_record_forward, with_kwargs=True)
    return model
