"""check_reason_codes: every refer and decline says why, in registered codes the capability owns."""

from __future__ import annotations

from pydantic import Field

from jimu import ContractModel, Decision, Domain, Outcome, ReasonCode, capability
from jimu.testing import build_catalog, check_reason_codes

LOW = ReasonCode(code="TOY_SCORE_LOW", text="Score below the cut-off", text_zh="评分低于阈值")
BLANK = ReasonCode(code="TOY_BLANK_TEXT", text=" ", text_zh=" ")  # passes min_length, says nothing


class Score(ContractModel):
    score: float = Field(ge=0, le=1000)


class Verdict(ContractModel):
    decision: Decision
    reasons: list[str] = Field(default_factory=list)


class Flat(ContractModel):
    outcome: Outcome
    reasons: list[str] = Field(default_factory=list)


@capability(id="risk.step.toy_cutoff", version="1.0.0", level=5, name="Toy cut-off", name_zh="玩具阈值",
            owner="t", reasons=[LOW, BLANK])
def cutoff(s: Score) -> Verdict:
    if s.score < 500:
        return Verdict(decision=Decision.decline("TOY_SCORE_LOW"), reasons=["TOY_SCORE_LOW"])
    return Verdict(decision=Decision.approve())


DOMAIN = Domain(id="risk", name="Risk", name_zh="风险", owner="t")
CATALOG = build_catalog(DOMAIN, cutoff)


def test_registered_declared_codes_pass():
    outputs = [cutoff({"score": 100}), cutoff({"score": 900})]
    assert check_reason_codes(cutoff, outputs, CATALOG) == []


def test_a_decline_without_a_reason_is_caught():
    silent = Verdict.model_construct(decision=Decision.model_construct(outcome=Outcome.DECLINE, reasons=[]),
                                     reasons=[])
    assert check_reason_codes(cutoff, [silent], CATALOG) == [
        "risk.step.toy_cutoff@1.0.0 output 1: decision is a decline with no reason code"]


def test_a_top_level_refer_without_a_reason_is_caught_in_dicts_too():
    assert check_reason_codes(cutoff, [{"outcome": "refer", "reasons": []}], CATALOG) == [
        "risk.step.toy_cutoff@1.0.0 output 1: outcome refer with no reason code in reasons"]
    assert check_reason_codes(cutoff, [Flat(outcome=Outcome.REFER, reasons=["TOY_SCORE_LOW"])], CATALOG) == []
    dumped = {"decision": {"outcome": "decline", "reasons": [], "offer": None}, "reasons": []}
    assert check_reason_codes(cutoff, [dumped], CATALOG) == [
        "risk.step.toy_cutoff@1.0.0 output 1: decision is a decline with no reason code"]


def test_an_undeclared_code_is_caught():
    out = Verdict(decision=Decision.refer("TOY_NOT_DECLARED"))
    assert check_reason_codes(cutoff, [out], CATALOG) == [
        "risk.step.toy_cutoff@1.0.0 output 1: reason code 'TOY_NOT_DECLARED' is not declared by the capability "
        "(nor by any it uses): add it to reasons=[...]"]


def test_a_declared_code_missing_from_the_catalog_is_caught():
    other = build_catalog(DOMAIN)  # the capability (and so its codes) never registered
    assert check_reason_codes(cutoff, [cutoff({"score": 1})], other) == [
        "risk.step.toy_cutoff@1.0.0 output 1: reason code 'TOY_SCORE_LOW' is not registered in the catalog"]


def test_a_code_registered_without_text_is_caught():
    out = Verdict(decision=Decision.decline("TOY_BLANK_TEXT"))
    assert check_reason_codes(cutoff, [out], CATALOG) == [
        "risk.step.toy_cutoff@1.0.0 output 1: reason code 'TOY_BLANK_TEXT' is registered without English and "
        "Chinese text"]


def test_codes_of_used_capabilities_may_be_passed_up():
    @capability(id="risk.task.toy_user", version="1.0.0", level=4, name="User", name_zh="使用者", owner="t",
                uses=["risk.step.toy_cutoff"])
    def user(s: Score, ctx) -> Verdict:
        return ctx.use("risk.step.toy_cutoff")(s)

    catalog = build_catalog(DOMAIN, cutoff, user)
    assert check_reason_codes(user, [cutoff({"score": 1})], catalog) == []
