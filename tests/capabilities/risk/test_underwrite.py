"""Underwriting: DTI and clamp steps, limit, pricing within HQ authority, and the decision matrix.

DOMAIN.md §2.7's vector is checked to the fen, §2.6's formula against the bundled LPR history;
params outside HQ's bounds must fail validation (never be clamped), and every reason code a
task returns must be registered with English and Chinese text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from pydantic import ValidationError

from jimu import CapabilityError, ContractModel, MissingResource, Outcome, capability
from jimu_credit.data.market import LPR, LPR_RESOURCE, LprFixing, LprHistory
from jimu_credit.domains import DOMAINS

DTI = "risk.step.dti"
CLAMP = "risk.step.clamp"
LIMIT = "risk.underwrite.limit"
PRICING = "risk.underwrite.pricing"
DECISION = "risk.underwrite.decision"
ALL = (DTI, CLAMP, LIMIT, PRICING, DECISION)

VECTOR = {"monthly_income": 20000, "existing_monthly_debt": 3000, "annual_rate": 0.06, "tenor_months": 36}


@pytest.fixture
def caps(jimu_catalog):
    return {cap_id: jimu_catalog.get(cap_id) for cap_id in ALL}


@pytest.fixture
def lpr(jimu_catalog):
    """The installed provider's resources (the bundled LPR history)."""
    return jimu_catalog.bind_resources()


# -- declarations ---------------------------------------------------------------------------------


def test_levels_kinds_and_composition(caps):
    assert caps[DTI].level == 5 and caps[CLAMP].level == 5
    assert not caps[DTI].uses and not caps[CLAMP].uses and not caps[DTI].resources
    assert {u.id for u in caps[LIMIT].uses} == {DTI, CLAMP} and caps[LIMIT].kind.value == "map"
    assert {u.id for u in caps[PRICING].uses} == {CLAMP}
    assert caps[PRICING].kind.value == "lookup" and caps[PRICING].resources == (LPR,)
    assert not caps[DECISION].uses and caps[DECISION].kind.value == "map"
    assert all(caps[c].level == 4 for c in (LIMIT, PRICING, DECISION))


@pytest.mark.parametrize("cap_id", ALL)
def test_each_capability_has_examples_with_different_outputs_and_says_why(caps, cap_id):
    cap = caps[cap_id]
    outputs = {json.dumps(e.output, sort_keys=True) for e in cap.examples}
    assert len(cap.examples) >= 2 and len(outputs) >= 2
    assert len(cap.description) > 150


def test_pricing_examples_pass_with_the_installed_provider(jimu_catalog, caps):
    """test_examples.py runs examples without providers; a lookup's examples need the LPR bound."""
    from jimu.testing import check_examples

    assert check_examples(caps[PRICING], catalog=jimu_catalog, resources=jimu_catalog.bind_resources()) == []


def test_declared_reason_codes_are_registered_with_both_texts(jimu_catalog, caps):
    for cap_id in (LIMIT, DECISION):
        for code in caps[cap_id].reasons:
            registered = jimu_catalog.reasons[code.code]
            assert registered.capability == cap_id and registered.text and registered.text_zh
            assert any("\u4e00" <= ch <= "\u9fff" for ch in registered.text_zh)


# -- risk.step.dti --------------------------------------------------------------------------------


def test_dti_domain_vector_to_the_fen(run_capability, caps):
    out = run_capability(caps[DTI], {**VECTOR, "dti_max": 0.5})
    assert out.affordable_instalment == 7000.0
    assert out.principal == 230097.11  # 230,097.1137 rounded down to the fen
    assert out.monthly_rate == 0.005


def test_dti_zero_rate_is_instalment_times_tenor(run_capability, caps):
    out = run_capability(caps[DTI], {**VECTOR, "dti_max": 0.5, "annual_rate": 0})
    assert out.principal == 7000 * 36 == 252000.0 and out.monthly_rate == 0


