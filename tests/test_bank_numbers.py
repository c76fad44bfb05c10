"""Are the numbers the model answers quote still what our own models measure?

Each test recomputes one quoted number from the shipped model (SmolLM2-135M-Instruct, its
GGUF file, all-MiniLM-L6-v2, torchvision's ResNets) and checks that the answers quote the
value measured now, in English and in Chinese, so a model or an answer that drifts fails.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader.bank import get_question

FP16_BYTES = 2


def text_of(question_id: str, lang: str) -> str:
    """A question's answer and key points in one language, as one string."""
    text = get_question(question_id).text[lang]
    return "\n".join([text.answer, *text.key_points])


def assert_quoted(question_id: str, en: str, zh: str | None = None) -> None:
    """``en`` appears in the English answer and ``zh`` (default: the same) in the Chinese."""
    assert en in text_of(question_id, "en"), (question_id, en)
    assert (en if zh is None else zh) in text_of(question_id, "zh"), (question_id, zh)


def kv_bytes_per_token(config: Any) -> int:
    """K and V, for every layer and KV head, in fp16."""
    head_dim = config.hidden_size // config.num_attention_heads
    return 2 * config.num_hidden_layers * config.num_key_value_heads * head_dim * FP16_BYTES


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # tied weights count once


# ---------------------------------------------------------------- SmolLM2-135M-Instruct


def test_smollm2_parameter_count(smollm2: Any) -> None:
    assert_quoted("efficiency.kv-cache", f"{parameters(smollm2):,}")


def test_smollm2_fp16_weight_bytes(smollm2: Any) -> None:
    """Are SmolLM2's weights in fp16 the "269 MB" that every bandwidth answer quotes?"""
    quoted = f"{parameters(smollm2) * FP16_BYTES / 1e6:.0f} MB"
    for question_id in (
        "efficiency.faster-inference",
        "efficiency.kv-cache",
        "efficiency.post-training-quantization",
        "textgen.kv-cache",
        "textgen.context-window-cost",
    ):
        assert_quoted(question_id, quoted)


def test_smollm2_attention_shape(smollm2: Any) -> None:
    """Does SmolLM2 have the 30 layers and 9 query heads sharing 3 KV heads of 64 we quote?"""
    config = smollm2.config
    layers, heads, kv_heads = (
        config.num_hidden_layers,
        config.num_attention_heads,
        config.num_key_value_heads,
    )
    head_dim = config.hidden_size // heads
    assert head_dim == config.head_dim
    assert_quoted(
        "textgen.kv-cache",
        f"{layers} layers, {kv_heads} KV heads, head_dim {head_dim}",
        f"{layers} 层、{kv_heads} 个 KV 头、头维度 {head_dim}",
    )
    assert_quoted(
        "efficiency.kv-cache",
        f"{heads} query heads share {kv_heads} KV heads",
        f"{heads} 个 query 头共享 {kv_heads} 个 KV 头",
    )
    assert_quoted(
        "efficiency.kv-cache",
        f"{layers} layers, {kv_heads} KV heads of {head_dim}",
        f"{layers} 层、{kv_heads} 个维度为 {head_dim} 的 KV 头",
    )


def test_smollm2_kv_cache_bytes_per_token(smollm2: Any) -> None:
    per_token = kv_bytes_per_token(smollm2.config)
    for question_id in ("textgen.kv-cache", "efficiency.kv-cache", "efficiency.faster-inference"):
        assert_quoted(question_id, f"{per_token:,}")
    config = smollm2.config
    head_dim = config.hidden_size // config.num_attention_heads
    product = f"2 × {config.num_hidden_layers} × {config.num_key_value_heads} × {head_dim} × 2"
    assert_quoted("textgen.kv-cache", product)


def test_smollm2_weights_dominate_until_the_quoted_context(smollm2: Any) -> None:
    """Do the weights outweigh the KV cache until "about 11.7k" cached tokens, past the window?"""
    crossover = parameters(smollm2) * FP16_BYTES / kv_bytes_per_token(smollm2.config)
    assert crossover > smollm2.config.max_position_embeddings
    for question_id in ("efficiency.faster-inference", "efficiency.kv-cache", "textgen.kv-cache"):
        assert_quoted(question_id, f"{crossover / 1000:.1f}k")


def test_smollm2_cache_for_a_full_window_and_for_a_batch(smollm2: Any) -> None:
    window = smollm2.config.max_position_embeddings
    full = window * kv_bytes_per_token(smollm2.config)
    for question_id in ("textgen.kv-cache", "efficiency.kv-cache"):
        assert_quoted(question_id, f"{full / 1e6:.0f} MB")
    assert_quoted("efficiency.kv-cache", f"{32 * full / 1e9:.1f} GB")
    assert_quoted("textgen.context-window-cost", f"{window:,} for SmolLM2-135M", f"{window:,}")


def test_smollm2_vocabulary_and_tied_embedding(smollm2: Any) -> None:
    """Is the tied 49,152 x 576 embedding about 28M parameters, a fifth of the model?"""
    embedding = smollm2.get_input_embeddings().weight
    assert embedding.data_ptr() == smollm2.get_output_embeddings().weight.data_ptr()
    rows, width = embedding.shape
    assert_quoted("textgen.bpe-tokenization", f"{rows:,} × {width}")
    millions = round(embedding.numel() / 1e6)
    assert_quoted("textgen.bpe-tokenization", f"about {millions}M", f"{millions * 100} 万")
    assert round(parameters(smollm2) / embedding.numel()) == 5
    assert_quoted("textgen.bpe-tokenization", "a fifth of the model", "五分之一")


def test_smollm2_splits_strawberry_as_quoted(smollm2_tokenizer: Any) -> None:
    def pieces(text: str) -> list[str]:
        ids = smollm2_tokenizer(text, add_special_tokens=False)["input_ids"]
        return [smollm2_tokenizer.decode([i]) for i in ids]

    assert pieces(" strawberry") == [" strawberry"]
    assert pieces("strawberry") == ["st", "raw", "berry"]
    assert_quoted("textgen.bpe-tokenization", "`st`, `raw`, `berry`", "`st`、`raw`、`berry`")


