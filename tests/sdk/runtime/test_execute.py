"""Running plans on records: decisions, skips, optional reads, traces, params, input contracts, hooks.

Inline products are written to ``tmp_path`` and compiled with :func:`jimu.runtime.load_plan`
against the installed catalog (HQ's identity capabilities and ``risk.intake``) plus, where an
outcome the installed steps never return is needed (refer), a test capability
``risk.step.verdict`` that decides what its ``outcome`` param says.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.cn import ric

from jimu import ContractModel, Decision, ReasonCode, capability, hookimpl, load_catalog
from jimu.decision import Outcome
from jimu.runtime import PlanError, RecordRejected, RunFailed, load_plan, run_record
from jimu.testing import InlinePlugin

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
AS_OF = "2026-06-30"


def resident_id(region: str, birth: str, seq: str = "123") -> str:
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def card(prefix: str, length: int = 16) -> str:
    body = prefix.ljust(length - 1, "0")
    return body + luhn.calc_check_digit(body)


AGED_30 = resident_id("110105", "19960101")  # Beijing Chaoyang, 30 on the application date
AGED_25 = resident_id("310104", "20010315")
AGED_50 = resident_id("440305", "19760601")
AGED_76 = "11010519491231002X"
UNIONPAY = card("622202", 19)
BAD_LUHN = UNIONPAY[:-1] + str((int(UNIONPAY[-1]) + 1) % 10)

# -- a test capability that decides what it is told -------------------------------------------------

T_REFER = ReasonCode(code="TST_REFER", text="Referred by the test verdict", text_zh="测试转人工")
T_DECLINE = ReasonCode(code="TST_DECLINE", text="Declined by the test verdict", text_zh="测试拒绝")


class Day(ContractModel):
    as_of: dt.date


class VerdictParams(ContractModel):
    outcome: str = "approve"


class Verdict(ContractModel):
    score: int
    decision: Decision


@capability(id="risk.step.verdict", version="1.0.0", level=5, name="Test verdict", name_zh="测试裁决",
            owner="test", reasons=(T_REFER, T_DECLINE))
def verdict(day: Day, params: VerdictParams) -> Verdict:
    decided = {"approve": Decision.approve(), "refer": Decision.refer(T_REFER.code),
               "decline": Decision.decline(T_DECLINE.code)}[params.outcome]
    return Verdict(score=30, decision=decided)


class Breaker:
    """Wraps jimu_run_step: the step at ``target`` raises; every call is counted by path."""

    def __init__(self, target: str | None = None):
        self.target, self.calls = target, []

    @hookimpl(wrapper=True)
    def jimu_run_step(self, step, inputs):
        self.calls.append(step.path)
        if step.path == self.target:
            raise RuntimeError(f"injected fault in {step.path}")
        return (yield)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def bundled(catalog):
    return load_plan(BUNDLED, catalog)


@pytest.fixture(scope="module")
def breaker():
    return Breaker()


@pytest.fixture(scope="module")
def test_catalog(breaker):
    catalog = load_catalog(plugins=[InlinePlugin(verdict, name="test-verdict"), breaker])
    assert not catalog.errors, catalog.errors
    return catalog


@pytest.fixture
def product(tmp_path, test_catalog):
    """``product(body, catalog=None)``: a product with this inputs/steps/decision body, compiled."""

    def make(body: str, catalog=None, name: str = "p"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(HEADER.format(name=name) + body, encoding="utf-8")
        return load_plan(path, catalog or test_catalog)

    return make


@pytest.fixture(autouse=True)
def _quiet_breaker(breaker):
    breaker.target, breaker.calls = None, []
    yield
    breaker.target = None


HEADER = """\
kind: product
id: beijing.haidian.runtime_{name}
version: 1.0.0
branch: beijing.haidian
name: Runtime test product
name_zh: 运行测试产品
owner: beijing.haidian.tech
"""

PERSON = {"resident_id": AGED_30, "as_of": AS_OF}


def verdicts(*outcomes: str, when: dict[int, str] | None = None) -> str:
    when = when or {}
    steps = "".join(
        f"  - id: v{i}\n    uses: risk.step.verdict\n    params: {{outcome: {o}}}\n"
        + (f"    when: {when[i]}\n" if i in when else "")
        for i, o in enumerate(outcomes)
    )
    deciders = ", ".join(["steps.kyc.decision", *(f"steps.v{i}.decision" for i in range(len(outcomes)))])
    return f"""\
