"""The sandbox: a separate process that runs submission code and answers calls into it.

It executes the notebook's setup and exercise cells into one namespace, then serves
``call`` requests: it builds the named resources, seeds the RNGs, calls the learner's
function and sends back the result reduced to plain data. Nothing here decides a score:
the assertions run in the trusted runner, which this process cannot reach.

Sandboxes are forked from a warm template (``grader.engine.forkserver``), which calls
``run``; ``python -m grader.engine.sandbox [--memory-mb N] [--forward PORT=SOCKET ...]`` runs
one by hand, without isolation. stdin carries requests and the original stdout carries
replies, while anything the submission prints goes to stderr. Each forward makes
``127.0.0.1:PORT`` inside the sandbox's network namespace reach the same port on the host
(``grader.engine.relay``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Any, BinaryIO

CELL_FILENAME_PREFIX = "<cell "


def short_error(error: BaseException) -> str:
    """``Type: message`` plus the submission's own frames, without the sandbox's."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(CELL_FILENAME_PREFIX)
    ]
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {last.filename.strip('<>')}, line {last.lineno}: {last.line})"
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}{where}"[:600]


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def limit_memory(megabytes: int) -> None:
    import resource

    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    from grader.engine import protocol, wire
    from grader.engine.resources import observations, resolve_refs

    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}

    def reply(message: dict[str, Any]) -> None:
        protocol.write_frame(replies, wire.dumps(message))

    while True:
        try:
            request = protocol.decode_request(protocol.read_frame(requests))
        except EOFError:
            return
        op = request["op"]
        if op == "quit":
            return
        try:
            if op == "exec":
                code = compile(
                    request["source"], f"{CELL_FILENAME_PREFIX}{request['label']}>", "exec"
                )
                exec(code, namespace)
                reply({"ok": True})
            elif op == "call":
                function = namespace.get(request["function"])
                if not callable(function):
                    reply(
                        {
                            "ok": False,
                            "missing": True,
                            "error": f"{request['function']} is not defined",
                        }
                    )
                    continue
                built: list = []
                started = time.perf_counter()
                args = resolve_refs(request["args"], built)
                kwargs = resolve_refs(request["kwargs"], built)
                build_s = time.perf_counter() - started  # reported for timing only
                seed_everything(request["seed"])
                try:
                    value = function(*args, **kwargs)
                except BaseException as error:
                    failed = {"ok": False, "error": short_error(error), "raised": True}
                    reply({**failed, "build_s": build_s})
                    continue
                observed = wire.reduce(observations(built))
                reply(
                    {
                        "ok": True,
                        "value": wire.reduce(value),
                        "observed": observed,
                        "build_s": build_s,
                    }
                )
            else:
                reply({"ok": False, "error": f"unknown request {op!r}"})
        except BaseException as error:  # SystemExit and KeyboardInterrupt are submission faults too
            reply({"ok": False, "error": short_error(error)})


def run(memory_mb: int, forwards: dict[int, str]) -> None:
    """Serve requests on stdin, replies on the original stdout; the submission's prints go
    to stderr. ``forwards`` relays loopback ports to the gateway's sockets (see relay)."""
    if forwards:
        from grader.engine import relay

        relay.start(forwards)
    replies = os.fdopen(os.dup(1), "wb")
    requests = os.fdopen(os.dup(0), "rb")
    os.dup2(2, 1)  # the submission's prints must never reach the reply channel
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = sys.stderr
    import torch  # noqa: F401  (import before the cap: CUDA builds map large regions)

    if memory_mb:
        limit_memory(memory_mb)
    serve(requests, replies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space cap (0: none)")
    parser.add_argument(
        "--forward", action="append", default=[], help="PORT=SOCKET: relay a loopback port"
    )
    options = parser.parse_args()
    from grader.engine import relay

    run(options.memory_mb, relay.parse(options.forward))


if __name__ == "__main__":
    main()
