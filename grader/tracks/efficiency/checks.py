"""Checks for the efficiency track: each exercise is judged by its effect on the real MiniLM.

Expected values come from torch and transformers called here (full-batch gradients,
float32 losses, torch's own pruning, the float32 model's size and accuracy), never from the
reference solutions. Hidden work is made visible through trusted resources: layer call
counters (gradient checkpointing) and a predict function that numbers its model calls
(result caching).
"""

from __future__ import annotations

import functools
import io
import math
from collections import OrderedDict
from typing import Any

import torch

from grader.engine.expect import describe, expect_keys, expect_tensor, fail
from grader.engine.resources import build
from grader.engine.spec import CheckFailure, Ref, check
from grader.engine.student import Student
from grader.engine.wire import ModuleState
from grader.tracks.bert.data import load_split

TOKENIZER = Ref.of("bert.tokenizer")
MIXED_PRECISION_TOLERANCE = 0.02  # |bfloat16 loss - float32 loss|, measured about 0.003


def sample(split: str, start: int, count: int) -> tuple[list[str], list[int]]:
    texts, labels = load_split(split)
    return texts[start : start + count], labels[start : start + count]


def trusted_loss_and_grads(
    model: torch.nn.Module, texts: list[str], labels: list[int]
) -> tuple[float, dict[str, torch.Tensor]]:
    """Mean cross-entropy over the whole batch, and every parameter's gradient, computed here."""
    batch = build(TOKENIZER)(texts, padding=True, truncation=True, return_tensors="pt")  # (B, T)
    model.zero_grad()
    loss = model(**batch, labels=torch.tensor(labels)).loss
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    return loss.item(), grads


def expect_value_error(student: Student, function: str, *args: Any, about: str) -> None:
    """``function(*args)`` must raise ValueError (a stub still fails as not implemented)."""
    try:
        got = student.call(function, *args)
    except CheckFailure as failure:
        if " raised ValueError: " in str(failure):
            return
        raise
    raise fail(got.call, describe(got.value), f"ValueError: {about}")


def expect_module(got: Any, call: str, what: str) -> ModuleState:
    if not isinstance(got, ModuleState):
        raise fail(call, describe(got), what)
    return got


def expect_grads(call: str, got: Any, want: dict[str, torch.Tensor], why: str) -> None:
    if not isinstance(got, dict):
        raise fail(call, describe(got), "a dict {parameter name: gradient tensor}")
    missing = sorted(set(want) - set(got))
    if missing:
        raise fail(call, f"gradients without {missing[:3]}", "a gradient for every parameter")
    for name, tensor in want.items():
        expect_tensor(call, got[name], tensor, f"gradient of {name}", atol=1e-6, rtol=1e-3, why=why)


# --- efficiency.five_steps -------------------------------------------------------------


STEP_LOSS_TOLERANCE = 1e-4  # per loss; float noise is about 1e-6


