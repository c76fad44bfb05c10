"""Length-prefixed messages between the trusted runner and the sandbox process.

Requests (runner to sandbox) are pickled: the sandbox trusts the runner. Replies (sandbox to
runner) are ``wire``-encoded and read with ``torch.load(weights_only=True)``: the runner
trusts nothing the sandbox says.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct("!Q")
MAX_REPLY_BYTES = 1 << 30  # a reply larger than 1 GiB is treated as hostile


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("stream closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> bytes:
    (size,) = HEADER.unpack(read_exact(stream, HEADER.size))
    if size > MAX_REPLY_BYTES:
        raise ValueError(f"frame of {size} bytes is too large")
    return read_exact(stream, size)


def encode_request(request: dict[str, Any]) -> bytes:
    return pickle.dumps(request)


def decode_request(payload: bytes) -> dict[str, Any]:
    return pickle.loads(payload)  # only ever called inside the sandbox, on the runner's bytes
