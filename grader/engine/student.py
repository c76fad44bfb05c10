"""The learner's functions as a check sees them: called by name, results as plain data.

``LocalStudent`` calls into a namespace in this process (the notebook kernel, for instant
feedback). ``SandboxStudent`` calls into a sandbox process (for the authoritative score).
Both pass results through the same ``wire`` reduction, so checks behave identically.
"""

from __future__ import annotations

import os
import reprlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from grader.engine import handoff, wire
from grader.engine.resources import observations, resolve_refs
from grader.engine.sandbox import seed_everything, short_error
from grader.engine.sandbox_client import Sandbox, SandboxFault
from grader.engine.spec import CheckFailure, Ref

_short = reprlib.Repr()
_short.maxlist = 3
_short.maxstring = 40
_short.maxother = 40


def describe_argument(value: Any) -> str:
    if isinstance(value, Ref):
        return value.describe()
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return f"[{len(value)} texts: {_short.repr(value[0])}, ...]"
    return _short.repr(value)


def describe_call(function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [describe_argument(arg) for arg in args]
    parts += [f"{key}={describe_argument(value)}" for key, value in kwargs.items()]
    return f"{function}({', '.join(parts)})"


@dataclass
class Returned:
    """A value that came back from the learner's function, and the call that produced it.

    ``observed`` holds what instrumented resources recorded during the call, by name
    (for example the input lengths a model saw), as plain data.
    """

    value: Any
    call: str
    observed: dict[str, Any] = field(default_factory=dict)


class Student:
    """Base class: ``call`` a learner function by name, get a ``Returned`` or a failure."""

    seed: int = 0

    def scratch_folder(self, prefix: str = "mlkata-") -> Path:
        """A new empty folder the learner's code can write into (a folder to save a model
        in). The check reads what it wrote only through ``take_back``."""
        return Path(tempfile.mkdtemp(prefix=prefix))

    def staging_folder(self, prefix: str = "mlkata-") -> Path:
        """A new private folder in which the check prepares files to ``hand_over``."""
        return Path(tempfile.mkdtemp(prefix=prefix))

    def hand_over(self, staging: Path) -> Path:
        """Give a prepared folder to the learner's code; returns the path it finds it at.
        The check keeps what it needs from those files before, never reads them after."""
        return staging

    def take_back(self, path: str | Path, what: str, budget: handoff.Budget | None = None) -> Path:
        """A private copy of a folder the learner's code wrote (only plain folders and
        regular files, within ``budget``), or CheckFailure saying why not."""
        path = Path(path)
        parent = os.open(path.parent.resolve(), os.O_RDONLY | os.O_DIRECTORY)
        try:
            return handoff.copy_out(parent, PurePath(path.name), what, budget)
        finally:
            os.close(parent)

    def call(self, function: str, *args: Any, **kwargs: Any) -> Returned:
        raise NotImplementedError

    def raises(self, function: str, *args: Any, **kwargs: Any) -> str:
        """Call a function that should raise; return ``"Type: message"`` of what it raised."""
        raise NotImplementedError


def _not_raised(description: str, value: Any) -> CheckFailure:
    from grader.engine.expect import describe

    return CheckFailure(f"{description} returned {describe(value)}; expected an error")


class LocalStudent(Student):
    """Calls functions defined in a namespace of this process (a notebook's globals)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def _target(self, function: str) -> Any:
        target = self.namespace.get(function)
        if not callable(target):
            raise CheckFailure(f"{function} is not defined: run the exercise cell first")
        seed_everything(self.seed)
        return target

    def call(self, function: str, *args: Any, **kwargs: Any) -> Returned:
        description = describe_call(function, args, kwargs)
        target = self._target(function)
        built: list = []
        try:
            value = target(*resolve_refs(args, built), **resolve_refs(kwargs, built))
        except NotImplementedError:
            raise CheckFailure(f"{description} is not implemented yet") from None
        except Exception as error:
            raise CheckFailure(f"{description} raised {short_error(error)}") from None
        observed = wire.round_trip(observations(built))
        return Returned(wire.round_trip(value), description, observed)

    def raises(self, function: str, *args: Any, **kwargs: Any) -> str:
        description = describe_call(function, args, kwargs)
        target = self._target(function)
        try:
            value = target(*resolve_refs(args), **resolve_refs(kwargs))
        except NotImplementedError:
            raise CheckFailure(f"{description} is not implemented yet") from None
        except Exception as error:
            return short_error(error)
        raise _not_raised(description, wire.round_trip(value))


class SandboxStudent(Student):
    """Calls functions defined inside a sandbox process."""

    def __init__(self, sandbox: Sandbox, timeout_s: float) -> None:
        self.sandbox = sandbox
        self.timeout_s = timeout_s

    def scratch_folder(self, prefix: str = "mlkata-") -> Path:
        # An isolated sandbox has a private /tmp: its working folder is what both sides see.
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.sandbox.workdir))

    def staging_folder(self, prefix: str = "mlkata-") -> Path:
        return self.sandbox.staging_folder(prefix)

    def hand_over(self, staging: Path) -> Path:
        return self.sandbox.hand_over(staging)

    def take_back(self, path: str | Path, what: str, budget: handoff.Budget | None = None) -> Path:
        return self.sandbox.take_back(path, what, budget)

    def _request(self, function: str, args: tuple, kwargs: dict) -> tuple[str, dict[str, Any]]:
        description = describe_call(function, args, kwargs)
        request = {"op": "call", "function": function, "args": args, "kwargs": kwargs}
        request["seed"] = self.seed
        try:
            reply = self.sandbox.request(request, self.timeout_s)
        except SandboxFault as fault:
            raise CheckFailure(f"{description}: {fault}") from None
        error = str(reply.get("error", ""))
        if not reply["ok"] and error.startswith("NotImplementedError"):
            raise CheckFailure(f"{description} is not implemented yet")
        if reply.get("missing"):
            raise CheckFailure(f"{function} is not defined in the exercise cell")
        if not reply["ok"] and not reply.get("raised"):  # failed before the function ran
            raise CheckFailure(f"{description} could not be called: {error}")
        return description, reply

    def call(self, function: str, *args: Any, **kwargs: Any) -> Returned:
        description, reply = self._request(function, args, kwargs)
        if not reply["ok"]:
            raise CheckFailure(f"{description} raised {reply.get('error')}")
        observed = wire.restore(reply.get("observed") or {})
        return Returned(wire.restore(reply.get("value")), description, observed)

    def raises(self, function: str, *args: Any, **kwargs: Any) -> str:
        description, reply = self._request(function, args, kwargs)
        if reply["ok"]:
            raise _not_raised(description, wire.restore(reply.get("value")))
        return str(reply.get("error"))
