"""A capability: a versioned unit with a typed contract and an implementation (HQ's side).

An HQ developer writes a plain function whose first argument is the input model and whose
return annotation is the output model, and decorates it::

    @capability(id="customer.step.bank_card_luhn", version="1.0.0", level=5,
                name="Bank card Luhn check", name_zh="银行卡号Luhn校验", owner="hq.customer-platform")
    def bank_card_luhn(card: CardNumber) -> CardCheck: ...

The function may also take ``params`` (the params model, validated once per plan) and ``ctx``
(a :class:`jimu.invoke.Context` giving the resources and the capabilities it ``uses``). The
decorator checks the whole declaration at import time, so an author sees a bad declaration in
their own test run, not in a branch's.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .contracts import ID_PATTERN, Entry, Kind, Level
from .reasons import ReasonCode

_SPEC_START = "<>=!~"
_CALL_KEYWORDS = ("params", "ctx")


class ContractModel(BaseModel):
    """Base for input, output and params models: closed (unknown fields are errors), and no NaN or
    infinity in any float field (a NaN score or limit must never reach a decision)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class NoParams(ContractModel):
    """The params model of a capability that has none."""


class Use(BaseModel):
    """A dependency on another capability: an id and a PEP 440 specifier (empty = any version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    specifier: str = ""

    @field_validator("id")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"uses {value!r}: not a capability id")
        return value

    @field_validator("specifier")
    @classmethod
    def _pep440(cls, value: str) -> str:
        try:
            SpecifierSet(value)
        except InvalidSpecifier:
            raise ValueError(f"{value!r} is not a PEP 440 version specifier (e.g. ~=1.0)") from None
        return value

    @classmethod
    def parse(cls, text: str | Use) -> Use:
        """``"customer.step.luhn"`` or ``"customer.step.luhn~=1.0"``."""
        if isinstance(text, Use):
            return text
        cut = next((i for i, ch in enumerate(text) if ch in _SPEC_START), len(text))
        return cls(id=text[:cut].strip(), specifier=text[cut:].strip())

    def admits(self, version: str | Version) -> bool:
        return SpecifierSet(self.specifier).contains(str(version), prereleases=True)

    def __str__(self) -> str:
        return f"{self.id}{self.specifier}"


class Example(BaseModel):
    """A worked example: an input (and params) and the outputs it must give (a subset is enough)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: dict[str, Any]
    output: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict)
    note: str = ""


def _is_closed_model(model: object) -> bool:
    return (
        isinstance(model, type)
        and issubclass(model, BaseModel)
        and model.model_config.get("extra") == "forbid"
    )


