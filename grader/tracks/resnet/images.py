"""Image helpers with one-line errors for the three mistakes that otherwise end in a long
traceback: a file that is not an image, a grey image fed to an RGB model, and an
ImageFolder with an empty class folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import MlkataError

if TYPE_CHECKING:
    import torch
    from PIL import Image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class ImageDataError(MlkataError):
    """Images or image folders that cannot be used as they are; the message says why."""


def load_image(path: str | Path) -> Image.Image:
    """Open ``path`` as a 3-channel RGB image (grey and RGBA images are converted)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ImageDataError(f"{path} does not exist or is not a file")
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise ImageDataError(
            f"{path.name} is not an image Pillow can read ({type(error).__name__})"
        ) from None


def check_model_input(images: torch.Tensor, model: torch.nn.Module) -> torch.Tensor:
    """Return ``images`` (B, C, H, W) if ``model``'s first convolution accepts C channels."""
    first = next(m for m in model.modules() if hasattr(m, "in_channels"))
    if images.dim() != 4:
        raise ImageDataError(
            f"expected a batch of shape (B, C, H, W), got shape {tuple(images.shape)}: "
            "add the batch dimension with .unsqueeze(0)"
        )
    channels = images.shape[1]
    if channels != first.in_channels:
        raise ImageDataError(
            f"the model expects {first.in_channels}-channel images but got {channels} "
            "channel(s): open images with .convert('RGB')"
        )
    return images


def check_image_folder(root: str | Path) -> list[str]:
    """The class names of an ImageFolder at ``root``; one clear error if one is empty."""
    root = Path(root)
    if not root.is_dir():
        raise ImageDataError(f"{root} is not a folder")
    classes = sorted(entry.name for entry in root.iterdir() if entry.is_dir())
    if not classes:
        raise ImageDataError(f"{root} has no class folders (expected {root}/<class>/<image>)")
    for name in classes:
        if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in (root / name).iterdir()):
            raise ImageDataError(f"class folder {name!r} in {root} holds no images")
    return classes
