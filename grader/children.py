"""Child processes that must not outlive the process that started them.

A grader killed with SIGKILL (a test timeout, a kernel shut down hard, an out-of-memory kill)
runs no cleanup, so a sandbox spinning on submission code or a model server holding its
port would live on. Linux can signal a child when its parent dies: ``PR_SET_PDEATHSIG``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def dies_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that has the child sent ``sig`` when this
    process dies, or None where that cannot be asked for.

    Linux ties the signal to the *thread* that forked, so it is only armed from the main
    thread: a child started by a worker thread would otherwise die when that thread ends.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def arm() -> None:  # runs in the child, between fork and exec
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request: go now
            os.kill(os.getpid(), sig)

    return arm
