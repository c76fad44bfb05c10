"""Plausible wrong solutions for the ResNet track: each must fail at least one check.

Every function is a mistake learners really make; its docstring names the mistake.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from grader.tracks.resnet.images import load_image


def transforms_without_normalisation(train):
    """Stops at ToTensor(): inputs in [0, 1] instead of ImageNet-normalised."""
    return transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])


def transforms_without_augmentation(train):
    """Uses the evaluation transform for training too."""
    return transforms.Compose(
        [
            transforms.Resize((32, 32)),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )


def loaders_shuffling_validation(root, batch_size):
    """Shuffles the validation loader too."""
    eval_tf = transforms_without_augmentation(False)
    train = datasets.ImageFolder(f"{root}/train", transform=eval_tf)
    val = datasets.ImageFolder(f"{root}/val", transform=eval_tf)
    return (
        DataLoader(train, batch_size=batch_size, shuffle=True),
        DataLoader(val, batch_size=batch_size, shuffle=True),
    )


def loaders_without_shuffling(root, batch_size):
    """Never shuffles: every training batch holds a single class."""
    eval_tf = transforms_without_augmentation(False)
    train = datasets.ImageFolder(f"{root}/train", transform=eval_tf)
    val = datasets.ImageFolder(f"{root}/val", transform=eval_tf)
    return DataLoader(train, batch_size=batch_size), DataLoader(val, batch_size=batch_size)


def evaluate_in_train_mode(model, loader):
    """Forgets model.eval(): BatchNorm uses each batch's statistics."""
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=-1) == labels).sum().item()
            total += len(labels)
    return correct / total


def evaluate_averaging_batches(model, loader):
    """Averages per-batch accuracies: the smaller last batch weighs too much."""
    model.eval()
    accuracies = []
    with torch.no_grad():
        for images, labels in loader:
            accuracies.append((model(images).argmax(dim=-1) == labels).double().mean().item())
    return sum(accuracies) / len(accuracies)


def head_with_hard_coded_width(model, num_classes):
    """Hard-codes 512 input features, right for ResNet-18 only."""
    model.fc = torch.nn.Linear(512, num_classes)
    return model


def head_appended_after_the_old_one(model, num_classes):
    """Stacks a new layer on the 10-way head instead of replacing it."""
    model.fc = torch.nn.Sequential(model.fc, torch.nn.Linear(model.fc.out_features, num_classes))
    return model


def fine_tune_without_step(
    model, train_dir, epochs=1, batch_size=64, learning_rate=1e-3, freeze_backbone=True
):
    """Computes the loss and gradients but never calls optimizer.step()."""
    model.requires_grad_(False)
    model.fc.requires_grad_(True)
    data = datasets.ImageFolder(train_dir, transform=transforms_without_augmentation(True))
    for images, labels in DataLoader(data, batch_size=batch_size, shuffle=True):
        torch.nn.functional.cross_entropy(model(images), labels).backward()
    return model


def confusion_transposed(targets, predictions, num_classes):
    """Puts predictions in rows and truth in columns."""
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for truth, guess in zip(targets.tolist(), predictions.tolist(), strict=True):
        confusion[guess, truth] += 1
    return confusion


def confusion_without_repeats(targets, predictions, num_classes):
    """Indexes with += on a tensor: repeated (true, predicted) pairs count only once."""
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    confusion[targets, predictions] += 1
    return confusion


def topk_of_logits(model, image_path, class_names, k=3):
    """Reports logits instead of softmax probabilities."""
    image = transforms_without_augmentation(False)(load_image(image_path)).unsqueeze(0)
    model.eval()
    with torch.no_grad():
        top = model(image)[0].topk(k)
    return [
        (class_names[i], v) for v, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
    ]


