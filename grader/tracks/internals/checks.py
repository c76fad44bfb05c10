"""Checks for the LLM internals track, against the real SmolLM2-135M and MiniLM models.

Expected values come from the models' own modules and outputs (``output_hidden_states``,
a layer's ``self_attn`` and ``mlp``, ``generate``) and from torch's own
``scaled_dot_product_attention``, never from the reference solutions.
"""

from __future__ import annotations

import torch

from grader.engine.expect import expect_tensor
from grader.engine.spec import Ref, check
from grader.engine.student import Student

LLM = Ref.of("internals.llm")
MINILM = Ref.of("internals.minilm")


# === group A: internals.attention, internals.rmsnorm, internals.rope, internals.gqa ======


def _attention_cases(seed: int, count: int) -> list[dict]:
    """Random shapes and masks: batch, heads, query and key lengths, head sizes."""
    generator = torch.Generator().manual_seed(seed)

    def draw(low: int, high: int) -> int:
        return int(torch.randint(low, high + 1, (), generator=generator))

    cases = []
    for index in range(count):
        b, h, d, dv = draw(1, 3), draw(1, 4), draw(1, 16), draw(1, 16)
        causal = index % 2 == 1
        tk = draw(1, 9)
        tq = tk if causal else draw(1, 9)
        padding = None
        if index % 3 != 0:
            padding = torch.rand(b, tk, generator=generator) > 0.3  # (B, Tk)
            padding[:, 0] = True  # every sequence keeps a real first token
        cases.append(
            {
                "q": torch.randn(b, h, tq, d, generator=generator),
                "k": torch.randn(b, h, tk, d, generator=generator),
                "v": torch.randn(b, h, tk, dv, generator=generator),
                "causal": causal,
                "key_padding_mask": padding,
            }
        )
    return cases


def _torch_attention(case: dict) -> torch.Tensor:
    """torch's own attention; with a boolean mask its rows with no allowed key are zeros."""
    mask = case["key_padding_mask"]
    q, k = case["q"], case["k"]
    if case["causal"]:
        causal = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()  # (Tq, Tk)
        mask = causal if mask is None else causal & mask[:, None, None, :]
    elif mask is not None:
        mask = mask[:, None, None, :]  # (B, 1, 1, Tk)
    with torch.inference_mode():
        return torch.nn.functional.scaled_dot_product_attention(q, k, case["v"], attn_mask=mask)


def _expect_attention(student: Student, cases: list[dict], why: str = "") -> None:
    for case in cases:
        got = student.call(
            "scaled_dot_product_attention",
            case["q"],
            case["k"],
            case["v"],
            causal=case["causal"],
            key_padding_mask=case["key_padding_mask"],
        )
        expect_tensor(
            got.call, got.value, _torch_attention(case), "the output", atol=1e-5, rtol=1e-4, why=why
        )


@check("internals.attention", points=2)
def attention_equals_torch(student: Student) -> None:
    """equals torch's scaled_dot_product_attention on 24 random shapes and masks"""
    _expect_attention(student, _attention_cases(seed=0, count=24))


@check("internals.attention", points=1)
def attention_survives_huge_logits(student: Student) -> None:
    """stays exact for logits of about 10^4 (no overflow)"""
    cases = _attention_cases(seed=1, count=6)
    for case in cases:
        case["q"] = case["q"] * 100.0
        case["k"] = case["k"] * 100.0
    _expect_attention(student, cases, why="exp() of 10^4 overflows: subtract the row maximum")


@check("internals.attention", points=1, hidden=True)
def attention_of_fully_masked_rows(student: Student) -> None:
    """a query whose every key is masked gets a zero row; the other rows are unchanged"""
    cases = _attention_cases(seed=2, count=8)
    for case in cases:
        b, tk = case["k"].shape[0], case["k"].shape[-2]
        padding = torch.ones(b, tk, dtype=torch.bool)  # (B, Tk)
        padding[0] = False  # the first sequence is all padding
        if tk > 2:
            padding[-1, 1::2] = False
        case["key_padding_mask"] = padding
    _expect_attention(student, cases, why="a row with no allowed key attends to nothing")


# === group B: internals.swiglu, internals.decoder_block, internals.from_state_dict =======


# === group C: internals.left_padding, internals.accounting, internals.bert_attention =====
