"""Offline model registry: named models resolved from installed packages, a cache, or overrides."""

from grader.models.device import pick_device
from grader.models.registry import MODELS, ModelSpec, resolve

__all__ = ["MODELS", "ModelSpec", "pick_device", "resolve"]