inputs: {{resident_id: string, as_of: date, flag: {{type: boolean, optional: true}}}}
steps:
  - id: kyc
    uses: customer.kyc.person
{steps}decision: [{deciders}]
"""


# -- the decision ---------------------------------------------------------------------------------


@pytest.mark.parametrize("outcomes,expected,reasons", [
    (["approve"], "approve", []),
    (["approve", "approve"], "approve", []),
    (["approve", "refer"], "refer", ["TST_REFER"]),
    (["refer", "approve"], "refer", ["TST_REFER"]),
    (["refer", "decline"], "decline", ["TST_DECLINE"]),
    (["decline", "refer", "approve"], "decline", ["TST_DECLINE"]),
    (["approve", "refer", "decline"], "decline", ["TST_DECLINE"]),
    (["refer", "refer"], "refer", ["TST_REFER"]),
])
def test_decline_beats_refer_beats_approve(product, outcomes, expected, reasons):
    result = run_record(product(verdicts(*outcomes)), PERSON)
    assert result.decision.outcome.value == expected
    assert result.decision.reasons == reasons
    assert result.errors == []


def test_decline_beats_an_error_and_an_error_beats_approve(product, breaker):
    plan = product(verdicts("decline", "approve"))
    breaker.target = "v1"
    result = run_record(plan, PERSON)
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.DECLINE, ["TST_DECLINE"])
    assert [(e.step, e.code) for e in result.errors] == [("v1", "SYS_STEP_RAISED")]  # still reported
    plan = product(verdicts("approve", "approve"), name="q")
    result = run_record(plan, PERSON)
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.REFER, ["SYS_STEP_RAISED"])


def test_the_bundled_product_declines_on_either_decider(bundled):
    assert run_record(bundled, {"resident_id": AGED_30, "as_of": AS_OF}).decision.outcome is Outcome.APPROVE
    old = run_record(bundled, {"resident_id": AGED_76, "as_of": AS_OF})
    assert (old.decision.outcome, old.decision.reasons) == (Outcome.DECLINE, ["ADM_AGE_ABOVE_MAX"])
    bad_card = run_record(bundled, {"resident_id": AGED_30, "as_of": AS_OF, "card_number": BAD_LUHN})
    assert (bad_card.decision.outcome, bad_card.decision.reasons) == (Outcome.DECLINE, ["KYC_CARD_LUHN"])
    both = run_record(bundled, {"resident_id": AGED_76, "as_of": AS_OF, "card_number": "12"})
    assert both.decision.outcome is Outcome.DECLINE
    assert set(both.decision.reasons) == {"KYC_CARD_FORMAT", "ADM_AGE_ABOVE_MAX"}


def test_a_skipped_decider_does_not_decide(product):
    plan = product(verdicts("approve", "decline", when={1: "has(inputs.flag) && inputs.flag"}))
    skipped = run_record(plan, PERSON, trace=True)
    assert skipped.decision.outcome is Outcome.APPROVE
    assert {t.step: t.status for t in skipped.trace}["v1"] == "skipped"
    ran = run_record(plan, {**PERSON, "flag": True})
    assert (ran.decision.outcome, ran.decision.reasons) == (Outcome.DECLINE, ["TST_DECLINE"])


def test_no_decider_at_all_is_a_referral_with_sys_no_decision(product):
    plan = product("""\
inputs: {resident_id: string, as_of: date, flag: {type: boolean, optional: true}}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: verdict
    uses: risk.step.verdict
    when: has(inputs.flag)