@pytest.mark.parametrize("debt", [10000, 10000.01, 15000])
def test_dti_never_negative(run_capability, caps, debt):
    out = run_capability(caps[DTI], {**VECTOR, "existing_monthly_debt": debt, "dti_max": 0.5})
    assert out.affordable_instalment == 0.0 and out.principal == 0.0


def test_dti_principal_is_rounded_down_not_up(run_capability, caps):
    # pmt 1,000 at 12%/12 over 12 months: 11,255.0771 -> 11,255.07; at 3 months 2,940.9852 -> 2,940.98
    assert run_capability(caps[DTI], {"monthly_income": 2000, "existing_monthly_debt": 0, "dti_max": 0.5,
                                      "annual_rate": 0.12, "tenor_months": 12}).principal == 11255.07
    assert run_capability(caps[DTI], {"monthly_income": 2000, "existing_monthly_debt": 0, "dti_max": 0.5,
                                      "annual_rate": 0.12, "tenor_months": 3}).principal == 2940.98


@pytest.mark.parametrize("bad", [{"dti_max": 0}, {"dti_max": 1.2}, {"tenor_months": 0}, {"annual_rate": -0.01},
                                 {"monthly_income": -1}, {"annual_rate": float("nan")}])
def test_dti_refuses_impossible_inputs(run_capability, caps, bad):
    with pytest.raises(ValidationError):
        run_capability(caps[DTI], {**VECTOR, "dti_max": 0.5, **bad})


# -- risk.step.clamp ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "floor", "ceiling", "value", "breached", "side"),
    [
        (0.045, 0.03, 0.18, 0.045, False, None),
        (0.03, 0.03, 0.18, 0.03, False, None),  # on the floor: not a breach
        (0.18, 0.03, 0.18, 0.18, False, None),  # on the ceiling: not a breach
        (0.0299, 0.03, 0.18, 0.03, True, "floor"),
        (0.2, 0.03, 0.18, 0.18, True, "ceiling"),
        (230097.11, 0, 200000, 200000, True, "ceiling"),
        (-5, 0, 200000, 0, True, "floor"),
        (7, 5, 5, 5, True, "ceiling"),  # a degenerate interval still clamps
    ],
)
def test_clamp_vectors(run_capability, caps, x, floor, ceiling, value, breached, side):
    out = run_capability(caps[CLAMP], {"x": x, "floor": floor, "ceiling": ceiling})
    assert (out.value, out.breached, out.side) == (value, breached, side)


def test_clamp_refuses_bounds_in_the_wrong_order(run_capability, caps):
    with pytest.raises(ValidationError, match="above ceiling"):
        run_capability(caps[CLAMP], {"x": 1, "floor": 2, "ceiling": 1})


# -- risk.underwrite.limit ------------------------------------------------------------------------


def test_limit_domain_vector_capped_at_the_regulatory_200000(run_capability, caps):
    out = run_capability(caps[LIMIT], {**VECTOR, "requested_amount": 250000})
    assert out.affordable_principal == 230097.11 and out.affordable_instalment == 7000.0
    assert out.limit == 200000.0 and out.binding == "regulatory"
    assert out.decision.outcome is Outcome.APPROVE and out.reasons == []
    assert out.decision.offer.limit == 200000.0 and out.decision.offer.tenor_months == 36


@pytest.mark.parametrize(
    ("record", "params", "limit", "binding"),
    [
        ({"requested_amount": 250000}, {"product_cap": 150000}, 150000.0, "product"),
        ({"requested_amount": 120000}, {}, 120000.0, "requested"),
        ({"requested_amount": 250000, "tenor_months": 12}, {}, 81332.52, "dti"),
        ({"requested_amount": 250000}, {"dti_max": 0.3}, 98613.04, "dti"),
        # ties: the stricter authority is named first
        ({"requested_amount": 200000}, {}, 200000.0, "regulatory"),
        ({"requested_amount": 150000}, {"product_cap": 150000}, 150000.0, "product"),
        ({"requested_amount": 250000}, {"regulatory_cap": 100000}, 100000.0, "regulatory"),
    ],
)
def test_limit_names_the_binding_constraint(run_capability, caps, record, params, limit, binding):
    out = run_capability(caps[LIMIT], {**VECTOR, **record}, params)
    assert (out.limit, out.binding) == (limit, binding)
    assert out.decision.outcome is Outcome.APPROVE and out.decision.offer.limit == limit


