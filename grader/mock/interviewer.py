"""An optional interviewer: one follow-up question per answer, from an LLM via openai.

Uses ``grader.serving.server.shared_endpoint()``: ``$OPENAI_BASE_URL`` (with
``$OPENAI_API_KEY`` and ``$MLKATA_OPENAI_MODEL``) when set, else the local server. Any
failure turns the interviewer off with a warning; the session goes on without it.
"""

from __future__ import annotations

from collections.abc import Callable

PROMPT = (
    "You are a machine learning interviewer. The candidate was asked:\n{question}\n\n"
    "They answered:\n{answer}\n\nAsk one short follow-up question that probes a gap or a "
    "detail of their answer. Reply with the question only."
)


def make_follow_up(warn: Callable[[str], None]) -> Callable[[str, str], str | None]:
    state: dict[str, object] = {}

    def follow_up(question: str, answer: str) -> str | None:
        if state.get("off"):
            return None
        try:
            if "client" not in state:
                from openai import OpenAI

                from grader.serving.server import shared_endpoint

                endpoint = shared_endpoint()
                state["client"] = OpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key)
                state["model"] = endpoint.model
            reply = state["client"].chat.completions.create(  # type: ignore[attr-defined]
                model=state["model"],
                messages=[
                    {"role": "user", "content": PROMPT.format(question=question, answer=answer)}
                ],
                max_tokens=60,
                temperature=0,
            )
            text = (reply.choices[0].message.content or "").strip()
            return text or None
        except Exception as error:  # the session must go on without the interviewer
            state["off"] = True
            warn(f"the interviewer is off: {type(error).__name__}: {error}")
            return None

    return follow_up
