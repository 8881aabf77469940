"""A capability's contract read into one comparable shape, whether Python or a YAML composite.

A Python capability's contract is three pydantic models; a composite's is what validation infers
(declared inputs, the outputs its steps produce, the params it exposes with their narrowed
ranges). :func:`contract_of` reads either into :class:`Contract`, so :mod:`.diff` compares two
versions without caring how each was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..capability import Capability
from ..composite import Composite
from ..contracts import Entry, Kind, Level
from ..types import DYN, VType, from_model

if TYPE_CHECKING:
    from ..assembly.validate import Validator
    from ..catalog import Catalog

#: the pydantic constraints a diff compares (``multiple_of`` and ``pattern`` only for equality)
BOUND_ATTRS = ("ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of", "pattern")


@dataclass(frozen=True)
class FieldContract:
    """One input, output or param: its type, whether it must be given (or is always there), its range."""

    name: str
    vtype: VType
    required: bool
    default: Any = None
    bounds: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        text = self.vtype.describe()
        if self.bounds:
            text += " " + " ".join(f"{k}={v}" for k, v in self.bounds.items())
        return text


@dataclass(frozen=True)
class Contract:
    entry: Entry
    kind: Kind
    level: Level
    inputs: dict[str, FieldContract]
    outputs: dict[str, FieldContract]
    params: dict[str, FieldContract]
    reasons: frozenset[str]
    resources: frozenset[str]


def contract_of(entry: Entry, catalog: Catalog, validator: Validator | None = None) -> Contract:
    """The contract of an installed capability or composite (a composite's is inferred by ``validator``)."""
    if isinstance(entry, Capability):
        return Contract(entry, entry.kind, entry.level, _model_fields(entry.input, inputs=True),
                        _model_fields(entry.output, inputs=False), _model_fields(entry.params, inputs=True),
                        entry.reason_codes, frozenset(entry.resources))
    if isinstance(entry, Composite):
        return _composite(entry, catalog, validator)
    raise TypeError(f"{entry.key} is a {entry.kind.value}: only capabilities and composites have contracts")


def _model_fields(model, *, inputs: bool) -> dict[str, FieldContract]:
    vtype = from_model(model)
    found = {}
    for name, info in model.model_fields.items():
        bounds = {}
        for meta in info.metadata:
            for attr in BOUND_ATTRS:
                value = getattr(meta, attr, None)
                if value is not None:
                    bounds[attr] = value
        ftype = vtype.field(name) or DYN
        # An input is required when it has no default; an output is "required" (always there) when
        # it cannot be null, whatever its default.
        required = info.is_required() if inputs else not ftype.nullable
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        found[name] = FieldContract(name, ftype, required, default, bounds)
    return found


def _composite(entry: Composite, catalog: Catalog, validator: Validator | None) -> Contract:
    from ..assembly.validate import Validator

    target = (validator or Validator(catalog)).target_of(entry)
    inputs = {n: FieldContract(n, t, n in target.required) for n, t in target.input.fields}
    outputs = {n: FieldContract(n, t, not t.nullable) for n, t in target.output.fields}
    params = {}
    for name, spec in target.params.items():
        lo, hi = spec.bounds()
        bounds = {k: v for k, v in (("ge", lo), ("le", hi)) if v is not None}
        params[name] = FieldContract(name, spec.vtype, False, spec.default, bounds)
    reasons, resources = _reached(target, set())
    return Contract(entry, entry.kind, entry.level, inputs, outputs, params, frozenset(reasons), frozenset(resources))


def _reached(target, seen: set[str]) -> tuple[set[str], set[str]]:
    """The reason codes and resources of every capability a composite reaches, through nested composites."""
    reasons: set[str] = set()
    resources: set[str] = set()
    for step in (target.analysis.steps.values() if target.analysis else ()):
        if step.target is None or step.target.entry.key in seen:
            continue
        seen.add(step.target.entry.key)  # a composite on a cycle (J207) is visited once
        inner = step.target.entry
        if isinstance(inner, Composite):
            more = _reached(step.target, seen)
            reasons |= more[0]
            resources |= more[1]
        else:
            reasons |= inner.reason_codes
            resources |= set(inner.resources)
    return reasons, resources
