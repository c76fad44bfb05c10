"""Files across the sandbox boundary, without following anything the submission planted.

The sandbox can change its working folder at any moment: swap a folder for a symbolic link
to somewhere outside, a file for a FIFO, or fill it with gigabytes. So the trusted side
never writes or reads through a path the sandbox can change:

- **handing files over** (an unseen image, a folder of images): the check writes them into a
  private staging folder, then ``move_in`` renames that folder into the working folder
  under a fresh name, relative to a descriptor of the working folder opened before the
  sandbox started. One rename, no path inside the sandbox's reach followed;
- **taking files back** (a model folder the learner saved): ``copy_out`` walks the folder
  from that descriptor, opening every component with ``O_NOFOLLOW``, accepts only plain
  folders and regular files, stops at a byte and file budget, and copies into a private
  folder. The check then reads the copy, never the original.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from grader.engine.spec import CheckFailure

CHUNK = 1 << 20


@dataclass(frozen=True)
class Budget:
    """The most a folder taken back from learner code may hold."""

    max_bytes: int = 512 * 1024 * 1024
    max_files: int = 200
    max_depth: int = 8


def move_in(staging: Path, folder_fd: int) -> str:
    """Rename ``staging`` into the folder open as ``folder_fd``; return its new name there."""
    name = f"{staging.name}-{os.urandom(4).hex()}"
    os.rename(staging, name, dst_dir_fd=folder_fd)
    return name


def _refuse(what: str, why: str) -> CheckFailure:
    return CheckFailure(f"{what}: {why}; only plain folders and regular files are read")


def copy_out(
    root_fd: int,
    relative: PurePath,
    what: str,
    budget: Budget | None = None,
    into: Path | None = None,
) -> Path:
    """Copy the folder ``relative`` (below the folder open as ``root_fd``) into a new folder
    in the private folder ``into`` and return it; raise CheckFailure when it is missing,
    not plain, or too large."""
    budget = budget or Budget()
    if relative.is_absolute() or any(part in ("", ".", "..") for part in relative.parts):
        raise _refuse(what, f"{relative} is not a folder below the working folder")
    fd = os.dup(root_fd)
    try:
        for part in relative.parts:
            child = _open_child_folder(fd, part, what)
            os.close(fd)
            fd = child
        target = Path(tempfile.mkdtemp(prefix="mlkata-collected-", dir=into))
        _copy_folder(fd, target, what, budget, [0, 0], 0)
        return target
    finally:
        os.close(fd)


def _open_child_folder(parent_fd: int, name: str, what: str) -> int:
    """Open ``name`` below ``parent_fd`` as a folder, never through a link."""
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except FileNotFoundError:
        raise CheckFailure(f"{what}: no folder was written there") from None
    except OSError as error:  # ELOOP: a symbolic link; ENOTDIR: a file
        raise _refuse(what, f"{name} is not a plain folder ({os.strerror(error.errno)})") from None


def _copy_folder(
    fd: int, target: Path, what: str, budget: Budget, used: list[int], depth: int
) -> None:
    if depth > budget.max_depth:
        raise _refuse(what, f"folders nest deeper than {budget.max_depth} levels")
    with os.scandir(fd) as entries:
        names = [entry.name for entry in entries]
    for name in sorted(names):
        info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        used[1] += 1
        if used[1] > budget.max_files:
            raise _refuse(what, f"more than {budget.max_files} files")
        if stat.S_ISDIR(info.st_mode):
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            try:
                (target / name).mkdir()
                _copy_folder(child, target / name, what, budget, used, depth + 1)
            finally:
                os.close(child)
        elif stat.S_ISREG(info.st_mode):
            _copy_file(fd, name, target / name, what, budget, used)
        else:
            kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            raise _refuse(what, f"{name} is {kind}")


def _copy_file(
    fd: int, name: str, target: Path, what: str, budget: Budget, used: list[int]
) -> None:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # a FIFO swapped in must not block
    try:
        source = os.open(name, flags, dir_fd=fd)
    except OSError as error:
        raise _refuse(what, f"{name} cannot be opened ({os.strerror(error.errno)})") from None
    try:
        if not stat.S_ISREG(os.fstat(source).st_mode):  # swapped after the stat above
            raise _refuse(what, f"{name} is not a regular file")
        with open(target, "wb") as out:
            while chunk := os.read(source, CHUNK):
                used[0] += len(chunk)
                if used[0] > budget.max_bytes:
                    raise _refuse(what, f"more than {budget.max_bytes // 2**20} MB in all")
                out.write(chunk)
    finally:
        os.close(source)