def test_smollm2_splits_digits_and_some_chinese_characters(smollm2_tokenizer: Any) -> None:
    """Are digits one token each, and can one Chinese character take several tokens?"""
    tokens = smollm2_tokenizer("12345", add_special_tokens=False)["input_ids"]
    assert len(tokens) == 5
    assert len(smollm2_tokenizer("你", add_special_tokens=False)["input_ids"]) > 1


def test_smollm2_chat_template_and_end_token(smollm2_tokenizer: Any) -> None:
    """Does the chat template render exactly the ChatML block the answer shows?"""
    rendered = smollm2_tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True
    )
    assert smollm2_tokenizer.eos_token == "<|im_end|>"
    for lang in ("en", "zh"):
        assert rendered.strip() in get_question("textgen.chat-templates").text[lang].answer


def test_our_gguf_file_is_q4_1_with_a_q8_0_embedding() -> None:
    """Is the shipped GGUF 98.4 MB, 5.0 bits per Q4_1 weight, its embedding Q8_0?"""
    import gguf

    from grader.models.registry import packaged_path

    path = packaged_path("llm")
    reader = gguf.GGUFReader(str(path))
    q4_1 = [t for t in reader.tensors if t.tensor_type.name == "Q4_1"]
    bits = 8 * sum(int(t.n_bytes) for t in q4_1) / sum(int(t.n_elements) for t in q4_1)
    embedding = next(t for t in reader.tensors if t.name == "token_embd.weight")
    assert embedding.tensor_type.name == "Q8_0"
    question = "efficiency.post-training-quantization"
    assert_quoted(question, f"{bits:.1f} bits per weight", f"每个权重占 {bits:.1f} 位")
    assert_quoted(question, f"{path.stat().st_size / 1e6:.1f} MB")
    assert_quoted(question, "embedding is Q8_0", "嵌入矩阵为 Q8_0")


# ---------------------------------------------------------------- all-MiniLM-L6-v2


def test_minilm_size_and_shape(minilm: Any) -> None:
    """Is MiniLM 6 layers of 384, 22.7M parameters, about half of them the embedding table?"""
    config = minilm.config
    total = parameters(minilm)
    table = minilm.embeddings.word_embeddings.weight
    assert round(2 * table.numel() / total) == 1  # about half
    question = "bert.distilled-encoders"
    assert_quoted(question, f"{total / 1e6:.1f}M parameters", f"{total / 1e6:.1f}M 参数")
    assert_quoted(
        question,
        f"{config.num_hidden_layers} layers, {config.hidden_size} hidden",
        f"{config.num_hidden_layers} 层、隐藏维 {config.hidden_size}",
    )
    rows, width = table.shape
    assert_quoted(question, f"{rows:,} × {width}", f"{rows:,}×{width}")
    assert_quoted("bert.wordpiece-tokenization", f"{rows:,} entries", f"{rows:,} 个条目")


def test_minilm_word_pieces(minilm_tokenizer: Any) -> None:
    assert minilm_tokenizer.tokenize("GPU") == ["gp", "##u"]
    assert_quoted("bert.wordpiece-tokenization", "`gp`, `##u`", "`gp`、`##u`")


def test_minilm_chinese_coverage(minilm_tokenizer: Any) -> None:
    """Does MiniLM's vocabulary hold the quoted number of Chinese characters, and does
    你好世界 still come out as the answer shows?"""
    han = [t for t in minilm_tokenizer.get_vocab() if len(t) == 1 and "\u4e00" <= t <= "\u9fff"]
    assert_quoted(
        "bert.wordpiece-tokenization",
        f"only {len(han)} Chinese characters",
        f"只有 {len(han)} 个汉字",
    )
    shown = " ".join(minilm_tokenizer.tokenize("你好世界"))
    assert shown == "[UNK] [UNK] 世 [UNK]"
    assert_quoted("bert.wordpiece-tokenization", f"`{shown}`")


def test_minilm_turns_common_emoji_into_unk(minilm_tokenizer: Any) -> None:
    emoji = ["😀", "🚀", "🎉", "👍", "🔥"]
    assert all(minilm_tokenizer.tokenize(e) == ["[UNK]"] for e in emoji)


def test_minilm_special_token_ids(minilm_tokenizer: Any) -> None:
    vocabulary = minilm_tokenizer.get_vocab()
    for token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"):
        assert_quoted("bert.special-tokens-segments", f"`{token}`={vocabulary[token]}")


# ---------------------------------------------------------------- ResNet


@pytest.mark.parametrize(
    ("name", "english", "chinese"),
    [
        ("resnet18", "ResNet-18 has about", "ResNet-18 约有"),
        ("resnet50", "ResNet-50 about", "ResNet-50 约"),
    ],
    ids=["resnet18", "resnet50"],
)
def test_resnet_parameter_counts(name: str, english: str, chinese: str) -> None:
    """Are torchvision's ResNet-18 and ResNet-50 the 11.7 M and 25.6 M parameters we quote?"""
    import torchvision

    count = parameters(getattr(torchvision.models, name)(weights=None))
    assert_quoted(
        "resnet.conv-parameters",
        f"{english} {count / 1e6:.1f} M",
        f"{chinese} {round(count / 1e5) * 10} 万",
    )


def test_a_3x3_convolution_from_64_to_64_channels() -> None:
    conv = torch.nn.Conv2d(64, 64, 3, bias=False)
    assert_quoted(
        "resnet.conv-parameters",
        f"{conv.weight.numel():,} weights",
        f"{conv.weight.numel():,} 个权重",
    )


def test_resnet50_features_are_2048_wide() -> None:
    import torchvision

    width = torchvision.models.resnet50(weights=None).fc.in_features
    assert_quoted("resnet.bottleneck-block", f"in_features={width}")


# ---------------------------------------------------------------- internals (SmolLM2, MiniLM)

FP32_BYTES = 4


def kv_bytes(config: Any, kv_heads: int, value_bytes: int) -> int:
    """K and V for every layer and ``kv_heads`` heads, at ``value_bytes`` per value."""
    return 2 * config.num_hidden_layers * kv_heads * config.head_dim * value_bytes


