"""Checks for the ResNet track, run against real torchvision ResNets on the digit images.

Expected values come from torchvision and scikit-learn called directly here, never from
the reference solutions, and hidden checks use inputs the learner has not seen.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

import torch
from PIL import Image

from grader.engine.expect import (
    FLOAT32_ATOL,
    describe,
    expect_number,
    expect_tensor,
    fail,
    number_text,
)
from grader.engine.resources import build
from grader.engine.spec import Ref, check
from grader.engine.student import Student
from grader.engine.wire import ModuleState
from grader.tracks.resnet.data import (
    CLASSES,
    digits_root,
    eval_transform,
    load_split_tensors,
    split_dir,
)
from grader.tracks.resnet.images import load_image

PRETRAINED = Ref.of("resnet.model", pretrained=True)
NORMALISED = "normalise with ImageNet's mean and std after ToTensor()"


def val_files() -> list[Path]:
    return sorted(split_dir("val").glob("*/*.png"))


@functools.cache
def val_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    return load_split_tensors("val")  # (N, 3, 32, 32), (N,)


def trusted_logits(model: Ref | torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Logits (N, C) of the real model in eval mode, computed here in chunks."""
    module = build(model) if isinstance(model, Ref) else model
    module.eval()
    with torch.no_grad():
        return torch.cat([module(images[i : i + 128]) for i in range(0, len(images), 128)])


def unseen_image(student: Student, kind: str) -> tuple[Path, Image.Image]:
    """A val digit saved as a 48x48 RGB image ("large") or an 8-bit grey PNG ("grey"), in
    a folder the learner's code can read, and the image as this side keeps it (the file
    itself is in the sandbox's reach once handed over, so it is never read back)."""
    source = load_image(val_files()[17])
    image = source.resize((48, 48)) if kind == "large" else source.convert("L")
    staging = student.staging_folder("mlkata-resnet-")
    image.save(staging / f"{kind}.png")
    # PNG is lossless: the learner's code reads back exactly this image.
    return student.hand_over(staging) / f"{kind}.png", image.convert("RGB")


# --- resnet.transforms -----------------------------------------------------------------


def _expect_eval_transform(student: Student, path: Path, image: Image.Image) -> None:
    got = student.call("transform_image", str(path), False)
    want = eval_transform()(image)
    expect_tensor(got.call, got.value, want, "the transformed image", atol=1e-5, why=NORMALISED)


@check("resnet.transforms", points=1)
def eval_transform_resizes_and_normalises(student: Student) -> None:
    """evaluation transform: 32x32 tensor normalised with ImageNet's statistics
    zh: 评估变换：32x32 张量，按 ImageNet 的统计量归一化"""
    for path in val_files()[::120]:
        _expect_eval_transform(student, path, load_image(path))


@check("resnet.transforms", points=1)
def train_transform_augments(student: Student) -> None:
    """training transform: same shape and normalisation, plus a random augmentation
    zh: 训练变换：形状和归一化相同，外加随机数据增强"""
    path = val_files()[3]
    got = student.call("transform_image", str(path), True)
    plain = eval_transform()(load_image(path))
    if not isinstance(got.value, torch.Tensor) or got.value.shape != plain.shape:
        raise fail(got.call, describe(got.value), f"a tensor of shape {tuple(plain.shape)}")
    if got.value.min().item() > -1.5:
        raise fail(
            got.call,
            f"a tensor with minimum {got.value.min().item():.3f}",
            "black pixels near -2.1 after normalisation",
            NORMALISED,
        )
    if torch.allclose(got.value, plain, atol=1e-4):
        raise fail(
            got.call,
            "the same tensor as the evaluation transform",
            "a randomly augmented image",
            "add a small random shift or rotation (no flips: a mirrored digit is another shape)",
        )


@check("resnet.transforms", points=1, hidden=True)
def handles_other_sizes_and_grey_images(student: Student) -> None:
    """resizes larger images and turns grey images into 3 channels
    zh: 缩放更大的图像，并把灰度图转成 3 通道"""
    for kind in ("large", "grey"):
        _expect_eval_transform(student, *unseen_image(student, kind))