def test_limit_at_zero_rate(run_capability, caps):
    out = run_capability(caps[LIMIT], {**VECTOR, "annual_rate": 0, "tenor_months": 12, "requested_amount": 250000})
    assert out.affordable_principal == 84000.0 and out.limit == 84000.0 and out.binding == "dti"


def test_no_affordable_instalment_means_limit_zero_and_decline(run_capability, caps):
    out = run_capability(caps[LIMIT], {**VECTOR, "existing_monthly_debt": 12000, "requested_amount": 50000})
    assert out.affordable_instalment == 0.0 and out.limit == 0.0 and out.binding == "dti"
    assert out.decision.outcome is Outcome.DECLINE and out.decision.reasons == ["UW_DTI_NO_CAPACITY"]
    assert out.decision.offer is None


def test_limit_below_the_product_minimum_is_declined(run_capability, caps):
    # pmt 100/month for 6 months at 0.5%/month: P = 589.6384 -> 589.63 < 1,000
    out = run_capability(caps[LIMIT], {"monthly_income": 6000, "existing_monthly_debt": 2900, "annual_rate": 0.06,
                                       "tenor_months": 6, "requested_amount": 5000})
    assert out.affordable_instalment == 100.0 and out.limit == 589.63
    assert out.decision.outcome is Outcome.DECLINE and out.reasons == ["UW_LIMIT_BELOW_MINIMUM"]
    lowered = run_capability(caps[LIMIT], {"monthly_income": 6000, "existing_monthly_debt": 2900, "annual_rate": 0.06,
                                           "tenor_months": 6, "requested_amount": 5000}, {"min_viable_amount": 500})
    assert lowered.decision.outcome is Outcome.APPROVE


@pytest.mark.parametrize(
    "params",
    [
        {"dti_max": 0.7},
        {"dti_max": 0.1},
        {"regulatory_cap": 200000.01},
        {"regulatory_cap": 300000},
        {"product_cap": 500},
        {"product_cap": 2_000_000},
        {"min_viable_amount": -1},
        {"min_viable_amount": 10000.01},
        {"regulatory_cap": 9999},
        {"product_cap": 5000, "min_viable_amount": 6000},  # nothing could ever be approved
        {"dti_max": "half"},
        {"unknown": 1},
    ],
)
def test_limit_params_outside_hq_bounds_are_rejected(run_capability, caps, params):
    with pytest.raises(ValidationError):
        caps[LIMIT].params.model_validate(params)
    with pytest.raises(ValidationError):
        run_capability(caps[LIMIT], {**VECTOR, "requested_amount": 1000}, params)


def test_limit_params_at_hq_bounds_are_accepted(caps):
    caps[LIMIT].params.model_validate({"dti_max": 0.2, "regulatory_cap": 200000, "product_cap": 1_000_000})
    caps[LIMIT].params.model_validate({"dti_max": 0.6, "min_viable_amount": 10000, "product_cap": 10000,
                                       "regulatory_cap": 10000})


def test_limit_uses_its_steps_through_ctx(make_catalog, run_capability, caps):
    """A fake DTI step in an in-memory catalog changes the limit: the step is called, not imported."""

    class FakeDtiIn(ContractModel):
        monthly_income: float
        existing_monthly_debt: float
        dti_max: float
        annual_rate: float
        tenor_months: int

    class FakeDtiOut(ContractModel):
        affordable_instalment: float
        principal: float
        monthly_rate: float

    @capability(id=DTI, version="1.0.1", level=5, name="fake", name_zh="假步骤", owner="test",
                input=FakeDtiIn, output=FakeDtiOut)
    def fake_dti(inp: FakeDtiIn) -> FakeDtiOut:
        return FakeDtiOut(affordable_instalment=1.0, principal=4321.0, monthly_rate=0.0)

    catalog = make_catalog(*DOMAINS, caps[LIMIT], caps[CLAMP], fake_dti)
    out = run_capability(caps[LIMIT], {**VECTOR, "requested_amount": 250000}, catalog=catalog)
    assert out.limit == 4321.0 and out.binding == "dti"


