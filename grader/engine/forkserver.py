"""Sandboxes forked from a warm template, so a new one starts in milliseconds, not seconds.

A fresh Python that imports torch and transformers takes seconds on 2 cores, and every
sandbox used to pay that, and its namespaces' set-up by two ``unshare`` commands, before
running a cell. Here one **template** process per grader imports everything the tracks'
setup cells import, once, and then only forks. Each fork becomes one sandbox:

1. the fork (still outside) enters new mount, PID and network namespaces
   (``isolation.enter_outer``), arms ``PR_SET_PDEATHSIG`` against the template, and forks
   again;
2. that child is PID 1 of the new PID namespace: it arranges the mounts, loopback and its
   own user namespace (``isolation.enter_inside``), takes the grader's pipes as its stdin,
   stdout and stderr, replaces its environment, caps its memory, and serves requests
   (``grader.engine.sandbox.run``). Its parent waits for it and reports how it ended.

Isolation is unchanged: each sandbox gets exactly the plan, namespaces and environment a
separately started one got. What it shares with the template is a copy-on-write image of
memory that holds only imported modules: the template never reads a solution, a check or a
secret (its environment is the sandbox's allow-list), so there is nothing in that memory
to find. A submission changes only its own copy, so it cannot affect the next sandbox. The
template runs no torch code (forking after OpenMP or CUDA started is unsafe) and closes every
descriptor but the ones handed to each sandbox.

The grader talks to the template over a ``SOCK_SEQPACKET`` socket pair: one message per
sandbox with its settings, carrying its pipes and a status socket by ``SCM_RIGHTS``. The
template exits when the grader's end closes, and its sandboxes die with it.

Run as ``python -m grader.engine.forkserver FD``, FD being the template's end of the socket.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from grader.children import dies_with_parent

MAX_MESSAGE = 1 << 20
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
STARTUP_TIMEOUT_S = 180.0  # the template imports torch and transformers first
# Imported by every track's setup cell or by the sandbox itself, whatever the notebooks say.
ALWAYS = ("torch", "numpy", "transformers", "grader", "grader.engine.sandbox")


# --- the grader's side ---------------------------------------------------------------------


class SpawnFailed(Exception):
    """The template could not start a sandbox; the message says why."""


class ForkedProcess:
    """A sandbox process forked by the template: enough of ``subprocess.Popen`` for
    ``Sandbox`` (``pid``, ``stdin``, ``stdout``, ``poll``, ``wait``, ``returncode``).

    ``pid`` is PID 1 of the sandbox's PID namespace as the host sees it, and leads its own
    process group, so killing that group ends every process of the sandbox.
    """

    def __init__(self, status: socket.socket, stdin: Any, stdout: Any, timeout_s: float) -> None:
        self._status = status
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None
        first = self._receive(timeout_s)
        if first is None or "pid" not in first:
            reason = (first or {}).get("error", "the template did not answer")
            self._status.close()
            raise SpawnFailed(str(reason))
        self.pid = int(first["pid"])

    def _receive(self, timeout_s: float | None) -> dict[str, Any] | None:
        ready, _, _ = select.select([self._status], [], [], timeout_s)
        if not ready:
            raise subprocess.TimeoutExpired("sandbox", timeout_s or 0)
        data = self._status.recv(MAX_MESSAGE)
        return json.loads(data) if data else None

    def _finish(self, message: dict[str, Any] | None) -> int:
        status = (message or {}).get("status")
        # No status means the reporting parent itself was killed: treat it as SIGKILL.
        self.returncode = -signal.SIGKILL if status is None else os.waitstatus_to_exitcode(status)
        self._status.close()
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                message = self._receive(0)
            except subprocess.TimeoutExpired:
                return None
            self._finish(message)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._finish(self._receive(timeout))
        assert self.returncode is not None
        return self.returncode


class Template:
    """The template process of this grader; started on first use, restarted if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    @property
    def pid(self) -> int | None:
        """The template's process id while it runs (it outlives every sandbox)."""
        running = self._process is not None and self._process.poll() is None
        return self._process.pid if running and self._process else None

    def warm_up(self, env: dict[str, str]) -> None:
        """Start the template now, so its imports overlap other work (non-blocking)."""
        with self._lock:
            self._ensure(env)

    def _ensure(self, env: dict[str, str]) -> socket.socket:
        if self._process is not None and self._process.poll() is None and self._control:
            return self._control
        self.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "grader.engine.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
            cwd="/",
            start_new_session=True,
            preexec_fn=dies_with_parent(),  # and it exits anyway when our end closes
        )
        theirs.close()
        self._control = ours
        return ours

    def spawn(self, settings: dict[str, Any], env: dict[str, str], log_fd: int) -> ForkedProcess:
        """A new sandbox with ``settings`` (its environment, folder, plan, memory cap, relays),
        whose stderr is ``log_fd``."""
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        status_ours, status_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        handed = [requests_read, replies_write, log_fd, status_theirs.fileno()]
        try:
            with self._lock:
                control = self._ensure(env)
                try:
                    socket.send_fds(control, [json.dumps(settings).encode()], handed)
                except OSError as error:
                    raise SpawnFailed(f"the sandbox template is gone ({error})") from None
        finally:
            for fd in (requests_read, replies_write):
                os.close(fd)
            status_theirs.close()
        stdin = os.fdopen(requests_write, "wb")
        stdout = os.fdopen(replies_read, "rb")
        try:
            return ForkedProcess(status_ours, stdin, stdout, STARTUP_TIMEOUT_S)
        except (SpawnFailed, subprocess.TimeoutExpired):
            stdin.close()
            stdout.close()
            raise

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process = None