def trusted_adamw_losses(
    model: torch.nn.Module, texts: list[str], labels: list[int], steps: int, learning_rate: float
) -> list[float]:
    """The losses of ``steps`` full-batch steps of one AdamW optimiser, computed here."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss, _ = trusted_loss_and_grads(model, texts, labels)  # zero_grad, forward, backward
        optimizer.step()
        losses.append(loss)
    return losses


@check("efficiency.five_steps", points=2)
def loss_falls_and_every_parameter_learns(student: Student) -> None:
    """the loss starts at the true cross-entropy, falls as with one AdamW, every parameter learns
    zh: 损失从真实的交叉熵起步，像单个 AdamW 一样下降，每个参数都在学习"""
    model = Ref.of("efficiency.classifier", seed=1, dropout=False, stale_grads=True)
    texts, labels = sample("train", 0, 8)
    got = student.call("train", model, TOKENIZER, texts, labels, 4, 1e-4)
    result = expect_keys(got.call, got.value, ("losses", "model"), "the result")
    losses = result["losses"]
    if not isinstance(losses, list) or len(losses) != 4:
        raise fail(got.call, f"losses: {describe(losses)}", "a list of 4 losses, one per step")
    losses = [float(loss) for loss in losses]
    first, _ = trusted_loss_and_grads(build(model), texts, labels)
    if not all(math.isfinite(loss) for loss in losses) or abs(losses[0] - first) > 1e-4:
        raise fail(
            got.call,
            f"first loss {losses[0]:.5f}",
            f"{first:.5f}, the model's cross-entropy on the batch before any update",
            "step 3 is the mean cross-entropy of the logits against the labels",
        )
    if not losses[-1] < losses[0] - 0.01:
        raise fail(
            got.call,
            f"losses {[round(loss, 4) for loss in losses]}",
            "a loss that falls over the steps",
            "each step needs zero_grad, backward, then optimizer.step",
        )
    want = trusted_adamw_losses(build(model), texts, labels, len(losses), 1e-4)
    if max(abs(a - b) for a, b in zip(losses, want, strict=True)) > STEP_LOSS_TOLERANCE:
        raise fail(
            got.call,
            f"losses {[round(loss, 5) for loss in losses]}",
            f"{[round(loss, 5) for loss in want]}, one AdamW optimiser kept across the steps",
            "make the optimiser once, before the loop (its moments carry over between "
            "steps), and clear the gradients the model arrives with before each backward",
        )
    state = expect_module(result["model"], got.call, "the trained model under 'model'")
    before = build(model).state_dict()
    for name, _ in build(model).named_parameters():
        if name in state.state_dict and torch.equal(state.state_dict[name], before[name]):
            raise fail(
                got.call,
                f"parameter {name} unchanged after 4 steps",
                "every trainable parameter updated",
                "give the optimizer model.parameters(), all of them",
            )


# --- efficiency.grad_accumulation ------------------------------------------------------


def _expect_accumulation(student: Student, count: int, k: int, seed: int) -> None:
    # The model arrives in training mode with gradients left from earlier work in .grad.
    model = Ref.of("efficiency.classifier", seed=seed, train_mode=True, stale_grads=True)
    texts, labels = sample("train", 10 * seed, count)
    got = student.call("accumulate_gradients", model, TOKENIZER, texts, labels, k)
    _, want = trusted_loss_and_grads(build(model).eval(), texts, labels)
    expect_grads(
        got.call,
        got.value,
        want,
        f"the sum over micro-batches must equal one batch of {count}: clear the gradients the "
        "model arrives with, put it in eval mode (dropout off), and weight each micro-batch's "
        "mean loss by its share of the examples (1/k when they are equal)",
    )


@check("efficiency.grad_accumulation", points=2)
def matches_one_big_batch(student: Student) -> None:
    """4 micro-batches of 2 give the gradient of one batch of 8
    zh: 4 个大小为 2 的微批次得到与一个大小为 8 的批次相同的梯度"""
    _expect_accumulation(student, count=8, k=4, seed=2)


@check("efficiency.grad_accumulation", points=1, hidden=True)
def matches_with_unequal_micro_batches(student: Student) -> None:
    """10 examples in 3 unequal micro-batches give the gradient of one batch of 10
    zh: 10 个样本分成 3 个不等的微批次，梯度与一个大小为 10 的批次相同"""
    _expect_accumulation(student, count=10, k=3, seed=3)


@check("efficiency.grad_accumulation", points=1)
def rejects_a_bad_number_of_micro_batches(student: Student) -> None:
    """k <= 0 or k larger than the batch raises ValueError; k = 1 and k = batch size work
    zh: k <= 0 或 k 大于批大小时抛出 ValueError；k = 1 和 k = 批大小可以正常工作"""
    _expect_accumulation(student, count=3, k=1, seed=4)
    _expect_accumulation(student, count=3, k=3, seed=4)
    texts, labels = sample("train", 0, 4)
    for k in (0, -2, 5):
        expect_value_error(
            student,
            "accumulate_gradients",
            Ref.of("efficiency.classifier"),
            TOKENIZER,
            texts,
            labels,
            k,
            about=f"k={k} micro-batches is out of range",
        )


# --- efficiency.mixed_precision --------------------------------------------------------


@check("efficiency.mixed_precision", points=2)
def bfloat16_step_matches_float32(student: Student) -> None:
    """a bfloat16 autocast step on the CPU gives the float32 loss within 0.02, weights float32
    zh: CPU 上一步 bfloat16 autocast 的损失与 float32 相差不超过 0.02，权重保持 float32"""
    model = Ref.of("efficiency.classifier", seed=4, dropout=False)
    texts, labels = sample("train", 40, 8)
    got = student.call("mixed_precision_step", model, TOKENIZER, texts, labels, "bfloat16")
    result = expect_keys(got.call, got.value, ("loss", "logits_dtype", "model"), "the result")
    want, _ = trusted_loss_and_grads(build(model), texts, labels)
    loss = float(result["loss"])
    if not math.isfinite(loss) or abs(loss - want) > MIXED_PRECISION_TOLERANCE:
        raise fail(got.call, f"loss {loss:.5f}", f"{want:.5f} ± {MIXED_PRECISION_TOLERANCE}")
    if result["logits_dtype"] != "torch.bfloat16":
        raise fail(
            got.call,
            f"logits of dtype {result['logits_dtype']}",
            "torch.bfloat16 logits",
            "run the forward pass inside torch.autocast('cpu', dtype=torch.bfloat16)",
        )
    state = expect_module(result["model"], got.call, "the updated model under 'model'")
    before = build(model).state_dict()
    weight = "bert.encoder.layer.0.attention.self.query.weight"
    if state.state_dict[weight].dtype != torch.float32:
        raise fail(
            got.call,
            f"{weight} of dtype {state.state_dict[weight].dtype}",
            "float32 master weights",
            "autocast casts per operation; do not convert the model with .to(bfloat16)",
        )
    if torch.equal(state.state_dict[weight], before[weight]):
        raise fail(got.call, "weights unchanged", "one optimizer step taken")


@check("efficiency.mixed_precision", points=1)
def rejects_an_unsupported_dtype(student: Student) -> None:
    """float16 on the CPU, or a non-float dtype, raises ValueError
    zh: CPU 上的 float16 或非浮点 dtype 抛出 ValueError"""
    texts, labels = sample("train", 0, 2)
    for dtype in ("float16", "int8"):
        expect_value_error(
            student,
            "mixed_precision_step",
            Ref.of("efficiency.classifier"),
            TOKENIZER,
            texts,
            labels,
            dtype,
            about=f"{dtype} autocast is not supported on the CPU",
        )


# --- efficiency.quantize ---------------------------------------------------------------


def size_bytes(model: torch.nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


@functools.cache
def float32_reference() -> tuple[int, float]:
    """Size in bytes and test accuracy of the fine-tuned float32 classifier."""
    model = build(Ref.of("efficiency.fine_tuned"))
    texts, labels = load_split("test")
    encode = build(TOKENIZER)
    with torch.no_grad():
        predictions = torch.cat(
            [
                model(**encode(texts[i : i + 32], padding=True, return_tensors="pt")).logits.argmax(
                    dim=-1
                )
                for i in range(0, len(texts), 32)
            ]
        )  # (N,)
    return size_bytes(model), (predictions == torch.tensor(labels)).double().mean().item()


@check("efficiency.quantize", points=3, timeout_s=120)
def smaller_and_as_accurate(student: Student) -> None:
    """the int8 model is at least 2x smaller and loses at most 2 points of test accuracy
    zh: int8 模型至少小一半，测试准确率最多下降 2 个百分点"""
    texts, labels = load_split("test")
    # The model refuses a forward pass while every Linear in it is still float32: the
    # predictions must come from the quantized copy, not the model handed in.
    model = Ref.of("efficiency.fine_tuned", refuse_float_forward=True)
    got = student.call("quantize_and_evaluate", model, TOKENIZER, texts)
    result = expect_keys(got.call, got.value, ("size_bytes", "predictions"), "the report")
    fp32_bytes, fp32_accuracy = float32_reference()
    size = result["size_bytes"]
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise fail(got.call, f"size_bytes {describe(size)}", "a positive int")
    if size * 2 > fp32_bytes:
        raise fail(
            got.call,
            f"{size / 1e6:.1f} MB ({fp32_bytes / size:.2f}x smaller)",
            f"at most {fp32_bytes / 2e6:.1f} MB, half of the float32 {fp32_bytes / 1e6:.1f} MB",
            "measure the quantized model, and quantize the 30522 x 384 word embeddings too "
            "(weight-only): they are a third of the model",
        )
    predictions = result["predictions"]
    if not isinstance(predictions, torch.Tensor) or tuple(predictions.shape) != (len(texts),):
        raise fail(got.call, f"predictions {describe(predictions)}", f"shape ({len(texts)},)")
    accuracy = (predictions == torch.tensor(labels)).double().mean().item()
    if accuracy < fp32_accuracy - 0.02 - 1e-9:
        raise fail(
            got.call,
            f"test accuracy {accuracy:.3f}",
            f"at least {fp32_accuracy - 0.02:.3f} (float32: {fp32_accuracy:.3f})",
            "per-channel int8 weights keep accuracy better than one scale per tensor",
        )


# --- efficiency.prune ------------------------------------------------------------------


def trusted_pruned(model: Ref, sparsity: float) -> dict[str, torch.Tensor]:
    """Each nn.Linear weight pruned by torch's own L1 magnitude pruning, made permanent."""
    from torch.nn.utils import prune

    module = build(model)
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear):
            prune.l1_unstructured(layer, "weight", amount=sparsity)
            prune.remove(layer, "weight")
    return {
        name + ".weight": layer.weight.detach()
        for name, layer in module.named_modules()
        if isinstance(layer, torch.nn.Linear)
    }