decision: steps.verdict.decision
outputs: {valid: steps.kyc.valid}
""")
    result = run_record(plan, PERSON)
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.REFER, ["SYS_NO_DECISION"])
    assert result.errors == [] and result.outputs == {"valid": True}
    assert run_record(plan, {**PERSON, "flag": False}).decision.outcome is Outcome.APPROVE


def test_no_decider_when_the_only_decider_is_skipped_by_its_inputs(product, catalog):
    plan = product("""\
inputs: {resident_id: string, as_of: date}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.kyc.age, region_code: steps.kyc.region_code}
    when: has(steps.kyc.age) && has(steps.kyc.region_code)
decision: steps.eligibility.decision
outputs: {valid: steps.kyc.valid}
""", catalog=catalog)
    result = run_record(plan, {"resident_id": AGED_30[:17] + "Y", "as_of": AS_OF})
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.REFER, ["SYS_NO_DECISION"])
    assert result.outputs == {"valid": False}


# -- skips and optional reads ---------------------------------------------------------------------

OPTIONAL_READS = """\
inputs:
  resident_id: string
  as_of: date
  card_number: {type: string, optional: true}
steps:
  - id: card
    uses: customer.kyc.card
    when: has(inputs.card_number)
  - id: intake
    uses: risk.intake
    with: {resident_id: inputs.resident_id, as_of: inputs.as_of, card_number: steps.card.last4?}
decision: [steps.intake.decision, steps.card.decision]
outputs:
  last4: steps.card.last4?
  network: steps.card.network?
  age: steps.intake.age
"""


def test_optional_reads_are_null_when_the_step_was_skipped(product, catalog):
    plan = product(OPTIONAL_READS, catalog=catalog)
    result = run_record(plan, PERSON, trace=True)
    assert result.outputs == {"last4": None, "network": None, "age": 30}
    traced = {t.step: t for t in result.trace}
    assert traced["card"].status == "skipped"
    assert traced["intake"].status == "ok" and traced["intake"].inputs["card_number"] is None
    assert traced["intake.card"].status == "skipped"  # its own when: has(inputs.card_number)
    assert result.decision.outcome is Outcome.APPROVE

    with_card = run_record(plan, {**PERSON, "card_number": UNIONPAY}, trace=True)
    assert with_card.outputs == {"last4": UNIONPAY[-4:], "network": "UnionPay", "age": 30}
    traced = {t.step: t for t in with_card.trace}
    assert traced["intake"].inputs["card_number"] == UNIONPAY[-4:]  # the optional read, when present


def test_the_bundled_products_optional_card_output_is_null_without_a_card(bundled):
    result = run_record(bundled, PERSON)
    assert result.outputs == {"age": 30, "province": "北京市", "card_last4": None}
    assert run_record(bundled, {**PERSON, "card_number": UNIONPAY}).outputs["card_last4"] == UNIONPAY[-4:]


READS_AN_ERRED_STEP = """\
inputs: {resident_id: string, as_of: date}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: score
    uses: risk.step.verdict
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.score.score, region_code: "'110105'"}
decision: [steps.kyc.decision, steps.score.decision, steps.eligibility.decision]
"""


def test_a_step_reading_a_step_that_erred_does_not_run_and_the_record_is_referred(product, breaker):
    plan = product(READS_AN_ERRED_STEP)
    assert run_record(plan, PERSON).decision.outcome is Outcome.APPROVE
    breaker.target, breaker.calls = "score", []
    result = run_record(plan, PERSON, trace=True)
    traced = {t.step: t for t in result.trace}
    assert traced["score"].status == "error"
    assert traced["eligibility"].status == "skipped"
    assert "score did not run" in traced["eligibility"].note
    assert "eligibility" not in breaker.calls
    assert [(e.step, e.code) for e in result.errors] == [("score", "SYS_STEP_RAISED")]
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.REFER, ["SYS_STEP_RAISED"])


WHEN_READS_AN_ERRED_STEP = """\
inputs: {resident_id: string, as_of: date}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: score
    uses: risk.step.verdict
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.score.score, region_code: "'110105'"}
    when: steps.score.score >= 18
    on_error: %s
