"""`mlkata course init DIR`: an nbgrader course with one assignment per topic.

The source notebooks are made from the single sources (as `mlkata build` makes them), the
config installs the trusted grading pipeline, and nbgrader's own generate_assignment
(through its API, all assignments in one process) creates the release folder and the
gradebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader.course.nbgrader_cli import last_error_line, run_in_course
from grader.errors import MlkataError

CONFIG = '''\
"""nbgrader configuration written by `mlkata course init`."""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
# Notebooks larger than this are skipped by nbgrader; a fine-tuned model is not a notebook.
c.CourseDirectory.max_file_size = 100_000
# release_assignment, fetch_assignment, submit and collect meet here. For students on other
# accounts, use a folder they can all write to (nbgrader's default: /usr/local/share/nbgrader/
# exchange); students then need the same setting, for example in ~/.jupyter/nbgrader_config.py.
c.Exchange.root = {exchange!r}

# Scores come from mlkata's sandboxed runner, not from running submissions in nbgrader's
# kernel (see docs/grading-design.md). This must load: a broken config makes nbgrader
# fall back to its defaults, which give full marks to silent test cells.
from grader.nbgrader_plugin import configure  # noqa: E402

configure(c)
'''


def init_course(root: Path, force: bool = False) -> list[str]:
    """Create the course at ``root``; returns the assignment names."""
    from grader.authoring.assemble import source_notebook
    from grader.engine.catalog import load_tracks

    if (root / "nbgrader_config.py").exists() and not force:
        raise MlkataError(f"{root} already holds a course: use --force to refresh its sources")
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    exchange = root / "exchange"
    exchange.mkdir(exist_ok=True)
    config = CONFIG.format(course_id=root.name, root=str(root), exchange=str(exchange))
    (root / "nbgrader_config.py").write_text(config)
    assignments = []
    for track in load_tracks().values():
        folder = root / "source" / track.name
        folder.mkdir(parents=True, exist_ok=True)
        notebook = source_notebook(track, graded_theory=True)
        nbformat.write(notebook, folder / f"{track.notebook}.ipynb")
        assignments.append(track.name)
    # nbgrader's generate_assignment for each, in one process (see grader.course.generate)
    done = run_in_course(root, "grader.course.generate", *assignments)
    if done.returncode != 0:
        raise MlkataError(f"nbgrader generate_assignment failed: {last_error_line(done)}")
    return assignments
