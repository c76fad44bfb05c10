"""Efficiency track specifics: out-of-range arguments are one-line errors. (Reference, stubs
and wrong solutions: tests/tracks/test_every_exercise.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.tracks.checking import reference_namespace


@pytest.fixture(scope="session")
def efficiency_reference() -> dict[str, Any]:
    """The reference solutions as a notebook namespace; the fine-tuned model prepared once."""
    from grader.engine.resources import build
    from grader.engine.spec import Ref

    build(Ref.of("efficiency.fine_tuned"))  # fine-tunes once per machine, then loads from cache
    return reference_namespace("efficiency")


def test_out_of_range_arguments_are_one_line_value_errors(efficiency_reference: dict) -> None:
    """Do the reference functions refuse bad arguments with a one-line ValueError?"""
    ref = efficiency_reference
    cases = [
        (ref["prune_linear_layers"], (torch_linear(), 1.0), "sparsity must be in"),
        (ref["serve_with_cache"], (str, ["a"], 0), "max_entries must be"),
        (ref["accumulate_gradients"], (None, None, ["a"], [0], 0), "k must be between"),
    ]
    for function, args, message in cases:
        with pytest.raises(ValueError, match=message) as raised:
            function(*args)
        assert "\n" not in str(raised.value)


def torch_linear() -> Any:
    import torch

    return torch.nn.Sequential(torch.nn.Linear(4, 4))
