"""Plausible wrong solutions for the BERT track: each must fail at least one check.

Every function is a mistake learners really make; its docstring names the mistake.
"""

from __future__ import annotations

import torch

from grader.models import resolve


def classify_text_in_train_mode(model, tokenizer, text):
    """Forgets model.eval(): dropout makes the answer random."""
    inputs = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return int(model(**inputs).logits.argmax(dim=-1).item())


def classify_text_returns_a_tensor(model, tokenizer, text):
    """Returns the argmax tensor instead of a Python int."""
    model.eval()
    with torch.no_grad():
        return model(**tokenizer(text, return_tensors="pt")).logits.argmax(dim=-1)


def encode_without_attention_mask(tokenizer, texts, max_length):
    """Keeps only input_ids, so padding is indistinguishable from text."""
    batch = tokenizer(
        texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    return {"input_ids": batch["input_ids"]}


def encode_padding_to_max_length(tokenizer, texts, max_length):
    """Pads every batch to max_length instead of the longest text."""
    return tokenizer(
        texts, padding="max_length", truncation=True, max_length=max_length, return_tensors="pt"
    )


def encode_without_truncation(tokenizer, texts, max_length):
    """Forgets truncation, so long texts overflow max_length."""
    return tokenizer(texts, padding=True, return_tensors="pt")


def predict_softmax_over_batch(model, tokenizer, texts):
    """Softmax over dim 0, the batch, instead of the classes."""
    model.eval()
    with torch.no_grad():
        logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    probabilities = logits.softmax(dim=0)
    return probabilities.argmax(dim=-1), probabilities


def predict_in_train_mode(model, tokenizer, texts):
    """Forgets model.eval()."""
    with torch.no_grad():
        logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    probabilities = logits.softmax(dim=-1)
    return probabilities.argmax(dim=-1), probabilities


def predict_with_gradients(model, tokenizer, texts):
    """Forgets torch.no_grad(): builds a graph for nothing."""
    model.eval()
    logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    probabilities = logits.softmax(dim=-1)
    return probabilities.argmax(dim=-1), probabilities


def predict_without_attention_mask(model, tokenizer, texts):
    """Passes only input_ids: padded positions get attended to."""
    model.eval()
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"]).logits
    probabilities = logits.softmax(dim=-1)
    return probabilities.argmax(dim=-1), probabilities


def _plain_training_loop(model, optimizer, tokenizer, texts, labels, epochs, batch_size):
    """The loop a learner writes first: no shuffling, no schedule, no clipping."""
    model.train()
    for _ in range(epochs):
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, return_tensors="pt")
            loss = model(**batch, labels=torch.tensor(labels[start : start + batch_size])).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def fine_tune_with_huge_learning_rate(
    model, tokenizer, texts, labels, epochs=1, batch_size=32, learning_rate=1e-2
):
    """A learning rate of 1e-2 wrecks the pretrained weights."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    return _plain_training_loop(model, optimizer, tokenizer, texts, labels, epochs, batch_size)


def fine_tune_only_the_head(
    model, tokenizer, texts, labels, epochs=3, batch_size=16, learning_rate=1e-3
):
    """Trains the classifier head alone: feature extraction, not the fine-tuning asked for."""
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=learning_rate)
    return _plain_training_loop(model, optimizer, tokenizer, texts, labels, epochs, batch_size)


def metrics_with_transposed_confusion(y_true, y_pred, num_labels):
    """Puts predictions in rows and truth in columns."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels = list(range(num_labels))
    return {
        "accuracy": (y_true == y_pred).double().mean().item(),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "confusion": torch.as_tensor(confusion_matrix(y_true, y_pred, labels=labels)).T,
    }


def metrics_with_micro_f1(y_true, y_pred, num_labels):
    """Reports micro-F1 (equal to accuracy here) as macro-F1."""
    from sklearn.metrics import confusion_matrix

    accuracy = (y_true == y_pred).double().mean().item()
    confusion = confusion_matrix(y_true, y_pred, labels=list(range(num_labels)))
    return {"accuracy": accuracy, "macro_f1": accuracy, "confusion": torch.as_tensor(confusion)}