def test_internals_attention_scores_for_a_full_window(smollm2: Any) -> None:
    """Is one layer's fp32 score tensor for SmolLM2's heads at its full window the "2.4 GB"?"""
    config = smollm2.config
    window, heads = config.max_position_embeddings, config.num_attention_heads
    scores = heads * window**2 * FP32_BYTES
    assert_quoted(
        "internals.self-attention-cost",
        f"{heads} query heads at its full {window:,}-token window",
        f"{heads} 个 query 头、{window:,} 个 token 的满窗口",
    )
    assert_quoted("internals.self-attention-cost", f"{scores / 1e9:.1f} GB")


def test_internals_unscaled_score_spread(smollm2: Any) -> None:
    """With head_dim 64, do unscaled scores have the quoted standard deviation of 8?"""
    head_dim = smollm2.config.head_dim
    spread = round(head_dim**0.5)
    assert spread**2 == head_dim
    assert_quoted(
        "internals.sqrt-d-scaling", f"head dimension of {head_dim}", f"头维度为 {head_dim}"
    )
    assert_quoted(
        "internals.sqrt-d-scaling", f"standard deviation of {spread}", f"标准差是 {spread}"
    )


def test_internals_gqa_groups_and_cache(smollm2: Any) -> None:
    """Do SmolLM2's 9 query heads share 3 KV heads, a third of a multi-head cache?"""
    config = smollm2.config
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    group = heads // kv_heads
    question = "internals.mha-mqa-gqa"
    assert_quoted(
        question,
        f"{heads} query heads share {kv_heads} KV heads** (groups of {group})",
        f"{heads} 个 query 头共享 {kv_heads} 个 KV 头**（每组 {group} 个）",
    )
    assert_quoted(question, f"repeat_interleave({group}, dim=1)")
    for value_bytes in (FP32_BYTES, FP16_BYTES):
        assert_quoted(question, f"{kv_bytes(config, kv_heads, value_bytes):,}")
    assert_quoted(question, f"{kv_bytes(config, heads, FP32_BYTES):,}")


def test_internals_kv_cache_bytes_in_float32(smollm2: Any) -> None:
    """Is SmolLM2's float32 cache 2 × 30 × 3 × 64 × 4 = 46,080 bytes a token, 377 MB full?"""
    config = smollm2.config
    per_token = kv_bytes(config, config.num_key_value_heads, FP32_BYTES)
    product = (
        f"2 × {config.num_hidden_layers} × {config.num_key_value_heads} × {config.head_dim}"
        f" × {FP32_BYTES} = "
    )
    question = "internals.kv-cache-contents"
    assert_quoted(question, f"{product}**{per_token:,} bytes per token in float32", product)
    assert_quoted(question, f"{per_token:,}")
    full = config.max_position_embeddings * per_token
    assert_quoted(question, f"{full / 1e6:.0f} MB")


# --- internals part 2 numbers ---


def rope_theta(config: Any) -> float:
    """RoPE's base: transformers 5 keeps it in ``rope_parameters``, not ``rope_theta``."""
    return float(config.rope_parameters["rope_theta"])


def rope_wavelengths(config: Any, theta: float | None = None) -> list[float]:
    """Tokens per full turn of each of a head's d/2 RoPE pairs, fastest first."""
    import math

    base, d = rope_theta(config) if theta is None else theta, config.head_dim
    return [2 * math.pi * base ** (2 * i / d) for i in range(d // 2)]


def test_internals_minilm_learns_positions_and_smollm2_has_none(minilm: Any, smollm2: Any) -> None:
    """Is MiniLM's absolute position table the quoted 512 × 384, and has SmolLM2 none?"""
    rows, width = minilm.embeddings.position_embeddings.weight.shape
    assert minilm.config.position_embedding_type == "absolute"
    assert_quoted(
        "internals.positional-information",
        f"{rows} × {width} = {rows * width:,} parameters",
        f"{rows} × {width} = {rows * width:,} 个参数",
    )
    assert not [name for name, _ in smollm2.named_parameters() if "position" in name]
    assert smollm2.config.model_type == "llama"


def test_internals_rope_frequency_ladder(smollm2: Any) -> None:
    """Are SmolLM2's theta, its 32 pairs and their wavelengths (6.3 to 438k) as quoted?"""
    config = smollm2.config
    theta, pairs = rope_theta(config), config.head_dim // 2
    wavelengths = rope_wavelengths(config)
    window = config.max_position_embeddings
    question = "internals.rope"
    assert_quoted(question, f"θ = {theta:,.0f}")
    assert_quoted(question, f"{pairs} pairs", f"{pairs} 对")
    assert_quoted(question, f"{wavelengths[0]:.1f}")
    assert_quoted(
        question, f"about {wavelengths[-1] / 1e3:.0f}k tokens", f"约 {wavelengths[-1] / 1e3:.0f}k"
    )
    old = rope_wavelengths(config, theta=10_000.0)[-1]
    assert_quoted(question, f"about {old / 1e3:.0f}k with θ = 10,000", f"约为 {old / 1e3:.0f}k")
    slow = sum(wavelength > window for wavelength in wavelengths)
    assert_quoted(
        question,
        f"{slow} of SmolLM2's {pairs} pairs never complete a full turn in its {window:,}-token",
        f"{pairs} 对中有 {slow} 对在 {window:,} 个 token 的窗口内转不满一圈",
    )


YARN_BETA_FAST = 32  # Peng et al. 2023 (arXiv:2309.00071): pairs turning more often are kept


def test_internals_context_extension_on_smollm2(smollm2: Any) -> None:
    """Does YaRN ×4 on SmolLM2, as transformers computes it, keep, interpolate and blend the
    quoted numbers of pairs, with the quoted attention factor and NTK-aware base?"""
    import copy

    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config, factor = smollm2.config, 4
    theta, window, d = rope_theta(config), config.max_position_embeddings, config.head_dim
    stretched = copy.deepcopy(config)
    stretched.rope_parameters = {
        "rope_type": "yarn",
        "rope_theta": theta,
        "factor": float(factor),
        "original_max_position_embeddings": window,
    }
    stretched.max_position_embeddings = factor * window
    inv_freq, attention_factor = ROPE_INIT_FUNCTIONS["yarn"](stretched, "cpu")
    default = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float) / d)
    kept = int(torch.isclose(inv_freq, default).sum())
    interpolated = int(torch.isclose(inv_freq, default / factor).sum())
    blended = d // 2 - kept - interpolated
    wavelengths = rope_wavelengths(config)
    short = window // YARN_BETA_FAST
    assert kept == sum(w < short for w in wavelengths)
    assert interpolated == sum(w > window for w in wavelengths)
    question = "internals.context-extension"
    assert_quoted(
        question,
        f"θ = {theta:,.0f}, heads of {d} ({d // 2} pairs), window {window:,}",
        f"θ = {theta:,.0f}，头宽 {d}（{d // 2} 对），窗口 {window:,}",
    )
    longer = factor * window
    assert_quoted(question, f"to {longer:,} tokens", f"扩展到 {longer:,} 个 token")
    assert_quoted(
        question,
        f"**{kept} pairs** (wavelengths under {short} tokens) keep their frequency, "
        f"**{interpolated} pairs** (wavelengths over {window:,}) are divided by {factor}, "
        f"and the **{blended}** in between",
        f"**{kept} 对**（波长不到 {short} 个 token）保持原频率，"
        f"**{interpolated} 对**（波长超过 {window:,}）除以 {factor}，中间的 **{blended}** 对",
    )
    assert_quoted(
        question,
        f"multiplied by {attention_factor:.3f}, so the logits by about {attention_factor**2:.2f}",
        f"乘以 {attention_factor:.3f}，于是 logits 约乘以 {attention_factor**2:.2f}",
    )
    ntk_theta = theta * factor ** (d / (d - 2))
    assert_quoted(question, f"θ' ≈ {round(ntk_theta, -3):,.0f}")
    assert_quoted(question, f"{1 / factor:.2f} radian per token", f"只转 {1 / factor:.2f} 弧度")


