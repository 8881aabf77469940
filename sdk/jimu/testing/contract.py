"""Params contract checks: what a branch may set a capability's params to, probed at the edges.

A branch tunes a capability through its params; HQ's bounds (``Field(ge=18, le=30)``, a
``Literal`` of allowed strategies) are what keep a branch inside HQ's risk appetite. A bound that
is declared but not enforced — a default outside it (pydantic does not validate defaults), a
validator that clamps instead of refusing — lets a branch run outside that appetite silently.
:func:`check_params` probes each bound the way a branch's YAML would reach it: through
:func:`jimu.invoke`, which validates params with the capability's params model.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..capability import Capability
from ..invoke import CapabilityError, invoke
from ..resources import MissingResource

#: pydantic error types an author's validator raises (as opposed to the annotation's own checks)
_NARROWING = frozenset({"value_error", "assertion_error"})


@dataclass(frozen=True)
class Probe:
    """One params value to try: ``{field: value}`` on top of the defaults, and what must happen."""

    field: str
    value: Any
    accept: bool
    why: str  # "the lower bound 18", "just above the upper bound 30", ...
    #: an allowed choice (a Literal member, an enum value, true or false) or a collection at a length
    #: bound, rather than a number at a bound: a validator of the author's may narrow what a branch
    #: gets (HQ's floor on a due-diligence tier; no repeated edges in a list)
    narrowable: bool = False


def probes(params: type[BaseModel], base: Mapping[str, Any] | None = None) -> list[Probe]:
    """The probes for every bounded, enumerated or typed scalar param of ``params``, and for every
    list with a length bound whose value in ``base`` gives an item to repeat."""
    found: list[Probe] = []
    for name, info in params.model_fields.items():
        found.extend(_field_probes(name, info))
        found.extend(_length_probes(name, info, (base or {}).get(name)))
    return found


def _length_probes(name: str, info: FieldInfo, current: Any) -> list[Probe]:
    annotation = _unoptional(info.annotation)
    if (typing.get_origin(annotation) or annotation) not in (list, tuple) or not isinstance(current, (list, tuple)):
        return []
    if not current:
        return []
    item, out = current[0], []
    for meta in info.metadata:
        if isinstance(meta, at.MinLen) and meta.min_length >= 1:
            m = meta.min_length
            out.append(Probe(name, [item] * m, True, f"the shortest allowed, {m} item(s)", narrowable=True))
            out.append(Probe(name, [item] * (m - 1), False, f"{m - 1} item(s), below the minimum {m}"))
        elif isinstance(meta, at.MaxLen):
            m = meta.max_length
            out.append(Probe(name, [item] * m, True, f"the longest allowed, {m} items", narrowable=True))
            out.append(Probe(name, [item] * (m + 1), False, f"{m + 1} items, above the maximum {m}"))
    return out


def _field_probes(name: str, info: FieldInfo) -> list[Probe]:
    annotation = _unoptional(info.annotation)
    choices = _choices(annotation)
    if choices is not None:
        out = [Probe(name, c, True, f"the allowed value {c!r}", narrowable=True) for c in choices]
        return out + [Probe(name, "__not_a_choice__", False, "a value outside the allowed ones")]
    if annotation is bool:
        return [Probe(name, True, True, "true", narrowable=True), Probe(name, False, True, "false", narrowable=True),
                Probe(name, "maybe", False, "a word that is not a boolean")]
    if annotation not in (int, float):
        return []
    out: list[Probe] = []
    step = _step(annotation)
    for meta in info.metadata:
        for attr, inclusive, sign in (("ge", True, -1), ("gt", False, -1), ("le", True, 1), ("lt", False, 1)):
            bound = getattr(meta, attr, None) if isinstance(meta, (at.Ge, at.Gt, at.Le, at.Lt)) else None
            if bound is None:
                continue
            side = "lower" if sign < 0 else "upper"
            inside, outside = (bound, bound + sign * step(bound)) if inclusive else (
                bound - sign * step(bound), bound)
            out.append(Probe(name, inside, True, f"{'the' if inclusive else 'just inside the'} {side} bound {bound}"))
            what = "just below" if sign < 0 else "just above"
            out.append(Probe(name, outside, False, f"{what if inclusive else 'exactly'} the {side} bound {bound}"))
    out.append(Probe(name, "abc", False, f"text where a{'n' if annotation is int else ''} "
                                         f"{annotation.__name__} is wanted"))
    if annotation is int:
        out.append(Probe(name, 1.5, False, "a fraction where an integer is wanted"))
    if annotation is float and info.metadata:
        out.append(Probe(name, math.nan, False, "NaN"))
    return out


def _unoptional(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _choices(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def _step(kind: type) -> Callable[[float], float]:
    """How far outside a bound "just outside" is: one for an integer, a millionth (relative) for a float."""
    if kind is int:
        return lambda bound: 1
    return lambda bound: max(abs(bound), 1.0) * 1e-6


def check_defaults(cap: Capability) -> list[str]:
    """Params defaults outside their own contract: pydantic does not validate defaults, so a
    ``Field(10, ge=18)`` is only found by re-validating the defaults as if a branch had set them."""
    try:
        default = cap.params()
    except ValidationError as exc:
        if any(e["type"] == "missing" for e in exc.errors()):
            return []  # a required param: no default to check
        return [f"{cap.key}: the params' defaults are refused by their own model: {_first(exc)}"]
    try:
        cap.params.model_validate(default.model_dump())
    except ValidationError as exc:
        return [f"{cap.key}: param default outside its own contract: {_describe(e)}" for e in exc.errors()]
    return []


def check_params(
    cap: Capability,
    record: Mapping[str, Any] | BaseModel | None = None,
    *,
    catalog: Any = None,
    resources: Mapping[str, object] | None = None,
) -> list[str]:
    """Probe every bound of ``cap``'s params through :func:`jimu.invoke`; each problem found.

    A value at a bound (or an allowed choice) must be accepted, and — given ``record`` — the
    capability must then run on it without raising; a value just outside (or of the wrong type)
    must be refused with pydantic's ``ValidationError`` naming the param. Without ``record``
    (a capability with no examples) only the params model is probed, as invoke would.
    A value at one bound that a cross-field rule refuses given the other defaults (``m1 < m2``)
    is not a problem: the model-level error does not name the field.
    """
    problems = check_defaults(cap)
    base = _base(cap)
    if base is None:
        return problems  # required params and no example giving them: nothing to probe from
    for probe in probes(cap.params, base):
        values = {**base, probe.field: probe.value}
        problem = _try(cap, record, values, probe, catalog, resources)
        if problem:
            problems.append(f"{cap.key}: param {probe.field} = {probe.value!r} ({probe.why}): {problem}")
    return problems


def _base(cap: Capability) -> dict[str, Any] | None:
    """The params each probe changes one value of: the defaults, else the first example's params
    (for a capability with required params)."""
    for given in ({}, *(e.params for e in cap.examples)):
        try:
            return cap.params.model_validate(given).model_dump()
        except ValidationError:
            continue
    return None


def _try(cap: Capability, record: Any, values: dict[str, Any], probe: Probe, catalog: Any,
         resources: Any) -> str | None:
    try:
        if record is None:
            cap.params.model_validate(values)
        else:
            invoke(cap, record, values, resources=resources, catalog=catalog)
    except ValidationError as exc:
        if exc.title != cap.params.__name__:
            return f"could not probe: the record was refused: {_first(exc)}"
        mine = [e for e in exc.errors() if e["loc"][:1] == (probe.field,)]
        # refused by a model-level (cross-field) rule given the other defaults: not this bound's
        # doing; a choice refused by the author's own validator (not the type's): a deliberate narrowing
        if probe.accept and mine and not (probe.narrowable and all(e["type"] in _NARROWING for e in mine)):
            return f"refused: {_first(exc)}"
        return None
    except (CapabilityError, MissingResource) as exc:
        state = "accepted, and then" if probe.accept else "accepted (it must be refused), and"
        return f"{state} the capability failed: {exc}"
    return None if probe.accept else "accepted; it must be refused with a ValidationError naming the param"


def _first(exc: ValidationError) -> str:
    return _describe(exc.errors()[0])


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]


__all__ = ["Probe", "check_defaults", "check_params", "probes"]
