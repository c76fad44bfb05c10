"""Language-aware text cues for the theory scorer, in English and Chinese alike.

- ``terms``: the content of a text as comparable units. English: lower-cased words with a
  light suffix strip, minus function words. Chinese: character bigrams (and single
  characters standing alone), because the shipped MiniLM's vocabulary lacks most Chinese
  characters while bigrams carry most of the meaning of Chinese technical prose; ASCII words
  inside Chinese text (AdamW, KV, 512) count as English words.
- ``clauses``: the answer cut where a claim ends (sentences, then ``;``, ``,`` and
  "but"/"while"/"而"/"但"), the unit a contradiction is looked for in.
- contradiction cues between a claim and a reference: negation on one side only, a
  comparison word facing its opposite, and numbers that the question's model answer never
  mentions.
- the shapes that deserve little credit whatever words they use: a bare keyword list, and
  an echo of the question.
"""

from __future__ import annotations

import itertools
import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9_]+(?:[.\-'][a-z0-9_]+)*|[\u4e00-\u9fff]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A sentence ends at ., ! or ? before a space, at Chinese 。！？, at a blank line or before a
# list item; a single line break (hard-wrapped text) does not end it.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+\.)\s)")
_WRAPPED_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[ \t]*\n[ \t]*(?=[\u4e00-\u9fff])")
_CLAUSE_CUT = re.compile(
    r"\s*[;；:：]\s*|(?<=,)\s+|(?<=[，、])\s*|\s+(?:but|while|whereas|although|though)\s+|而且|但是|但|然而"
)

_LEADING_LINK = re.compile(r"^(?:but|and|so|while|whereas|then)\s+|^(?:而且|但是|所以|因此|而|但)")

STOPWORDS = frozenset(
    str.split(
        """a an the of to in on at for by with from as is are was were be been being it its this
        that these those and or so if then than thus also can could may might will would should
        must do does did done has have had having i we you they he she them their our your my me
        us which who whom what when where how why there here into onto over under about each
        every one per such very just only both either any some more most other another same own
        up down out off again further once via use used uses using make makes made get gets got
        way thing things like"""
    )
)
_ZH_STOP = frozenset("的了是在和与及把被就都也个这那着吗呢吧啊之其所以对为")

NEGATIONS_EN = frozenset(
    str.split(
        """not no never none nothing without cannot can't don't doesn't isn't aren't won't wasn't
    weren't shouldn't neither nor nobody forget forgets forgetting forgot skip skips skipping
    omit omits omitting lacks lacking missing"""
    )
)
_NEGATION_ZH = re.compile(r"不|没|无|非|未|别|勿|忘|缺少|省略|跳过")
_NOT_NEGATION_ZH = re.compile(
    r"不同|不断|不仅|不管|不过|不少|无论|非常|未来|差不多|并不只|毫无疑问|无需多言"
)

# Pairs of opposites: a claim using one where the reference uses the other is a flip.
OPPOSITES_EN = [
    ("more", "less"),
    ("more", "fewer"),
    ("higher", "lower"),
    ("larger", "smaller"),
    ("bigger", "smaller"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("raises", "lowers"),
    ("faster", "slower"),
    ("before", "after"),
    ("always", "never"),
    ("sharpens", "flattens"),
    ("sharper", "flatter"),
    ("linear", "quadratic"),
    ("linearly", "quadratically"),
    ("static", "dynamic"),
    ("exact", "approximate"),
    ("exactly", "approximately"),
    ("shorter", "longer"),
    ("short", "long"),
    ("cheaper", "dearer"),
    ("added", "concatenated"),
    ("first", "last"),
    ("deterministic", "random"),
    ("frozen", "updated"),
    ("underflow", "overflow"),
    ("most", "least"),
    ("compute-bound", "memory-bound"),
]
OPPOSITES_ZH = [
    ("更大", "更小"),
    ("越大", "越小"),
    ("变大", "变小"),
    ("增大", "减小"),
    ("更高", "更低"),
    ("提高", "降低"),
    ("升高", "降低"),
    ("更多", "更少"),
    ("越多", "越少"),
    ("增加", "减少"),
    ("更快", "更慢"),
    ("之前", "之后"),
    ("以前", "以后"),
    ("更长", "更短"),
    ("线性", "平方"),
    ("静态", "动态"),
    ("相加", "拼接"),
    ("精确", "近似"),
    ("总是", "从不"),
    ("永远", "从不"),
    ("变尖", "变平"),
    ("更尖", "更平"),
    ("确定", "随机"),
    ("冻结", "更新"),
    ("最高", "最低"),
]
_OPPOSITE = {a: b for a, b in OPPOSITES_EN + OPPOSITES_ZH} | {
    b: a for a, b in OPPOSITES_EN + OPPOSITES_ZH
}


def is_chinese(text: str) -> bool:
    """Does the text contain a real share of Chinese characters?"""
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and len(_CJK.findall(text)) >= 0.2 * len(letters)


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def words(text: str) -> list[str]:
    """Lower-cased English words and runs of Chinese characters, in order."""
    return _WORD.findall(text.lower())


def terms(text: str) -> set[str]:
    """The content units of a text (see the module docstring)."""
    found: set[str] = set()
    for token in words(text):
        if _CJK.match(token):
            chars = [c for c in token if c not in _ZH_STOP]
            if len(chars) == 1:
                found.add(chars[0])
            found.update(a + b for a, b in itertools.pairwise(chars))
        elif token not in STOPWORDS and (len(token) > 1 or token.isdigit()):
            found.add(_stem(token))
    return found


def recall(reference: set[str], text: set[str]) -> float:
    """The share of the reference's units found in the text."""
    return len(reference & text) / len(reference) if reference else 0.0


def sentences(answer: str) -> list[str]:
    """The answer's sentences, each on one line (hard line breaks inside one are joined)."""
    answer = _WRAPPED_CJK.sub("", answer)
    parts = [" ".join(s.split()) for s in _SENTENCE_END.split(answer) if s and s.strip()]
    return [s for s in parts if len(s) > 1]


def clauses(answer: str) -> list[str]:
    """Each sentence cut into its claims; fragments too short to claim anything are dropped."""
    found = []
    for sentence in sentences(answer):
        for part in _CLAUSE_CUT.split(sentence):
            part = _LEADING_LINK.sub("", part.strip(" ,，、.。"))
            if part and len(terms(part)) >= 2:
                found.append(part)
    return found


def negated(text: str) -> bool:
    """Does the text deny something (English "not", "no", "without"...; Chinese 不, 没, 无...)?"""
    if is_chinese(text):
        return bool(_NEGATION_ZH.search(_NOT_NEGATION_ZH.sub("", text)))
    tokens = words(text)
    return any(t in NEGATIONS_EN or t.endswith("n't") for t in tokens)


def _negated_scope(text: str) -> set[str]:
    """The content units just after each negation: what the text denies."""
    if is_chinese(text):
        plain = _NOT_NEGATION_ZH.sub("", text)
        return set().union(
            *[terms(plain[m.end() : m.end() + 5]) for m in _NEGATION_ZH.finditer(plain)]
        )
    tokens = words(text)
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token in NEGATIONS_EN or token.endswith("n't"):
            found |= terms(" ".join(tokens[i + 1 : i + 4]))
    return found


def denies(claim: str, reference: str) -> bool:
    """Does one of the two deny what the other asserts? Exactly one is negated, and what it
    negates is something the other one talks about ("does not change dropout" against
    "changes dropout"; not "without truncation, sampling derails" against "sampling derails")."""
    if negated(claim) == negated(reference):
        return False
    negative, positive = (claim, reference) if negated(claim) else (reference, claim)
    return bool(_negated_scope(negative) & terms(positive))


def _comparatives(text: str) -> set[str]:
    if is_chinese(text):
        return {w for w in _OPPOSITE if _CJK.match(w) and w in text}
    return {t for t in words(text) if t in _OPPOSITE}


def opposed(claim: str, reference: str, context: str) -> list[tuple[str, str]]:
    """(word in the claim, its opposite in the reference), where the claim uses one side of
    a pair, the reference the other, and ``context`` (the whole model answer) never uses
    the claim's side."""
    mine, theirs, anywhere = _comparatives(claim), _comparatives(reference), _comparatives(context)
    return [(w, _OPPOSITE[w]) for w in sorted(mine) if _OPPOSITE[w] in theirs and w not in anywhere]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def foreign_numbers(claim: str, known: str) -> set[str]:
    """Numbers in the claim (other than 0, 1 and 2) that ``known`` never mentions."""
    return {n for n in numbers(claim) - numbers(known) if n not in {"0", "1", "2"}}


def is_keyword_list(answer: str) -> bool:
    """A bare list of terms: several short comma-separated items and almost no sentence."""
    text = answer.strip().rstrip(".。")
    items = [i.strip() for i in re.split(r"[,，、;；\n]+", text) if i.strip()]
    if len(items) < 3:
        return False
    if is_chinese(text):
        short = sum(len(i) <= 8 for i in items) / len(items)
        glue = len(re.findall(r"[的是会把让被就能要用在时]", text)) / max(1, len(text))
        return short >= 0.8 and glue < 0.05
    tokens = words(text)
    short = sum(len(words(i)) <= 4 for i in items) / len(items)
    glue = sum(t in STOPWORDS for t in tokens) / max(1, len(tokens))
    return short >= 0.8 and glue < 0.2


def novelty(answer: str, question: str) -> float:
    """The share of the answer's content units that the question does not already contain."""
    mine = terms(answer)
    if not mine:
        return 0.0
    return len(mine - terms(question)) / len(mine)
