"""The hostile-submission suite: can submission code get out of the sandbox through the
network, the environment, a Dask scheduler, the provider's API key, symbolic links raced
into its working folder, replies or folders that declare more than they hold, or the model
cache? Each attack runs in a real sandbox (or a real grade) and must fail; each test also
requires that nothing is left running and nothing changed outside the working folder.

Like the isolation tests, these skip without namespaces, and fail instead under CI.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch

from grader.engine import forkserver, handoff, wire
from grader.engine.runner import grade_notebook, loopback_ports
from grader.engine.sandbox_client import FIXED_ENVIRONMENT, PASSED_ENVIRONMENT, Sandbox
from grader.engine.spec import CheckFailure, Ref
from grader.engine.submission import MAX_NOTEBOOK_BYTES, read_notebook
from grader.errors import BadSubmission
from grader.paths import REPO_DIR
from grader.preparation import ITEMS, TRACK_ITEMS, prepare, prepare_track
from tests.engine.probing import in_sandbox
from tests.submissions import reference_sources, student_notebook, with_cell_source


def children() -> set[int]:
    found: set[int] = set()
    for task in Path("/proc/self/task").glob("*"):
        try:
            found |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


@pytest.fixture(autouse=True)
def leaves_nothing_behind(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """After each attack: no process of it still runs, and nothing of it is left in the
    temporary folder (a fresh one per test, so other runs on the machine do not count)."""
    temporary = tmp_path_factory.mktemp("tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    processes = children()
    yield
    from grader.serving import server

    # Warm for the next test: the template forks every sandbox, the model server serves all.
    # Its scratch folder (where "llm" links to the model) lives as long as it does.
    shared = server._shared.process if server._shared else None
    warm = {forkserver.template().pid, shared.pid if shared else None}
    assert children() - warm <= processes, "a process outlived the sandbox"
    warm_folder = server._shared.workdir if server._shared else None
    left = sorted(
        p.name for p in temporary.iterdir() if p.name.startswith("mlkata-") and p != warm_folder
    )
    assert left == [], "a sandbox left files behind"


def listener(family: int = socket.AF_INET, host: str = "127.0.0.1") -> socket.socket:
    """A loopback service that greets whoever connects: stands for JupyterLab, a scheduler."""
    server = socket.socket(family, socket.SOCK_STREAM)
    server.bind((host, 0))
    server.listen(8)

    def greet() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.sendall(b"host service")
            connection.close()

    threading.Thread(target=greet, daemon=True).start()
    return server


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


# --- the network ---------------------------------------------------------------------------

REACH = """
import socket

def attempt(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect(address)
            return s.recv(64).decode()
    except OSError as error:
        return type(error).__name__

def reach():
    found = {"interfaces": sorted(name for _, name in socket.if_nameindex())}
    for name, family, address in TARGETS:
        found[name] = attempt(family, address[0] if family == socket.AF_UNIX else tuple(address))
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"x", ("192.0.2.1", 53))  # TEST-NET-1: needs a route out
        found["udp out"] = "sent"
    except OSError as error:
        found["udp out"] = type(error).__name__
    return found
