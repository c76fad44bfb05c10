"""Start, wait for and stop a `transformers serve` process on loopback.

We do not write an HTTP server: transformers ships one (FastAPI + uvicorn) that speaks the
OpenAI API. This module only launches it, waits until it answers, and shuts it down.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from grader.children import dies_with_parent
from grader.errors import MlkataError
from grader.serving.proxy import PLACEHOLDER_KEY, ProviderProxy

HOST = "127.0.0.1"
START_TIMEOUT_S = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def _transformers_command() -> list[str]:
    beside = Path(sys.executable).with_name("transformers")
    if beside.exists():
        return [str(beside)]
    return [sys.executable, "-m", "transformers.cli.transformers"]


def answers(base_url: str, timeout_s: float = 2.0) -> bool:
    """Does an OpenAI-compatible server answer ``GET {base_url}/models``?"""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def served_model_ids(base_url: str) -> list[str]:
    with urllib.request.urlopen(f"{base_url}/models", timeout=10) as response:
        return [item["id"] for item in json.load(response)["data"]]


@dataclass
class LocalServer:
    """One `transformers serve` child process serving ``model`` on loopback.

    With ``served_name`` (a short name such as ``llm``), requests name the model by it
    rather than by the folder's absolute path: the server runs in a scratch folder where
    that name is a link to the model folder, and is pinned to it.
    """

    model: str
    port: int
    device: str = "cpu"
    continuous_batching: bool = False
    served_name: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))
    workdir: Path | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def model_id(self) -> str:
        """The ``model`` that requests to this server must name."""
        return self.served_name or self.model

    def _pinned_model(self) -> str:
        if not self.served_name:
            return self.model
        self.workdir = Path(tempfile.mkdtemp(prefix="mlkata-serve-"))
        (self.workdir / self.served_name).symlink_to(Path(self.model).expanduser().resolve())
        return self.served_name

    def start(self, timeout_s: float = START_TIMEOUT_S) -> LocalServer:
        if not port_is_free(self.port):
            raise MlkataError(f"port {self.port} on {HOST} is busy: choose another with --port")
        command = [
            *_transformers_command(),
            "serve",
            self._pinned_model(),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--device",
            self.device,
        ]
        if self.continuous_batching:
            command.append("--continuous-batching")
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.workdir,
                start_new_session=True,
                # atexit does not run when the parent is killed; SIGTERM lets it exit
                preexec_fn=dies_with_parent(signal.SIGTERM),
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MlkataError(f"the LLM server exited during start-up: {self.log_tail()}")
            if answers(self.base_url, timeout_s=1.0):
                return self
            time.sleep(0.5)
        self.stop()
        raise MlkataError(f"the LLM server did not answer within {timeout_s:.0f} s")

    def log_tail(self, lines: int = 1) -> str:
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(line.strip() for line in text[-lines:]) or "no output"

    def stop(self) -> None:
        if self.process is None:
            self._remove_files()
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        self._remove_files()

    def _remove_files(self) -> None:
        self.log_path.unlink(missing_ok=True)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


@dataclass(frozen=True)
class Endpoint:
    """Where checks and exercises send requests: a base URL, a model id and an API key."""

    base_url: str
    model: str
    api_key: str


_shared: LocalServer | None = None
_proxy: ProviderProxy | None = None


def shared_endpoint() -> Endpoint:
    """The endpoint checks use: ``$OPENAI_BASE_URL`` if set, else one local server per process.

    With a real provider, ``$MLKATA_OPENAI_MODEL`` names the model to use, and the endpoint
    is a loopback proxy that adds ``$OPENAI_API_KEY`` itself: the key never reaches learner
    code, which gets a placeholder instead.
    """
    global _shared, _proxy
    external = os.environ.get("OPENAI_BASE_URL")
    if external:
        model = os.environ.get("MLKATA_OPENAI_MODEL")
        if not model:
            raise MlkataError("OPENAI_BASE_URL is set: also set MLKATA_OPENAI_MODEL to a model id")
        key = os.environ.get("OPENAI_API_KEY", "none")
        if _proxy is None or (_proxy.upstream_url, _proxy.api_key) != (external, key):
            _proxy = ProviderProxy(external, key)
        if not answers(_proxy.base_url, timeout_s=10.0):
            raise MlkataError(
                f"no LLM server answers at OPENAI_BASE_URL={external}: start one with "
                "`mlkata serve` (and point OPENAI_BASE_URL at it), or unset OPENAI_BASE_URL"
            )
        return Endpoint(_proxy.base_url, model, PLACEHOLDER_KEY)
    if _shared is None or _shared.process is None or _shared.process.poll() is not None:
        from grader.models.registry import resolve

        _shared = LocalServer(resolve("llm"), free_port(), served_name="llm").start()
    return Endpoint(_shared.base_url, _shared.model_id, "mlkata-local")
