"""Does the wire carry plain data intact and refuse everything else?"""

from __future__ import annotations

import io
import os
import pickle

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.engine import wire


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=0, max_size=3), st.booleans())
def test_tensors_of_any_shape_round_trip(shape: list[int], grad: bool) -> None:
    tensor = torch.randn(shape, requires_grad=grad)
    back = wire.round_trip(tensor)
    assert torch.equal(back.detach(), tensor.detach())
    assert back.requires_grad == grad


def test_containers_modules_and_unknown_objects() -> None:
    value = {"pair": (1, [2.5, "x"]), "none": None, "model": torch.nn.Linear(2, 3).eval()}
    back = wire.round_trip(value)
    assert back["pair"] == (1, [2.5, "x"]) and back["none"] is None
    assert isinstance(back["model"], wire.ModuleState)
    assert back["model"].class_name == "Linear" and not back["model"].training
    assert set(back["model"].state_dict) == {"weight", "bias"}
    assert isinstance(wire.round_trip(object()), wire.Opaque)


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_malicious_pickle_is_refused() -> None:
    """Is a reply that would run code when unpickled refused instead of executed?"""
    with pytest.raises(pickle.UnpicklingError):
        wire.loads_untrusted(pickle.dumps({"ok": True, "value": Payload()}))
    buffer = io.BytesIO()
    torch.save({"ok": True, "value": Payload()}, buffer)
    with pytest.raises(pickle.UnpicklingError):
        wire.loads_untrusted(buffer.getvalue())
