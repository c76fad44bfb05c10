"""Does a sandbox die with the grader that started it, even when the grader is killed outright
(SIGKILL runs no cleanup) while submission code spins inside the sandbox?"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.engine import isolation
from grader.paths import REPO_DIR

GRADER = textwrap.dedent(
    """
    import sys
    from grader.engine import isolation
    from grader.engine.sandbox_client import Sandbox

    if sys.argv[1] == "user":
        isolation.probe = lambda: ("user", "forced by the test")
    sandbox = Sandbox()
    sandbox.start()
    print(sandbox.process.pid, flush=True)
    sandbox.request({"op": "exec", "source": "while True: pass", "label": "spin"}, 600)
    """
)


def process_tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("kind", ["off", "probed", "user"])
def test_a_killed_grader_takes_its_sandbox_along(kind: str, tmp_path: Path) -> None:
    if kind != "off" and isolation.probe()[0] is None:
        pytest.skip(f"sandbox isolation unavailable here: {isolation.probe()[1]}")
    env = {**os.environ, isolation.MODE_ENV: "off" if kind == "off" else "required"}
    env["TMPDIR"] = str(tmp_path)  # a killed grader cannot remove its folders: pytest will
    grader = subprocess.Popen(
        [sys.executable, "-c", GRADER, kind],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_DIR,
    )
    sandbox = process_tree(int(grader.stdout.readline()))
    try:
        time.sleep(2)  # the spin request is in flight
        assert all(running(pid) for pid in sandbox), "the sandbox is up and spinning"
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
        deadline = time.monotonic() + 20
        while any(running(pid) for pid in sandbox) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in sandbox if running(pid)], "the sandbox outlived its grader"
    finally:
        for pid in sandbox:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        grader.stdout.close()
