"""Plausible wrong solutions for the efficiency track: each must fail at least one check.

Every function is a mistake learners really make; its docstring names the mistake.
"""

from __future__ import annotations

import io
import warnings

import torch
from torch.nn.utils import prune


def train_only_the_head(model, tokenizer, texts, labels, steps, learning_rate):
    """Gives the optimiser only the classifier head: the encoder never learns."""
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=learning_rate)
    model.train()
    losses = []
    for _ in range(steps):
        batch = tokenizer(texts, padding=True, return_tensors="pt")
        loss = model(**batch, labels=torch.tensor(labels)).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "model": model}


def train_without_backward(model, tokenizer, texts, labels, steps, learning_rate):
    """Forgets loss.backward(): the optimiser steps with no gradients."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        batch = tokenizer(texts, padding=True, return_tensors="pt")
        loss = model(**batch, labels=torch.tensor(labels)).loss
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "model": model}


def accumulate_without_dividing(model, tokenizer, texts, labels, k):
    """Sums the micro-batch losses without dividing by k: k times the gradient."""
    if not 1 <= k <= len(texts):
        raise ValueError("k out of range")
    model.eval()
    model.zero_grad()
    size = -(-len(texts) // k)
    for start in range(0, len(texts), size):
        batch = tokenizer(texts[start : start + size], padding=True, return_tensors="pt")
        model(**batch, labels=torch.tensor(labels[start : start + size])).loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def accumulate_always_dividing_by_k(model, tokenizer, texts, labels, k):
    """Divides by k even when micro-batches differ in size (and leaves the last one short)."""
    if not 1 <= k <= len(texts):
        raise ValueError("k out of range")
    model.eval()
    model.zero_grad()
    size = -(-len(texts) // k)
    for start in range(0, len(texts), size):
        batch = tokenizer(texts[start : start + size], padding=True, return_tensors="pt")
        loss = model(**batch, labels=torch.tensor(labels[start : start + size])).loss
        (loss / k).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def accumulate_without_checking_k(model, tokenizer, texts, labels, k):
    """No range check: k = 0 divides by zero instead of a clear ValueError."""
    model.eval()
    model.zero_grad()
    size = len(texts) // k
    for start in range(0, len(texts), size):
        batch = tokenizer(texts[start : start + size], padding=True, return_tensors="pt")
        (model(**batch, labels=torch.tensor(labels[start : start + size])).loss / k).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def mixed_precision_by_casting_the_model(
    model, tokenizer, texts, labels, dtype="bfloat16", learning_rate=1e-4
):
    """Casts the whole model to bfloat16 instead of autocasting: no float32 master weights."""
    if dtype != "bfloat16":
        raise ValueError(f"{dtype} unsupported")
    model.to(torch.bfloat16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    logits = model(**batch).logits
    loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(labels))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss.item(), "logits_dtype": str(logits.dtype), "model": model}


def mixed_precision_accepting_float16_on_cpu(
    model, tokenizer, texts, labels, dtype="bfloat16", learning_rate=1e-4
):
    """Accepts any dtype on any device instead of refusing unsupported ones."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(**batch).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(labels))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss.item(), "logits_dtype": str(logits.dtype), "model": model}


def _size(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def _quantize(model, spec):
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model.eval(), spec, inplace=False)


def _predict(model, tokenizer, texts):
    with torch.no_grad():
        return model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.argmax(dim=-1)


def quantize_then_measure_the_original(model, tokenizer, texts):
    """Quantizes a copy but reports the size of the float32 original."""
    from torch.ao.quantization import per_channel_dynamic_qconfig

    quantized = _quantize(model, {torch.nn.Linear: per_channel_dynamic_qconfig})
    return {"size_bytes": _size(model), "predictions": _predict(quantized, tokenizer, texts)}


def quantize_only_linear_layers(model, tokenizer, texts):
    """Quantizes only nn.Linear: the word-embedding table keeps it 1.55x, not 2x, smaller."""
    from torch.ao.quantization import per_channel_dynamic_qconfig

    quantized = _quantize(model, {torch.nn.Linear: per_channel_dynamic_qconfig})
    return {"size_bytes": _size(quantized), "predictions": _predict(quantized, tokenizer, texts)}


def prune_without_making_it_permanent(model, sparsity, permanent=True):
    """Ignores permanent=True: weight_orig and weight_mask stay in the state_dict."""
    if not 0 <= sparsity < 1:
        raise ValueError("sparsity out of range")
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            prune.l1_unstructured(module, "weight", amount=sparsity)
    return model


