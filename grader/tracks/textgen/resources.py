"""Trusted objects the text generation checks hand to learner code."""

from __future__ import annotations

from typing import Any

from grader.engine.resources import OBSERVATIONS, resource
from grader.models.quiet import quiet_transformers
from grader.models.registry import resolve


def _record_input_length(module: Any, args: tuple, kwargs: dict) -> None:
    """Forward pre-hook: note how many tokens each forward pass was fed."""
    ids = kwargs.get("input_ids", args[0] if args else None)
    if ids is not None:
        getattr(module, OBSERVATIONS).setdefault("input_lengths", []).append(int(ids.shape[-1]))


@resource("llm.model")
def model() -> Any:
    """SmolLM2 in eval mode, recording the input length of every forward pass."""
    from transformers import AutoModelForCausalLM

    with quiet_transformers():
        llm = AutoModelForCausalLM.from_pretrained(resolve("llm")).eval()
    setattr(llm, OBSERVATIONS, {})
    llm.register_forward_pre_hook(_record_input_length, with_kwargs=True)
    return llm


@resource("llm.tokenizer")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(resolve("llm"))


@resource("llm.client")
def client(base_url: str, api_key: str) -> Any:
    """An openai client pointed at ``base_url`` (a local server, or a real provider)."""
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key=api_key)
