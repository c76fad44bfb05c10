"""The only way out of a sandbox's network namespace: chosen loopback ports, through Unix sockets.

An isolated sandbox has a network namespace of its own with nothing but ``lo``: it cannot
reach the host's loopback services (a Dask scheduler, JupyterLab, the formgrader) nor any
other network. A check that needs a host service, such as the model server, names its port;
the grader then opens a ``Gateway``: one Unix socket per port, in a folder the sandbox can see
but not change. Unix sockets bound to a path are reached through the file system, not the
network namespace. Inside the sandbox, ``grader.engine.relay`` listens on ``127.0.0.1:PORT``
and passes each connection to ``PORT.sock``; here each connection on ``PORT.sock`` is joined
to ``127.0.0.1:PORT`` on the host, and to nothing else. So learner code uses the same URL on
both sides of the boundary, and reaches exactly the ports it was given.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

HOST = "127.0.0.1"
CHUNK = 1 << 16


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes from ``source`` to ``target`` until either side closes."""
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def join(first: socket.socket, second: socket.socket) -> None:
    """Relay both ways between two connected sockets, then close both."""
    back = threading.Thread(target=pump, args=(second, first), daemon=True)
    back.start()
    pump(first, second)
    back.join()
    first.close()
    second.close()


def socket_name(port: int) -> str:
    return f"{port}.sock"


class Gateway:
    """Unix sockets in ``folder``, each joined to one loopback port of the host."""

    def __init__(self, ports: Iterable[int]) -> None:
        self.ports = tuple(sorted(set(ports)))
        self.folder = Path(tempfile.mkdtemp(prefix="mlkata-gateway-"))
        self.folder.chmod(0o755)  # the sandbox may connect (it runs as this user) but not add
        self._listeners: list[socket.socket] = []
        self._closed = threading.Event()
        for port in self.ports:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(self.folder / socket_name(port)))
            listener.listen(64)
            self._listeners.append(listener)
            threading.Thread(target=self._accept, args=(listener, port), daemon=True).start()

    def forwards(self) -> dict[int, str]:
        """``{port: socket path}``, for the relay inside the sandbox."""
        return {port: str(self.folder / socket_name(port)) for port in self.ports}

    def _accept(self, listener: socket.socket, port: int) -> None:
        while not self._closed.is_set():
            try:
                inside, _ = listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._connect, args=(inside, port), daemon=True).start()

    @staticmethod
    def _connect(inside: socket.socket, port: int) -> None:
        try:
            outside = socket.create_connection((HOST, port), timeout=10)
        except OSError:
            inside.close()  # the service is down: the sandbox sees a closed connection
            return
        outside.settimeout(None)
        join(inside, outside)

    def close(self) -> None:
        self._closed.set()
        for listener in self._listeners:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)
