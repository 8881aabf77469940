"""Fault injection: an error in any step of any product can never produce an approval.

For every product under ``assemblies/`` and every capability step it runs (the steps inside its
composites too, ``intake.kyc``), a plugin wrapping ``jimu_run_step`` breaks the step at one path:
it raises, returns a NaN, returns None for a required field, or returns an output that breaks the
contract (a wrong type, an extra field, a reason code the step may not return). Records that
would otherwise be approved, with every step running, must then be referred (or rejected, or
stop the run, as the step's ``on_error`` says) with a ``SYS_*`` reason naming the step.

One catalog and one plan per product serve every test: the injector is told, per test, which
step to break and how, so the plans are compiled once.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.cn import ric

from jimu import hookimpl, load_catalog
from jimu.assembly import find_assemblies, load_file
from jimu_credit.data import fixtures
from jimu.assembly.model import OnError
from jimu.decision import Outcome
from jimu.runtime import RecordRejected, RunFailed, load_plan, run_record
from jimu.runtime.reasons import RUNTIME_REASONS

ROOT = Path(__file__).resolve().parents[3]
SYS_CODES = {r.code for r in RUNTIME_REASONS}
AS_OF = "2026-06-30"


def resident_id(region: str, birth: str, seq: str = "123") -> str:
    """A valid 18-character resident ID (GB 11643-1999) for a birth date ``YYYYMMDD``."""
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def card(prefix: str, length: int = 16) -> str:
    """A Luhn-valid card number starting with ``prefix``."""
    body = prefix.ljust(length - 1, "0")
    return body + luhn.calc_check_digit(body)


#: Applicants each product would approve with every step running, by product id. A new product
#: under assemblies/ needs its records here (test_every_product_has_approved_records says so).
def _sample(*rows: int) -> list[dict]:
    """German Credit applicants (the demo sample) that the pre-loan products approve with every step running."""
    from jimu_credit.samples import applicants

    wanted = set(rows)
    return [r for r in applicants(max(rows)) if r["row"] in wanted]


def _book(*numbers: int) -> list[dict]:
    """Loans of the synthetic book (seed 42) that the post-loan products process with every step running."""
    from jimu_credit.loanbook import loans

    return [loan for n, loan in enumerate(loans(max(numbers)), 1) if n in numbers]


APPROVED = {
    "hq.postloan_monitoring": _book(1, 2),
    "hq.exposure_profitability": _book(1, 2),  # decides nothing: its records are processed, not approved
    "hq.preloan_standard": _sample(3, 7),
    "zhejiang.hangzhou.pharmacy_merchant_loan": _sample(13, 17),
    # the same applicants as owners of a pharmacy with a valid licence (examples/jimu-zhejiang-data)
    "zhejiang.hangzhou.licensed_pharmacy_loan": [{**r, "merchant_uscc": "91330106MA2H7K3P1N"} for r in _sample(13, 17)],
    "jiangsu.suzhou.pharmacy_merchant_loan": _sample(20, 21),
    "hq.cold_start_whitelist": [
        {"resident_id": fixtures.WHITELISTED_ID, "as_of": "2026-02-10", "card_number": card("622202", 19)},
    ],
    "beijing.haidian.identity_screening": [
        # aged 30, Beijing, a UnionPay card: the card step and the eligibility step both run
        {"resident_id": resident_id("110105", "19960101"), "as_of": AS_OF, "card_number": card("622202", 19)},
        # aged 35, Shanghai, a Visa card written with spaces
        {"resident_id": resident_id("310104", "19900722", "456"), "as_of": AS_OF,
         "card_number": "4111 1111 1111 1111"},
    ],
}


# -- the injector -------------------------------------------------------------------------------


def _first_required(step) -> str:
    return next(name for name, info in step.cap.output.model_fields.items() if info.is_required())


def _nan_field(step, out):
    out[_first_required(step)] = math.nan
    return out


def _nan_in_decision(step, out):
    out["decision"] = {"outcome": "approve", "reasons": [], "offer": {"limit": math.nan, "rate": math.nan}}
    return out


def _none_required(step, out):
    for name, info in step.cap.output.model_fields.items():
        if info.is_required():
            out[name] = None
    return out


def _wrong_type(step, out):
    out[_first_required(step)] = {"not": "a value of this type"}
    return out


def _extra_field(step, out):
    out["injected_extra"] = 1
    return out


def _foreign_reason(step, out):
    # a registered code, but not one this step (or what it uses) may return
    code = next(c for c in ("KYC_USCC_FORMAT", "ADM_REGION_EXCLUDED", "SYS_NO_DECISION") if c not in step.allowed)
    out["decision"] = {"outcome": "decline", "reasons": [code], "offer": None}
    return out


FAULTS = {
    "raises": None,
    "nan": _nan_field,
    "nan_in_decision": _nan_in_decision,
    "none_for_required": _none_required,
    "wrong_type": _wrong_type,
    "extra_field": _extra_field,
    "foreign_reason_code": _foreign_reason,
}
EXPECTED_CODE = {name: "SYS_STEP_RAISED" if name == "raises" else "SYS_STEP_CONTRACT" for name in FAULTS}


class FaultInjector:
    """An in-memory plugin: wraps ``jimu_run_step`` and breaks the step at ``target``."""

    def __init__(self):
        self.target: str | None = None
        self.fault: str | None = None
        self.exception: BaseException | None = None
        self.calls: Counter = Counter()

    @hookimpl(wrapper=True)
    def jimu_run_step(self, step, inputs):
        self.calls[step.path] += 1
        if step.path != self.target:
            return (yield)
        if self.fault == "raises":
            raise self.exception or RuntimeError(f"injected fault in {step.path}")
        out = yield
        return FAULTS[self.fault](step, out.model_dump())

    @contextlib.contextmanager
    def breaking(self, target: str, fault: str, exception: BaseException | None = None):
        self.target, self.fault, self.exception = target, fault, exception
        self.calls.clear()
        try:
            yield self
        finally:
            self.target = self.fault = self.exception = None


@cache
def world():
    """One injector, one catalog with it, and each product's plan (compiled once)."""
    injector = FaultInjector()
    catalog = load_catalog(plugins=[injector])
    plans = {}
    for path in find_assemblies([ROOT / "assemblies"]):
        loaded = load_file(path)
        if loaded.kind == "product":
            plans[path.relative_to(ROOT).as_posix()] = load_plan(path, catalog)
    return injector, catalog, plans


