"""Can a submission read what the grader hides from it (reference solutions, hidden checks,
an nbgrader course), write where it should not, or undo the hiding? Each attempt runs in
the isolated sandbox and must see nothing, change nothing, and score 0.

Where namespaces are unavailable these tests skip with one line; in CI (``CI=true``) they
fail instead, so a runner that lost its isolation cannot pass quietly (``conftest.py``).
The network, the environment, the gateway, symbolic links, oversized replies and the
per-track cache are the hostile-submission suite's (``test_hostile.py``).
"""

from __future__ import annotations

import logging
import py_compile
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grader.engine import isolation
from grader.engine.catalog import load_tracks
from grader.engine.runner import grade_notebook
from grader.errors import MlkataError
from grader.paths import PACKAGE_DIR, REPO_DIR, cache_dir
from tests.engine.probing import in_sandbox
from tests.submissions import appended_to_cell, solved, student_notebook, write

SOLUTION = REPO_DIR / "solutions" / "bert_classification.py"
CHECKS = PACKAGE_DIR / "tracks" / "bert" / "checks.py"


LOOK = """
import glob, os, pathlib
import grader.paths, grader.tracks.bert

def read(path):
    try:
        return pathlib.Path(path).read_text(encoding="utf-8", errors="replace")
    except Exception as error:
        return type(error).__name__

def writable(path):
    try:
        open(path, "a").close()  # appends nothing: an isolation failure changes no file
        return True
    except OSError:
        return False

def look():
    tracks = pathlib.Path(grader.tracks.bert.__file__).parent
    pids = [name for name in os.listdir("/proc") if name.isdigit()]
    pathlib.Path("saved.txt").write_text("kept")
    return {
        "solution": read(SOLUTION),
        "solution via REPO_DIR": read(grader.paths.REPO_DIR / "solutions" / SOLUTION_NAME),
        "solution via /proc roots": [read(f"/proc/{pid}/root{SOLUTION}") for pid in pids],
        "repository": sorted(os.listdir(grader.paths.REPO_DIR)),
        "checks": read(CHECKS),
        "checks via the package": read(tracks / "checks.py"),
        "compiled checks": glob.glob(str(tracks / "__pycache__" / "*")),
        "resources": read(tracks / "resources.py"),
        "data": sorted(os.listdir(tracks / "data")),
        "pids": pids,
        "workdir": pathlib.Path("saved.txt").read_text(),
        "beside the workdir": [p for p in os.listdir("..") if p != os.path.basename(os.getcwd())],
        "tmp": writable("/tmp/mlkata-isolation-probe"),
        "grader source": writable(grader.paths.PACKAGE_DIR / "engine" / "runner.py"),
        "model cache": read(CACHED),
        "cached model writable": writable(CACHED),
        "new file in the cache": writable(PLANTED),
    }
"""


def look_source(cached: Path, planted: Path) -> str:
    names = f"SOLUTION = {str(SOLUTION)!r}\nSOLUTION_NAME = {SOLUTION.name!r}\n"
    names += f"CACHED = {str(cached)!r}\nPLANTED = {str(planted)!r}\n"
    return names + f"CHECKS = {str(CHECKS)!r}\n" + LOOK


def test_sandbox_sees_no_solution_and_no_checks(any_kind: None) -> None:
    """Are the solutions, the checks and their bytecode invisible, by any path, while the
    track's resources, its data and the sandbox's own folder stay usable, and the model
    cache readable but not writable?"""
    py_compile.compile(str(CHECKS))  # the bytecode holds the hidden inputs too
    cached = cache_dir() / "isolation-test-model.txt"  # stands for a cached checkpoint
    planted = cache_dir() / "planted.pt"  # what the sandbox tries to add
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text("weights")
    planted.unlink(missing_ok=True)  # left by a run in which isolation failed
    try:
        seen = in_sandbox(look_source(cached, planted), "look", visible=[cached])
    finally:
        cached.unlink()
    assert seen["solution"] == "FileNotFoundError"
    assert seen["solution via REPO_DIR"] == "FileNotFoundError"
    assert set(seen["solution via /proc roots"]) == {"FileNotFoundError"}
    # The package, and the virtual environment when it lives in the checkout (./dev makes
    # .venv there); nothing else of the checkout.
    venv = Path(sys.prefix).resolve()
    allowed = {"grader"} | ({venv.name} if venv.parent == REPO_DIR.resolve() else set())
    assert set(seen["repository"]) <= allowed and "grader" in seen["repository"]
    assert seen["checks"] == "" and seen["checks via the package"] == ""
    assert seen["compiled checks"] == []
    assert "@resource" in seen["resources"] and seen["data"]
    assert seen["pids"] == ["1"], "other processes (the grader) are out of sight"
    assert seen["workdir"] == "kept" and seen["tmp"]
    # Only folders mounted back into the private /tmp may sit there: the checkout, the venv
    # and the model cache, when they live under /tmp (a CI clone can).
    temp = Path(tempfile.gettempdir()).resolve()
    mounted_back = {REPO_DIR.resolve(), Path(sys.prefix).resolve()}
    expected = {
        path.relative_to(temp).parts[0] for path in mounted_back if path.is_relative_to(temp)
    }
    beside = set(seen["beside the workdir"])
    assert beside <= expected, "other sandboxes' folders are out of sight"
    assert not seen["grader source"], "the grader's own code must be read-only"
    assert seen["model cache"] == "weights", "checks load models from the cache"
    assert not seen["cached model writable"], "a submission must not swap a cached model"
    assert not seen["new file in the cache"] and not planted.exists()


