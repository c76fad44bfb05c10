"""The bank's bilingual glossary and the checks that keep its Chinese text consistent.

``glossary.yaml`` holds, per concept, the English term, the one Chinese term the bank uses,
and the other spellings of that concept that Chinese text must avoid. ``variant_uses``
finds those in a text, and ``half_width_punctuation`` finds ASCII punctuation written next
to a Chinese character, where full-width punctuation belongs. Both skip code (backtick spans
and fenced blocks), which is literal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import yaml

from grader.bank import BANK_DIR, GLOSSARY_FILE

HAN = "\u4e00-\u9fff"
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
FULL_WIDTH = "\u3000-\u303f\uff00-\uffef"  # CJK punctuation and full-width forms
HALF_WIDTH = re.compile(rf'[{HAN}][,.;:?!()"]|[,;:?!()"][{HAN}]|[{FULL_WIDTH}][,;:?!]|[?!]$', re.M)


@dataclass(frozen=True)
class Term:
    en: str
    zh: str
    variants: tuple[str, ...]


@functools.cache
def load_glossary() -> tuple[Term, ...]:
    """Every glossary term, in file order; a variant equal to its term is refused."""
    raw = yaml.safe_load((BANK_DIR / GLOSSARY_FILE).read_text(encoding="utf-8"))
    terms = []
    for item in raw["terms"]:
        term = Term(str(item["en"]), str(item["zh"]), tuple(map(str, item.get("variants", []))))
        if term.zh in term.variants:
            raise ValueError(f"{GLOSSARY_FILE}: {term.en}: {term.zh!r} is its own variant")
        terms.append(term)
    return tuple(terms)


def prose(text: str) -> str:
    """``text`` without its code: backtick spans and fenced blocks become a space."""
    return CODE.sub(" ", text)


def _pattern(variant: str) -> re.Pattern[str]:
    """A variant as a regex. ASCII variants match whole words in any case, and not as part
    of a dotted name such as tokenizer.encode."""
    escaped = re.escape(variant)
    if variant.isascii():
        return re.compile(rf"(?<![A-Za-z0-9_.]){escaped}(?![A-Za-z0-9_]|\.\w)", re.I)
    return re.compile(escaped)


def variant_uses(text: str, terms: tuple[Term, ...] | None = None) -> list[str]:
    """The non-canonical spellings of glossary terms in ``text``, as "variant -> term".

    The canonical term may carry a gloss in full-width brackets right after it, such as
    注意力掩码（attention mask）: a variant inside that gloss is allowed.
    """
    body = prose(text)
    found = []
    for term in load_glossary() if terms is None else terms:
        glossed = re.compile(re.escape(term.zh) + r"（[^）]*）")
        masked = glossed.sub(" ", body).replace(term.zh, " ")
        found += [f"{v} -> {term.zh}" for v in term.variants if _pattern(v).search(masked)]
    return found


def half_width_punctuation(text: str) -> list[str]:
    """Each ASCII punctuation mark beside a Chinese character or Chinese punctuation, with
    its neighbour, and each ASCII ? or ! that ends a line of Chinese text."""
    return HALF_WIDTH.findall(prose(text))
