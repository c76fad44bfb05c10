"""The runner's handle on one sandbox process: start it, send requests, enforce deadlines.

A request that outlives its deadline gets the whole process group killed; a process that
dies mid-request (``os._exit``, a segfault, the memory cap) is reported, never waited on.
Where Linux namespaces allow, the process cannot see the repository's solutions, the hidden
checks or the folders passed as ``hide`` (see ``grader.engine.isolation``), and reaches no
network but the loopback ports passed as ``loopback_ports`` (``grader.engine.gateway``).

The working folder is the only place the sandbox can write. Everything the trusted side
keeps for itself (the sandbox's output log, files being prepared for it, files copied back
from it) lives in a private folder beside it, which the sandbox cannot see; files cross
between the two only through ``grader.engine.handoff``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path, PurePath
from typing import Any

from grader.engine import forkserver, handoff, isolation, protocol, wire
from grader.engine.gateway import Gateway
from grader.engine.limits import DEFAULT_MEMORY_MB


class SandboxFault(Exception):
    """The sandbox could not answer: it timed out, died or sent garbage."""


# The only variables of the grader's environment a sandbox gets (an allow-list: API keys,
# tokens and credentials never cross), besides MLKATA_MODEL_* and those set below.
PASSED_ENVIRONMENT = (
    "PATH",
    "LANG",
    "LC_ALL",
    "MLKATA_CACHE",
    "MLKATA_DEVICE",
    "CUDA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS",  # a worker sharing the cores with others asks for fewer threads
)
FIXED_ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYTHONWARNINGS": "ignore",
}


def template_environment() -> dict[str, str]:
    """The fork-server template's environment: a sandbox's, without a working folder."""
    return _scrubbed_environment(Path("/nonexistent"))


def _scrubbed_environment(home: Path) -> dict[str, str]:
    """The sandbox's whole environment: the allow-list, fixed values, HOME, PYTHONPATH."""
    env = {key: os.environ[key] for key in PASSED_ENVIRONMENT if key in os.environ}
    env.update(FIXED_ENVIRONMENT, HOME=str(home))
    env.update({k: v for k, v in os.environ.items() if k.startswith("MLKATA_MODEL_")})
    # The sandbox must import grader and its tracks: put the package's parent on the path.
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    if "MLKATA_CACHE" not in env:
        from grader.paths import cache_dir

        env["MLKATA_CACHE"] = str(cache_dir())
    return env


