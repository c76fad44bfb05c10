"""Fixtures for the sandbox's tests: isolation switched on (or a skip, which under CI is a
failure instead, so a runner that lost its isolation cannot pass quietly), both kinds of
namespace, and a folder outside /tmp."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.engine import isolation
from tests.engine.probing import IN_CI


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolation on (whatever the caller's environment says), or a skip outside CI."""
    monkeypatch.delenv(isolation.MODE_ENV, raising=False)
    kind, how = isolation.probe()
    if kind is None:
        if IN_CI:
            pytest.fail(f"sandbox isolation must work in CI, but: {how}")
        pytest.skip(f"sandbox isolation unavailable here: {how}")


@pytest.fixture(params=["probed", "user"], ids=["as probed", "in a user namespace"])
def any_kind(
    request: pytest.FixtureRequest, isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Isolation as probed here (plain namespaces as root), and as non-root users get it."""
    if request.param == "user":
        monkeypatch.setattr(isolation, "probe", lambda: ("user", "forced by the test"))


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A folder outside /tmp, which the sandbox replaces wholesale: hiding this one is the
    work of the ``hide`` argument alone, as for a course in an instructor's home."""
    folder = Path(tempfile.mkdtemp(prefix="mlkata-isolation-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
