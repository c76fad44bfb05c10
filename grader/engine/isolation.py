"""Keep the grader's secrets out of the sandbox's sight, with Linux namespaces.

The sandbox runs submission code as the grader's own OS user, so without this it could read
the reference solutions, the instructor notebooks, the hidden checks and an nbgrader
course (gradebook, source notebooks, other students' work), and write to any of them.
``plan_for`` says, and ``enter_outer`` and ``enter_inside`` make, private mount, PID and
network namespaces for the sandbox, where:

- the repository checkout (when grading from one) shows only the ``grader`` package, with
  every ``tracks/*/checks.py`` replaced by ``/dev/null`` and ``tracks/*/__pycache__``
  emptied; extra folders such as the course root are empty and read-only;
- ``/tmp`` and ``/dev/shm`` are fresh and private (other sandboxes' folders are not there),
  with the sandbox's own working folder mounted back in;
- the model cache shows only what the track being graded loads (``visible``), read-only,
  so a BERT submission cannot load the efficiency track's fine-tuned classifier, and no
  submission can swap a model or dataset that checks or later submissions load;
- ``/run`` is empty (no system sockets such as D-Bus or Docker's);
- every other mount is read-only except the working folder;
- ``/proc`` is new, so ``/proc/<pid>/root`` of processes outside cannot be used;
- the **network namespace** is new, with only loopback, brought up here: no host interface,
  no host service on 127.0.0.1 or ::1 (a Dask scheduler, JupyterLab, the formgrader, the
  model server) and no route out. A check that needs a host service hands the sandbox
  exactly that port, relayed through a Unix socket (``grader.engine.gateway``).

The sandbox then enters a user namespace of its own (uid 0 mapped to the grader's user):
in that less privileged namespace it holds no capability over these mounts, which the
kernel locks, so it can neither unmount nor remount them.

``probe`` finds once per process what works here: as root plain namespaces, otherwise an
outer unprivileged user namespace. Where neither works the sandbox runs as before, with a
one-line warning; ``MLKATA_ISOLATION=required`` refuses instead and ``=off`` disables it.

The namespaces are made with the ``unshare`` system call, in two steps that the fork server
(``grader.engine.forkserver``) runs in each freshly forked sandbox: ``enter_outer`` in a
single-threaded process, whose next child is PID 1 of the new PID namespace, then
``enter_inside`` in that child. ``python -m grader.engine.isolation`` runs the same two
steps on a test plan, for ``probe``.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

MODE_ENV = "MLKATA_ISOLATION"  # auto (default), required, off
MODES = ("auto", "required", "off")
SCRATCH_DIRS = ("/tmp", "/dev/shm")
SYSTEM_SOCKET_DIRS = ("/run", "/var/run")  # D-Bus, Docker, systemd: emptied
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What the sandbox may see and write; every path absolute and resolved."""

    hidden: tuple[str, ...]  # folders replaced by an empty read-only tmpfs
    scratch: tuple[str, ...]  # folders replaced by an empty writable tmpfs
    blanked: tuple[str, ...]  # files replaced by /dev/null
    keep: tuple[str, ...]  # paths inside hidden or scratch folders that stay visible
    writable: tuple[str, ...]  # the only paths, besides scratch, left writable


def _resolved(paths: Iterable[str | Path]) -> tuple[str, ...]:
    out: list[str] = []
    for path in paths:
        real = os.path.realpath(path)
        if os.path.lexists(real) and real != "/" and real not in out:
            out.append(real)
    return tuple(out)


def _is_checkout(repo: Path) -> bool:
    return (repo / "pyproject.toml").is_file() and (repo / "grader").is_dir()


def plan_for(
    workdir: Path, hide: Sequence[str | Path] = (), visible: Sequence[str | Path] = ()
) -> Plan:
    """The plan for a sandbox working in ``workdir``, with ``hide`` hidden as well.

    ``visible`` lists what else the sandbox may read: the cached items its track loads
    (the rest of the model cache is hidden) and the gateway's socket folder.
    """
    from grader.paths import PACKAGE_DIR, REPO_DIR, cache_dir

    tracks = PACKAGE_DIR / "tracks"
    hidden = [REPO_DIR] if _is_checkout(REPO_DIR) else []
    hidden += sorted(p for p in tracks.glob("*/__pycache__") if p.is_dir())
    hidden += [Path(p) for p in hide if Path(p).is_dir()]
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    hidden += [cache, *SYSTEM_SOCKET_DIRS]
    blanked = sorted(tracks.glob("*/checks.py")) + [Path(p) for p in hide if Path(p).is_file()]
    models = [v for k, v in os.environ.items() if k.startswith("MLKATA_MODEL_")]
    python = [sys.prefix, sys.exec_prefix, sys.base_prefix, Path(sys.executable).parent]
    keep = [PACKAGE_DIR, *python, workdir, *models, *visible]
    return Plan(
        hidden=_resolved(hidden),
        scratch=_resolved([*SCRATCH_DIRS, tempfile.gettempdir()]),
        blanked=_resolved(blanked),
        keep=_resolved(keep),
        writable=_resolved([workdir]),
    )