ESCAPE = """
import ctypes, os, subprocess

def run(*command):
    done = subprocess.run(command, capture_output=True, text=True)
    return done.returncode, done.stdout

def escape():
    if os.getpid() != 1:  # not in the sandbox's PID namespace: touch no real mount
        return {"not isolated": (0, "")}
    libc = ctypes.CDLL(None, use_errno=True)
    tried = {}
    for target in (REPO, REPO + "/grader/tracks/bert/checks.py", COURSE):
        tried["umount " + target] = run("umount", target)
        tried["umount -l " + target] = run("umount", "-l", target)
        tried["umount2 " + target] = libc.umount2(target.encode(), 2)  # MNT_DETACH
        tried["remount rw " + target] = run("mount", "-o", "remount,rw", target)
    for ns in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        script = (
            f"umount -l {REPO}; umount -l {COURSE}; cat {SOLUTION}; ls {COURSE}; "
            # a bind of / without its submounts would show what lies under the covers
            f"mkdir -p /tmp/root && mount --bind / /tmp/root && cat /tmp/root{SOLUTION}"
        )
        tried[" ".join(ns)] = run(*ns, "sh", "-c", script)
    tried["nsenter into the first namespace"] = run("nsenter", "-t", "1", "-m", "cat", SOLUTION)
    tried["/proc/1/root"] = run("cat", "/proc/1/root" + SOLUTION)
    tried["solution afterwards"] = run("cat", SOLUTION)
    tried["course afterwards"] = run("ls", "-A", COURSE)
    return tried
"""


def test_unmounting_and_remounting_change_nothing(any_kind: None, outside_tmp: Path) -> None:
    """Do umount, remount, a nested namespace, nsenter and /proc/1/root all fail to reveal
    the solutions or a hidden folder?"""
    course = outside_tmp
    (course / "gradebook.db").write_text("secret")
    names = {"REPO": str(REPO_DIR), "COURSE": str(course), "SOLUTION": str(SOLUTION)}
    source = "".join(f"{key} = {value!r}\n" for key, value in names.items()) + ESCAPE
    tried = in_sandbox(source, "escape", hide=[course])
    assert "not isolated" not in tried
    secret = SOLUTION.read_text(encoding="utf-8")[:200]
    for attempt, outcome in tried.items():
        code, output = outcome if isinstance(outcome, tuple) else (outcome, "")
        assert secret not in output and "gradebook" not in output, attempt
        if attempt.startswith(("umount", "remount")):
            assert code != 0, f"{attempt} succeeded"
    assert tried["course afterwards"] == (0, "")


def cheat_by_exec(paths: list[str]) -> str:
    """Exercise-cell code that defines every function by running another file's code."""
    return f"""
import json as _json, pathlib as _pathlib
for _path in {paths!r}:
    try:
        _text = _pathlib.Path(_path).read_text(encoding="utf-8")
        if _path.endswith(".ipynb"):
            _cells = _json.loads(_text)["cells"]
            _text = "\\n".join(
                "".join(c["source"]) for c in _cells
                if c.get("metadata", {{}}).get("nbgrader", {{}}).get("solution")
            )
        exec(_text, globals())
    except Exception:
        pass
"""


def last_exercise_cell(track: str = "bert") -> str:
    return load_tracks()[track].exercises[-1].solution_grade_id


def test_executing_the_reference_solutions_scores_zero(isolated: None) -> None:
    """Does a submission that execs solutions/*.py (by absolute path and via
    grader.paths.REPO_DIR) score 0, although the same code defines every function here?"""
    attack = cheat_by_exec([str(SOLUTION)]) + (
        "import grader.paths\n"
        "try:\n"
        "    exec((grader.paths.REPO_DIR / 'solutions' / 'bert_classification.py').read_text())\n"
        "except OSError:\n"
        "    pass\n"
    )
    where_visible: dict[str, Any] = {}
    exec(attack, where_visible)  # control: with the file in sight the attack works
    functions = [f for e in load_tracks()["bert"].exercises for f in e.functions]
    assert all(callable(where_visible.get(f)) for f in functions)
    notebook = appended_to_cell(student_notebook(), last_exercise_cell(), attack)
    report = grade_notebook(notebook, check_timeout_cap_s=20)
    assert report.score == 0, [e.messages for e in report.exercises if e.score]


