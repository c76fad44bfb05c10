"""Running probe code in a real sandbox, for the isolation and hostile-submission tests."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.engine import wire
from grader.engine.sandbox_client import Sandbox

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def in_sandbox(
    source: str,
    function: str,
    hide: Sequence[Path] = (),
    visible: Sequence[Path] = (),
    loopback_ports: Sequence[int] = (),
) -> Any:
    """Run ``source`` in a fresh sandbox and return what ``function()`` returns there."""
    with Sandbox(hide=hide, visible=visible, loopback_ports=loopback_ports) as sandbox:
        reply = sandbox.request({"op": "exec", "source": source, "label": "probe"}, 120)
        assert reply["ok"], reply
        call = {"op": "call", "function": function, "args": (), "kwargs": {}, "seed": 0}
        reply = sandbox.request(call, 120)
        assert reply["ok"], reply
        return wire.restore(reply["value"])