decision: [steps.kyc.decision, steps.score.decision, steps.eligibility.decision]
"""


@pytest.mark.parametrize("on_error", ["fail", "reject", "refer"])
def test_a_step_whose_when_reads_a_step_that_erred_does_not_run(product, breaker, on_error):
    plan = product(WHEN_READS_AN_ERRED_STEP % on_error)
    assert run_record(plan, PERSON).decision.outcome is Outcome.APPROVE
    breaker.target = "score"
    result = run_record(plan, PERSON, trace=True)  # RunFailed / RecordRejected today
    traced = {t.step: t for t in result.trace}
    assert traced["eligibility"].status == "skipped" and "score did not run" in traced["eligibility"].note
    assert [e.step for e in result.errors] == ["score"]  # not also eligibility (SYS_CONDITION_FAILED)
    assert result.decision.outcome is Outcome.REFER


# -- the trace ------------------------------------------------------------------------------------


def walk(steps):
    for step in steps:
        yield step
        if step.sub is not None:
            yield from walk(step.sub.steps)


@pytest.mark.parametrize("record,statuses", [
    ({**PERSON, "card_number": UNIONPAY}, ["ok", "ok", "ok", "ok"]),
    (PERSON, ["ok", "ok", "skipped", "ok"]),
    ({"resident_id": AGED_30[:17] + "Y", "as_of": AS_OF}, ["ok", "ok", "skipped", "skipped"]),
])
def test_the_trace_has_every_step_once_in_run_order(bundled, record, statuses):
    result = run_record(bundled, record, trace=True)
    steps = list(walk(bundled.steps))
    assert [t.step for t in result.trace] == [s.path for s in steps] == ["intake", "intake.kyc", "intake.card",
                                                                          "eligibility"]
    assert [t.capability for t in result.trace] == [s.capability for s in steps]
    assert [t.capability for t in result.trace] == ["risk.intake@1.0.0", "customer.kyc.person@1.1.0",
                                                    "customer.kyc.card@1.0.0", "risk.admission.eligibility@1.0.0"]
    assert [t.status for t in result.trace] == statuses
    for t in result.trace:
        assert t.duration_us >= 0
        if t.status == "ok":
            assert isinstance(t.inputs, dict) and isinstance(t.outputs, dict) and t.note == ""
        else:
            assert t.inputs is None and t.outputs is None and t.note
    kyc = result.trace[1]
    assert kyc.inputs == {"resident_id": record["resident_id"], "as_of": dt.date(2026, 6, 30)}
    assert kyc.outputs["valid"] is (statuses[-1] == "ok")
    assert result.trace[0].inputs["card_number"] == record.get("card_number")
    assert "decision" in result.trace[0].outputs  # the composite's own outputs, with its decision


def test_an_erred_step_is_in_the_trace_with_its_error(product, breaker):
    plan = product(verdicts("approve"))
    breaker.target = "v0"
    result = run_record(plan, PERSON, trace=True)
    traced = {t.step: t for t in result.trace}
    assert traced["v0"].status == "error" and "injected fault in v0" in traced["v0"].note
    assert traced["v0"].capability == "risk.step.verdict@1.0.0" and traced["v0"].duration_us >= 0


def test_no_trace_unless_asked(bundled):
    assert run_record(bundled, PERSON).trace == []


# -- params ---------------------------------------------------------------------------------------

ELIGIBILITY = """\
inputs: {resident_id: string, as_of: date}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.kyc.age, region_code: steps.kyc.region_code}
    when: has(steps.kyc.age) && has(steps.kyc.region_code)
    params: %s