"""


def reach_source(targets: list[tuple[str, int, tuple]]) -> str:
    plain = [(name, int(family), address) for name, family, address in targets]
    return f"TARGETS = {plain!r}\n" + REACH


def test_no_host_service_and_no_network_is_reachable(any_kind: None) -> None:
    """Do connections to a host service on 127.0.0.1 and ::1, to an abstract Unix socket
    and to the internet all fail, with only loopback in sight?"""
    services = [listener()]
    targets = [("ipv4 loopback", socket.AF_INET, ("127.0.0.1", services[0].getsockname()[1]))]
    if ipv6_loopback():
        services.append(listener(socket.AF_INET6, "::1"))
        targets.append(("ipv6 loopback", socket.AF_INET6, ("::1", services[1].getsockname()[1])))
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(f"\0mlkata-hostile-{os.getpid()}")
    abstract.listen(1)
    targets += [("abstract unix socket", socket.AF_UNIX, (f"\0mlkata-hostile-{os.getpid()}",))]
    targets += [("internet", socket.AF_INET, ("192.0.2.1", 80))]
    try:
        # Control: from the grader's side the loopback service answers.
        with socket.create_connection(targets[0][2], timeout=3) as control:
            assert control.recv(64) == b"host service"
        found = in_sandbox(reach_source(targets), "reach")
    finally:
        for service in [*services, abstract]:
            service.close()
    assert found["interfaces"] == ["lo"], "no host interface is visible"
    for name, _, _ in targets:
        assert found[name] != "host service" and found[name].endswith("Error"), name
    assert found["udp out"] != "sent"


def test_only_the_handed_port_is_reachable(any_kind: None) -> None:
    """With one loopback port handed to the sandbox (as the model server's is), does that
    port answer with the host's service while another host port stays out of reach?"""
    given, other = listener(), listener()
    targets = [
        ("given", socket.AF_INET, ("127.0.0.1", given.getsockname()[1])),
        ("other", socket.AF_INET, ("127.0.0.1", other.getsockname()[1])),
    ]
    try:
        found = in_sandbox(reach_source(targets), "reach", loopback_ports=[given.getsockname()[1]])
    finally:
        given.close()
        other.close()
    assert found["given"] == "host service"
    assert found["other"] == "ConnectionRefusedError"


def test_the_text_generation_track_hands_over_only_its_server_and_refuser() -> None:
    """Does the text generation track name exactly two ports (its model server and the
    refusing port of the retry check), and the other tracks none?"""
    from grader.serving import server

    ports = loopback_ports("textgen")
    assert len(ports) == 2 and server._shared is not None
    assert server._shared.port in ports
    assert [loopback_ports(track) for track in ("bert", "resnet", "efficiency")] == [[], [], []]


DASK = """
import pathlib

def escape():
    import distributed
    try:
        client = distributed.Client(ADDRESS, timeout=5)
    except Exception as error:
        return f"refused: {type(error).__name__}: {error}"
    # What the probe did: run a function on the cluster, outside any sandbox.
    future = client.submit(pathlib.Path(MARKER).write_text, "escaped")
    return str(future.result(timeout=10))
"""


@pytest.mark.slow
def test_a_dask_scheduler_on_loopback_is_out_of_reach(isolated: None, tmp_path: Path) -> None:
    """Can submission code connect to a real Dask scheduler on the host's loopback (as with
    `mlkata course autograde --scheduler`) and run a function on the cluster? It must not."""
    from distributed import Client, LocalCluster

    marker = tmp_path / "escaped.txt"
    options = {"processes": False, "protocol": "tcp://", "host": "127.0.0.1"}
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None, **options
        ) as cluster,
        Client(cluster) as control,
    ):
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        # Control: from the grader's side the same call writes the file.
        control.submit(Path(tmp_path / "control.txt").write_text, "x").result(timeout=10)
        assert (tmp_path / "control.txt").exists()
        source = f"ADDRESS = {cluster.scheduler_address!r}\nMARKER = {str(marker)!r}\n" + DASK
        outcome = in_sandbox(source, "escape")
    assert outcome.startswith("refused: "), outcome
    assert not marker.exists()


# --- the environment and the API key ---------------------------------------------------------

SECRET = "sk-mlkata-hostile-0123456789"

ENVIRONMENT = """
import os, pathlib

def environment():
    found = {"keys": sorted(os.environ), "values": "\\n".join(os.environ.values())}
    for pid in ("self", "1"):
        try:
            found[pid] = pathlib.Path(f"/proc/{pid}/environ").read_bytes().decode("latin-1")
        except OSError as error:
            found[pid] = type(error).__name__
    return found
"""


