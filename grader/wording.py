"""The words of check feedback in each language, and the language a learner chose.

Check names come from each check's docstring (its first line in English, a ``zh:`` line in
Chinese); the surrounding words (passed, hidden, points, the labels of a failure message)
come from here, so feedback in a notebook, in ``mlkata check`` and in nbgrader's
autograded notebooks follows one language.
"""

from __future__ import annotations

import os

from grader.engine.outline import LANGUAGES

FEEDBACK: dict[str, dict[str, str]] = {
    "passed": {"en": "passed", "zh": "通过"},
    "not yet": {"en": "not yet", "zh": "尚未通过"},
    "failed": {"en": "failed", "zh": "未通过"},
    "hidden": {"en": "hidden", "zh": "隐藏"},
    "hidden check": {"en": "hidden check", "zh": "隐藏检查"},
    "check": {"en": "check", "zh": "检查"},
    "exercise": {"en": "exercise", "zh": "练习"},
    "score": {"en": "score", "zh": "得分"},
    "result": {"en": "result", "zh": "结果"},
    "messages": {"en": "messages", "zh": "说明"},
    "points": {"en": "{score}/{max} points", "zh": "{score}/{max} 分"},
    "points with hidden": {
        "en": "{shown} from the public checks; hidden checks hold the other {hidden} of the "
        "exercise's {total} points and are run by `mlkata check` and the grader",
        "zh": "{shown}（仅公开检查）；其余 {hidden} 分（本练习共 {total} 分）在隐藏检查中，"
        "由 `mlkata check` 和评分程序运行",
    },
    "stderr": {
        "en": "your code wrote {count} line(s) to stderr (warnings do not fail a check)",
        "zh": "你的代码向 stderr 写了 {count} 行（警告不会让检查失败）",
    },
    "checks failed": {
        "en": "{id}: {failed} of {total} checks failed",
        "zh": "{id}：{total} 项检查中有 {failed} 项未通过",
    },
    "check failed": {
        "en": "{label} '{name}' failed: {message}",
        "zh": "{label}“{name}”未通过：{message}",
    },
}

# The labels that start the lines of a failure message (grader.engine.expect.fail), padded
# to one width in each language so the values line up.
MESSAGE_LABELS: dict[str, dict[str, str]] = {
    "called:   ": {"en": "called:   ", "zh": "调用：    "},
    "got:      ": {"en": "got:      ", "zh": "得到：    "},
    "expected: ": {"en": "expected: ", "zh": "期望：    "},
    "why:      ": {"en": "why:      ", "zh": "原因：    "},
}


def chosen_language(lang: str | None = None) -> str:
    """``lang`` if given, else ``$MLKATA_LANG``, else English; an unknown code is an error."""
    from grader.errors import MlkataError

    chosen = lang or os.environ.get("MLKATA_LANG") or "en"
    if chosen not in LANGUAGES:
        raise MlkataError(f"unknown language {chosen!r}: use one of {', '.join(LANGUAGES)}")
    return chosen


def word(key: str, lang: str = "en", **values: object) -> str:
    """One feedback phrase in ``lang``, with its ``{placeholders}`` filled in."""
    return FEEDBACK[key].get(lang, FEEDBACK[key]["en"]).format(**values)


def localise_message(message: str, lang: str = "en") -> str:
    """A failure message with its line labels (called, got, expected, why) in ``lang``.

    The values after the labels are computed by the checks and stay as they are.
    """
    if lang == "en":
        return message
    lines = []
    for line in message.splitlines():
        for english, labels in MESSAGE_LABELS.items():
            if line.startswith(english):
                line = labels.get(lang, english) + line[len(english) :]
                break
        lines.append(line)
    return "\n".join(lines)
