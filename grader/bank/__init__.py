"""The question bank: theory questions with bilingual model answers and key points.

Each topic is one YAML file beside this module (``bert.yaml`` ...), the single source of
truth for its questions; notebooks, ``mlkata answer`` and mock interviews read it here.
Every question carries the month it was last reviewed, the sources its facts rest on, and
the common misconceptions candidates voice, in both languages. ``glossary.yaml`` beside it
is not a topic: it holds the bilingual terms (see ``grader.bank.glossary``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from grader.engine.outline import read_yaml
from grader.errors import MlkataError, did_you_mean

BANK_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
DIFFICULTIES = ("easy", "medium", "hard")
ID_PATTERN = re.compile(r"^[a-z0-9]+\.[a-z0-9-]+$")
REVIEWED_PATTERN = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Text:
    """One language's version of a question."""

    question: str
    answer: str
    key_points: tuple[str, ...]
    # Plausible wrong statements candidates make, shown as "common mistakes".
    misconceptions: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    difficulty: str
    from_source: bool
    tags: tuple[str, ...]
    text: dict[str, Text]
    reviewed: str  # the month the answer was last checked against its sources, "YYYY-MM"
    sources: tuple[str, ...]  # papers, docs or measurements the answer's facts rest on

    def in_language(self, lang: str) -> Text:
        return self.text[lang]


def _strings(raw: object) -> tuple[str, ...]:
    """A YAML list of strings, stripped; anything else (or an empty entry) gives ()."""
    if not isinstance(raw, list):
        return ()
    items = tuple(str(item).strip() for item in raw)
    return items if all(items) else ()


def _provenance(raw: dict, where: str) -> tuple[str, tuple[str, ...]]:
    reviewed = str(raw.get("reviewed", ""))
    if not REVIEWED_PATTERN.match(reviewed):
        raise ValueError(f"{where}: reviewed must be a month such as 2026-12, not {reviewed!r}")
    sources = _strings(raw.get("sources"))
    if not sources:
        raise ValueError(f"{where}: sources must list at least one paper, doc or measurement")
    return reviewed, sources


def _parse(raw: dict, topic: str, where: str) -> Question:
    qid = raw.get("id", "")
    if not ID_PATTERN.match(qid) or not qid.startswith(topic + "."):
        raise ValueError(f"{where}: bad question id {qid!r}")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{where}: {qid}: difficulty must be one of {DIFFICULTIES}")
    text = {}
    for lang in LANGUAGES:
        part = raw.get(lang) or {}
        points = _strings(part.get("key_points"))
        if not 3 <= len(points) <= 6:
            raise ValueError(f"{where}: {qid}: {lang} needs 3 to 6 key points")
        mistakes = _strings(part.get("misconceptions"))
        if not mistakes:
            raise ValueError(f"{where}: {qid}: {lang} needs at least one misconception")
        text[lang] = Text(
            str(part["question"]).strip(), str(part["answer"]).strip(), points, mistakes
        )
    if len(text["en"].key_points) != len(text["zh"].key_points):
        raise ValueError(f"{where}: {qid}: en and zh key points differ in number")
    if len(text["en"].misconceptions) != len(text["zh"].misconceptions):
        raise ValueError(f"{where}: {qid}: en and zh misconceptions differ in number")
    reviewed, sources = _provenance(raw, f"{where}: {qid}")
    return Question(
        qid,
        topic,
        raw["difficulty"],
        bool(raw.get("from_source")),
        tuple(raw.get("tags", ())),
        text,
        reviewed,
        sources,
    )


@functools.cache
def load_bank() -> dict[str, list[Question]]:
    """Every topic's questions, in file order."""
    bank: dict[str, list[Question]] = {}
    for path in sorted(BANK_DIR.glob("*.yaml")):
        if path.name == GLOSSARY_FILE:
            continue
        raw = read_yaml(path)
        topic = raw["topic"]
        questions = [_parse(item, topic, str(path)) for item in raw["questions"]]
        ids = [q.id for q in questions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{path}: duplicate question ids")
        bank[topic] = questions
    return bank


def get_question(question_id: str) -> Question:
    for questions in load_bank().values():
        for question in questions:
            if question.id == question_id:
                return question
    known = [question.id for questions in load_bank().values() for question in questions]
    raise MlkataError(
        f"unknown question {question_id!r}{did_you_mean(question_id, known)}: "
        "`mlkata list` shows the ids"
    )


HEADINGS = {
    "en": {
        "answer": "Model answer",
        "points": "Key points",
        "mistakes": "Common mistakes",
        "reviewed": "Reviewed",
        "sources": "Sources",
    },
    "zh": {
        "answer": "参考答案",
        "points": "要点",
        "mistakes": "常见误区",
        "reviewed": "审阅时间",
        "sources": "资料来源",
    },
}


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


def answer_markdown(question: Question, lang: str | None = None) -> str:
    """The model answer with its key points and common mistakes, in one language or both."""
    langs = LANGUAGES if lang is None else (lang,)
    parts = []
    for code in langs:
        text, heading = question.in_language(code), HEADINGS[code]
        parts.append(
            f"**{heading['answer']}**\n\n{text.answer}\n\n"
            f"**{heading['points']}**\n\n{_bullets(text.key_points)}\n\n"
            f"**{heading['mistakes']}**\n\n{_bullets(text.misconceptions)}"
        )
    return "\n\n---\n\n".join(parts)


def provenance_markdown(question: Question, lang: str | None = None) -> str:
    """When the answer was last reviewed and what its facts rest on."""
    langs = LANGUAGES if lang is None else (lang,)
    reviewed = " / ".join(HEADINGS[code]["reviewed"] for code in langs)
    sources = " / ".join(HEADINGS[code]["sources"] for code in langs)
    colon = "：" if langs == ("zh",) else ": "
    return (
        f"**{reviewed}**{colon}{question.reviewed}\n\n**{sources}**\n\n{_bullets(question.sources)}"
    )
