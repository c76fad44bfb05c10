"""Loading a model folder that learner code wrote, bounded before any memory is spent.

A folder saved by learner code is data from the submission: its ``config.json`` may declare
layers that would take the grader's memory, and its weights may be a pickle. So the folder
is first copied out of the sandbox's reach (``Student.take_back``, which bounds its bytes),
then its config is built on the ``meta`` device, which allocates nothing, to count the
parameters it declares; only a model within the bound is loaded, from safetensors only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.engine.spec import CheckFailure


def declared_parameters(model_class: Any, config: Any) -> int:
    """How many parameters ``model_class(config)`` would have, without allocating them."""
    import torch

    with torch.device("meta"):
        skeleton = model_class(config)
    return sum(parameter.numel() for parameter in skeleton.parameters())


def load_bounded(model_class: Any, folder: Path, max_parameters: int, what: str) -> Any:
    """``model_class.from_pretrained(folder)`` (safetensors only), refused with CheckFailure
    when the folder's config declares more than ``max_parameters`` parameters."""
    config = model_class.config_class.from_pretrained(folder)
    count = declared_parameters(model_class, config)
    if count > max_parameters:
        raise CheckFailure(
            f"{what}: its config.json declares a model of {count:,} parameters, more than "
            f"the {max_parameters:,} of the model that was saved; it was not loaded"
        )
    # Only safetensors: a pickle written by untrusted code must never be loaded here.
    return model_class.from_pretrained(folder, config=config, use_safetensors=True)