def power_of_ten(value: float) -> str:
    """``value`` written as 1e-N, checked to be exactly a power of ten (in float32)."""
    import math

    exponent = round(math.log10(value))
    assert math.isclose(value, 10.0**exponent, rel_tol=1e-6), value
    return f"1e{exponent}"


def norm_layers(model: torch.nn.Module, kind: type) -> list[torch.nn.Module]:
    return [module for module in model.modules() if isinstance(module, kind)]


def test_internals_minilm_layernorms_and_smollm2_rmsnorms(minilm: Any, smollm2: Any) -> None:
    """Are MiniLM's 13 LayerNorms (gain and bias, eps 1e-12) and SmolLM2's 61 RMSNorms
    (gain only, eps 1e-5) and their parameter counts as quoted?"""
    from transformers.models.llama.modeling_llama import LlamaRMSNorm

    question = "internals.layernorm-vs-rmsnorm"
    layer_norms = norm_layers(minilm, torch.nn.LayerNorm)
    assert len(layer_norms) == 1 + 2 * minilm.config.num_hidden_layers
    each = parameters(layer_norms[0])
    width = minilm.config.hidden_size
    assert each == 2 * width and all(parameters(n) == each for n in layer_norms)
    lm_eps = power_of_ten(minilm.config.layer_norm_eps)
    assert all(power_of_ten(n.eps) == lm_eps for n in layer_norms)
    assert_quoted(
        question,
        f"**{len(layer_norms)} LayerNorms** (one on the embeddings, two in each of its "
        f"{minilm.config.num_hidden_layers} layers), each with 2 × {width} = {each:,} parameters, "
        f"{each * len(layer_norms):,} in all, eps = {lm_eps}",
        f"**{len(layer_norms)} 个 LayerNorm**（嵌入之后一个，{minilm.config.num_hidden_layers} "
        f"层中每层两个），每个 2 × {width} = {each:,} 个参数，共 {each * len(layer_norms):,} 个，"
        f"eps = {lm_eps}",
    )
    rms_norms = norm_layers(smollm2, LlamaRMSNorm)
    layers = smollm2.config.num_hidden_layers
    assert len(rms_norms) == 2 * layers + 1
    gains = parameters(rms_norms[0])
    assert gains == smollm2.config.hidden_size and all(parameters(n) == gains for n in rms_norms)
    total = gains * len(rms_norms)
    rms_eps = power_of_ten(smollm2.config.rms_norm_eps)
    share = total / parameters(smollm2)
    assert_quoted(
        question,
        f"**{len(rms_norms)} RMSNorms** (two in each of its {layers} layers and a final one), "
        f"{gains} gains each, {total:,} parameters, {share:.3%} of the model, eps = {rms_eps}",
        f"**{len(rms_norms)} 个 RMSNorm**（{layers} 层中每层两个，再加最后一个），每个 {gains} "
        f"个增益，共 {total:,} 个参数，占模型的 {share:.3%}，eps = {rms_eps}",
    )


def test_internals_minilm_post_norm_and_smollm2_pre_norm(minilm: Any, smollm2: Any) -> None:
    """Does each MiniLM layer end in a LayerNorm, does SmolLM2 keep 2 × 30 + 1 RMSNorms with a
    final one, and does its residual stream grow by the quoted power of ten before that?"""
    import math

    from transformers.models.llama.modeling_llama import LlamaRMSNorm

    question = "internals.pre-norm-vs-post-norm"
    seen: dict[str, torch.Tensor] = {}

    def keep(name: str) -> Any:
        def hook(module: Any, args: Any, output: Any) -> None:
            seen[name] = output[0] if isinstance(output, tuple) else output

        return hook

    last = minilm.encoder.layer[-1]
    handles = [
        last.register_forward_hook(keep("layer")),
        last.output.LayerNorm.register_forward_hook(keep("norm")),
    ]
    with torch.no_grad():
        minilm(input_ids=torch.tensor([[101, 7592, 2088, 102]]))
    for handle in handles:
        handle.remove()
    assert torch.equal(seen["layer"], seen["norm"])  # post-norm: the layer ends in its norm
    layer_norms = len(norm_layers(minilm, torch.nn.LayerNorm))
    minilm_layers = minilm.config.num_hidden_layers
    assert_quoted(
        question,
        f"{layer_norms} LayerNorms, one on the embeddings and in each of its "
        f"{minilm_layers} layers",
        f"{layer_norms} 个 LayerNorm，嵌入之后一个，{minilm_layers} 层中每层",
    )
    layers = smollm2.config.num_hidden_layers
    rms_norms = len(norm_layers(smollm2, LlamaRMSNorm))
    assert rms_norms == 2 * layers + 1 and isinstance(smollm2.model.norm, LlamaRMSNorm)
    assert_quoted(question, f"**2 × {layers} + 1 = {rms_norms}**")

    stream: list[torch.Tensor] = []
    handle = smollm2.model.norm.register_forward_pre_hook(lambda m, args: stream.append(args[0]))
    ids = torch.tensor([list(range(1000, 1032))])
    with torch.no_grad():
        embedded = smollm2.model.embed_tokens(ids)
        smollm2(input_ids=ids)
    handle.remove()

    def rms(x: torch.Tensor) -> float:  # per token, the first token (a sink) left out
        return float(x[0, 1:].pow(2).mean(-1).sqrt().mean())

    growth = 10 ** math.floor(math.log10(rms(stream[0]) / rms(embedded)))
    assert growth >= 10
    assert_quoted(question, f"more than {growth} times", f"超过 {growth} 倍")


