"""Columns: how the batch engine holds a partition's values, and how it checks them against a contract.

One value type per column, chosen from the contract's annotation (not from the data), so that an
expression or a batch form knows what it gets without looking at values:

========== ============================== =========================================
kind       NumPy array                    null
========== ============================== =========================================
double     float64                        NaN
int        int64, or float64 when a null  NaN
bool       bool, or object when a null    None
string     object (``str``)               None
date       datetime64[s] (midnight)       NaT
object     object (lists, dicts, models)  None
decision   :class:`DecisionColumn`        outcome None
========== ============================== =========================================

Checking a frame against a pydantic model (:func:`validate_columns`) is *sound, not complete*: a
column operation accepts the rows it can prove pydantic would accept with the same value (a
float64 within the field's bounds, a string matching its pattern, an ISO date); every other row
is handed to pydantic itself, one row at a time, so a rejected row gets exactly the message the
record engine gives, and an unusual value pydantic accepts (``"1e3"`` for a number) is coerced as
pydantic coerces it. Clean data therefore costs a few column operations; dirty rows cost what
they cost in the record engine.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import annotated_types as at
import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..decision import Decision, Offer, Outcome
from ..types import TypeKind, from_annotation

DOUBLE, INT, BOOL, STRING, DATE, OBJECT, DECISION = "double", "int", "bool", "string", "date", "object", "decision"
OUTCOMES = ("approve", "refer", "decline")
SEVERITY = {"approve": 0, "refer": 1, "decline": 2}

#: How a Decision field appears in a batch form's output frame: one column per part.
DECISION_PARTS = ("outcome", "reasons", "offer_limit", "offer_rate", "offer_tenor_months")


@dataclass
class DecisionColumn:
    """A column of decisions, held as its parts: outcome (``approve``/``refer``/``decline``, None
    where there is no decision), reasons (lists), and the offer's limit, rate and tenor (NaN where
    there is no offer; an offer exists where its limit is not NaN)."""

    outcome: np.ndarray
    reasons: np.ndarray
    limit: np.ndarray
    rate: np.ndarray
    tenor: np.ndarray
    combined: bool = False  # each row's reasons already distinct (a combined decision): nothing to merge

    @classmethod
    def empty(cls, n: int) -> DecisionColumn:
        return cls(np.full(n, None, object), np.full(n, None, object), np.full(n, np.nan), np.full(n, np.nan),
                   np.full(n, np.nan))

    @classmethod
    def from_objects(cls, values: Any) -> DecisionColumn:
        """From Decision objects (or their dicts), None where there is none."""
        n = len(values)
        col = cls.empty(n)
        for i, d in enumerate(values):
            if d is None:
                continue
            if not isinstance(d, Decision):
                d = Decision.model_validate(d)
            col.outcome[i] = d.outcome.value
            col.reasons[i] = list(d.reasons)
            if d.offer is not None:
                col.limit[i] = d.offer.limit
                col.rate[i] = np.nan if d.offer.rate is None else d.offer.rate
                col.tenor[i] = np.nan if d.offer.tenor_months is None else d.offer.tenor_months
        return col

    @classmethod
    def from_frame(cls, frame: Any, name: str) -> DecisionColumn:
        """From a batch form's ``<name>.outcome``, ``<name>.reasons``, ``<name>.offer_*`` columns."""
        n = len(next(iter(frame.values()))) if isinstance(frame, dict) else len(frame)

        def part(suffix: str, default: Any, dtype: Any) -> np.ndarray:
            column = f"{name}.{suffix}"
            if column not in frame:
                return np.full(n, default, dtype)
            values = frame[column]
            if isinstance(values, pd.Series):
                return values.to_numpy(dtype=dtype, na_value=default) if dtype is float \
                    else values.to_numpy(dtype=object)
            return np.asarray(values, dtype=float) if dtype is float else objects(values)

        return cls(part("outcome", None, object), part("reasons", None, object), part("offer_limit", np.nan, float),
                   part("offer_rate", np.nan, float), part("offer_tenor_months", np.nan, float))

    def take(self, index: np.ndarray) -> DecisionColumn:
        return DecisionColumn(self.outcome[index], self.reasons[index], self.limit[index], self.rate[index],
                              self.tenor[index], self.combined)

    def put(self, where: np.ndarray, other: DecisionColumn) -> None:
        """Write ``other`` (one value per True of ``where``) into the rows ``where`` selects."""
        for mine, theirs in zip(self._parts(), other._parts(), strict=True):
            mine[where] = theirs

    def _parts(self) -> tuple[np.ndarray, ...]:
        return self.outcome, self.reasons, self.limit, self.rate, self.tenor

    def __len__(self) -> int:
        return len(self.outcome)

    def isnull(self) -> np.ndarray:
        return isna_objects(self.outcome)

    def value(self, i: int) -> Decision | None:
        if self.outcome[i] is None:
            return None
        offer = None
        if not np.isnan(self.limit[i]):
            offer = Offer(limit=float(self.limit[i]), rate=None if np.isnan(self.rate[i]) else float(self.rate[i]),
                          tenor_months=None if np.isnan(self.tenor[i]) else int(self.tenor[i]))
        return Decision(outcome=Outcome(self.outcome[i]), reasons=list(self.reasons[i] or ()), offer=offer)


