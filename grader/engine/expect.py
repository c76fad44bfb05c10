"""Assertions for checks, with failure messages that say what was called, what came back
and what was expected (and, where it helps, why the two differ)."""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.engine.spec import CheckFailure
from grader.engine.wire import ModuleState, Opaque


def fail(call: str, got: str, expected: str, why: str = "") -> CheckFailure:
    lines = [f"called:   {call}", f"got:      {got}", f"expected: {expected}"]
    if why:
        lines.append(f"why:      {why}")
    return CheckFailure("\n".join(lines))


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, ModuleState):
        return f"a {value.class_name} model"
    if isinstance(value, Opaque):
        return f"a {value.type_name} ({value.text[:60]})"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    if isinstance(value, tuple | list):
        kinds = ", ".join(describe(item) for item in value[:3])
        return (
            f"a {type(value).__name__} of {len(value)} ({kinds}{', ...' if len(value) > 3 else ''})"
        )
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def expect_tensor(
    call: str,
    got: Any,
    want: torch.Tensor,
    what: str,
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    why: str = "",
) -> torch.Tensor:
    """``got`` must be a tensor equal to ``want`` (within tolerance for floats)."""
    if not isinstance(got, torch.Tensor):
        raise fail(call, f"{what} is {describe(got)}", f"{what} as a torch tensor", why)
    if tuple(got.shape) != tuple(want.shape):
        raise fail(call, f"{what} of shape {tuple(got.shape)}", f"shape {tuple(want.shape)}", why)
    if want.is_floating_point():
        close = torch.isclose(got.detach().double(), want.double(), atol=atol, rtol=rtol)
    else:
        if got.is_floating_point():
            raise fail(call, f"{what} with dtype {got.dtype}", f"integer dtype {want.dtype}", why)
        close = got == want
    if not bool(close.all()):
        index = tuple(int(i) for i in (~close).nonzero()[0])
        raise fail(
            call,
            f"{what}{list(index)} = {number_text(got[index].item())} ({int((~close).sum())} of "
            f"{close.numel()} values differ)",
            f"{number_text(want[index].item())}"
            + (f" (within {atol:g} + {rtol:g} x |expected|)" if want.is_floating_point() else ""),
            why,
        )
    return got


# float32 carries about 7 significant digits: a mean computed in float32 (``.float().mean()``)
# differs from the float64 answer by up to about 1e-7 relative. Tolerances below that fail
# correct code, so comparisons of such numbers use at least this.
FLOAT32_ATOL = 1e-6


def number_text(value: float) -> str:
    """Enough digits that two numbers which differ by more than float32 rounding look different."""
    return f"{value:.10g}"


def expect_number(
    call: str, got: Any, want: float, what: str, *, atol: float = FLOAT32_ATOL
) -> float:
    """``got`` must be a finite number within ``atol`` of ``want``."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, int | float):
        raise fail(call, f"{what} is {describe(got)}", f"{what} as a number")
    if not math.isfinite(float(got)) or abs(float(got) - want) > atol:
        raise fail(
            call,
            f"{what} = {number_text(float(got))}",
            f"{number_text(want)} (within {atol:g})",
        )
    return float(got)


def expect_keys(call: str, got: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(got, dict):
        raise fail(call, describe(got), f"{what}: a dict (or BatchEncoding) with keys {keys}")
    missing = [key for key in keys if key not in got]
    if missing:
        raise fail(call, f"{describe(got)}, missing {missing}", f"{what} with keys {keys}")
    return got
