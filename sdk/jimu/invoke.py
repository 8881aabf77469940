"""Calling one capability on one record, with its contract enforced on both sides.

This is the smallest runtime: what ``jimu call``, the test kit and a capability's ``ctx.use``
handle share. Products run through plans (``jimu.runtime``), which bind all of this once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from .capability import Capability
from .catalog import Catalog, UnknownCapability
from .decision import Decision
from .resources import MissingResource, Resources


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
        # `is None`, not `or`: an empty Resources mapping is falsy but still says why a name is missing
        self._cap, self._resources, self._catalog = cap, resources if resources is not None else {}, catalog
        self._handles: dict[str, Any] = {}

    def resource(self, name: str) -> Any:
        if name not in self._cap.resources:
            raise LookupError(f"{self._cap.id} did not declare resource {name!r} (add it to resources=[...])")
        try:
            return self._resources[name]
        except KeyError:
            raise MissingResource(f"no provider for resource {name!r}; install or register one") from None

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
    except (CapabilityError, UnknownCapability, MissingResource):
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
    """The output as the contract's model; NaN, unknown reason codes and wrong shapes are errors.

    An output model instance is re-validated from its fields (``model_construct`` skips checks,
    and a hook wrapper may have replaced it); nested models keep their own validation.
    """
    shape = _shape(cap.output)
    try:
        data = out.__dict__ if isinstance(out, BaseModel) else out if isinstance(out, Mapping) else vars(out)
        out = cap.output.model_validate(data)
    except (ValidationError, AttributeError, TypeError) as exc:
        raise CapabilityError(cap, f"returned output that breaks its contract: {exc}") from None
    fields = out.__dict__
    for name in shape.floats:  # only for contracts that do not refuse NaN themselves
        value = fields[name]
        if isinstance(value, float) and math.isnan(value):
            raise CapabilityError(cap, f"returned NaN for {name}")
    if shape.codes or shape.decisions:
        codes = set()
        for name in shape.codes:
            value = fields[name]
            if isinstance(value, (list, tuple, set, frozenset)):
                codes.update(value)
        for name in shape.decisions:
            value = fields[name]
            if isinstance(value, Decision):
                codes.update(value.reasons)
        undeclared = codes - (cap.reason_codes if allowed is None else allowed)
        if undeclared:
            raise CapabilityError(cap, f"returned undeclared reason code(s) {', '.join(sorted(undeclared))}")
    return out


@dataclass(frozen=True)
class _OutputShape:
    floats: tuple[str, ...]  # fields to check for NaN
    codes: tuple[str, ...]  # the ``reasons`` field, if any
    decisions: tuple[str, ...]  # fields that may hold a Decision


@lru_cache(maxsize=None)
def _shape(model: type[BaseModel]) -> _OutputShape:
    """What to look at in an output, worked out once per contract rather than per record."""
    refuses_nan = model.model_config.get("allow_inf_nan") is False
    floats, decisions = [], []
    for name, info in model.model_fields.items():
        text = repr(info.annotation)
        if not refuses_nan and ("float" in text or "Any" in text or info.annotation is None):
            floats.append(name)
        if "Decision" in text or "Any" in text:
            decisions.append(name)
    codes = ("reasons",) if "reasons" in model.model_fields else ()
    return _OutputShape(tuple(floats), codes, tuple(decisions))