def test_without_namespaces_the_sandbox_runs_as_before_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Where namespaces do not work, do sandboxes start without them (and still serve), with
    the warning said once?"""
    monkeypatch.delenv(isolation.MODE_ENV, raising=False)
    monkeypatch.setattr(isolation, "probe", lambda: (None, "no namespaces in this test"))
    isolation._warn_unavailable.cache_clear()
    with caplog.at_level(logging.WARNING, logger=isolation.__name__):
        assert isolation.kind_in_effect() is None
        assert in_sandbox("import os\ndef pid():\n    return os.getpid()\n", "pid") != 1
    assert len(caplog.records) == 1
    assert "no namespaces in this test" in caplog.records[0].getMessage()
    isolation._warn_unavailable.cache_clear()


def test_required_isolation_refuses_to_run_without_namespaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Does MLKATA_ISOLATION=required refuse, rather than grade with the files in sight?"""
    monkeypatch.setenv(isolation.MODE_ENV, "required")
    monkeypatch.setattr(isolation, "probe", lambda: (None, "no namespaces in this test"))
    with pytest.raises(MlkataError, match="required"):
        isolation.kind_in_effect()


def test_the_plan_hides_the_checkout_and_blanks_every_check(tmp_path: Path) -> None:
    """Does the plan cover the checkout, blank each track's checks.py and any hidden file,
    and keep the package, the sandbox's folder and the model cache visible, with only the
    sandbox's folder writable?"""
    (tmp_path / "answers.txt").write_text("42")
    plan = isolation.plan_for(tmp_path, hide=[tmp_path / "course", tmp_path / "answers.txt"])
    assert str(REPO_DIR) in plan.hidden
    checks = {Path(p).parent.name for p in plan.blanked if p.endswith("checks.py")}
    assert checks == set(load_tracks())
    assert str((tmp_path / "answers.txt").resolve()) in plan.blanked, "a hidden file is blanked"
    assert str(PACKAGE_DIR) in plan.keep
    assert str(cache_dir().resolve()) in plan.hidden, "only the track's cached items show"
    assert plan.writable == (str(tmp_path.resolve()),), "the cache is read-only"
    assert str(tmp_path / "course") not in plan.hidden, "a missing folder is left out"


# --- an nbgrader course ------------------------------------------------------------------

NOTEBOOK = "bert_classification.ipynb"


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from grader.course.nbgrader_cli import run_nbgrader

    done = run_nbgrader(root, *args, timeout_s=900)
    assert done.returncode == 0, f"nbgrader {args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.nbgrader
@pytest.mark.slow
def test_course_submission_cannot_copy_classmates_or_touch_the_gradebook(
    isolated: None, outside_tmp: Path
) -> None:
    """In a real nbgrader course, does a submission that copies a classmate's and the
    instructor's solution cells, and writes the gradebook, score 0 and change nothing?"""
    root = outside_tmp / "course"
    (root / "source" / "bert").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'isolation'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "from grader.nbgrader_plugin import configure\n"
        "configure(c)\n"
    )
    shutil.copy(REPO_DIR / "notebooks" / NOTEBOOK, root / "source" / "bert" / NOTEBOOK)
    nbgrader(root, "generate_assignment", "bert", "--force")
    release = nbformat.read(root / "release" / "bert" / NOTEBOOK, as_version=4)
    write(solved(base=release), root / "submitted" / "alice" / "bert" / NOTEBOOK)
    sources = [
        str(root / "submitted" / "alice" / "bert" / NOTEBOOK),
        str(root / "source" / "bert" / NOTEBOOK),
    ]
    vandal = f"""
import pathlib, sqlite3
try:
    db = sqlite3.connect({str(root / "gradebook.db")!r})
    db.execute("UPDATE grade SET manual_score = 100")
    db.execute("CREATE TABLE pwned (x)")
    db.commit()
except Exception:
    pass
try:
    pathlib.Path({str(root / "PWNED")!r}).write_text("x")
except OSError:
    pass
"""
    attack = cheat_by_exec(sources) + vandal
    cheating = appended_to_cell(release, last_exercise_cell(), attack)
    write(cheating, root / "submitted" / "mallory" / "bert" / NOTEBOOK)
    nbgrader(root, "autograde", "bert", "--student", "mallory", "--force")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("bert", "mallory")
        assert submission.score == 0 and submission.max_score > 0
    assert not (root / "PWNED").exists()
    with sqlite3.connect(root / "gradebook.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "pwned" not in tables
    # Control: with the course in sight, the same code copies the solutions and vandalizes.
    where_visible: dict[str, Any] = {}
    exec(attack, where_visible)
    functions = [f for e in load_tracks()["bert"].exercises for f in e.functions]
    assert all(callable(where_visible.get(f)) for f in functions)
    assert (root / "PWNED").exists()
