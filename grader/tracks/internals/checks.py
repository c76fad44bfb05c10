"""Checks for the LLM internals track, against the real SmolLM2-135M and MiniLM models.

Expected values come from the models' own modules and outputs (``output_hidden_states``,
a layer's ``self_attn`` and ``mlp``, ``generate``) and from torch's own
``scaled_dot_product_attention``, never from the reference solutions.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import torch

from grader.engine.expect import describe, expect_tensor, fail
from grader.engine.resources import build
from grader.engine.spec import Ref, check
from grader.engine.student import Student
from grader.models.quiet import quiet_transformers
from grader.models.registry import resolve

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
    """equals torch's scaled_dot_product_attention on 24 random shapes and masks
    zh: 在 24 组随机形状和掩码上与 torch 的 scaled_dot_product_attention 一致"""
    _expect_attention(student, _attention_cases(seed=0, count=24))


@check("internals.attention", points=1)
def attention_survives_huge_logits(student: Student) -> None:
    """stays exact for logits of about 10^4 (no overflow)
    zh: logits 约为 10^4 时仍然精确（不溢出）"""
    cases = _attention_cases(seed=1, count=6)
    for case in cases:
        case["q"] = case["q"] * 100.0
        case["k"] = case["k"] * 100.0
    _expect_attention(student, cases, why="exp() of 10^4 overflows: subtract the row maximum")


@check("internals.attention", points=1, hidden=True)
def attention_of_fully_masked_rows(student: Student) -> None:
    """a query whose every key is masked gets a zero row; the other rows are unchanged
    zh: 所有键都被屏蔽的查询得到全零行；其他行不变"""
    cases = _attention_cases(seed=2, count=8)
    for case in cases:
        b, tk = case["k"].shape[0], case["k"].shape[-2]
        padding = torch.ones(b, tk, dtype=torch.bool)  # (B, Tk)
        padding[0] = False  # the first sequence is all padding
        if tk > 2:
            padding[-1, 1::2] = False
        case["key_padding_mask"] = padding
    _expect_attention(student, cases, why="a row with no allowed key attends to nothing")


# --- shared by rmsnorm, rope, gqa: one trusted SmolLM2 and its real hidden states ---------

SENTENCE = "The cat sat on the mat because it was warm."
HELD_OUT = [
    "Rotary embeddings turn each pair of dimensions by an angle that grows with position.",
    "A small model can still teach you how the large ones work inside, piece by piece.",
]


@functools.cache
def _llm() -> Any:
    """The check side's own SmolLM2 (never handed to learner code), built once."""
    return build(LLM)


