"""Calling one capability on one record, with its contract enforced on both sides.

This is the smallest runtime: what ``jimu call``, the test kit and a capability's ``ctx.use``
handle share. Products run through plans (``jimu.runtime``), which bind all of this once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
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
            handle = self._handles[cap_id] = Handle(self._catalog.get(use.id, use.specifier), self._resources,
                                                    self._catalog)
        return handle


class Handle:
    """One capability made callable for another: :func:`invoke`, with everything but the record prepared.

    A composite-in-Python (a scorecard looking up fourteen characteristics) calls its dependencies
    many times a record, so the target's context, allowed reason codes, default params and output
    checker are worked out once, when the handle is first asked for, not on every call.
    """

    __slots__ = ("target", "_validate_input", "_params", "_validate_params", "_default", "_call", "_check",
                 "_wants_params")

    def __init__(self, target: Capability, resources: Resources | Mapping[str, object] | None,
                 catalog: Catalog | None):
        self.target = target
        self._validate_input = target.input.__pydantic_validator__.validate_python
        self._params = target.params
        self._validate_params = target.params.__pydantic_validator__.validate_python
        self._default: BaseModel | None = None  # the params' defaults, validated on first need
        self._call, self._wants_params = _caller(target, Context(target, resources, catalog))
        self._check = output_checker(target, allowed_reasons(target, catalog))

    def __call__(self, record: BaseModel | Mapping[str, Any], params: BaseModel | Mapping[str, Any] | None = None):
        cap = self.target
        if type(record) is dict:  # the usual call: a dict literal
            inp = self._validate_input(record)
        else:
            inp = record if isinstance(record, cap.input) else self._validate_input(dict(record))
        if params is None:
            prm = self._default
            if prm is None:
                prm = self._default = self._validate_params({})
        elif type(params) is dict:
            prm = self._validate_params(params)
        elif isinstance(params, self._params):
            prm = params
        else:
            prm = self._validate_params(dict(params))
        try:
            out = self._call(inp, params=prm) if self._wants_params else self._call(inp)
        except (CapabilityError, UnknownCapability, MissingResource):
            raise
        except Exception as exc:
            raise CapabilityError(cap, f"raised {type(exc).__name__}: {exc}") from exc
        return self._check(out)


def _caller(cap: Capability, ctx: Context) -> tuple[Callable[..., Any], bool]:
    """``cap.call`` with the context bound and the signature looked at once (not per call), and
    whether it takes ``params=``. A ``partial``, not a lambda: no Python frame of its own per call
    (``ctx.use`` runs some twenty times a pre-loan record)."""
    func = cap.func
    wants_params, wants_ctx = cap._passes
    return (partial(func, ctx=ctx) if wants_ctx else func), wants_params


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
    out = _validated(cap, out)
    _check_fields(cap, out.__dict__, shape.floats, shape, cap.reason_codes if allowed is None else allowed)
    return out


def output_checker(cap: Capability, allowed: frozenset[str] | None = None, *,
                   trust_instances: bool = True) -> Callable[[object], BaseModel]:
    """:func:`check_output` for one capability, its contract's shape worked out once: what runs per record.

    With ``trust_instances``, an instance of exactly the output model is not validated a second
    time: pydantic validated it when the capability built it, and re-validating costs as much as
    building it did. What assignment after construction or ``model_construct`` could still slip
    in is checked anyway on that path: NaN in every float field, and the reason codes. A dict,
    another class, or a subclass instance is always validated; a plan passes
    ``trust_instances=False`` for steps a plugin's hook wrapper may replace the output of.
    """
    output = cap.output
    shape = _shape(output)
    allowed = cap.reason_codes if allowed is None else allowed
    trusted_floats = shape.all_floats
    codes, decisions = shape.codes, shape.decisions
    checks_codes = bool(codes or decisions)

    def check(out: object) -> BaseModel:
        if trust_instances and type(out) is output:  # the hot path: inlined, it runs for every step
            fields = out.__dict__
            for name in trusted_floats:
                value = fields.get(name)
                if isinstance(value, float) and value != value:
                    raise CapabilityError(cap, f"returned NaN for {name}")
            if checks_codes:
                # each field tested on its own (no set built when all are allowed, the usual case);
                # an undeclared code goes to _check_fields, which names them all
                for name in codes:
                    value = fields.get(name)
                    if value and isinstance(value, _COLLECTIONS) and not allowed.issuperset(value):
                        _check_fields(cap, fields, (), shape, allowed)
                for name in decisions:
                    value = fields.get(name)
                    if isinstance(value, Decision) and value.reasons and not allowed.issuperset(value.reasons):
                        _check_fields(cap, fields, (), shape, allowed)
            return out
        out = _validated(cap, out)
        _check_fields(cap, out.__dict__, shape.floats, shape, allowed)
        return out

    return check


_COLLECTIONS = (list, tuple, set, frozenset)


def _validated(cap: Capability, out: object) -> BaseModel:
    """``out`` validated into the output model, from its fields when it is a model already."""
    try:
        data = out.__dict__ if isinstance(out, BaseModel) else out if isinstance(out, Mapping) else vars(out)
        return cap.output.__pydantic_validator__.validate_python(data)
    except (ValidationError, AttributeError, TypeError) as exc:
        raise CapabilityError(cap, f"returned output that breaks its contract: {exc}") from None


def _check_fields(cap: Capability, fields: dict[str, Any], floats: tuple[str, ...], shape: _OutputShape,
                  allowed: frozenset[str]) -> None:
    """NaN in ``floats`` and reason codes outside ``allowed``: what validation may not have caught."""
    for name in floats:
        value = fields.get(name)
        if isinstance(value, float) and value != value:  # NaN is the one float unequal to itself
            raise CapabilityError(cap, f"returned NaN for {name}")
    if not (shape.codes or shape.decisions):
        return
    codes: set[str] = set()
    for name in shape.codes:
        value = fields.get(name)
        if isinstance(value, (list, tuple, set, frozenset)):
            codes.update(value)
    for name in shape.decisions:
        value = fields.get(name)
        if isinstance(value, Decision):
            codes.update(value.reasons)
    if codes and not codes <= allowed:
        raise CapabilityError(cap, f"returned undeclared reason code(s) {', '.join(sorted(codes - allowed))}")


@dataclass(frozen=True)
class _OutputShape:
    floats: tuple[str, ...]  # fields to check for NaN after validation (the contract allows NaN)
    all_floats: tuple[str, ...]  # fields to check for NaN when validation is skipped
    codes: tuple[str, ...]  # the ``reasons`` field, if any
    decisions: tuple[str, ...]  # fields that may hold a Decision


@lru_cache(maxsize=None)
def _shape(model: type[BaseModel]) -> _OutputShape:
    """What to look at in an output, worked out once per contract rather than per record."""
    refuses_nan = model.model_config.get("allow_inf_nan") is False
    floats, decisions = [], []
    for name, info in model.model_fields.items():
        text = repr(info.annotation)
        if "float" in text or "Any" in text or info.annotation is None:
            floats.append(name)
        if "Decision" in text or "Any" in text:
            decisions.append(name)
    codes = ("reasons",) if "reasons" in model.model_fields else ()
    return _OutputShape(() if refuses_nan else tuple(floats), tuple(floats), codes, tuple(decisions))
