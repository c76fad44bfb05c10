"""Checks for the BERT track, run against the real MiniLM model.

Expected values come from transformers and scikit-learn called directly here, never from
the reference solutions, and hidden checks use inputs the learner has not seen.
"""

from __future__ import annotations

import random
from pathlib import Path

import torch

from grader.engine.expect import describe, expect_keys, expect_number, expect_tensor, fail
from grader.engine.resources import build
from grader.engine.spec import CheckFailure, Ref, check
from grader.engine.student import Student
from grader.engine.wire import ModuleState, Opaque
from grader.tracks.bert.data import load_split

TOKENIZER = Ref.of("bert.tokenizer")
MIXED_LENGTHS = [
    "Loved it.",
    "The delivery was late, the box was crushed and nobody answered my emails for a week.",
    "Decent value for the price, I suppose.",
]


def trusted_probabilities(model: Ref | torch.nn.Module, texts: list[str]) -> torch.Tensor:
    """Class probabilities (B, C) from the real model in eval mode, computed here."""
    module = build(model) if isinstance(model, Ref) else model
    batch = build(TOKENIZER)(texts, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        return module.eval()(**batch).logits.softmax(dim=-1)


def unseen_texts(count: int, seed: int) -> list[str]:
    texts, _ = load_split("test")
    return random.Random(seed).sample(texts, count)


# --- bert.fix_script -------------------------------------------------------------------


# With this head (seed 1), the class of these texts flips when [CLS] and [SEP] are left
# out: the classifier reads the first position, which must be [CLS].
FLIPS_WITHOUT_SPECIAL_TOKENS = [
    "My package sat in a warehouse for three weeks with no updates.",
    "The camera takes crisp night photos that my old phone could only dream of.",
    "The flight attendants were genuinely kind to my nervous toddler.",
]


@check("bert.fix_script", points=1)
def classify_text_returns_the_class_id(student: Student) -> None:
    """returns the model's class id for one text, as an int
    zh: 对一条文本返回模型的类别 id（int 类型）"""
    model = Ref.of("bert.classifier", seed=1, head_std=0.5)
    texts = ["This movie was great", "The soup was cold and bland.", *FLIPS_WITHOUT_SPECIAL_TOKENS]
    for text in texts:
        got = student.call("classify_text", model, TOKENIZER, text)
        want = int(trusted_probabilities(model, [text]).argmax(dim=-1).item())
        if isinstance(got.value, bool) or not isinstance(got.value, int):
            raise fail(got.call, describe(got.value), f"a Python int (class id), here {want}")
        if got.value != want:
            raise fail(
                got.call,
                str(got.value),
                str(want),
                "encode as the tokenizer does by default: [CLS] text [SEP], with the "
                "attention mask; the head reads the [CLS] position",
            )


@check("bert.fix_script", points=1)
def classify_text_is_deterministic(student: Student) -> None:
    """gives the same answer every time, even for a model left in training mode
    zh: 每次给出相同答案，即使模型处于训练模式"""
    model = Ref.of("bert.classifier", seed=2, train_mode=True)
    texts = unseen_texts(12, seed=2)
    want = trusted_probabilities(model, texts).argmax(dim=-1).tolist()
    for text, expected in zip(texts, want, strict=True):
        got = student.call("classify_text", model, TOKENIZER, text)
        if got.value != expected:
            raise fail(
                got.call,
                str(got.value),
                f"{expected}, the prediction in evaluation mode",
                "dropout is still active: call model.eval() before predicting",
            )


# --- bert.encode -----------------------------------------------------------------------


def _expect_batch(student: Student, texts: list[str], max_length: int) -> None:
    got = student.call("encode_batch", TOKENIZER, texts, max_length)
    want = build(TOKENIZER)(
        texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    batch = expect_keys(got.call, got.value, ("input_ids", "attention_mask"), "the batch")
    for name in ("input_ids", "attention_mask"):
        expect_tensor(got.call, batch[name], want[name], name)


@check("bert.encode", points=1)
def pads_to_the_longest_text(student: Student) -> None:
    """pads every text to the longest one and returns tensors with an attention mask
    zh: 把每条文本填充到最长的一条，并返回带注意力掩码的张量"""
    _expect_batch(student, MIXED_LENGTHS, max_length=64)


@check("bert.encode", points=1)
def truncates_long_texts(student: Student) -> None:
    """truncates texts longer than max_length tokens
    zh: 截断超过 max_length 个 token 的文本"""
    _expect_batch(student, MIXED_LENGTHS, max_length=8)


@check("bert.encode", points=1, hidden=True)
def matches_the_tokenizer_on_unseen_batches(student: Student) -> None:
    """matches the tokenizer on unseen batches and lengths
    zh: 在未见过的批次和长度上与分词器一致"""
    rng = random.Random(7)
    for round_ in range(4):
        _expect_batch(student, unseen_texts(rng.randint(1, 6), seed=round_), rng.randint(4, 40))


# --- bert.predict ----------------------------------------------------------------------


def _call_predict(student: Student, model: Ref, texts: list[str]):
    got = student.call("predict", model, TOKENIZER, texts)
    if not isinstance(got.value, tuple | list) or len(got.value) != 2:
        raise fail(got.call, describe(got.value), "a pair (labels, probabilities)")
    return got, got.value[0], got.value[1]


@check("bert.predict", points=1)
def returns_labels_and_probabilities(student: Student) -> None:
    """returns labels (B,) and probabilities (B, C) whose rows sum to 1
    zh: 返回标签 (B,) 和每行之和为 1 的概率 (B, C)"""
    model = Ref.of("bert.classifier", seed=3, head_std=0.5)
    got, labels, probabilities = _call_predict(student, model, MIXED_LENGTHS)
    want = trusted_probabilities(model, MIXED_LENGTHS)
    if not isinstance(probabilities, torch.Tensor) or probabilities.shape != want.shape:
        raise fail(
            got.call, f"probabilities: {describe(probabilities)}", f"shape {tuple(want.shape)}"
        )
    sums = probabilities.detach().sum(dim=-1)
    expect_tensor(
        got.call,
        sums,
        torch.ones(len(MIXED_LENGTHS)),
        "row sums of the probabilities",
        atol=1e-4,
        why="softmax must run over the class dimension (dim=-1), not the batch",
    )
    expect_tensor(got.call, labels, want.argmax(dim=-1), "labels")


@check("bert.predict", points=1)
def predicts_in_eval_mode(student: Student) -> None:
    """matches the model in evaluation mode, without dropout, with the attention mask
    zh: 与评估模式下（无 dropout、带注意力掩码）的模型一致"""
    model = Ref.of("bert.classifier", seed=4, train_mode=True, head_std=0.5)
    got, _, probabilities = _call_predict(student, model, MIXED_LENGTHS)
    want = trusted_probabilities(model, MIXED_LENGTHS)
    expect_tensor(
        got.call,
        probabilities,
        want,
        "probabilities",
        atol=1e-4,
        why="predict in eval mode (dropout off) and pass the attention mask with padded batches",
    )


@check("bert.predict", points=1)
def does_not_track_gradients(student: Student) -> None:
    """does not build an autograd graph while predicting (not even one detached afterwards)
    zh: 预测时不构建 autograd 计算图（事后 detach 也不行）"""
    # This model raises if its forward pass runs with autograd enabled.
    model = Ref.of("bert.classifier", seed=5, refuse_autograd=True)
    got, _, probabilities = _call_predict(student, model, ["Fine."])
    if isinstance(probabilities, torch.Tensor) and probabilities.requires_grad:
        raise fail(
            got.call,
            "probabilities that require grad",
            "plain tensors",
            "wrap the forward pass in torch.no_grad() (or torch.inference_mode())",
        )


@check("bert.predict", points=1, hidden=True)
def predicts_unseen_mixed_batches(student: Student) -> None:
    """matches the real model on unseen batches
    zh: 在未见过的批次上与真实模型一致"""
    model = Ref.of("bert.classifier", seed=6, head_std=0.5)
    # The last text is longer than the model's 512 positions: it must be truncated.
    texts = [*unseen_texts(7, seed=11), "Meh.", "It was fine, really. " * 130]
    got, labels, probabilities = _call_predict(student, model, texts)
    want = trusted_probabilities(model, texts)
    expect_tensor(got.call, probabilities, want, "probabilities", atol=1e-4)
    expect_tensor(got.call, labels, want.argmax(dim=-1), "labels")


# --- bert.fine_tune --------------------------------------------------------------------
# The public check is quick feedback in the notebook (a few seconds): the loop learns a small
# set and trains the encoder too. The hidden check is the real bar: the learner's function
# gets two thirds of the training sentences and is judged on sentences it never receives
# (the other third and the whole test split). The bar comes from the reference recipe's
# spread over shuffle seeds, measured by benchmarks/training_bars.py (README).

FIT_SENTENCES = 48
FIT_ACCURACY = 0.85
# Measured (benchmarks/training_bars.py, README): the reference over five shuffle seeds
# 0.786-0.814 on the 290 held-out sentences, a plain constant-rate DataLoader loop 0.759;
# broken recipes 0.49 (learning rate 1e-2) and 0.55 (head only). One sentence is 0.0034.
TARGET_ACCURACY = 0.7
AN_ENCODER_WEIGHT = "bert.encoder.layer.0.attention.self.query.weight"
TRAINING_HINT = (
    "check the learning rate, zero_grad before backward, and that the loss uses the labels"
)


def target_split() -> tuple[list[str], list[int], list[str], list[str]]:
    """(train texts, train labels, held-out texts, held-out labels) of the hidden check: every
    third training sentence and the whole test split are held out."""
    texts, labels = load_split("train")
    test_texts, test_labels = load_split("test")
    kept = [i for i in range(len(texts)) if i % 3 != 2]
    held = [i for i in range(len(texts)) if i % 3 == 2]
    return (
        [texts[i] for i in kept],
        [labels[i] for i in kept],
        [texts[i] for i in held] + test_texts,
        [labels[i] for i in held] + test_labels,
    )


def accuracy_of(state: ModuleState, texts: list[str], labels: list[int]) -> float:
    model = build(Ref.of("bert.classifier"))
    model.load_state_dict(state.state_dict)
    probabilities = torch.cat(
        [
            trusted_probabilities(model, texts[start : start + 32])
            for start in range(0, len(texts), 32)
        ]
    )
    return (probabilities.argmax(dim=-1) == torch.tensor(labels)).double().mean().item()


def _fine_tuned(student: Student, texts: list[str], labels: list[int]) -> tuple[str, ModuleState]:
    got = student.call("fine_tune", Ref.of("bert.classifier"), TOKENIZER, texts, labels)
    if not isinstance(got.value, ModuleState) or "classifier.weight" not in got.value.state_dict:
        raise fail(got.call, describe(got.value), "the fine-tuned BertForSequenceClassification")
    return got.call, got.value


@check("bert.fine_tune", points=1)
def fits_a_small_training_set(student: Student) -> None:
    """learns 48 training sentences (at least 0.85 of them right) and trains the encoder too
    zh: 学会 48 条训练句子（至少答对 0.85），并且编码器也参与训练"""
    texts, labels = load_split("train")
    texts, labels = texts[:FIT_SENTENCES], labels[:FIT_SENTENCES]
    call, state = _fine_tuned(student, texts, labels)
    before = build(Ref.of("bert.classifier")).state_dict()[AN_ENCODER_WEIGHT]
    if torch.equal(state.state_dict[AN_ENCODER_WEIGHT], before):
        raise fail(
            call,
            "encoder weights unchanged",
            "every parameter trained",
            "give the optimizer model.parameters(), not only the classifier head",
        )
    accuracy = accuracy_of(state, texts, labels)
    if accuracy < FIT_ACCURACY:
        raise fail(
            call,
            f"training accuracy {accuracy:.3f} on the {FIT_SENTENCES} sentences it trained on",
            f"at least {FIT_ACCURACY}",
            TRAINING_HINT,
        )


@check("bert.fine_tune", points=3, hidden=True, timeout_s=300)
def reaches_the_target_accuracy(student: Student) -> None:
    """trained on 400 sentences, reaches 0.7 accuracy on 290 sentences it never saw
    zh: 用 400 条句子训练后，在 290 条从未见过的句子上达到 0.7 的准确率"""
    texts, labels, held_out_texts, held_out_labels = target_split()
    call, state = _fine_tuned(student, texts, labels)
    accuracy = accuracy_of(state, held_out_texts, held_out_labels)
    if accuracy < TARGET_ACCURACY:
        raise fail(
            call,
            f"accuracy {accuracy:.3f} on {len(held_out_texts)} held-out sentences",
            f"at least {TARGET_ACCURACY}",
            TRAINING_HINT,
        )


# --- bert.metrics ----------------------------------------------------------------------


def _expect_metrics(student: Student, y_true: list[int], y_pred: list[int], classes: int) -> None:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    got = student.call(
        "classification_metrics", torch.tensor(y_true), torch.tensor(y_pred), classes
    )
    result = expect_keys(got.call, got.value, ("accuracy", "macro_f1", "confusion"), "metrics")
    labels = list(range(classes))
    expect_number(got.call, result["accuracy"], accuracy_score(y_true, y_pred), "accuracy")
    macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    expect_number(got.call, result["macro_f1"], float(macro), "macro_f1")
    confusion = torch.as_tensor(confusion_matrix(y_true, y_pred, labels=labels))
    expect_tensor(
        got.call,
        result["confusion"],
        confusion,
        "confusion",
        why="rows are true classes, columns are predicted classes",
    )


@check("bert.metrics", points=1)
def matches_scikit_learn(student: Student) -> None:
    """matches scikit-learn on an imbalanced three-class example
    zh: 在不平衡的三分类例子上与 scikit-learn 一致"""
    _expect_metrics(student, [0, 0, 0, 0, 1, 1, 2, 2, 2, 0], [0, 0, 1, 0, 1, 2, 2, 2, 0, 0], 3)


@check("bert.metrics", points=1)
def handles_a_class_never_predicted(student: Student) -> None:
    """counts a class never predicted, or absent altogether, as F1 = 0, without dividing by zero
    zh: 从未被预测或根本不存在的类别按 F1 = 0 计，且不会除以零"""
    _expect_metrics(student, [0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 1, 1], 3)
    # Classes 2 and 3 occur in neither labels nor predictions: macro-F1 still averages
    # over all four (scikit-learn with labels=range(4)), so it is half the two-class one.
    _expect_metrics(student, [0, 1, 1, 0, 1], [0, 1, 0, 0, 1], 4)
    _expect_metrics(student, [1], [1], 2)  # one example: accuracy 1, not 1/2


@check("bert.metrics", points=1, hidden=True)
def matches_scikit_learn_on_random_cases(student: Student) -> None:
    """matches scikit-learn on many random cases
    zh: 在大量随机用例上与 scikit-learn 一致"""
    rng = random.Random(2024)
    for _ in range(25):
        classes = rng.randint(2, 5)
        size = rng.randint(1, 40)
        y_true = [rng.randrange(classes) for _ in range(size)]
        y_pred = [rng.randrange(classes) for _ in range(size)]
        _expect_metrics(student, y_true, y_pred, classes)


# --- bert.save_reload ------------------------------------------------------------------


def _save_and_reload(student: Student, seed: int) -> tuple[Path, Ref, object]:
    folder = student.scratch_folder("mlkata-saved-") / "classifier"
    model = Ref.of("bert.classifier", seed=seed, head_std=0.5)
    student.call("save_classifier", model, TOKENIZER, str(folder))
    got = student.call("load_classifier", str(folder))
    return folder, model, got


@check("bert.save_reload", points=2)
def reloaded_model_predicts_the_same(student: Student) -> None:
    """load_classifier returns the saved weights, in evaluation mode
    zh: load_classifier 返回保存的权重，并处于评估模式"""
    _, model, got = _save_and_reload(student, seed=8)
    if not isinstance(got.value, tuple | list) or len(got.value) != 2:
        raise fail(got.call, describe(got.value), "a pair (model, tokenizer)")
    state = got.value[0]
    if not isinstance(state, ModuleState):
        raise fail(got.call, describe(state), "the reloaded model as its first element")
    tokenizer = got.value[1]
    if not isinstance(tokenizer, Opaque) or "Tokenizer" not in tokenizer.type_name:
        raise fail(got.call, describe(tokenizer), "the reloaded tokenizer as its second element")
    original = build(model).state_dict()
    missing = sorted(set(original) - set(state.state_dict))
    if missing:
        raise fail(got.call, f"a model without {missing[:3]}", "every weight of the saved model")
    for name, tensor in original.items():
        expect_tensor(
            got.call,
            state.state_dict[name],
            tensor,
            f"weight {name}",
            atol=1e-6,
            why="the reloaded model must be the one that was saved",
        )
    if state.training:
        raise fail(got.call, "a model in training mode", "a model in evaluation mode (.eval())")


@check("bert.save_reload", points=1)
def saved_folder_is_complete(student: Student) -> None:
    """the saved folder alone reproduces the predictions, tokenizer included
    zh: 仅凭保存的文件夹（含分词器）即可复现预测"""
    from transformers import AutoTokenizer, BertForSequenceClassification

    from grader.models.quiet import quiet_transformers
    from grader.models.untrusted import load_bounded

    folder, model, got = _save_and_reload(student, seed=9)
    call = f"save_classifier(<bert.classifier>, <bert.tokenizer>, '{folder.name}')"
    copy = student.take_back(folder, f"{call} wrote a folder that")
    limit = sum(p.numel() for p in build(model).parameters())
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(copy)
            reloaded = load_bounded(BertForSequenceClassification, copy, limit, call)
    except CheckFailure:
        raise
    except Exception as error:
        raise fail(
            call,
            f"a folder from_pretrained cannot load: {type(error).__name__}",
            "a folder with config, safetensors weights and tokenizer files",
            "use model.save_pretrained(folder) and tokenizer.save_pretrained(folder)",
        ) from None
    texts = unseen_texts(4, seed=9)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        after = reloaded.eval()(**batch).logits.softmax(dim=-1)
    expect_tensor(
        got.call, after, trusted_probabilities(model, texts), "reloaded probabilities", atol=1e-5
    )
