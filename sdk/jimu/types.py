"""Value types as the validator sees them: what a binding carries and what an expression computes.

A capability's contract is a pydantic model; an assembly's inputs are declared in YAML; a CEL
expression combines both. To check that ``steps.kyc.age`` may feed an ``int`` input, or that
``inputs.amount > 100000`` compares numbers, all three are read into one small type algebra
(:class:`VType`), named as CEL names them (``string``, ``int``, ``double``, ``bool``…) so that
messages read the same wherever the type came from.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from enum import Enum
from typing import Any

from pydantic import BaseModel


class TypeKind(str, Enum):
    STRING = "string"
    INT = "int"
    DOUBLE = "double"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"
    LIST = "list"
    MAP = "map"
    OBJECT = "object"  # a pydantic model: named fields
    NULL = "null"
    DYN = "dyn"  # unknown statically: accepted everywhere, checked at run time


@dataclass(frozen=True, init=False)
class VType:
    """A value type; ``nullable`` when the value may be absent (``None``)."""

    kind: TypeKind
    nullable: bool = False
    element: VType | None = None  # a list's elements
    fields: tuple[tuple[str, VType], ...] = ()  # an object's fields, in declaration order
    name: str = ""  # an object's model name (``Decision``)
    values: tuple[str, ...] = ()  # the allowed strings of a Literal or an Enum

    def __init__(self, kind: TypeKind, nullable: bool = False, element: VType | None = None,
                 fields: tuple[tuple[str, VType], ...] = (), name: str = "", values: tuple[str, ...] = ()) -> None:
        # Written out: the frozen dataclass's generated __init__ sets each field through
        # object.__setattr__, and validation builds a few types per file (scopes, results).
        own = self.__dict__
        own["kind"], own["nullable"], own["element"] = kind, nullable, element
        own["fields"], own["name"], own["values"] = fields, name, values

    def __hash__(self) -> int:
        # Cached: types key the validator's expression cache, and hashing one anew walks its
        # fields (and each TypeKind's Python-level Enum hash) every time it is looked up.
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.kind, self.nullable, self.element, self.fields, self.name, self.values))
            self.__dict__["_hash"] = found
        return found

    def __getstate__(self) -> dict:
        # A pickled type is read in another process, whose string hashes differ: no cached hash travels.
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    # -- reading ------------------------------------------------------------------------------

    def field(self, name: str) -> VType | None:
        """The type of an object's field, or None when it has none of that name."""
        if len(self.fields) < 8:
            for n, t in self.fields:  # (a plain loop: a generator costs more than the scan, on a hot path)
                if n == name:
                    return t
            return None
        index = self.__dict__.get("_field_index")
        if index is None:  # frozen: cache the index beside the fields (types with many fields are read often)
            index = dict(self.fields)
            object.__setattr__(self, "_field_index", index)
        return index.get(name)

    @property
    def field_names(self) -> list[str]:
        return [n for n, _ in self.fields]

    @property
    def is_numeric(self) -> bool:
        return self.kind in (TypeKind.INT, TypeKind.DOUBLE)

    def describe(self) -> str:
        """``string``, ``int?`` (nullable), ``list<string>``, ``Decision``."""
        if self.kind is TypeKind.LIST:
            text = f"list<{self.element.describe() if self.element else 'dyn'}>"
        elif self.kind is TypeKind.OBJECT:
            text = self.name or "object"
        else:
            text = self.kind.value
        return text + ("?" if self.nullable and self.kind is not TypeKind.NULL else "")

    __str__ = describe

    def with_nullable(self, nullable: bool = True) -> VType:
        if nullable == self.nullable:
            return self  # immutable: the same type (the checker asks this of every field it reads)
        return VType(self.kind, nullable, self.element, self.fields, self.name, self.values)

    # -- compatibility ------------------------------------------------------------------------

    def assignable_to(self, target: VType) -> bool:
        """Whether a value of this type may feed ``target`` (an input field, a param).

        ``int`` feeds ``double`` (pydantic converts it losslessly); ``dyn`` fits anything; a
        nullable value feeds only a nullable target; objects fit when every field the target
        requires is there with an assignable type.
        """
        if self.kind is TypeKind.DYN or target.kind is TypeKind.DYN:
            return True  # unknown statically (often after another error): checked at run time
        if self.kind is TypeKind.NULL:
            return target.nullable
        if self.nullable and not target.nullable and target.kind is not TypeKind.DYN:
            return False
        if TypeKind.DYN in (self.kind, target.kind):
            return True
        if self.kind is target.kind:
            if self.kind is TypeKind.LIST:
                return self.element is None or target.element is None or self.element.assignable_to(target.element)
            if self.kind is TypeKind.OBJECT:
                return all(
                    (mine := self.field(name)) is not None and mine.assignable_to(theirs)
                    for name, theirs in target.fields
                    if not theirs.nullable
                )
            if self.kind is TypeKind.STRING and target.values:
                return bool(self.values) and set(self.values) <= set(target.values)
            return True
        return self.kind is TypeKind.INT and target.kind is TypeKind.DOUBLE


