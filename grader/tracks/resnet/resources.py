"""Trusted objects the ResNet checks hand to learner code, built identically on both sides."""

from __future__ import annotations

from typing import Any

from grader.engine.resources import resource

ARCHITECTURES = ("resnet18", "resnet34", "resnet50")


@resource("resnet.model", fresh=True)
def model(
    pretrained: bool = False,
    seed: int = 0,
    num_classes: int = 10,
    arch: str = "resnet18",
    head_seed: int | None = None,
    train_mode: bool = False,
) -> Any:
    """A real torchvision ResNet on the CPU.

    ``pretrained``: ResNet-18 with the platform's digits checkpoint (trained and cached on
    first use); otherwise ``arch`` with random weights drawn from ``seed``. ``head_seed``
    replaces the classifier with a fresh ``num_classes`` head drawn from that seed.
    """
    import torch
    import torchvision.models

    from grader.tracks.resnet.pretrained import load_resnet18

    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, not {arch!r}")
    if pretrained:
        network = load_resnet18("digits")
    else:
        torch.manual_seed(seed)
        network = getattr(torchvision.models, arch)(num_classes=num_classes)
    if head_seed is not None:
        torch.manual_seed(head_seed)
        network.fc = torch.nn.Linear(network.fc.in_features, num_classes)
    return network.train(train_mode)