@dataclass
class Col:
    """A column of one kind (see the module's table)."""

    kind: str
    values: Any  # np.ndarray, or a DecisionColumn
    null: np.ndarray | None = None  # the null rows, when already known (columns are never changed in place)

    def __len__(self) -> int:
        return len(self.values)

    def isnull(self) -> np.ndarray:
        if self.null is None:
            self.null = isnull(self.kind, self.values)
        return self.null

    def value(self, i: int) -> Any:
        """Row ``i`` as the record engine holds it (float, int, str, date, Decision, None…)."""
        return py_value(self.kind, self.values, i)

    def take(self, index: np.ndarray) -> Col:
        null = None if self.null is None else self.null[index]
        return Col(self.kind, self.values.take(index) if self.kind == DECISION else self.values[index], null)


def objects(values: Any) -> np.ndarray:
    """A 1-D object array of the values (``np.array`` would make lists of equal length a 2-D array)."""
    return np.fromiter(values, dtype=object, count=len(values))


def isnull(kind: str, values: Any) -> np.ndarray:
    if kind == DECISION:
        return values.isnull()
    if kind in (DOUBLE, DATE) or values.dtype.kind in "fM":
        return np.isnan(values) if values.dtype.kind == "f" else np.isnat(values)
    if values.dtype == object:
        return isna_objects(values)
    return np.zeros(len(values), bool)


def py_value(kind: str, values: Any, i: int) -> Any:
    if kind == DECISION:
        return values.value(i)
    v = values[i]
    if kind == DOUBLE:
        return None if v is None or v != v else float(v)
    if kind == INT:
        return None if v is None or v != v else int(v)
    if kind == DATE:
        return None if np.isnat(v) else pd.Timestamp(v).date()
    if kind == BOOL:
        return None if v is None else bool(v)
    if kind == STRING:
        return None if v is None or (isinstance(v, float) and v != v) else v
    return v


def from_python(kind: str, values: list[Any]) -> Col:
    """A column of the given kind from Python values (None for null)."""
    n = len(values)
    if kind == DECISION:
        return Col(kind, DecisionColumn.from_objects(values))
    if kind == DOUBLE:
        return Col(kind, np.array([np.nan if v is None else v for v in values], dtype=float).reshape(n))
    if kind == INT:
        if any(v is not None and not -(2**53) < v < 2**53 for v in values):
            return Col(kind, objects(values))  # a double would round it: kept as Python ints
        if any(v is None for v in values):
            return Col(kind, np.array([np.nan if v is None else v for v in values], dtype=float).reshape(n))
        return Col(kind, np.array(values, dtype=np.int64).reshape(n))
    if kind == BOOL and not any(v is None for v in values):
        return Col(kind, np.array(values, dtype=bool).reshape(n))
    if kind == DATE:
        return Col(kind, np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
                                  dtype="datetime64[s]").reshape(n))
    return Col(kind, objects(values))


# -- kinds from contracts -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """What a column check needs to know of one model field."""

    name: str
    kind: str
    nullable: bool
    required: bool
    default: Any
    factory: Callable[[], Any] | None
    literals: tuple[str, ...]
    bounds: tuple[tuple[str, float], ...]  # ("ge", 0.0)…
    pattern: re.Pattern[str] | None
    max_length: int | None
    min_length: int | None
    exact: bool  # the column check covers every rule pydantic applies to this field
    accepts: Callable[[Any], bool] | None = None  # for an object field: a value certainly valid as it is


_KIND_OF = {TypeKind.DOUBLE: DOUBLE, TypeKind.INT: INT, TypeKind.BOOL: BOOL, TypeKind.STRING: STRING,
            TypeKind.DATE: DATE}


def kind_of(annotation: Any) -> str:
    """The column kind of a field annotation (``object`` for anything not scalar)."""
    if _is_decision(annotation):
        return DECISION
    vtype = from_annotation(annotation)
    kind = _KIND_OF.get(vtype.kind, OBJECT)
    if kind == DOUBLE and _mixes_int_and_float(annotation):
        return OBJECT  # ``int | float`` keeps ints as ints: no single column type says that
    if kind == STRING and _has_enum(annotation):
        return OBJECT
    return kind