def prune_at_random(model, sparsity, permanent=True):
    """Prunes random weights instead of the smallest ones."""
    if not 0 <= sparsity < 1:
        raise ValueError("sparsity out of range")
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            prune.random_unstructured(module, "weight", amount=sparsity)
            if permanent:
                prune.remove(module, "weight")
    return model


def prune_with_any_sparsity(model, sparsity, permanent=True):
    """No range check: sparsity 1.0 silently zeroes every weight."""
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            prune.l1_unstructured(module, "weight", amount=min(max(sparsity, 0.0), 1.0))
            if permanent:
                prune.remove(module, "weight")
    return model


def serve_without_cache(predict, requests, max_entries):
    """Calls the model for every request, repeated or not."""
    if max_entries <= 0:
        raise ValueError("max_entries must be >= 1")
    return [predict(text) for text in requests]


def serve_with_unbounded_cache(predict, requests, max_entries):
    """Never evicts: the cache grows without limit."""
    if max_entries <= 0:
        raise ValueError("max_entries must be >= 1")
    cache = {}
    for text in requests:
        if text not in cache:
            cache[text] = predict(text)
    return [cache[text] for text in requests]


def serve_with_fifo_eviction(predict, requests, max_entries):
    """Evicts the oldest entry, not the least recently used."""
    if max_entries <= 0:
        raise ValueError("max_entries must be >= 1")
    cache, answers = {}, []
    for text in requests:
        if text not in cache:
            cache[text] = predict(text)
            if len(cache) > max_entries:
                del cache[next(iter(cache))]
        answers.append(cache[text])
    return answers


def checkpointing_never_enabled(model, tokenizer, texts, labels):
    """Forgets to enable checkpointing: right gradients, no memory saved."""
    model.train()
    model.zero_grad()
    loss = model(**tokenizer(texts, padding=True, return_tensors="pt"), labels=torch.tensor(labels))
    loss.loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    return {"loss": loss.loss.item(), "grads": grads, "model": model}


def checkpointing_in_eval_mode(model, tokenizer, texts, labels):
    """Enables checkpointing but runs in eval mode, where transformers skips it."""
    model.activation_checkpointing_enable()
    model.eval()
    model.zero_grad()
    loss = model(**tokenizer(texts, padding=True, return_tensors="pt"), labels=torch.tensor(labels))
    loss.loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    return {"loss": loss.loss.item(), "grads": grads, "model": model}


def train_with_a_new_optimiser_every_step(model, tokenizer, texts, labels, steps, learning_rate):
    """Makes a fresh AdamW inside the loop: its moments restart at zero every step."""
    model.train()
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    losses = []
    for _ in range(steps):
        optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
        loss = model(**batch, labels=torch.tensor(labels)).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "model": model}


def train_clearing_gradients_after_the_step(model, tokenizer, texts, labels, steps, learning_rate):
    """Clears the gradients after each step instead of before: the first step adds in
    whatever .grad held when the model arrived."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    losses = []
    for _ in range(steps):
        loss = model(**batch, labels=torch.tensor(labels)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return {"losses": losses, "model": model}


def accumulate_onto_stale_gradients(model, tokenizer, texts, labels, k):
    """Starts accumulating without clearing .grad: leftovers from earlier work are added in."""
    if not 1 <= k <= len(texts):
        raise ValueError("k out of range")
    model.eval()
    size = -(-len(texts) // k)
    for start in range(0, len(texts), size):
        chunk = slice(start, start + size)
        batch = tokenizer(texts[chunk], padding=True, return_tensors="pt")
        loss = model(**batch, labels=torch.tensor(labels[chunk])).loss
        (loss * len(texts[chunk]) / len(texts)).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def accumulate_in_training_mode(model, tokenizer, texts, labels, k):
    """Uses the model as it arrives (training mode): dropout changes every micro-batch."""
    if not 1 <= k <= len(texts):
        raise ValueError("k out of range")
    model.zero_grad()
    size = -(-len(texts) // k)
    for start in range(0, len(texts), size):
        chunk = slice(start, start + size)
        batch = tokenizer(texts[chunk], padding=True, return_tensors="pt")
        loss = model(**batch, labels=torch.tensor(labels[chunk])).loss
        (loss * len(texts[chunk]) / len(texts)).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def quantize_a_copy_but_predict_with_the_original(model, tokenizer, texts):
    """Measures the quantized copy but predicts with the float32 model it was made from."""
    from torch.ao.quantization import float_qparams_weight_only_qconfig, per_channel_dynamic_qconfig

    quantized = _quantize(
        model,
        {
            torch.nn.Linear: per_channel_dynamic_qconfig,
            torch.nn.Embedding: float_qparams_weight_only_qconfig,
        },
    )
    predictions = torch.cat(
        [_predict(model, tokenizer, texts[i : i + 32]) for i in range(0, len(texts), 32)]
    )
    return {"size_bytes": _size(quantized), "predictions": predictions}


def prune_every_weight_tensor(model, sparsity, permanent=True):
    """Prunes every parameter called weight: embeddings and LayerNorm too, not only Linear."""
    if not 0 <= sparsity < 1:
        raise ValueError("sparsity must be in [0, 1)")
    for module in model.modules():
        if isinstance(getattr(module, "weight", None), torch.nn.Parameter):
            prune.l1_unstructured(module, "weight", amount=sparsity)
            if permanent:
                prune.remove(module, "weight")
    return model


def prune_biases_too(model, sparsity, permanent=True):
    """Prunes each Linear's bias as well as its weight."""
    if not 0 <= sparsity < 1:
        raise ValueError("sparsity must be in [0, 1)")
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            for name in ("weight", "bias"):
                prune.l1_unstructured(module, name, amount=sparsity)
                if permanent:
                    prune.remove(module, name)
    return model