def test_internals_swiglu_width_and_parameters(minilm: Any, smollm2: Any) -> None:
    """Is SmolLM2's SwiGLU 576 → 1,536 (8/3·d), with 8d² parameters per layer like a 4d GELU
    MLP, and MiniLM's GELU MLP 384 → 1,536 with biases, as quoted?"""
    from fractions import Fraction

    question = "internals.swiglu"
    mlp = smollm2.model.layers[0].mlp
    d, f = mlp.gate_proj.in_features, mlp.gate_proj.out_features
    assert (mlp.up_proj.in_features, mlp.up_proj.out_features) == (d, f)
    assert (mlp.down_proj.in_features, mlp.down_proj.out_features) == (f, d)
    assert smollm2.config.hidden_act == "silu" and not smollm2.config.mlp_bias
    assert Fraction(f, d) == Fraction(8, 3)
    per_layer = parameters(mlp)
    assert per_layer == 3 * d * f == 8 * d**2
    assert_quoted(
        question,
        f"d = {d} and f = {f:,}, a ratio of {f / d:.2f}, exactly 8/3 × {d}",
        f"d = {d}，f = {f:,}，比例为 {f / d:.2f}，恰好是 8/3 × {d}",
    )
    assert_quoted(question, f"3 × {d} × {f:,} = {per_layer:,}")
    assert_quoted(question, f"= 8 × {d}²")
    assert_quoted(question, f"({d} → {4 * d:,} → {d})", f"（{d} → {4 * d:,} → {d}）")
    layer = minilm.encoder.layer[0]
    width, hidden = minilm.config.hidden_size, layer.intermediate.dense.out_features
    assert hidden == 4 * width and minilm.config.hidden_act == "gelu"
    gelu_mlp = parameters(layer.intermediate) + parameters(layer.output.dense)
    assert_quoted(question, f"{width} → {hidden:,} (4d) → {width}", f"{width} → {hidden:,}（4d）")
    assert_quoted(question, f"{gelu_mlp:,} parameters per layer", f"每层 {gelu_mlp:,} 个参数")


def test_internals_tied_embeddings(smollm2: Any) -> None:
    """Is SmolLM2's head its embedding, 21.0% of the model, listed twice in state_dict but
    saved once, while a Llama-3-8B shape's untied head is the quoted 6.5%?"""
    from pathlib import Path

    from safetensors import safe_open

    from grader.models.registry import resolve

    question = "internals.tied-embeddings"
    embedding = smollm2.model.embed_tokens.weight
    assert smollm2.config.tie_word_embeddings and smollm2.lm_head.weight is embedding
    rows, width = embedding.shape
    total = parameters(smollm2)
    assert_quoted(
        question,
        f"{rows:,} × {width} = {embedding.numel():,} matrix, counted once, "
        f"{embedding.numel() / total:.1%} of its {total:,} parameters",
        f"{rows:,} × {width} = {embedding.numel():,} 的矩阵，只算一次，"
        f"占其 {total:,} 个参数的 {embedding.numel() / total:.1%}",
    )
    assert_quoted(question, f"{total + embedding.numel():,}")
    tensors = len(list(smollm2.parameters()))
    state = smollm2.state_dict()
    assert len(state) == tensors + 1
    assert state["lm_head.weight"].data_ptr() == state["model.embed_tokens.weight"].data_ptr()
    with safe_open(str(Path(resolve("llm")) / "model.safetensors"), "pt") as saved:
        names = list(saved.keys())
    assert len(names) == tensors and "lm_head.weight" not in names
    assert_quoted(question, f"({tensors} tensors for SmolLM2)", f"（SmolLM2 共 {tensors} 个张量）")
    assert_quoted(question, f"{len(state)} entries", f"共 {len(state)} 项")
    assert_quoted(question, f"embedding ({tensors} tensors)", f"只存嵌入（{tensors} 个张量）")
    big = llama3_8b_config()
    head = llama_parameter_parts(big)["head"]
    assert_quoted(question, f"{big.vocab_size:,} × {big.hidden_size:,}")
    assert_quoted(question, f"about {head / 1e6:.0f}M parameters", f"约 {head / 1e6:.0f}M 个参数")
    share = head / llama_parameter_parts(big)["total"]
    assert_quoted(question, f"only {share:.1%} of the model", f"只占模型的 {share:.1%}")


# --- internals part 3 numbers ---

# Facts from papers, not from our models: named here, with their source, so that every number
# an answer derives from them is computed below rather than typed in.
SMOLLM2_135M_TRAINING_TOKENS = 2e12  # Allal et al. 2025, SmolLM2 (arXiv:2502.02737)
LLAMA3_TRAINING_TOKENS = 15e12  # Grattafiori et al. 2024, The Llama 3 Herd (arXiv:2407.21783)
CHINCHILLA_TOKENS_PER_PARAMETER = 20  # Hoffmann et al. 2022 (arXiv:2203.15556)


def llama3_8b_config() -> Any:
    """A config of Llama 3 8B's shape (Grattafiori et al. 2024), for the 7B/8B-class examples."""
    from transformers import LlamaConfig

    return LlamaConfig(
        hidden_size=4096,
        intermediate_size=14336,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=8,
        vocab_size=128256,
        tie_word_embeddings=False,
        max_position_embeddings=131072,
    )


