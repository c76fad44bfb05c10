"""Every sentence a candidate sees in a mock interview, in English and Chinese.

The terminal session, the grading summary and the report all take their words from here,
in the session's language (``mlkata mock --lang``), so a Chinese session is Chinese from the
first question to the shared report. ``t(key, lang, **values)`` fills the placeholders.
"""

from __future__ import annotations

MOCK: dict[str, dict[str, str]] = {
    # the terminal session
    "theory": {"en": "theory", "zh": "理论"},
    "coding": {"en": "coding", "zh": "编程"},
    "time left": {"en": "{minutes}:{seconds} left", "zh": "剩余 {minutes}:{seconds}"},
    "time is up": {
        "en": "time is up ({over} min over): answers are now late",
        "zh": "时间到（已超出 {over} 分钟）：现在的回答算作迟交",
    },
    "write the code": {
        "en": "Write {functions} in a .py or .ipynb file and give its path (empty to skip).",
        "zh": "在一个 .py 或 .ipynb 文件中写出 {functions}，然后输入该文件的路径（留空则跳过）。",
    },
    "how to answer": {
        "en": "end with a line holding only `.`; `{hint}` for a hint, -{cost} each; "
        "`{skip}` to come back to it later; `{edit}` to write it in $EDITOR",
        "zh": "以单独一行 `.` 结束；输入 `{hint}` 获取提示，每次扣 {cost}；"
        "输入 `{skip}` 稍后再答；输入 `{edit}` 在 $EDITOR 中作答",
    },
    "draft so far": {"en": "your draft so far:", "zh": "你目前的草稿："},
    "skipped": {
        "en": "skipped: it comes back after the others",
        "zh": "跳过：其余题目之后再回到这里",
    },
    "unreadable path, scores 0": {
        "en": "{problem}: the exercise scores 0",
        "zh": "{problem}：本题得 0 分",
    },
    "type the path again": {
        "en": "{problem}: type the path again (or `.` alone to skip)",
        "zh": "{problem}：请重新输入路径（或单独输入 `.` 跳过）",
    },
    "late": {"en": "recorded as late", "zh": "已记为迟交"},
    "interviewer": {"en": "Interviewer:", "zh": "面试官："},
    "hint": {"en": "hint {number}: {text}", "zh": "提示 {number}：{text}"},
    "think about": {"en": "think about: {point}", "zh": "想一想：{point}"},
    "interrupted": {
        "en": "interrupted: {count} answers saved; continue with `mlkata mock --resume {id}`",
        "zh": "已中断：保存了 {count} 个回答；用 `mlkata mock --resume {id}` 继续",
    },
    # the command around it
    "session started": {
        "en": "session {id}: {count} questions, {minutes} min",
        "zh": "面试 {id}：{count} 道题，{minutes} 分钟",
    },
    "session notebook": {"en": "session {id}: {path}", "zh": "面试 {id}：{path}"},
    "grade it with": {
        "en": "grade it with: mlkata mock --grade {id}",
        "zh": "评分命令：mlkata mock --grade {id}",
    },
    "connecting": {
        "en": "connecting to the interviewer's LLM ...",
        "zh": "正在连接面试官所用的大模型 ……",
    },
    "grading": {
        "en": "grading the interview (theory with MiniLM, code with its checks)",
        "zh": "正在评分（理论题用 MiniLM，编程题用它的检查）",
    },
    "section score": {"en": "{name}: {score} / {max}", "zh": "{name}：{score} / {max}"},
    "total score": {
        "en": "score {score} / {max}; late {late}",
        "zh": "总分 {score} / {max}；迟交 {late}",
    },
    "report at": {"en": "report: {path}", "zh": "报告：{path}"},
    # the report
    "report title": {"en": "Mock interview {id}", "zh": "模拟面试 {id}"},
    "report summary": {
        "en": "**Score: {score} / {max}** · time used {used} of {allowed} · "
        "late answers {late} · hints used {hints}",
        "zh": "**得分：{score} / {max}** · 用时 {used}（共 {allowed}） · "
        "迟交 {late} 个 · 使用提示 {hints} 次",
    },
    "minutes": {"en": "{value} min", "zh": "{value} 分钟"},
    "section": {"en": "section", "zh": "部分"},
    "score": {"en": "score", "zh": "得分"},
    "flag late": {"en": "late", "zh": "迟交"},
    "flag no answer": {"en": "no answer", "zh": "未作答"},
    "flag hints": {"en": "{count} hint{plural}", "zh": "{count} 次提示"},
    "flag time": {"en": "{time} on it", "zh": "用时 {time}"},
    "raw": {"en": "raw", "zh": "原始分"},
    "your answer": {"en": "**Your answer**", "zh": "**你的回答**"},
    "follow-up": {"en": "**Interviewer's follow-up**", "zh": "**面试官的追问**"},
    "your reply": {"en": "**Your reply**", "zh": "**你的回复**"},
    "your code": {"en": "**Your code**", "zh": "**你的代码**"},
    "no answer": {"en": "*(no answer)*", "zh": "*（未作答）*"},
    "study next": {"en": "## What to study next", "zh": "## 接下来要复习的内容"},
    "nothing weak": {
        "en": "Nothing below the bar: try a harder difficulty next time.",
        "zh": "没有低于及格线的题目：下次试试更难的难度。",
    },
    "review with": {"en": "review with {where}", "zh": "复习方式：{where}"},
    "its notebook": {"en": "its notebook", "zh": "对应的 notebook"},
    "missed list": {"en": ". Missed: {points}", "zh": "。遗漏：{points}"},
    "contradicted": {
        "en": "**Contradicted** (each costs more than a missed point)",
        "zh": "**说反了**（每条扣分多于遗漏一条要点）",
    },
    "you said": {
        "en": "- ✗✗ you said “{said}”; the key point is: {point}",
        "zh": "- ✗✗ 你说的是“{said}”；要点是：{point}",
    },
    "covered": {"en": "**Covered**", "zh": "**已覆盖**"},
    "missed": {"en": "**Missed**", "zh": "**遗漏**"},
    "marked down": {
        "en": "Marked down ({shape}): explain the ideas, not just name them.",
        "zh": "已扣分（{shape}）：要解释思路，而不只是说出名词。",
    },
    "model answer": {"en": "**Model answer**", "zh": "**参考答案**"},
    "scored by": {"en": "*Scored by the {judge} judge.*", "zh": "*评分者：{judge} 评分器。*"},
    "hidden": {"en": " (hidden)", "zh": "（隐藏）"},
    "checks passed": {
        "en": "**Checks: {passed} of {total} passed**",
        "zh": "**检查：{total} 项中通过 {passed} 项**",
    },
    "point unit": {"en": "{points} pt", "zh": "{points} 分"},
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang`` (English if that language lacks it), filled in."""
    texts = MOCK[key]
    return texts.get(lang, texts["en"]).format(**values)
