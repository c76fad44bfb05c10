"""Benchmark: tokens per second for the same generation work, direct and through a server.

Side by side in one run on this machine:
  - `model.generate` called directly (greedy, batch of one);
  - `transformers serve` + the openai client, 1 request at a time and 8 concurrent requests;
  - the same server started with and without `--continuous-batching`.

    python benchmarks/textgen_serving.py [--tokens 48] [--requests 8] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROMPT = "Explain in a few sentences why the sky looks blue during the day."


def direct(tokens: int, repeats: int) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grader.models.registry import resolve

    folder = resolve("llm")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT}], tokenize=False, add_generation_prompt=True
    )
    ids = tokenizer(text, return_tensors="pt").input_ids
    produced, started = 0, time.perf_counter()
    with torch.no_grad():
        for _ in range(repeats):
            out = model.generate(ids, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False)
            produced += out.shape[-1] - ids.shape[-1]
    return produced / (time.perf_counter() - started)


def through_server(tokens: int, requests: int, concurrency: int, batching: bool) -> float:
    from openai import OpenAI

    from grader.models.registry import resolve
    from grader.serving.server import LocalServer, free_port

    server = LocalServer(resolve("llm"), free_port(), continuous_batching=batching).start()
    client = OpenAI(base_url=server.base_url, api_key="bench")

    def one(_: int) -> int:
        reply = client.chat.completions.create(
            model=server.model,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=tokens,
            temperature=0.0,
        )
        return reply.usage.completion_tokens if reply.usage else tokens

    try:
        one(0)  # warm-up
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            produced = sum(pool.map(one, range(requests)))
        return produced / (time.perf_counter() - started)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=48, help="new tokens per request")
    parser.add_argument("--requests", type=int, default=8, help="requests per server setting")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "textgen_serving.json"
    )
    args = parser.parse_args()
    rows = [("`model.generate`, direct", direct(args.tokens, 3))]
    for batching in (False, True):
        label = "continuous batching" if batching else "default"
        for concurrency in (1, args.requests):
            rate = through_server(args.tokens, args.requests, concurrency, batching)
            rows.append((f"server ({label}), {concurrency} concurrent", rate))
            print(f"  {rows[-1][0]}: {rate:.1f} tokens/s", file=sys.stderr)
    base = rows[0][1]
    table = ["| setting | tokens/s | vs direct |", "|---|---:|---:|"]
    table += [f"| {name} | {rate:.1f} | {rate / base:.2f}x |" for name, rate in rows]
    print("\n".join(table))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "tokens": args.tokens,
                "requests": args.requests,
                "rows": rows,
                "table": "\n".join(table),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
