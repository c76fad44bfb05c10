"""The optional interviewer (`mlkata mock --interviewer`) through the real CLI: against the
real local server it asks a follow-up after each answer, kept in the session and the
report; with no server answering, the interview goes on with a one-line note.

SmolLM2-135M is tiny: the tests check that a follow-up came back and was recorded, never
what it says."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from grader.serving.server import LocalServer
from tests.mock.test_cli import mlkata

SESSION = ("mock", "--interviewer", "--topics", "textgen", "--minutes", "14", "--seed", "1")
ANSWERS = [
    "It stores the keys and values of past tokens so each new token attends to them "
    "without recomputing the whole prefix.",
    "Attention cost grows quadratically with the context length, and the KV cache grows "
    "linearly in memory.",
]


def interview(home: Path, stdin: str) -> tuple[str, dict, str]:
    """Run the scripted session with the interviewer on: stdout, session.json, report.md."""
    done = mlkata(home, *SESSION, "--no-coding", stdin=stdin)
    assert done.returncode == 0, done.stderr
    (path,) = home.glob("sessions/*/session.json")
    session = json.loads(path.read_text(encoding="utf-8"))
    assert session["status"] == "graded", session["status"]
    return done.stdout, session, (path.parent / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow  # a real model behind a real server
def test_follow_up_from_the_local_server_is_recorded(
    tmp_path: Path, llm_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("MLKATA_OPENAI_MODEL", llm_server.model)
    monkeypatch.setenv("OPENAI_API_KEY", "mlkata-test")
    reply = "It would grow with the batch size too."
    # one answer and a reply to its follow-up; the second question is left empty (end of
    # input), and an empty answer gets no follow-up
    stdout, session, report = interview(tmp_path, f"{ANSWERS[0]}\n.\n{reply}\n.\n")
    assert "interviewer is off" not in stdout and "Interviewer:" in stdout, stdout
    first, second = session["answers"].values()
    assert first["text"] == ANSWERS[0] and second["text"] == ""
    (turn,) = first["followups"]
    assert turn["question"].strip() and turn["answer"] == reply
    assert second["followups"] == []
    assert [row["followups"] for row in session["graded"]["items"]] == [[turn], []]
    assert report.count("**Interviewer's follow-up**") == 1
    question_line = turn["question"].strip().splitlines()[0]
    assert f"> {question_line}".rstrip() in report and f"> {reply}" in report


def test_no_server_means_one_line_and_the_interview_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{dead}/v1")
    monkeypatch.setenv("MLKATA_OPENAI_MODEL", "any")
    stdin = "".join(f"{answer}\n.\n" for answer in ANSWERS)
    stdout, session, report = interview(tmp_path, stdin)
    (note,) = [line for line in stdout.splitlines() if "interviewer is off" in line]
    assert f"127.0.0.1:{dead}" in note and "mlkata serve" in note  # the whole note, one line
    assert stdout.index(note) < stdout.index("1/2")  # said before the first question
    assert [a["text"] for a in session["answers"].values()] == ANSWERS
    assert all(a["followups"] == [] for a in session["answers"].values())
    assert "follow-up" not in report and session["graded"]["max_score"] == 4
