"""Build the offline data and models of the image tracks: `mlkata data digits` writes
scikit-learn's handwritten digits as an ImageFolder (train/val class folders of PNG files)
into the cache; `mlkata data resnet18` also trains and caches the platform's ResNet-18."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "what",
        choices=["digits", "resnet18"],
        help="digits: the ImageFolder; resnet18: the ResNet-18 checkpoint trained on it",
    )
    parser.add_argument("--root", help="where to write the digits (default: the mlkata cache)")
    parser.add_argument("--force", action="store_true", help="rebuild even if present")


def run(args: argparse.Namespace) -> int:
    from grader.errors import MlkataError
    from grader.tracks.resnet.data import SPLITS, digits_root

    if args.what == "resnet18":
        if args.root:
            raise MlkataError("--root applies to digits only; the checkpoint uses the cache")
        from grader.tracks.resnet.pretrained import digits_checkpoint

        print(f"resnet18: {digits_checkpoint(force=args.force)}")
        return 0
    try:
        root = digits_root(args.root, force=args.force)
    except OSError as error:
        raise MlkataError(f"cannot write the digits to {args.root}: {error.strerror}") from None
    counts = ", ".join(f"{s} {sum(1 for _ in (root / s).glob('*/*.png'))}" for s in SPLITS)
    print(f"digits: {root} ({counts} images, 10 classes, 32x32 RGB PNG)")
    return 0