# -- risk.underwrite.pricing ----------------------------------------------------------------------


def price(run_capability, caps, lpr, as_of, tier, params=None, **record):
    return run_capability(caps[PRICING], {"as_of": as_of, "risk_tier": tier, **record}, params, resources=lpr)


def test_pricing_reads_the_lpr_in_force_on_the_date(run_capability, caps, lpr):
    out = price(run_capability, caps, lpr, "2024-08-01", "B")
    assert (out.lpr, out.lpr_date, out.lpr_tenor) == (0.0335, dt.date(2024, 7, 22), "1Y")
    assert out.spread_bp == 150 and out.branch_adjustment_bp == 0
    assert out.rate == 0.0485 and out.unclamped_rate == 0.0485 and not out.clamped and out.clamped_at is None
    before_cut = price(run_capability, caps, lpr, "2024-10-20", "B")
    on_cut = price(run_capability, caps, lpr, "2024-10-21", "B")
    assert (before_cut.lpr, before_cut.rate) == (0.0335, 0.0485)
    assert (on_cut.lpr, on_cut.rate, on_cut.lpr_date) == (0.031, 0.046, dt.date(2024, 10, 21))


def test_pricing_over_five_years_uses_the_5y_lpr(run_capability, caps, lpr):
    out = price(run_capability, caps, lpr, "2024-08-01", "A", tenor_months=120)
    assert (out.lpr_tenor, out.lpr, out.rate) == ("5Y", 0.0385, 0.0435)
    assert price(run_capability, caps, lpr, "2024-08-01", "A", tenor_months=60).lpr_tenor == "1Y"


@pytest.mark.parametrize(
    ("tier", "adjustment", "rate"),
    [("A", 0, 0.035), ("A", -50, 0.03), ("A", 50, 0.04), ("B", -20, 0.043), ("C", 25, 0.0625), ("D", 0, 0.09),
     ("E", -50, 0.125)],
)
def test_pricing_formula_lpr_plus_spread_plus_branch_adjustment(run_capability, caps, lpr, tier, adjustment, rate):
    out = price(run_capability, caps, lpr, "2025-07-01", tier, {"branch_adjustment_bp": adjustment})
    assert out.lpr == 0.03 and out.rate == rate and out.branch_adjustment_bp == adjustment and not out.clamped


def test_pricing_clamps_at_the_floor(run_capability, caps, lpr):
    out = price(run_capability, caps, lpr, "2025-06-30", "A", {"branch_adjustment_bp": -50, "rate_floor": 0.035})
    assert out.unclamped_rate == 0.03 and out.rate == 0.035
    assert out.clamped and out.clamped_at == "floor"


def test_pricing_clamps_at_the_ceiling(run_capability, caps, lpr):
    out = price(run_capability, caps, lpr, "2020-01-15", "E", {"branch_adjustment_bp": 50, "rate_ceiling": 0.10})
    assert (out.lpr, out.lpr_date) == (0.0415, dt.date(2019, 11, 20))
    assert out.unclamped_rate == 0.1465 and out.rate == 0.10
    assert out.clamped and out.clamped_at == "ceiling"


def test_a_rate_on_the_ceiling_is_not_reported_as_clamped(run_capability, caps, lpr):
    out = price(run_capability, caps, lpr, "2025-07-01", "D", {"rate_ceiling": 0.09})
    assert out.rate == 0.09 and not out.clamped