# --- resnet.loaders --------------------------------------------------------------------


def _describe(student: Student, root: Path, batch_size: int):
    got = student.call("describe_loaders", str(root), batch_size)
    if not isinstance(got.value, dict):
        raise fail(got.call, describe(got.value), "the dict describe_loaders builds")
    return got, got.value


@check("resnet.loaders", points=1)
def loaders_read_both_splits(student: Student) -> None:
    """reads train and val as ImageFolders with the digit classes
    zh: 以 ImageFolder 读取 train 和 val，类别为各个数字"""
    got, summary = _describe(student, digits_root(), 32)
    if summary["classes"] != list(CLASSES):
        raise fail(got.call, f"classes {summary['classes']}", f"classes {list(CLASSES)}")
    sizes = [len(list(split_dir(s).glob("*/*.png"))) for s in ("train", "val")]
    if summary["sizes"] != sizes:
        raise fail(got.call, f"sizes {summary['sizes']}", f"{sizes} (train, val)")


@check("resnet.loaders", points=1)
def val_loader_is_ordered_and_train_is_shuffled(student: Student) -> None:
    """the validation loader keeps a fixed order, uses the eval transform; train shuffles
    zh: 验证集加载器保持固定顺序并使用评估变换；训练集打乱顺序"""
    got, summary = _describe(student, digits_root(), 32)
    images, labels = val_tensors()
    expect_tensor(
        got.call,
        summary["val_labels"],
        labels[:32],
        "labels of the first val batch",
        why="do not shuffle the validation loader",
    )
    expect_tensor(
        got.call,
        summary["val_images"],
        images[:32],
        "images of the first val batch",
        atol=1e-5,
        why="the validation set takes the evaluation transform (no augmentation)",
    )
    train_labels = summary["train_labels"]
    if isinstance(train_labels, torch.Tensor) and bool((train_labels == 0).all()):
        raise fail(
            got.call,
            "a first training batch made only of class 0",
            "a shuffled batch",
            "pass shuffle=True to the training DataLoader",
        )
    if not isinstance(train_labels, torch.Tensor) or tuple(train_labels.shape) != (32,):
        raise fail(
            got.call,
            f"a first training batch of labels {describe(train_labels)}",
            "32 labels: batches of batch_size=32",
            "pass batch_size to the training DataLoader too",
        )
    views = summary.get("train_views")
    if isinstance(views, torch.Tensor) and views.shape[0] == 2 and torch.equal(views[0], views[1]):
        raise fail(
            got.call,
            "the same tensor twice from the training set's transform",
            "two different augmented views of one training image",
            "the training set takes the training transform: build_transforms(train=True)",
        )


@check("resnet.loaders", points=1, hidden=True)
def loaders_work_on_another_folder(student: Student) -> None:
    """works on an unseen ImageFolder with other class names and batch size
    zh: 在未见过的、类别名和批大小都不同的 ImageFolder 上也能工作"""
    staging = student.staging_folder("mlkata-resnet-")
    names = ["cat", "dog", "owl"]
    files = val_files()
    for split, offset in (("train", 0), ("val", 1)):
        for index, name in enumerate(names):
            (staging / split / name).mkdir(parents=True)
            for number in range(3 + index):
                source = files[offset + 20 * (5 * index + number)]
                load_image(source).save(staging / split / name / f"{number}.png")
    got, summary = _describe(student, student.hand_over(staging), 5)
    if summary["classes"] != names or summary["sizes"] != [12, 12]:
        raise fail(
            got.call,
            f"classes {summary['classes']}, sizes {summary['sizes']}",
            f"classes {names}, sizes [12, 12]",
        )


# --- resnet.fix_script -----------------------------------------------------------------