def _is_decision(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    return annotation is Decision or (bool(args) and all(a in (Decision, type(None)) for a in args) and Decision in args)


def _mixes_int_and_float(annotation: Any) -> bool:
    args = set(typing.get_args(annotation))
    return int in args and float in args


def _has_enum(annotation: Any) -> bool:
    import enum

    candidates = (annotation, *typing.get_args(annotation))
    return any(isinstance(a, type) and issubclass(a, enum.Enum) for a in candidates)


@lru_cache(maxsize=None)
def field_specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    validated_fields = {f for dec in model.__pydantic_decorators__.field_validators.values()
                        for f in dec.info.fields}
    specs = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        kind = kind_of(annotation)
        vtype = from_annotation(annotation)
        nullable = vtype.nullable or (not info.is_required() and info.default is None)
        bounds, pattern, max_length, min_length, exact = [], None, None, None, True
        for meta in info.metadata:
            if isinstance(meta, (at.Ge, at.Gt, at.Le, at.Lt)):
                op = type(meta).__name__.lower()
                bounds.append((op, float(getattr(meta, op))))
            elif isinstance(meta, at.MaxLen):
                max_length = meta.max_length
            elif isinstance(meta, at.MinLen):
                min_length = meta.min_length
            elif hasattr(meta, "pattern") and getattr(meta, "pattern", None):
                pattern = re.compile(meta.pattern)
            elif _is_iso_date_rule(meta):
                pass  # the plan's ISO-date rule: the date check below accepts only ISO text and dates
            else:
                exact = False  # a validator or a constraint the columns do not know: pydantic checks it
        inner = _annotated_constraints(annotation)
        if inner is not None:
            pattern = pattern or inner[0]
            max_length = max_length if max_length is not None else inner[1]
            exact = exact and inner[2]
        if name in validated_fields or kind in (OBJECT, DECISION):
            exact = False
        if model.model_config.get("strict"):
            exact = False
        specs.append(FieldSpec(name, kind, nullable, info.is_required(), info.default, info.default_factory,
                               tuple(vtype.values), tuple(bounds), pattern, max_length, min_length, exact,
                               _acceptor(annotation) if kind == OBJECT and not info.metadata else None))
    return tuple(specs)


def _acceptor(annotation: Any) -> Callable[[Any], bool] | None:
    """For ``list[str]``, ``list[Model]`` and ``Model | None``: a test that a value is valid as it
    stands (strings, or instances already built, hence validated, by the model), else None."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and len(args) == 1:
        item = args[0]
        if item is str or (isinstance(item, type) and issubclass(item, BaseModel)):
            return _ListOf(item)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and isinstance(rest[0], type) and issubclass(rest[0], BaseModel):
            model = rest[0]
            return lambda v: v is None or type(v) is model
    return None


def by_identity(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct objects of an object array, told apart by identity (not equality), and each
    row's index into them: ``distinct[codes]`` is ``values``.

    Batch forms share one list of reason codes between the loans that have the same reasons
    (outputs are read, never changed), so a partition of 50,000 lists holds a few dozen objects:
    a check or an encoding done once per object, then spread by ``codes``, costs a hash of the
    ids instead of a Python step per row.
    """
    n = len(values)
    if values.dtype == object and values.flags.c_contiguous:
        # an object array holds its objects' addresses, which are CPython's ids: read in place
        ids = np.ndarray(values.shape, np.intp, buffer=values.data)
    else:
        ids = np.fromiter(map(id, values), np.intp, n)
    # a column is looked at several times (its nulls, its literals, its lists' items, its
    # encoding): the last few answers are kept, each valid while the array holds the very same
    # objects in the same places (compared in one pass; a hit skips the hash)
    key = (id(values), n)
    known = _IDENTITIES.get(key)
    if known is not None and np.array_equal(known[0], ids):
        return known[1], known[2]
    codes, uniques = pd.factorize(ids)
    first = np.empty(len(uniques), np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the last write per object wins: its first row
    distinct = values[first]
    distinct.flags.writeable = codes.flags.writeable = False  # shared by the callers that ask again
    try:
        if len(_IDENTITIES) >= 16:
            _IDENTITIES.pop(next(iter(_IDENTITIES)), None)
    except (RuntimeError, StopIteration):  # another thread's partition changed it meanwhile
        pass
    _IDENTITIES[key] = (ids.copy(), distinct, codes)
    return distinct, codes


#: The last answers of :func:`by_identity`: (id of the array, length) -> (its ids, distinct, codes).
_IDENTITIES: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def repeats(values: np.ndarray) -> bool:
    """Whether an object array is made of a few shared objects (labels picked from a table), told
    from its first rows: text read from a file is one object per row, and hashing its ids would
    be wasted."""
    head = values[:256]
    return len(values) >= 64 and len({id(v) for v in head}) * 4 <= len(head)


def per_distinct(values: Any, func: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
    """``func`` of every value, called once per distinct object (:func:`by_identity`) when the
    objects repeat: a batch form's lookup of a few shared labels (a bucket, a severity) in a
    table costs a hash of the ids rather than a dictionary look-up per row."""
    values = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if not repeats(values):
        return objects([func(v) for v in values]) if dtype is object else np.array([func(v) for v in values], dtype)
    distinct, codes = by_identity(values)
    mapped = objects([func(v) for v in distinct]) if dtype is object else np.array([func(v) for v in distinct], dtype)
    return mapped[codes]


def isna_objects(values: np.ndarray) -> np.ndarray:
    """``pd.isna`` of an object array, worked out once per distinct object when the objects repeat
    (labels a batch form picked from a small table: one test per label, not per row)."""
    if not repeats(values):
        return pd.isna(values)
    distinct, codes = by_identity(values)
    return pd.isna(distinct)[codes]


class _ListOf:
    """A column of lists of one exact item type, checked with two C-level passes (the lists' types,
    then the set of their items' types) over its distinct lists, not a Python test per row."""

    def __init__(self, item: type):
        self.item = item

    def __call__(self, v: Any) -> bool:
        return type(v) is list and all(type(x) is self.item for x in v)

    def column(self, values: np.ndarray, null: np.ndarray) -> np.ndarray:
        live = values[~null] if null.any() else values
        if len(live):
            live = by_identity(live)[0]
        if set(map(type, live)) <= {list} and set(map(type, itertools.chain.from_iterable(live))) <= {self.item}:
            return np.ones(len(values), bool)
        return np.fromiter((null[i] or self(v) for i, v in enumerate(values)), bool, len(values))


def _is_iso_date_rule(meta: Any) -> bool:
    func = getattr(meta, "func", None)
    return getattr(func, "__name__", "") == "_iso_date" and getattr(func, "__module__", "") == "jimu.runtime.plan"


def _annotated_constraints(annotation: Any) -> tuple[re.Pattern[str] | None, int | None, bool] | None:
    """Constraints written inside the annotation (``Annotated[str, Field(pattern=…)]``, maybe ``| None``)."""
    candidates = [annotation, *typing.get_args(annotation)]
    for a in candidates:
        if typing.get_origin(a) is typing.Annotated:
            pattern, max_length, exact = None, None, True
            for meta in typing.get_args(a)[1:]:
                for item in getattr(meta, "metadata", [meta]):
                    if hasattr(item, "pattern") and getattr(item, "pattern", None):
                        pattern = re.compile(item.pattern)
                    elif isinstance(item, at.MaxLen):
                        max_length = item.max_length
                    elif _is_iso_date_rule(item):
                        pass
                    else:
                        exact = False
            return pattern, max_length, exact
    return None


# -- checking a frame against a contract ---------------------------------------------------------

_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,16})")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Checked:
    """A frame checked against a model: the columns (valid rows), and each invalid row's error."""

    columns: dict[str, Col]
    errors: dict[int, ValidationError]  # row position -> pydantic's error for that row
    suspect: np.ndarray | None = None  # with ``only``: the rows the column checks could not vouch for


def validate_columns(model: type[BaseModel], source: Mapping[str, Any], n: int,
                     rows: np.ndarray | None = None, *, model_rules: bool = True,
                     explicit_nulls: bool = False, only: frozenset[str] | None = None) -> Checked:
    """Check ``source`` (name -> array, Series or :class:`Col`) against ``model`` for the rows
    ``rows`` selects (all when None); a row found wanting is handed to pydantic for its message.

    ``only``: check just these fields (a batch form's outputs the plan reads); the others are
    left empty. ``explicit_nulls``: a null is passed to pydantic as ``None`` (a step's bindings, as the record
    engine passes them), not left out (a file's empty cell). ``model_rules`` false skips the model's cross-field validators (a batch form that declares it
    enforces them itself); otherwise a model that has any is checked row by row.
    """
    active = np.ones(n, bool) if rows is None else rows
    suspect = np.zeros(n, bool)
    columns: dict[str, Col] = {}
    specs = field_specs(model)
    if only is not None:
        for spec in specs:
            if spec.name not in only:
                columns[spec.name] = _empty(spec, n)
        specs = tuple(spec for spec in specs if spec.name in only)
    for spec in specs:
        raw = source.get(spec.name)
        col, bad = _check_field(spec, raw, n)
        columns[spec.name] = col
        suspect |= bad
    if model_rules and model.__pydantic_decorators__.model_validators:
        suspect[:] = True
    suspect &= active
    if only is not None:  # a part of the model cannot be handed to pydantic: the caller decides those rows
        return Checked(columns, {}, suspect)
    errors: dict[int, ValidationError] = {}
    if suspect.any():
        validate = model.__pydantic_validator__.validate_python
        names = [s.name for s in specs]
        for name in names:  # the columns may be another step's: written here only in copies
            col = columns[name]
            columns[name] = Col(col.kind, col.values.take(np.arange(n)) if col.kind == DECISION else col.values.copy())
        for i in np.flatnonzero(suspect):
            if explicit_nulls:
                record = {k: _raw_value(source[k], i) for k in source}
            else:
                record = {k: v for k in source if (v := _raw_value(source[k], i)) is not None}
            try:
                values = validate(record).__dict__
            except ValidationError as exc:
                errors[int(i)] = exc
                for name in names:  # what failed is not left in the column for a later step to read
                    _set(columns, name, int(i), None)
                continue
            for name in names:
                _set(columns, name, int(i), values[name])
    return Checked(columns, errors)


def _raw_value(column: Any, i: int) -> Any:
    if isinstance(column, Col):
        return column.value(i)
    value = column[i]
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (np.generic,)):
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
        return value.item()
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.to_pydatetime()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def _set(columns: dict[str, Col], name: str, i: int, value: Any) -> None:
    """Write pydantic's value for one row into the column, widening the column if it must."""
    col = columns[name]
    kind, values = col.kind, col.values
    if kind == DECISION:
        values.put(np.arange(len(values)) == i, DecisionColumn.from_objects([value]))
        return
    if value is None:
        if values.dtype.kind == "f":
            values[i] = np.nan
        elif values.dtype.kind == "M":
            values[i] = np.datetime64("NaT")
        elif values.dtype == object:
            values[i] = None
        else:
            widened = values.astype(float if kind == INT else object)
            widened[i] = np.nan if kind == INT else None
            columns[name] = Col(kind, widened)
        return
    if kind == INT and values.dtype != object and not -(2**53) < value < 2**53:
        widened = objects([col.value(j) for j in range(len(values))])
        widened[i] = value
        columns[name] = Col(INT, widened)
        return
    if kind == DATE:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            columns[name] = Col(OBJECT, _objects(col))
            columns[name].values[i] = value
        else:
            values[i] = np.datetime64(value, "D")
        return
    values[i] = value