decision: [steps.kyc.decision, steps.eligibility.decision]
"""


def test_params_set_in_the_product_reach_the_capability(product, catalog):
    defaults = product(ELIGIBILITY % "{}", catalog=catalog, name="defaults")
    strict = product(ELIGIBILITY % "{min_age: 30, max_age: 45}", catalog=catalog, name="strict")
    assert strict.steps[1].params.min_age == 30 and strict.steps[1].params.max_age == 45
    young = {"resident_id": AGED_25, "as_of": AS_OF}
    older = {"resident_id": AGED_50, "as_of": AS_OF}
    assert run_record(defaults, young).decision.outcome is Outcome.APPROVE
    assert run_record(defaults, older).decision.outcome is Outcome.APPROVE
    assert run_record(strict, young).decision.reasons == ["ADM_AGE_BELOW_MIN"]
    assert run_record(strict, older).decision.reasons == ["ADM_AGE_ABOVE_MAX"]
    assert run_record(strict, PERSON).decision.outcome is Outcome.APPROVE


def test_a_param_outside_its_range_does_not_plan(product, catalog):
    """min_age is bounded 18..30 by HQ: a product asking for 40 never runs (J503)."""
    with pytest.raises(PlanError) as info:
        product(ELIGIBILITY % "{min_age: 40}", catalog=catalog)
    assert [d.code for d in info.value.diagnostics] == ["J503"]


LEGACY = """\
inputs: {resident_id: string, as_of: date}
steps:
  - id: intake
    uses: risk.intake
    params: {accept_legacy_15: %s}
