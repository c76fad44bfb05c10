"""Fixtures for the real-browser tests: Chromium (never downloaded: the system's own, driven
by the PyPI `playwright` package) and one page per test that leaves a screenshot and its
console log under `test-artifacts/browser/` when the test fails.

Where Chromium or playwright is missing the tests skip with one line saying why; under CI
(`CI` set) that is an error instead, so CI cannot pass without running them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.paths import REPO_DIR

CHROMIUM = Path(os.environ.get("MLKATA_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("MLKATA_BROWSER_ARTIFACTS", REPO_DIR / "test-artifacts/browser"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _why_no_browser() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (./dev test installs it)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (./dev test installs it with apt-get when root)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _why_no_browser()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


# Console messages of each open page, by id(page), and the test's tmp_path (server logs).
_EVIDENCE: dict[int, tuple[list[str], Path]] = {}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failed test, keep the evidence while its JupyterLab is still running (fixtures
    are torn down after this hook, so the screenshot shows what the test saw)."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.failed and report.when == "call" and page is not None:
        keep_evidence(item.name, page)
    return report


def keep_evidence(test_name: str, page: Any) -> None:
    console, tmp_path = _EVIDENCE.get(id(page), ([], None))
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        page.screenshot(path=str(folder / "screenshot.png"))
    except Exception as error:  # a crashed page cannot be photographed; say so instead
        (folder / "screenshot-failed.txt").write_text(f"{error}\n")
    (folder / "console.log").write_text("\n".join(console) + "\n")
    for log in tmp_path.rglob("jupyterlab.log") if tmp_path else []:
        shutil.copy(log, folder / f"{log.parent.name}-jupyterlab.log")
    print(f"\nbrowser artifacts kept in {folder}")


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A fresh browser page; if the test fails, its screenshot, its console log and the logs
    of the JupyterLab servers the test started (under ``tmp_path``) are kept."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    console: list[str] = []
    new_page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    new_page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    _EVIDENCE[id(new_page)] = (console, tmp_path)
    yield new_page
    _EVIDENCE.pop(id(new_page), None)
    context.close()
