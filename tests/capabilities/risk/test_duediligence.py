"""risk.duediligence.route: the tier decision table, its thresholds, lightening and checklists."""

from __future__ import annotations

import itertools
import json

import pytest
from pydantic import ValidationError

from jimu_credit.risk.duediligence import CHECKLISTS, RULES, SEGMENT_CHECKS

ROUTE = "risk.duediligence.route"


@pytest.fixture
def cap(jimu_catalog):
    return jimu_catalog.get(ROUTE)


@pytest.fixture
def route(run_capability, cap):
    return lambda params=None, **record: run_capability(cap, {"score_band": "A", "amount": 20000, **record}, params)


def test_a_leaf_task_with_examples_that_differ(cap):
    assert cap.level == 4 and not cap.uses and not cap.resources and cap.kind.value == "map"
    assert len(cap.examples) >= 2 and len({json.dumps(e.output, sort_keys=True) for e in cap.examples}) >= 2


@pytest.mark.parametrize(
    ("record", "tier", "rule"),
    [
        ({}, "T0", "default"),
        ({"score_band": "B"}, "T0", "default"),
        ({"score_band": "C"}, "T1", "band_C"),
        ({"score_band": "D"}, "T1", "band_D"),
        ({"score_band": "E"}, "T2", "band_E"),
        ({"antifraud_flag": True}, "T2", "antifraud_flag"),
        ({"multilender_flag": True}, "T1", "multilender_flag"),
        ({"greylist_hit": True}, "T1", "greylist_hit"),
        ({"employment": "self_employed"}, "T1", "self_employed"),
        ({"employment": "unemployed"}, "T2", "unemployed"),
        ({"amount": 49999.99}, "T0", "default"),
        ({"amount": 50000}, "T1", "amount_t1"),
        ({"amount": 199999.99}, "T1", "amount_t1"),
        ({"amount": 200000}, "T2", "amount_t2"),
        # the first rule in table order that asks for the deciding tier is reported
        ({"score_band": "C", "employment": "self_employed", "amount": 80000}, "T1", "band_C"),
        ({"score_band": "E", "antifraud_flag": True}, "T2", "antifraud_flag"),
        ({"score_band": "C", "amount": 300000}, "T2", "amount_t2"),
    ],
)
def test_default_table(route, record, tier, rule):
    out = route(**record)
    assert (out.tier, out.rule) == (tier, rule)
    assert out.rule_text == RULES[rule][0] and out.rule_text_zh == RULES[rule][1]


def test_rules_fired_lists_every_rule_that_asked_for_more_than_t0(route):
    out = route(score_band="D", multilender_flag=True, employment="self_employed", amount=250000)
    assert out.rules_fired == ["band_D -> T1", "self_employed -> T1", "multilender_flag -> T1", "amount_t2 -> T2"]
    assert (out.tier, out.rule) == ("T2", "amount_t2")


@pytest.mark.parametrize(
    ("record", "tier", "rule"),
    [
        ({"amount": 250000}, "T1", "property_collateral"),  # T2 by amount only -> T1
        ({"amount": 80000}, "T0", "property_collateral"),  # T1 by amount only -> T0
        ({"amount": 20000}, "T0", "default"),  # nothing to lighten
        ({"amount": 80000, "score_band": "C"}, "T1", "band_C"),  # risk asks for T1 too: not lightened
        ({"amount": 250000, "score_band": "C"}, "T1", "property_collateral"),  # T2 (amount) -> T1, band C is T1
        ({"amount": 250000, "antifraud_flag": True}, "T2", "antifraud_flag"),  # fraud is never lightened
        ({"amount": 250000, "employment": "unemployed"}, "T2", "unemployed"),
    ],
)
def test_property_collateral_lightens_only_an_amount_driven_tier(route, record, tier, rule):
    out = route(collateral="property", **record)
    assert (out.tier, out.rule) == (tier, rule)


def test_other_collateral_does_not_lighten_and_a_branch_may_switch_lightening_off(route):
    assert route(amount=250000, collateral="other").tier == "T2"
    assert route({"property_lightens": False}, amount=250000, collateral="property").tier == "T2"


def test_checklists_are_cumulative_bilingual_and_carry_segment_items(route):
    t0, t1, t2 = route(), route(score_band="C"), route(score_band="E")
    assert t0.checklist == list(CHECKLISTS["T0"])
    assert t1.checklist == [*CHECKLISTS["T0"], *CHECKLISTS["T1"]]
    assert t2.checklist == [*CHECKLISTS["T0"], *CHECKLISTS["T1"], *CHECKLISTS["T2"]]
    assert (t0.tier_name, t1.tier_name_zh, t2.tier_name) == ("automated", "非现场尽职调查", "on-site due diligence")
    own = route(employment="self_employed", collateral="property", amount=250000)
    assert own.checklist[-2:] == [SEGMENT_CHECKS["self_employed"], SEGMENT_CHECKS["property"]]
    for item in [*own.checklist, *CHECKLISTS["T2"], *SEGMENT_CHECKS.values()]:
        english, _, chinese = item.partition(" / ")
        assert english.isascii() and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), item


