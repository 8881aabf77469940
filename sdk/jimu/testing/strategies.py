"""Hypothesis strategies for a capability's input records and params, read off its contract.

Each field's strategy follows its annotation and constraints (bounds, lengths, patterns,
``Literal`` choices, nested models, ``Optional`` — so nulls are drawn too), and is mixed with the
values the capability's worked examples give that field: a checksum-validated ID is hopeless to
generate at random, and the examples say what a realistic one looks like. Every drawn record is
validated by the contract's own model (cross-field rules included) and only valid ones are kept.

This module imports hypothesis at the top: :mod:`jimu.testing` imports it only when generated
inputs are asked for, so ``import jimu`` (and the pytest plugin) stays light.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

import annotated_types as at
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from ..capability import Capability

#: the range drawn for a number without a bound on that side: wide enough to find edge cases,
#: narrow enough to stay in int64 and in a float's exact-integer range (batch forms use numpy)
WIDE = 10**9
MAX_ITEMS = 5  # list, set and dict sizes without a declared maximum
DATES = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def inputs_strategy(cap: Capability | type[BaseModel], *, examples: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid input records (dicts) for ``cap`` (or an input model), nulls included.

    With ``examples``, each field also draws from the values ``cap``'s worked examples give it.
    """
    model = cap.input if isinstance(cap, Capability) else cap
    seen = [e.input for e in cap.examples] if examples and isinstance(cap, Capability) else []
    return _records(model, seen)


