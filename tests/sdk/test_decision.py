"""Tests for jimu.decision: the Decision invariants and how several steps' decisions combine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from jimu import Decision, Offer, Outcome, combine

OFFER = Offer(limit=50_000, rate=0.0385, tenor_months=12)

# --------------------------------------------------------------------------- invariants


def test_the_constructors():
    approve = Decision.approve(OFFER)
    assert approve.outcome is Outcome.APPROVE and approve.offer == OFFER and approve.reasons == []
    assert Decision.approve().offer is None
    assert Decision.approve(reasons=["NOTE_A"]).reasons == ["NOTE_A"]  # an approval may explain itself
    refer = Decision.refer("R1", "R2")
    assert refer.outcome is Outcome.REFER and refer.reasons == ["R1", "R2"] and refer.offer is None
    decline = Decision.decline("D1")
    assert decline.outcome is Outcome.DECLINE and decline.reasons == ["D1"] and decline.offer is None


@pytest.mark.parametrize("outcome", [Outcome.REFER, Outcome.DECLINE])
def test_a_refer_or_decline_needs_a_reason(outcome):
    with pytest.raises(ValidationError, match=f"a {outcome.value} must carry at least one reason code"):
        Decision(outcome=outcome)
    with pytest.raises(ValidationError, match="at least one reason code"):
        Decision(outcome=outcome, reasons=[])
    with pytest.raises(ValidationError, match="at least one reason code"):
        (Decision.refer if outcome is Outcome.REFER else Decision.decline)()


@pytest.mark.parametrize("outcome", [Outcome.REFER, Outcome.DECLINE])
def test_a_refer_or_decline_carries_no_offer(outcome):
    with pytest.raises(ValidationError, match=f"a {outcome.value} carries no offer"):
        Decision(outcome=outcome, reasons=["X"], offer=OFFER)
    with pytest.raises(ValidationError, match="carries no offer"):
        Decision.model_validate({"outcome": outcome.value, "reasons": ["X"], "offer": {"limit": 1}})


def test_an_approval_needs_no_reason_and_may_carry_an_offer():
    assert Decision(outcome="approve").outcome is Outcome.APPROVE
    assert Decision(outcome="approve", offer={"limit": 1000}).offer.limit == 1000


def test_decisions_read_from_json_and_reject_unknown_fields():
    d = Decision.model_validate_json('{"outcome": "decline", "reasons": ["KYC_RIC_CHECKSUM"]}')
    assert d == Decision.decline("KYC_RIC_CHECKSUM")
    assert Decision.model_validate(d.model_dump(mode="json")) == d
    with pytest.raises(ValidationError):
        Decision.model_validate({"outcome": "maybe", "reasons": ["X"]})
    with pytest.raises(ValidationError):
        Decision.model_validate({"outcome": "approve", "score": 1})  # contract models are closed


@pytest.mark.parametrize(
    "offer",
    [{"limit": -1}, {"limit": 1, "rate": -0.01}, {"limit": 1, "rate": 1.5}, {"limit": 1, "tenor_months": 0},
     {"limit": 1, "tenor_months": 361}],
)
def test_offer_bounds(offer):
    with pytest.raises(ValidationError):
        Offer(**offer)


def test_outcome_severity_orders_decline_refer_approve():
    assert Outcome.APPROVE.severity < Outcome.REFER.severity < Outcome.DECLINE.severity


def test_assigning_an_outcome_keeps_the_invariant():
    d = Decision.approve(OFFER)
    with pytest.raises((ValidationError, TypeError, AttributeError)):
        d.outcome = Outcome.DECLINE


# --------------------------------------------------------------------------- combine


def test_combine_nothing_is_none():
    assert combine([]) is None
    assert combine(iter(())) is None


def test_combine_one_is_itself():
    for d in (Decision.approve(OFFER), Decision.refer("R"), Decision.decline("D")):
        assert combine([d]) == d


def test_decline_beats_refer_beats_approve():
    assert combine([Decision.approve(OFFER), Decision.refer("R"), Decision.decline("D")]).outcome is Outcome.DECLINE
    assert combine([Decision.decline("D"), Decision.approve()]).outcome is Outcome.DECLINE
    assert combine([Decision.approve(OFFER), Decision.refer("R")]).outcome is Outcome.REFER
    assert combine([Decision.refer("R"), Decision.approve()]).outcome is Outcome.REFER
    assert combine([Decision.approve(), Decision.approve()]).outcome is Outcome.APPROVE


def test_combine_keeps_reasons_of_the_winning_outcome_in_order_once_each():
    combined = combine([
        Decision.refer("R1"),
        Decision.decline("D2", "D1"),
        Decision.approve(reasons=["A1"]),
        Decision.decline("D1", "D3", "D3"),
        Decision.refer("R2"),
    ])
    assert combined == Decision.decline("D2", "D1", "D3")
    assert combine([Decision.refer("R1", "R1"), Decision.approve(), Decision.refer("R2", "R1")]).reasons == ["R1", "R2"]
    assert combine([Decision.approve(reasons=["A2", "A1"]), Decision.approve(reasons=["A1", "A3"])]).reasons == \
        ["A2", "A1", "A3"]


def test_combine_keeps_an_offer_only_for_an_approval():
    later = Offer(limit=20_000, rate=0.05)
    assert combine([Decision.approve(OFFER), Decision.approve(later)]).offer == later  # the later step refines
    assert combine([Decision.approve(OFFER), Decision.approve()]).offer == OFFER
    assert combine([Decision.approve(), Decision.approve()]).offer is None
    assert combine([Decision.approve(OFFER), Decision.refer("R")]).offer is None
    assert combine([Decision.approve(OFFER), Decision.decline("D")]).offer is None


def test_combine_accepts_any_iterable_and_does_not_change_its_inputs():
    inputs = [Decision.approve(OFFER), Decision.decline("D1"), Decision.decline("D1", "D2")]
    before = [d.model_copy(deep=True) for d in inputs]
    assert combine(d for d in inputs) == Decision.decline("D1", "D2")
    assert inputs == before


reasons = st.lists(st.sampled_from(["A", "B", "C", "D"]), max_size=4)
decisions = st.one_of(
    st.builds(lambda r, o: Decision.approve(o, r), reasons, st.none() | st.just(OFFER)),
    st.builds(lambda r: Decision.refer(*r), reasons.filter(bool)),
    st.builds(lambda r: Decision.decline(*r), reasons.filter(bool)),
)


@given(st.lists(decisions, min_size=1, max_size=6))
def test_combine_properties(ds):
    combined = combine(ds)
    worst = max(d.outcome.severity for d in ds)
    assert combined.outcome.severity == worst
    winners = [d for d in ds if d.outcome is combined.outcome]
    expected = list(dict.fromkeys(code for d in winners for code in d.reasons))
    assert combined.reasons == expected
    if combined.outcome is Outcome.APPROVE:
        offers = [d.offer for d in ds if d.offer is not None]
        assert combined.offer == (offers[-1] if offers else None)
    else:
        assert combined.offer is None and combined.reasons  # never an unexplained refusal
    assert combine([*ds, combined]) == combined  # idempotent


def test_combine_answers_with_the_decision_given_when_it_equals_the_answer():
    decline, plain = Decision.decline("D1"), Decision.approve()
    assert combine([plain, decline, Decision.approve(OFFER)]) is decline  # not a copy built and validated again
    first = Decision.approve(OFFER)
    assert combine([first, Decision.approve()]) is first
    # an answer no single decision equals is built: reasons merged, an offer from another step, duplicates
    merged = combine([Decision.decline("D1"), Decision.decline("D2")])
    assert merged == Decision.decline("D1", "D2")
    offered = combine([Decision.approve(reasons=["A1"]), Decision.approve(OFFER)])
    assert offered == Decision(outcome=Outcome.APPROVE, reasons=["A1"], offer=OFFER)
    twice = Decision.refer("R1", "R1")
    assert combine([twice]) is not twice and combine([twice]).reasons == ["R1"]