def llama_parameter_parts(config: Any) -> dict[str, int]:
    """A Llama-style decoder's parameters by part, from its config alone (no biases)."""
    d, head_dim = config.hidden_size, config.head_dim
    query, kv = config.num_attention_heads * head_dim, config.num_key_value_heads * head_dim
    heads = 1 if config.tie_word_embeddings else 2
    return {
        "embedding": config.vocab_size * d,
        "attention": d * query + 2 * d * kv + query * d,
        "mlp": 3 * d * config.intermediate_size,
        "norms": 2 * d,
        "head": 0 if config.tie_word_embeddings else config.vocab_size * d,
        "total": heads * config.vocab_size * d
        + config.num_hidden_layers * (d * query + 2 * d * kv + query * d)
        + config.num_hidden_layers * (3 * d * config.intermediate_size + 2 * d)
        + d,
    }


def attention_width(config: Any) -> int:
    """h · d_h: the width the query heads' score and weighted-sum products run over."""
    return config.num_attention_heads * config.head_dim


def test_internals_parameter_count_by_part(smollm2: Any) -> None:
    """Do the parts the answer adds up come to SmolLM2's sum of numel, 134,515,008?"""
    config = smollm2.config
    parts = llama_parameter_parts(config)
    assert parts["total"] == parameters(smollm2)
    assert smollm2.get_input_embeddings().weight.numel() == parts["embedding"]
    layer = parts["attention"] + parts["mlp"] + parts["norms"]
    assert sum(p.numel() for p in smollm2.model.layers[0].parameters()) == layer
    question = "internals.parameter-count"
    for number in (
        parts["embedding"],
        parts["attention"],
        parts["mlp"],
        parts["norms"],
        layer,
        config.num_hidden_layers * layer,
        parts["total"],
        parts["total"] + parts["embedding"],  # the head counted twice
        parts["total"] - parts["embedding"],  # non-embedding
        12 * config.hidden_size**2,
    ):
        assert_quoted(question, f"{number:,}")
    assert_quoted(
        question, f"MLP is {parts['mlp'] / layer:.0%}", f"MLP 占每层的 {parts['mlp'] / layer:.0%}"
    )
    share = parts["embedding"] / parts["total"]
    assert_quoted(question, f"embedding is {share:.0%}", f"嵌入矩阵占整个模型的 {share:.0%}")
    ratio = config.intermediate_size / config.hidden_size
    assert_quoted(question, f"f is {ratio:.2f}d", f"f 是 {ratio:.2f}d")


def test_internals_parameter_count_of_a_llama3_8b_shape() -> None:
    """Does the formula give a Llama-3-8B-shaped model's sum of numel (built on the meta device)?"""
    from transformers import LlamaForCausalLM

    config = llama3_8b_config()
    with torch.device("meta"):
        model = LlamaForCausalLM(config)
    parts = llama_parameter_parts(config)
    assert parts["total"] == parameters(model)
    question = "internals.parameter-count"
    assert_quoted(question, f"{parts['total']:,}")
    share = (parts["embedding"] + parts["head"]) / parts["total"]
    assert_quoted(question, f"only {share:.0%}", f"只占 {share:.0%}")


def test_internals_flops_per_token(smollm2: Any) -> None:
    """Are 2N, 6ND, the attention term and a full-window prefill of SmolLM2 as quoted?"""
    config = smollm2.config
    n, layers, width = parameters(smollm2), config.num_hidden_layers, attention_width(config)
    window = config.max_position_embeddings
    question = "internals.flops-per-token"
    forward = f"{2 * n / 1e6:.0f}M FLOPs"
    assert_quoted(question, f"2N = {forward}", f"2N = 每个 token {forward}")
    training = 6 * n * SMOLLM2_135M_TRAINING_TOKENS
    assert_quoted(question, f"6ND ≈ {training / 1e21:.1f} × 10²¹ FLOPs")
    assert_quoted(question, f"h·d_h = {width}")
    per_earlier_token = 4 * layers * width
    assert_quoted(question, f"{per_earlier_token:,} FLOPs")
    assert_quoted(question, f"t ≈ {2 * n / per_earlier_token:,.0f}")
    matmuls, attention = 2 * n * window, 2 * layers * window**2 * width
    assert attention > matmuls
    assert_quoted(question, f"{window:,}-token prefill", f"{window:,} 个 token 做一次预填充")
    assert_quoted(
        question, f"{matmuls / 1e12:.1f} TFLOP in the weight", f"{matmuls / 1e12:.1f} TFLOP"
    )
    assert_quoted(
        question, f"{attention / 1e12:.1f} TFLOP in attention", f"{attention / 1e12:.1f} TFLOP"
    )
    big = llama3_8b_config()
    extra = (
        2
        * big.num_hidden_layers
        * 8192
        * attention_width(big)
        / (2 * llama_parameter_parts(big)["total"])
    )
    assert_quoted(question, f"adds only {extra:.0%}", f"只增加 {extra:.0%}")


def test_internals_tokens_per_parameter(smollm2: Any) -> None:
    """Are SmolLM2's Chinchilla point and its tokens per parameter the quoted ones?"""
    n = parameters(smollm2)
    question = "internals.scaling-laws"
    optimal = CHINCHILLA_TOKENS_PER_PARAMETER * n
    assert_quoted(
        question, f"about {optimal / 1e9:.1f}B tokens", f"约为 {optimal / 1e9:.1f}B 个 token"
    )
    ratio = SMOLLM2_135M_TRAINING_TOKENS / n
    assert_quoted(
        question,
        f"{round(ratio, -2):,.0f} tokens per parameter",
        f"每个参数约 {round(ratio, -2):,.0f} 个",
    )
    times = SMOLLM2_135M_TRAINING_TOKENS / optimal
    assert_quoted(
        question,
        f"about {round(times, -1):.0f} times",
        f"约为 Chinchilla 比例的 {round(times, -1):.0f} 倍",
    )
    llama = LLAMA3_TRAINING_TOKENS / llama_parameter_parts(llama3_8b_config())["total"]
    assert_quoted(
        question,
        f"about {round(llama, -2):,.0f} per parameter",
        f"每个参数约 {round(llama, -2):,.0f} 个",
    )


