"""The report of a graded session, in Markdown and HTML: score per section, time used,
late answers, hints, missed key points with the model answers, and what to study next."""

from __future__ import annotations

import html
from pathlib import Path

from grader.mock.session import Session

WEAK_BELOW = 0.6


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _points(value: float) -> str:
    """A score with at most two decimals: 1.5, 0.67, 3."""
    return f"{round(value, 2):g}"


def study_next(graded: dict) -> list[dict]:
    """Items under ``WEAK_BELOW`` (or late), weakest first."""
    weak = [r for r in graded["items"] if r["raw"] < WEAK_BELOW or r["late"]]
    return sorted(weak, key=lambda r: r["raw"])


def markdown(session: Session) -> str:
    graded = session.graded or {}
    lines = [
        f"# Mock interview {session.id}",
        "",
        f"**Score: {_points(graded['score'])} / {_points(graded['max_score'])}** · "
        f"time used {_minutes(graded['time_used_s'])} of {_minutes(graded['time_allowed_s'])} · "
        f"late answers {graded['late']} · hints used {graded['hints']}",
        "",
        "| section | score |",
        "|---|---|",
    ]
    for name, part in graded["sections"].items():
        lines.append(f"| {name} | {_points(part['score'])} / {_points(part['max_score'])} |")
    lines.append("")
    for number, row in enumerate(graded["items"], start=1):
        flags = [f for f, on in (("late", row["late"]), ("no answer", not row["answered"])) if on]
        if row["hints"]:
            flags.append(f"{row['hints']} hint{'s' if row['hints'] != 1 else ''}")
        if row.get("seconds") is not None:
            flags.append(f"{_minutes(row['seconds'])} on it")
        flag = f" ({', '.join(flags)})" if flags else ""
        lines += [
            f"## {number}. {row['question']}",
            "",
            f"`{row['id']}` · {row['kind']} · "
            f"{_points(row['points'])} / {_points(row['max_points'])} (raw {row['raw']:.2f}){flag}",
            "",
        ]
        if row["kind"] == "theory":
            lines += ["**Your answer**", "", *_quoted(row["answer"]), ""]
            for turn in row.get("followups", []):
                lines += ["**Interviewer's follow-up**", "", *_quoted(turn["question"]), ""]
                lines += ["**Your reply**", "", *_quoted(turn["answer"]), ""]
            lines += _scoring(row)
        else:
            lines += [*_checks(row), ""]
            if row.get("code", "").strip():
                lines += ["**Your code**", "", "```python", row["code"].rstrip(), "```", ""]
    lines += ["## What to study next", ""]
    weak = study_next(graded)
    if not weak:
        lines.append("Nothing below the bar: try a harder difficulty next time.")
    for row in weak:
        hint = f"`mlkata answer {row['id']}`" if row["kind"] == "theory" else "its notebook"
        missed = "; ".join(row["missed"][:3])
        lines.append(
            f"- **{row['id']}** ({row['raw']:.2f}): review with {hint}"
            + (f". Missed: {missed}" if missed else "")
        )
    return "\n".join(lines) + "\n"


def _scoring(row: dict) -> list[str]:
    """A theory item's verdicts: contradicted, covered and missed key points, and who judged."""
    lines = []
    contradicted = row.get("contradicted", [])
    if contradicted:
        lines += ["**Contradicted** (each costs more than a missed point)", ""]
        for item in contradicted:
            said = " ".join(item["said"].split())
            lines.append(f"- ✗✗ you said “{said}”; the key point is: {item['point']}")
        lines.append("")
    if row["covered"]:
        lines += ["**Covered**", "", *[f"- ✓ {p}" for p in row["covered"]], ""]
    if row["missed"]:
        lines += ["**Missed**", "", *[f"- ✗ {p}" for p in row["missed"]], ""]
    if row.get("shape"):
        lines += [f"Marked down ({row['shape']}): explain the ideas, not just name them.", ""]
    if row["missed"] or contradicted:
        lines += ["**Model answer**", "", row["model_answer"], ""]
    if row.get("judge"):
        lines += [f"*Scored by the {row['judge']} judge.*", ""]
    return lines


def _quoted(text: str) -> list[str]:
    """The candidate's text as a Markdown quote, so its own headings or lists stay inside."""
    text = text.strip()
    if not text:
        return ["*(no answer)*"]
    return [f"> {line}".rstrip() for line in text.splitlines()]


def _checks(row: dict) -> list[str]:
    """A coding item: each check passed or failed (with why), then any other problem."""
    checks = row.get("checks", [])
    lines = []
    for check in checks:
        hidden = " (hidden)" if check["hidden"] else ""
        points = f"{check['points']:g} pt"
        if check["passed"]:
            lines.append(f"- ✓ {check['name']}{hidden} · {points}")
        else:
            message = " ".join(check["message"].split())
            lines.append(f"- ✗ {check['name']}{hidden} · 0 / {points}: {message}")
    failed = {c["name"] for c in checks if not c["passed"]}
    for message in row["messages"]:
        if not any(f"'{name}' failed" in message for name in failed):
            lines.append(f"- {message}")
    if checks:
        passed = sum(c["passed"] for c in checks)
        lines.insert(0, f"**Checks: {passed} of {len(checks)} passed**")
        lines.insert(1, "")
    return lines


STYLE = """
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
       "PingFang SC", sans-serif; color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 820px; margin: 2rem auto; background: #fff; padding: 2rem 2.5rem;
       border: 1px solid #d0d7de; border-radius: 10px; }
h1 { font-size: 1.6rem; margin-top: 0; }
h2 { font-size: 1.2rem; border-top: 1px solid #d0d7de; padding-top: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: 4px 12px; text-align: left; }
th { background: #f6f8fa; }
blockquote { margin: 0.5rem 0; padding: 0.4rem 1rem; border-left: 4px solid #0969da;
             background: #f6f8fa; color: #1f2328; }
code { background: #eff1f3; padding: 0 4px; border-radius: 4px; font-size: 90%; }
pre { background: #f6f8fa; padding: 0.8rem 1rem; border-radius: 6px; overflow-x: auto; }
pre code { background: none; padding: 0; }
li { margin: 2px 0; }
"""


def to_html(text: str, title: str) -> str:
    """The report as a page a candidate can share: the Markdown rendered by markdown-it
    (rich's own Markdown parser) with raw HTML off, so the candidate's text cannot inject
    markup, and a small stylesheet inline (one self-contained file)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>\n{body}</main></body></html>\n"
    )


def write_reports(session: Session) -> tuple[Path, Path]:
    text = markdown(session)
    folder = Path(session.folder)
    md, page = folder / "report.md", folder / "report.html"
    md.write_text(text, encoding="utf-8")
    page.write_text(to_html(text, f"Mock interview {session.id}"), encoding="utf-8")
    return md, page
