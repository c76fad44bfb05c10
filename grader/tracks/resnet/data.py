"""The track's images: scikit-learn's bundled handwritten digits written out as an
ImageFolder on disk (class folders of PNG files, fixed train/val split), with no download.

``load_digits`` ships 1,797 grey 8x8 images of the digits 0-9 inside scikit-learn. Each
is scaled to 0-255, upsampled to 32x32 and stored as a 3-channel PNG, so the folder looks
like any small photo data set that ``torchvision.datasets.ImageFolder`` reads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.paths import cache_dir

CLASSES = tuple(str(digit) for digit in range(10))  # folder names, in ImageFolder's order
IMAGE_SIZE = 32
VAL_FRACTION = 0.2
SPLIT_SEED = 0
SPLITS = ("train", "val")
_COMPLETE = "COMPLETE"  # written last: a folder without it is rebuilt


def default_root() -> Path:
    return cache_dir() / "data" / "digits"


def digits_root(root: str | Path | None = None, *, force: bool = False) -> Path:
    """The digits ImageFolder (``root/train/<class>/*.png``, ``root/val/...``), built on
    first use or when deleted or incomplete; ``force`` rebuilds it."""
    root = Path(root) if root is not None else default_root()
    if force or not (root / _COMPLETE).exists():
        build_digits(root)
    return root


def build_digits(root: Path) -> Path:
    """Write the ImageFolder from scratch (about a second) and return ``root``."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images * (255.0 / 16.0)).round().astype(np.uint8)  # (N, 8, 8)
    indices = np.arange(len(images))
    train, val = train_test_split(
        indices, test_size=VAL_FRACTION, random_state=SPLIT_SEED, stratify=digits.target
    )
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for split, chosen in zip(SPLITS, (train, val), strict=True):
        for name in CLASSES:
            (staging / split / name).mkdir(parents=True, exist_ok=True)
        for index in sorted(chosen.tolist()):
            image = Image.fromarray(images[index])  # 2-D uint8: mode "L"
            image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
            target = staging / split / CLASSES[digits.target[index]] / f"{index:04d}.png"
            image.convert("RGB").save(target)
    (staging / _COMPLETE).write_text("sklearn load_digits, 32x32 RGB PNG\n")
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(root)
    return root


def split_dir(split: str, root: str | Path | None = None) -> Path:
    """``train`` or ``val`` folder of the digits data, built if needed."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    return digits_root(root) / split


# ImageNet's channel statistics: torchvision's pretrained ResNets expect inputs normalised
# with them, and the platform's own checkpoint is trained the same way.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def eval_transform():  # -> torchvision.transforms.Compose (imported lazily)
    """The trusted evaluation transform: resize to 32x32, to a tensor, ImageNet-normalise."""
    from torchvision import transforms

    return transforms.Compose(
        [
            transforms.Resize((IMAGE_SIZE, IMAGE_SIZE)),
            transforms.ToTensor(),  # (3, 32, 32) in [0, 1]
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )


def load_split_tensors(split: str, root: str | Path | None = None):
    """All images of a split as ``(images (N, 3, 32, 32), labels (N,))``, eval-transformed."""
    import torch
    from torchvision.datasets import ImageFolder

    folder = ImageFolder(str(split_dir(split, root)), transform=eval_transform())
    images = torch.stack([image for image, _ in folder])  # (N, 3, 32, 32)
    return images, torch.tensor(folder.targets)  # (N,)