def walk(steps):
    for step in steps:
        yield step
        if step.sub is not None:
            yield from walk(step.sub.steps)


def leaf_steps():
    _, _, plans = world()
    return [(name, step.path) for name, plan in plans.items() for step in walk(plan.steps) if step.cap is not None]


def step_at(plan, path):
    return next(s for s in walk(plan.steps) if s.path == path)


@pytest.fixture(autouse=True)
def _reset_injector():
    yield
    injector, _, _ = world()
    injector.target = injector.fault = injector.exception = None


# -- the records really would be approved ---------------------------------------------------------


def test_every_product_has_approved_records():
    _, _, plans = world()
    assert plans, "no products found under assemblies/"
    missing = sorted(plan.id for plan in plans.values() if plan.id not in APPROVED)
    assert not missing, f"add applicants each of these products approves to APPROVED: {missing}"


@pytest.mark.parametrize("product", sorted(world()[2]))
def test_without_faults_every_step_runs_and_the_records_are_approved(product):
    _, catalog, plans = world()
    plan = plans[product]
    for record in APPROVED[plan.id]:
        result = run_record(plan, record, trace=True)
        if plan.has_decision:
            assert result.decision.outcome is Outcome.APPROVE, (record, result.decision, result.errors)
        else:
            assert result.decision is None
        assert result.errors == []
        statuses = {t.step: t.status for t in result.trace}
        assert statuses == {s.path: "ok" for s in walk(plan.steps)}, "every step must run on these records"


def test_the_fault_matrix_covers_every_step():
    """Composite steps are not run through the hook (their inner steps are): cover those."""
    _, _, plans = world()
    covered = set(leaf_steps())
    for name, plan in plans.items():
        for step in walk(plan.steps):
            if step.cap is None:
                assert step.sub is not None
                inner = {(name, s.path) for s in walk(step.sub.steps) if s.cap is not None}
                assert inner and inner <= covered
            else:
                assert (name, step.path) in covered


# -- the faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("product,path", leaf_steps())
def test_a_fault_in_any_step_is_never_approved(product, path, fault):
    injector, catalog, plans = world()
    plan = plans[product]
    step = step_at(plan, path)
    for record in APPROVED[plan.id]:
        with injector.breaking(path, fault):
            if step.on_error is OnError.REJECT:
                with pytest.raises(RecordRejected) as info:
                    run_record(plan, record)
                assert info.value.step == path
                continue
            if step.on_error is OnError.FAIL:
                with pytest.raises(RunFailed, match=re.escape(path)):
                    run_record(plan, record)
                continue
            result = run_record(plan, record, trace=True)
            assert injector.calls[path] == 1, "the fault was not injected: the step did not run"
        traced = {t.step: t for t in result.trace}
        assert traced[path].status == "error"
        if step.on_error is OnError.SKIP:
            assert all(e.step != path for e in result.errors)
            continue
        if not plan.has_decision:  # an analytics product: nothing to approve; the error names the step
            assert result.decision is None and [e.step for e in result.errors] == [path]
            continue
        decision = result.decision
        assert decision.outcome is not Outcome.APPROVE, (path, fault, decision)
        assert decision.outcome is Outcome.REFER
        named = [e for e in result.errors if e.step == path]
        assert len(named) == 1, result.errors
        assert named[0].code == EXPECTED_CODE[fault]
        assert named[0].capability == step.capability
        assert all(e.code in SYS_CODES for e in result.errors)
        assert EXPECTED_CODE[fault] in decision.reasons
        assert set(decision.reasons) <= set(catalog.reasons)