def test_internals_flashattention_saved_statistics(smollm2: Any) -> None:
    """Is one log-sum-exp per row for SmolLM2's heads at 8,192 tokens the quoted 295 KB?"""
    config = smollm2.config
    heads, window = config.num_attention_heads, config.max_position_embeddings
    question = "internals.flashattention-tiling"
    assert_quoted(
        question,
        f"{heads} query heads at {window:,} tokens",
        f"{heads} 个 query 头在 {window:,} 个 token",
    )
    assert_quoted(question, f"{heads * window * FP32_BYTES / 1e3:.0f} KB")
    assert_quoted(question, f"{heads * window**2 * FP32_BYTES / 1e9:.1f} GB")


def test_internals_decode_attention_intensity(smollm2: Any) -> None:
    """Does SmolLM2's decode attention do 2,304 FLOPs per 768 bf16 bytes, the GQA group size?"""
    config = smollm2.config
    read = 2 * config.num_key_value_heads * config.head_dim * FP16_BYTES  # K and V, per layer
    flops = 4 * attention_width(config)  # QKᵀ and PV of every query head, per layer
    group = config.num_attention_heads // config.num_key_value_heads
    assert flops / read == group
    question = "internals.prefill-vs-decode"
    assert_quoted(question, f"{read} bytes per layer", f"{read} 字节")
    assert_quoted(question, f"{flops:,} FLOPs")
    assert_quoted(question, f"{group} FLOPs per byte", f"每字节 {group} FLOPs")
    weights = f"{parameters(smollm2) * FP16_BYTES / 1e6:.0f} MB"
    assert_quoted(question, f"{weights} of weights", f"{weights} 的权重")


def test_internals_kv_cache_at_scale(smollm2: Any) -> None:
    """Are the batch-64 SmolLM2 cache and the Llama-3-8B-shaped cache the quoted sizes?"""
    config = smollm2.config
    window = config.max_position_embeddings
    per_token = kv_bytes(config, config.num_key_value_heads, FP16_BYTES)
    batch = 64 * window * per_token
    weights = parameters(smollm2) * FP16_BYTES
    question = "internals.kv-cache-at-scale"
    assert_quoted(question, f"{per_token:,} bytes per token", f"每个 token {per_token:,} 字节")
    assert_quoted(question, f"{batch / 1e9:.1f} GB of cache", f"{batch / 1e9:.1f} GB 缓存")
    assert_quoted(question, f"{batch / weights:.0f} times", f"{batch / weights:.0f} 倍")
    big = llama3_8b_config()
    big_token, big_window = (
        kv_bytes(big, big.num_key_value_heads, FP16_BYTES),
        big.max_position_embeddings,
    )
    kib = big_token // 1024
    assert_quoted(question, f"{big_token:,} bytes, {kib} KiB", f"{big_token:,} 字节，即 {kib} KiB")
    sequence = f"{big_window * big_token / 2**30:.0f} GiB"
    assert_quoted(
        question,
        f"{big_window:,}-token (128k) window needs {sequence}",
        f"{big_window:,} 个 token（128k）的窗口需要 {sequence}",
    )
    big_weights = llama_parameter_parts(big)["total"] * FP16_BYTES / 1e9
    assert_quoted(
        question, f"{big_weights:.1f} GB of bf16 weights", f"{big_weights:.1f} GB 的 bf16 权重"
    )
    mha = kv_bytes(big, big.num_attention_heads, FP16_BYTES)
    mha_kib, mha_gib = mha // 1024, mha * big_window / 2**30
    assert_quoted(
        question,
        f"{mha_kib} KiB per token and {mha_gib:.0f} GiB",
        f"每个 token 为 {mha_kib} KiB，每个序列 {mha_gib:.0f} GiB",
    )


def test_internals_sliding_window_reach_and_rolling_cache(smollm2: Any) -> None:
    """Are the reach and capped cache of a 1,024 window on SmolLM2, and Mistral 7B's, as quoted?"""
    from transformers import MistralConfig

    config, window = smollm2.config, 1024
    per_token = kv_bytes(config, config.num_key_value_heads, FP16_BYTES)
    question = "internals.sliding-window-attention"
    reach = f"{config.num_hidden_layers * window:,} tokens"
    assert_quoted(question, f"reach {reach}", f"覆盖 {reach.replace('tokens', '个 token')}")
    assert_quoted(question, f"{window * per_token / 1e6:.1f} MB")
    assert_quoted(question, f"{config.max_position_embeddings * per_token / 1e6:.0f} MB")
    mistral = MistralConfig()  # its defaults are Mistral 7B v0.1's shape
    assert mistral.sliding_window == 4096
    mistral_reach = mistral.num_hidden_layers * mistral.sliding_window
    assert_quoted(
        question,
        f"about {mistral_reach / 1000:.0f}k tokens",
        f"约 {mistral_reach / 1000:.0f}k 个 token",
    )
    capped = mistral.sliding_window * kv_bytes(mistral, mistral.num_key_value_heads, FP16_BYTES)
    assert_quoted(question, f"{capped / 2**20:.0f} MiB")


def test_internals_linear_attention_state_size(smollm2: Any) -> None:
    """Is a linear-attention state of SmolLM2's shape as large as the KV cache of 96 tokens?"""
    config = smollm2.config
    state = config.num_attention_heads * config.head_dim * config.head_dim  # per layer
    cached = 2 * config.num_key_value_heads * config.head_dim  # values per token per layer
    question = "internals.linear-attention"
    assert_quoted(
        question,
        f"{config.num_attention_heads} × {config.head_dim} × {config.head_dim} = {state:,}",
    )
    assert_quoted(question, f"{state // cached} tokens", f"{state // cached} 个 token")
    assert_quoted(question, f"{cached} values per token", f"{cached} 个值")


