"""Params as validation sees them: a type, a technical range, a default, and how to check a value.

A Python capability's params come from its pydantic params model; a composite's are the inner
params it exposes, possibly with narrower bounds. Both become :class:`ParamSpec`, so the
validator checks ``min_age: 12`` the same way whoever declared it, and says the bound it broke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..types import VType, from_annotation

_BOUND_WORDS = {
    "greater_than_equal": ("ge", "below the minimum"),
    "greater_than": ("gt", "not above"),
    "less_than_equal": ("le", "above the maximum"),
    "less_than": ("lt", "not below"),
    "too_short": ("min_length", "shorter than"),
    "too_long": ("max_length", "longer than"),
}


@dataclass
class ParamSpec:
    """One param a step may set."""

    name: str
    vtype: VType
    default: Any = None
    description: str = ""
    owner: str = ""  # the capability that declares it (``customer.kyc.person``)
    adapter: TypeAdapter | None = field(default=None, repr=False)
    minimum: float | None = None  # narrower bounds a composite adds when it exposes the param
    maximum: float | None = None
    inner: ParamSpec | None = None  # for an exposed param: the param it maps to
    path: str = ""  # for an exposed param: ``eligibility.min_age``

    def range_text(self) -> str:
        lo, hi = self.bounds()
        if lo is None and hi is None:
            return "any value of its type"
        return f"{'' if lo is None else _num(lo)}..{'' if hi is None else _num(hi)}"

    def bounds(self) -> tuple[float | None, float | None]:
        """The effective numeric range: the inner param's, narrowed by what the composite set."""
        lo, hi = self.inner.bounds() if self.inner else _declared_bounds(self.adapter)
        if self.minimum is not None:
            lo = self.minimum if lo is None else max(lo, self.minimum)
        if self.maximum is not None:
            hi = self.maximum if hi is None else min(hi, self.maximum)
        return lo, hi

    def check(self, value: Any) -> tuple[str, str] | None:
        """None when ``value`` is allowed; else ``("range"|"type", message)``."""
        if self.inner is not None:
            problem = self.inner.check(value)
            if problem:
                return problem
        elif self.adapter is not None:
            mismatch = _plain_type_mismatch(self.vtype, value)
            if mismatch:
                return "type", f"{self.name} {value!r}: expected {mismatch}"
            try:
                self.adapter.validate_python(value, strict=False)
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                if err["type"] in _BOUND_WORDS:
                    attr, words = _BOUND_WORDS[err["type"]]
                    bound = err.get("ctx", {}).get(attr)
                    return "range", f"{self.name} {value!r} is {words} {bound} allowed by {self.owner}"
                return "type", f"{self.name} {value!r}: {err['msg'].removeprefix('Value error, ')}"
            if isinstance(value, bool) and self.vtype.is_numeric:
                return "type", f"{self.name} {value!r}: expected a number, not true/false"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return "range", f"{self.name} {value!r} is below the minimum {_num(self.minimum)} the composite allows"
            if self.maximum is not None and value > self.maximum:
                return "range", f"{self.name} {value!r} is above the maximum {_num(self.maximum)} the composite allows"
        return None


def _plain_type_mismatch(vtype: VType, value: Any) -> str | None:
    """YAML already types scalars: ``"yes"`` for a boolean or ``"50"`` for a number is a mistake,
    not something to convert silently (pydantic's lax mode would)."""
    kind = vtype.kind.value
    if value is None:
        return None if vtype.nullable else f"a {kind}, not null"
    if kind == "bool" and not isinstance(value, bool):
        return "true or false"
    if kind in ("int", "double") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return "a number"
    if kind == "int" and isinstance(value, float) and not value.is_integer():
        return "a whole number"
    if kind == "string" and not isinstance(value, str):
        return "text"
    return None


def from_params_model(model: type[BaseModel], owner: str) -> dict[str, ParamSpec]:
    """The specs of a params model (cached: building a TypeAdapter costs about a millisecond)."""
    return dict(_specs(model, owner))


@lru_cache(maxsize=None)
def _specs(model: type[BaseModel], owner: str) -> tuple[tuple[str, ParamSpec], ...]:
    specs = {}
    for name, info in model.model_fields.items():
        adapter = TypeAdapter(Annotated[(info.annotation, *info.metadata)]) if info.metadata else TypeAdapter(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        specs[name] = ParamSpec(name, from_annotation(info.annotation), default, info.description or "", owner, adapter)
    return tuple(specs.items())


def _declared_bounds(adapter: TypeAdapter | None) -> tuple[float | None, float | None]:
    if adapter is None:
        return None, None
    lo = hi = None
    schema = adapter.json_schema() if _has_schema(adapter) else {}
    if "minimum" in schema:
        lo = schema["minimum"]
    if "exclusiveMinimum" in schema:
        lo = schema["exclusiveMinimum"]
    if "maximum" in schema:
        hi = schema["maximum"]
    if "exclusiveMaximum" in schema:
        hi = schema["exclusiveMaximum"]
    return lo, hi


def _has_schema(adapter: TypeAdapter) -> bool:
    try:
        adapter.json_schema()
    except Exception:  # types without a JSON form (callables): no numeric bounds to show
        return False
    return True


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