def _objects(col: Col) -> np.ndarray:
    return objects([col.value(i) for i in range(len(col))])


def _check_field(spec: FieldSpec, raw: Any, n: int) -> tuple[Col, np.ndarray]:
    """The field's column and the rows the column check could not vouch for."""
    if isinstance(raw, Col):
        if raw.kind == DECISION and spec.kind == DECISION:
            return raw, decision_suspects(raw.values)
        if raw.kind == spec.kind and spec.kind != DECISION:
            values, null = raw.values, raw.isnull()
            col, bad = _constrain(spec, values, null, n)
            if spec.kind == DOUBLE and values.dtype.kind == "f":
                # an infinity computed upstream (CEL arithmetic, a step's output) is no null: the
                # record engine's pydantic refuses it, so the row goes to pydantic for its message
                bad = bad | (~null & np.isinf(values))
            return col, bad
        raw = _objects(raw) if raw.kind != DECISION else np.array([raw.value(i) for i in range(n)], object)
    if raw is None:
        if spec.required:
            return _empty(spec, n), np.ones(n, bool)
        return _default(spec, n), np.zeros(n, bool)
    values, null, bad = _convert(spec, raw)
    if spec.kind in (OBJECT, DECISION):
        if spec.accepts is not None:
            if isinstance(spec.accepts, _ListOf):
                ok = spec.accepts.column(values, null)
            else:
                ok = np.fromiter((null[i] or spec.accepts(v) for i, v in enumerate(values)), bool, n)
            if null.any() and (spec.required or not spec.nullable):
                ok &= ~null
            return Col(spec.kind, values), ~ok
        missing = null & (spec.required or not spec.nullable)
        return _default(spec, n), ~null | missing
    col, more = _constrain(spec, values, null, n)
    return col, bad | more