def expect_pruned(
    call: str, got: Any, want: torch.Tensor, original: torch.Tensor, name: str
) -> None:
    """``got`` must be ``original`` with as many of its smallest-magnitude weights zeroed as
    torch's own pruning zeroes (``want``). Weights tied at the cut-off magnitude may be
    chosen either way: which of two equal magnitudes goes is not part of the spec."""
    why = "prune each Linear separately by L1 magnitude (prune.l1_unstructured)"
    got = expect_tensor(call, got, want, name, atol=float("inf"), why=why)  # type and shape
    count = int((want == 0).sum())
    if int((got == 0).sum()) != count:
        raise fail(call, f"{name} with {int((got == 0).sum())} zeros", f"{count} zeros", why)
    kept = got != 0
    expect_tensor(call, got[kept], original[kept], f"kept weights of {name}", why=why)
    if count:
        cut = original.abs().flatten().kthvalue(count).values
        if bool((original[~kept].abs() > cut).any()) or bool((original[kept].abs() < cut).any()):
            raise fail(call, f"{name} zeroes weights larger than kept ones", "the smallest", why)


@check("efficiency.prune", points=2)
def prunes_the_smallest_weights_permanently(student: Student) -> None:
    """permanent=True zeroes the 30 % smallest weights of every Linear, with no masks left
    zh: permanent=True 把每个 Linear 中最小的 30 % 权重置零，且不留掩码"""
    model = Ref.of("efficiency.classifier", seed=5)
    got = student.call("prune_linear_layers", model, 0.3, True)
    state = expect_module(got.value, got.call, "the pruned model")
    leftovers = [k for k in state.state_dict if k.endswith(("_orig", "_mask"))]
    if leftovers:
        raise fail(
            got.call,
            f"a state_dict with {leftovers[:2]}",
            "plain weights with the zeros baked in",
            "call prune.remove(module, 'weight') to make the pruning permanent",
        )
    pruned = trusted_pruned(model, 0.3)
    original = build(model).state_dict()
    for name, want in pruned.items():
        expect_pruned(got.call, state.state_dict.get(name), want, original[name], name)
    for name, want in original.items():
        if name not in pruned:  # biases, embeddings, LayerNorm: outside the spec
            expect_tensor(
                got.call,
                state.state_dict.get(name),
                want,
                name,
                why="prune only the weight of each nn.Linear: biases, embeddings and "
                "LayerNorm stay as they are",
            )


