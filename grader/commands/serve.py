"""Serve the local LLM with an OpenAI-compatible API on loopback (transformers serve).

Waits until the server answers, prints its base_url and a working openai snippet, and
shuts it down cleanly on Ctrl-C. To use a real provider instead, set OPENAI_BASE_URL and
OPENAI_API_KEY (and MLKATA_OPENAI_MODEL for the checks); the exercises run unchanged.
"""

from __future__ import annotations

import argparse
import signal
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument(
        "--model", default="llm", help="a registry name (default: llm), a local folder or a hub id"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: auto)")
    parser.add_argument(
        "--continuous-batching",
        action="store_true",
        help="let transformers batch concurrent requests (paged attention)",
    )


def ready_message(base_url: str, model_id: str) -> str:
    """What `mlkata serve` prints once the server answers: a snippet that works as pasted."""
    return f"""ready: base_url = {base_url}, model = "{model_id}"

    from openai import OpenAI
    client = OpenAI(base_url="{base_url}", api_key="local")
    reply = client.chat.completions.create(
        model="{model_id}",
        messages=[{{"role": "user", "content": "What is a KV cache?"}}],
        max_tokens=64,
    )
    print(reply.choices[0].message.content)

Requests must name the model "{model_id}" (the server answers 400 to any other name).
Ctrl-C stops the server."""


def run(args: argparse.Namespace) -> int:
    from grader.models.device import pick_device
    from grader.models.registry import MODELS, resolve
    from grader.serving.server import HOST, LocalServer

    if not 0 < args.port < 65536:
        from grader.errors import MlkataError

        raise MlkataError(f"port must be between 1 and 65535, not {args.port}")
    from pathlib import Path

    from grader.errors import ModelNotAvailable

    model = resolve(args.model) if args.model in MODELS else args.model
    looks_local = model.startswith((".", "/", "~")) or Path(model).expanduser().exists()
    if looks_local and not (Path(model).expanduser() / "config.json").exists():
        known = ", ".join(MODELS)
        raise ModelNotAvailable(
            f"model {model!r}: no transformers folder there (names: {known}, a folder or a hub id)"
        )
    server = LocalServer(
        model,
        args.port,
        pick_device(args.device),
        args.continuous_batching,
        served_name=args.model if args.model in MODELS else None,
    )
    print(f"starting transformers serve for {model} on {HOST}:{args.port} ...", flush=True)
    server.start()
    print(ready_message(server.base_url, server.model_id), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        assert server.process is not None
        code = server.process.wait()
        print(f"mlkata: the server exited with code {code}: {server.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping the server", flush=True)
        return 0
    finally:
        server.stop()