def _expect_accuracy(student: Student, model: Ref, batch_size: int, why: str) -> None:
    got = student.call("evaluate_folder", model, str(split_dir("val")), batch_size)
    images, labels = val_tensors()
    predictions = trusted_logits(model, images).argmax(dim=-1)
    want = (predictions == labels).double().mean().item()
    # One image of 360 is worth 0.0028; float32 rounding of a mean is about 1e-7, so a
    # correct `(predictions == labels).float().mean()` must pass and a miscount must not.
    tolerance = FLOAT32_ATOL
    value = (
        got.value.item()
        if isinstance(got.value, torch.Tensor) and got.value.numel() == 1
        else got.value
    )
    if (
        isinstance(value, float | int)
        and not isinstance(value, bool)
        and abs(value - want) > tolerance
    ):
        raise fail(got.call, f"accuracy {number_text(value)}", number_text(want), why)
    expect_number(got.call, got.value, want, "accuracy", atol=tolerance)


@check("resnet.fix_script", points=1)
def measures_accuracy_on_held_out_data(student: Student) -> None:
    """returns the overall accuracy of the pretrained ResNet-18 on the validation images
    zh: 返回预训练 ResNet-18 在验证图像上的总体准确率"""
    _expect_accuracy(student, PRETRAINED, 64, "count correct images over all images")


@check("resnet.fix_script", points=1)
def evaluates_in_eval_mode(student: Student) -> None:
    """evaluates in eval mode, even when the model arrives in training mode
    zh: 即使模型以训练模式传入，也在评估模式下评估"""
    model = Ref.of("resnet.model", pretrained=True, train_mode=True)
    _expect_accuracy(
        student,
        model,
        8,
        "in training mode BatchNorm normalises with each batch's statistics: call model.eval()",
    )


@check("resnet.fix_script", points=1)
def counts_images_not_batches(student: Student) -> None:
    """weights every image equally when the last batch is smaller
    zh: 最后一个批次较小时，每张图像的权重仍然相同"""
    model = Ref.of("resnet.model", pretrained=True, head_seed=3)
    _expect_accuracy(
        student,
        model,
        100,
        "360 images in batches of 100: averaging per-batch accuracies overweights the last 60",
    )


# --- resnet.head -----------------------------------------------------------------------


def _expect_new_head(student: Student, model: Ref, num_classes: int) -> None:
    got = student.call("replace_head", model, num_classes)
    original = build(model).state_dict()
    if not isinstance(got.value, ModuleState):
        raise fail(got.call, describe(got.value), "the ResNet with its new head")
    state = got.value.state_dict
    in_features = original["fc.weight"].shape[1]
    for name, shape in (("fc.weight", (num_classes, in_features)), ("fc.bias", (num_classes,))):
        if name not in state or tuple(state[name].shape) != shape:
            got_shape = tuple(state[name].shape) if name in state else "missing"
            raise fail(
                got.call,
                f"{name} of shape {got_shape}",
                f"shape {shape}",
                "read in_features from model.fc.in_features instead of hard-coding it",
            )
    for name, tensor in original.items():
        if not name.startswith("fc.") and (
            name not in state or not torch.equal(state[name], tensor)
        ):
            raise fail(got.call, f"a changed backbone ({name})", "the backbone left untouched")


@check("resnet.head", points=1)
def replaces_the_head_of_resnet18(student: Student) -> None:
    """puts a 3-class head on the pretrained ResNet-18, backbone untouched
    zh: 给预训练的 ResNet-18 换上 3 类分类头，骨干网络不变"""
    _expect_new_head(student, PRETRAINED, 3)


@check("resnet.head", points=1, hidden=True)
def replaces_the_head_of_resnet50(student: Student) -> None:
    """works on ResNet-50, whose head reads 2048 features
    zh: 也适用于分类头读取 2048 维特征的 ResNet-50"""
    _expect_new_head(student, Ref.of("resnet.model", arch="resnet50", seed=5), 7)


# --- resnet.fine_tune ------------------------------------------------------------------
# The learner's function gets only the train folder; it is judged on the validation images,
# which it never receives. The bar comes from the reference recipe's spread over shuffle
# seeds, measured by benchmarks/training_bars.py (README).

TARGET_ACCURACY = 0.9
FINE_TUNE_START = Ref.of("resnet.model", pretrained=True, head_seed=0)


def held_out_accuracy(model: torch.nn.Module) -> float:
    images, labels = val_tensors()
    return (trusted_logits(model, images).argmax(dim=-1) == labels).double().mean().item()


