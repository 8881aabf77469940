"""Calling one capability on one record, with its contract enforced on both sides.

This is the smallest runtime: what ``jimu call``, the test kit and a capability's ``ctx.use``
handle share. Products run through plans (``jimu.runtime``), which bind all of this once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .capability import Capability
from .catalog import Catalog, UnknownCapability
from .decision import Decision
from .resources import Resources


class CapabilityError(Exception):
    """A capability failed: it raised, or broke its output contract. Carries the capability id."""

    def __init__(self, cap: Capability, message: str):
        super().__init__(f"{cap.key}: {message}")
        self.capability = cap.key
        self.detail = message


class Context:
    """What a running capability may reach: its declared resources and the capabilities it uses."""

    __slots__ = ("_cap", "_resources", "_catalog", "_handles")

    def __init__(self, cap: Capability, resources: Resources | Mapping[str, object] | None, catalog: Catalog | None):
        self._cap, self._resources, self._catalog = cap, resources or {}, catalog
        self._handles: dict[str, Any] = {}

    def resource(self, name: str) -> Any:
        if name not in self._cap.resources:
            raise LookupError(f"{self._cap.id} did not declare resource {name!r} (add it to resources=[...])")
        return self._resources[name]

    def use(self, cap_id: str) -> Any:
        """A callable for a declared dependency: ``ctx.use("customer.step.luhn")(record) -> output``."""
        handle = self._handles.get(cap_id)
        if handle is None:
            use = next((u for u in self._cap.uses if u.id == cap_id), None)
            if use is None:
                raise LookupError(f"{self._cap.id} did not declare that it uses {cap_id!r} (add it to uses=[...])")
            if self._catalog is None:
                raise LookupError(f"{self._cap.id} uses {cap_id} but runs without a catalog")
            target = self._catalog.get(use.id, use.specifier)
            resources = self._resources

            def handle(record: BaseModel | Mapping[str, Any], params: Mapping[str, Any] | None = None):
                return invoke(target, record, params, resources=resources, catalog=self._catalog)

            self._handles[cap_id] = handle
        return handle


def invoke(
    cap: Capability,
    record: BaseModel | Mapping[str, Any],
    params: BaseModel | Mapping[str, Any] | None = None,
    *,
    resources: Resources | Mapping[str, object] | None = None,
    catalog: Catalog | None = None,
) -> BaseModel:
    """Validate ``record`` and ``params``, run ``cap``, and return its output model.

    Raises pydantic's ``ValidationError`` for bad input or params (the caller's fault) and
    :class:`CapabilityError` when the capability raises or breaks its output contract.
    """
    inp = record if isinstance(record, cap.input) else cap.input.model_validate(dict(record))
    prm = params if isinstance(params, cap.params) else cap.params.model_validate(dict(params or {}))
    try:
        out = cap.call(inp, prm, Context(cap, resources, catalog))
    except (CapabilityError, UnknownCapability):
        raise
    except Exception as exc:
        raise CapabilityError(cap, f"raised {type(exc).__name__}: {exc}") from exc
    return check_output(cap, out, allowed_reasons(cap, catalog))


def allowed_reasons(cap: Capability, catalog: Catalog | None) -> frozenset[str]:
    """Codes ``cap`` may return: its own and those of what it uses, transitively (passed up)."""
    codes, todo, seen = set(cap.reason_codes), list(cap.uses), set()
    while catalog is not None and todo:
        use = todo.pop()
        if use.id in seen:
            continue
        seen.add(use.id)
        try:
            target = catalog.get(use.id, use.specifier)
        except UnknownCapability:
            continue
        codes |= getattr(target, "reason_codes", frozenset())
        todo.extend(getattr(target, "uses", ()))
    return frozenset(codes)


def check_output(cap: Capability, out: object, allowed: frozenset[str] | None = None) -> BaseModel:
    """The output as the contract's model; NaN, unknown reason codes and wrong shapes are errors."""
    try:
        if isinstance(out, cap.output):
            out = cap.output.model_validate(out.model_dump())  # re-checked: construct() skips checks
        else:
            out = cap.output.model_validate(out if isinstance(out, Mapping) else out.__dict__)
    except (ValidationError, AttributeError, TypeError) as exc:
        raise CapabilityError(cap, f"returned output that breaks its contract: {exc}") from None
    for name, value in out:
        if isinstance(value, float) and math.isnan(value):
            raise CapabilityError(cap, f"returned NaN for {name}")
    undeclared = _reason_codes(out) - (cap.reason_codes if allowed is None else allowed)
    if undeclared:
        raise CapabilityError(cap, f"returned undeclared reason code(s) {', '.join(sorted(undeclared))}")
    return out


def _reason_codes(out: BaseModel) -> set[str]:
    """Codes an output carries: its ``reasons`` and those of any Decision among its fields."""
    codes = getattr(out, "reasons", None)
    found = set(codes) if isinstance(codes, (list, tuple, set, frozenset)) else set()
    for name in type(out).model_fields:
        value = getattr(out, name, None)
        if isinstance(value, Decision):
            found |= set(value.reasons)
    return found
