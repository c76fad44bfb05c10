"""Does the bank's Chinese text keep to one term per concept and to full-width punctuation?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.bank import load_bank
from grader.bank.glossary import Term, half_width_punctuation, load_glossary, variant_uses


def chinese_texts() -> Iterator[tuple[str, str]]:
    """Every Chinese text of the bank, every check's Chinese name and the Chinese side of the
    feedback and mock-interview catalogues, named by where."""
    from grader.mock.strings import MOCK
    from grader.wording import FEEDBACK

    for catalogue, entries in (("feedback", FEEDBACK), ("mock", MOCK)):
        for key, texts in entries.items():
            yield f"{catalogue} {key!r}", texts["zh"]
    for exercise in all_exercises():
        for check in exercise.checks:
            yield f"{exercise.id} check {check.function.__name__}", check.name_zh
    for questions in load_bank().values():
        for question in questions:
            zh = question.text["zh"]
            yield f"{question.id} question", zh.question
            yield f"{question.id} answer", zh.answer
            for number, point in enumerate(zh.key_points, start=1):
                yield f"{question.id} key point {number}", point
            for number, mistake in enumerate(zh.misconceptions, start=1):
                yield f"{question.id} misconception {number}", mistake


def all_exercises() -> list:
    from grader.engine.catalog import load_tracks

    return [exercise for track in load_tracks().values() for exercise in track.exercises]


def test_every_check_has_a_chinese_name() -> None:
    """Does every check's docstring carry a ``zh:`` line, for feedback in Chinese?"""
    missing = [
        f"{exercise.id}: {check.function.__name__}"
        for exercise in all_exercises()
        for check in exercise.checks
        if not check.name_zh
    ]
    assert missing == []


def test_chinese_texts_use_only_the_glossary_terms() -> None:
    """Does no Chinese text write a glossary concept another way than its one Chinese term?"""
    found = [f"{where}: {use}" for where, text in chinese_texts() for use in variant_uses(text)]
    assert found == []


def test_chinese_texts_use_full_width_punctuation() -> None:
    """Is no ASCII punctuation written beside a Chinese character or ending a Chinese line?"""
    found = [
        f"{where}: {mark!r}"
        for where, text in chinese_texts()
        for mark in half_width_punctuation(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("用推测解码加速生成", ["推测解码 -> 投机解码"]),
        ("每步都要读 KV cache", ["KV cache -> KV 缓存"]),
        ("投机解码（speculative decoding）能加速生成", []),
        ("调用 `speculative_decoding()` 与 `KV cache`", []),
        ("不能直接传 tokenizer.encode 返回的列表", []),
    ],
)
def test_a_non_canonical_variant_is_caught(text: str, expected: list[str]) -> None:
    """Is a variant found, while a gloss right after the term, code and dotted names are not?"""
    assert variant_uses(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("为什么?更长的文档怎么办", ["么?"]),
        ("BERT 最多 512 个 token,为什么", [",为"]),
        ("会产生 [UNK]?", ["?"]),
        ("token type(段落)id", ["(段", "落)"]),
        ("调用 `f(x)`，得到 (B, C)；", []),
    ],
)
def test_half_width_punctuation_is_caught(text: str, expected: list[str]) -> None:
    assert half_width_punctuation(text) == expected


def test_glossary_names_each_concept_once() -> None:
    """Is every English and Chinese term in the glossary once, and no variant another's term?"""
    terms: tuple[Term, ...] = load_glossary()
    english, chinese = [t.en for t in terms], [t.zh for t in terms]
    assert len(set(english)) == len(english) and len(set(chinese)) == len(chinese)
    assert not {v for t in terms for v in t.variants} & set(chinese)