def decision_suspects(d: DecisionColumn) -> np.ndarray:
    """Decisions a column check cannot vouch for: an unknown outcome, a refer or decline without
    reasons or with an offer, an offer out of bounds, reasons that are not a list of strings."""
    n = len(d)
    null = isna_objects(d.outcome)
    # the outcome's index in OUTCOMES (-1: none of them), worked out once per distinct object
    which = per_distinct(d.outcome, lambda o: OUTCOMES.index(o) if type(o) is str and o in OUTCOMES else -1,
                         np.int64)
    known = which >= 0
    approve = which == 0
    reasons_ok = _ListOf(str).column(d.reasons, null)
    distinct, codes = by_identity(d.reasons) if n else (d.reasons, np.zeros(0, np.int64))
    has_reasons = np.fromiter(map(bool, distinct), bool, len(distinct))[codes]
    offer = ~np.isnan(d.limit)
    with np.errstate(invalid="ignore"):
        offer_ok = ~offer | ((d.limit >= 0) & (np.isnan(d.rate) | ((d.rate >= 0) & (d.rate <= 1)))
                             & (np.isnan(d.tenor) | ((d.tenor >= 1) & (d.tenor <= 360) & (d.tenor == np.floor(d.tenor)))))
    fine = known & reasons_ok & offer_ok & (approve | (has_reasons & ~offer))
    return ~null & ~fine