@pytest.mark.parametrize(
    "params",
    [
        {"branch_adjustment_bp": 51},
        {"branch_adjustment_bp": -51},
        {"branch_adjustment_bp": 100},
        {"branch_adjustment_bp": 10.5},
        {"rate_ceiling": 0.30},
        {"rate_floor": -0.01},
        {"rate_floor": 0.08, "rate_ceiling": 0.06},
        {"spread_bp_a": 350},
        {"spread_bp_e": 1600},
        {"spread_bp_b": -10},
        {"spread_bp_a": 300, "spread_bp_b": 200},  # a riskier band priced below a safer one
        {"spread_bp_f": 10},
    ],
)
def test_pricing_params_outside_authority_are_validation_errors_not_clamps(run_capability, caps, lpr, params):
    with pytest.raises(ValidationError):
        caps[PRICING].params.model_validate(params)
    with pytest.raises(ValidationError):
        price(run_capability, caps, lpr, "2025-07-01", "A", params)


def test_pricing_params_at_the_authority_limits_are_accepted(caps):
    caps[PRICING].params.model_validate({"branch_adjustment_bp": 50, "rate_ceiling": 0.24})
    caps[PRICING].params.model_validate({"branch_adjustment_bp": -50, "rate_floor": 0.06, "rate_ceiling": 0.08,
                                         "spread_bp_a": 100, "spread_bp_b": 100, "spread_bp_c": 250,
                                         "spread_bp_d": 450, "spread_bp_e": 800})


def test_pricing_without_the_resource_raises_missing_resource(run_capability, make_catalog, caps):
    with pytest.raises(MissingResource, match="data.market.lpr"):
        run_capability(caps[PRICING], {"as_of": "2025-07-01", "risk_tier": "A"}, resources={})
    bare = make_catalog(*DOMAINS, LPR_RESOURCE, caps[PRICING], caps[CLAMP])  # declared, but nobody provides it
    with pytest.raises(MissingResource, match="data.market.lpr"):
        run_capability(caps[PRICING], {"as_of": "2025-07-01", "risk_tier": "A"},
                       resources=bare.bind_resources(), catalog=bare)


def test_pricing_reads_whatever_provides_the_resource(run_capability, caps, fake_resources):
    class Fixed:
        def rate_on(self, as_of, tenor="1Y"):
            return 0.05

        def fixing_on(self, as_of, tenor="1Y"):
            return LprFixing(dt.date(2030, 1, 21), tenor, 0.05)

    fake_resources[LPR] = Fixed()
    out = run_capability(caps[PRICING], {"as_of": "2030-02-01", "risk_tier": "B"}, resources=fake_resources)
    assert (out.lpr, out.lpr_date, out.rate) == (0.05, dt.date(2030, 1, 21), 0.065)


@pytest.mark.parametrize("as_of", ["2019-08-19", "2026-02-20", "2030-01-01"])
def test_pricing_refuses_a_date_the_history_does_not_cover(run_capability, caps, lpr, as_of):
    with pytest.raises(CapabilityError, match="LprUnavailable"):
        price(run_capability, caps, lpr, as_of, "A")


def test_pricing_with_a_newer_history(run_capability, caps):
    newer = LprHistory.from_csv("date,lpr_1y_pct,lpr_5y_pct,source\n2026-01-20,3.00,3.50,x\n2026-03-20,2.90,3.40,test\n")
    out = run_capability(caps[PRICING], {"as_of": "2026-04-01", "risk_tier": "A"}, resources={LPR: newer})
    assert (out.lpr, out.rate) == (0.029, 0.034)


# -- risk.underwrite.decision ---------------------------------------------------------------------


def decide(run_capability, caps, params=None, **record):
    return run_capability(caps[DECISION], {"limit": 50000, "rate": 0.0435, "tenor_months": 12, **record}, params)


@pytest.mark.parametrize("band", ["A", "B", "C"])
def test_good_bands_are_approved_with_the_offer(run_capability, caps, band):
    out = decide(run_capability, caps, score_band=band)
    assert out.outcome is Outcome.APPROVE and out.reasons == []
    offer = out.decision.offer
    assert (offer.limit, offer.rate, offer.tenor_months) == (50000, 0.0435, 12)