def test_the_environment_is_an_allow_list(isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With secrets in the grader's environment (an API key, a Jupyter token, cloud
    credentials), does the sandbox get only the allow-listed variables, and none of them?"""
    for name in ("OPENAI_API_KEY", "JUPYTER_TOKEN", "AWS_SECRET_ACCESS_KEY", "MLKATA_SECRET"):
        monkeypatch.setenv(name, SECRET)
    found = in_sandbox(ENVIRONMENT, "environment")
    allowed = {*PASSED_ENVIRONMENT, *FIXED_ENVIRONMENT, "HOME", "PYTHONPATH"}
    models = {key for key in found["keys"] if key.startswith("MLKATA_MODEL_")}
    assert set(found["keys"]) <= allowed | models
    assert SECRET not in found["values"] + found["self"] + found["1"]


class FakeProvider(BaseHTTPRequestHandler):
    """Stands for a paid provider: answers chat completions only with the right key, and
    records every Authorization header it sees."""

    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        self._reply(200, {"object": "list", "data": [{"id": "paid-model", "object": "model"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != f"Bearer {SECRET}":
            self._reply(401, {"error": {"message": "bad key"}})
            return
        message = {"role": "assistant", "content": "answered with the real key"}
        self._reply(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "paid-model",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            },
        )


LEAK = """
import os

def leak(client, model):
    reply = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=5
    )
    return {
        "api_key": client.api_key,
        "environment": "\\n".join(os.environ.values()),
        "answer": reply.choices[0].message.content,
    }
"""


@pytest.fixture
def paid_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A provider on loopback, configured as a real one would be (URL, key, model)."""
    from grader.serving import server

    provider = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{provider.server_address[1]}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("MLKATA_OPENAI_MODEL", "paid-model")
    FakeProvider.seen = []
    yield url
    if server._proxy is not None:
        server._proxy.close()
        server._proxy = None
    provider.shutdown()
    provider.server_close()


def test_the_api_key_never_reaches_learner_code(isolated: None, paid_provider: str) -> None:
    """With a real provider configured, does learner code get a working client whose key is
    a placeholder (the proxy adds the real one on the grader's side), and no key anywhere?"""
    from grader.serving.proxy import PLACEHOLDER_KEY
    from grader.serving.server import shared_endpoint

    endpoint = shared_endpoint()
    client = Ref.of("llm.client", base_url=endpoint.base_url, api_key=endpoint.api_key)
    with Sandbox(loopback_ports=loopback_ports("textgen")) as sandbox:
        assert sandbox.request({"op": "exec", "source": LEAK, "label": "leak"}, 60)["ok"]
        call = {"op": "call", "function": "leak", "args": (client, endpoint.model)}
        reply = sandbox.request({**call, "kwargs": {}, "seed": 0}, 120)
    assert reply["ok"], reply
    found = wire.restore(reply["value"])
    assert found["answer"] == "answered with the real key"
    assert found["api_key"] == PLACEHOLDER_KEY
    assert SECRET not in json.dumps(found)
    assert f"Bearer {SECRET}" in FakeProvider.seen, "the proxy added the key itself"


def test_the_proxy_forwards_only_inference_routes(paid_provider: str) -> None:
    """Does the key-adding proxy refuse routes other than the inference ones (files, fine-
    tuning, keys), so a submission cannot spend the key on them?"""
    import urllib.error
    import urllib.request

    from grader.serving.server import shared_endpoint

    base_url = shared_endpoint().base_url
    for path in ("/files", "/fine_tuning/jobs", "/organization/api_keys"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base_url + path, timeout=10)
        refused.value.close()
        assert refused.value.code == 403
    assert FakeProvider.seen == [f"Bearer {SECRET}"], "only shared_endpoint's GET /models went"


# --- symbolic links the submission plants ------------------------------------------------------

SWAPPER = """
import ctypes, os, threading

def _swap_everything_new(victim):
    # inotify: wake the moment the grader creates anything in the working folder, then
    # swap it for a link to a folder outside the sandbox (the probe won 24 of 24 this way).
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init()
    libc.inotify_add_watch(fd, b".", 0x100 | 0x80)  # IN_CREATE | IN_MOVED_TO
    os.makedirs(".moved", exist_ok=True)
    while True:
        os.read(fd, 4096)
        for name in os.listdir("."):
            if name.startswith(".") or os.path.islink(name):
                continue
            try:
                os.rename(name, os.path.join(".moved", name))
                os.symlink(victim, name)
            except OSError:
                pass

threading.Thread(target=_swap_everything_new, args=(VICTIM,), daemon=True).start()
"""


