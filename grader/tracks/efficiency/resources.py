"""Trusted objects the efficiency checks hand to learner code, built identically on both sides.

Besides seeded classifiers, two resources make hidden work visible as plain data:

- ``count_layers=True`` gives every encoder layer's attention block a ``forward_calls``
  buffer that a forward hook increments, so a returned model's ``state_dict`` says how often
  each layer ran (gradient checkpointing runs each layer twice: once forward, once recomputed
  in backward). The hook sits on the attention block because the recomputation calls the
  layer's ``forward`` directly, which skips hooks on the layer itself.
- ``efficiency.counting_predictor`` is a predict function that stamps each answer with the
  number of the model call that produced it, so a result cache can be checked from outside.

The fine-tuned classifier is trained once (about 35 s on two cores) and saved under the
mlkata cache; every later process, sandbox included, loads it from disk in about a second.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from grader.engine.resources import resource
from grader.paths import cache_dir
from grader.tracks.bert.resources import classifier as bert_classifier
from grader.tracks.bert.resources import quiet_transformers, tokenizer

FINE_TUNED_NAME = "efficiency-minilm-sentiment-v2"  # bump when the recipe below changes


def _count_forward(module: Any, args: Any, output: Any) -> None:
    """Forward hook: add one to the layer's own counter (module-level, so deepcopy keeps it)."""
    module.forward_calls += 1


def count_layer_calls(model: Any) -> Any:
    """Give each BertLayer's attention a ``forward_calls`` buffer (int64 scalar) and a hook."""
    import torch
    from transformers.models.bert.modeling_bert import BertLayer

    for module in model.modules():
        if isinstance(module, BertLayer):
            module.attention.register_buffer("forward_calls", torch.zeros((), dtype=torch.long))
            module.attention.register_forward_hook(_count_forward)
    return model


def _refuse_float_forward(module: Any, args: Any) -> None:
    """Forward pre-hook: refuse to run while every nn.Linear is still a float32 nn.Linear
    (so predictions claimed for a quantized model cannot come from the float one)."""
    import torch

    linears = [m for m in module.modules() if type(m) is torch.nn.Linear]
    if linears and all(m.weight.dtype == torch.float32 for m in linears):
        raise RuntimeError(
            "this forward pass ran on the float32 model (every nn.Linear still float32): "
            "predict with the quantized copy"
        )


def with_stale_grads(model: Any) -> Any:
    """Fill every parameter's .grad with leftovers, as after earlier training."""
    import torch

    generator = torch.Generator().manual_seed(1234)
    for parameter in model.parameters():
        parameter.grad = torch.randn(parameter.shape, generator=generator)  # larger than real ones
    return model


def without_dropout(model: Any) -> Any:
    """Set every dropout probability to 0, so train mode is deterministic."""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    return model


@resource("efficiency.classifier", fresh=True)
def classifier(
    seed: int = 0,
    train_mode: bool = False,
    head_std: float = 0.02,
    dropout: bool = True,
    count_layers: bool = False,
    stale_grads: bool = False,
) -> Any:
    """MiniLM with a seeded two-class head; optionally without dropout, counting layer calls,
    or arriving with stale gradients in ``.grad``."""
    model = bert_classifier(seed=seed, train_mode=train_mode, head_std=head_std)
    if not dropout:
        without_dropout(model)
    if count_layers:
        count_layer_calls(model)
    if stale_grads:
        with_stale_grads(model)
    return model


def fine_tuned_folder() -> Path:
    """The cached fine-tuned sentiment classifier, training and saving it on first use."""
    target = cache_dir() / "tracks" / FINE_TUNED_NAME
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    _fine_tune().save_pretrained(staging)
    try:
        staging.rename(target)  # atomic: a killed run leaves no half-written folder
    except OSError:  # another process finished first; its copy is identical
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _fine_tune(epochs: int = 3, batch_size: int = 16, learning_rate: float = 1e-4) -> Any:
    """Fine-tune MiniLM on the BERT track's 600 training sentences (reaches about 0.88)."""
    import torch

    from grader.tracks.bert.data import load_split

    torch.manual_seed(0)
    texts, labels = load_split("train")
    model = bert_classifier(seed=0)
    encode = tokenizer()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    order = list(range(len(texts)))
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    warmup = max(1, steps // 10)  # linear warm-up over 10 % of the steps, then linear decay
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup))),
    )
    model.train()
    for epoch in range(epochs):
        random.Random(epoch).shuffle(order)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            batch = encode(
                [texts[i] for i in chosen], padding=True, truncation=True, return_tensors="pt"
            )  # (B, T)
            loss = model(**batch, labels=torch.tensor([labels[i] for i in chosen])).loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
    return model.eval()


@resource("efficiency.fine_tuned", fresh=True)
def fine_tuned(refuse_float_forward: bool = False) -> Any:
    """The fine-tuned MiniLM sentiment classifier, in eval mode, loaded from the cache;
    ``refuse_float_forward`` makes it refuse to predict until its Linear layers are quantized."""
    from transformers import BertForSequenceClassification

    with quiet_transformers():
        model = BertForSequenceClassification.from_pretrained(
            fine_tuned_folder(), use_safetensors=True
        )
    if refuse_float_forward:
        model.register_forward_pre_hook(_refuse_float_forward)
    return model.eval()


class CountingPredictor:
    """``predict(text) -> {"label": int, "model_call": n}``: n numbers the model's forward calls."""

    def __init__(self, model: Any, encode: Any) -> None:
        self.model = model.eval()
        self.encode = encode
        self.model_calls = 0

    def __call__(self, text: str) -> dict[str, int]:
        import torch

        if not isinstance(text, str):
            raise TypeError(f"predict takes one text (str), not {type(text).__name__}")
        batch = self.encode(text, return_tensors="pt")  # (1, T)
        with torch.no_grad():
            logits = self.model(**batch).logits  # (1, C)
        self.model_calls += 1
        return {"label": int(logits.argmax(dim=-1).item()), "model_call": self.model_calls}

    def __repr__(self) -> str:
        return "<counting predictor>"


@resource("efficiency.counting_predictor", fresh=True)
def counting_predictor(seed: int = 0) -> CountingPredictor:
    """A predict function over a seeded MiniLM classifier that numbers its model calls."""
    return CountingPredictor(bert_classifier(seed=seed, head_std=0.5), tokenizer())
