"""A capability's contract as one JSON document: the JSON Schemas of its input, output and params.

The Backstage export puts it in an API entity's ``spec.definition`` (type ``jimu-contract``).
A Python capability's schemas are pydantic's own (``model_json_schema``: descriptions, ranges,
nested models); a composite has no models, so its schemas are written from the contract that
validation infers (:func:`jimu.governance.contract.contract_of`): types, required fields, the
ranges of the params it exposes.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..capability import Capability
from ..types import TypeKind, VType

if TYPE_CHECKING:
    from ..assembly.validate import Validator
    from ..catalog import Catalog
    from ..contracts import Entry
    from ..governance.contract import FieldContract

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMAT = "jimu-contract/1"

_SCALARS = {
    TypeKind.STRING: {"type": "string"},
    TypeKind.INT: {"type": "integer"},
    TypeKind.DOUBLE: {"type": "number"},
    TypeKind.BOOL: {"type": "boolean"},
    TypeKind.DATE: {"type": "string", "format": "date"},
    TypeKind.TIMESTAMP: {"type": "string", "format": "date-time"},
    TypeKind.NULL: {"type": "null"},
    TypeKind.DYN: {},
}
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum",
           "min_length": "minLength", "max_length": "maxLength", "multiple_of": "multipleOf", "pattern": "pattern"}


def vtype_schema(t: VType) -> dict[str, Any]:
    """The JSON Schema of a value type (a nullable one accepts null too)."""
    if t.kind is TypeKind.LIST:
        schema: dict[str, Any] = {"type": "array", "items": vtype_schema(t.element) if t.element else {}}
    elif t.kind is TypeKind.OBJECT:
        schema = {"type": "object", "properties": {n: vtype_schema(f) for n, f in t.fields},
                  "required": [n for n, f in t.fields if not f.nullable]}
        if t.name:
            schema["title"] = t.name
    elif t.kind is TypeKind.MAP:
        schema = {"type": "object"}
    else:
        schema = dict(_SCALARS[t.kind])
    if t.values:
        schema["enum"] = list(t.values)
    if t.nullable and t.kind not in (TypeKind.NULL, TypeKind.DYN):
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _fields_schema(title: str, fields: dict[str, FieldContract]) -> dict[str, Any]:
    properties = {}
    for name, f in fields.items():
        prop = vtype_schema(f.vtype)
        for attr, value in f.bounds.items():
            if attr in _BOUNDS and _is_json(value):
                prop[_BOUNDS[attr]] = value
        if f.default is not None and _is_json(f.default):
            prop["default"] = f.default
        properties[name] = prop
    return {"title": title, "type": "object", "properties": properties,
            "required": [n for n, f in fields.items() if f.required], "additionalProperties": False}


@functools.cache
def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    # pydantic builds a schema afresh per call; models are shared (NoParams, Decision), so once each.
    # Callers copy the top level and never mutate below it.
    return model.model_json_schema()


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def contract_document(entry: Entry, catalog: Catalog, validator: Validator | None = None) -> dict[str, Any]:
    """``{"format", "id", "version", "level", "kind", "input", "output", "params", "reasons", "resources"}``,
    the three middle members JSON Schemas (2020-12)."""
    from ..governance.contract import contract_of

    contract = contract_of(entry, catalog, validator)
    if isinstance(entry, Capability):
        schemas = {part: {"$schema": DIALECT, **_model_schema(getattr(entry, part))}
                   for part in ("input", "output", "params")}
    else:
        parts = {"input": contract.inputs, "output": contract.outputs, "params": contract.params}
        schemas = {part: {"$schema": DIALECT, **_fields_schema(f"{entry.id} {part}", fields)}
                   for part, fields in parts.items()}
        assembly = getattr(entry, "assembly", None)  # the file's own words for its inputs and exposed params
        if assembly is not None:
            for part, declared in (("input", assembly.inputs), ("params", assembly.exposes)):
                for name, spec in declared.items():
                    prop = schemas[part]["properties"].get(name)
                    if prop is not None and spec.description:
                        prop["description"] = spec.description
    return {
        "format": FORMAT,
        "id": entry.id,
        "version": entry.version,
        "level": int(entry.level),
        "kind": entry.kind.value,
        **schemas,
        "reasons": sorted(contract.reasons),
        "resources": sorted(contract.resources),
    }


def contract_definition(entry: Entry, catalog: Catalog, validator: Validator | None = None) -> str:
    """:func:`contract_document` as indented JSON text (Backstage's ``spec.definition`` is a string)."""
    return json.dumps(contract_document(entry, catalog, validator), ensure_ascii=False, indent=2)