@pytest.mark.parametrize(
    ("record", "outcome", "reasons"),
    [
        ({"score_band": "E"}, Outcome.DECLINE, ["UW_SCORE_BAND_E"]),
        ({"score_band": "D"}, Outcome.REFER, ["UW_SCORE_BAND_D"]),
        ({"score_band": "A", "antifraud_flag": True}, Outcome.REFER, ["UW_ANTIFRAUD_FLAG"]),
        ({"score_band": "A", "multilender_flag": True}, Outcome.REFER, ["UW_MULTILENDER_FLAG"]),
        ({"score_band": "A", "list_hit": "blacklist"}, Outcome.DECLINE, ["UW_BLACKLIST_HIT"]),
        ({"score_band": "A", "list_hit": "greylist"}, Outcome.REFER, ["UW_GREYLIST_HIT"]),
        ({"score_band": "A", "list_hit": "whitelist"}, Outcome.APPROVE, []),
        ({"score_band": "A", "dd_tier": "T2"}, Outcome.REFER, ["UW_DD_ONSITE_REQUIRED"]),
        ({"score_band": "A", "dd_tier": "T1"}, Outcome.APPROVE, []),
        ({"score_band": "A", "limit": 0}, Outcome.DECLINE, ["UW_NO_VIABLE_LIMIT"]),
        ({"score_band": "A", "limit": 999.99}, Outcome.DECLINE, ["UW_NO_VIABLE_LIMIT"]),
        ({"score_band": "A", "limit": 1000}, Outcome.APPROVE, []),
        # every cell with the winning outcome is reported, in matrix order
        ({"score_band": "D", "antifraud_flag": True, "multilender_flag": True, "dd_tier": "T2"}, Outcome.REFER,
         ["UW_ANTIFRAUD_FLAG", "UW_SCORE_BAND_D", "UW_MULTILENDER_FLAG", "UW_DD_ONSITE_REQUIRED"]),
        # decline beats refer: only the decline's codes explain the decline
        ({"score_band": "E", "antifraud_flag": True, "list_hit": "blacklist"}, Outcome.DECLINE,
         ["UW_BLACKLIST_HIT", "UW_SCORE_BAND_E"]),
    ],
)
def test_decision_matrix_defaults(run_capability, caps, record, outcome, reasons):
    out = decide(run_capability, caps, **record)
    assert out.outcome is outcome and out.reasons == reasons
    assert out.decision.outcome is outcome and out.decision.reasons == reasons
    assert (out.decision.offer is not None) == (outcome is Outcome.APPROVE)


def test_decision_reports_every_cell_that_fired(run_capability, caps):
    out = decide(run_capability, caps, score_band="E", antifraud_flag=True, dd_tier="T1")
    assert out.matched == ["antifraud_flag -> refer", "band:E -> decline", "dd_tier:T1 -> approve"]


def test_approval_without_a_price_carries_no_rate(run_capability, caps):
    out = run_capability(caps[DECISION], {"score_band": "A", "limit": 30000})
    assert out.decision.offer.limit == 30000 and out.decision.offer.rate is None