class Capability(Entry):
    """A runnable capability at level 2–5, of kind ``map``, ``lookup`` or ``aggregate``."""

    level: Level
    kind: Literal[Kind.MAP, Kind.LOOKUP, Kind.AGGREGATE] = Kind.MAP
    input: type[BaseModel]
    output: type[BaseModel]
    params: type[BaseModel] = NoParams
    resources: tuple[str, ...] = ()
    uses: tuple[Use, ...] = ()
    reasons: tuple[ReasonCode, ...] = ()
    func: Callable[..., Any]
    batch: Callable[..., Any] | None = None
    examples: tuple[Example, ...] = ()
    #: files the implementation reads at run time (a points table), as glob patterns relative to the
    #: package of the module defining ``func``: locks hash them, so a refitted table makes a lock stale
    data_files: tuple[str, ...] = ()

    _passes: tuple[bool, bool] = PrivateAttr(default=(False, False))

    @field_validator("uses", mode="before")
    @classmethod
    def _parse_uses(cls, value: Iterable[str | Use]) -> tuple[Use, ...]:
        return tuple(Use.parse(item) for item in value)

    @field_validator("data_files")
    @classmethod
    def _relative_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            parts = pattern.replace("\\", "/").split("/")
            if not pattern.strip() or pattern.startswith(("/", "\\")) or ".." in parts or ":" in pattern:
                raise ValueError(f"data_files {pattern!r}: give a path inside the capability's package, "
                                 "relative to it (e.g. models/scorecard_*.json)")
        return value

    @field_validator("input", "output", "params")
    @classmethod
    def _closed_contract(cls, value: type[BaseModel]) -> type[BaseModel]:
        if not _is_closed_model(value):
            raise ValueError(
                f"{getattr(value, '__name__', value)} must be a pydantic model with extra='forbid' "
                "(subclass jimu.ContractModel)"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _own_reason_codes(cls, data: Any) -> Any:
        # Codes declared on a capability belong to it; saying so again is optional.
        if isinstance(data, dict) and data.get("reasons"):
            owner = data.get("id")
            codes = []
            for code in data["reasons"]:
                if isinstance(code, ReasonCode) and code.capability is None:
                    code = code.model_copy(update={"capability": owner})
                codes.append(code)
            data = {**data, "reasons": tuple(codes)}
        return data

    @model_validator(mode="after")
    def _coherent(self) -> Capability:
        if self.level == Level.DOMAIN:
            raise ValueError("level 1 is a domain declaration: use jimu.Domain, not a capability")
        if self.level == Level.STEP and (self.resources or self.uses):
            raise ValueError("an L5 step is pure: it reads no resources and uses no other capability")
        if self.kind is Kind.LOOKUP and not self.resources:
            raise ValueError("a lookup capability declares the resources it reads (resources=[...])")
        if self.kind is Kind.MAP and self.resources:
            raise ValueError("a capability that reads resources is kind='lookup', not 'map'")
        for code in self.reasons:
            if code.capability != self.id:
                raise ValueError(f"reason code {code.code} belongs to {code.capability}, not {self.id}")
        self._passes = _call_signature(self.func, self.id)
        for number, example in enumerate(self.examples, 1):
            _check_example(self, number, example)
        if self.batch is not None:
            _batch_signature(self.batch, self.id)
        return self

    @property
    def reason_codes(self) -> frozenset[str]:
        return frozenset(code.code for code in self.reasons)

    def call(self, inp: BaseModel, params: BaseModel, ctx: Any = None) -> Any:
        """Call the implementation with what it asked for; no validation (the runtime's job)."""
        wants_params, wants_ctx = self._passes
        if wants_params and wants_ctx:
            return self.func(inp, params=params, ctx=ctx)
        if wants_params:
            return self.func(inp, params=params)
        if wants_ctx:
            return self.func(inp, ctx=ctx)
        return self.func(inp)

    def with_examples(self, examples: Iterable[Example | dict]) -> Capability:
        """A copy with more worked examples, checked against the contract like declared ones.

        For examples that need module data defined after the function (demo fixtures a lookup
        reads): ``listcheck = listcheck.with_examples(LISTCHECK_EXAMPLES)``.
        """
        added = tuple(Example.model_validate(e) if isinstance(e, dict) else e for e in examples)
        copy = self.model_copy(update={"examples": self.examples + added})
        for number, example in enumerate(copy.examples, 1):
            _check_example(copy, number, example)
        return copy

    def with_batch(self, batch: Callable[..., Any]) -> Capability:
        """A copy with a vectorised batch form, which must give the record form's answers.

        Declared after the record function, beside it::

            def _dpd_bucket_batch(frame, params): ...   # a DataFrame of inputs -> one of outputs
            dpd_bucket = dpd_bucket.with_batch(_dpd_bucket_batch)

        The calling convention (column types, decisions as columns, the per-row ``_record`` and
        ``_error`` columns) is :mod:`jimu.runtime.batch`'s.
        """
        _batch_signature(batch, self.id)
        return self.model_copy(update={"batch": batch})

    def bind(self, params: BaseModel, ctx: Any = None) -> Callable[[BaseModel], Any]:
        """The implementation with params and ctx bound: what a plan calls once per record."""
        wants_params, wants_ctx = self._passes
        func = self.func
        if wants_params and wants_ctx:
            return lambda inp: func(inp, params=params, ctx=ctx)
        if wants_params:
            return lambda inp: func(inp, params=params)
        if wants_ctx:
            return lambda inp: func(inp, ctx=ctx)
        return func

    def __call__(self, inp: BaseModel | dict, params: BaseModel | dict | None = None, ctx: Any = None) -> Any:
        """A direct call, for hand-written code and notebooks: dicts are validated first."""
        if not isinstance(inp, self.input):
            inp = self.input.model_validate(inp)
        if not isinstance(params, self.params):
            params = self.params.model_validate(params or {})
        return self.call(inp, params, ctx)


def _call_signature(func: Callable[..., Any], cap_id: str) -> tuple[bool, bool]:
    """Which of ``params`` and ``ctx`` the function takes; anything else it requires is an error."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        raise ValueError(f"{cap_id}: the implementation is not an inspectable function") from None
    positional = [
        p for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in _CALL_KEYWORDS
    ]
    if not positional:
        raise ValueError(f"{cap_id}: the implementation must take the input record as its first argument")
    extra = [
        p.name for p in sig.parameters.values()
        if p is not positional[0] and p.name not in _CALL_KEYWORDS
        and p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if extra:
        raise ValueError(
            f"{cap_id}: the implementation requires {', '.join(extra)}; it may take only the input, "
            "params= and ctx="
        )
    return "params" in sig.parameters, "ctx" in sig.parameters


def _batch_signature(func: Callable[..., Any], cap_id: str) -> None:
    """A batch form takes the frame first, then only ``params=`` and ``ctx=``, like the record form."""
    if not callable(func):
        raise ValueError(f"{cap_id}: the batch form must be a function of a DataFrame")
    _call_signature(func, cap_id)


def _check_example(cap: Capability, number: int, example: Example) -> None:
    try:
        cap.input.model_validate(example.input)
        cap.params.model_validate(example.params)
    except Exception as exc:  # pydantic's ValidationError, re-said with the example's number
        raise ValueError(f"example {number}: {exc}") from None
    unknown = set(example.output) - set(cap.output.model_fields)
    if unknown:
        raise ValueError(f"example {number}: output has no field(s) {', '.join(sorted(unknown))}")


def capability(
    *,
    id: str,
    version: str,
    level: int,
    name: str,
    name_zh: str,
    owner: str,
    description: str | None = None,
    kind: str | Kind | None = None,
    input: type[BaseModel] | None = None,
    output: type[BaseModel] | None = None,
    params: type[BaseModel] | None = None,
    lifecycle: Any = None,
    tags: Iterable[str] = (),
    entitlements: Iterable[str] = (),
    resources: Iterable[str] = (),
    uses: Iterable[str | Use] = (),
    reasons: Iterable[ReasonCode] = (),
    batch: Callable[..., Any] | None = None,
    examples: Iterable[Example | dict] = (),
    data_files: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Capability]:
    """Declare a capability around its record function.

    The input, output and params models default to the function's annotations (first argument,
    return value, ``params``); the description defaults to the docstring; the kind defaults to
    ``lookup`` when resources are declared, else ``map``. ``data_files`` names the files the
    implementation reads (glob patterns relative to its package, e.g. ``models/*.json``), so that
    locks pin them with the code.
    """

    def wrap(func: Callable[..., Any]) -> Capability:
        hints = _hints(func)
        resources_ = tuple(resources)
        return Capability(
            id=id,
            version=version,
            level=level,
            name=name,
            name_zh=name_zh,
            owner=owner,
            description=description if description is not None else inspect.cleandoc(func.__doc__ or ""),
            kind=kind or (Kind.LOOKUP if resources_ else Kind.MAP),
            input=input or hints.get("__input__"),
            output=output or hints.get("return"),
            params=params or hints.get("params") or NoParams,
            lifecycle=lifecycle,
            tags=tuple(tags),
            entitlements=tuple(entitlements),
            resources=resources_,
            uses=tuple(uses),
            reasons=tuple(reasons),
            func=func,
            batch=batch,
            examples=tuple(Example.model_validate(e) if isinstance(e, dict) else e for e in examples),
            data_files=tuple(data_files),
        )

    return wrap


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolved forward references: the author passes the models explicitly
        return {}
    first = next(
        (name for name in inspect.signature(func).parameters if name not in _CALL_KEYWORDS), None
    )
    if first in hints:
        hints["__input__"] = hints[first]
    return hints
