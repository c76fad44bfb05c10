"""Does `mlkata serve` refuse a busy port and a missing model in one line, and do checks
explain how to start a server when the configured one is not answering?"""

from __future__ import annotations

import socket

import pytest

from grader.engine.catalog import get_exercise
from grader.engine.runner import run_check
from grader.engine.student import LocalStudent
from tests.test_cli import assert_one_line_error, mlkata


def test_busy_port_is_one_clear_line() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        done = mlkata("serve", "--port", str(port), timeout=60)
    assert_one_line_error(done, f"port {port}", "busy")


def test_missing_model_folder_is_one_clear_line(tmp_path) -> None:
    assert_one_line_error(
        mlkata("serve", "--model", str(tmp_path / "nowhere"), timeout=60),
        "no transformers folder there",
    )


def test_out_of_range_port_is_one_clear_line() -> None:
    assert_one_line_error(mlkata("serve", "--port", "70000", timeout=60), "port must be")


def test_check_without_a_server_says_how_to_start_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Is a check against a server that does not answer reported with the fix, not a crash?"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{dead}/v1")
    monkeypatch.setenv("MLKATA_OPENAI_MODEL", "any")
    first = get_exercise("textgen.client").checks[0]
    result = run_check(first, LocalStudent({}))
    assert not result.passed
    assert "mlkata serve" in result.message and f"127.0.0.1:{dead}" in result.message


def test_the_local_server_answers_to_the_short_name_its_snippet_prints() -> None:
    """`model="llm"` used to get an unexplained 400: does the server accept the registry's
    short name, and does `mlkata serve`'s snippet name the model by it?"""
    from openai import OpenAI

    from grader.commands.serve import ready_message
    from grader.serving.server import served_model_ids, shared_endpoint

    endpoint = shared_endpoint()
    assert endpoint.model == "llm"
    assert served_model_ids(endpoint.base_url) == ["llm"]
    client = OpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key)
    reply = client.chat.completions.create(
        model="llm", messages=[{"role": "user", "content": "Say hi."}], max_tokens=4
    )
    assert reply.choices[0].message.content
    snippet = ready_message(endpoint.base_url, endpoint.model)
    assert 'model="llm"' in snippet and "/" not in snippet.split('model="')[1].split('"')[0]