@pytest.mark.parametrize(
    ("params", "record", "outcome", "reasons"),
    [
        ({"band": {"C": "refer"}}, {"score_band": "C"}, Outcome.REFER, ["UW_SCORE_BAND_C"]),
        ({"band": {"D": "decline"}}, {"score_band": "D"}, Outcome.DECLINE, ["UW_SCORE_BAND_D"]),
        ({"band": {"A": "refer", "B": "refer"}}, {"score_band": "B"}, Outcome.REFER, ["UW_SCORE_BAND_B"]),
        ({"antifraud_flag": "decline"}, {"score_band": "A", "antifraud_flag": True}, Outcome.DECLINE, ["UW_ANTIFRAUD_FLAG"]),
        ({"greylist_hit": "decline"}, {"score_band": "A", "list_hit": "greylist"}, Outcome.DECLINE, ["UW_GREYLIST_HIT"]),
        ({"dd_tier": {"T1": "refer"}}, {"score_band": "A", "dd_tier": "T1"}, Outcome.REFER, ["UW_DD_REMOTE_REQUIRED"]),
        ({"min_offer_amount": 50000}, {"score_band": "A", "limit": 49999}, Outcome.DECLINE, ["UW_NO_VIABLE_LIMIT"]),
        # a partial table keeps HQ's other cells
        ({"band": {"C": "refer"}}, {"score_band": "E"}, Outcome.DECLINE, ["UW_SCORE_BAND_E"]),
        ({"dd_tier": {"T1": "refer"}}, {"score_band": "A", "dd_tier": "T2"}, Outcome.REFER, ["UW_DD_ONSITE_REQUIRED"]),
    ],
)
def test_a_branch_may_tighten_the_matrix(run_capability, caps, params, record, outcome, reasons):
    out = decide(run_capability, caps, params, **record)
    assert out.outcome is outcome and out.reasons == reasons


@pytest.mark.parametrize(
    "params",
    [
        {"band": {"E": "approve"}},
        {"band": {"E": "refer"}},
        {"band": {"D": "approve"}},
        {"antifraud_flag": "approve"},
        {"multilender_flag": "approve"},
        {"blacklist_hit": "refer"},
        {"greylist_hit": "approve"},
        {"dd_tier": {"T2": "approve"}},
        {"band": {"F": "decline"}},
        {"band": {"C": "maybe"}},
        {"min_offer_amount": 60000.01},
        {"min_offer_amount": -1},
    ],
)
def test_a_branch_may_not_loosen_the_matrix(run_capability, caps, params):
    with pytest.raises(ValidationError):
        caps[DECISION].params.model_validate(params)
    with pytest.raises(ValidationError):
        decide(run_capability, caps, params, score_band="A")


# -- every code returned is registered ------------------------------------------------------------


def test_every_reason_code_returned_is_registered(jimu_catalog, run_capability, caps, lpr):
    seen: set[str] = set()
    strict = {"band": {b: "decline" for b in "ABCDE"}, "dd_tier": {"T1": "refer"}, "antifraud_flag": "decline"}
    for band, fraud, multi, hit, tier, limit, params in itertools.product(
        "ABCDE", (False, True), (False, True), ("none", "blacklist", "greylist", "whitelist"), ("T0", "T1", "T2"),
        (0, 50000), (None, strict, {"dd_tier": {"T1": "refer"}}),
    ):
        out = decide(run_capability, caps, params, score_band=band, antifraud_flag=fraud, multilender_flag=multi,
                     list_hit=hit, dd_tier=tier, limit=limit)
        seen.update(out.reasons, out.decision.reasons)
    for debt, minimum in itertools.product((0, 3000, 9999, 10000, 20000), (0, 1000, 10000)):
        for tenor in (1, 36):
            out = run_capability(caps[LIMIT], {**VECTOR, "existing_monthly_debt": debt, "tenor_months": tenor,
                                               "requested_amount": 250000}, {"min_viable_amount": minimum})
            seen.update(out.reasons, out.decision.reasons)
    declared = {code.code for cap_id in (LIMIT, DECISION) for code in caps[cap_id].reasons}
    assert seen == declared  # every declared code is reachable, and nothing else is returned
    for code in seen:
        assert code in jimu_catalog.reasons and jimu_catalog.reasons[code].text_zh


# -- in a product: validation sees HQ's bounds, the runtime binds the LPR -------------------------