STRING = VType(TypeKind.STRING)
INT = VType(TypeKind.INT)
DOUBLE = VType(TypeKind.DOUBLE)
BOOL = VType(TypeKind.BOOL)
DATE = VType(TypeKind.DATE)
TIMESTAMP = VType(TypeKind.TIMESTAMP)
NULL = VType(TypeKind.NULL, nullable=True)
DYN = VType(TypeKind.DYN, nullable=True)
MAP = VType(TypeKind.MAP)

#: The scalar types an assembly may declare for its inputs, by the name written in YAML.
DECLARABLE: dict[str, VType] = {
    "string": STRING,
    "integer": INT,
    "number": DOUBLE,
    "boolean": BOOL,
    "date": DATE,
    "datetime": TIMESTAMP,
}

#: The Python type a declared input becomes in a generated pydantic model.
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": dt.date,
    "datetime": dt.datetime,
}

_SCALARS: dict[Any, VType] = {
    str: STRING,
    int: INT,
    float: DOUBLE,
    bool: BOOL,
    dt.date: DATE,
    dt.datetime: TIMESTAMP,
    type(None): NULL,
}


def list_of(element: VType, nullable: bool = False) -> VType:
    return VType(TypeKind.LIST, nullable, element=element)


def from_annotation(annotation: Any) -> VType:
    """The VType of a pydantic field annotation (``int | None``, ``list[str]``, a model…)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return from_annotation(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        nullable = type(None) in args
        rest = [from_annotation(a) for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0].with_nullable(nullable or rest[0].nullable)
        if rest and all(r.kind is rest[0].kind and not r.fields for r in rest):
            return rest[0].with_nullable(nullable)
        if rest and all(r.is_numeric for r in rest):
            return DOUBLE.with_nullable(nullable)
        return DYN
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        if all(isinstance(v, str) for v in values):
            return VType(TypeKind.STRING, values=tuple(values))
        if all(isinstance(v, bool) for v in values):
            return BOOL
        if all(isinstance(v, int) for v in values):
            return INT
        return DYN
    if origin in (list, tuple, set, frozenset, collections.abc.Sequence) or annotation in (list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return list_of(from_annotation(args[0]) if len(set(args)) == 1 else DYN)
    if origin is dict or annotation is dict:
        return MAP
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            values = tuple(str(m.value) for m in annotation)
            return VType(TypeKind.STRING, values=values) if issubclass(annotation, str) else DYN
        if issubclass(annotation, BaseModel):
            return from_model(annotation)
        for python, vtype in _SCALARS.items():  # bool before int, datetime before date: exact first
            if annotation is python:
                return vtype
        for python in (bool, int, float, str, dt.datetime, dt.date):  # subclasses: the most specific first
            if issubclass(annotation, python):
                return _SCALARS[python]
    return DYN


@lru_cache(maxsize=None)
def from_model(model: type[BaseModel], nullable: bool = False) -> VType:
    """An object type with one field per model field; a field with a default of None is nullable."""
    fields = []
    for name, info in model.model_fields.items():
        ftype = from_annotation(info.annotation)
        if not info.is_required() and info.default is None and not ftype.nullable:
            ftype = ftype.with_nullable(True)  # ``age: int = None``: absent is a real possibility
        fields.append((name, ftype))
    return VType(TypeKind.OBJECT, nullable, fields=tuple(fields), name=model.__name__)


def of_value(value: Any) -> VType:
    """The type of a YAML literal (a param value, a constant binding)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    for python, vtype in _SCALARS.items():
        if type(value) is python:
            return vtype
    if isinstance(value, (list, tuple)):
        kinds = {of_value(v) for v in value}
        return list_of(kinds.pop() if len(kinds) == 1 else DYN)
    if isinstance(value, dict):
        return MAP
    return DYN
