"""Is the question bank complete, bilingual and well-formed?"""

from __future__ import annotations

import pytest

from grader.bank import (
    REVIEWED_PATTERN,
    _parse,
    answer_markdown,
    get_question,
    load_bank,
    provenance_markdown,
)
from grader.errors import MlkataError


def raw_question(**changes: object) -> dict:
    """A well-formed question as the YAML loader sees it, with ``changes`` applied."""
    text = {
        "question": "Q?",
        "answer": "A.",
        "key_points": ["one", "two", "three"],
        "misconceptions": ["a wrong belief"],
    }
    raw = {
        "id": "bert.sample",
        "difficulty": "easy",
        "reviewed": "2026-12",
        "sources": ["a paper"],
        "en": dict(text),
        "zh": dict(text),
    }
    raw.update(changes)
    return raw


def test_bert_bank_has_the_article_question_and_enough_others() -> None:
    """Does the BERT topic hold the article's question plus at least 12 more?"""
    questions = load_bank()["bert"]
    assert len(questions) >= 13
    article = [q for q in questions if q.from_source]
    assert [q.id for q in article] == ["bert.classification-steps"]


def test_every_question_is_bilingual_with_matching_key_points() -> None:
    """Has every question an English and a Chinese version with 3 to 6 matching key points?"""
    for questions in load_bank().values():
        for question in questions:
            en, zh = question.text["en"], question.text["zh"]
            assert en.question and en.answer and zh.question and zh.answer
            assert 3 <= len(en.key_points) == len(zh.key_points) <= 6
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.answer), question.id


def test_article_answer_says_where_the_article_is_weak() -> None:
    """Does the model answer to the article's question name the article's faults?"""
    answer = get_question("bert.classification-steps").text["en"].answer
    assert "article" in answer and "tokenizer.encode" in answer


def test_a_question_with_too_few_key_points_is_rejected() -> None:
    """Is a malformed question refused when the bank loads?"""
    text = {"question": "Q?", "answer": "A.", "key_points": ["only one"]}
    raw = {"id": "bert.bad", "difficulty": "easy", "en": text, "zh": text}
    with pytest.raises(ValueError, match="3 to 6 key points"):
        _parse(raw, "bert", "test")


def test_the_sample_question_is_well_formed() -> None:
    """Does the helper's question load, so that each rejection below has one cause?"""
    assert _parse(raw_question(), "bert", "test").text["zh"].misconceptions == ("a wrong belief",)


def test_every_question_says_when_it_was_reviewed_and_on_what_sources() -> None:
    """Has every question a reviewed month (YYYY-MM) and at least one source?"""
    for questions in load_bank().values():
        for question in questions:
            assert REVIEWED_PATTERN.match(question.reviewed), question.id
            assert question.sources and all(question.sources), question.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reviewed": None}, "reviewed must be a month"),
        ({"reviewed": "2026-13"}, "reviewed must be a month"),
        ({"sources": []}, "sources must list at least one"),
        ({"sources": None}, "sources must list at least one"),
    ],
)
def test_a_question_without_review_month_or_sources_is_rejected(change: dict, message: str) -> None:
    """Is a question missing its reviewed month or its sources refused when the bank loads?"""
    raw = {k: v for k, v in raw_question(**change).items() if v is not None}
    with pytest.raises(ValueError, match=message):
        _parse(raw, "bert", "test")


def test_every_question_names_misconceptions_in_both_languages() -> None:
    """Has every question at least one common misconception, as many in Chinese as in English?"""
    for questions in load_bank().values():
        for question in questions:
            en, zh = question.text["en"], question.text["zh"]
            assert 1 <= len(en.misconceptions) == len(zh.misconceptions), question.id
            assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(zh.misconceptions))


@pytest.mark.parametrize(
    ("zh_mistakes", "message"),
    [
        ([], "zh needs at least one misconception"),
        (["一", "二"], "en and zh misconceptions differ in number"),
    ],
)
def test_missing_or_unmatched_misconceptions_are_rejected(
    zh_mistakes: list[str], message: str
) -> None:
    """Is a question without Chinese misconceptions, or with a different number, refused?"""
    raw = raw_question()
    raw["zh"]["misconceptions"] = zh_mistakes
    with pytest.raises(ValueError, match=message):
        _parse(raw, "bert", "test")


def test_answer_markdown_lists_the_common_mistakes_in_each_language() -> None:
    """Does the answer text end each language with its misconceptions, under its own heading?"""
    question = get_question("efficiency.mixed-precision")
    english, chinese = answer_markdown(question, "en"), answer_markdown(question, "zh")
    assert "**Common mistakes**" in english and "常见误区" not in english
    assert "**常见误区**" in chinese
    assert all(f"- {m}" in english for m in question.text["en"].misconceptions)
    assert all(f"- {m}" in chinese for m in question.text["zh"].misconceptions)


def test_provenance_markdown_gives_the_review_month_and_every_source() -> None:
    question = get_question("efficiency.flash-attention")
    shown = provenance_markdown(question, "en")
    assert f"**Reviewed**: {question.reviewed}" in shown
    assert all(f"- {source}" in shown for source in question.sources)
    assert "审阅时间" in provenance_markdown(question, "zh")


def test_answer_markdown_in_one_language_or_both() -> None:
    question = get_question("bert.attention-mask-padding")
    both = answer_markdown(question)
    assert "Model answer" in both and "参考答案" in both
    assert "参考答案" not in answer_markdown(question, "en")


def test_unknown_question_is_one_clear_error() -> None:
    with pytest.raises(MlkataError, match=r"unknown question 'bert\.nope'"):
        get_question("bert.nope")


def test_efficiency_bank_covers_the_article_and_corrects_it() -> None:
    """Has the efficiency topic 20+ questions, the article's three, and its corrections?"""
    questions = load_bank()["efficiency"]
    assert len(questions) >= 20
    article = {q.id for q in questions if q.from_source}
    assert article == {
        "efficiency.five-steps",
        "efficiency.faster-training",
        "efficiency.faster-inference",
    }
    training = get_question("efficiency.faster-training").text["en"].answer
    assert "CNN and RNN" in training and "wrong" in training
    inference = get_question("efficiency.faster-inference").text["en"].answer
    assert "multithreading" in inference and "weak" in inference
