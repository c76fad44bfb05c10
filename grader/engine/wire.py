"""Safe transport of values from untrusted learner code to the trusted grader.

Learner code can return anything, including objects whose unpickling runs code. So values
are first reduced to plain data (tensors, numbers, strings, lists, dicts) and serialized
with ``torch.save``; the trusted side reads them with ``torch.load(weights_only=True)``,
which refuses everything else. The same reduction is applied in the notebook, so a check
sees the same types whether the learner's code ran in-process or in the sandbox.

The sizes inside a payload come from the sandbox too. ``torch.save`` writes an uncompressed
zip, but ``torch.load`` would inflate a compressed member, so 3 MB of forged reply could
declare a 3 GiB tensor. ``loads_untrusted`` therefore checks the archive first (plain stored
members only, each inside the payload, no more of them than a reply has) and hands
``torch.load`` a copy rebuilt from the members it checked, so what is loaded is never larger
than what was received.
"""

from __future__ import annotations

import io
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

_MODULE = "__mlkata_module__"
_GRAD = "__mlkata_requires_grad__"
_OPAQUE = "__mlkata_opaque__"
_TUPLE = "__mlkata_tuple__"


@dataclass
class ModuleState:
    """What crosses the boundary for an ``nn.Module``: its class, weights and mode."""

    class_name: str
    state_dict: dict[str, torch.Tensor]
    training: bool


@dataclass
class Opaque:
    """A returned object of a type that cannot cross the boundary; only its description does."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def reduce(value: Any) -> Any:
    """Turn ``value`` into a tree of plain data that ``torch.load(weights_only=True)`` accepts."""
    import numpy as np

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, torch.Tensor):
        plain = value.detach().cpu().clone()
        return {_GRAD: plain} if value.requires_grad else plain
    if isinstance(value, np.ndarray | np.generic):
        return torch.as_tensor(np.asarray(value))
    if isinstance(value, torch.nn.Module):
        return {
            _MODULE: type(value).__name__,
            "state_dict": {k: v.detach().cpu().clone() for k, v in value.state_dict().items()},
            "training": value.training,
        }
    if isinstance(value, tuple):
        return {_TUPLE: [reduce(item) for item in value]}
    if isinstance(value, list):
        return [reduce(item) for item in value]
    if isinstance(value, Mapping):  # dicts, and transformers' BatchEncoding (a UserDict)
        return {str(key): reduce(item) for key, item in value.items()}
    text = repr(value)
    return {_OPAQUE: type(value).__name__, "text": text[:200]}


def restore(value: Any) -> Any:
    """Inverse of ``reduce`` on the trusted side."""
    if isinstance(value, list):
        return [restore(item) for item in value]
    if isinstance(value, dict):
        if _GRAD in value:
            tensor = value[_GRAD]
            return tensor.requires_grad_(True) if tensor.is_floating_point() else tensor
        if _TUPLE in value:
            return tuple(restore(item) for item in value[_TUPLE])
        if _MODULE in value:
            return ModuleState(value[_MODULE], value["state_dict"], bool(value["training"]))
        if _OPAQUE in value:
            return Opaque(str(value[_OPAQUE]), str(value["text"]))
        return {key: restore(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


MAX_MEMBERS = 100_000  # one per tensor storage, plus a few: far above any real reply


class OversizedPayload(ValueError):
    """The payload declares more data than it holds."""


def checked_archive(payload: bytes) -> bytes:
    """The payload's zip archive rebuilt from members that are stored (not compressed) and
    lie inside it; raises ``OversizedPayload`` or ``zipfile.BadZipFile`` otherwise."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise OversizedPayload(f"{len(members)} members in one reply")
        declared = 0
        for member in members:
            if member.compress_type != zipfile.ZIP_STORED:
                raise OversizedPayload(f"compressed member {member.filename!r}")
            declared += member.file_size
            if member.header_offset + member.file_size > len(payload) or declared > len(payload):
                raise OversizedPayload(f"member {member.filename!r} runs past the payload")
        rebuilt = io.BytesIO()
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_STORED) as copy:
            for member in members:
                copy.writestr(member.filename, archive.read(member))
    return rebuilt.getvalue()


def loads_untrusted(payload: bytes) -> Any:
    """Read bytes written by the sandbox; refuses anything but tensors and plain data, and
    any archive that declares more than it holds."""
    try:
        archive = checked_archive(payload)
    except zipfile.BadZipFile as error:  # a bare pickle, or garbage: never unpickled
        raise pickle.UnpicklingError(f"not a torch archive ({error})") from None
    with warnings.catch_warnings():
        # A forged payload may use another pickle protocol; torch warns, then refuses it.
        warnings.simplefilter("ignore", UserWarning)
        return torch.load(io.BytesIO(archive), weights_only=True, map_location="cpu")


def round_trip(value: Any) -> Any:
    """What the trusted side would see if ``value`` had crossed from the sandbox."""
    return restore(loads_untrusted(dumps(reduce(value))))