def test_internals_state_space_state_vs_kv_cache(smollm2: Any) -> None:
    """Is a Mamba stack of SmolLM2's shape 1.4 MB of state, against its 189 MB bf16 cache?"""
    from transformers import MambaConfig

    config = smollm2.config
    per_token = kv_bytes(config, config.num_key_value_heads, FP16_BYTES)
    window = config.max_position_embeddings
    cache = window * per_token
    mamba = MambaConfig(hidden_size=config.hidden_size, num_hidden_layers=config.num_hidden_layers)
    channels = mamba.intermediate_size
    assert channels == mamba.expand * config.hidden_size
    per_layer = (mamba.state_size + mamba.conv_kernel) * channels
    state = per_layer * mamba.num_hidden_layers * FP16_BYTES
    question = "internals.state-space-models"
    assert_quoted(question, f"{per_token:,} bytes per token", f"每个 token 缓存 {per_token:,} 字节")
    assert_quoted(
        question,
        f"{window:,}-token window holds {cache / 1e6:.0f} MB",
        f"{window:,} 个 token 的窗口时，每个序列有 {cache / 1e6:.0f} MB",
    )
    product = f"({mamba.state_size} + {mamba.conv_kernel}) × {channels:,} = {per_layer:,}"
    assert_quoted(question, f"{product} values per layer", f"{product} 个值")
    assert_quoted(question, f"{state / 1e6:.1f} MB in bf16", f"{state / 1e6:.1f} MB")
    assert_quoted(
        question, f"equal at {state / per_token:.0f} tokens", f"在 {state / per_token:.0f} 个 token"
    )
    assert_quoted(question, f"about {cache / state:.0f} times", f"约为它的 {cache / state:.0f} 倍")


def test_internals_long_context_cache_against_weights(smollm2: Any) -> None:
    """Is SmolLM2's full-window bf16 cache 189 MB, 70% of its weights, 41% of a decode step?"""
    config = smollm2.config
    per_token = kv_bytes(config, config.num_key_value_heads, FP16_BYTES)
    window = config.max_position_embeddings
    cache, weights = window * per_token, parameters(smollm2) * FP16_BYTES
    assert weights < 2 * cache
    question = "internals.long-context-trade-offs"
    assert_quoted(
        question, f"caches {per_token:,} bytes per token", f"每个 token 缓存 {per_token:,} 字节"
    )
    assert_quoted(
        question,
        f"one {window:,}-token sequence holds {cache / 1e6:.0f} MB of cache",
        f"一个 {window:,} 个 token 的序列有 {cache / 1e6:.0f} MB 缓存",
    )
    assert_quoted(
        question,
        f"{cache / weights:.0%} of its {weights / 1e6:.0f} MB of bf16 weights",
        f"是它 {weights / 1e6:.0f} MB bf16 权重的 {cache / weights:.0%}",
    )
    step = cache + weights
    assert_quoted(question, f"reads {step / 1e6:.0f} MB", f"读 {step / 1e6:.0f} MB")
    assert_quoted(question, f"the cache is {cache / step:.0%}", f"缓存占 {cache / step:.0%}")
    mha = kv_bytes(config, config.num_attention_heads, FP16_BYTES) // per_token
    assert_quoted(question, f"{mha}× less cache for SmolLM2", f"比 MHA 少 {mha} 倍")


def test_internals_mixtral_total_and_active_parameters() -> None:
    """Does a Mixtral-8x7B-shaped model have 46.7B parameters, 12.9B active per token?"""
    from transformers import MixtralConfig, MixtralForCausalLM

    config = MixtralConfig()  # its defaults are Mixtral 8x7B's shape
    experts, chosen = config.num_local_experts, config.num_experts_per_tok
    with torch.device("meta"):
        model = MixtralForCausalLM(config)
    total = parameters(model)
    in_experts = sum(p.numel() for name, p in model.named_parameters() if ".experts." in name)
    per_expert = in_experts // (config.num_hidden_layers * experts)
    assert per_expert == 3 * config.hidden_size * config.intermediate_size
    active = total - config.num_hidden_layers * (experts - chosen) * per_expert
    question = "internals.mixture-of-experts"
    assert_quoted(question, f"{config.num_hidden_layers} layers", f"{config.num_hidden_layers} 层")
    assert_quoted(question, f"{experts} SwiGLU experts", f"{experts} 个 SwiGLU 专家")
    assert_quoted(question, f"= {per_expert:,} parameters each", f"= {per_expert:,} 个参数")
    assert_quoted(question, f"top {chosen} per token", f"前 {chosen} 个")
    assert_quoted(question, f"{total / 1e9:.1f}B parameters in total", f"总参数 {total / 1e9:.1f}B")
    assert_quoted(question, f"{active / 1e9:.1f}B active per token", f"激活 {active / 1e9:.1f}B")
    assert_quoted(
        question,
        f"experts hold {in_experts / total:.0%}",
        f"专家占全部参数的 {in_experts / total:.0%}",
    )
    assert_quoted(
        question,
        f"{total * FP16_BYTES / 1e9:.1f} GB in bf16",
        f"bf16 下为 {total * FP16_BYTES / 1e9:.1f} GB",
    )


def last_hidden_states(model: Any, tokenizer: Any, text: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A text's token ids and the model's last-layer hidden states for them."""
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        return ids[0], model(ids, output_hidden_states=True).hidden_states[-1][0]


def test_internals_encoder_sees_ahead_and_decoder_does_not(
    minilm: Any, minilm_tokenizer: Any, smollm2: Any, smollm2_tokenizer: Any
) -> None:
    """Does changing the last word move MiniLM's first vector but no earlier SmolLM2 state?"""
    texts = ("The cat sat on the mat", "The cat sat on the rug")
    moved = {}
    for name, model, tokenizer in (
        ("minilm", minilm, minilm_tokenizer),
        ("smollm2", smollm2, smollm2_tokenizer),
    ):
        (ids_a, states_a), (ids_b, states_b) = (
            last_hidden_states(model.eval(), tokenizer, text) for text in texts
        )
        assert ids_a.shape == ids_b.shape
        first_change = int((ids_a != ids_b).nonzero()[0])
        assert first_change > 0
        moved[name] = (states_a[:first_change] - states_b[:first_change]).abs().amax(dim=-1)
    assert moved["minilm"][0] > 1e-2
    assert torch.all(moved["smollm2"] <= 1e-5)
    assert not minilm.config.is_decoder
    question = "internals.decoder-only-vs-encoder-decoder"
    assert_quoted(question, f'"{texts[0]}" to "{texts[1].split()[-1]}"', f"“{texts[0]}”")
    for config, model in ((minilm.config, minilm), (smollm2.config, smollm2)):
        layers, width = config.num_hidden_layers, config.hidden_size
        size = f"{parameters(model) / 1e6:.1f}M parameters"
        assert_quoted(
            question,
            f"{layers} layers, {width} wide, {size}",
            f"{layers} 层、宽 {width}、{size.replace(' parameters', ' 参数')}",
        )
