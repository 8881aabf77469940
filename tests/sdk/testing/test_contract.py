"""The params checks probe every bound through invoke, and catch bounds that are not enforced."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from jimu import ContractModel, capability
from jimu.testing import check_defaults, check_params
from jimu.testing.contract import probes


class Age(ContractModel):
    age: int = Field(ge=0, le=150)


class Verdict(ContractModel):
    ok: bool


class Rules(ContractModel):
    min_age: int = Field(18, ge=18, le=30)
    max_age: int = Field(60, ge=45, le=75)
    weight: float = Field(0.5, gt=0, le=1)
    strategy: Literal["sms", "call"] = "sms"
    strict: bool = True


def _eligible(a: Age, params: Rules) -> Verdict:
    return Verdict(ok=params.min_age <= a.age <= params.max_age)


def _any(a: Age, params) -> Verdict:
    return Verdict(ok=a.age >= 18)


def make(params_model, func=_any, examples=({"input": {"age": 40}, "output": {}},)):
    return capability(id="risk.step.toy_rules", version="1.0.0", level=5, name="Toy", name_zh="玩具",
                      owner="t", input=Age, output=Verdict, params=params_model, examples=list(examples))(func)


def test_probes_cover_bounds_choices_and_types():
    found = {(p.field, p.value, p.accept) for p in probes(Rules)}
    assert {("min_age", 18, True), ("min_age", 17, False), ("min_age", 30, True), ("min_age", 31, False),
            ("min_age", "abc", False), ("min_age", 1.5, False)} <= found
    assert ("weight", 0, False) in found and ("weight", 1, True) in found  # gt: the bound itself refused
    assert any(f == "weight" and ok and isinstance(v, float) and 0 < v < 1e-5 for f, v, ok in found)  # inside gt 0
    assert {("strategy", "sms", True), ("strategy", "call", True), ("strategy", "__not_a_choice__", False)} <= found
    assert {("strict", True, True), ("strict", False, True), ("strict", "maybe", False)} <= found


def test_a_well_declared_params_model_passes():
    cap = make(Rules, _eligible)
    assert check_params(cap, {"age": 40}) == []
    assert check_params(cap) == []  # without a record: the params model alone, as invoke validates it


def test_a_default_outside_its_own_bounds_is_caught():
    class Lax(ContractModel):
        min_age: int = Field(10, ge=18, le=30)  # pydantic does not validate defaults

    problems = check_defaults(make(Lax))
    assert len(problems) == 1 and "min_age" in problems[0] and "greater than or equal to 18" in problems[0]
    assert any("default" in p for p in check_params(make(Lax), {"age": 40}))


def test_a_bound_that_clamps_instead_of_refusing_is_caught():
    class Clamping(ContractModel):
        max_age: int = Field(60, ge=45, le=75)

        @field_validator("max_age", mode="before")
        @classmethod
        def _clamp(cls, value):  # the bug: a branch's 90 silently becomes 75
            return min(value, 75) if isinstance(value, int) else value

    problems = check_params(make(Clamping), {"age": 40})
    assert problems == ["risk.step.toy_rules@1.0.0: param max_age = 76 (just above the upper bound 75): "
                        "accepted; it must be refused with a ValidationError naming the param"]


def test_a_choice_widened_by_a_validator_is_caught_and_a_narrowed_one_is_not():
    class Widened(ContractModel):
        strategy: Literal["sms", "call"] = "sms"

        @field_validator("strategy", mode="before")
        @classmethod
        def _default_unknown(cls, value):
            return value if value in ("sms", "call") else "sms"

    class Narrowed(ContractModel):  # HQ's floor: a branch may make it stricter only
        strategy: Literal["sms", "call"] = "call"

        @field_validator("strategy")
        @classmethod
        def _at_least_call(cls, value):
            if value != "call":
                raise ValueError("HQ requires at least call")
            return value

    assert [p.split(" (")[1] for p in check_params(make(Widened), {"age": 40})] == [
        "a value outside the allowed ones): accepted; it must be refused with a ValidationError naming the param"]
    assert check_params(make(Narrowed), {"age": 40}) == []


def test_a_bound_the_declared_range_refuses_is_caught():
    class Refusing(ContractModel):
        min_age: int = Field(20, ge=18, le=30)

        @field_validator("min_age")
        @classmethod
        def _not_18(cls, value):
            if value < 20:
                raise ValueError("at least 20")  # the declared bound says 18
            return value

    assert check_params(make(Refusing), {"age": 40}) == [
        "risk.step.toy_rules@1.0.0: param min_age = 18 (the lower bound 18): refused: min_age: Value error, at least 20"]


def test_a_cross_field_rule_at_a_bound_is_not_a_problem():
    class Ordered(ContractModel):
        low: int = Field(30, ge=15, le=45)
        high: int = Field(60, ge=30, le=90)

        @model_validator(mode="after")
        def _ordered(self):
            if self.low >= self.high:
                raise ValueError("low must be below high")
            return self

    def func(a: Age, params: Ordered) -> Verdict:
        return Verdict(ok=True)

    assert check_params(make(Ordered, func), {"age": 40}) == []  # high=30 with low=30 refused by the rule


def test_a_capability_that_fails_at_a_bound_is_caught():
    class Divisor(ContractModel):
        spread: int = Field(10, ge=0, le=100)

    def func(a: Age, params: Divisor) -> Verdict:
        return Verdict(ok=a.age / params.spread > 1)  # ZeroDivisionError at the lower bound

    problems = check_params(make(Divisor, func), {"age": 40})
    assert len(problems) == 1
    assert problems[0].startswith("risk.step.toy_rules@1.0.0: param spread = 0 (the lower bound 0): accepted, "
                                  "and then the capability failed:")
    assert "ZeroDivisionError" in problems[0]


def test_a_record_the_input_contract_refuses_is_said_so():
    problems = check_params(make(Rules), {"age": -1})
    assert problems and all("could not probe: the record was refused: age" in p for p in problems)


def test_required_params_are_probed_from_an_example():
    class Required(ContractModel):
        cut: float = Field(ge=0, le=1)  # no default: every product sets it

        @field_validator("cut", mode="before")
        @classmethod
        def _clamp(cls, value):
            return min(value, 1) if isinstance(value, (int, float)) else value

    cap = make(Required, examples=[{"input": {"age": 40}, "params": {"cut": 0.5}, "output": {}}])
    assert [p.split(": ", 1)[1] for p in check_params(cap, {"age": 40})] == [
        "param cut = 1.000001 (just above the upper bound 1): accepted; it must be refused with a ValidationError "
        "naming the param"]
    assert check_params(make(Required, examples=[]), None) == []  # nothing to probe from: nothing claimed


def test_list_lengths_are_probed_with_an_item_of_the_current_value():
    class Purposes(ContractModel):
        purposes: list[Literal["loan", "card"]] = Field(default_factory=lambda: ["loan"], min_length=1, max_length=3)

    class Truncating(ContractModel):
        purposes: list[str] = Field(default_factory=lambda: ["loan"], min_length=1, max_length=3)

        @field_validator("purposes", mode="before")
        @classmethod
        def _first_three(cls, value):  # the bug: a fourth purpose is dropped, not refused
            return list(value)[:3]

    found = {(len(p.value), p.accept) for p in probes(Purposes, {"purposes": ["loan"]}) if p.field == "purposes"}
    assert found == {(1, True), (0, False), (3, True), (4, False)}
    assert check_params(make(Purposes), {"age": 40}) == []
    assert [p.split(" (", 1)[1] for p in check_params(make(Truncating), {"age": 40})] == [
        "4 items, above the maximum 3): accepted; it must be refused with a ValidationError naming the param"]
