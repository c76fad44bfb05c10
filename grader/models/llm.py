"""Convert the packaged SmolLM2 GGUF file once into a plain transformers folder in the cache.

transformers can read GGUF directly, but dequantizing takes about 20 s on two cores and the
loaded model refuses ``save_pretrained`` because it is flagged as quantized. So we load it
once, copy its weights into a fresh model built from the same config (without the
quantization flag), and save that. Later loads read safetensors and take well under a second.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from grader.paths import cache_dir

CONVERTED_NAME = "smollm2-135m-instruct"


def converted_llm_folder(*, show_progress: bool = True) -> Path:
    """The cached transformers folder for the packaged LLM, converting it if absent."""
    target = cache_dir() / "models" / CONVERTED_NAME
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    from grader.models.registry import packaged_path

    convert_gguf(packaged_path("llm"), target, show_progress=show_progress)
    return target


def convert_gguf(gguf_path: Path, target: Path, *, show_progress: bool = True) -> None:
    """Write a plain float32 copy of ``gguf_path`` to ``target``, atomically."""
    import torch
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from transformers import AutoModelForCausalLM, AutoTokenizer

    steps = ["tokenizer", "dequantize weights", "rebuild plain model", "save"]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    with Progress(
        TextColumn("[bold]converting LLM[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        disable=not show_progress,
    ) as progress:
        task = progress.add_task(steps[0], total=len(steps))
        folder, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        progress.update(task, advance=1, description=steps[1])
        quantized = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, dtype=torch.float32
        )
        progress.update(task, advance=1, description=steps[2])
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        plain.load_state_dict(quantized.state_dict())
        plain.generation_config = quantized.generation_config
        progress.update(task, advance=1, description=steps[3])
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        progress.update(task, advance=1, description="done")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)  # atomic on one filesystem: a killed conversion leaves no half folder