PRODUCT = """\
kind: product
id: beijing.haidian.uw_test
version: 1.0.0
branch: beijing.haidian
name: Underwriting test product
name_zh: 审批测试产品
owner: beijing.haidian.tech
inputs:
  resident_id: string
  as_of: date
  score_band: string
  amount: number
  monthly_income: number
  existing_monthly_debt: number
  tenor_months: integer
  applied_at: datetime
steps:
  - id: intake
    uses: risk.intake
  - id: antifraud  # HQ's control J702: screened (KYC and anti-fraud) before being priced
    uses: risk.prescreen.antifraud
    with: {resident_id: inputs.resident_id}
  - id: dd
    uses: risk.duediligence.route
    with: {score_band: inputs.score_band, amount: inputs.amount}
  - id: price
    uses: risk.underwrite.pricing
    with: {as_of: inputs.as_of, risk_tier: inputs.score_band, tenor_months: inputs.tenor_months}
    params: {branch_adjustment_bp: PRICE_ADJ}
  - id: limit
    uses: risk.underwrite.limit
    with:
      monthly_income: inputs.monthly_income
      existing_monthly_debt: inputs.existing_monthly_debt
      annual_rate: steps.price.rate
      tenor_months: inputs.tenor_months
      requested_amount: inputs.amount
    params: {dti_max: 0.45, regulatory_cap: REG_CAP}
  - id: decide
    uses: risk.underwrite.decision
    with:
      score_band: inputs.score_band
      dd_tier: steps.dd.tier
      limit: steps.limit.limit
      rate: steps.price.rate
      tenor_months: inputs.tenor_months
    params: {band: {C: refer, E: BAND_E}}
decision: [steps.intake.decision, steps.antifraud.decision, steps.limit.decision, steps.decide.decision]
outputs:
  tier: steps.dd.tier
  rate: steps.price.rate
  limit: steps.limit.limit
"""


def write_product(tmp_path, adj="-20", reg_cap="200000", band_e="decline"):
    path = tmp_path / "uw.yaml"
    path.write_text(PRODUCT.replace("PRICE_ADJ", adj).replace("REG_CAP", reg_cap).replace("BAND_E", band_e),
                    encoding="utf-8")
    return path


def test_a_product_inside_hq_bounds_validates_and_runs(tmp_path, jimu_catalog):
    from jimu.assembly import validate_paths
    from jimu.runtime import load_plan, run_record

    path = write_product(tmp_path)
    [analysis] = validate_paths([path], jimu_catalog)
    assert analysis.ok, [f"{d.code} {d.message}" for d in analysis.diagnostics]
    plan = load_plan(path, jimu_catalog)
    applicant = {"resident_id": "11010519491231002X", "as_of": "2025-07-01", "score_band": "B", "amount": 120000,
                 "monthly_income": 20000, "existing_monthly_debt": 3000, "tenor_months": 36,
                 "applied_at": "2025-07-01T10:00:00+08:00"}
    result = run_record(plan, applicant)
    assert result.outputs == {"tier": "T1", "rate": 0.043, "limit": 120000.0}  # 3.00% + 150 bp - 20 bp
    assert result.decision.outcome is Outcome.APPROVE and result.decision.offer.rate == 0.043
    referred = run_record(plan, {**applicant, "score_band": "C"})
    assert referred.decision.outcome is Outcome.REFER and referred.decision.reasons == ["UW_SCORE_BAND_C"]
    stale = run_record(plan, {**applicant, "as_of": "2026-07-01"})  # past the bundled LPR history
    assert stale.decision.outcome is Outcome.REFER and "LprUnavailable" in " ".join(map(str, stale.errors))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"adj": "80"}, "branch_adjustment_bp 80 is above the maximum 50"),
        ({"adj": "-51"}, "branch_adjustment_bp -51 is below the minimum -50"),
        ({"reg_cap": "250000"}, "regulatory_cap 250000 is above the maximum 200000"),
        ({"band_e": "approve"}, "band E: HQ requires at least decline"),
        ({"band_e": "refer"}, "band E: HQ requires at least decline"),
    ],
)
def test_a_product_outside_hq_bounds_fails_validation(tmp_path, jimu_catalog, change, message):
    from jimu.assembly import validate_paths

    [analysis] = validate_paths([write_product(tmp_path, **change)], jimu_catalog)
    assert not analysis.ok
    assert any(message in d.message for d in analysis.diagnostics if d.is_error), [
        d.message for d in analysis.diagnostics]