@pytest.mark.parametrize("exc,code", [
    (RuntimeError("boom"), "SYS_STEP_RAISED"),
    (ZeroDivisionError("division by zero"), "SYS_STEP_RAISED"),
    (KeyError("age"), "SYS_STEP_RAISED"),
    (RecursionError("maximum recursion depth exceeded"), "SYS_STEP_RAISED"),
    (ConnectionRefusedError("data.blacklist service refused"), "SYS_RESOURCE_UNAVAILABLE"),
    (OSError("disk full"), "SYS_STEP_RAISED"),
    (TimeoutError("the bureau resource timed out"), "SYS_RESOURCE_UNAVAILABLE"),
])
def test_whatever_a_step_raises_is_a_referral_with_a_runtime_code(exc, code):
    injector, catalog, plans = world()
    plan = plans["assemblies/beijing/haidian_identity_screening.yaml"]
    with injector.breaking("eligibility", "raises", exc):
        result = run_record(plan, APPROVED[plan.id][0])
    assert result.decision.outcome is Outcome.REFER
    assert [(e.step, e.code) for e in result.errors] == [("eligibility", code)]
    assert result.decision.reasons == [code]
    assert code in catalog.reasons


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_step_whose_when_is_false_is_not_affected(fault):
    injector, _, plans = world()
    plan = plans["assemblies/beijing/haidian_identity_screening.yaml"]
    no_card = {k: v for k, v in APPROVED[plan.id][0].items() if k != "card_number"}
    with injector.breaking("intake.card", fault):
        result = run_record(plan, no_card, trace=True)
    assert "intake.card" not in injector.calls
    assert result.decision.outcome is Outcome.APPROVE and result.errors == []
    assert {t.step: t.status for t in result.trace}["intake.card"] == "skipped"

    valid = resident_id("110105", "19960101")
    bad_checksum = {"resident_id": valid[:17] + ("0" if valid[17] != "0" else "1"), "as_of": AS_OF}
    with injector.breaking("eligibility", fault):
        result = run_record(plan, bad_checksum, trace=True)
    assert "eligibility" not in injector.calls
    assert result.errors == []
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.DECLINE, ["KYC_RIC_CHECKSUM"])


# -- on_error, in small products -----------------------------------------------------------------

ON_ERROR_PRODUCT = """\
kind: product
id: beijing.haidian.on_error_{name}
version: 1.0.0
branch: beijing.haidian
name: On-error variants
name_zh: 出错处理测试
owner: beijing.haidian.tech
inputs:
  resident_id: string
  as_of: date
  card_number: {{type: string, optional: true}}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: card
    uses: customer.kyc.card
    when: has(inputs.card_number)
    on_error: {card}
  - id: eligibility
    uses: risk.admission.eligibility
    with: {{age: steps.kyc.age, region_code: steps.kyc.region_code}}
    when: steps.kyc.valid && has(steps.kyc.age) && has(steps.kyc.region_code)
    on_error: {eligibility}
decision: [steps.kyc.decision, steps.card.decision, steps.eligibility.decision]
outputs:
  age: steps.kyc.age
  card_last4: steps.card.last4?
  card_network: steps.card.network?
"""

INTAKE_PRODUCT = """\
kind: product
id: beijing.haidian.on_error_intake
version: 1.0.0
branch: beijing.haidian
name: On-error around a composite
name_zh: 组合出错处理测试
owner: beijing.haidian.tech
inputs:
  resident_id: string
  as_of: date
  card_number: {type: string, optional: true}
steps:
  - id: intake
    uses: risk.intake
    on_error: reject
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.intake.age, region_code: steps.intake.region_code}
    when: steps.intake.identity_valid && has(steps.intake.age) && has(steps.intake.region_code)
    on_error: fail
decision: [steps.intake.decision, steps.eligibility.decision]
"""


@pytest.fixture(scope="module")
def inline_plan(tmp_path_factory):
    injector, catalog, _ = world()
    folder = tmp_path_factory.mktemp("on_error")

    @cache
    def make(card: str = "refer", eligibility: str = "refer", text: str | None = None):
        name = "intake" if text else f"{card}_{eligibility}"
        path = folder / f"{name}.yaml"
        path.write_text(text or ON_ERROR_PRODUCT.format(name=name, card=card, eligibility=eligibility),
                        encoding="utf-8")
        return load_plan(path, catalog)

    return make