_template = Template()


def template() -> Template:
    """This process's template (one per grader process: warm across every sandbox)."""
    return _template


# --- the template --------------------------------------------------------------------------


def setup_imports() -> list[str]:
    """The modules the learner notebooks' setup cells import, read from the notebooks as
    shipped (public files: the template must read nothing secret), plus ``ALWAYS``."""
    from grader.paths import REPO_DIR

    modules = list(ALWAYS)
    for path in sorted((REPO_DIR / "exercises").glob("*.ipynb")):
        with contextlib.suppress(OSError, ValueError, SyntaxError):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for cell in cells:
                if cell.get("metadata", {}).get("mlkata", {}).get("role") != "setup":
                    continue
                source = "".join(cell.get("source", ""))
                for node in ast.walk(ast.parse(source)):
                    if isinstance(node, ast.Import):
                        modules += [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        modules += [f"{node.module}:{alias.name}" for alias in node.names]
    return list(dict.fromkeys(modules))


def preload() -> None:
    """Import what the sandboxes will import; a name that fails is left to the sandbox."""
    import importlib

    from grader.engine.catalog import import_resources

    for name in setup_imports():
        module, _, attribute = name.partition(":")
        with contextlib.suppress(Exception):
            imported = importlib.import_module(module)
            if attribute:
                getattr(imported, attribute)  # transformers loads its models lazily
    with contextlib.suppress(Exception):
        import_resources()


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None).prctl(option, value, 0, 0, 0)


def _die_with(parent: int | None) -> None:
    """SIGKILL when the parent dies; ``parent`` None where it lies outside this process's
    PID namespace (``getppid`` is 0 there, so it cannot be checked)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:  # it died before the request: go now
        os._exit(1)


def _only_descriptors(keep: list[int]) -> None:
    """Close every descriptor but ``keep`` (nothing of the template's may leak inside)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _report(status: int, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        os.write(status, json.dumps(message).encode())


def _sandbox(settings: dict[str, Any], fds: list[int], parent: int) -> None:
    """PID 1 of the new namespaces: become the sandbox. Never returns."""
    from grader.engine import isolation, sandbox

    try:
        requests, replies, log = fds
        os.setsid()
        _die_with(None if settings["kind"] else parent)
        os.dup2(requests, 0)
        os.dup2(replies, 1)
        os.dup2(log, 2)
        _only_descriptors([0, 1, 2])
        if settings["kind"]:
            plan = isolation.Plan(**{k: tuple(v) for k, v in settings["plan"].items()})
            isolation.enter_inside(plan, settings["cwd"])
        else:
            os.chdir(settings["cwd"])
        os.environ.clear()
        os.environ.update(settings["env"])
        sandbox.run(settings["memory_mb"], {int(p): s for p, s in settings["forwards"].items()})
    except BaseException as error:
        with contextlib.suppress(Exception):
            os.write(2, f"mlkata: the sandbox could not start: {error!r}\n".encode())
        os._exit(70)
    os._exit(0)


def _intermediate(settings: dict[str, Any], fds: list[int], template_pid: int) -> None:
    """The fork that makes the namespaces, forks PID 1 and reports how it ended. Never
    returns."""
    from grader.engine import isolation

    status = fds[3]
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the template ignores it; we wait
        _die_with(template_pid)
        _prctl(PR_SET_DUMPABLE, 1)  # its own /proc files must be its own to map its users
        _only_descriptors(fds)
        if settings["kind"]:
            isolation.enter_outer(settings["kind"])
        me = os.getpid()
        child = os.fork()
        if child == 0:
            os.close(status)
            _sandbox(settings, fds[:3], me)  # never returns
        for fd in fds[:3]:
            os.close(fd)
        _report(status, {"pid": child})
        _, code = os.waitpid(child, 0)
        _report(status, {"status": code})
    except BaseException as error:
        _report(status, {"error": f"{type(error).__name__}: {error}"})
    os._exit(0)


def serve(control: socket.socket) -> None:
    """Fork one sandbox per message until the grader's end closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are reaped by the kernel
    me = os.getpid()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 4)
        except OSError:
            return
        if not message:
            return  # the grader is gone
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            continue
        if os.fork() == 0:
            _intermediate(json.loads(message), fds, me)
        for fd in fds:
            os.close(fd)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _prctl(PR_SET_DUMPABLE, 0)  # no same-user process may read or trace this one
    started = time.perf_counter()
    preload()
    if os.environ.get("MLKATA_FORKSERVER_DEBUG"):
        print(f"template ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    serve(control)


if __name__ == "__main__":
    main()
