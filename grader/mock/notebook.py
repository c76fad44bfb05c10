"""The notebook form of a mock interview: one .ipynb in the session folder.

The first cell shows the deadline. Each theory question has a markdown answer cell tagged
``metadata.mlkata.mock_item``; each coding exercise has the track's setup cells once and
its exercise cell (same nbgrader ``grade_id`` as in the learner notebook). Every other cell
written here is tagged ``metadata.mlkata.mock_part``, so cells the candidate adds below an
answer cell are read as part of that answer. ``mock --grade`` reads the answers back;
answers count as late when the notebook was last saved after the deadline (empty answers
and untouched exercise cells are not answers, and never late).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from grader.bank import get_question
from grader.engine.submission import grade_id, read_notebook
from grader.mock.session import Answer, Session

PLACEHOLDER = "*Your answer / 你的答案:* "


def notebook_path(session: Session) -> Path:
    return Path(session.folder) / "mock_interview.ipynb"


def write_notebook(session: Session) -> Path:
    from grader.mock.coding import setup_cells, stub_cell

    deadline = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(session.deadline))
    cells = [
        new_markdown_cell(
            f"# Mock interview `{session.id}`\n\n**Deadline / 截止时间: {deadline}** "
            f"({session.minutes:g} minutes). Save the notebook, then run "
            f"`mlkata mock --grade {session.id}`. Answers saved after the deadline are late. "
            "Cells you add below an answer cell count as part of that answer.",
            metadata=_part("deadline"),
        )
    ]
    for number, item in enumerate(session.items, start=1):
        if item.kind == "theory":
            text = get_question(item.id).text[session.lang]
            cells.append(
                new_markdown_cell(
                    f"## Q{number}. {text.question}\n\n*`{item.id}`*", metadata=_part("question")
                )
            )
            cells.append(
                new_markdown_cell(PLACEHOLDER, metadata={"mlkata": {"mock_item": item.id}})
            )
    coding = [item for item in session.items if item.kind == "coding"]
    if coding:
        from grader.engine.catalog import get_exercise

        cells.extend(setup_cells(coding[0].topic))
        for item in coding:
            exercise = get_exercise(item.id)
            cells.append(
                new_markdown_cell(
                    f"## {exercise.title[session.lang]}\n\n{exercise.instructions[session.lang]}",
                    metadata=_part("exercise"),
                )
            )
            cells.append(stub_cell(item.id))
    path = notebook_path(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A kernelspec, so JupyterLab starts Python instead of asking which kernel to use.
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    metadata = {"kernelspec": kernel, "language_info": {"name": "python"}}
    nbformat.write(new_notebook(cells=cells, metadata=metadata), path)
    return path


def _part(name: str) -> dict:
    return {"mlkata": {"mock_part": name}}


def _theory_texts(cells: list[nbformat.NotebookNode]) -> dict[str, str]:
    """Each theory answer: its answer cell, then any cells the candidate added below it."""
    texts: dict[str, list[str]] = {}
    current: str | None = None
    for cell in cells:
        meta = cell.get("metadata", {})
        ours = meta.get("mlkata")
        item_id = ours.get("mock_item") if isinstance(ours, dict) else None
        if item_id:
            current = item_id
            texts[current] = [_source(cell).replace(PLACEHOLDER.strip(), "").strip()]
        elif ours or meta.get("nbgrader"):  # a question, a heading, setup or exercise code
            current = None
        elif current is not None:  # a cell the candidate added
            texts[current].append(_source(cell).strip())
    return {item: "\n\n".join(filter(None, parts)) for item, parts in texts.items()}


def read_answers(session: Session) -> None:
    """Copy the notebook's answers into the session (coding cells into .py files)."""
    from grader.engine.catalog import get_exercise
    from grader.mock.coding import stub_cell

    path = notebook_path(session)
    notebook = read_notebook(path)
    saved_at = path.stat().st_mtime
    late = saved_at > session.deadline
    by_grade_id = {
        get_exercise(i.id).solution_grade_id: i for i in session.items if i.kind == "coding"
    }
    for item_id, text in _theory_texts(notebook.cells).items():
        session.answers[item_id] = Answer(text, saved_at, late and bool(text))
    for cell in notebook.cells:
        source = _source(cell)
        if grade_id(cell) in by_grade_id:
            item = by_grade_id[grade_id(cell)]
            if source.strip() == _source(stub_cell(item.id)).strip():  # left as it was
                session.answers[item.id] = Answer("", saved_at, False)
                continue
            kept = Path(session.folder) / f"{item.id}.py"
            kept.write_text(source, encoding="utf-8")
            session.answers[item.id] = Answer(str(path), saved_at, late, code_file=str(kept))
    session.status = "finished"
    session.save()


def _source(cell: nbformat.NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
