"""Is the question bank complete, bilingual and well-formed?"""

from __future__ import annotations

import pytest

from grader.bank import _parse, answer_markdown, get_question, load_bank
from grader.errors import MlkataError


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