def _empty(spec: FieldSpec, n: int) -> Col:
    if spec.kind == DECISION:
        return Col(DECISION, DecisionColumn.empty(n))
    if spec.kind in (DOUBLE, INT):
        return Col(spec.kind, np.full(n, np.nan))
    if spec.kind == DATE:
        return Col(DATE, np.full(n, np.datetime64("NaT"), "datetime64[s]"))
    return Col(spec.kind, np.full(n, None, object))


def _default(spec: FieldSpec, n: int) -> Col:
    if spec.factory is not None:  # one default shared by the rows: a batch form only reads it
        value = spec.factory()
        if spec.kind == OBJECT:
            out = np.empty(n, object)
            out.fill(value)
            return Col(OBJECT, out)
        return from_python(spec.kind, [value] * n)
    default = spec.default
    if default is None:
        return _empty(spec, n)
    if spec.kind == DOUBLE:
        return Col(DOUBLE, np.full(n, float(default)))
    if spec.kind == INT:
        return Col(INT, np.full(n, int(default), np.int64))
    if spec.kind == BOOL:
        return Col(BOOL, np.full(n, bool(default)))
    if spec.kind == DATE:
        return Col(DATE, np.full(n, np.datetime64(default, "D"), "datetime64[s]"))
    return Col(spec.kind, objects([default] * n))


def _convert(spec: FieldSpec, raw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of the field's kind, the null rows, and the rows whose raw value needs pydantic."""
    if spec.kind == DATE and isinstance(raw, pd.Series) and isinstance(raw.dtype, pd.StringDtype):
        arrow = _arrow_dates(raw)
        if arrow is not None:
            return arrow
    series = _Column(raw)
    n = len(series)
    dtype = series.dtype
    null = series.isna()
    if spec.kind in (OBJECT, DECISION):
        return series.to_numpy(dtype=object), null, ~null
    if spec.kind == DOUBLE:
        if dtype.kind in "fiu":
            values = series.to_numpy(dtype=float, na_value=np.nan)
            bad = ~null & ~np.isfinite(values)
            return values, null, bad
        return _from_objects(series, null, _double_text, float)
    if spec.kind == INT:
        if dtype.kind in "iu":
            values = series.to_numpy(dtype=np.int64)
            return values, null, np.zeros(n, bool)
        if dtype.kind == "f":
            values = series.to_numpy(dtype=float, na_value=np.nan)
            whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**53)
            return values, null, ~null & ~whole
        return _from_objects(series, null, _int_text, float)
    if spec.kind == BOOL:
        if dtype.kind == "b":
            return series.to_numpy(dtype=bool), null, np.zeros(n, bool)
        values = series.to_numpy(dtype=object)
        ok = np.fromiter((type(v) is bool for v in values), bool, n)
        return values, null, ~null & ~ok
    if spec.kind == STRING:
        values = series.to_numpy(dtype=object)
        if series.text:
            return values, null, np.zeros(n, bool)  # a text column (Arrow's): str or None, nothing else
        if dtype == object and repeats(values):  # labels a step picked from a table: each looked at once
            distinct, codes = by_identity(values)
            ok = np.fromiter((type(v) is str for v in distinct), bool, len(distinct))[codes]
        elif dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            ok = np.ones(n, bool)  # every non-null value is a str (a C-level scan)
        elif dtype == object:
            ok = np.fromiter((type(v) is str for v in values), bool, n)
        else:
            ok = np.zeros(n, bool)
        if null.any():  # NaN, NA or NaT as None (a copy only then: the labels' array is kept as it is)
            values = np.where(null, None, values)
        return values, null, ~null & ~ok
    if spec.kind == DATE:
        if dtype.kind == "M":
            values = series.to_numpy(dtype="datetime64[s]")
            midnight = np.isnat(values) | (values == values.astype("datetime64[D]"))
            return values, null, ~null & ~midnight
        objects_ = series.to_numpy(dtype=object)
        out = np.full(n, np.datetime64("NaT"), "datetime64[s]")
        inferred = pd.api.types.infer_dtype(objects_, skipna=True)
        if inferred == "string":  # ISO text: matched one by one, parsed as one column
            ok = np.fromiter((v is not None and v == v and _ISO_DATE.fullmatch(v) is not None for v in objects_),
                             bool, n)
            if ok.any():
                parsed = pd.to_datetime(pd.Series(objects_[ok], dtype=object), format="%Y-%m-%d",
                                        errors="coerce").to_numpy()
                with np.errstate(invalid="ignore"):  # pandas reads year 0000; Python's dates start at year 1
                    fine = ~np.isnat(parsed) & (parsed >= np.datetime64("0001-01-01"))
                index = np.flatnonzero(ok)
                out[index[fine]] = parsed[fine].astype("datetime64[s]")
                ok[index[~fine]] = False
            return out, null, ~null & ~ok
        ok = np.zeros(n, bool)
        for i, v in enumerate(objects_):
            if type(v) is dt.date:
                out[i] = np.datetime64(v, "D")
                ok[i] = True
            elif type(v) is str and _ISO_DATE.fullmatch(v):
                try:
                    out[i] = np.datetime64(dt.date.fromisoformat(v), "D")
                    ok[i] = True
                except ValueError:
                    pass
        return out, null, ~null & ~ok
    return series.to_numpy(dtype=object), null, ~null