@pytest.mark.slow
def test_links_raced_into_the_working_folder_never_redirect_a_write(
    isolated: None, outside_tmp: Path
) -> None:
    """While a submission thread swaps everything new in its working folder for a link to a
    folder outside, do the ResNet checks that hand over images (and a folder tree) still
    write nothing there, and grade the rest correctly?"""
    victim = outside_tmp / "victim"
    victim.mkdir()
    attack = f"VICTIM = {str(victim)!r}\n" + SWAPPER
    sources = reference_sources("resnet")
    notebook = student_notebook("resnet")
    for exercise_id in ("resnet.transforms", "resnet.loaders", "resnet.topk"):
        cell = exercise_id.replace(".", "_")
        notebook = with_cell_source(notebook, cell, sources[exercise_id] + "\n" + attack)
    report = grade_notebook(notebook, check_timeout_cap_s=60)
    assert list(victim.iterdir()) == [], "the grader wrote through a planted link"
    by_id = {exercise.id: exercise for exercise in report.exercises}
    assert by_id["resnet.transforms"].score > 0, by_id["resnet.transforms"].messages


CRASH_THROUGH_THE_LOG = """
import os

def save_classifier(model, tokenizer, folder):
    for name in os.listdir("."):
        os.rename(name, name + ".moved")
    for name in ("output.log", "stderr", "log"):
        os.symlink(TRAP, name)
    os._exit(3)  # the grader reads the process's output to explain the crash

def load_classifier(folder):
    raise NotImplementedError
"""


@pytest.mark.slow
def test_a_crash_report_never_opens_a_planted_link(isolated: None, outside_tmp: Path) -> None:
    """When the sandbox dies, the grader looks at the end of its output: does it ever open
    a link the submission planted in place of that output (to a FIFO here, which would
    block it; to /dev/zero, which would fill its memory)? It must not."""
    trap = outside_tmp / "trap"
    os.mkfifo(trap)
    opened = threading.Event()

    def wait_for_a_reader() -> None:
        with open(trap, "w") as writer:  # returns only once somebody opens it to read
            opened.set()
            writer.write("MemoryError")

    waiting = threading.Thread(target=wait_for_a_reader, daemon=True)
    waiting.start()
    source = f"TRAP = {str(trap)!r}\n" + CRASH_THROUGH_THE_LOG
    notebook = with_cell_source(student_notebook("bert"), "bert_save_reload", source)
    try:
        report = grade_notebook(notebook, check_timeout_cap_s=60)
        opened_by_the_grader = opened.is_set()
    finally:
        release = os.open(trap, os.O_RDONLY | os.O_NONBLOCK)  # let the writer go
        waiting.join(timeout=10)
        os.close(release)
    messages = json.dumps([exercise.messages for exercise in report.exercises])
    assert "exited with code 3" in messages
    assert not opened_by_the_grader, "the grader read through the planted link"
    assert "out of memory" not in messages, "the reason came from the planted file"


# --- sizes declared by the submission ------------------------------------------------------

FORGED_REPLY = """
import os, stat

def forge(payload):
    # Find the reply pipe (a write-only pipe besides stdout and stderr) and write a frame
    # the sandbox's own code never would.
    for fd in range(3, 64):
        try:
            mode = os.fstat(fd).st_mode
            flags = __import__("fcntl").fcntl(fd, __import__("fcntl").F_GETFL)
        except OSError:
            continue
        if stat.S_ISFIFO(mode) and flags & os.O_ACCMODE == os.O_WRONLY:
            os.write(fd, len(payload).to_bytes(8, "big") + payload)
    import time
    time.sleep(30)
"""

