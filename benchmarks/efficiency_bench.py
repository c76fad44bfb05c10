"""Benchmark: the efficiency track's effects, and what its checks cost, measured in one run.

Side by side, on this machine:
  1. BERT inference: float32 against dynamic int8 (the reference quantization), latency of
     a batch of 32 test sentences, size of the state_dict, test accuracy;
  2. LLM generation (SmolLM2-135M): 30 greedy tokens with and without the KV cache;
  3. the checks themselves: each efficiency check run warm in-process, against the time
     spent inside the reference solution's own calls (pattern: benchmarks/bert_checks.py).

    python benchmarks/efficiency_bench.py [--repeats 3] [--out FILE]

Writes Markdown tables to stdout and the raw numbers as JSON (default:
benchmarks/results/efficiency.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.check_timing import check_table, time_track_checks  # noqa: E402
from grader.engine.resources import build  # noqa: E402
from grader.engine.spec import Ref  # noqa: E402
from tests.tracks.checking import reference_namespace  # noqa: E402


def median_time(function: Any, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bert_int8(reference: dict[str, Any], repeats: int) -> list[dict[str, Any]]:
    import torch

    from grader.tracks.bert.data import load_split

    tokenizer = build(Ref.of("bert.tokenizer"))
    texts, labels = load_split("test")
    batch = tokenizer(texts[:32], padding=True, return_tensors="pt")  # (32, T)
    full = tokenizer(texts, padding=True, return_tensors="pt")  # (90, T)
    fp32 = build(Ref.of("efficiency.fine_tuned"))
    rows = []
    for name, model in [("float32", fp32), ("int8 dynamic", reference["quantize_int8"](fp32))]:
        with torch.no_grad():
            latency = median_time(lambda m=model: m(**batch), repeats)
            predicted = model(**full).logits.argmax(dim=-1)  # (90,)
        rows.append(
            {
                "model": name,
                "batch32_ms": latency * 1000,
                "size_mb": reference["model_size_bytes"](model) / 1e6,
                "accuracy": (predicted == torch.tensor(labels)).float().mean().item(),
            }
        )
    return rows


def llm_kv_cache(repeats: int, tokens: int = 30) -> list[dict[str, Any]]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grader.models.registry import resolve
    from grader.tracks.bert.resources import quiet_transformers

    with quiet_transformers():
        folder = resolve("llm")
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
    prompt = tokenizer("Three ways to make training faster are", return_tensors="pt")
    rows, outputs = [], {}
    for use_cache in (True, False):

        def generate(flag: bool = use_cache) -> Any:
            with torch.no_grad(), quiet_transformers():
                return model.generate(
                    **prompt,
                    max_new_tokens=tokens,
                    min_new_tokens=tokens,
                    do_sample=False,
                    use_cache=flag,
                    pad_token_id=tokenizer.eos_token_id,
                )

        seconds = median_time(generate, repeats)
        outputs[use_cache] = generate()
        rows.append(
            {
                "kv_cache": use_cache,
                "tokens": tokens,
                "seconds": seconds,
                "ms_per_token": seconds / tokens * 1000,
            }
        )
    for row in rows:
        row["same_tokens"] = bool(torch.equal(outputs[True], outputs[False]))
    return rows


def time_checks(reference: dict[str, Any], repeats: int) -> list[dict[str, Any]]:
    return time_track_checks("efficiency", reference, repeats)


def markdown(bert: list[dict], llm: list[dict], checks: list[dict]) -> str:
    lines = [
        "| BERT classifier | batch of 32 (ms) | size (MB) | test accuracy |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r['model']} | {r['batch32_ms']:.1f} | {r['size_mb']:.1f} | {r['accuracy']:.3f} |"
        for r in bert
    ]
    lines += ["", "| SmolLM2-135M, greedy | tokens | seconds | ms per token | same tokens |"]
    lines += ["|---|---:|---:|---:|---|"]
    lines += [
        f"| {'with' if r['kv_cache'] else 'without'} KV cache | {r['tokens']} | "
        f"{r['seconds']:.2f} | {r['ms_per_token']:.1f} | {r['same_tokens']} |"
        for r in llm
    ]
    lines += ["", *check_table(checks)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measurement")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "efficiency.json"
    )
    args = parser.parse_args()
    import torch

    reference = reference_namespace("efficiency")
    bert = bert_int8(reference, args.repeats)
    llm = llm_kv_cache(args.repeats)
    checks = time_checks(reference, args.repeats)
    table = markdown(bert, llm, checks)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "load_average_at_end": os.getloadavg(),
    }
    report = {"machine": machine, "bert": bert, "llm": llm, "checks": checks, "table": table}
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
