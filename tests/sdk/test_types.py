"""Tests for jimu.types: pydantic annotations read as VTypes, what may feed what, and how types are named."""

from __future__ import annotations

import datetime as dt
import typing
from enum import Enum, IntEnum
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field

from jimu.decision import Decision
from jimu.types import (
    BOOL, DATE, DECLARABLE, DOUBLE, DYN, INT, MAP, NULL, STRING, TIMESTAMP, TypeKind, VType, from_annotation,
    from_model, list_of, of_value,
)


class Band(str, Enum):
    A = "A"
    B = "B"


class Plain(Enum):
    ONE = 1


class Level(IntEnum):
    LOW = 1


class Address(BaseModel):
    city: str
    postcode: str | None = None


class Applicant(BaseModel):
    name: str
    age: int | None = None
    address: Address
    tags: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- from_annotation


@pytest.mark.parametrize(
    "annotation,expected",
    [
        (str, STRING), (int, INT), (float, DOUBLE), (bool, BOOL), (dt.date, DATE), (dt.datetime, TIMESTAMP),
        (type(None), NULL), (dict, MAP), (dict[str, int], MAP), (Any, DYN), (bytes, DYN),
    ],
)
def test_scalars(annotation, expected):
    assert from_annotation(annotation) == expected


@pytest.mark.parametrize("annotation", [Optional[int], int | None, Union[int, None], Union[None, int]])
def test_optional_is_nullable(annotation):
    assert from_annotation(annotation) == INT.with_nullable()
    assert from_annotation(annotation).describe() == "int?"


def test_annotated_reads_the_inner_type():
    assert from_annotation(Annotated[int, Field(ge=0, le=150)]) == INT
    assert from_annotation(Annotated[int | None, Field(ge=0)]) == INT.with_nullable()


def test_unions():
    assert from_annotation(Union[int, float]) == DOUBLE  # numbers widen
    assert from_annotation(int | float | None) == DOUBLE.with_nullable()
    assert from_annotation(Union[str, int]).kind is TypeKind.DYN
    assert from_annotation(Union[Address, Applicant]).kind is TypeKind.DYN


def test_literals():
    band = from_annotation(Literal["A", "B"])
    assert band.kind is TypeKind.STRING and band.values == ("A", "B") and not band.nullable
    assert from_annotation(Optional[Literal["A"]]) == VType(TypeKind.STRING, nullable=True, values=("A",))
    assert from_annotation(Literal[1, 2]) == INT
    assert from_annotation(Literal[True]) == BOOL
    assert from_annotation(Literal[1, "a"]).kind is TypeKind.DYN


def test_enums():
    band = from_annotation(Band)
    assert band.kind is TypeKind.STRING and band.values == ("A", "B")
    assert from_annotation(Plain).kind is TypeKind.DYN  # not a str enum: nothing static to say
    assert from_annotation(Band | None).nullable


@pytest.mark.parametrize(
    "annotation,described",
    [(list[str], "list<string>"), (tuple[int, ...], "list<int>"), (set[int], "list<int>"), (frozenset[str], "list<string>"),
     (list[list[int]], "list<list<int>>"), (Optional[list[int]], "list<int>?"), (list[Band], "list<string>")],
)
def test_lists(annotation, described):
    vtype = from_annotation(annotation)
    assert vtype.kind is TypeKind.LIST and vtype.describe() == described


def test_a_mixed_tuple_is_a_list_of_dyn():
    vtype = from_annotation(tuple[int, str])
    assert vtype.kind is TypeKind.LIST and vtype.element.kind is TypeKind.DYN


def test_a_sequence_is_a_list():
    assert from_annotation(typing.Sequence[int]) == list_of(INT)


def test_a_datetime_subclass_is_a_timestamp():
    class Stamp(dt.datetime):
        pass

    assert from_annotation(Stamp) == TIMESTAMP


def test_nested_models():
    vtype = from_annotation(Applicant)
    assert vtype.kind is TypeKind.OBJECT and vtype.name == "Applicant" and vtype.describe() == "Applicant"
    assert vtype.field_names == ["name", "age", "address", "tags"]
    assert vtype.field("age") == INT.with_nullable()
    address = vtype.field("address")
    assert address.kind is TypeKind.OBJECT and address.name == "Address"
    assert address.field("postcode") == STRING.with_nullable() and address.field("city") == STRING
    assert vtype.field("tags") == list_of(STRING)
    assert vtype.field("nope") is None
    assert from_annotation(Optional[Address]).nullable


def test_the_decision_type():
    decision = from_model(Decision)
    assert decision.name == "Decision"
    assert decision.field("outcome").values == ("approve", "refer", "decline")
    assert decision.field("reasons") == list_of(STRING)
    assert decision.field("offer").kind is TypeKind.OBJECT and decision.field("offer").nullable


def test_a_field_defaulting_to_none_is_nullable():
    class Out(BaseModel):
        age: int = None

    assert from_model(Out).field("age").nullable