MEASURE_FORGED_REPLY = """
import resource, sys
from grader.engine.sandbox_client import Sandbox, SandboxFault

payload = open(sys.argv[1], "rb").read()
with Sandbox() as sandbox:
    sandbox.request({"op": "exec", "source": sys.argv[2], "label": "forge"}, 60)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    try:
        sandbox.request({"op": "call", "function": "forge", "args": (payload,),
                         "kwargs": {}, "seed": 0}, 60)
        outcome = "accepted"
    except SandboxFault as fault:
        outcome = str(fault)
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, outcome)
"""


def forged_payload(declared_bytes: int) -> bytes:
    """A torch archive of a small tensor whose storage member is a deflated run of
    ``declared_bytes`` zeros: a few MB on the wire, gigabytes once inflated."""
    buffer = io.BytesIO()
    torch.save({"ok": True, "value": torch.zeros(10, dtype=torch.uint8)}, buffer)
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as forged:
        for member in original.infolist():
            if not member.filename.endswith("/data/0"):
                forged.writestr(member, original.read(member))
                continue
            info = zipfile.ZipInfo(member.filename)
            info.compress_type = zipfile.ZIP_DEFLATED
            with forged.open(info, "w", force_zip64=True) as target:
                zeros = bytes(64 * 1024 * 1024)
                for _ in range(declared_bytes // len(zeros)):
                    target.write(zeros)
    return out.getvalue()


@pytest.mark.slow
def test_a_reply_that_declares_gigabytes_is_refused_without_spending_them(
    tmp_path: Path,
) -> None:
    """Does a 3 MB reply frame whose tensor inflates to 3 GiB get refused with a reason,
    while the grading process stays within a few hundred MB of where it was?"""
    payload_file = tmp_path / "forged.bin"
    payload_file.write_bytes(forged_payload(3 * 2**30))
    assert payload_file.stat().st_size < 20 * 2**20
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_FORGED_REPLY, str(payload_file), FORGED_REPLY],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_DIR,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, outcome = done.stdout.split(maxsplit=2)
    assert "refused" in outcome and "compressed" in outcome, outcome
    assert int(after) - int(before) < 500, f"the grader grew from {before} to {after} MB"


def huge_config_folder(folder: Path) -> None:
    """A saved classifier whose config declares a BERT of about 750 M parameters (3 GB)."""
    from transformers import BertConfig

    config = BertConfig(
        hidden_size=1024, num_attention_heads=16, num_hidden_layers=60, intermediate_size=4096
    )
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)


def test_a_saved_config_declaring_a_huge_model_is_refused_before_loading(tmp_path: Path) -> None:
    """Does the bounded loader count a folder's declared parameters without allocating them
    (the meta device) and refuse one above the bound, with the count in its message?"""
    from transformers import BertForSequenceClassification

    from grader.models.untrusted import declared_parameters, load_bounded

    huge_config_folder(tmp_path / "saved")
    with pytest.raises(CheckFailure, match=r"declares a model of 7[0-9]{2},"):
        load_bounded(BertForSequenceClassification, tmp_path / "saved", 23_000_000, "saved")
    config = BertForSequenceClassification.config_class.from_pretrained(tmp_path / "saved")
    assert declared_parameters(BertForSequenceClassification, config) > 700_000_000


HUGE_SAVE = """
from transformers import BertConfig

def save_classifier(model, tokenizer, folder):
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        hidden_size=1024, num_attention_heads=16, num_hidden_layers=60, intermediate_size=4096
    )
    config.save_pretrained(folder)
    model.save_pretrained(folder + "-unused")

def load_classifier(folder):
    return None, None  # so the check goes on to load the saved folder itself
"""


@pytest.mark.slow
def test_the_save_reload_check_refuses_a_huge_declared_model(isolated: None) -> None:
    """Graded for real, does a save_classifier that writes a config declaring 750 M
    parameters get its check failed with the reason, instead of the grader loading it?"""
    notebook = with_cell_source(student_notebook("bert"), "bert_save_reload", HUGE_SAVE)
    report = grade_notebook(notebook, check_timeout_cap_s=60)
    (exercise,) = [e for e in report.exercises if e.id == "bert.save_reload"]
    assert exercise.score == 0
    assert any("declares a model of" in message for message in exercise.messages)


