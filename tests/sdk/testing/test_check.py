"""check_capability: one call, every check, one AssertionError listing every problem it found."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import Field, field_validator

import jimu
from jimu import ContractModel, Decision, Domain, ReasonCode, capability
from jimu.testing import build_catalog, capability_problems, check_capability, check_generated

LOW = ReasonCode(code="TOY_INCOME_LOW", text="Income below the minimum", text_zh="收入低于下限")


class Applicant(ContractModel):
    income: float = Field(ge=0, le=1_000_000)
    age: int = Field(ge=18, le=100)
    employer: str | None = None


class Minimum(ContractModel):
    min_income: float = Field(3000, ge=1000, le=20000)


class Verdict(ContractModel):
    decision: Decision
    reasons: list[str] = Field(default_factory=list)


EXAMPLES = [{"input": {"income": 5000, "age": 30}, "output": {"decision": {"outcome": "approve"}}},
            {"input": {"income": 500, "age": 30}, "output": {"reasons": ["TOY_INCOME_LOW"]}}]


def make(func, params=Minimum, reasons=(LOW,), examples=EXAMPLES):
    return capability(id="risk.step.toy_income", version="1.0.0", level=5, name="Income", name_zh="收入",
                      owner="t", input=Applicant, output=Verdict, params=params, reasons=list(reasons),
                      examples=examples)(func)


def _right(a: Applicant, params: Minimum) -> Verdict:
    if a.income < params.min_income:
        return Verdict(decision=Decision.decline("TOY_INCOME_LOW"), reasons=["TOY_INCOME_LOW"])
    return Verdict(decision=Decision.approve())


DOMAIN = Domain(id="risk", name="Risk", name_zh="风险", owner="t")
GOOD = make(_right)


def catalog_of(cap):
    return build_catalog(DOMAIN, cap)


def test_a_good_capability_passes():
    check_capability(GOOD, catalog=catalog_of(GOOD), max_examples=30)


def test_without_a_catalog_the_installed_one_plus_the_capability_is_used():
    check_capability(GOOD, max_examples=10)  # its codes registered, its domain installed (HQ's risk)


def test_every_problem_is_listed_in_one_assertion_error():
    class Clamped(ContractModel):
        min_income: float = Field(3000, ge=1000, le=20000)

        @classmethod
        def model_validate(cls, obj, **kw):  # the bug: the bound is never enforced
            return cls.model_construct(**obj)

    def wrong(a: Applicant, params: Minimum) -> Verdict:
        if a.age > 90:
            return Verdict(decision=Decision.refer("TOY_TOO_OLD"))  # a code nobody declared or registered
        return _right(a, params)

    cap = make(wrong, params=Clamped, examples=[{**EXAMPLES[0], "output": {"reasons": ["TOY_INCOME_LOW"]}}])
    with pytest.raises(AssertionError) as caught:
        check_capability(cap, catalog=catalog_of(cap), max_examples=100)
    message = str(caught.value)
    assert message.startswith("risk.step.toy_income@1.0.0: ")
    assert "example 1: expected {'reasons': ['TOY_INCOME_LOW']}" in message
    assert "param min_income = 20000.02 (just above the upper bound 20000): accepted" in message
    assert "returned undeclared reason code(s) TOY_TOO_OLD" in message
    assert "on generated input {'income': " in message  # shrunk to the smallest record showing it


def test_a_capability_that_raises_on_valid_input_is_caught_unless_it_is_a_refusal():
    def fragile(a: Applicant, params: Minimum) -> Verdict:
        if a.employer is not None:
            {"acme": 1}[a.employer]  # a KeyError for every employer but one: a bug
        return _right(a, params)

    cap = make(fragile)
    problems = check_generated(cap, catalog=catalog_of(cap), max_examples=50)
    assert len(problems) == 1 and "raised KeyError" in problems[0]
    assert check_generated(cap, catalog=catalog_of(cap), max_examples=50, raises=(KeyError,)) == []

    def refusing(a: Applicant, params: Minimum) -> Verdict:
        if a.age > 60:
            raise ValueError("no product for this age")  # a deliberate refusal: the step's on_error applies
        return _right(a, params)

    cap = make(refusing)
    assert check_generated(cap, catalog=catalog_of(cap), max_examples=50) == []


def test_a_broken_output_contract_is_never_a_refusal():
    def nan(a: Applicant, params: Minimum) -> Verdict:
        out = _right(a, params)
        return out if a.income < 900_000 else Verdict.model_construct(decision=Decision.model_construct(
            outcome="decline", reasons=[]), reasons=[])

    cap = make(nan)
    problems = capability_problems(cap, catalog=catalog_of(cap), resources=None, max_examples=50)
    assert len(problems) == 1 and "returned output that breaks its contract" in problems[0]


def test_max_examples_zero_runs_only_examples_and_params():
    def wrong(a: Applicant, params: Minimum) -> Verdict:
        return Verdict(decision=Decision.refer("TOY_TOO_OLD")) if a.age > 90 else _right(a, params)

    cap = make(wrong)
    check_capability(cap, catalog=catalog_of(cap), max_examples=0)  # the generated inputs would find it
    with pytest.raises(AssertionError, match="TOY_TOO_OLD"):
        check_capability(cap, catalog=catalog_of(cap), max_examples=100)


def test_a_composite_is_refused_with_a_hint():
    catalog = jimu.load_catalog()
    with pytest.raises(TypeError, match="composite"):
        check_capability(catalog.get("risk.admission"), catalog=catalog)


def test_importing_the_kit_does_not_import_hypothesis_or_pandas():
    code = "import sys, jimu, jimu.testing, jimu.testing.plugin; print(sorted({'hypothesis', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_inputs_nothing_can_be_generated_for_are_said_so():
    class Checksummed(ContractModel):
        code: str

        @field_validator("code")
        @classmethod
        def _check_digit(cls, value):
            if not (len(value) == 12 and value.isdigit() and sum(map(int, value)) % 97 == 5):
                raise ValueError("bad check digit")
            return value

    cap = capability(id="risk.step.toy_code", version="1.0.0", level=5, name="Code", name_zh="代码", owner="t",
                     input=Checksummed, output=Verdict)(lambda r: Verdict(decision=Decision.approve()))
    [problem] = check_generated(cap, catalog=catalog_of(cap), max_examples=20)
    assert "could not generate a valid input" in problem and "declare worked examples" in problem


def test_a_bare_function_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"decorate the function with @jimu.capability"):
        check_capability(_right)
