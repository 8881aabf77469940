"""Value types as JSON Schema, and a contract as the document an API entity carries."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

import jimu
from jimu.export.contract_schema import FORMAT, contract_definition, vtype_schema
from jimu.types import DYN, TypeKind, VType, list_of


def _accepts(t: VType, value) -> bool:
    return Draft202012Validator(vtype_schema(t), format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)


@pytest.mark.parametrize("t, good, bad", [
    (VType(TypeKind.INT), 3, 3.5),
    (VType(TypeKind.DOUBLE), 3.5, "3.5"),
    (VType(TypeKind.STRING, values=("approve", "refer")), "refer", "decline"),
    (VType(TypeKind.DATE), "2026-06-30", "30/06/2026"),
    (VType(TypeKind.BOOL, nullable=True), None, 0),
    (list_of(VType(TypeKind.STRING)), ["a"], [1]),
    (VType(TypeKind.OBJECT, fields=(("age", VType(TypeKind.INT)), ("note", VType(TypeKind.STRING, nullable=True)))),
     {"age": 30}, {"note": "x"}),
])
def test_a_value_type_accepts_its_values_and_refuses_others(t, good, bad):
    assert _accepts(t, good)
    assert not _accepts(t, bad)


def test_dyn_accepts_anything():
    assert vtype_schema(DYN) == {}


@pytest.fixture(scope="module")
def catalog():
    return jimu.load_catalog()


def test_every_installed_contract_is_a_json_document_of_valid_schemas(catalog):
    for entry in catalog.capabilities.values():
        doc = json.loads(contract_definition(entry, catalog))
        assert doc["format"] == FORMAT and (doc["id"], doc["version"]) == (entry.id, entry.version)
        for part in ("input", "output", "params"):
            Draft202012Validator.check_schema(doc[part])


def test_a_composite_contract_accepts_a_real_request_and_refuses_bad_ones(catalog):
    composite = catalog.get("risk.intake")
    doc = json.loads(contract_definition(composite, catalog))
    validator = Draft202012Validator(doc["input"], format_checker=Draft202012Validator.FORMAT_CHECKER)
    request = {"resident_id": "11010519491231002X", "as_of": "2026-06-30", "card_number": "4111 1111 1111 1111"}
    assert validator.is_valid(request)  # the record `make demo` runs
    assert validator.is_valid({**request, "card_number": None})  # optional
    assert not validator.is_valid({"as_of": "2026-06-30"})  # resident_id is required
    assert not validator.is_valid({**request, "as_of": "30/06/2026"})
    assert not validator.is_valid({**request, "unknown_field": 1})
    described = {n for n, spec in composite.assembly.inputs.items() if spec.description}
    assert {n for n, p in doc["input"]["properties"].items() if "description" in p} == described