def metrics_dividing_by_zero(y_true, y_pred, num_labels):
    """Computes precision as correct / predicted without guarding empty columns (NaN)."""
    confusion = torch.zeros(num_labels, num_labels, dtype=torch.long)
    for truth, guess in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        confusion[truth, guess] += 1
    correct = confusion.diag().double()
    precision = correct / confusion.sum(dim=0).double()
    recall = correct / confusion.sum(dim=1).double()
    f1 = 2 * precision * recall / (precision + recall)
    return {
        "accuracy": correct.sum().item() / len(y_true),
        "macro_f1": f1.mean().item(),
        "confusion": confusion,
    }


def save_model_only(model, tokenizer, folder):
    """Forgets the tokenizer: the folder alone cannot reproduce predictions."""
    model.save_pretrained(folder)


def load_the_base_checkpoint(folder):
    """Loads the original checkpoint instead of the saved one: the fine-tuning is lost."""
    from transformers import AutoTokenizer, BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(resolve("bert"), num_labels=2)
    return model.eval(), AutoTokenizer.from_pretrained(folder)


def fine_tune_softmax_into_cross_entropy(
    model, tokenizer, texts, labels, epochs=3, batch_size=16, learning_rate=1e-4
):
    """Feeds softmax probabilities to cross_entropy, which applies log-softmax itself."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(epochs):
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, return_tensors="pt")
            probabilities = model(**batch).logits.softmax(dim=-1)
            targets = torch.tensor(labels[start : start + batch_size])
            loss = torch.nn.functional.cross_entropy(probabilities, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def fine_tune_never_zeroing_gradients(
    model, tokenizer, texts, labels, epochs=3, batch_size=16, learning_rate=1e-4
):
    """Never calls zero_grad: every step adds to the gradients of all earlier steps."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(epochs):
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, return_tensors="pt")
            targets = torch.tensor(labels[start : start + batch_size])
            model(**batch, labels=targets).loss.backward()
            optimizer.step()
    return model


def classify_text_without_special_tokens(model, tokenizer, text):
    """Encodes without [CLS] and [SEP]: the head then reads an ordinary word's vector."""
    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        return int(model(**ids).logits.argmax(dim=-1).item())


def predict_then_detach(model, tokenizer, texts):
    """Runs the forward pass with autograd on and detaches the result: the graph is built
    (memory and time) even though the output looks like plain data."""
    model.eval()
    logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    probabilities = logits.softmax(dim=-1).detach()
    return probabilities.argmax(dim=-1), probabilities


def metrics_with_sklearn_over_present_classes(y_true, y_pred, num_labels):
    """Calls scikit-learn without labels=: macro-F1 averages only the classes present."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
        "confusion": torch.as_tensor(
            confusion_matrix(y_true, y_pred, labels=list(range(num_labels)))
        ),
    }


TRAINING_MISTAKES = [
    fine_tune_with_huge_learning_rate,
    fine_tune_only_the_head,
    fine_tune_softmax_into_cross_entropy,
    fine_tune_never_zeroing_gradients,
]

WRONG_SOLUTIONS = [
    ("bert.fix_script", "classify_text", classify_text_in_train_mode),
    ("bert.fix_script", "classify_text", classify_text_returns_a_tensor),
    ("bert.fix_script", "classify_text", classify_text_without_special_tokens),
    ("bert.encode", "encode_batch", encode_without_attention_mask),
    ("bert.encode", "encode_batch", encode_padding_to_max_length),
    ("bert.encode", "encode_batch", encode_without_truncation),
    ("bert.predict", "predict", predict_softmax_over_batch),
    ("bert.predict", "predict", predict_in_train_mode),
    ("bert.predict", "predict", predict_with_gradients),
    ("bert.predict", "predict", predict_without_attention_mask),
    ("bert.predict", "predict", predict_then_detach),
    ("bert.fine_tune", "fine_tune", fine_tune_with_huge_learning_rate),
    ("bert.fine_tune", "fine_tune", fine_tune_only_the_head),
    ("bert.fine_tune", "fine_tune", fine_tune_never_zeroing_gradients),
    ("bert.metrics", "classification_metrics", metrics_with_transposed_confusion),
    ("bert.metrics", "classification_metrics", metrics_with_micro_f1),
    ("bert.metrics", "classification_metrics", metrics_dividing_by_zero),
    (
        "bert.metrics",
        "classification_metrics",
        metrics_with_sklearn_over_present_classes,
    ),
    ("bert.save_reload", "save_classifier", save_model_only),
    ("bert.save_reload", "load_classifier", load_the_base_checkpoint),
]