def params_strategy(cap: Capability | type[BaseModel], *, examples: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid params (dicts) for ``cap`` (or a params model): anywhere within HQ's bounds, often the defaults."""
    model = cap.params if isinstance(cap, Capability) else cap
    seen = [e.params for e in cap.examples if e.params] if examples and isinstance(cap, Capability) else []
    return st.one_of(st.just({}), _records(model, seen, omit_defaults=True))


def _records(model: type[BaseModel], seen: list[Mapping[str, Any]], omit_defaults: bool = False
             ) -> st.SearchStrategy[dict[str, Any]]:
    raw = model_strategy(model, seen)
    valid = raw.filter(lambda record: _valid(model, record))
    usable = [dict(s) for s in seen if _valid(model, s)]
    if usable:
        # a whole example a third of the time: a record that validates even where random
        # values rarely do (a checksum, a cross-field rule), so generation never starves
        return st.one_of(valid, valid, st.sampled_from(usable))
    return valid


def _valid(model: type[BaseModel], record: Mapping[str, Any]) -> bool:
    try:
        model.model_validate(dict(record))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


def model_strategy(model: type[BaseModel], seen: list[Mapping[str, Any]] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts shaped like ``model``: required fields always, fields with defaults sometimes left out.

    Not validated: :func:`inputs_strategy` keeps the valid ones.
    """
    required, optional = {}, {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        values = [s[key] for s in seen if isinstance(s, Mapping) and key in s]
        strategy = field_strategy(info.annotation, info.metadata, values)
        (required if info.is_required() else optional)[key] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def field_strategy(annotation: Any, metadata: list[Any] = (), seen: list[Any] = ()) -> st.SearchStrategy[Any]:
    """Values for one field's annotation and constraints, mixed with the values ``seen`` in examples."""
    strategy = _annotation(annotation, list(metadata))
    hashable = [v for v in seen if _hashable(v)]
    if hashable and not _finite(annotation):  # a Literal, an enum, a bool: drawn over its whole domain
        strategy = st.one_of(st.sampled_from(hashable), strategy)
    return strategy


def _finite(annotation: Any) -> bool:
    options = [a for a in typing.get_args(annotation) if a is not type(None)] if typing.get_origin(annotation) in (
        typing.Union, types.UnionType) else [annotation]
    return all(typing.get_origin(a) is typing.Literal or a is bool
               or (isinstance(a, type) and issubclass(a, enum.Enum)) for a in options)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _annotation(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _annotation(args[0], metadata + list(annotation.__metadata__))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        strategies = [_annotation(a, metadata) for a in options]
        if len(options) < len(args):
            strategies.insert(0, st.none())  # first: hypothesis shrinks towards it, so a null is tried early
        return st.one_of(strategies)
    if annotation is type(None):
        return st.none()
    if origin is typing.Literal:
        return st.sampled_from(args)
    if annotation is typing.Any:
        return st.one_of(st.none(), st.integers(-WIDE, WIDE), st.text(max_size=10))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_strategy(annotation)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low, high = _bounds(metadata, integer=True)
        return st.integers(low, high)
    if annotation is float:
        return _floats(metadata)
    if annotation is decimal.Decimal:
        low, high = _bounds(metadata, integer=False)
        return st.decimals(low, high, allow_nan=False, allow_infinity=False, places=4)
    if annotation is str:
        return _text(metadata)
    if annotation is dt.datetime:
        return st.datetimes(dt.datetime.combine(DATES[0], dt.time()), dt.datetime.combine(DATES[1], dt.time()))
    if annotation is dt.date:
        return st.dates(*DATES)
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set, frozenset):
        return _collection(origin or annotation, args, metadata)
    if origin is dict or annotation is dict:
        key, value = (args or (str, typing.Any))
        low, high = _sizes(metadata)
        return st.dictionaries(_annotation(key, []), _annotation(value, []), min_size=low, max_size=high)
    try:
        return st.from_type(annotation)
    except Exception:  # noqa: BLE001 - a type hypothesis cannot build: leave the field to the examples
        return st.nothing()


def _collection(kind: type, args: tuple[Any, ...], metadata: list[Any]) -> st.SearchStrategy[Any]:
    if kind is tuple and args and args[-1] is not Ellipsis:
        return st.tuples(*(_annotation(a, []) for a in args))
    item = _annotation(args[0], []) if args else st.integers(-WIDE, WIDE)
    low, high = _sizes(metadata)
    if kind in (set, frozenset):
        return st.sets(item, min_size=low, max_size=high).map(kind)
    values = st.lists(item, min_size=low, max_size=high)
    return values.map(tuple) if kind is tuple else values


def _sizes(metadata: list[Any]) -> tuple[int, int]:
    low = max([m.min_length for m in metadata if isinstance(m, at.MinLen)] or [0])
    high = min([m.max_length for m in metadata if isinstance(m, at.MaxLen)] or [max(low, 0) + MAX_ITEMS])
    return low, min(high, low + MAX_ITEMS)


def _bounds(metadata: list[Any], *, integer: bool) -> tuple[Any, Any]:
    low, high = -WIDE, WIDE
    for m in metadata:
        if isinstance(m, at.Ge):
            low = max(low, m.ge)
        elif isinstance(m, at.Gt):
            low = max(low, m.gt + 1 if integer else m.gt)
        elif isinstance(m, at.Le):
            high = min(high, m.le)
        elif isinstance(m, at.Lt):
            high = min(high, m.lt - 1 if integer else m.lt)
    return low, high


def _floats(metadata: list[Any]) -> st.SearchStrategy[float]:
    low, high = _bounds(metadata, integer=False)
    exclude_low = any(isinstance(m, at.Gt) and m.gt == low for m in metadata)
    exclude_high = any(isinstance(m, at.Lt) and m.lt == high for m in metadata)
    edges = [v for v in (low, high, 0.0, 1.0) if low <= v <= high
             and not (v == low and exclude_low) and not (v == high and exclude_high)]
    drawn = st.floats(float(low), float(high), allow_nan=False, allow_infinity=False,
                      exclude_min=exclude_low, exclude_max=exclude_high)
    # whole numbers and the bounds themselves are where thresholds bite: drawn as often as the rest
    options = [st.sampled_from(edges)] if edges else []
    first, last = math.floor(low) + 1 if exclude_low else math.ceil(low), math.ceil(high) - 1 if exclude_high else math.floor(high)
    if first <= last:
        options.append(st.integers(first, last).map(float))
    return st.one_of(*options, drawn)


def _text(metadata: list[Any]) -> st.SearchStrategy[str]:
    pattern = next((getattr(m, "pattern", None) for m in metadata if getattr(m, "pattern", None)), None)
    low, high = _sizes(metadata)
    if pattern is not None:
        text = st.from_regex(re.compile(pattern), fullmatch=True)
        return text.filter(lambda s: low <= len(s) <= (high if _has_max(metadata) else len(s)))
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=low,
                   max_size=high if _has_max(metadata) else max(high, 20))


def _has_max(metadata: list[Any]) -> bool:
    return any(isinstance(m, at.MaxLen) for m in metadata)


__all__ = ["field_strategy", "inputs_strategy", "model_strategy", "params_strategy"]
