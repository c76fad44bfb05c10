"""Correct solutions for the efficiency track written differently from the reference: each
must get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch


def training_step_with_set_to_none(model, optimizer, tokenizer, texts, labels):
    """The five steps with the model's own loss (labels=) and zero_grad(set_to_none=True)."""
    inputs = tokenizer(texts, padding="longest", truncation=True, return_tensors="pt")
    output = model(**inputs, labels=torch.as_tensor(labels))
    optimizer.zero_grad(set_to_none=True)
    output.loss.backward()
    optimizer.step()
    return output.loss.item()


def train_with_a_while_loop(model, tokenizer, texts, labels, steps, learning_rate):
    """A while loop over the steps, calling the alternative step."""
    model.train(True)
    optimizer = torch.optim.AdamW(params=list(model.parameters()), lr=learning_rate)
    losses = []
    while len(losses) < steps:
        losses.append(training_step_with_set_to_none(model, optimizer, tokenizer, texts, labels))
    return {"losses": losses, "model": model}


def accumulate_with_autograd_grad(model, tokenizer, texts, labels, k):
    """Sums torch.autograd.grad results by hand (never touches .grad), micro-batches made
    with numpy.array_split."""
    import numpy as np

    if k < 1 or k > len(texts):
        raise ValueError(f"need 1 <= k <= {len(texts)}")
    model.eval()
    names, parameters = zip(*model.named_parameters(), strict=True)
    total = [torch.zeros_like(p) for p in parameters]
    for chunk in np.array_split(np.arange(len(texts)), k):
        batch = tokenizer([texts[i] for i in chunk], padding=True, return_tensors="pt")
        logits = model(**batch).logits
        targets = torch.tensor([labels[i] for i in chunk])
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum") / len(texts)
        for running, grad in zip(total, torch.autograd.grad(loss, parameters), strict=True):
            running += grad
    return dict(zip(names, total, strict=True))


def prune_with_a_threshold(model, sparsity, permanent=True):
    """Zeroes weights below each layer's k-th smallest magnitude through torch's custom
    mask pruning (prune.custom_from_mask), not l1_unstructured."""
    from torch.nn.utils import prune

    if sparsity < 0 or sparsity >= 1:
        raise ValueError("sparsity must be in [0, 1)")
    for module in model.modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        magnitude = module.weight.detach().abs().flatten()
        count = round(sparsity * magnitude.numel())
        mask = torch.ones_like(magnitude)
        mask[magnitude.argsort()[:count]] = 0
        prune.custom_from_mask(module, "weight", mask.view_as(module.weight))
        if permanent:
            prune.remove(module, "weight")
    return model


def serve_with_a_plain_dict(predict, requests, max_entries):
    """LRU with a plain dict (insertion-ordered): a hit is popped and re-inserted."""
    if max_entries < 1:
        raise ValueError("max_entries must be positive")
    cache = {}
    answers = []
    for text in requests:
        answer = cache.pop(text) if text in cache else predict(text)
        cache[text] = answer  # now the newest entry
        while len(cache) > max_entries:
            cache.pop(next(iter(cache)))  # the oldest use
        answers.append(answer)
    return answers


def checkpointed_with_autograd_grad(model, tokenizer, texts, labels):
    """Checkpointing on, gradients from torch.autograd.grad (never .grad), loss by hand."""
    model.activation_checkpointing_enable()
    model.train()
    inputs = tokenizer(texts, padding="longest", return_tensors="pt")
    loss = torch.nn.functional.cross_entropy(model(**inputs).logits, torch.tensor(labels))
    names, parameters = zip(*model.named_parameters(), strict=True)
    grads = torch.autograd.grad(loss, parameters)
    return {"loss": loss.item(), "grads": dict(zip(names, grads, strict=True)), "model": model}


def mixed_precision_with_the_models_own_loss(
    model, tokenizer, texts, labels, dtype="bfloat16", learning_rate=1e-4
):
    """The model's own loss (labels=) under autocast, no GradScaler on the CPU at all, and
    plain SGD: any optimizer step is a step."""
    device_type = next(model.parameters()).device.type
    allowed = {"bfloat16"} | ({"float16"} if device_type == "cuda" else set())
    if dtype not in allowed:
        raise ValueError(f"cannot autocast to {dtype} on {device_type}")
    inputs = tokenizer(texts, padding="longest", return_tensors="pt")
    with torch.autocast(device_type=device_type, dtype=getattr(torch, dtype)):
        output = model(**inputs, labels=torch.as_tensor(labels))
    model.zero_grad(set_to_none=True)
    output.loss.backward()
    torch.optim.SGD(model.parameters(), lr=learning_rate).step()
    return {"loss": output.loss.item(), "logits_dtype": str(output.logits.dtype), "model": model}


def quantize_a_deep_copy_in_place(model):
    """quantize_dynamic on a deep copy, in place, with the qconfigs named per module type."""
    import copy
    import warnings

    from torch.ao.quantization import quantize_dynamic
    from torch.ao.quantization.qconfig import (
        float_qparams_weight_only_qconfig,
        per_channel_dynamic_qconfig,
    )

    copied = copy.deepcopy(model).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(
            copied,
            {
                torch.nn.Embedding: float_qparams_weight_only_qconfig,
                torch.nn.Linear: per_channel_dynamic_qconfig,
            },
            inplace=True,
        )
    return copied


def quantize_and_evaluate_text_by_text(model, tokenizer, texts):
    """Predicts one text at a time, and measures the size from a file on disk."""
    import os
    import tempfile

    quantized = quantize_a_deep_copy_in_place(model)
    with torch.inference_mode():
        predictions = [
            int(quantized(**tokenizer(text, return_tensors="pt")).logits[0].argmax())
            for text in texts
        ]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "int8.pt")
        torch.save(quantized.state_dict(), path)
        size = os.path.getsize(path)
    return {"size_bytes": size, "predictions": torch.tensor(predictions)}


ALTERNATIVE_SOLUTIONS = [
    (
        "efficiency.five_steps",
        {"training_step": training_step_with_set_to_none, "train": train_with_a_while_loop},
    ),
    ("efficiency.grad_accumulation", {"accumulate_gradients": accumulate_with_autograd_grad}),
    (
        "efficiency.mixed_precision",
        {"mixed_precision_step": mixed_precision_with_the_models_own_loss},
    ),
    (
        "efficiency.quantize",
        {
            "quantize_int8": quantize_a_deep_copy_in_place,
            "quantize_and_evaluate": quantize_and_evaluate_text_by_text,
        },
    ),
    ("efficiency.prune", {"prune_linear_layers": prune_with_a_threshold}),
    ("efficiency.result_cache", {"serve_with_cache": serve_with_a_plain_dict}),
    ("efficiency.checkpointing", {"checkpointed_gradients": checkpointed_with_autograd_grad}),
]