# --------------------------------------------------------------------------- of_value, DECLARABLE


@pytest.mark.parametrize(
    "value,expected",
    [(True, BOOL), (3, INT), (2.5, DOUBLE), ("x", STRING), (None, NULL), (dt.date(2026, 1, 1), DATE),
     (dt.datetime(2026, 1, 1, 9), TIMESTAMP), ({"a": 1}, MAP), ([1, 2], list_of(INT))],
)
def test_of_value(value, expected):
    assert of_value(value) == expected


def test_of_value_mixed_list():
    assert of_value([1, "a"]).element.kind is TypeKind.DYN


def test_declarable_names():
    assert {k: v.describe() for k, v in DECLARABLE.items()} == {
        "string": "string", "integer": "int", "number": "double", "boolean": "bool", "date": "date",
        "datetime": "timestamp",
    }


# --------------------------------------------------------------------------- assignable_to


def test_int_feeds_double_but_not_the_other_way():
    assert INT.assignable_to(DOUBLE)
    assert not DOUBLE.assignable_to(INT)
    assert INT.assignable_to(INT.with_nullable())


@pytest.mark.parametrize("a,b", [(STRING, INT), (BOOL, INT), (DATE, TIMESTAMP), (TIMESTAMP, DATE), (STRING, DATE),
                                 (INT, STRING), (MAP, list_of(INT)), (list_of(STRING), STRING)])
def test_different_kinds_do_not_mix(a, b):
    assert not a.assignable_to(b)


def test_nullability():
    assert not INT.with_nullable().assignable_to(INT)
    assert INT.with_nullable().assignable_to(INT.with_nullable())
    assert INT.assignable_to(INT.with_nullable())
    assert NULL.assignable_to(STRING.with_nullable())
    assert not NULL.assignable_to(STRING)
    assert NULL.assignable_to(DYN)


def test_dyn_accepts_everything():
    for vtype in (STRING, INT.with_nullable(), NULL, MAP, list_of(INT), from_model(Address)):
        assert vtype.assignable_to(DYN), vtype
    assert VType(TypeKind.DYN).assignable_to(INT)


def test_dyn_feeds_everything():
    for vtype in (STRING, INT, BOOL, list_of(INT), from_model(Address)):
        assert DYN.assignable_to(vtype), vtype


def test_lists_by_element():
    assert list_of(INT).assignable_to(list_of(DOUBLE))
    assert not list_of(DOUBLE).assignable_to(list_of(INT))
    assert VType(TypeKind.LIST).assignable_to(list_of(INT))  # unknown elements
    assert not list_of(INT).with_nullable().assignable_to(list_of(INT))


def test_objects_by_required_fields():
    class Wide(BaseModel):
        city: str
        postcode: str
        extra: int

    class Narrow(BaseModel):
        city: str

    class WrongType(BaseModel):
        city: int

    class Nullable(BaseModel):
        city: str | None

    target = from_model(Address)  # city required, postcode nullable
    assert from_model(Wide).assignable_to(target)
    assert from_model(Narrow).assignable_to(target)  # postcode is nullable: not required
    assert not from_model(WrongType).assignable_to(target)
    assert not from_model(Nullable).assignable_to(target)
    assert not target.assignable_to(from_model(Wide))  # Wide requires postcode (non-null) and extra
    assert not from_model(Address).with_nullable().assignable_to(target)


def test_literal_subsets():
    ab, abc, a = (VType(TypeKind.STRING, values=v) for v in (("A", "B"), ("A", "B", "C"), ("A",)))
    assert a.assignable_to(ab) and ab.assignable_to(abc) and ab.assignable_to(ab)
    assert not abc.assignable_to(ab)
    assert ab.assignable_to(STRING)  # a Literal is a string
    assert not STRING.assignable_to(ab)  # any string is not one of the Literal's values
    assert from_annotation(Band).assignable_to(abc)


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    "vtype,text",
    [(STRING, "string"), (INT, "int"), (DOUBLE, "double"), (BOOL, "bool"), (DATE, "date"), (TIMESTAMP, "timestamp"),
     (INT.with_nullable(), "int?"), (NULL, "null"), (MAP, "map"), (list_of(STRING), "list<string>"),
     (list_of(INT, nullable=True), "list<int>?"), (VType(TypeKind.LIST), "list<dyn>"), (VType(TypeKind.OBJECT), "object"),
     (from_model(Address), "Address"), (from_model(Address, nullable=True), "Address?"), (VType(TypeKind.DYN), "dyn")],
)
def test_describe(vtype, text):
    assert vtype.describe() == text == str(vtype)


def test_with_nullable_keeps_everything_else():
    band = VType(TypeKind.STRING, values=("A",), name="Band")
    assert band.with_nullable() == VType(TypeKind.STRING, True, values=("A",), name="Band")
    assert band.with_nullable().with_nullable(False) == band
    assert from_model(Address).with_nullable().fields == from_model(Address).fields
