"""Inside the sandbox: listen on the loopback ports the grader handed over, and pass each
connection to the gateway's Unix socket for that port (see ``grader.engine.gateway``).

This runs in the sandbox process, next to submission code, so it holds nothing the
submission could not do itself: it only connects to sockets the sandbox can already see.
"""

from __future__ import annotations

import socket
import threading

from grader.engine.gateway import HOST, join


def _serve(listener: socket.socket, path: str) -> None:
    while True:
        try:
            inside, _ = listener.accept()
        except OSError:
            return
        try:
            gateway = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            gateway.connect(path)
        except OSError:
            inside.close()
            continue
        threading.Thread(target=join, args=(inside, gateway), daemon=True).start()


def start(forwards: dict[int, str]) -> None:
    """Relay ``127.0.0.1:port`` to the Unix socket ``path``, for each pair, in daemon threads."""
    for port, path in forwards.items():
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(64)
        threading.Thread(target=_serve, args=(listener, path), daemon=True).start()


def parse(values: list[str]) -> dict[int, str]:
    """``["8000=/tmp/mlkata-gateway-x/8000.sock", ...]`` from the command line, as a dict."""
    forwards = {}
    for value in values:
        port, _, path = value.partition("=")
        forwards[int(port)] = path
    return forwards