decision: steps.intake.decision
outputs: {resident_id: steps.intake.resident_id, age: steps.intake.age}
"""


def test_exposed_composite_params_reach_the_inner_step(product, catalog, bundled):
    legacy = {"resident_id": "110105800101123", "as_of": AS_OF}  # first-generation: born 1980-01-01
    accepting = product(LEGACY % "true", catalog=catalog, name="accepting")
    refusing = product(LEGACY % "false", catalog=catalog, name="refusing")
    assert accepting.steps[0].sub.steps[0].params.accept_legacy_15 is True
    assert refusing.steps[0].sub.steps[0].params.accept_legacy_15 is False
    ok = run_record(accepting, legacy)
    assert ok.decision.outcome is Outcome.APPROVE
    assert ok.outputs == {"resident_id": resident_id("110105", "19800101"), "age": 46}
    refused = run_record(refusing, legacy)
    assert (refused.decision.outcome, refused.decision.reasons) == (Outcome.DECLINE, ["KYC_RIC_FORMAT"])
    assert run_record(bundled, legacy).decision.outcome is Outcome.APPROVE  # it sets accept_legacy_15: true


# -- the input contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("record,field", [
    ({"as_of": AS_OF}, "resident_id"),
    ({"resident_id": AGED_30}, "as_of"),
    ({"resident_id": AGED_30, "as_of": "yesterday"}, "as_of"),
    ({"resident_id": AGED_30, "as_of": "2026-02-30"}, "as_of"),
    ({"resident_id": 110105199601011236, "as_of": AS_OF}, "resident_id"),
    ({"resident_id": None, "as_of": AS_OF}, "resident_id"),
    ({"resident_id": ["x"], "as_of": AS_OF}, "resident_id"),
    ({"resident_id": AGED_30, "as_of": AS_OF, "card_number": 6222021234567890}, "card_number"),
    ({"resident_id": AGED_30, "as_of": {"y": 2026}}, "as_of"),
    ({}, "resident_id"),
])
def test_records_that_break_the_input_contract_are_rejected_naming_the_field(bundled, record, field):
    with pytest.raises(RecordRejected) as info:
        run_record(bundled, record)
    assert info.value.field == field
    assert info.value.reason.startswith(f"input {field}: ")
    assert info.value.step is None


def test_unknown_fields_are_ignored_and_optional_ones_may_be_null(bundled):
    result = run_record(bundled, {**PERSON, "card_number": None, "phone": "13800138000", "extra": [1, 2]})
    assert result.decision.outcome is Outcome.APPROVE


# -- one plan, many records -----------------------------------------------------------------------


def applicants(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    regions = ["110105", "310104", "440305", "330106", "510107", "650102", "999999"]
    people = []
    for _ in range(n):
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, 33000))
        rid = resident_id(rng.choice(regions), birth.strftime("%Y%m%d"), f"{rng.randrange(1000):03d}")
        kind = rng.random()
        if kind < 0.08:
            rid = rid[:17] + ("0" if rid[17] != "0" else "1")  # wrong check character
        elif kind < 0.12:
            rid = rid[:6] + rid[8:17]  # fifteen digits
        elif kind < 0.15:
            rid = f"{rid[:6]}-{rid[6:14]}-{rid[14:]}"
        record = {"resident_id": rid, "as_of": AS_OF}
        if rng.random() < 0.5:
            number = card(rng.choice(["622202", "4", "5100", "3528"]), rng.choice([16, 19]))
            record["card_number"] = number if rng.random() < 0.9 else number[:-1] + str((int(number[-1]) + 1) % 10)
        people.append(record)
    return people


def answer(result):
    return result.outputs, result.decision.model_dump(), [(e.step, e.code) for e in result.errors]


def test_a_plan_reused_for_a_thousand_records_answers_as_fresh_plans(bundled, catalog, monkeypatch):
    import jimu.expressions.compiler as compiler
    import jimu.runtime.plan as plan_module

    records = applicants(1000)
    fresh = {i: answer(run_record(load_plan(BUNDLED, catalog), records[i])) for i in range(0, 1000, 97)}

    def recompiling(*args, **kwargs):
        raise AssertionError("running a record must not compile anything")

    monkeypatch.setattr(compiler, "compile_record", recompiling)
    monkeypatch.setattr(plan_module, "compile_record", recompiling)
    monkeypatch.setattr(plan_module, "compile_plan", recompiling)
    first = [answer(run_record(bundled, r)) for r in records]
    again = [answer(run_record(bundled, r)) for r in reversed(records)][::-1]
    assert first == again
    for i, expected in fresh.items():
        assert first[i] == expected, records[i]
    outcomes = Counter(a[1]["outcome"] for a in first)
    assert set(outcomes) == {Outcome.APPROVE, Outcome.DECLINE}, outcomes  # the sample is varied


# -- hooks ----------------------------------------------------------------------------------------


def test_a_wrapper_sees_exactly_the_steps_that_ran(breaker, tmp_path):
    catalog = load_catalog(plugins=[breaker])
    plan = load_plan(BUNDLED, catalog)
    for record in [{**PERSON, "card_number": UNIONPAY}, PERSON, {"resident_id": "123", "as_of": AS_OF},
                   {"resident_id": AGED_76, "as_of": AS_OF, "card_number": "0"}]:
        breaker.calls = []
        result = run_record(plan, record, trace=True)
        leaves = {s.path for s in walk(plan.steps) if s.cap is not None}
        ran = [t.step for t in result.trace if t.status == "ok" and t.step in leaves]
        assert breaker.calls == ran, record
    assert all(s.hook_caller is not None for s in walk(plan.steps) if s.cap is not None)


def test_without_a_wrapper_the_plan_calls_capabilities_directly(bundled):
    assert bundled.hook is None
    assert [s.hook_caller for s in walk(bundled.steps)] == [None] * 4


def test_a_wrapper_cannot_slip_an_invalid_output_through(tmp_path):
    class Approver:
        @hookimpl(wrapper=True)
        def jimu_run_step(self, step, inputs):
            yield
            return {"eligible": True, "reasons": [], "decision": {"outcome": "approve"}, "extra": 1}

    plan = load_plan(BUNDLED, load_catalog(plugins=[Approver()]))
    result = run_record(plan, {"resident_id": AGED_76, "as_of": AS_OF})
    assert result.decision.outcome is Outcome.REFER
    assert {e.code for e in result.errors} == {"SYS_STEP_CONTRACT"}


def test_run_failed_and_record_rejected_raised_in_a_wrapper_pass_through(tmp_path):
    class Stopper:
        def __init__(self, exc):
            self.exc = exc

        @hookimpl(wrapper=True)
        def jimu_run_step(self, step, inputs):
            if step.path == "eligibility":
                raise self.exc
            return (yield)

    for exc in (RunFailed("stop"), RecordRejected("turned away", step="eligibility")):
        plan = load_plan(BUNDLED, load_catalog(plugins=[Stopper(exc)]))
        with pytest.raises(type(exc)):
            run_record(plan, PERSON)
