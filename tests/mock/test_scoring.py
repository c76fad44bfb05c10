"""Does the theory scorer reward being right rather than using the right words?

Each test asks one question of the real scorer (MiniLM, shared per session) on answers of
the labelled set (benchmarks/data/mock_answers.yaml) or on answers written here; the cue
tests need no model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bank import get_question
from grader.mock import cues
from grader.mock.calibration import GOOD_KINDS, load_labelled
from grader.mock.grading import grade_session
from grader.mock.llm_judge import LLMJudge, judge_from_environment, parse_verdicts
from grader.mock.report import markdown
from grader.mock.session import Answer, Item, Session, build_session


def answers(question: str, lang: str, kinds: tuple[str, ...]) -> list[str]:
    return [
        r["answer"]
        for r in load_labelled()
        if (r["question"], r["lang"]) == (question, lang) and r["kind"] in kinds
    ]


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("efficiency.tensor-parallelism", "en"),
        ("efficiency.tensor-parallelism", "zh"),
        ("resnet.vit-vs-cnn", "en"),
        ("resnet.vit-vs-cnn", "zh"),
        ("efficiency.mixed-precision", "en"),
        ("bert.pretraining-objectives", "zh"),
        ("textgen.chat-templates", "en"),
    ],
)
def test_a_wrong_answer_in_the_right_vocabulary_scores_below_every_good_one(
    scorer, question: str, lang: str
) -> None:
    q = get_question(question)
    good = [scorer.score(q, a).score for a in answers(question, lang, GOOD_KINDS)]
    wrong = [scorer.score(q, a).score for a in answers(question, lang, ("wrong",))]
    assert good and wrong
    assert max(wrong) < min(good), (good, wrong)
    assert max(wrong) <= 0.3, wrong


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("efficiency.faster-inference", "KV cache, continuous batching, int8, GPTQ, AWQ, FP8"),
        ("textgen.kv-cache", "keys, values, layers, KV heads, head_dim, fp16, 23,040 bytes, GQA"),
        ("textgen.greedy-vs-sampling", "贪心解码、采样、确定性、多样性、top-p、温度"),
    ],
)  # fmt: skip
def test_a_keyword_list_scores_low(scorer, question: str, answer: str) -> None:
    result = scorer.score(get_question(question), answer)
    assert result.score <= 0.5 and result.shape == "keyword list", result


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_echo_of_the_question_scores_low(scorer, lang: str) -> None:
    for question in ("textgen.temperature", "resnet.batchnorm-modes"):
        text = get_question(question).text[lang].question
        assert scorer.score(get_question(question), text).score <= 0.3


def test_a_chinese_answer_scores_like_its_english_twin(scorer) -> None:
    for question in ("efficiency.tensor-parallelism", "resnet.inception-module", "bert.deployment"):
        q = get_question(question)
        (en,) = answers(question, "en", ("correct",))
        (zh,) = answers(question, "zh", ("correct",))
        assert abs(scorer.score(q, en).score - scorer.score(q, zh).score) <= 0.15


def test_the_model_answer_scores_full_marks_in_both_languages(scorer) -> None:
    q = get_question("textgen.top-k-sampling")
    for lang in ("en", "zh"):
        result = scorer.score(q, q.text[lang].answer)
        assert result.score >= 0.9 and not result.contradicted, result


def test_a_contradicted_point_costs_more_than_a_missed_one(scorer) -> None:
    q = get_question("textgen.temperature")
    silent = "Temperature divides the logits by T before the softmax."
    flipped = silent + " A higher temperature makes sampling more deterministic."
    quiet, wrong = scorer.score(q, silent), scorer.score(q, flipped)
    assert wrong.contradicted and not quiet.contradicted
    assert wrong.score < quiet.score


def test_the_report_names_the_contradicted_point(scorer, home: Path) -> None:
    question = "efficiency.data-parallelism"
    wrong = answers(question, "en", ("wrong",))[0]
    session = build_session(home / "sessions", minutes=10, lang="en", seed=1, now=1e9)
    session.items = [Item("theory", question, "efficiency")]
    session.answers = {question: Answer(wrong, 1e9 + 60, False)}
    session.save()
    graded = grade_session(session, scorer)
    (row,) = graded["items"]
    assert row["contradicted"], row
    report = markdown(Session.load(session.path))
    first = row["contradicted"][0]
    assert "**Contradicted**" in report
    assert f"the key point is: {first['point']}" in report and "you said “" in report
    assert "Scored by the offline" in report


def test_negation_and_opposites_are_seen_in_both_languages() -> None:
    assert cues.negated("torch.no_grad() does not change dropout")
    assert not cues.negated("model.eval() turns dropout off")
    assert cues.negated("推理时没有损失") and not cues.negated("两种模式不同")
    assert cues.opposed("a higher temperature", "a lower temperature", "")
    assert cues.opposed("温度越高越平", "温度越低越尖", "") == []  # single characters: no pair
    assert cues.opposed("数值更大", "数值更小", "") == [("更大", "更小")]
    assert cues.foreign_numbers("it masks 50% of the tokens", "15% ... 80%, 10%") == {"50"}


def test_keyword_lists_are_told_from_sentences() -> None:
    assert cues.is_keyword_list("MLM, 15%, [MASK], NSP, RoBERTa, dynamic masking.")
    assert cues.is_keyword_list("HBM、SRAM、分块、在线 softmax、精确。")
    assert not cues.is_keyword_list("It keeps the top tokens, renormalises them, and samples.")
    assert not cues.is_keyword_list("批处理让每次读取权重被多个序列共享，静态批次要等最长的序列。")


def test_the_llm_judge_reads_a_structured_verdict_and_rejects_prose() -> None:
    reply = 'Sure:\n```json\n{"points": [{"index": 2, "verdict": "contradicted", "quote": "x"},'
    reply += ' {"index": 9, "verdict": "covered"}, {"index": 1, "verdict": "COVERED"}]}\n```'
    assert parse_verdicts(reply, 3) == [("covered", ""), ("contradicted", "x"), ("missed", "")]
    with pytest.raises(ValueError):
        parse_verdicts("The answer is mostly right.", 3)
    with pytest.raises(ValueError):
        parse_verdicts('{"score": 0.8}', 3)


def test_the_offline_scorer_is_the_default(scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MLKATA_OPENAI_MODEL", "some-model")
    monkeypatch.delenv("MLKATA_JUDGE", raising=False)
    assert judge_from_environment(scorer) is scorer
    monkeypatch.setenv("MLKATA_JUDGE", "llm")
    judge = judge_from_environment(scorer)
    assert isinstance(judge, LLMJudge)
    q = get_question("textgen.temperature")  # nothing listens on port 9: the offline scorer
    result = judge.score(q, "Temperature divides the logits by T before the softmax.")
    assert result.judge.startswith("offline (the LLM judge some-model failed")
    assert (
        result.score
        == scorer.score(q, "Temperature divides the logits by T before the softmax.").score
    )
    again = judge.score(q, "Temperature divides the logits.")  # off now: no second attempt
    assert again.judge == result.judge
