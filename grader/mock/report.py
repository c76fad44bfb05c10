"""The report of a graded session, in Markdown and HTML: score per section, time used,
late answers, hints, missed key points with the model answers, and what to study next."""

from __future__ import annotations

import html
from pathlib import Path

from grader.mock.session import Session
from grader.mock.strings import t

WEAK_BELOW = 0.6


def _minutes(seconds: float, lang: str = "en") -> str:
    return t("minutes", lang, value=f"{seconds / 60:.1f}")


def _points(value: float) -> str:
    """A score with at most two decimals: 1.5, 0.67, 3."""
    return f"{round(value, 2):g}"


def study_next(graded: dict) -> list[dict]:
    """Items under ``WEAK_BELOW`` (or late), weakest first."""
    weak = [r for r in graded["items"] if r["raw"] < WEAK_BELOW or r["late"]]
    return sorted(weak, key=lambda r: r["raw"])


def markdown(session: Session) -> str:
    """The report in the session's language (the candidate's answers stay as written)."""
    graded = session.graded or {}
    lang = session.lang
    summary = t(
        "report summary",
        lang,
        score=_points(graded["score"]),
        max=_points(graded["max_score"]),
        used=_minutes(graded["time_used_s"], lang),
        allowed=_minutes(graded["time_allowed_s"], lang),
        late=graded["late"],
        hints=graded["hints"],
    )
    lines = [
        f"# {t('report title', lang, id=session.id)}",
        "",
        summary,
        "",
        f"| {t('section', lang)} | {t('score', lang)} |",
        "|---|---|",
    ]
    for name, part in graded["sections"].items():
        score = f"{_points(part['score'])} / {_points(part['max_score'])}"
        lines.append(f"| {t(name, lang)} | {score} |")
    lines.append("")
    for number, row in enumerate(graded["items"], start=1):
        lines += [f"## {number}. {row['question']}", "", _item_line(row, lang), ""]
        if row["kind"] == "theory":
            lines += [t("your answer", lang), "", *_quoted(row["answer"], lang), ""]
            for turn in row.get("followups", []):
                lines += [t("follow-up", lang), "", *_quoted(turn["question"], lang), ""]
                lines += [t("your reply", lang), "", *_quoted(turn["answer"], lang), ""]
            lines += _scoring(row, lang)
        else:
            lines += [*_checks(row, lang), ""]
            if row.get("code", "").strip():
                lines += [t("your code", lang), "", "```python", row["code"].rstrip(), "```", ""]
    lines += [t("study next", lang), ""]
    weak = study_next(graded)
    if not weak:
        lines.append(t("nothing weak", lang))
    for row in weak:
        where = (
            f"`mlkata answer {row['id']}`" if row["kind"] == "theory" else t("its notebook", lang)
        )
        missed = "; ".join(row["missed"][:3])
        lines.append(
            f"- **{row['id']}** ({row['raw']:.2f}): {t('review with', lang, where=where)}"
            + (t("missed list", lang, points=missed) if missed else "")
        )
    return "\n".join(lines) + "\n"


def _item_line(row: dict, lang: str) -> str:
    """``id · kind · points (raw r) (flags)``: late, unanswered, hints, time spent."""
    flags = [
        t(key, lang)
        for key, on in (("flag late", row["late"]), ("flag no answer", not row["answered"]))
        if on
    ]
    if row["hints"]:
        plural = "" if row["hints"] == 1 else "s"
        flags.append(t("flag hints", lang, count=row["hints"], plural=plural))
    if row.get("seconds") is not None:
        flags.append(t("flag time", lang, time=_minutes(row["seconds"], lang)))
    flag = f" ({', '.join(flags)})" if flags else ""
    points = f"{_points(row['points'])} / {_points(row['max_points'])}"
    raw = f"{t('raw', lang)} {row['raw']:.2f}"
    return f"`{row['id']}` · {t(row['kind'], lang)} · {points} ({raw}){flag}"


def _scoring(row: dict, lang: str = "en") -> list[str]:
    """A theory item's verdicts: contradicted, covered and missed key points, and who judged."""
    lines = []
    contradicted = row.get("contradicted", [])
    if contradicted:
        lines += [t("contradicted", lang), ""]
        for item in contradicted:
            said = " ".join(item["said"].split())
            lines.append(t("you said", lang, said=said, point=item["point"]))
        lines.append("")
    if row["covered"]:
        lines += [t("covered", lang), "", *[f"- ✓ {p}" for p in row["covered"]], ""]
    if row["missed"]:
        lines += [t("missed", lang), "", *[f"- ✗ {p}" for p in row["missed"]], ""]
    if row.get("shape"):
        lines += [t("marked down", lang, shape=row["shape"]), ""]
    if row["missed"] or contradicted:
        lines += [t("model answer", lang), "", row["model_answer"], ""]
    if row.get("judge"):
        lines += [t("scored by", lang, judge=row["judge"]), ""]
    return lines


def _quoted(text: str, lang: str = "en") -> list[str]:
    """The candidate's text as a Markdown quote, so its own headings or lists stay inside."""
    text = text.strip()
    if not text:
        return [t("no answer", lang)]
    return [f"> {line}".rstrip() for line in text.splitlines()]


def _checks(row: dict, lang: str = "en") -> list[str]:
    """A coding item: each check passed or failed (with why), then any other problem."""
    from grader.wording import localise_message

    checks = row.get("checks", [])
    lines = []
    for check in checks:
        hidden = t("hidden", lang) if check["hidden"] else ""
        points = t("point unit", lang, points=f"{check['points']:g}")
        name = check.get("name_zh") if lang == "zh" and check.get("name_zh") else check["name"]
        if check["passed"]:
            lines.append(f"- ✓ {name}{hidden} · {points}")
        else:
            message = " ".join(localise_message(check["message"], lang).split())
            lines.append(f"- ✗ {name}{hidden} · 0 / {points}: {message}")
    failed = {c["name"] for c in checks if not c["passed"]}
    for message in row["messages"]:
        if not any(f"'{name}' failed" in message for name in failed):
            lines.append(f"- {message}")
    if checks:
        passed = sum(c["passed"] for c in checks)
        lines.insert(0, t("checks passed", lang, passed=passed, total=len(checks)))
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
    title = t("report title", session.lang, id=session.id)
    page.write_text(to_html(text, title), encoding="utf-8")
    return md, page
