"""Correct solutions for the ResNet track written differently from the reference: each must
get full marks (tests/tracks/test_alternative_solutions.py)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from grader.tracks.resnet.images import load_image

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def transforms_with_rotation_and_crop(train):
    """Augments with a small rotation and a padded random crop instead of RandomAffine."""
    steps = [transforms.Resize([32, 32])]
    if train:
        steps += [transforms.RandomRotation(8), transforms.RandomCrop(32, padding=2)]
    steps += [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    return transforms.Compose(steps)


def loaders_with_samplers(root, batch_size):
    """Random and sequential samplers instead of shuffle=True/False."""
    from torch.utils.data import RandomSampler, SequentialSampler

    train = datasets.ImageFolder(root + "/train", transform=transforms_with_rotation_and_crop(True))
    val = datasets.ImageFolder(root + "/val", transform=transforms_with_rotation_and_crop(False))
    return (
        DataLoader(train, batch_size=batch_size, sampler=RandomSampler(train)),
        DataLoader(val, batch_size=batch_size, sampler=SequentialSampler(val)),
    )


def head_from_the_weight_shape(model, num_classes):
    """Reads the width from the old head's weight matrix (out, in)."""
    _, width = model.fc.weight.shape
    model.fc = torch.nn.Linear(width, num_classes, bias=True)
    return model


def collect_predictions_with_extend(model, loader):
    """Python lists of ints, turned into tensors at the end."""
    model.train(False)
    truth, guesses = [], []
    for images, labels in loader:
        with torch.no_grad():
            guesses.extend(model(images).max(dim=1).indices.tolist())
        truth.extend(labels.tolist())
    return torch.tensor(truth), torch.tensor(guesses)


def confusion_with_bincount(targets, predictions, num_classes):
    """One bincount over the flattened (true, predicted) pair index."""
    flat = targets.long() * num_classes + predictions.long()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def topk_with_sorted(model, image_path, class_names, k=3):
    """Sorts (probability, index) pairs in Python instead of calling topk."""
    image = transforms_with_rotation_and_crop(False)(load_image(image_path))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(image[None]), dim=1)[0].tolist()
    best = sorted(enumerate(probabilities), key=lambda pair: pair[1], reverse=True)[:k]
    return [(class_names[index], probability) for index, probability in best]


def evaluate_with_float32_mean(model, loader):
    """Collects every prediction, then takes the mean in float32 (rounding about 1e-8)."""
    model.eval()
    predictions, labels = [], []
    with torch.inference_mode():
        for images, targets in loader:
            predictions.append(model(images).argmax(dim=1))
            labels.append(targets)
    return (torch.cat(predictions) == torch.cat(labels)).float().mean().item()


def fine_tune_head_with_sgd(
    model, train_dir, epochs=2, batch_size=32, learning_rate=0.05, freeze_backbone=True
):
    """Freezes parameter by parameter, SGD with momentum on the head, the whole model in eval
    mode (the head has no dropout or BatchNorm, so it trains the same), no augmentation."""
    preprocess = transforms.Compose(
        [
            transforms.Resize((32, 32)),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )
    loader = DataLoader(
        datasets.ImageFolder(train_dir, transform=preprocess), batch_size=batch_size, shuffle=True
    )
    for name, parameter in model.named_parameters():
        parameter.requires_grad = not freeze_backbone or name.startswith("fc.")
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=learning_rate, momentum=0.9)
    model.train(not freeze_backbone)
    loss_function = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        for images, labels in loader:
            optimizer.zero_grad(set_to_none=True)
            loss_function(model(images), labels).backward()
            optimizer.step()
    return model.eval()


TRAINING_ALTERNATIVES = [fine_tune_head_with_sgd]

ALTERNATIVE_SOLUTIONS = [
    ("resnet.transforms", {"build_transforms": transforms_with_rotation_and_crop}),
    ("resnet.loaders", {"build_loaders": loaders_with_samplers}),
    ("resnet.head", {"replace_head": head_from_the_weight_shape}),
    (
        "resnet.confusion",
        {
            "collect_predictions": collect_predictions_with_extend,
            "confusion_matrix": confusion_with_bincount,
        },
    ),
    ("resnet.topk", {"predict_topk": topk_with_sorted}),
    ("resnet.fix_script", {"evaluate": evaluate_with_float32_mean}),
    ("resnet.fine_tune", {"fine_tune": fine_tune_head_with_sgd}),
]