def _mode() -> str:
    mode = os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if mode not in MODES:
        from grader.errors import MlkataError

        raise MlkataError(f"{MODE_ENV}={mode!r}: use one of {', '.join(MODES)}")
    return mode


@functools.cache
def probe() -> tuple[str | None, str]:
    """``("root" | "user", how)`` when namespaces work here, else ``(None, why not)``."""
    if not sys.platform.startswith("linux"):
        return None, "needs Linux namespaces"
    kinds = ("root", "user") if os.geteuid() == 0 else ("user",)
    why = ""
    with tempfile.TemporaryDirectory(prefix="mlkata-probe-") as folder:
        secret_dir, secret_file = Path(folder, "hidden"), Path(folder, "checks.py")
        secret_dir.mkdir()
        (secret_dir / "secret").write_text("x")
        secret_file.write_text("x")
        plan = Plan((str(secret_dir),), (), (str(secret_file),), (), (folder,))
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        for kind in kinds:
            command = [sys.executable, "-S", "-m", __name__, json.dumps(asdict(plan)), kind]
            try:
                done = subprocess.run(
                    [*command, folder],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    env=env,
                    stdin=subprocess.DEVNULL,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                why = str(error)
                continue
            if done.returncode == 0 and Path(folder, "w").exists():
                label = "as root" if kind == "root" else "in an unprivileged user namespace"
                return kind, f"mount, PID and network namespaces, {label}"
            lines = (done.stderr or "").strip().splitlines()
            why = lines[-1] if lines else f"exit status {done.returncode}"
    return None, f"namespaces are not available here ({why})"


def describe() -> str:
    """One line for `mlkata doctor`."""
    mode = _mode()
    if mode == "off":
        return f"off ({MODE_ENV}=off): submissions can read the repository and the course"
    kind, how = probe()
    if kind:
        return f"on: {how}"
    return f"unavailable: {how}; submissions can read the repository and the course"


def describe_network() -> str:
    """One line for `mlkata doctor`: what a sandbox can reach on the network."""
    if _mode() != "off" and probe()[0]:
        return "own namespace: loopback only, plus the ports a track's checks hand over"
    return "shared with the host: submissions can reach loopback services and the internet"


@functools.cache
def _warn_unavailable(why: str) -> None:
    log.warning("mlkata: sandbox isolation unavailable (%s); the submission sees all files", why)


def kind_in_effect() -> str | None:
    """``"root"`` or ``"user"`` when sandboxes get namespaces here, else None (off, or
    unavailable: then one warning, or an error under ``MLKATA_ISOLATION=required``)."""
    mode = _mode()
    if mode == "off":
        return None
    kind, how = probe()
    if kind is None:
        if mode == "required":
            from grader.errors import MlkataError

            raise MlkataError(f"{MODE_ENV}=required, but sandbox isolation is unavailable: {how}")
        _warn_unavailable(how)
    return kind


# --- inside the namespaces ---------------------------------------------------------------

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOSYMFOLLOW, MS_NOATIME, MS_NODIRATIME = 32, 256, 1024, 2048
MS_BIND, MS_REC, MS_RELATIME, MS_STRICTATIME = 4096, 16384, 1 << 21, 1 << 24
MS_PRIVATE = 1 << 18
KEPT_FLAGS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "nosymfollow": MS_NOSYMFOLLOW,
}


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    code = ctypes.CDLL(None, use_errno=True).mount(
        source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode()
    )
    if code != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _mounts() -> list[tuple[str, set[str]]]:
    """Mount points of this namespace with their per-mount options, from mountinfo."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            target = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])  # \040
            found.append((target, set(fields[5].split(","))))
    return found


def _read_only(target: str, options: set[str]) -> None:
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY
    flags |= sum(flag for name, flag in KEPT_FLAGS.items() if name in options)
    if not options & {"noatime", "relatime"}:
        flags |= MS_STRICTATIME
    _mount("none", target, None, flags)


def _cover(folder: str, keep: Sequence[str], writable: bool) -> None:
    """Mount an empty tmpfs on ``folder``, then mount each kept path back into it."""
    inner = [k for k in keep if _inside(k, folder) and k != folder]
    inner = [k for k in inner if not any(k != o and _inside(k, o) for o in inner)]
    original = os.open(folder, os.O_PATH | os.O_DIRECTORY)  # still reaches what gets covered
    try:
        mode = "mode=1777" if writable else "mode=755"
        _mount("mlkata", folder, "tmpfs", MS_NOSUID | MS_NODEV, mode)
        for path in inner:
            relative = os.path.relpath(path, folder)
            source = f"/proc/self/fd/{original}/{relative}"
            if os.path.isdir(source):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            _mount(source, path, None, MS_BIND | MS_REC)
    finally:
        os.close(original)
    if not writable:
        _read_only(folder, {"nosuid", "nodev"})


SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _loopback_up() -> None:
    """Bring up ``lo`` in this (new, empty) network namespace: it starts down."""
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(handle, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(handle, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def apply(plan: Plan) -> None:
    """Arrange this mount namespace as the plan says, and bring up loopback in the network
    namespace (run as root of the namespaces)."""
    _loopback_up()
    covered: list[str] = []

    def visible(path: str) -> bool:
        return all(
            any(_inside(path, k) and _inside(k, c) for k in plan.keep)
            for c in covered
            if _inside(path, c)
        )

    folders = [(p, False) for p in plan.hidden] + [(p, True) for p in plan.scratch]
    for folder, writable in sorted(folders, key=lambda item: item[0].count("/")):
        if visible(folder) and os.path.isdir(folder):
            _cover(folder, plan.keep, writable)
            covered.append(folder)
    for path in plan.blanked:
        if visible(path):
            _mount("/dev/null", path, None, MS_BIND)
    for path in plan.writable:
        if visible(path):
            _mount(path, path, None, MS_BIND | MS_REC)  # its own mount, left writable below
    for target, options in _mounts():
        if "ro" in options or target.startswith("/dev/"):  # /dev/shm, /dev/pts: leave as is
            continue
        # The scratch tmpfs itself stays writable, but not what was mounted back inside it (a
        # checkout under /tmp brings its grader/ and .venv there).
        if target in plan.scratch or any(_inside(target, w) for w in [*plan.writable, "/proc"]):
            continue
        with contextlib.suppress(OSError):  # defence in depth; the hiding above is not optional
            _read_only(target, options)


def _unshare(flags: int) -> None:
    if ctypes.CDLL(None, use_errno=True).unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare: {os.strerror(errno)}")


def _map_to_root(uid: int, gid: int) -> None:
    """Make uid and gid 0 of the user namespace just entered the given outer ones."""
    with contextlib.suppress(FileNotFoundError):  # kernels before 3.19 have no setgroups
        Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1\n")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1\n")


def enter_outer(kind: str) -> None:
    """New mount, PID and network namespaces for this single-threaded process, owned by a new
    user namespace for ``kind == "user"`` (the way a non-root grader gets them). The next
    child this process forks is PID 1 of the new PID namespace."""
    uid, gid = os.geteuid(), os.getegid()
    user = CLONE_NEWUSER if kind == "user" else 0
    _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | user)
    if user:
        _map_to_root(uid, gid)


def enter_inside(plan: Plan, workdir: str) -> None:
    """In PID 1 of those namespaces: a private mount tree with a fresh ``/proc``, the plan's
    mounts and loopback, the working folder entered through them, and last a user namespace
    of its own, in which the sandbox holds no capability over any of it."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    apply(plan)
    # Enter the working folder through the new mounts, or ".." from it would still lead
    # into the original, uncovered /tmp.
    os.chdir(workdir)
    uid, gid = os.geteuid(), os.getegid()
    _unshare(CLONE_NEWUSER)
    _map_to_root(uid, gid)


def main() -> None:
    """The probe: enter the namespaces as ``kind`` with a test plan, and check from inside
    that its hidden folder is empty, its blanked file is empty and its folder writable."""
    arguments = sys.argv[1:]
    if len(arguments) != 3:
        sys.exit("usage: python -m grader.engine.isolation PLAN_JSON KIND FOLDER")
    plan = Plan(**{key: tuple(value) for key, value in json.loads(arguments[0]).items()})
    kind, folder = arguments[1], arguments[2]
    enter_outer(kind)
    child = os.fork()
    if child == 0:
        try:
            enter_inside(plan, folder)
            hidden_seen = any(os.scandir(plan.hidden[0]))
            blanked_seen = os.path.getsize(plan.blanked[0]) > 0
            Path(folder, "w").write_text("written from inside")
            os._exit(1 if hidden_seen or blanked_seen else 0)
        except BaseException as error:
            print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
            os._exit(2)
    _, status = os.waitpid(child, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