@functools.cache
def _hidden_states(texts: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
    """output_hidden_states of the texts (cut to the shortest): entry i is layer i's input."""
    from transformers import AutoTokenizer

    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(resolve("llm"))
    rows = [tokenizer(text)["input_ids"] for text in texts]
    shortest = min(len(row) for row in rows)
    ids = torch.tensor([row[:shortest] for row in rows])  # (B, T)
    with torch.inference_mode():
        return _llm()(ids, output_hidden_states=True).hidden_states


def _model_cos_sin(
    positions: torch.Tensor, rotary: Any = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's own rotary embedding (LlamaRotaryEmbedding) at positions (T,): (T, D) each."""
    rotary = _llm().model.rotary_emb if rotary is None else rotary
    with torch.inference_mode():
        cos, sin = rotary(torch.zeros(1, dtype=torch.float32), positions[None, :])  # (1, T, D)
    return cos[0], sin[0]


@functools.cache
def _other_rotary(head_dim: int, theta: float) -> Any:
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    config = LlamaConfig(
        hidden_size=head_dim * 4,
        num_attention_heads=4,
        head_dim=head_dim,
        rope_parameters={"rope_theta": theta, "rope_type": "default"},
    )
    return LlamaRotaryEmbedding(config)


# --- internals.rmsnorm --------------------------------------------------------------------


def _expect_rms_norm(student: Student, norm: Any, hidden: torch.Tensor, why: str = "") -> None:
    with torch.inference_mode():
        want = norm(hidden)
    weight = norm.weight.detach().clone()
    got = student.call("rms_norm", hidden.clone(), weight, norm.variance_epsilon)
    expect_tensor(got.call, got.value, want, "the output", atol=1e-5, rtol=1e-4, why=why)


@check("internals.rmsnorm", points=2)
def rmsnorm_equals_the_model_norm(student: Student) -> None:
    """equals input_layernorm of layers 0, 1, 5 and 20 on their real input hidden states
    zh: 在第 0、1、5、20 层的真实输入隐藏状态上与 input_layernorm 一致"""
    hidden = _hidden_states((SENTENCE,))
    for layer in (0, 1, 5, 20):
        norm = _llm().model.layers[layer].input_layernorm
        _expect_rms_norm(student, norm, hidden[layer], why=f"layer {layer}'s input_layernorm")


@check("internals.rmsnorm", points=1)
def rmsnorm_in_bfloat16(student: Student) -> None:
    """bfloat16 in, bfloat16 out: equals a bfloat16 copy of layer 3's input_layernorm
    zh: 输入 bfloat16、输出 bfloat16：与第 3 层 input_layernorm 的 bfloat16 副本一致"""
    norm = copy.deepcopy(_llm().model.layers[3].input_layernorm).to(torch.bfloat16)
    hidden = _hidden_states((SENTENCE,))[3].to(torch.bfloat16)  # (1, T, C)
    with torch.inference_mode():
        want = norm(hidden)
    got = student.call(
        "rms_norm", hidden.clone(), norm.weight.detach().clone(), norm.variance_epsilon
    )
    value = expect_tensor(got.call, got.value, want, "the output", atol=0.0, rtol=2**-7)
    if value.dtype != torch.bfloat16:
        raise fail(got.call, f"dtype {value.dtype}", "torch.bfloat16, the input's dtype")
    same = float((value == want).float().mean())
    if same < 0.99:
        raise fail(
            got.call,
            f"{same:.1%} of the values equal the module's",
            "at least 99 % bit for bit",
            "normalise in float32, cast back to bfloat16, then multiply by the weight",
        )


@check("internals.rmsnorm", points=1, hidden=True)
def rmsnorm_other_shapes_and_eps(student: Student) -> None:
    """a 4-D input of size 64 with eps 1e-2, a zero row, and tiny real hidden states
    zh: 大小为 64、eps 为 1e-2 的 4 维输入，全零行，以及极小的真实隐藏状态"""
    from transformers.models.llama.modeling_llama import LlamaRMSNorm

    generator = torch.Generator().manual_seed(3)
    norm = LlamaRMSNorm(64, eps=1e-2)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(64, generator=generator))
    hidden = 0.1 * torch.randn(2, 3, 5, 64, generator=generator)  # (2, 3, 5, 64)
    hidden[1, 2, 0] = 0.0  # a zero vector normalises to zeros
    _expect_rms_norm(student, norm, hidden, why="eps is added inside the square root")
    tiny = _hidden_states((SENTENCE,))[0] * 1e-2  # (1, T, C): here eps matters
    _expect_rms_norm(student, _llm().model.layers[0].input_layernorm, tiny)


# --- internals.rope -----------------------------------------------------------------------


def _expect_cos_sin(
    student: Student, positions: torch.Tensor, head_dim: int, theta: float, rotary: Any = None
) -> None:
    want = _model_cos_sin(positions, rotary)
    got = student.call("rope_cos_sin", positions.clone(), head_dim, theta)
    if not isinstance(got.value, tuple | list) or len(got.value) != 2:
        raise fail(got.call, describe(got.value), "a pair (cos, sin)")
    for name, value, expected in zip(("cos", "sin"), got.value, want, strict=True):
        expect_tensor(got.call, value, expected, name, atol=2e-5, rtol=1e-4)


def _expect_rope(
    student: Student,
    q: torch.Tensor,
    k: torch.Tensor,
    cos: torch.Tensor,
    sin: torch.Tensor,
    why: str = "",
) -> None:
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    with torch.inference_mode():
        want = apply_rotary_pos_emb(q, k, cos[None], sin[None])  # cos (1, T, D) as in the model
    got = student.call("apply_rope", q.clone(), k.clone(), cos.clone(), sin.clone())
    if not isinstance(got.value, tuple | list) or len(got.value) != 2:
        raise fail(got.call, describe(got.value), "a pair (q_rotated, k_rotated)")
    for name, value, expected in zip(("q", "k"), got.value, want, strict=True):
        expect_tensor(
            got.call, value, expected, f"the rotated {name}", atol=1e-5, rtol=1e-4, why=why
        )


def _real_qk(layer: int, texts: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """A layer's real queries (B, 9, T, 64) and keys (B, 3, T, 64), before RoPE."""
    attention = _llm().model.layers[layer].self_attn
    with torch.inference_mode():
        x = _llm().model.layers[layer].input_layernorm(_hidden_states(texts)[layer])  # (B, T, C)
        b, t, _ = x.shape
        q = attention.q_proj(x).view(b, t, -1, 64).transpose(1, 2)  # (B, 9, T, 64)
        k = attention.k_proj(x).view(b, t, -1, 64).transpose(1, 2)  # (B, 3, T, 64)
    return q, k


@check("internals.rope", points=1)
def rope_cos_sin_equals_the_model(student: Student) -> None:
    """cos and sin equal SmolLM2's rotary_emb at positions 0..11 and 7..11 (theta 1e5, D 64)
    zh: cos 和 sin 在位置 0..11 和 7..11 上与 SmolLM2 的 rotary_emb 一致（theta 1e5，D 64）"""
    theta = _llm().config.rope_parameters["rope_theta"]
    for positions in (torch.arange(12), torch.arange(7, 12)):
        _expect_cos_sin(student, positions, 64, theta)


@check("internals.rope", points=2)
def rope_rotates_real_queries_and_keys(student: Student) -> None:
    """rotates layer 0's real q and k as apply_rotary_pos_emb does, from position 0 and 7
    zh: 像 apply_rotary_pos_emb 一样旋转第 0 层真实的 q 和 k，从位置 0 和 7 开始"""
    q, k = _real_qk(0, (SENTENCE,))  # (1, 9, T, 64), (1, 3, T, 64)
    t = q.shape[-2]
    cos, sin = _model_cos_sin(torch.arange(t))  # (T, 64)
    _expect_rope(student, q, k, cos, sin)
    cos, sin = _model_cos_sin(torch.arange(7, 12))  # (5, 64): cached decoding, tokens 7..11
    _expect_rope(student, q[..., -5:, :], k[..., -5:, :], cos, sin, why="positions 7..11")


@check("internals.rope", points=1)
def rope_end_to_end_at_an_offset(student: Student) -> None:
    """your cos/sin then your rotation equal the model's for positions 7..11
    zh: 用你的 cos/sin 再做你的旋转，在位置 7..11 上与模型一致"""
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    q, k = _real_qk(0, (SENTENCE,))
    q, k = q[..., -5:, :], k[..., -5:, :]  # (1, 9, 5, 64), (1, 3, 5, 64)
    positions = torch.arange(7, 12)
    cos, sin = _model_cos_sin(positions)
    with torch.inference_mode():
        want = apply_rotary_pos_emb(q, k, cos[None], sin[None])
    theta = _llm().config.rope_parameters["rope_theta"]
    mine = student.call("rope_cos_sin", positions.clone(), 64, theta)
    if not isinstance(mine.value, tuple | list) or len(mine.value) != 2:
        raise fail(mine.call, describe(mine.value), "a pair (cos, sin)")
    got = student.call("apply_rope", q.clone(), k.clone(), *mine.value)
    if not isinstance(got.value, tuple | list) or len(got.value) != 2:
        raise fail(got.call, describe(got.value), "a pair (q_rotated, k_rotated)")
    for name, value, expected in zip(("q", "k"), got.value, want, strict=True):
        expect_tensor(got.call, value, expected, f"the rotated {name}", atol=2e-5, rtol=1e-4)


@check("internals.rope", points=1, hidden=True)
def rope_other_configs(student: Student) -> None:
    """other theta and head sizes (10^4 with D 32, 5*10^5 with D 128), other head counts
    zh: 其他 theta 和头维度（10^4 配 D 32，5*10^5 配 D 128），以及其他头数"""
    generator = torch.Generator().manual_seed(4)
    for head_dim, theta, heads, kv_heads in ((32, 10000.0, 4, 2), (128, 500000.0, 2, 1)):
        rotary = _other_rotary(head_dim, theta)
        positions = torch.arange(3, 40, 3)  # (13,): not contiguous, not from 0
        _expect_cos_sin(student, positions, head_dim, theta, rotary)
        cos, sin = _model_cos_sin(positions, rotary)
        q = torch.randn(2, heads, len(positions), head_dim, generator=generator)
        k = torch.randn(2, kv_heads, len(positions), head_dim, generator=generator)
        _expect_rope(student, q, k, cos, sin, why=f"head size {head_dim}")


# --- internals.gqa ------------------------------------------------------------------------


def _causal_mask(t: int) -> torch.Tensor:
    return torch.full((t, t), float("-inf")).triu(1)[None, None]  # (1, 1, T, T), additive


def _expect_gqa(
    student: Student,
    attention: Any,
    x: torch.Tensor,
    heads: int,
    kv_heads: int,
    rotary: Any = None,
    why: str = "",
) -> None:
    """The real module (q_proj, k_proj, v_proj, o_proj, RoPE, causal mask) against the learner."""
    t = x.shape[1]
    cos, sin = _model_cos_sin(torch.arange(t), rotary)  # (T, D)
    with torch.inference_mode():
        want, _ = attention(
            x, position_embeddings=(cos[None], sin[None]), attention_mask=_causal_mask(t)
        )
    weights = {
        name: getattr(attention, name).weight.detach().clone()
        for name in ("q_proj", "k_proj", "v_proj", "o_proj")
    }
    got = student.call(
        "grouped_query_attention", x.clone(), weights, cos.clone(), sin.clone(), heads, kv_heads
    )
    expect_tensor(got.call, got.value, want, "the output", atol=1e-5, rtol=1e-4, why=why)


def _attention_input(layer: int, texts: tuple[str, ...]) -> tuple[Any, torch.Tensor]:
    model = _llm().model
    with torch.inference_mode():
        x = model.layers[layer].input_layernorm(_hidden_states(texts)[layer])  # (B, T, C)
    return model.layers[layer].self_attn, x


@check("internals.gqa", points=2)
def gqa_equals_layer_0_self_attention(student: Student) -> None:
    """equals SmolLM2's layers[0].self_attn on the real sentence (9 heads, 3 KV heads)
    zh: 在真实句子上与 SmolLM2 的 layers[0].self_attn 一致（9 个头，3 个 KV 头）"""
    attention, x = _attention_input(0, (SENTENCE,))
    _expect_gqa(student, attention, x, 9, 3)


@check("internals.gqa", points=1, hidden=True)
def gqa_on_layer_5_and_a_batch(student: Student) -> None:
    """layer 5 on a batch of two longer held-out sentences
    zh: 第 5 层，在两条更长的留出句子组成的批次上"""
    attention, x = _attention_input(5, tuple(HELD_OUT))
    _expect_gqa(student, attention, x, 9, 3, why="layer 5, batch of 2")


@check("internals.gqa", points=1, hidden=True)
def gqa_another_config(student: Student) -> None:
    """a random Llama attention with 8 heads, 2 KV heads and head size 16
    zh: 8 个头、2 个 KV 头、头维度 16 的随机 Llama 注意力"""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaAttention, LlamaRotaryEmbedding

    config = LlamaConfig(
        hidden_size=96,
        num_attention_heads=8,
        num_key_value_heads=2,
        head_dim=16,
        rope_parameters={"rope_theta": 10000.0, "rope_type": "default"},
    )
    config._attn_implementation = "eager"  # with the explicit causal mask of _expect_gqa
    torch.manual_seed(5)
    attention = LlamaAttention(config, layer_idx=0).eval()
    x = torch.randn(2, 7, 96, generator=torch.Generator().manual_seed(6))  # (B, T, C)
    _expect_gqa(
        student, attention, x, 8, 2, LlamaRotaryEmbedding(config), why="8 heads, 2 KV heads"
    )


# === group B: internals.swiglu, internals.decoder_block, internals.from_state_dict =======


STATE_DICT = Ref.of("internals.llm_state_dict")
PROMPT = "The capital of France is"


def _config_dict(config: Any) -> dict[str, Any]:
    """The few numbers of a LlamaConfig that a from-scratch block or model needs."""
    return {
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_hidden_layers,
        "num_attention_heads": config.num_attention_heads,
        "num_key_value_heads": config.num_key_value_heads,
        "head_dim": config.head_dim,
        "rms_norm_eps": config.rms_norm_eps,
        "rope_theta": config.rope_parameters["rope_theta"],
        "vocab_size": config.vocab_size,
    }


@functools.cache
def _token_ids(texts: tuple[str, ...]) -> torch.Tensor:
    """The texts' token ids (B, T), cut to the shortest text (no padding)."""
    from transformers import AutoTokenizer

    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(resolve("llm"))
    rows = [tokenizer(text)["input_ids"] for text in texts]
    shortest = min(len(row) for row in rows)
    return torch.tensor([row[:shortest] for row in rows])  # (B, T)


def _random_llama_config(**sizes: Any) -> Any:
    from transformers import LlamaConfig

    theta = sizes.pop("rope_theta")
    config = LlamaConfig(
        rope_parameters={"rope_theta": theta, "rope_type": "default"},
        tie_word_embeddings=True,
        **sizes,
    )
    config._attn_implementation = "eager"  # called with an explicit causal mask below
    return config


def _randomise(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Weights of std 0.3 and norm weights around 1 (not all ones), so that every piece shows."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            parameter.copy_(1.0 + 0.3 * noise if "norm" in name else 0.3 * noise)
    return module.eval()


# --- internals.swiglu ---------------------------------------------------------------------


@functools.cache
def _mlp_inputs(texts: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
    """What each layer's mlp really receives (after post_attention_layernorm): (B, T, C) each."""
    layers = _llm().model.layers
    seen: dict[int, torch.Tensor] = {}
    hooks = [
        layer.mlp.register_forward_pre_hook(
            lambda _, args, index=index: seen.__setitem__(index, args[0].detach().clone())
        )
        for index, layer in enumerate(layers)
    ]
    try:
        with torch.inference_mode():
            _llm()(_token_ids(texts))
    finally:
        for hook in hooks:
            hook.remove()
    return tuple(seen[index] for index in range(len(layers)))


def _expect_swiglu(student: Student, mlp: Any, x: torch.Tensor, why: str = "") -> None:
    with torch.inference_mode():
        want = mlp(x)
    got = student.call(
        "swiglu_mlp",
        x.clone(),
        mlp.gate_proj.weight.detach().clone(),
        mlp.up_proj.weight.detach().clone(),
        mlp.down_proj.weight.detach().clone(),
    )
    expect_tensor(got.call, got.value, want, "the output", atol=1e-5, rtol=1e-4, why=why)


@check("internals.swiglu", points=2)
def swiglu_equals_the_model_mlp(student: Student) -> None:
    """equals the mlp of layers 0, 7 and 20 on their real post-attention-normed inputs
    zh: 在第 0、7、20 层经 post-attention 归一化后的真实输入上与该层 mlp 一致"""
    inputs = _mlp_inputs((SENTENCE,))
    for layer in (0, 7, 20):
        mlp = _llm().model.layers[layer].mlp
        _expect_swiglu(student, mlp, inputs[layer], why=f"layer {layer}'s mlp")


@check("internals.swiglu", points=1)
def swiglu_another_size(student: Student) -> None:
    """a random Llama MLP with C = 48 and F = 80 on a batch of 3
    zh: C = 48、F = 80 的随机 Llama MLP，批大小为 3"""
    from transformers.models.llama.modeling_llama import LlamaMLP

    config = _random_llama_config(
        hidden_size=48, intermediate_size=80, num_attention_heads=4, rope_theta=10000.0
    )
    mlp = _randomise(LlamaMLP(config), seed=7)
    x = torch.randn(3, 5, 48, generator=torch.Generator().manual_seed(8))  # (B, T, C)
    _expect_swiglu(student, mlp, x, why="C = 48, F = 80")


@check("internals.swiglu", points=1, hidden=True)
def swiglu_last_layer_on_a_batch(student: Student) -> None:
    """layer 29's mlp on a batch of two held-out sentences
    zh: 第 29 层的 mlp，作用于两句留出句子组成的批"""
    inputs = _mlp_inputs(tuple(HELD_OUT))
    _expect_swiglu(student, _llm().model.layers[29].mlp, inputs[29], why="layer 29, batch of 2")


# --- internals.decoder_block --------------------------------------------------------------


def _layer_weights(layer: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in layer.state_dict().items()}


def _expect_block(
    student: Student,
    layer: torch.nn.Module,
    config: dict[str, Any],
    x: torch.Tensor,
    want: torch.Tensor,
    why: str,
) -> None:
    got = student.call("llama_decoder_block", x.clone(), _layer_weights(layer), dict(config))
    expect_tensor(got.call, got.value, want, "the output", atol=1e-4, rtol=1e-5, why=why)


@check("internals.decoder_block", points=2)
def decoder_block_reproduces_layers_0_and_13(student: Student) -> None:
    """turns hidden_states[i] into hidden_states[i + 1] for layers 0 and 13 of the real model
    zh: 在真实模型的第 0 层和第 13 层上把 hidden_states[i] 变成 hidden_states[i + 1]"""
    states = _hidden_states((SENTENCE,))
    config = _config_dict(_llm().config)
    for index in (0, 13):
        layer = _llm().model.layers[index]
        _expect_block(student, layer, config, states[index], states[index + 1], f"layer {index}")


@check("internals.decoder_block", points=1)
def decoder_block_on_a_batch_of_two(student: Student) -> None:
    """layer 28 on a batch of two equal-length held-out sentences
    zh: 第 28 层，作用于两句等长留出句子组成的批"""
    states = _hidden_states(tuple(HELD_OUT))
    layer = _llm().model.layers[28]
    config = _config_dict(_llm().config)
    _expect_block(student, layer, config, states[28], states[29], "layer 28, batch of 2")


@check("internals.decoder_block", points=1, hidden=True)
def decoder_block_another_config(student: Student) -> None:
    """a random Llama layer: 4 heads, 2 KV heads, head size 16, theta 10^4, eps 10^-3
    zh: 随机 Llama 层：4 个头、2 个 KV 头、头维度 16、theta 10^4、eps 10^-3"""
    from transformers.models.llama.modeling_llama import LlamaDecoderLayer, LlamaRotaryEmbedding

    config = _random_llama_config(
        hidden_size=48,
        intermediate_size=80,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        rms_norm_eps=1e-3,
        rope_theta=10000.0,
    )
    layer = _randomise(LlamaDecoderLayer(config, layer_idx=0), seed=9)
    x = torch.randn(2, 7, 48, generator=torch.Generator().manual_seed(10))  # (B, T, C)
    cos, sin = _model_cos_sin(torch.arange(7), LlamaRotaryEmbedding(config))  # (T, D)
    with torch.inference_mode():
        want = layer(x, attention_mask=_causal_mask(7), position_embeddings=(cos[None], sin[None]))
    want = want[0] if isinstance(want, tuple) else want
    _expect_block(student, layer, _config_dict(config), x, want, "4 heads, 2 KV heads")


# --- internals.from_state_dict ------------------------------------------------------------


@functools.cache
def _real_logits(texts: tuple[str, ...]) -> torch.Tensor:
    with torch.inference_mode():
        return _llm()(_token_ids(texts)).logits  # (B, T, V)


@functools.cache
def _real_greedy(prompt: str, new_tokens: int) -> torch.Tensor:
    ids = _token_ids((prompt,))  # (1, T)
    with torch.inference_mode(), quiet_transformers():
        return _llm().generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=_llm().config.eos_token_id,
        )  # (1, T + new_tokens)


def _expect_ids(got: Any, want: torch.Tensor, why: str = "") -> None:
    value = expect_tensor(got.call, got.value, want, "the token ids", why=why)
    if not torch.equal(value, want):  # expect_tensor already names the first difference
        raise fail(got.call, describe(value), describe(want), why)


@check("internals.from_state_dict", points=2)
def from_state_dict_logits_equal_the_model(student: Student) -> None:
    """logits equal the real model's on a batch of two real texts (within 1e-4)
    zh: 在两条真实文本组成的批上 logits 与真实模型一致（误差在 1e-4 以内）"""
    texts = (SENTENCE, HELD_OUT[0])
    ids = _token_ids(texts)
    config = _config_dict(_llm().config)
    got = student.call("llama_forward", STATE_DICT, config, ids.clone())
    expect_tensor(got.call, got.value, _real_logits(texts), "the logits", atol=1e-4, rtol=1e-5)


@check("internals.from_state_dict", points=2, timeout_s=180)
def from_state_dict_greedy_equals_generate(student: Student) -> None:
    """20 greedy tokens equal llm.generate(do_sample=False) after a short prompt
    zh: 短提示之后的 20 个贪心 token 与 llm.generate(do_sample=False) 一致"""
    ids = _token_ids((PROMPT,))
    config = _config_dict(_llm().config)
    got = student.call("greedy_decode", STATE_DICT, config, ids.clone(), 20)
    _expect_ids(got, _real_greedy(PROMPT, 20), why="prompt + 20 new tokens")


@check("internals.from_state_dict", points=1, hidden=True)
def from_state_dict_tiny_random_llama(student: Student) -> None:
    """a tiny random Llama (2 layers, 4 heads, 1 KV head, theta 5*10^5): logits and 6 tokens
    zh: 微型随机 Llama（2 层、4 个头、1 个 KV 头、theta 5*10^5）：logits 与 6 个 token"""
    from transformers import LlamaForCausalLM

    config = _random_llama_config(
        vocab_size=97,
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=8,
        rms_norm_eps=1e-6,
        rope_theta=500000.0,
    )
    with quiet_transformers():
        model = _randomise(LlamaForCausalLM(config), seed=11)
    ids = torch.randint(0, 97, (2, 5), generator=torch.Generator().manual_seed(12))  # (B, T)
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    want_ids = ids
    with torch.inference_mode():
        want = model(ids).logits  # (B, T, V)
        for _ in range(6):  # the model's own greedy choices, one token at a time
            next_id = model(want_ids).logits[:, -1].argmax(-1, keepdim=True)  # (B, 1)
            want_ids = torch.cat([want_ids, next_id], dim=1)
    got = student.call("llama_forward", state, _config_dict(config), ids.clone())
    expect_tensor(got.call, got.value, want, "the logits", atol=1e-4, rtol=1e-5, why="tiny Llama")
    got = student.call("greedy_decode", state, _config_dict(config), ids.clone(), 6)
    _expect_ids(got, want_ids, why="tiny Llama, 6 new tokens")


# === group C: internals.left_padding, internals.accounting, internals.bert_attention =====


# --- internals.left_padding ---------------------------------------------------------------

LLM_COUNTED = Ref.of("internals.llm_counted")
PROMPTS = ["The capital of France is", "Two plus two", "Once upon a time"]
HELD_OUT_PROMPTS = ["Water boils at", "Hi", "The opposite of hot is", "Red"]


@functools.cache
def _llm_tokenizer() -> Any:
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(resolve("llm"))


def _prompt_ids(prompts: list[str]) -> list[list[int]]:
    return [_llm_tokenizer()(prompt)["input_ids"] for prompt in prompts]


def _torch_left_pad(sequences: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """torch's own pad_sequence, padding on the left: ids, mask, and each token's index in
    its own sequence (at the pads: -1, compared nowhere)."""
    from torch.nn.utils.rnn import pad_sequence

    def pad(rows: list[torch.Tensor], value: int) -> torch.Tensor:
        return pad_sequence(rows, batch_first=True, padding_value=value, padding_side="left")

    return {
        "input_ids": pad([torch.tensor(row) for row in sequences], pad_id),
        "attention_mask": pad([torch.ones(len(row), dtype=torch.long) for row in sequences], 0),
        "position_ids": pad([torch.arange(len(row)) for row in sequences], -1),
    }


def _expect_left_pad(student: Student, sequences: list[list[int]], pad_id: int) -> None:
    got = student.call("left_pad", sequences, pad_id)
    want = _torch_left_pad(sequences, pad_id)
    if not isinstance(got.value, dict) or not set(want) <= set(got.value):
        raise fail(got.call, describe(got.value), f"a dict with keys {sorted(want)}")
    for name in ("input_ids", "attention_mask"):
        expect_tensor(got.call, got.value[name], want[name], name)
    real = want["attention_mask"].bool()  # (B, T): positions are compared at real tokens only
    positions = got.value["position_ids"]
    if isinstance(positions, torch.Tensor) and positions.shape == real.shape:
        positions = positions[real]
    expect_tensor(
        got.call,
        positions,
        want["position_ids"][real],
        "position_ids at the real tokens",
        why="each sequence counts 0, 1, 2, ... from its own first real token",
    )


@check("internals.left_padding", points=1)
def left_pad_equals_pad_sequence(student: Student) -> None:
    """left-pads three prompts as torch's pad_sequence(padding_side="left"), positions from 0
    zh: 对三个提示做左侧填充，与 torch 的 pad_sequence(padding_side="left") 一致，位置从 0 开始"""
    _expect_left_pad(student, _prompt_ids(PROMPTS), _llm_tokenizer().pad_token_id)


@check("internals.left_padding", points=1, hidden=True)
def left_pad_edge_cases(student: Student) -> None:
    """equal lengths, a single sequence, and a pad id that also occurs as a real token
    zh: 等长序列、单条序列，以及填充 id 同时是真实 token 的情况"""
    _expect_left_pad(student, [[5, 6, 7], [8, 9, 10]], 0)
    _expect_left_pad(student, [[11, 12]], 0)
    _expect_left_pad(student, [[0, 5, 0], [7], [0, 0, 3, 4, 0]], 0)


@functools.cache
def _alone_logits(prompt: tuple[int, ...]) -> torch.Tensor:
    """The check's own SmolLM2 on one prompt, unpadded: its next-token logits (V,)."""
    with torch.inference_mode():
        return _llm()(torch.tensor([prompt])).logits[0, -1]


def _expect_batched_logits(student: Student, prompts: list[list[int]], pad_id: int) -> None:
    got = student.call("batched_next_token_logits", LLM_COUNTED, prompts, pad_id)
    want = torch.stack([_alone_logits(tuple(prompt)) for prompt in prompts])  # (B, V)
    expect_tensor(
        got.call,
        got.value,
        want,
        "the logits",
        atol=2e-4,
        rtol=1e-4,
        why="row i must equal the last-position logits of prompt i run alone",
    )
    shapes = got.observed.get("internals.llm_counted", {}).get("forward_shapes", [])
    if len(shapes) != 1 or not shapes[0] or shapes[0][0] != len(prompts):
        raise fail(
            got.call,
            f"{len(shapes)} forward passes with input_ids of shapes {shapes}",
            f"one forward pass over the whole batch of {len(prompts)} prompts",
            "batch the prompts: pad them and run the model once",
        )


@check("internals.left_padding", points=2)
def batched_logits_equal_each_prompt_alone(student: Student) -> None:
    """one batched forward of three prompts gives each prompt's own next-token logits
    zh: 三个提示一次批量前向，得到的下一个 token 的 logits 与各提示单独计算时一致"""
    _expect_batched_logits(student, _prompt_ids(PROMPTS), _llm_tokenizer().pad_token_id)


@check("internals.left_padding", points=1, hidden=True)
def batched_logits_held_out_prompts(student: Student) -> None:
    """four held-out prompts, one of a single token, padded with a token they contain
    zh: 四个留出提示，其中一个只有一个 token，用它们含有的 token 作填充"""
    prompts = _prompt_ids(HELD_OUT_PROMPTS)
    _expect_batched_logits(student, prompts, prompts[0][0])


# --- internals.accounting -----------------------------------------------------------------

CONFIG_KEYS = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "vocab_size",
    "tie_word_embeddings",
)


def _accounting_config(config: Any) -> dict:
    """What the learner's functions get: the plain numbers of a transformers config."""
    return {key: getattr(config, key) for key in CONFIG_KEYS}


@functools.cache
def _smollm2_config() -> Any:
    from transformers import AutoConfig

    with quiet_transformers():
        return AutoConfig.from_pretrained(resolve("llm"))


@functools.cache
def _small_llama() -> Any:
    """A random untied Llama whose head size is not hidden / heads, with eager attention."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=24,
        vocab_size=300,
        tie_word_embeddings=False,
    )
    torch.manual_seed(7)
    model = LlamaForCausalLM(config).eval()
    model.set_attn_implementation("eager")
    return model


def _meta_model(dtype: torch.dtype) -> Any:
    """SmolLM2's architecture from its real config on the meta device: shapes, no weights,
    so that FlopCounterMode and the KV cache can be measured without computing anything."""
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(
            _smollm2_config(), attn_implementation="eager", dtype=dtype
        )


def _ids(model: Any, seq_len: int) -> torch.Tensor:
    return torch.zeros(1, seq_len, dtype=torch.long, device=model.device)  # (1, T)


@functools.cache
def _measured_flops(which: str, seq_len: int) -> int:
    """torch's FlopCounterMode over one forward pass of seq_len tokens (matmuls, 2mnk each)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = _meta_model(torch.float32) if which == "smollm2" else _small_llama()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(input_ids=_ids(model, seq_len))
    return counter.get_total_flops()


@functools.cache
def _measured_kv_bytes(which: str, dtype: torch.dtype, seq_len: int = 5) -> int:
    """Bytes of the DynamicCache a forward pass of seq_len tokens fills, per token."""
    small = which != "smollm2"
    model = copy.deepcopy(_small_llama()).to(dtype) if small else _meta_model(dtype)
    with torch.inference_mode():
        cache = model(input_ids=_ids(model, seq_len), use_cache=True).cache
    total = sum(
        tensor.numel() * tensor.element_size()
        for layer in cache.layers
        for tensor in (layer.keys, layer.values)
    )
    return total // seq_len


def _expect_number(got: Any, want: float, what: str, why: str = "") -> None:
    import math

    value = got.value
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(got.call, describe(value), f"{what} as a number", why)
    if not math.isclose(value, want, rel_tol=1e-9):
        raise fail(got.call, f"{value:,}", f"{want:,} ({what})", why)


def _expect_accounting(student: Student, model_name: str, config: dict, parameters: int) -> None:
    got = student.call("parameter_count", dict(config))
    _expect_number(got, parameters, f"sum of numel over {model_name}'s parameters")
    for dtype, size in ((torch.float32, 4), (torch.bfloat16, 2)):
        got = student.call("kv_cache_bytes_per_token", dict(config), size)
        want = _measured_kv_bytes(model_name, dtype)
        _expect_number(got, want, f"bytes per token of {model_name}'s {dtype} KV cache")


@check("internals.accounting", points=1)
def accounting_parameters_and_kv_cache_of_smollm2(student: Student) -> None:
    """parameters and KV cache bytes per token equal SmolLM2's own (float32 and bfloat16)
    zh: 参数量和每个 token 的 KV 缓存字节数与 SmolLM2 本身一致（float32 与 bfloat16）"""
    parameters = sum(p.numel() for p in _llm().parameters())  # tied: one tensor, once
    _expect_accounting(student, "smollm2", _accounting_config(_smollm2_config()), parameters)


@check("internals.accounting", points=2)
def accounting_flops_of_smollm2(student: Student) -> None:
    """forward FLOPs per token equal FlopCounterMode on SmolLM2 at 8 and 128 tokens
    zh: 每个 token 的前向 FLOPs 在 8 和 128 个 token 时与 SmolLM2 上的 FlopCounterMode 一致"""
    config = _accounting_config(_smollm2_config())
    for seq_len in (8, 128):
        got = student.call("forward_flops_per_token", dict(config), seq_len)
        want = _measured_flops("smollm2", seq_len) / seq_len
        _expect_number(got, want, f"FlopCounterMode's count at {seq_len} tokens / {seq_len}")


@check("internals.accounting", points=1, hidden=True)
def accounting_an_untied_model(student: Student) -> None:
    """a random untied Llama with head size 24 (not hidden / heads): all three numbers
    zh: 头维度为 24（不等于 hidden / heads）的随机非绑定 Llama：三个数全部正确"""
    model = _small_llama()
    config = _accounting_config(model.config)
    parameters = sum(p.numel() for p in model.parameters())
    _expect_accounting(student, "small", config, parameters)
    for seq_len in (5, 12):
        got = student.call("forward_flops_per_token", dict(config), seq_len)
        want = _measured_flops("small", seq_len) / seq_len
        _expect_number(got, want, f"FlopCounterMode's count at {seq_len} tokens / {seq_len}")


# --- internals.bert_attention -------------------------------------------------------------

BERT_TEXTS = ("The cat sat on the mat.", "Padding tokens must never be attended to by anyone.")
BERT_HELD_OUT = (
    "Short one.",
    "Every token sees every other token in an encoder, in both directions.",
    "A medium length sentence for the batch.",
)


@functools.cache
def _minilm() -> Any:
    """The check side's own MiniLM (never handed to learner code), built once."""
    return build(MINILM)


@functools.cache
def _small_bert() -> Any:
    """A random BERT with 4 heads of 16 and a LayerNorm eps of 1e-2."""
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=100,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        layer_norm_eps=1e-2,
    )
    torch.manual_seed(8)
    return BertModel(config).eval()


def _attention_io(
    model: Any, layer: int, ids: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The real input of encoder layer ``layer`` and what its attention sublayer returned,
    caught by a hook during the model's own forward pass with the padding mask."""
    caught: list = []
    attention = model.encoder.layer[layer].attention
    handle = attention.register_forward_hook(lambda module, args, out: caught.append(out))
    try:
        with torch.inference_mode():
            states = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    finally:
        handle.remove()
    out = caught[0][0] if isinstance(caught[0], tuple) else caught[0]
    return states.hidden_states[layer], out


@functools.cache
def _minilm_case(layer: int, texts: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
    from transformers import AutoTokenizer

    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(resolve("bert"))
    batch = tokenizer(list(texts), padding=True, return_tensors="pt")
    mask = batch["attention_mask"]  # (B, T): 1 real, 0 padding
    hidden, out = _attention_io(_minilm(), layer, batch["input_ids"], mask)
    return hidden, mask, out


def _expect_bert_attention(
    student: Student,
    attention: Any,
    hidden: torch.Tensor,
    mask: torch.Tensor,
    want: torch.Tensor,
    heads: int,
    eps: float,
    why: str = "",
) -> None:
    weights = {name: value.detach().clone() for name, value in attention.state_dict().items()}
    got = student.call("bert_self_attention", hidden.clone(), weights, mask.clone(), heads, eps)
    if not isinstance(got.value, torch.Tensor) or got.value.shape != want.shape:
        expect_tensor(got.call, got.value, want, "the output")
    real = mask.bool()  # (B, T): the model's outputs at padding positions are never used
    expect_tensor(
        got.call,
        got.value[real],
        want[real],
        "the output at the real tokens",
        atol=2e-5,
        rtol=1e-4,
        why=why,
    )


@check("internals.bert_attention", points=2)
def bert_attention_equals_minilm_layer_0(student: Student) -> None:
    """equals MiniLM's encoder.layer[0].attention on a padded batch of two texts
    zh: 在两条文本的填充批上与 MiniLM 的 encoder.layer[0].attention 一致"""
    hidden, mask, want = _minilm_case(0, BERT_TEXTS)
    attention = _minilm().encoder.layer[0].attention
    _expect_bert_attention(student, attention, hidden, mask, want, 12, 1e-12)


@check("internals.bert_attention", points=1, hidden=True)
def bert_attention_layer_4_on_three_texts(student: Student) -> None:
    """layer 4 on a padded batch of three held-out texts
    zh: 第 4 层，作用于三条留出文本的填充批"""
    hidden, mask, want = _minilm_case(4, BERT_HELD_OUT)
    attention = _minilm().encoder.layer[4].attention
    _expect_bert_attention(student, attention, hidden, mask, want, 12, 1e-12, why="layer 4")


@check("internals.bert_attention", points=1, hidden=True)
def bert_attention_another_config(student: Student) -> None:
    """a random BERT with 4 heads of 16 and LayerNorm eps 1e-2
    zh: 4 个头、头维度 16、LayerNorm eps 1e-2 的随机 BERT"""
    model = _small_bert()
    generator = torch.Generator().manual_seed(9)
    ids = torch.randint(1, 100, (3, 7), generator=generator)  # (B, T)
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[0, 4:] = 0
    mask[2, 2:] = 0
    hidden, want = _attention_io(model, 1, ids, mask)
    _expect_bert_attention(
        student,
        model.encoder.layer[1].attention,
        hidden,
        mask,
        want,
        4,
        1e-2,
        why="4 heads of 16, eps 1e-2",
    )
