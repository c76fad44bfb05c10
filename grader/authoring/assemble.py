"""Assemble a track's source notebook (nbgrader's instructor version, solutions included)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.authoring.solution_cells import read_solution_cells
from grader.bank import Question, load_bank
from grader.engine.catalog import Track
from grader.paths import REPO_DIR, TRACKS_DIR

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# What "the article" is, said once at the top of every notebook (and in the README).
ARTICLE_NOTE = {
    "en": "**The article** is the interview-prep write-up this project grew from: questions "
    "and answers on large models (how they work; their uses in NLP, vision and audio; GPT-3; "
    "BERT text classification; vision models such as ResNet; faster training and inference) "
    "with three short scripts: a GPT-3 completion call, a BERT classifier and a ResNet-50 "
    "evaluation. Questions marked *from the article* are its own, and the model answers say "
    "where it is wrong or out of date. Its scripts no longer run as written: they are the "
    "starting point of the exercises that fix them.",
    "zh": "**原文**指本项目所依据的那篇大模型面试文章：以问答形式介绍大模型"
    "（工作原理，在自然语言处理、计算机视觉和音频中的应用，GPT-3，BERT 文本分类，"
    "ResNet 等视觉模型，训练与推理加速），并附有三段短脚本：调用 GPT-3 补全、"
    "BERT 分类和 ResNet-50 评估。标有“原文问题”的题目出自原文，原文有误或过时之处，"
    "参考答案会指出。原文的脚本照原样已无法运行：修复它们的练习以它们为起点。",
}


# Points of one theory answer in an nbgrader course (graded by hand, a score suggested).
THEORY_POINTS = 1.0
ANSWER_PROMPT = "*Your answer / 你的答案:* "


def answer_grade_id(question_id: str) -> str:
    """nbgrader's id for the answer cell of a theory question: ``answer_bert_attention_mask``."""
    return "answer_" + re.sub(r"\W", "_", question_id)


def solutions_path(track: Track) -> Path:
    return REPO_DIR / "solutions" / f"{track.notebook}.py"


def _nbgrader(**fields: object) -> dict[str, object]:
    meta = {"schema_version": 3, "solution": False, "grade": False, "locked": False}
    meta.update(fields)
    return {"nbgrader": meta}


def _cell_id(text: str) -> str:
    return text.replace(".", "-").replace("_", "-")


def _answer_cell(question: Question, graded: bool) -> NotebookNode:
    """The cell a learner answers in: plain Markdown, or in an nbgrader course a manually
    graded answer cell whose solution region holds the model answer (en + zh), which the
    formgrader shows the instructor and ClearSolutions replaces for students."""
    cell_id = _cell_id(f"answer-{question.id}")
    if not graded:
        return new_markdown_cell(ANSWER_PROMPT, id=cell_id)
    source = (
        f"{ANSWER_PROMPT}\n\n### BEGIN SOLUTION\n"
        f"**Model answer**\n\n{question.text['en'].answer.strip()}\n\n"
        f"**参考答案**\n\n{question.text['zh'].answer.strip()}\n### END SOLUTION"
    )
    meta = _nbgrader(
        solution=True, grade=True, points=THEORY_POINTS, grade_id=answer_grade_id(question.id)
    )
    return new_markdown_cell(source, id=cell_id, metadata=meta)


def _theory_cells(track: Track, graded: bool = False) -> list[NotebookNode]:
    questions = load_bank().get(track.name, [])
    cells = [
        new_markdown_cell(
            "## Part 1 · Theory questions / 第一部分 · 理论问答\n\n"
            "Answer each question in the cell below it, then run `reveal(...)` to compare "
            "with the model answer and its key points.\n\n"
            "请先在下方单元格写下自己的答案，再运行 `reveal(...)` 对照参考答案和要点。",
            id="theory",
        )
    ]
    for number, question in enumerate(questions, start=1):
        en, zh = question.text["en"], question.text["zh"]
        origin = " · from the article / 原文问题" if question.from_source else ""
        cells.append(
            new_markdown_cell(
                f"### Q{number}. {en.question}\n\n**{zh.question}**\n\n"
                f"*{question.difficulty} · `{question.id}`{origin}*",
                id=_cell_id(f"q-{question.id}"),
            )
        )
        cells.append(_answer_cell(question, graded))
        cells.append(
            new_code_cell(f'reveal("{question.id}")', id=_cell_id(f"reveal-{question.id}"))
        )
    return cells