def _fine_tuned_resnet(student: Student) -> tuple[str, torch.nn.Module]:
    """The learner's fine-tuned model; both fine-tune checks judge one training run of
    the same submission (kept on its Student), so it trains once, not twice."""
    cached = getattr(student, "_resnet_fine_tuned", None)
    if cached is None:
        cached = student._resnet_fine_tuned = _train_resnet(student)  # type: ignore[attr-defined]
    call, state = cached
    model = build(FINE_TUNE_START)
    model.load_state_dict(state)
    return call, model


def _train_resnet(student: Student) -> tuple[str, dict[str, torch.Tensor]]:
    got = student.call("fine_tune", FINE_TUNE_START, str(split_dir("train")))
    if not isinstance(got.value, ModuleState) or "fc.weight" not in got.value.state_dict:
        raise fail(got.call, describe(got.value), "the fine-tuned ResNet-18")
    model = build(FINE_TUNE_START)
    try:
        model.load_state_dict(got.value.state_dict)
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise fail(got.call, f"weights that do not fit ResNet-18 ({first})", "ResNet-18") from None
    return got.call, got.value.state_dict


@check("resnet.fine_tune", points=2, timeout_s=240)
def reaches_the_target_accuracy(student: Student) -> None:
    """a fresh head on the pretrained backbone reaches 0.9 accuracy on the validation images
    zh: 在预训练骨干网络上训练新的分类头，验证图像准确率达到 0.9"""
    call, model = _fine_tuned_resnet(student)
    accuracy = held_out_accuracy(model)
    if accuracy < TARGET_ACCURACY:
        raise fail(
            call,
            f"validation accuracy {accuracy:.3f}",
            f"at least {TARGET_ACCURACY}",
            "check the learning rate, zero_grad before backward, and optimizer.step()",
        )


@check("resnet.fine_tune", points=1, timeout_s=240)
def a_frozen_backbone_stays_unchanged(student: Student) -> None:
    """with freeze_backbone (the default) only the head changes, BatchNorm statistics too
    zh: freeze_backbone（默认开启）时只有分类头改变，BatchNorm 统计量也不变"""
    call, model = _fine_tuned_resnet(student)
    before = build(FINE_TUNE_START).state_dict()
    after = model.state_dict()
    changed = [
        name
        for name, tensor in before.items()
        if not name.startswith("fc.") and not torch.equal(after[name], tensor)
    ]
    if changed:
        statistics_only = all("running_" in n or "num_batches" in n for n in changed)
        raise fail(
            call,
            f"{len(changed)} backbone tensors changed, such as {changed[0]}",
            "only fc.weight and fc.bias changed",
            "keep the frozen backbone's BatchNorm layers in eval mode"
            if statistics_only
            else "freeze with requires_grad_(False) and give the optimizer only the head",
        )
    if torch.equal(after["fc.weight"], before["fc.weight"]):
        raise fail(call, "the head unchanged", "a trained head", "call optimizer.step()")


@check("resnet.fine_tune", points=1, hidden=True, timeout_s=240)
def uses_its_learning_rate(student: Student) -> None:
    """uses the learning_rate it is given: at 0 nothing may change
    zh: 使用传入的 learning_rate：为 0 时什么都不能改变"""
    got = student.call("fine_tune", FINE_TUNE_START, str(split_dir("train")), learning_rate=0.0)
    if not isinstance(got.value, ModuleState) or "fc.weight" not in got.value.state_dict:
        raise fail(got.call, describe(got.value), "the fine-tuned ResNet-18")
    before = build(FINE_TUNE_START).state_dict()
    changed = [
        name
        for name, tensor in before.items()
        if name in got.value.state_dict and not torch.equal(got.value.state_dict[name], tensor)
    ]
    if changed:
        raise fail(
            got.call,
            f"{len(changed)} tensors changed, such as {changed[0]}",
            "an unchanged model: a learning rate of 0 moves no weight",
            "give the optimizer lr=learning_rate, not a number of your own",
        )


# --- resnet.confusion ------------------------------------------------------------------


