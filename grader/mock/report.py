"""The report of a graded session, in Markdown and HTML: score per section, time used,
late answers, hints, missed key points with the model answers, and what to study next."""

from __future__ import annotations

import html
from pathlib import Path

from grader.mock.session import Session

WEAK_BELOW = 0.6


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def study_next(graded: dict) -> list[dict]:
    """Items under ``WEAK_BELOW`` (or late), weakest first."""
    weak = [r for r in graded["items"] if r["raw"] < WEAK_BELOW or r["late"]]
    return sorted(weak, key=lambda r: r["raw"])


def markdown(session: Session) -> str:
    graded = session.graded or {}
    lines = [
        f"# Mock interview {session.id}",
        "",
        f"**Score: {graded['score']:g} / {graded['max_score']:g}** · "
        f"time used {_minutes(graded['time_used_s'])} of {_minutes(graded['time_allowed_s'])} · "
        f"late answers {graded['late']} · hints used {graded['hints']}",
        "",
        "| section | score |",
        "|---|---|",
    ]
    for name, part in graded["sections"].items():
        lines.append(f"| {name} | {part['score']:g} / {part['max_score']:g} |")
    lines.append("")
    for number, row in enumerate(graded["items"], start=1):
        flags = [f for f, on in (("late", row["late"]), ("no answer", not row["answered"])) if on]
        if row["hints"]:
            flags.append(f"{row['hints']} hint(s)")
        flag = f" ({', '.join(flags)})" if flags else ""
        lines += [
            f"## {number}. {row['question']}",
            "",
            f"`{row['id']}` · {row['kind']} · {row['points']:g} / {row['max_points']:g}"
            f" (raw {row['raw']:.2f}){flag}",
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


def to_html(text: str, title: str) -> str:
    """A small Markdown-to-HTML rendering (headings, lists, tables, quotes, paragraphs).

    Quoted lines (the candidate's own text) are escaped and kept as they are, without
    inline formatting.
    """
    body = []
    in_list = in_table = in_quote = False
    for line in text.splitlines():
        safe = html.escape(line)
        safe = _inline(safe)
        if in_list and not line.startswith("- "):
            body.append("</ul>")
            in_list = False
        if in_quote and not line.startswith(">"):
            body.append("</blockquote>")
            in_quote = False
        if in_table and not line.startswith("|"):
            body.append("</table>")
            in_table = False
        if line.startswith(">"):
            if not in_quote:
                body.append("<blockquote>")
                in_quote = True
            quoted = line[1:].strip()
            body.append(f"{html.escape(quoted)}<br>" if quoted else "<br>")
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(html.escape(line[level:].strip()))}</h{level}>")
        elif line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(html.escape(line[2:]))}</li>")
        elif line.startswith("|"):
            if line.startswith("|---"):
                continue
            if not in_table:
                body.append("<table border='1' cellpadding='4'>")
                in_table = True
            cells = "".join(f"<td>{c.strip()}</td>" for c in safe.strip("|").split("|"))
            body.append(f"<tr>{cells}</tr>")
        elif line.strip():
            body.append(f"<p>{safe}</p>")
    if in_list:
        body.append("</ul>")
    if in_table:
        body.append("</table>")
    if in_quote:
        body.append("</blockquote>")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    import re

    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def write_reports(session: Session) -> tuple[Path, Path]:
    text = markdown(session)
    folder = Path(session.folder)
    md, page = folder / "report.md", folder / "report.html"
    md.write_text(text, encoding="utf-8")
    page.write_text(to_html(text, f"Mock interview {session.id}"), encoding="utf-8")
    return md, page