@check("efficiency.prune", points=1)
def keeps_masks_when_not_permanent(student: Student) -> None:
    """permanent=False keeps weight_orig and a weight_mask with 50 % zeros
    zh: permanent=False 保留 weight_orig 和含 50 % 零的 weight_mask"""
    model = Ref.of("efficiency.classifier", seed=6)
    got = student.call("prune_linear_layers", model, 0.5, False)
    state = expect_module(got.value, got.call, "the pruned model")
    name = "bert.encoder.layer.0.attention.self.query.weight"
    mask = state.state_dict.get(name.replace("weight", "weight_mask"))
    if mask is None or name.replace("weight", "weight_orig") not in state.state_dict:
        raise fail(got.call, "no weight_orig / weight_mask", "the pruning reparametrization kept")
    zeros = (mask == 0).double().mean().item()
    if abs(zeros - 0.5) > 1e-3:
        raise fail(got.call, f"mask sparsity {zeros:.3f}", "0.500")


@check("efficiency.prune", points=1)
def rejects_sparsity_out_of_range(student: Student) -> None:
    """a sparsity outside [0, 1) raises ValueError; 0 is allowed and changes nothing
    zh: 稀疏度不在 [0, 1) 内时抛出 ValueError；0 是允许的，且什么都不改变"""
    model = Ref.of("efficiency.classifier", seed=5)
    got = student.call("prune_linear_layers", model, 0.0, True)
    state = expect_module(got.value, got.call, "the model, unpruned")
    for name, want in build(model).state_dict().items():
        expect_tensor(got.call, state.state_dict.get(name), want, name, why="0 % prunes nothing")
    for sparsity in (1.0, -0.1, 1.5):
        expect_value_error(
            student,
            "prune_linear_layers",
            Ref.of("efficiency.classifier"),
            sparsity,
            True,
            about=f"sparsity {sparsity} is outside [0, 1)",
        )