def _expect_confusion(student: Student, targets: list[int], guesses: list[int], classes: int):
    from sklearn.metrics import confusion_matrix

    got = student.call("confusion_matrix", torch.tensor(targets), torch.tensor(guesses), classes)
    want = torch.as_tensor(confusion_matrix(targets, guesses, labels=list(range(classes))))
    expect_tensor(
        got.call, got.value, want, "confusion", why="rows are true classes, columns predicted"
    )


@check("resnet.confusion", points=1)
def matches_scikit_learn(student: Student) -> None:
    """matches scikit-learn, including a class that is never predicted
    zh: 与 scikit-learn 一致，包括从未被预测的类别"""
    _expect_confusion(student, [0, 0, 1, 2, 2, 2, 1], [0, 1, 1, 1, 2, 0, 1], 4)


@check("resnet.confusion", points=1)
def confusion_of_the_pretrained_model(student: Student) -> None:
    """the pretrained ResNet-18's confusion matrix on the validation images
    zh: 预训练 ResNet-18 在验证图像上的混淆矩阵"""
    from sklearn.metrics import confusion_matrix

    got = student.call("confusion_for_folder", PRETRAINED, str(split_dir("val")), 50)
    images, labels = val_tensors()
    predictions = trusted_logits(PRETRAINED, images).argmax(dim=-1)
    want = confusion_matrix(labels.numpy(), predictions.numpy(), labels=list(range(10)))
    expect_tensor(got.call, got.value, torch.as_tensor(want), "confusion")


@check("resnet.confusion", points=1, hidden=True)
def matches_scikit_learn_on_random_cases(student: Student) -> None:
    """matches scikit-learn on many random cases
    zh: 在大量随机用例上与 scikit-learn 一致"""
    rng = random.Random(31)
    for _ in range(20):
        classes = rng.randint(2, 6)
        size = rng.randint(1, 50)
        _expect_confusion(
            student,
            [rng.randrange(classes) for _ in range(size)],
            [rng.randrange(classes) for _ in range(size)],
            classes,
        )


# --- resnet.topk -----------------------------------------------------------------------

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _expect_topk(student: Student, model: Ref, path: Path, image: Image.Image, k: int) -> None:
    got = student.call("predict_topk", model, str(path), NAMES, k)
    pixels = eval_transform()(image).unsqueeze(0)  # (1, 3, 32, 32)
    probabilities = trusted_logits(model, pixels).softmax(dim=-1)[0]
    top = probabilities.topk(k)
    want = [(NAMES[i], p) for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)]
    if not isinstance(got.value, list | tuple) or len(got.value) != k:
        raise fail(got.call, describe(got.value), f"a list of {k} (name, probability) pairs")
    for rank, (item, (name, probability)) in enumerate(zip(got.value, want, strict=True)):
        if not isinstance(item, list | tuple) or len(item) != 2 or item[0] != name:
            raise fail(
                got.call,
                f"entry {rank}: {describe(item)}",
                f"({name!r}, {probability:.4f}), best first",
                "sort by probability, largest first (topk does), and map ids to class names",
            )
        value = float(item[1]) if isinstance(item[1], float | int | torch.Tensor) else None
        if value is None or abs(value - probability) > 1e-4:
            raise fail(
                got.call,
                f"entry {rank} probability {item[1]!r}",
                f"{probability:.4f}",
                "report softmax probabilities, not logits, for the evaluation transform",
            )


@check("resnet.topk", points=1)
def top3_of_a_validation_image(student: Student) -> None:
    """top-3 classes of a validation image, with names and probabilities
    zh: 一张验证图像的前 3 个类别，带名称和概率"""
    model = Ref.of("resnet.model", pretrained=True, head_seed=2)
    for path in val_files()[5::150]:
        _expect_topk(student, model, path, load_image(path), 3)


@check("resnet.topk", points=1, hidden=True)
def topk_of_unseen_files(student: Student) -> None:
    """top-5 of a grey PNG and of a larger image, from a model that arrives in training mode
    zh: 以训练模式传入的模型对一张灰度 PNG 和一张较大图像给出前 5 个类别"""
    model = Ref.of("resnet.model", pretrained=True, head_seed=4, train_mode=True)
    for kind in ("grey", "large"):
        path, image = unseen_image(student, kind)
        _expect_topk(student, model, path, image, 5)
