"""The question bank: theory questions with bilingual model answers and key points.

Each topic is one YAML file beside this module (``bert.yaml`` ...), the single source of
truth for its questions; notebooks, ``mlkata answer`` and mock interviews read it here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.errors import MlkataError

BANK_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
DIFFICULTIES = ("easy", "medium", "hard")
ID_PATTERN = re.compile(r"^[a-z0-9]+\.[a-z0-9-]+$")


@dataclass(frozen=True)
class Text:
    question: str
    answer: str
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    difficulty: str
    from_source: bool
    tags: tuple[str, ...]
    text: dict[str, Text]

    def in_language(self, lang: str) -> Text:
        return self.text[lang]


def _parse(raw: dict, topic: str, where: str) -> Question:
    qid = raw.get("id", "")
    if not ID_PATTERN.match(qid) or not qid.startswith(topic + "."):
        raise ValueError(f"{where}: bad question id {qid!r}")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{where}: {qid}: difficulty must be one of {DIFFICULTIES}")
    text = {}
    for lang in LANGUAGES:
        part = raw.get(lang) or {}
        points = tuple(str(p).strip() for p in part.get("key_points", []))
        if not 3 <= len(points) <= 6:
            raise ValueError(f"{where}: {qid}: {lang} needs 3 to 6 key points")
        text[lang] = Text(str(part["question"]).strip(), str(part["answer"]).strip(), points)
    if len(text["en"].key_points) != len(text["zh"].key_points):
        raise ValueError(f"{where}: {qid}: en and zh key points differ in number")
    return Question(
        qid,
        topic,
        raw["difficulty"],
        bool(raw.get("from_source")),
        tuple(raw.get("tags", ())),
        text,
    )


@functools.cache
def load_bank() -> dict[str, list[Question]]:
    """Every topic's questions, in file order."""
    bank: dict[str, list[Question]] = {}
    for path in sorted(BANK_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    raise MlkataError(f"unknown question {question_id!r}: `mlkata list` shows the ids")


def answer_markdown(question: Question, lang: str | None = None) -> str:
    """The model answer with its key points, in one language or both."""
    langs = LANGUAGES if lang is None else (lang,)
    parts = []
    for code in langs:
        text = question.in_language(code)
        heading = "Model answer" if code == "en" else "参考答案"
        points = "Key points" if code == "en" else "要点"
        bullets = "\n".join(f"- {point}" for point in text.key_points)
        parts.append(f"**{heading}**\n\n{text.answer}\n\n**{points}**\n\n{bullets}")
    return "\n\n---\n\n".join(parts)
