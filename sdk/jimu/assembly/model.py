"""The assembly file format: a branch's product or HQ's composite, as pydantic models.

These models are the single source of the format: the loader validates files with them, the
JSON Schema editors use is generated from them (``jimu schema``), and the reference page is
generated from the schema. They check the *shape* only; what the names refer to (capabilities,
steps, params, types) is checked by :mod:`jimu.assembly.validate` against the catalog.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, Literal, Union

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, field_validator

from ..contracts import ID_PATTERN, Lifecycle, parse_version
from ..types import DECLARABLE

SCHEMA_COMMENT = "# yaml-language-server: $schema="
_STEP_ID = r"^[a-z][a-z0-9_]*$"
_NAME = r"^[a-z][a-z0-9_]*$"
#: A reference from a binding: ``inputs.resident_id``, ``steps.kyc.age`` (a CEL expression in general).
REFERENCE_ROOTS = ("inputs", "steps")
OPTIONAL_MARK = "?"
NO_DECISION = "none"
#: Words CEL reserves: a step, input or output so named could never be referenced in an expression.
RESERVED = frozenset(
    "as break const continue else for function if import let loop package namespace return var void while "
    "in true false null".split()
)


def _not_reserved(name: str) -> str:
    if name in RESERVED:
        raise ValueError(f"{name!r} is a reserved word in expressions; choose another name")
    return name


def _names_not_reserved(value: Any) -> Any:
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str):
                _not_reserved(key)
    return value


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class OnError(str, Enum):
    """What a step's error does to the record (DESIGN.md, "Fail closed")."""

    REFER = "refer"  # the product's decision becomes refer; the record goes on
    REJECT = "reject"  # the record goes to the rejects file with the reason
    SKIP = "skip"  # as if the step's ``when`` were false: it produces no outputs
    FAIL = "fail"  # stop the run


InputType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
assert set(InputType.__args__) == set(DECLARABLE)  # noqa: S101 - the two lists must agree


class InputField(_Closed):
    """One field of the request: its type, and whether it may be absent."""

    type: InputType = Field(description="string, integer, number, boolean, date (YYYY-MM-DD) or datetime")
    optional: StrictBool = Field(False, description="the field may be absent or null")
    description: str = ""


Version = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+([a-z0-9.+-]*)?$", examples=["1.0.0"])]
Expression = Annotated[str, Field(min_length=1, description="a CEL expression (docs: reference/expressions)")]


class Step(_Closed):
    """One step: a capability used with its inputs bound, params set, a condition and an error rule."""

    id: str = Field(pattern=_STEP_ID, description="the step's name, used as steps.<id>.<field>")
    uses: str = Field(pattern=ID_PATTERN.pattern, description="the capability's id, e.g. customer.kyc.person")
    version: str = Field("", description="a PEP 440 specifier, e.g. ~=1.0; empty takes the newest release")
    with_: dict[Annotated[str, Field(pattern=_NAME)], Expression] = Field(
        default_factory=dict,
        alias="with",
        description="input field → where its value comes from: inputs.<name> or steps.<id>.<field> "
        "(a CEL expression); end a reference with ? to read a possibly skipped step's output as null",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="param → value; for a composite, only the params it exposes"
    )
    when: Expression | None = Field(None, description="a CEL condition; when false the step is skipped")
    on_error: OnError | None = Field(
        None, description="refer (default in a product with a decision), reject, skip or fail"
    )
    description: str = ""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("id")
    @classmethod
    def _id_not_reserved(cls, value: str) -> str:
        return _not_reserved(value)

    @field_validator("version")
    @classmethod
    def _pep440(cls, value: str) -> str:
        if not _is_specifier(value):
            raise ValueError(f"{value!r} is not a PEP 440 version specifier (e.g. ~=1.0 or >=1.2,<2)")
        return value


@lru_cache(maxsize=1024)
def _is_specifier(value: str) -> bool:
    """Whether ``value`` parses as a PEP 440 specifier set (asked once per text: steps repeat ``~=1.0``)."""
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        return False
    return True