def topk_without_normalisation(model, image_path, class_names, k=3):
    """Feeds the image without ImageNet normalisation."""
    image = transforms.ToTensor()(load_image(image_path).resize((32, 32))).unsqueeze(0)
    model.eval()
    with torch.no_grad():
        top = model(image).softmax(dim=-1)[0].topk(k)
    return [
        (class_names[i], v) for v, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
    ]


def _digit_loader(train_dir, batch_size):
    data = datasets.ImageFolder(train_dir, transform=transforms_without_augmentation(True))
    return DataLoader(data, batch_size=batch_size, shuffle=True)


def fine_tune_training_the_frozen_backbone(
    model, train_dir, epochs=1, batch_size=64, learning_rate=1e-3, freeze_backbone=True
):
    """Accepts freeze_backbone but hands every parameter to the optimizer anyway."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(epochs):
        for images, labels in _digit_loader(train_dir, batch_size):
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def fine_tune_frozen_but_in_train_mode(
    model, train_dir, epochs=1, batch_size=64, learning_rate=1e-3, freeze_backbone=True
):
    """Freezes the weights but leaves BatchNorm in training mode: its statistics drift."""
    if freeze_backbone:
        for name, parameter in model.named_parameters():
            parameter.requires_grad = name.startswith("fc.")
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=learning_rate
    )
    model.train()
    for _ in range(epochs):
        for images, labels in _digit_loader(train_dir, batch_size):
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def fine_tune_softmax_into_cross_entropy(
    model, train_dir, epochs=1, batch_size=64, learning_rate=1e-3, freeze_backbone=True
):
    """Feeds softmax probabilities to cross_entropy, which applies log-softmax itself."""
    model.requires_grad_(False)
    model.fc.requires_grad_(True)
    optimizer = torch.optim.AdamW(model.fc.parameters(), lr=learning_rate)
    model.eval()
    for _ in range(epochs):
        for images, labels in _digit_loader(train_dir, batch_size):
            loss = torch.nn.functional.cross_entropy(model(images).softmax(dim=1), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def fine_tune_never_zeroing_gradients(
    model, train_dir, epochs=1, batch_size=64, learning_rate=1e-3, freeze_backbone=True
):
    """Never calls zero_grad: every step adds to the gradients of all earlier steps."""
    model.requires_grad_(False)
    model.fc.requires_grad_(True)
    optimizer = torch.optim.AdamW(model.fc.parameters(), lr=learning_rate)
    model.eval()
    for _ in range(epochs):
        for images, labels in _digit_loader(train_dir, batch_size):
            torch.nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
    return model


TRAINING_MISTAKES = [
    fine_tune_training_the_frozen_backbone,
    fine_tune_frozen_but_in_train_mode,
    fine_tune_softmax_into_cross_entropy,
    fine_tune_never_zeroing_gradients,
]

WRONG_SOLUTIONS = [
    ("resnet.transforms", "build_transforms", transforms_without_normalisation),
    ("resnet.transforms", "build_transforms", transforms_without_augmentation),
    ("resnet.loaders", "build_loaders", loaders_shuffling_validation),
    ("resnet.loaders", "build_loaders", loaders_without_shuffling),
    ("resnet.fix_script", "evaluate", evaluate_in_train_mode),
    ("resnet.fix_script", "evaluate", evaluate_averaging_batches),
    ("resnet.head", "replace_head", head_with_hard_coded_width),
    ("resnet.head", "replace_head", head_appended_after_the_old_one),
    ("resnet.fine_tune", "fine_tune", fine_tune_without_step),
    ("resnet.fine_tune", "fine_tune", fine_tune_training_the_frozen_backbone),
    ("resnet.fine_tune", "fine_tune", fine_tune_frozen_but_in_train_mode),
    ("resnet.confusion", "confusion_matrix", confusion_transposed),
    ("resnet.confusion", "confusion_matrix", confusion_without_repeats),
    ("resnet.topk", "predict_topk", topk_of_logits),
    ("resnet.topk", "predict_topk", topk_without_normalisation),
]