def _arrow_dates(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """ISO dates in a text column (a Parquet string column) matched and parsed by Arrow, in C."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(raw)
        if isinstance(text, pa.ChunkedArray):  # a Series backed by several Arrow chunks
            text = text.combine_chunks()
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            return None
        # a book's dates repeat (one as_of, a few hundred due dates per partition): each distinct
        # text is matched, parsed and read back once, then spread by the dictionary's indices
        encoded = pc.dictionary_encode(text)
        words = encoded.dictionary
        iso = pc.fill_null(pc.match_substring_regex(words, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), False)
        parsed = pc.strptime(pc.if_else(iso, words, pa.scalar(None, words.type)), format="%Y-%m-%d", unit="s",
                             error_is_null=True)
        # Arrow rolls 2025-02-30 over to March: a date is taken only if it reads back as written
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), words), False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    distinct = parsed.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    with np.errstate(invalid="ignore"):  # Python's dates start at year 1
        fine = ~np.isnat(distinct) & (distinct >= np.datetime64("0001-01-01")) & same.to_numpy(zero_copy_only=False)
    distinct = np.append(np.where(fine, distinct, np.datetime64("NaT")), np.datetime64("NaT"))  # last: null
    null = text.is_null().to_numpy(zero_copy_only=False)
    codes = encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)
    values = distinct[codes]
    ok = np.append(fine, False)[codes]
    return values, null, ~null & ~ok


class _Column:
    """A raw column (NumPy array, list or pandas Series) read the few ways :func:`_convert` needs,
    without building a Series (pandas 3 would convert object text to Arrow strings)."""

    def __init__(self, raw: Any):
        self.text = False
        self.null = None
        if isinstance(raw, pd.Series):
            self.text = isinstance(raw.dtype, pd.StringDtype) or str(raw.dtype) in ("string", "str")
            if raw.dtype.kind in "fiubM" and not isinstance(raw.dtype, pd.api.extensions.ExtensionDtype):
                self.array = raw.to_numpy()
            else:
                self.array = raw.to_numpy(dtype=object, na_value=None)
                if self.text:  # the nulls from Arrow's validity, not a test per value
                    self.null = raw.isna().to_numpy(dtype=bool)
        elif isinstance(raw, np.ndarray):
            self.array = raw
        else:
            self.array = objects(list(raw))
        self.dtype = self.array.dtype

    def __len__(self) -> int:
        return len(self.array)

    def isna(self) -> np.ndarray:
        if self.null is not None:
            return self.null
        kind = self.dtype.kind
        if kind == "f":
            return np.isnan(self.array)
        if kind == "M":
            return np.isnat(self.array)
        if kind == "O":
            return isna_objects(self.array)
        return np.zeros(len(self.array), bool)

    def to_numpy(self, dtype: Any = None, na_value: Any = None) -> np.ndarray:
        if dtype is None or dtype == self.dtype:
            return self.array
        if dtype is float and self.dtype == object:
            return np.array([np.nan if v is None else v for v in self.array], dtype=float)
        return self.array.astype(dtype)


def _double_text(v: Any) -> float | None:
    if type(v) is float:
        return v if v == v and v not in (np.inf, -np.inf) else None
    if type(v) is int:
        return float(v) if abs(v) < 2**53 else None
    if type(v) is str and _DECIMAL_TEXT.fullmatch(v):
        return float(v)
    return None


def _int_text(v: Any) -> float | None:
    if type(v) is int:
        return float(v) if abs(v) < 2**53 else None
    if type(v) is float:
        return v if v == v and v.is_integer() and abs(v) < 2**53 else None
    if type(v) is str and _INT_TEXT.fullmatch(v):
        return float(int(v))
    return None


def _from_objects(series: pd.Series, null: np.ndarray, parse: Callable[[Any], float | None], _t: type
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(series)
    values = np.full(n, np.nan)
    bad = np.zeros(n, bool)
    for i, v in enumerate(series.to_numpy(dtype=object)):
        if null[i]:
            continue
        parsed = parse(v)
        if parsed is None:
            bad[i] = True
        else:
            values[i] = parsed
    return values, null, bad


def _constrain(spec: FieldSpec, values: np.ndarray, null: np.ndarray, n: int) -> tuple[Col, np.ndarray]:
    """The column with the field's rules applied: rows breaking one (or null where required) are suspect."""
    bad = np.zeros(n, bool) if spec.exact else ~null
    if null.any():
        if not spec.nullable or spec.required:
            bad |= null
        if spec.default is not None and not spec.required and spec.factory is None:
            filled = _default(spec, n).values
            values = np.where(null, filled, values) if values.dtype != object else _fill(values, null, spec.default)
            null = np.zeros(n, bool)
    kind = spec.kind
    if kind == INT:
        if not null.any() and values.dtype.kind == "f":
            with np.errstate(invalid="ignore"):  # an infinity is cast to garbage, but its row is already suspect
                values = values.astype(np.int64)
    if kind == BOOL and null.any() and values.dtype != object:
        values = values.astype(object)
        values[null] = None
    if spec.bounds and kind in (DOUBLE, INT):
        with np.errstate(invalid="ignore"):
            for op, limit in spec.bounds:
                fine = {"ge": values >= limit, "gt": values > limit, "le": values <= limit, "lt": values < limit}[op]
                bad |= ~null & ~fine
    if kind == STRING:
        live = ~null & ~bad
        if spec.literals:
            if repeats(values):  # a step's labels: each distinct object looked up once
                literals = frozenset(spec.literals)
                known = per_distinct(values, lambda v: type(v) is str and v in literals, bool)
            else:
                known = pd.Series(values, dtype=object).isin(spec.literals).to_numpy()
            bad |= live & ~known
        if spec.pattern is None and (spec.max_length is not None or spec.min_length is not None):
            bad |= live & ~_lengths_within(values, live, spec.min_length, spec.max_length)
        elif spec.pattern is not None or spec.max_length is not None or spec.min_length is not None:
            # each distinct value once: a bucket or a severity column holds a handful of them
            distinct = pd.unique(values[live])
            failing = [v for v in distinct if not isinstance(v, str)
                       or (spec.pattern is not None and spec.pattern.search(v) is None)
                       or (spec.max_length is not None and len(v) > spec.max_length)
                       or (spec.min_length is not None and len(v) < spec.min_length)]
            if failing:
                bad |= live & pd.Series(values, dtype=object).isin(failing).to_numpy()
    if kind in (DOUBLE,) and values.dtype.kind != "f":
        values = values.astype(float)
    return Col(kind, values, null), bad


def _lengths_within(values: np.ndarray, live: np.ndarray, low: int | None, high: int | None) -> np.ndarray:
    """Whether each live string's length (in characters, as pydantic counts) is within the bounds;
    Arrow counts them in C (ids are all distinct: checking each distinct value would be a loop)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = np.ones(len(values), bool)
    try:
        lengths = pc.utf8_length(pa.array(values[live], pa.string())).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError, TypeError):
        lengths = np.fromiter((len(v) if isinstance(v, str) else -1 for v in values[live]), np.int64)
    fine = lengths >= (low or 0)
    if high is not None:
        fine &= lengths <= high
    ok[live] = fine
    return ok


def _fill(values: np.ndarray, null: np.ndarray, default: Any) -> np.ndarray:
    out = values.copy()
    out[null] = default
    return out