class Exposed(_Closed):
    """A composite's inner param that products may set, with the path it maps to."""

    path: str = Field(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$",
        description="<step id>.<param>, e.g. eligibility.min_age (or <step>.<exposed> of an inner composite)",
    )
    description: str = ""
    minimum: Annotated[float, Strict()] | None = Field(None, description="a narrower lower bound than the inner param's own")
    maximum: Annotated[float, Strict()] | None = Field(None, description="a narrower upper bound than the inner param's own")


class _Header(_Closed):
    id: str = Field(pattern=ID_PATTERN.pattern, description="dotted lower-case id")
    version: Version
    name: str = Field(min_length=1)
    name_zh: str = Field(min_length=1, description="Simplified Chinese name")
    owner: str = Field(min_length=1, description="the owning team")
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    inputs: dict[Annotated[str, Field(pattern=_NAME)], InputField] = Field(
        default_factory=dict, description="the request's fields: name → type, or {type, optional, description}"
    )
    steps: list[Step] = Field(min_length=1)
    decision: list[Expression] | Literal["none"] | None = Field(
        None, description="the decision output: steps.<id>.decision, or a list combined decline > refer > approve; "
        "`none` for a product that only computes figures (management views) and decides nothing"
    )
    outputs: dict[Annotated[str, Field(pattern=_NAME)], Expression] = Field(
        default_factory=dict, description="output name → CEL expression over inputs and steps"
    )

    @field_validator("version")
    @classmethod
    def _semantic(cls, value: str) -> str:
        parse_version(value)
        return value

    # Short forms a branch developer may write; the JSON Schema says so too (schema.py).
    @field_validator("inputs", mode="before")
    @classmethod
    def _type_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("decision", mode="before")
    @classmethod
    def _one_decision(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) and value != NO_DECISION else value

    @field_validator("inputs", "outputs")
    @classmethod
    def _reserved_names(cls, value: Any) -> Any:
        return _names_not_reserved(value)

    @field_validator("outputs")
    @classmethod
    def _decision_is_not_an_output(cls, value: dict) -> dict:
        if "decision" in value:
            raise ValueError("'decision' is the name of the decision output: declare it under decision:, "
                             "or name this output otherwise")
        return value

    @property
    def decisions(self) -> list[str]:
        return [] if self.decision == NO_DECISION else list(self.decision or ())

    @property
    def decides_nothing(self) -> bool:
        """``decision: none``: an analytics product, said so explicitly (forgetting is J601)."""
        return self.decision == NO_DECISION


class ProductAssembly(_Header):
    """A branch's credit product: what it asks, the steps it runs, its decision and outputs."""

    kind: Literal["product"]
    branch: str = Field(pattern=ID_PATTERN.pattern, description="the branch, e.g. zhejiang.hangzhou")


class CompositeAssembly(_Header):
    """HQ's assembled capability: a product-shaped file with a level, published in a plugin."""

    kind: Literal["composite"]
    level: Literal[2, 3, 4] = Field(description="2 business capability, 3 activity, 4 task")
    lifecycle: Lifecycle = Field(default_factory=Lifecycle, description="experimental, production, retired, "
                                 "or {status: deprecated, successor: <id>, sunset: <date>}")
    entitlements: list[str] = Field(default_factory=list, description="branch patterns; empty = every branch")
    exposes: dict[Annotated[str, Field(pattern=_NAME)], Exposed] = Field(
        default_factory=dict, description="param name products set → the inner param it maps to"
    )

    @field_validator("lifecycle", mode="before")
    @classmethod
    def _status_shorthand(cls, value: Any) -> Any:
        return {"status": value} if isinstance(value, str) else value


Assembly = Annotated[Union[ProductAssembly, CompositeAssembly], Field(discriminator="kind")]


def is_reference(text: str) -> bool:
    """A plain path such as ``steps.kyc.age`` (optionally ending in ``?``), not a computed expression."""
    return bool(re.fullmatch(r"(inputs|steps)(\.[A-Za-z_][A-Za-z0-9_]*)+\??", text.strip()))
