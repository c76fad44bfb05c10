"""A mock interview end to end with scripted answers: good, partial, empty, late, a hint,
Chinese, a coding answer; then resume after an interrupt, and bad filters."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from grader.bank import load_bank
from grader.errors import MlkataError
from grader.mock.calibration import load_labelled
from grader.mock.coding import CodingScore
from grader.mock.grading import HINT_COST, grade_session
from grader.mock.report import markdown, write_reports
from grader.mock.session import Item, Session, build_session
from grader.mock.terminal import TerminalInterview


def labelled(question: str, lang: str, label: str) -> str:
    for row in load_labelled():
        if (row["question"], row["lang"], row["label"]) == (question, lang, label):
            return row["answer"].strip()
    raise KeyError(question)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def script(*answers: str) -> io.StringIO:
    return io.StringIO("".join(f"{a}\n.\n" for a in answers))


def quiet() -> Console:
    return Console(file=io.StringIO(), width=100)


def session_with(home: Path, items: list[Item], lang: str = "en", now: float = 1e9) -> Session:
    session = build_session(home / "sessions", minutes=10, lang=lang, seed=1, now=now)
    session.items = items
    session.save()
    return session


def test_same_seed_same_session(home: Path) -> None:
    one = build_session(home, seed=7, now=1e9, topics=["bert", "textgen"])
    two = build_session(home, seed=7, now=1e9, topics=["bert", "textgen"])
    other = build_session(home, seed=8, now=1e9, topics=["bert", "textgen"])
    assert one.items == two.items
    assert one.items != other.items
    kinds = [item.kind for item in one.items]
    assert "theory" in kinds and 1 <= kinds.count("coding") <= 2


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_difficulty_filters_the_coding_exercises_too(home: Path, difficulty: str) -> None:
    from grader.engine.catalog import get_exercise

    for seed in range(4):
        session = build_session(home, seed=seed, now=1e9, minutes=45, difficulty=difficulty)
        coding = [item.id for item in session.items if item.kind == "coding"]
        assert all(get_exercise(eid).difficulty == difficulty for eid in coding), coding


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"topics": ["gan"]}, "valid topics are " + ", ".join(sorted(load_bank()))),
        ({"difficulty": "expert"}, "valid difficulties are easy, medium, hard"),
    ],
)
def test_bad_filters_name_the_valid_values(home: Path, options: dict, fragment: str) -> None:
    with pytest.raises(MlkataError, match=fragment):
        build_session(home, **options)


def test_scripted_english_session(home: Path, scorer) -> None:
    q_good, q_partial = "bert.attention-mask-padding", "bert.metrics-class-imbalance"
    q_empty, q_late = "bert.eval-mode-no-grad", "resnet.batchnorm-modes"
    items = [
        Item("theory", q_good, "bert"),
        Item("theory", q_partial, "bert"),
        Item("theory", q_empty, "bert"),
        Item("theory", q_late, "resnet"),
        Item("coding", "bert.metrics", "bert"),
    ]
    clock = Clock(1e9)
    session = session_with(home, items, now=clock.now)
    code = home / "mine.py"
    code.write_text("def classification_metrics(y_true, y_pred, num_labels):\n    return {}\n")
    answers = [
        labelled(q_good, "en", "good"),
        labelled(q_partial, "en", "partial") + "\n?hint",
        "",
        labelled(q_late, "en", "good"),
        str(code),
    ]

    def ticking():
        for line in script(*answers):
            if line.startswith("In training mode"):  # the late answer: 11 minutes in
                clock.now += 11 * 60
            yield line

    TerminalInterview(session, ticking(), quiet(), clock).run()
    graded_code = []

    def fake_grader(exercise_id: str, source: str) -> CodingScore:
        graded_code.append((exercise_id, source))
        checks = [
            {"name": "counts", "points": 1.5, "passed": True, "hidden": False, "message": ""},
            {"name": "edge", "points": 1.5, "passed": False, "hidden": True, "message": "got\n2"},
        ]
        return CodingScore(0.5, 1.5, 3.0, ["hidden check 'edge' failed: got\n2"], checks)

    graded = grade_session(session, scorer, fake_grader)
    rows = {row["id"]: row for row in graded["items"]}
    assert graded_code == [("bert.metrics", code.read_text())]
    assert rows[q_good]["fraction"] > 0.7 and rows[q_good]["missed"] == []
    assert rows[q_partial]["hints"] == 1
    assert rows[q_partial]["fraction"] == pytest.approx(max(0, rows[q_partial]["raw"] - HINT_COST))
    assert rows[q_good]["raw"] > rows[q_partial]["raw"] > rows[q_empty]["raw"] == 0
    assert rows[q_late]["late"] and rows[q_late]["points"] == 0 and rows[q_late]["raw"] > 0.5
    assert graded["late"] == 2 and graded["hints"] == 1  # the coding answer came later still
    assert rows["bert.metrics"]["raw"] == 0.5 and rows["bert.metrics"]["points"] == 0
    report = markdown(Session.load(session.path))
    assert "**Missed**" in report and "What to study next" in report and q_empty in report
    assert "**Checks: 1 of 2 passed**\n\n- ✓ counts · 1.5 pt\n" in report
    assert "- ✗ edge (hidden) · 0 / 1.5 pt: got 2\n" in report and "failed: got" not in report
    assert "**Your code**" in report and "def classification_metrics" in report
    assert "min on it" in report  # time spent per question
    md, page = write_reports(session)
    shown = page.read_text()
    assert md.exists() and "<h2>" in shown and "<style>" in shown and "<pre><code" in shown


def test_report_scores_have_two_decimals_and_html_escapes_the_candidates_text() -> None:
    from grader.mock.report import _points, to_html

    assert [_points(x) for x in (2.0, 1.5, 0.6666)] == ["2", "1.5", "0.67"]
    page = to_html("> <script>alert(1)</script> **bold**", "t")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_scripted_chinese_session(home: Path, scorer) -> None:
    good_q, bad_q = "textgen.greedy-vs-sampling", "bert.bidirectional-vs-gpt"
    items = [Item("theory", good_q, "textgen"), Item("theory", bad_q, "bert")]
    session = session_with(home, items, lang="zh")
    stream = script(labelled(good_q, "zh", "good"), labelled(bad_q, "zh", "bad"))
    TerminalInterview(session, stream, quiet(), Clock(1e9)).run()
    graded = grade_session(session, scorer)
    good, bad = graded["items"]
    assert good["raw"] > 0.6 > 0.3 > bad["raw"]
    assert "贪心解码每一步都选概率最高的 token" in good["covered"]  # the Chinese key points


def test_a_chinese_session_speaks_chinese_from_the_first_question_to_the_report(
    home: Path, scorer
) -> None:
    """Every line the candidate sees in a zh session (countdown, usage, hint, a mistyped path,
    the report's headings) comes from the Chinese side of grader/mock/strings.py."""
    items = [
        Item("theory", "textgen.temperature", "textgen"),
        Item("coding", "bert.metrics", "bert"),
    ]
    session = session_with(home, items, lang="zh")
    console = quiet()
    stream = io.StringIO("温度越高，分布越平。\n?hint\n.\n" + str(home / "mnie.py") + "\n.\n.\n")
    TerminalInterview(session, stream, console, Clock(1e9)).run()
    shown = " ".join(console.file.getvalue().split())
    for chinese in (
        "剩余 10:00",
        "以单独一行",
        "提示 1：想一想：",
        "请重新输入路径",
        "理论",
        "编程",
    ):
        assert chinese in shown, chinese
    for english in ("left", "think about", "end with a line", "type the path again", "hint 1"):
        assert english not in shown, english
    session.graded = grade_session(session, scorer)
    report = markdown(session)
    for chinese in (
        "# 模拟面试",
        "**得分：",
        "**你的回答**",
        "## 接下来要复习的内容",
        "| 部分 | 得分 |",
    ):
        assert chinese in report, chinese
    for english in ("Mock interview", "Your answer", "What to study next", "time used"):
        assert english not in report, english


def test_the_mock_catalogue_has_both_languages_with_the_same_placeholders() -> None:
    import string

    from grader.mock.strings import MOCK

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in MOCK.items():
        assert set(texts) == {"en", "zh"}, key
        assert fields(texts["zh"]) <= fields(texts["en"]), key


def test_interrupt_then_resume(home: Path, scorer) -> None:
    items = [
        Item("theory", "textgen.temperature", "textgen"),
        Item("theory", "textgen.kv-cache", "textgen"),
    ]
    clock = Clock(1e9)
    session = session_with(home, items, now=clock.now)

    def interrupting():
        yield "Logits are divided by T before the softmax.\n"
        yield ".\n"
        clock.now += 120
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        TerminalInterview(session, interrupting(), quiet(), clock).run()
    saved = Session.load(session.path)
    assert saved.status == "interrupted" and list(saved.answers) == ["textgen.temperature"]
    assert saved.remaining_s == pytest.approx(8 * 60)
    clock.now += 3600  # an hour later: the pause does not count
    TerminalInterview(saved, script("It stores past keys and values."), quiet(), clock).run()
    resumed = Session.load(session.path)
    assert resumed.status == "finished"
    assert [a.late for a in resumed.answers.values()] == [False, False]
    assert resumed.answers["textgen.temperature"].text.startswith("Logits")


def test_text_typed_before_a_hint_is_kept_and_the_hint_comes_at_once(home: Path) -> None:
    """Is "BERT predicts words." typed before ``?hint`` kept in the answer and saved as a
    draft, and is the hint shown as soon as ``?hint`` is typed, before any `.` line?"""
    qid = "bert.classification-steps"
    session = session_with(home, [Item("theory", qid, "bert")])
    console = quiet()

    def typing():
        yield "BERT predicts words.\n"
        yield "?hint\n"
        assert "hint 1: think about" in console.file.getvalue()  # shown before reading on
        assert Session.load(session.path).drafts == {qid: "BERT predicts words."}
        yield "It is fine-tuned with a new head.\n"
        yield ".\n"

    TerminalInterview(session, typing(), console, Clock(1e9)).run()
    saved = Session.load(session.path)
    answer = saved.answers[qid]
    assert answer.text == "BERT predicts words.\nIt is fine-tuned with a new head."
    assert answer.hints == 1 and saved.drafts == {}


def test_a_skipped_question_comes_back_after_the_others_with_its_draft(home: Path) -> None:
    first, second = "textgen.temperature", "textgen.kv-cache"
    items = [Item("theory", first, "textgen"), Item("theory", second, "textgen")]
    session = session_with(home, items)
    stream = io.StringIO(
        "Temperature divides\n?skip\nIt stores past keys and values.\n.\nthe logits.\n.\n"
    )
    console = quiet()
    TerminalInterview(session, stream, console, Clock(1e9)).run()
    saved = Session.load(session.path)
    assert saved.answers[first].text == "Temperature divides\nthe logits."
    assert saved.answers[second].text == "It stores past keys and values."
    assert saved.status == "finished" and saved.drafts == {}
    assert "comes back after the others" in console.file.getvalue()


def test_an_answer_can_be_written_in_the_editor(home: Path) -> None:
    qid = "textgen.temperature"
    session = session_with(home, [Item("theory", qid, "textgen")])
    seen = []

    def editor(text: str) -> str:
        seen.append(text)
        return text + "\nand sharpens the distribution when T < 1.\n"

    stream = io.StringIO("Logits are divided by T\n?edit\n")
    TerminalInterview(session, stream, quiet(), Clock(1e9), editor=editor).run()
    assert seen == ["Logits are divided by T"]
    answer = Session.load(session.path).answers[qid].text
    assert answer == "Logits are divided by T\nand sharpens the distribution when T < 1."


def test_lines_typed_before_ctrl_c_come_back_on_resume(home: Path) -> None:
    qid = "textgen.temperature"
    session = session_with(home, [Item("theory", qid, "textgen")])

    def interrupted():
        yield "Logits are divided by T.\n"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        TerminalInterview(session, interrupted(), quiet(), Clock(1e9)).run()
    saved = Session.load(session.path)
    assert saved.drafts == {qid: "Logits are divided by T."}
    TerminalInterview(saved, script("Low T sharpens."), quiet(), Clock(1e9)).run()
    answer = Session.load(session.path).answers[qid]
    assert answer.text == "Logits are divided by T.\nLow T sharpens."


def test_a_mistyped_code_path_is_asked_again(home: Path) -> None:
    """Does a path that cannot be read get a second chance instead of scoring 0 at once?"""
    session = session_with(home, [Item("coding", "bert.metrics", "bert")])
    code = home / "mine.py"
    code.write_text("def classification_metrics(y_true, y_pred, num_labels):\n    return {}\n")
    console = quiet()
    TerminalInterview(session, script(str(home / "mnie.py"), str(code)), console, Clock(1e9)).run()
    answer = Session.load(session.path).answers["bert.metrics"]
    assert answer.text == str(code) and answer.code_file is not None
    assert Path(answer.code_file).read_text() == code.read_text()
    shown = " ".join(console.file.getvalue().split())  # rich wraps long lines
    assert "no such file" in shown and "type the path again" in shown


def test_waiting_for_the_interviewer_costs_no_time(home: Path) -> None:
    items = [
        Item("theory", "textgen.temperature", "textgen"),
        Item("theory", "textgen.kv-cache", "textgen"),
    ]
    clock = Clock(1e9)
    session = session_with(home, items, now=clock.now)
    deadline = session.deadline
    asked = []

    def slow_follow_up(question: str, answer: str) -> str:
        asked.append((question, answer))
        clock.now += 9 * 60  # a slow LLM: nine of the ten minutes
        return "Why [/b] divide by [i]T[/i]?"  # rich markup in LLM text is shown as it is

    stream = script("Logits are divided by T.", "Sharper.", "", "")
    console = quiet()
    TerminalInterview(session, stream, console, clock, follow_up=slow_follow_up).run()
    saved = Session.load(session.path)
    assert len(asked) == 1 and saved.deadline == pytest.approx(deadline + 9 * 60)
    first = saved.answers["textgen.temperature"]
    assert first.followups == [{"question": "Why [/b] divide by [i]T[/i]?", "answer": "Sharper."}]
    assert not any(a.late for a in saved.answers.values())
    assert "Why [/b] divide by [i]T[/i]?" in console.file.getvalue()