def serve_with_lfu_eviction(predict, requests, max_entries):
    """Evicts the least frequently used entry instead of the least recently used."""
    if max_entries <= 0:
        raise ValueError("max_entries must be >= 1")
    cache, uses, answers = {}, {}, []
    for text in requests:
        if text not in cache:
            if len(cache) >= max_entries:
                coldest = min(cache, key=lambda key: uses[key])
                del cache[coldest], uses[coldest]
            cache[text] = predict(text)
            uses[text] = 0
        uses[text] += 1
        answers.append(cache[text])
    return answers


def checkpointing_onto_stale_gradients(model, tokenizer, texts, labels):
    """Checkpoints correctly but never clears .grad: the gradients it arrived with are added in."""
    model.activation_checkpointing_enable()
    model.train()
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    loss = model(**batch, labels=torch.tensor(labels)).loss
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    return {"loss": loss.item(), "grads": grads, "model": model}


WRONG_SOLUTIONS = [
    ("efficiency.five_steps", "train", train_only_the_head),
    ("efficiency.five_steps", "train", train_without_backward),
    ("efficiency.five_steps", "train", train_with_a_new_optimiser_every_step),
    ("efficiency.five_steps", "train", train_clearing_gradients_after_the_step),
    ("efficiency.grad_accumulation", "accumulate_gradients", accumulate_without_dividing),
    ("efficiency.grad_accumulation", "accumulate_gradients", accumulate_always_dividing_by_k),
    ("efficiency.grad_accumulation", "accumulate_gradients", accumulate_without_checking_k),
    ("efficiency.mixed_precision", "mixed_precision_step", mixed_precision_by_casting_the_model),
    (
        "efficiency.mixed_precision",
        "mixed_precision_step",
        mixed_precision_accepting_float16_on_cpu,
    ),
    ("efficiency.quantize", "quantize_and_evaluate", quantize_then_measure_the_original),
    ("efficiency.quantize", "quantize_and_evaluate", quantize_only_linear_layers),
    ("efficiency.prune", "prune_linear_layers", prune_without_making_it_permanent),
    ("efficiency.prune", "prune_linear_layers", prune_at_random),
    ("efficiency.prune", "prune_linear_layers", prune_with_any_sparsity),
    ("efficiency.result_cache", "serve_with_cache", serve_without_cache),
    ("efficiency.result_cache", "serve_with_cache", serve_with_unbounded_cache),
    ("efficiency.result_cache", "serve_with_cache", serve_with_fifo_eviction),
    ("efficiency.result_cache", "serve_with_cache", serve_with_lfu_eviction),
    ("efficiency.grad_accumulation", "accumulate_gradients", accumulate_onto_stale_gradients),
    ("efficiency.grad_accumulation", "accumulate_gradients", accumulate_in_training_mode),
    (
        "efficiency.quantize",
        "quantize_and_evaluate",
        quantize_a_copy_but_predict_with_the_original,
    ),
    ("efficiency.prune", "prune_linear_layers", prune_every_weight_tensor),
    ("efficiency.prune", "prune_linear_layers", prune_biases_too),
    ("efficiency.checkpointing", "checkpointed_gradients", checkpointing_never_enabled),
    ("efficiency.checkpointing", "checkpointed_gradients", checkpointing_in_eval_mode),
    ("efficiency.checkpointing", "checkpointed_gradients", checkpointing_onto_stale_gradients),
]