def test_a_folder_taken_back_must_be_plain_and_small(tmp_path: Path) -> None:
    """Does taking back a learner's folder refuse a symbolic link, a FIFO (without hanging),
    a file over the byte budget and too many files, each with the reason, and copy a
    plain folder faithfully?"""
    root = tmp_path / "work"
    (root / "plain" / "inner").mkdir(parents=True)
    (root / "plain" / "inner" / "weights.bin").write_bytes(b"w" * 1000)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        copy = handoff.copy_out(fd, Path("plain"), "plain", into=tmp_path)
        assert (copy / "inner" / "weights.bin").read_bytes() == b"w" * 1000
        cases = {
            "link": lambda p: (p / "config.json").symlink_to("/etc/hostname"),
            "fifo": lambda p: os.mkfifo(p / "model.safetensors"),
            "large": lambda p: os.truncate(_touch(p / "big.bin"), 2000),
            "many": lambda p: [_touch(p / f"{i}.txt") for i in range(5)],
        }
        reasons = {}
        for name, make in cases.items():
            (root / name).mkdir()
            make(root / name)
            with pytest.raises(CheckFailure) as refused:
                handoff.copy_out(fd, Path(name), name, handoff.Budget(1500, 4, 8), tmp_path)
            reasons[name] = str(refused.value)
        with pytest.raises(CheckFailure, match="not a plain folder"):
            (root / "linked").symlink_to(root / "plain")
            handoff.copy_out(fd, Path("linked"), "linked", into=tmp_path)
        with pytest.raises(CheckFailure, match="not a folder below"):
            handoff.copy_out(fd, Path("../work/plain"), "outside", into=tmp_path)
    finally:
        os.close(fd)
    assert "symbolic link" in reasons["link"] and "not a regular file" in reasons["fifo"]
    assert "MB in all" in reasons["large"] and "more than 4 files" in reasons["many"]


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def test_a_notebook_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    """Is a submitted notebook larger than nbgrader's file limit refused with one line,
    before any of it is parsed, and a FIFO named like a notebook refused without blocking?"""
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(BadSubmission, match="KB a notebook may be"):
        read_notebook(big)
    os.mkfifo(tmp_path / "pipe.ipynb")
    with pytest.raises(BadSubmission, match="not a regular file"):
        read_notebook(tmp_path / "pipe.ipynb")


# --- the model cache ---------------------------------------------------------------------------

CACHE = """
import os

def cache():
    return {path: os.path.exists(path) for path in PATHS}
"""


def test_a_track_sees_only_its_own_cached_items(isolated: None) -> None:
    """Does a BERT sandbox see the cached items the BERT track loads, but not the efficiency
    track's fine-tuned sentiment classifier (a trained answer to bert.fine_tune), nor any
    other track's items, while the grader sees them all?"""
    everything = {name: str(path) for name, path in prepare(ITEMS).items()}
    visible = prepare_track("bert")
    paths = list(everything.values())
    source = f"PATHS = {paths!r}\n" + CACHE
    seen = in_sandbox(source, "cache", visible=visible)
    assert all(os.path.exists(path) for path in paths), "the grader sees every item"
    for name, path in everything.items():
        assert seen[path] == (name in TRACK_ITEMS["bert"]), name
    assert not seen[everything["sentiment-classifier"]]


def test_grading_hands_the_sandbox_exactly_its_tracks_cached_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Does the runner give each sandbox the locations of its own track's items only?"""
    given: list[tuple[str, ...]] = []
    real_init = Sandbox.__init__

    def recording(self: Sandbox, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        given.append(self.visible)

    monkeypatch.setattr(Sandbox, "__init__", recording)
    grade_notebook(student_notebook("resnet"), check_timeout_cap_s=30)
    expected = {str(path) for path in prepare(TRACK_ITEMS["resnet"]).values()}
    assert [set(v) for v in given] == [expected]
