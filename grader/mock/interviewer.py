"""An optional interviewer: one follow-up question per answer, from an LLM via openai.

Uses ``grader.serving.server.shared_endpoint()``: ``$OPENAI_BASE_URL`` (with
``$OPENAI_API_KEY`` and ``$MLKATA_OPENAI_MODEL``) when set, else the local server. Any
failure (no server, no reply within ``TIMEOUT_S``, an error) turns the interviewer off with
a one-line warning; the session goes on without it. ``make_follow_up(..., connect=True)``
reaches the endpoint (starting the local server if needed) before the interview starts, so
that wait is not taken from the candidate's time. Follow-ups and the replies to them are kept
in the session (``Answer.followups``) and shown in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A follow-up must not stall the interview: no retry (a retried generation queues behind
# the abandoned one on a local server), and the interviewer is off after one timeout.
TIMEOUT_S = 120.0
MAX_TOKENS = 60
PROMPT = (
    "You are a machine learning interviewer. The candidate was asked:\n{question}\n\n"
    "They answered:\n{answer}\n\nAsk one short follow-up question that probes a gap or a "
    "detail of their answer. Reply with the question only."
)
FollowUp = Callable[[str, str], str | None]


def make_follow_up(warn: Callable[[str], None], connect: bool = False) -> FollowUp:
    """A follow-up function for the terminal interview; ``warn`` gets the one-line note."""
    state: dict[str, Any] = {}

    def guarded(action: Callable[[], str | None]) -> str | None:
        if state.get("off"):
            return None
        try:
            return action()
        except Exception as error:  # the session must go on without the interviewer
            state["off"] = True
            reason = " ".join(str(error).split()) or "no details"
            warn(f"the interviewer is off: {type(error).__name__}: {reason}")
            return None

    def client() -> Any:
        if "client" not in state:
            from openai import OpenAI

            from grader.serving.server import shared_endpoint

            endpoint = shared_endpoint()
            state["model"] = endpoint.model
            state["client"] = OpenAI(
                base_url=endpoint.base_url,
                api_key=endpoint.api_key,
                timeout=TIMEOUT_S,
                max_retries=0,
            )
        return state["client"]

    def ask(question: str, answer: str) -> str | None:
        reply = client().chat.completions.create(
            model=state["model"],
            messages=[{"role": "user", "content": PROMPT.format(question=question, answer=answer)}],
            max_tokens=MAX_TOKENS,
            temperature=0,
        )
        text = (reply.choices[0].message.content or "").strip()
        return text or None

    def reach() -> None:
        client()

    if connect:
        guarded(reach)
    return lambda question, answer: guarded(lambda: ask(question, answer))