# --- efficiency.result_cache -----------------------------------------------------------

REQUESTS = [
    "Great value, works as described.",
    "Terrible support, never again.",
    "Great value, works as described.",
    "It arrived on time.",
    "Great value, works as described.",
    "Terrible support, never again.",
    "Would not recommend it to anyone.",
]


def expected_answers(seed: int, requests: list[str], max_entries: int) -> list[dict[str, int]]:
    """What an LRU cache of ``max_entries`` over the counting predictor must return."""
    predict = build(Ref.of("efficiency.counting_predictor", seed=seed))
    labels = {text: predict(text)["label"] for text in dict.fromkeys(requests)}
    cache: OrderedDict[str, dict[str, int]] = OrderedDict()
    calls, answers = 0, []
    for text in requests:
        if text in cache:
            cache.move_to_end(text)  # most recently used
        else:
            calls += 1
            cache[text] = {"label": labels[text], "model_call": calls}
            if len(cache) > max_entries:
                cache.popitem(last=False)  # evict the least recently used
        answers.append(cache[text])
    return answers


def _expect_cache(student: Student, seed: int, requests: list[str], max_entries: int) -> None:
    predictor = Ref.of("efficiency.counting_predictor", seed=seed)
    got = student.call("serve_with_cache", predictor, requests, max_entries)
    want = expected_answers(seed, requests, max_entries)
    if not isinstance(got.value, list) or len(got.value) != len(want):
        raise fail(got.call, describe(got.value), f"a list of {len(want)} answers from predict")
    calls = [answer.get("model_call") if isinstance(answer, dict) else None for answer in got.value]
    if got.value != want:
        raise fail(
            got.call,
            f"answers made by model calls {calls}",
            f"model calls {[answer['model_call'] for answer in want]}",
            f"a repeated text must reuse its cached answer (no model call); keep at most "
            f"{max_entries} entries, evicting the least recently used",
        )


