"""Does the in-notebook feedback work: check, hint and reveal?"""

from __future__ import annotations

from typing import Any

import pytest

from grader.engine import interactive
from grader.engine.interactive import ChecksFailed
from grader.errors import MlkataError


def run_in(namespace: dict[str, Any], code: str) -> None:
    """Run ``code`` as a notebook cell would, with ``namespace`` as its globals."""
    exec(compile(code, "<cell>", "exec"), {**namespace, "check": interactive.check})


def test_check_passes_quietly_on_the_reference(bert_reference: dict, capsys) -> None:
    run_in(bert_reference, 'check("bert.encode")')
    shown = capsys.readouterr().out
    assert "PASS" in shown and "FAIL" not in shown


def test_check_says_hidden_checks_hold_the_rest_of_the_points(bert_reference: dict, capsys) -> None:
    """bert.encode has 3 points, one of them hidden: does the cell say so, instead of a
    misleading "2/2 points", and name who runs the hidden checks?"""
    run_in(bert_reference, 'check("bert.encode")')
    shown = " ".join(capsys.readouterr().out.split())
    assert "2/2 points from the public checks" in shown
    assert "hidden checks hold the other 1 of the exercise's 3 points" in shown
    assert "`mlkata check` and the grader" in shown


def test_feedback_without_hidden_checks_shows_plain_points() -> None:
    from grader.engine.report import CheckResult, ExerciseResult, exercise_html

    result = ExerciseResult("x.y", "X", 2.0, [CheckResult("works", 2.0, True, False)])
    assert "(2/2 points)" in exercise_html(result)
    result.hidden_points = 3.0
    assert "hidden checks hold the other 3 of the exercise&#x27;s 5 points" in exercise_html(result)


def test_check_speaks_chinese_when_asked(bert_stubs: dict, capsys) -> None:
    """check(..., lang="zh") names each check, the verdict, the points and the labels of
    the failure message in Chinese; the values the check computed stay as they are."""
    with pytest.raises(ChecksFailed) as caught:
        run_in(bert_stubs, 'check("bert.encode", lang="zh")')
    shown = capsys.readouterr().out
    assert "把每条文本填充到最长的一条" in shown and "pads every text" not in shown
    assert "分（仅公开检查）" in shown and "points" not in shown
    assert "2 项检查中有 2 项未通过" in str(caught.value)


def test_failure_labels_and_hidden_marks_follow_the_language() -> None:
    from grader.engine.report import CheckResult, ExerciseResult, exercise_html, exercise_text

    message = "called:   f(x)\ngot:      1\nexpected: 2\nwhy:      off by one"
    check = CheckResult("works", 1.0, False, True, message, name_zh="能工作")
    result = ExerciseResult("x.y", "X", 1.0, [check], title_zh="某练习")
    text = exercise_text(result, "zh")
    assert text.splitlines()[0] == "某练习：0/1 分".replace("：", ": ", 1)
    assert "FAIL 能工作" in text
    for label in ("调用：", "得到：", "期望：", "原因："):
        assert label in text
    assert "off by one" in text and "called:" not in text
    html = exercise_html(result, "zh")
    assert "(隐藏)" in html and "尚未通过" in html and "(hidden)" not in html
    assert exercise_text(result) == exercise_text(result, "en")
    assert "called:   f(x)" in exercise_text(result)


def test_an_unknown_feedback_language_is_one_clear_error(bert_reference: dict) -> None:
    with pytest.raises(MlkataError, match="unknown language 'fr'"):
        run_in(bert_reference, 'check("bert.encode", lang="fr")')


def test_check_fails_with_one_line_on_the_stub(bert_stubs: dict, capsys) -> None:
    """Does a failing check raise, shown as one line, after printing what failed?"""
    with pytest.raises(ChecksFailed) as caught:
        run_in(bert_stubs, 'check("bert.encode")')
    assert caught.value._render_traceback_() == ["\x1b[31mbert.encode: 2 of 2 checks failed\x1b[0m"]
    assert "not implemented yet" in capsys.readouterr().out