RECORD = APPROVED["beijing.haidian.identity_screening"][0]


def test_the_inline_product_approves_without_faults(inline_plan):
    for on_error in OnError:
        plan = inline_plan(on_error.value, on_error.value)
        result = run_record(plan, RECORD)
        assert result.decision.outcome is Outcome.APPROVE, on_error
        assert result.outputs == {"age": 30, "card_last4": RECORD["card_number"][-4:], "card_network": "UnionPay"}


@pytest.mark.parametrize("fault", ["raises", "nan", "wrong_type"])
@pytest.mark.parametrize("target", ["card", "eligibility"])
def test_on_error_reject_sends_the_record_to_the_rejects_naming_the_step(inline_plan, target, fault):
    injector, _, _ = world()
    plan = inline_plan(**{target: "reject"})
    with injector.breaking(target, fault), pytest.raises(RecordRejected) as info:
        run_record(plan, RECORD)
    assert info.value.step == target
    assert f"step {target} (" in info.value.reason
    assert info.value.field is None


@pytest.mark.parametrize("fault", ["raises", "none_for_required", "extra_field"])
@pytest.mark.parametrize("target", ["card", "eligibility"])
def test_on_error_fail_stops_the_run(inline_plan, target, fault):
    injector, _, _ = world()
    plan = inline_plan(**{target: "fail"})
    with injector.breaking(target, fault), pytest.raises(RunFailed, match=rf"^step {target} \("):
        run_record(plan, RECORD)


@pytest.mark.parametrize("fault", ["raises", "nan", "wrong_type"])
def test_on_error_skip_makes_the_step_absent_but_a_decider_still_refers(inline_plan, fault):
    """skip drops the step's outputs; but the card step decides, so its error refers: never an approval."""
    injector, catalog, _ = world()
    plan = inline_plan(card="skip")
    with injector.breaking("card", fault):
        result = run_record(plan, RECORD, trace=True)
    assert [e.step for e in result.errors] == ["card"]
    assert result.outputs == {"age": 30, "card_last4": None, "card_network": None}  # read with `?`
    assert result.decision.outcome is Outcome.REFER
    assert result.decision.reasons[0].startswith("SYS_")
    card_trace = next(t for t in result.trace if t.step == "card")
    assert card_trace.status == "error" and card_trace.note.endswith("(skipped)")
    assert card_trace.outputs is None


def test_a_skipped_decider_that_erred_still_refers(inline_plan):
    """on_error: skip on the eligibility step, which decides: its error refers (it would have declined)."""
    injector, _, _ = world()
    plan = inline_plan(eligibility="skip")
    too_old = {"resident_id": resident_id("110105", "19490101"), "as_of": AS_OF}
    assert run_record(plan, too_old).decision.reasons == ["ADM_AGE_ABOVE_MAX"]
    with injector.breaking("eligibility", "raises"):
        result = run_record(plan, too_old)
    assert [e.step for e in result.errors] == ["eligibility"]
    assert result.decision.outcome is Outcome.REFER  # not the approval KYC alone would give


@pytest.mark.parametrize("fault", ["raises", "nan"])
def test_on_error_refer_in_an_inline_product(inline_plan, fault):
    injector, catalog, _ = world()
    plan = inline_plan()
    for target in ("kyc", "card", "eligibility"):
        with injector.breaking(target, fault):
            result = run_record(plan, RECORD)
        assert result.decision.outcome is Outcome.REFER
        assert [e.step for e in result.errors] == [target]
        assert set(result.decision.reasons) <= SYS_CODES & set(catalog.reasons)


def test_a_fault_inside_a_composite_follows_the_inner_steps_on_error(inline_plan):
    """The product's on_error for the composite step (reject) governs the composite's own failures;
    an inner step's error follows the composite's rule for it (refer). Either way: never approved."""
    injector, _, _ = world()
    plan = inline_plan(text=INTAKE_PRODUCT)
    assert run_record(plan, RECORD).decision.outcome is Outcome.APPROVE
    for target in ("intake.kyc", "intake.card"):
        for fault in FAULTS:
            with injector.breaking(target, fault):
                try:
                    result = run_record(plan, RECORD)
                except RecordRejected as exc:
                    assert exc.step in ("intake", target)
                    continue
            assert result.decision.outcome is not Outcome.APPROVE, (target, fault)
            assert target in [e.step for e in result.errors]


def test_the_injector_saw_the_records_through_the_hook():
    injector, _, plans = world()
    plan = plans["assemblies/beijing/haidian_identity_screening.yaml"]
    with injector.breaking("nowhere", "raises"):
        run_record(plan, RECORD)
        assert injector.calls == Counter({"intake.kyc": 1, "intake.card": 1, "eligibility": 1})