def _exercise_cells(
    track: Track, solutions: dict[str, str], demos: dict[str, str]
) -> list[NotebookNode]:
    cells = [
        new_markdown_cell(
            "## Part 2 · Coding exercises / 第二部分 · 编程练习\n\n"
            "Write each function, run its cell, then run the check below it. Only code in the "
            "exercise cells (and the setup cell) is graded.\n\n"
            "写好函数并运行，再运行下方的检查单元格。评分只看练习单元格（和开头的设置单元格）中的代码。",
            id="exercises",
        )
    ]
    for number, exercise in enumerate(track.exercises, start=1):
        cells.append(
            new_markdown_cell(
                f"### Exercise {number}. {exercise.title['en']} / {exercise.title['zh']}\n\n"
                f"{exercise.instructions['en']}\n\n{exercise.instructions['zh']}\n\n"
                f"*`{exercise.id}` · {exercise.difficulty} · {exercise.points:g} points · "
                f'stuck? `hint("{exercise.id}")`*',
                id=_cell_id(f"about-{exercise.id}"),
            )
        )
        cells.append(
            new_code_cell(
                solutions[exercise.id],
                id=_cell_id(exercise.solution_grade_id),
                metadata=_nbgrader(solution=True, grade_id=exercise.solution_grade_id),
            )
        )
        cells.append(
            new_code_cell(
                f'check("{exercise.id}")',
                id=_cell_id(exercise.check_grade_id),
                metadata=_nbgrader(
                    grade=True,
                    locked=True,
                    grade_id=exercise.check_grade_id,
                    points=exercise.points,
                ),
            )
        )
        if exercise.id in demos:
            cells.append(new_code_cell(demos[exercise.id], id=_cell_id(f"demo-{exercise.id}")))
    return cells


def source_notebook(track: Track, graded_theory: bool = False) -> NotebookNode:
    """The instructor's notebook for ``track``: nbgrader metadata, solutions in place.

    ``graded_theory`` (nbgrader courses) makes each theory answer a manually graded cell
    holding the model answer; the committed notebooks keep plain answer cells, so
    `mlkata check` and nbgrader agree on their points."""
    path = solutions_path(track)
    solution_cells = read_solution_cells(path)
    solutions = {c.exercise_id: c.source for c in solution_cells if c.kind == "exercise"}
    expected = {exercise.id for exercise in track.exercises}
    if set(solutions) != expected:
        raise ValueError(f"{path}: exercises {sorted(solutions)} != track's {sorted(expected)}")
    raw = yaml.safe_load((TRACKS_DIR / track.name / "exercises.yaml").read_text(encoding="utf-8"))
    demos = {item["id"]: item["demo"].rstrip("\n") for item in raw["exercises"] if item.get("demo")}

    cells = [
        new_markdown_cell(
            f"# {track.title['en']} / {track.title['zh']}\n\n{track.intro['en']}\n\n"
            f"{track.intro['zh']}\n\n{ARTICLE_NOTE['en']}\n\n{ARTICLE_NOTE['zh']}",
            id="intro",
        )
    ]
    for index, cell in enumerate(c for c in solution_cells if c.kind == "setup"):
        grade_id = f"setup_{index + 1}"
        meta = _nbgrader(locked=True, grade_id=grade_id)
        meta["mlkata"] = {"role": "setup"}
        cells.append(new_code_cell(cell.source, id=_cell_id(grade_id), metadata=meta))
    cells += _theory_cells(track, graded_theory)
    cells += _exercise_cells(track, solutions, demos)
    if raw.get("demo_setup"):
        first_demo = next(i for i, c in enumerate(cells) if c.get("id", "").startswith("about-"))
        cells.insert(first_demo, new_code_cell(raw["demo_setup"].rstrip("\n"), id="demo-setup"))

    notebook = new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "mlkata": {"track": track.name},
    }
    nbformat.validate(notebook)
    return notebook