def shown_by(capsys: pytest.CaptureFixture[str], call: Any, *args: Any, **kwargs: Any) -> str:
    """What ``call`` shows; it must return nothing, or Jupyter would echo it again."""
    assert call(*args, **kwargs) is None
    return capsys.readouterr().out


def test_hints_come_one_at_a_time_and_stop_at_the_last(capsys) -> None:
    interactive._hints_shown.clear()
    hint = interactive.hint
    assert "Hint 1/2" in shown_by(capsys, hint, "bert.encode", lang="en")
    assert "Hint 2/2" in shown_by(capsys, hint, "bert.encode", lang="en")
    assert "Hint 2/2" in shown_by(capsys, hint, "bert.encode", lang="en")
    assert "提示" not in shown_by(capsys, hint, "bert.encode", 1, lang="en")
    assert "(zh)" in shown_by(capsys, hint, "bert.encode", 1, lang="zh")


def test_reveal_shows_key_points(capsys) -> None:
    text = shown_by(capsys, interactive.reveal, "bert.classification-steps", lang="en")
    assert "Key points" in text and "[CLS]" in text


def test_hint_and_reveal_show_their_text_once_in_a_kernel() -> None:
    """In IPython, is the answer displayed once (rendered), with no raw echo of a return value?"""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from grader import hint, reveal", store_history=False)
        for code in ['reveal("bert.classification-steps", lang="en")', 'hint("bert.encode", 1)']:
            outcome = shell.run_cell(code, store_history=False)
            assert outcome.success and outcome.result is None, code
    finally:
        InteractiveShell.clear_instance()


def test_reveal_shows_the_common_mistakes(capsys) -> None:
    """Does reveal() show the question's misconceptions under a heading of its language?"""
    interactive.reveal("bert.classification-steps", lang="zh")
    shown = capsys.readouterr().out
    assert "常见误区" in shown and "评估文本分类器只看准确率就够了" in shown


def test_unknown_exercise_and_language_are_clear_errors() -> None:
    with pytest.raises(MlkataError, match=r"unknown exercise 'bert\.nope'"):
        interactive.check("bert.nope")
    with pytest.raises(MlkataError, match="unknown language 'fr'"):
        interactive.reveal("bert.classification-steps", lang="fr")


def test_warnings_from_correct_code_stay_out_of_stderr(bert_reference: dict, capsys) -> None:
    """nbgrader fails a cell that wrote to stderr: does a warning in passing code stay inside
    the feedback instead?"""
    from transformers.utils import logging as transformers_logging

    encode = bert_reference["encode_batch"]

    def noisy_encode_batch(*args: Any, **kwargs: Any) -> Any:
        transformers_logging.get_logger("transformers.noisy").warning("a transformers warning")
        print("a plain write", file=__import__("sys").stderr)
        return encode(*args, **kwargs)

    run_in({**bert_reference, "encode_batch": noisy_encode_batch}, 'check("bert.encode")')
    shown = capsys.readouterr()
    assert shown.err == ""
    assert "PASS" in shown.out and "FAIL" not in shown.out
    assert "wrote" in shown.out and "stderr" in shown.out


def test_a_mistyped_id_in_a_notebook_is_one_line_with_a_suggestion(capsys) -> None:
    """Does ``hint("bert.encodee")`` in a kernel print one line that suggests bert.encode,
    instead of a traceback through the grader and every exercise id?"""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from grader import hint, reveal", store_history=False)
        capsys.readouterr()
        for code, suggestion in [
            ('hint("bert.encodee")', "did you mean 'bert.encode'?"),
            ('reveal("bert.classification-step")', "did you mean 'bert.classification-steps'?"),
        ]:
            assert not shell.run_cell(code, store_history=False).success
            shown = capsys.readouterr()
            lines = (shown.out + shown.err).strip().splitlines()
            assert len(lines) == 1 and suggestion in lines[0], lines
            assert "Traceback" not in lines[0] and "bert.fine_tune" not in lines[0]
    finally:
        InteractiveShell.clear_instance()