class Sandbox:
    """One sandbox process (restartable), its working folder and its gateway; use as a
    context manager, or call ``close`` when done: that removes everything it made.

    ``hide`` lists folders the submission must not see, beyond the repository's own secrets
    (an nbgrader course root, with its gradebook and every student's submission).
    ``visible`` lists cached items it may read (the track's models and data); the rest of the
    model cache is hidden. ``loopback_ports`` are the host's loopback ports it may reach.
    """

    def __init__(
        self,
        memory_mb: int = DEFAULT_MEMORY_MB,
        hide: Sequence[str | Path] = (),
        visible: Sequence[str | Path] = (),
        loopback_ports: Sequence[int] = (),
    ) -> None:
        self.memory_mb = memory_mb
        self.hide = tuple(hide)
        self.visible = tuple(visible)
        self.loopback_ports = tuple(loopback_ports)
        self.workdir = Path(tempfile.mkdtemp(prefix="mlkata-sandbox-"))
        self.private = Path(tempfile.mkdtemp(prefix="mlkata-trusted-"))  # out of its sight
        self.log_path = self.private / "output.log"
        # Opened before any submission code runs, so later moves cannot redirect it.
        self._workdir_fd = os.open(self.workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        self.gateway: Gateway | None = None
        self.process: forkserver.ForkedProcess | None = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the process and remove the working folder, the private folder and the gateway."""
        self.stop()
        if self.gateway is not None:
            self.gateway.close()
            self.gateway = None
        if self._workdir_fd >= 0:
            os.close(self._workdir_fd)
            self._workdir_fd = -1
        for folder in (self.workdir, self.private):
            shutil.rmtree(folder, ignore_errors=True)  # never follows links the sandbox made

    def hand_over(self, staging: Path) -> Path:
        """Move a folder the check prepared into the working folder; return where the
        learner's code finds it. The check must not read it there afterwards."""
        return self.workdir / handoff.move_in(staging, self._workdir_fd)

    def take_back(self, path: str | Path, what: str, budget: handoff.Budget | None) -> Path:
        """A private copy of a folder the learner's code wrote below the working folder."""
        relative = PurePath(os.path.normpath(path))
        if relative.is_absolute():
            try:
                relative = relative.relative_to(self.workdir)
            except ValueError:
                relative = PurePath("..")  # refused below: outside the working folder
        return handoff.copy_out(self._workdir_fd, relative, what, budget, self.private)

    def staging_folder(self, prefix: str) -> Path:
        """A new folder in the private folder, for files to be handed over."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.private))

    def _settings(self) -> dict[str, Any]:
        """What the template needs to fork this sandbox: isolation, plan, relays, limits."""
        kind = isolation.kind_in_effect()
        visible, forwards = list(self.visible), {}
        if self.loopback_ports and kind:
            # Without namespaces the sandbox shares the host's loopback and needs no relay.
            if self.gateway is None:
                self.gateway = Gateway(self.loopback_ports)
            forwards = self.gateway.forwards()
            visible.append(self.gateway.folder)
        plan = isolation.plan_for(self.workdir, self.hide, visible) if kind else None
        return {
            "kind": kind,
            "plan": asdict(plan) if plan else None,
            "cwd": str(self.workdir),
            "env": _scrubbed_environment(self.workdir),
            "memory_mb": self.memory_mb,
            "forwards": {str(port): path for port, path in forwards.items()},
        }

    def start(self) -> None:
        self.stop()
        settings = self._settings()
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            self.process = forkserver.template().spawn(settings, template_environment(), log)
        except forkserver.SpawnFailed as error:
            raise SandboxFault(f"the sandbox could not start: {error}") from None
        finally:
            os.close(log)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()
        self.process = None

    def output_tail(self, limit: int = 400) -> str:
        try:
            text = self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""
        return text.strip()

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and return the reply, or raise SandboxFault."""
        if not self.alive:
            self.start()
        assert self.process and self.process.stdin and self.process.stdout
        try:
            protocol.write_frame(self.process.stdin, protocol.encode_request(message))
        except (BrokenPipeError, OSError) as error:
            raise SandboxFault(self._death_reason()) from error
        payload = self._read_reply(timeout_s)
        try:
            reply = wire.loads_untrusted(payload)
        except wire.OversizedPayload as error:
            self.stop()
            raise SandboxFault(f"the submission sent a reply that was refused ({error})") from error
        except Exception as error:
            self.stop()
            raise SandboxFault("the submission sent an unreadable reply") from error
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.stop()
            raise SandboxFault("the submission sent a malformed reply")
        return reply

    def _read_reply(self, timeout_s: float) -> bytes:
        assert self.process and self.process.stdout
        stream = self.process.stdout
        deadline = time.monotonic() + timeout_s
        selector = selectors.DefaultSelector()
        selector.register(stream, selectors.EVENT_READ)
        buffer = bytearray()
        needed = protocol.HEADER.size
        header_done = False
        try:
            while len(buffer) < needed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self.stop()
                    raise SandboxFault(f"timed out after {timeout_s:.0f} s")
                chunk = os.read(stream.fileno(), max(needed - len(buffer), 1 << 16))
                if not chunk:
                    raise SandboxFault(self._death_reason())
                buffer.extend(chunk)
                if not header_done and len(buffer) >= protocol.HEADER.size:
                    (size,) = protocol.HEADER.unpack(bytes(buffer[: protocol.HEADER.size]))
                    if size > protocol.MAX_REPLY_BYTES:
                        self.stop()
                        raise SandboxFault("the submission sent an oversized reply")
                    needed = protocol.HEADER.size + size
                    header_done = True
        finally:
            selector.close()
        return bytes(buffer[protocol.HEADER.size : needed])

    def _death_reason(self) -> str:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        tail = self.output_tail(300)
        self.stop()
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            reason = f"the process was killed by {name}"
            if name == "SIGKILL":
                reason += " (out of memory?)"
        else:
            reason = f"the process exited with code {code}"
        if "MemoryError" in tail or "Cannot allocate memory" in tail:
            reason += "; it ran out of memory"
        return reason