@pytest.mark.parametrize(
    ("params", "record", "tier", "rule"),
    [
        ({"t1_amount": 20000}, {"amount": 20000}, "T1", "amount_t1"),
        ({"t2_amount": 100000}, {"amount": 120000}, "T2", "amount_t2"),
        ({"t1_amount": 100000, "t2_amount": 100000}, {"amount": 100000}, "T2", "amount_t2"),  # thresholds may meet
        ({"band_tier": {"B": "T1"}}, {"score_band": "B"}, "T1", "band_B"),
        ({"band_tier": {"D": "T2"}}, {"score_band": "D"}, "T2", "band_D"),
        ({"band_tier": {"B": "T1"}}, {"score_band": "C"}, "T1", "band_C"),  # the others keep HQ's tiers
        ({"multilender_tier": "T2"}, {"multilender_flag": True}, "T2", "multilender_flag"),
        ({"self_employed_tier": "T2"}, {"employment": "self_employed"}, "T2", "self_employed"),
        ({"band_tier": {"A": "T1"}}, {}, "T1", "band_A"),
    ],
)
def test_a_branch_may_deepen(route, params, record, tier, rule):
    out = route(params, **record)
    assert (out.tier, out.rule) == (tier, rule)


@pytest.mark.parametrize(
    "params",
    [
        {"band_tier": {"E": "T1"}},
        {"band_tier": {"C": "T0"}},
        {"antifraud_tier": "T1"},
        {"unemployed_tier": "T0"},
        {"self_employed_tier": "T0"},
        {"multilender_tier": "T0"},
        {"greylist_tier": "T0"},
        {"band_tier": {"C": "T3"}},
        {"t1_amount": 5000},
        {"t1_amount": 100001},
        {"t2_amount": 2_000_000},
        {"t2_amount": 99999},
    ],
)
def test_lighter_or_out_of_bounds_params_are_rejected(run_capability, cap, params):
    with pytest.raises(ValidationError):
        cap.params.model_validate(params)
    with pytest.raises(ValidationError):
        run_capability(cap, {"score_band": "A", "amount": 1000}, params)


def test_every_combination_routes_and_names_a_known_rule(route):
    for band, fraud, multi, grey, employment, collateral, amount in itertools.product(
        "ABCDE", (False, True), (False, True), (False, True), ("employed", "self_employed", "unemployed"),
        ("none", "property", "other"), (0, 50000, 200000),
    ):
        out = route(score_band=band, antifraud_flag=fraud, multilender_flag=multi, greylist_hit=grey,
                    employment=employment, collateral=collateral, amount=amount)
        assert out.rule in RULES and out.tier in ("T0", "T1", "T2")
        if fraud or band == "E" or employment == "unemployed":
            assert out.tier == "T2"
        assert len(out.checklist) >= len(CHECKLISTS["T0"])


PRODUCT = """\
kind: product
id: beijing.haidian.dd_test
version: 1.0.0
branch: beijing.haidian
name: Due-diligence routing test
name_zh: 尽调分级测试
owner: beijing.haidian.tech
inputs:
  resident_id: string
  as_of: date
  score_band: string
  amount: number
  employment: string
steps:
  - id: intake
    uses: risk.intake
  - id: dd
    uses: risk.duediligence.route
    with: {score_band: inputs.score_band, amount: inputs.amount, employment: inputs.employment}
    params: PARAMS
decision: [steps.intake.decision]
outputs:
  tier: steps.dd.tier
  rule: steps.dd.rule
"""


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("{}", None),
        ("{band_tier: {B: T1}, multilender_tier: T2, t1_amount: 30000}", None),
        ("{band_tier: {E: T1}}", "band_tier: HQ's tiers are the least a branch may use"),
        ("{unemployed_tier: T1}", "unemployed_tier: HQ requires at least T2"),
        ("{t1_amount: 150000}", "t1_amount 150000 is above the maximum 100000"),
        ("{t2_amount: 50000}", "t2_amount 50000 is below the minimum 100000"),
    ],
)
def test_products_are_validated_against_hq_tiers_and_thresholds(tmp_path, jimu_catalog, params, message):
    from jimu.assembly import validate_paths

    path = tmp_path / "dd.yaml"
    path.write_text(PRODUCT.replace("PARAMS", params), encoding="utf-8")
    [analysis] = validate_paths([path], jimu_catalog)
    found = [d.message for d in analysis.diagnostics if d.is_error]
    if message is None:
        assert found == []
    else:
        assert any(message in m for m in found), found


def test_a_product_routes_from_plain_string_inputs(tmp_path, jimu_catalog):
    from jimu.runtime import load_plan, run_record

    path = tmp_path / "dd.yaml"
    path.write_text(PRODUCT.replace("PARAMS", "{}"), encoding="utf-8")
    plan = load_plan(path, jimu_catalog)
    base = {"resident_id": "11010519491231002X", "as_of": "2025-07-01", "score_band": "A", "amount": 10000}
    assert run_record(plan, {**base, "employment": "employed"}).outputs == {"tier": "T0", "rule": "default"}
    assert run_record(plan, {**base, "employment": "unemployed"}).outputs == {"tier": "T2", "rule": "unemployed"}
    bad = run_record(plan, {**base, "employment": "astronaut"})  # checked at run time: referred, not routed
    assert bad.outputs.get("tier") is None and bad.errors
