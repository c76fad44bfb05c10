"""Driving a real JupyterLab from tests: start a server on loopback, and act on notebooks in
Chromium the way a person would (click a cell, type, Shift+Enter, press a button).

Selectors are JupyterLab 4's own class names; helpers wait on what a person would wait for
(the cell's prompt number, a dialog) instead of sleeping.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

# Settings that make a test's JupyterLab predictable: every cell rendered (no virtual
# scrolling that would hide cells), and no news or update checks reaching for the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": (
        '{"checkForUpdates": false, "fetchNews": "false"}'
    ),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """A JupyterLab process on 127.0.0.1 with a random token."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, token: str, log: Path):
        self.process, self.port, self.token, self.log = process, port, token, log

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def lab_environment(home: Path) -> dict[str, str]:
    """Environment for a test's JupyterLab: its own settings, workspaces and runtime folders."""
    settings = home / "lab-settings"
    for name, text in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
    )
    return env


@contextmanager
def running_lab(
    command: list[str], cwd: Path, home: Path, startup_s: float = 60
) -> Iterator[LabServer]:
    """Start ``command`` (a `jupyter lab` or `mlkata lab` line, given the port and token flags
    here) and stop it and its kernels afterwards."""
    port, token = free_port(), secrets.token_hex(16)
    flags = [
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--ServerApp.token={token}",
        "--ServerApp.port_retries=0",
    ]
    if os.geteuid() == 0:
        flags.append("--allow-root")  # CI runs as root; Jupyter refuses root without it
    log = home / "jupyterlab.log"
    home.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [*command, *flags],
            cwd=cwd,
            env=lab_environment(home),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = LabServer(process, port, token, log)
    try:
        _wait_until_up(server, startup_s)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: LabServer, startup_s: float) -> None:
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited at start-up:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {startup_s:g} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the server, and the kernels it started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Notebook:
    """One open notebook in JupyterLab."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    def open(cls, page: Page, server: LabServer, path: str) -> Notebook:
        page.goto(server.url(f"lab/tree/{path}"))
        notebook = cls(page)
        expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible(timeout=45_000)
        notebook.wait_for_kernel()
        return notebook

    def wait_for_kernel(self, timeout_ms: float = 90_000) -> None:
        """Wait until the status bar says the kernel is connected and idle (the toolbar's
        indicator also reads idle while there is no kernel yet)."""
        status = self.page.get_by_text(re.compile(r"^Python 3 \(ipykernel\) \| Idle$"))
        expect(status.first).to_be_visible(timeout=timeout_ms)

    def code_cell(self, containing: str) -> Locator:
        """The code cell whose source contains ``containing`` (exactly one must match)."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=containing)
        )
        expect(cells).to_have_count(1)
        return cells

    def set_source(self, cell: Locator, code: str) -> None:
        editor = cell.locator(".jp-InputArea-editor .cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(code)

    def run(self, cell: Locator, timeout_ms: float = 180_000) -> Locator:
        """Run ``cell`` with Shift+Enter and wait for its new prompt number; returns its
        output area. (The first cell imports torch: slow on a fresh machine's cold disk.)"""
        prompt = cell.locator(".jp-InputArea-prompt")
        before = re.escape(prompt.inner_text().strip())
        cell.locator(".jp-InputArea-editor .cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        done = re.compile(rf"^(?!{before}$)\[\d+\]:$")
        expect(prompt).to_have_text(done, timeout=timeout_ms)
        return cell.locator(".jp-OutputArea")

    def add_cell_below(self, cell: Locator, code: str) -> Locator:
        """Insert a code cell under ``cell`` (Esc, B, Enter: the keyboard way) and type ``code``."""
        cell.locator(".jp-InputArea-editor .cm-content").click()
        self.page.keyboard.press("Escape")
        self.page.keyboard.press("b")
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(code)
        return self.code_cell(code)
