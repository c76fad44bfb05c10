"""Correct solutions for the BERT track written differently from the reference: each must
get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader


def fine_tune_with_a_dataloader(
    model, tokenizer, texts, labels, epochs=3, batch_size=16, learning_rate=5e-5
):
    """A plain DataLoader loop over (text, label) pairs at a constant learning rate, with
    torch's own cross-entropy on the logits: no warm-up, no schedule, no clipping."""
    pairs = list(zip(texts, labels, strict=True))
    loader = DataLoader(pairs, batch_size=batch_size, shuffle=True, collate_fn=list)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(epochs):
        for chunk in loader:
            batch_texts, batch_labels = zip(*chunk, strict=True)
            inputs = tokenizer(
                list(batch_texts), padding=True, truncation=True, return_tensors="pt"
            )
            logits = model(**inputs).logits
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(batch_labels))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model


def classify_text_from_encoded_ids(model, tokenizer, text):
    """The article's tokenizer.encode kept, its list wrapped into a (1, T) tensor; inference
    mode instead of no_grad. One text needs no attention mask (nothing is padded)."""
    ids = torch.tensor([tokenizer.encode(text)])
    model.train(False)
    with torch.inference_mode():
        scores = model(input_ids=ids).logits[0]
    return int(torch.argmax(scores))


def encode_with_batch_encode(tokenizer, texts, max_length):
    """Tokenizes each text alone, then pads by hand with the tokenizer's own pad()."""
    encoded = [tokenizer(text, truncation=True, max_length=max_length) for text in texts]
    return tokenizer.pad(encoded, padding="longest", return_tensors="pt")


def predict_with_inference_mode(model, tokenizer, texts):
    """torch.inference_mode, functional softmax, and topk(1) for the labels."""
    model.eval()
    inputs = tokenizer(texts, padding="longest", truncation=True, return_tensors="pt")
    with torch.inference_mode():
        probabilities = torch.nn.functional.softmax(model(**inputs).logits, dim=1)
    return probabilities.topk(1, dim=1).indices.squeeze(1), probabilities.clone()


def metrics_with_sklearn(y_true, y_pred, num_labels):
    """scikit-learn's own functions, told every class with labels=."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    classes = list(range(num_labels))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0)
        ),
        "confusion": torch.from_numpy(confusion_matrix(y_true, y_pred, labels=classes)),
    }


def save_with_a_pipeline_folder(model, tokenizer, folder):
    """Saves through a transformers pipeline, which writes model and tokenizer together."""
    from transformers import pipeline

    pipeline("text-classification", model=model, tokenizer=tokenizer).save_pretrained(folder)


def load_with_auto_classes(folder):
    """AutoModelForSequenceClassification instead of the BERT class."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(folder)
    model.eval()
    return model, AutoTokenizer.from_pretrained(folder)


TRAINING_ALTERNATIVES = [fine_tune_with_a_dataloader]

ALTERNATIVE_SOLUTIONS = [
    ("bert.fix_script", {"classify_text": classify_text_from_encoded_ids}),
    ("bert.encode", {"encode_batch": encode_with_batch_encode}),
    ("bert.predict", {"predict": predict_with_inference_mode}),
    ("bert.fine_tune", {"fine_tune": fine_tune_with_a_dataloader}),
    ("bert.metrics", {"classification_metrics": metrics_with_sklearn}),
    (
        "bert.save_reload",
        {"save_classifier": save_with_a_pipeline_folder, "load_classifier": load_with_auto_classes},
    ),
]