@check("efficiency.result_cache", points=2)
def repeats_do_no_model_work(student: Student) -> None:
    """a repeated request is answered from the cache, without calling the model
    zh: 重复的请求由缓存回答，不调用模型"""
    _expect_cache(student, seed=7, requests=REQUESTS, max_entries=10)


# On these, least recently used differs from least frequently used (A is used most but
# longest ago when C arrives) and from first in, first out (A is oldest but just used).
LRU_NOT_LFU = ["A good one.", "A good one.", "A good one.", "Bad.", "Fine.", "Bad.", "A good one."]
LRU_NOT_FIFO = ["Alpha.", "Beta.", "Alpha.", "Gamma.", "Alpha.", "Beta.", "Gamma."]


@check("efficiency.result_cache", points=1)
def evicts_the_least_recently_used(student: Student) -> None:
    """with room for 2 entries, the least recently used one is evicted (not the rarest or oldest)
    zh: 缓存只能容纳 2 项时，淘汰最近最少使用的一项（而不是最少使用或最早的）"""
    _expect_cache(student, seed=7, requests=REQUESTS, max_entries=2)
    _expect_cache(student, seed=7, requests=LRU_NOT_LFU, max_entries=2)
    _expect_cache(student, seed=7, requests=LRU_NOT_FIFO, max_entries=2)
    _expect_cache(student, seed=7, requests=LRU_NOT_FIFO, max_entries=1)  # smallest valid


@check("efficiency.result_cache", points=1)
def rejects_an_empty_cache(student: Student) -> None:
    """max_entries <= 0 raises ValueError
    zh: max_entries <= 0 时抛出 ValueError"""
    predictor = Ref.of("efficiency.counting_predictor")
    expect_value_error(
        student, "serve_with_cache", predictor, REQUESTS, 0, about="max_entries must be >= 1"
    )


# --- efficiency.checkpointing ----------------------------------------------------------


@check("efficiency.checkpointing", points=2)
def same_gradients_with_recomputation(student: Student) -> None:
    """same loss and gradients as without checkpointing, and every layer is recomputed
    zh: 损失和梯度与不用梯度检查点时相同，且每一层都被重新计算"""
    model = Ref.of(
        "efficiency.classifier", seed=8, dropout=False, count_layers=True, stale_grads=True
    )
    texts, labels = sample("train", 80, 6)
    got = student.call("checkpointed_gradients", model, TOKENIZER, texts, labels)
    result = expect_keys(got.call, got.value, ("loss", "grads", "model"), "the result")
    want_loss, want_grads = trusted_loss_and_grads(build(model).train(), texts, labels)
    if abs(float(result["loss"]) - want_loss) > 1e-5:
        raise fail(got.call, f"loss {float(result['loss']):.6f}", f"{want_loss:.6f}")
    expect_grads(got.call, result["grads"], want_grads, "recomputation must not change gradients")
    state = expect_module(result["model"], got.call, "the model under 'model'")
    runs = [int(value) for key, value in state.state_dict.items() if key.endswith(".forward_calls")]
    if runs != [2] * 6:
        raise fail(
            got.call,
            f"encoder layers ran {runs} times",
            "2 times each: the forward pass, then the recomputation during backward",
            "enable it with model.activation_checkpointing_enable() and keep the model in train "
            "mode: transformers only checkpoints while training",
        )
