"""Choose the torch device: argument, then ``$MLKATA_DEVICE``, then cuda if available, else cpu."""

from __future__ import annotations

import os

from grader.errors import MlkataError

DEVICE_ENV = "MLKATA_DEVICE"


def pick_device(requested: str | None = None) -> str:
    """Return a device string such as ``"cpu"`` or ``"cuda:0"``.

    An explicit ``requested`` wins over ``$MLKATA_DEVICE``; with neither, cuda is used when
    torch can see a GPU. Asking for cuda on a machine without one is a one-line error.
    """
    import torch

    choice = requested or os.environ.get(DEVICE_ENV) or ""
    if not choice:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(choice)
    except RuntimeError as error:
        raise MlkataError(f"unknown device {choice!r}: use cpu, cuda or cuda:N") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise MlkataError(f"device {choice!r} was asked for, but torch sees no CUDA GPU here")
    return str(device)
