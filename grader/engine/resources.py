"""Named resources that checks hand to learner code: built the same way on both sides.

A track registers builders with ``@resource("bert.tokenizer")``. ``build(ref)`` returns the
object; builders marked ``fresh`` (models a learner may train or mutate) return a new copy
each time, others are built once per process and shared.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable
from typing import Any

from grader.engine.spec import Ref

Builder = Callable[..., Any]

_BUILDERS: dict[str, tuple[Builder, bool]] = {}

# Seconds this process has spent building resources (loading models, copying fresh ones),
# for the timing split that the course benchmark reports.
_build_seconds = 0.0


def build_seconds() -> float:
    return _build_seconds


def resource(name: str, *, fresh: bool = False) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        _BUILDERS[name] = (builder, fresh)
        return builder

    return register


@functools.cache
def _built_once(ref: Ref) -> Any:
    builder, _ = _lookup(ref.name)
    return builder(**dict(ref.options))


def _lookup(name: str) -> tuple[Builder, bool]:
    if name not in _BUILDERS:
        from grader.engine.catalog import import_resources

        import_resources()
    try:
        return _BUILDERS[name]
    except KeyError:
        raise KeyError(f"no resource named {name!r}") from None


def build(ref: Ref) -> Any:
    """The object ``ref`` names; a private copy when the resource is marked fresh."""
    global _build_seconds
    _, fresh = _lookup(ref.name)
    started = time.perf_counter()
    try:
        shared = _built_once(ref)
        return _fresh_copy(shared) if fresh else shared
    finally:
        _build_seconds += time.perf_counter() - started


def _fresh_copy(shared: Any) -> Any:
    """A deep copy, ``.grad`` included: torch's Parameter.__deepcopy__ drops gradients, and a
    model built to arrive with stale gradients must keep them."""
    clone = copy.deepcopy(shared)
    parameters = getattr(shared, "parameters", None)
    if callable(parameters):
        for source, target in zip(shared.parameters(), clone.parameters(), strict=True):
            if source.grad is not None:
                target.grad = source.grad.detach().clone()
    return clone


OBSERVATIONS = "mlkata_observations"


def resolve_refs(value: Any, built: list[tuple[Ref, Any]] | None = None) -> Any:
    """Replace every Ref inside lists, tuples and dicts with the object it names.

    Objects that record what learner code did to them (an ``mlkata_observations`` dict,
    filled by hooks) start each call empty; ``built`` collects them for ``observations``.
    """
    if isinstance(value, Ref):
        obj = build(value)
        if hasattr(obj, OBSERVATIONS):
            setattr(obj, OBSERVATIONS, {})
        if built is not None:
            built.append((value, obj))
        return obj
    if isinstance(value, list):
        return [resolve_refs(item, built) for item in value]
    if isinstance(value, tuple):
        return tuple(resolve_refs(item, built) for item in value)
    if isinstance(value, dict):
        return {key: resolve_refs(item, built) for key, item in value.items()}
    return value


def observations(built: list[tuple[Ref, Any]]) -> dict[str, Any]:
    """What the resources of one call recorded, by resource name (plain data)."""
    return {
        ref.name: getattr(obj, OBSERVATIONS) for ref, obj in built if hasattr(obj, OBSERVATIONS)
    }
