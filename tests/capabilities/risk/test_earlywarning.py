"""Early warning: signals with severities, the collection decision table, dynamic limit adjustment.

Thresholds are checked at their edges (a value on a threshold fires it), params outside HQ's
bounds or out of order must fail validation, every reason code returned must be declared and
registered with English and Chinese text, and empty records give no signal and no NaN. The
catalog is built in memory from the modules (see test_monitor.py), with underwriting's DTI and
clamp steps that the limit review uses.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
from pydantic import BaseModel, ValidationError

import jimu
from jimu import Outcome
from jimu.testing import InlinePlugin, check_examples
from jimu_credit.domains import DOMAINS
from jimu_credit.risk import earlywarning, monitor, underwrite

SIGNALS = "risk.earlywarning.signals"
COLLECTION = "risk.earlywarning.collection"
LIMIT = "risk.earlywarning.limitadjust"
ALL = (SIGNALS, COLLECTION, LIMIT)
AS_OF = "2025-06-30"


class P:
    @jimu.hookimpl
    def jimu_register(self, register):
        for item in (*DOMAINS, underwrite.dti, underwrite.clamp, *monitor.CAPABILITIES, *earlywarning.CAPABILITIES):
            register(item)


@pytest.fixture(scope="module")
def catalog():
    built = jimu.load_catalog(plugins=[P()], installed=False)
    assert [str(p) for p in built.problems] == []
    return built


@pytest.fixture
def run(catalog):
    def _run(cap_id, record, params=None):
        return jimu.invoke(catalog.get(cap_id), record, params, catalog=catalog)

    return _run


def no_nan(model: BaseModel) -> bool:
    def walk(value):
        if isinstance(value, float):
            return not math.isnan(value) and not math.isinf(value)
        if isinstance(value, dict):
            return all(walk(v) for v in value.values())
        if isinstance(value, list):
            return all(walk(v) for v in value)
        return True

    return walk(model.model_dump())


# -- declarations ---------------------------------------------------------------------------------


def test_levels_and_composition(catalog):
    signals, collection, limit = (catalog.get(c) for c in ALL)
    assert all(c.level == 4 and c.kind.value == "map" and not c.resources for c in (signals, collection, limit))
    assert {u.id for u in signals.uses} == {"risk.step.dpd_bucket"}
    assert not collection.uses
    assert {u.id for u in limit.uses} == {"risk.step.dti", "risk.step.clamp"}
    assert earlywarning.CAPABILITIES == (earlywarning.signals, earlywarning.collection, earlywarning.limitadjust)


@pytest.mark.parametrize("cap_id", ALL)
def test_examples_differ_and_pass(catalog, cap_id):
    cap = catalog.get(cap_id)
    assert len(cap.examples) >= 2 and len({json.dumps(e.output, sort_keys=True) for e in cap.examples}) >= 2
    assert check_examples(cap, catalog=catalog) == []
    assert len(cap.description) > 500


def test_declared_reason_codes_are_registered_with_both_texts(catalog):
    expected = {
        SIGNALS: {"EW_OVERDUE", "EW_BALANCE_DROP", "EW_TURNOVER_DROP", "EW_NEGATIVE_EVENT", "EW_SCORE_DRIFT"},
        COLLECTION: {"EW_COL_BUCKET_M1", "EW_COL_BUCKET_M2", "EW_COL_BUCKET_M3", "EW_COL_BUCKET_M3PLUS",
                     "EW_COL_POOR_BEHAVIOUR", "EW_COL_GOOD_BEHAVIOUR", "EW_COL_LARGE_BALANCE", "EW_COL_SMALL_BALANCE"},
        LIMIT: {"EW_LA_FREEZE_CRITICAL", "EW_LA_DECREASE_SIGNALS", "EW_LA_DECREASE_LOW_SCORE",
                "EW_LA_DECREASE_AFFORDABILITY", "EW_LA_DECREASE_OVER_CAP", "EW_LA_INCREASE_GOOD_SCORE"},
    }
    for cap_id, codes in expected.items():
        assert catalog.get(cap_id).reason_codes == codes
        for code in codes:
            registered = catalog.reasons[code]
            assert registered.capability == cap_id and registered.text
            assert any("\u4e00" <= ch <= "\u9fff" for ch in registered.text_zh)


# -- risk.earlywarning.signals --------------------------------------------------------------------


def watch(run, params=None, **record):
    return run(SIGNALS, {"as_of": AS_OF, **record}, params)


def codes(out):
    return [(s.code, s.severity) for s in out.signals]


@pytest.mark.parametrize(
    ("dpd", "bucket", "severity"),
    [(0, "M0", "none"), (1, "M1", "warn"), (30, "M1", "warn"), (31, "M2", "critical"), (91, "M3+", "critical")],
)
def test_overdue_by_bucket(run, dpd, bucket, severity):
    out = watch(run, dpd=dpd)
    assert out.bucket == bucket and out.severity == severity
    assert out.reasons == ([] if dpd == 0 else ["EW_OVERDUE"])


def test_overdue_critical_from_and_occ_edges_are_params(run):
    assert watch(run, {"overdue_critical_from": "M3"}, dpd=45).severity == "warn"
    assert watch(run, {"overdue_critical_from": "M3"}, dpd=61).severity == "critical"
    assert watch(run, {"overdue_critical_from": "M1"}, dpd=1).severity == "critical"
    occ = {"m1_max_dpd": 29, "m2_max_dpd": 59, "m3_max_dpd": 89}
    out = watch(run, occ, dpd=30)
    assert out.bucket == "M2" and out.severity == "critical"


@pytest.mark.parametrize(
    ("baseline", "current", "drop", "severity"),
    [
        (100_000, 100_000, 0.0, None),
        (100_000, 70_001, 0.29999, None),
        (100_000, 70_000, 0.3, "warn"),  # on the warning threshold: fires
        (100_000, 40_001, 0.59999, "warn"),
        (100_000, 40_000, 0.6, "critical"),
        (100_000, 0, 1.0, "critical"),
        (100_000, 150_000, -0.5, None),  # growth is no warning
    ],
)
def test_balance_and_turnover_drop_thresholds(run, baseline, current, drop, severity):
    for metric, code in (("balance", "EW_BALANCE_DROP"), ("turnover", "EW_TURNOVER_DROP")):
        out = watch(run, **{f"{metric}_baseline": baseline, f"{metric}_current": current})
        assert getattr(out, f"{metric}_drop") == drop
        assert codes(out) == ([] if severity is None else [(code, severity)])


def test_a_small_or_missing_baseline_is_not_judged(run):
    small = watch(run, balance_baseline=999, balance_current=0)
    assert small.balance_drop is None and small.severity == "none"
    assert watch(run, {"min_baseline_balance": 0}, balance_baseline=999, balance_current=0).balance_drop == 1.0
    zero = watch(run, {"min_baseline_turnover": 0}, turnover_baseline=0, turnover_current=500)
    assert zero.turnover_drop is None and zero.severity == "none"  # no division by zero
    assert watch(run, balance_baseline=50_000).balance_drop is None  # no current figure


def test_drop_thresholds_are_params(run):
    out = watch(run, {"balance_drop_warn": 0.5, "balance_drop_critical": 0.9}, balance_baseline=10_000,
                balance_current=4_000)
    assert codes(out) == [("EW_BALANCE_DROP", "warn")] and out.signals[0].threshold == 0.5


def test_negative_events_in_the_window(run):
    events = [
        {"type": "litigation", "date": "2025-01-01"},  # exactly 180 days before as_of: inside
        {"type": "litigation", "date": "2025-03-01"},
        {"type": "abnormal_operation", "date": "2024-12-31"},  # 181 days: outside
        {"type": "enforcement", "date": "2025-07-01"},  # after as_of: not yet known
        {"type": "negative_news", "date": AS_OF},
    ]
    out = watch(run, events=events)
    assert out.events_in_window == 3
    assert codes(out) == [("EW_NEGATIVE_EVENT", "warn"), ("EW_NEGATIVE_EVENT", "info")]
    assert out.signals[0].metric == "event:litigation" and out.signals[0].value == 2
    assert "2025-03-01" in out.signals[0].detail and "涉诉" in out.signals[0].detail
    assert out.severity == "warn" and out.reasons == ["EW_NEGATIVE_EVENT"]
    wider = watch(run, {"event_lookback_days": 365}, events=events)
    assert wider.events_in_window == 4 and ("EW_NEGATIVE_EVENT", "warn") in codes(wider)


@pytest.mark.parametrize(
    ("kind", "severity"),
    [(k, s) for k, s in earlywarning.HQ_EVENT_SEVERITY.items()],
)
def test_each_event_type_has_hq_severity(run, kind, severity):
    out = watch(run, events=[{"type": kind, "date": "2025-06-01"}])
    assert codes(out) == [("EW_NEGATIVE_EVENT", severity)] and out.severity == severity


def test_a_branch_may_raise_an_event_severity_not_lower_it(run, catalog):
    out = watch(run, {"event_severity": {"litigation": "critical"}}, events=[{"type": "litigation", "date": "2025-06-01"}])
    assert out.severity == "critical"
    kept = watch(run, {"event_severity": {"litigation": "critical"}},
                 events=[{"type": "enforcement", "date": "2025-06-01"}])
    assert kept.severity == "critical"  # a partial table keeps HQ's other cells
    for lowered in ({"enforcement": "warn"}, {"litigation": "info"}, {"unknown_type": "warn"}, {"litigation": "high"}):
        with pytest.raises(ValidationError):
            catalog.get(SIGNALS).params.model_validate({"event_severity": lowered})


@pytest.mark.parametrize(
    ("origination", "current", "drift", "severity"),
    [(580, 600, -20.0, None), (580, 561, 19.0, None), (580, 560, 20.0, "warn"), (580, 541, 39.0, "warn"),
     (580, 540, 40.0, "critical"), (600, 450, 150.0, "critical")],
)
def test_score_drift(run, origination, current, drift, severity):
    out = watch(run, origination_score=origination, current_score=current)
    assert out.score_drift == drift
    assert codes(out) == ([] if severity is None else [("EW_SCORE_DRIFT", severity)])


def test_signals_are_ordered_most_severe_first_with_codes_once(run):
    out = watch(run, dpd=10, balance_baseline=100_000, balance_current=30_000, turnover_baseline=100_000,
                turnover_current=65_000, origination_score=600, current_score=570,
                events=[{"type": "dishonest_debtor", "date": "2025-06-01"}, {"type": "executive_change",
                                                                               "date": "2025-05-01"}])
    assert codes(out) == [
        ("EW_NEGATIVE_EVENT", "critical"), ("EW_BALANCE_DROP", "critical"), ("EW_OVERDUE", "warn"),
        ("EW_TURNOVER_DROP", "warn"), ("EW_SCORE_DRIFT", "warn"), ("EW_NEGATIVE_EVENT", "info"),
    ]
    assert out.reasons == ["EW_NEGATIVE_EVENT", "EW_BALANCE_DROP", "EW_OVERDUE", "EW_TURNOVER_DROP", "EW_SCORE_DRIFT"]
    assert out.severity == "critical"


def test_an_empty_record_gives_no_signal_and_no_nan(run):
    out = watch(run)
    assert out.severity == "none" and out.signals == [] and out.reasons == [] and out.bucket == "M0"
    assert out.balance_drop is None and out.turnover_drop is None and out.score_drift is None
    assert no_nan(out)


@pytest.mark.parametrize(
    "params",
    [
        {"balance_drop_warn": 0.6, "balance_drop_critical": 0.5},
        {"turnover_drop_warn": 0.5, "turnover_drop_critical": 0.5},
        {"score_drift_warn": 50, "score_drift_critical": 40},
        {"balance_drop_warn": 0.05},
        {"balance_drop_critical": 0.99},
        {"turnover_drop_warn": 0.61},
        {"event_lookback_days": 29},
        {"event_lookback_days": 731},
        {"score_drift_warn": 9},
        {"score_drift_critical": 121},
        {"min_baseline_balance": -1},
        {"overdue_critical_from": "M3+"},
        {"overdue_critical_from": "M0"},
        {"m1_max_dpd": 40, "m2_max_dpd": 40},
        {"m3_max_dpd": 130},
        {"unknown": 1},
    ],
)
def test_signal_params_out_of_bounds_or_order_are_rejected(run, params):
    with pytest.raises(ValidationError):
        watch(run, params, dpd=5)


@pytest.mark.parametrize(
    "record",
    [{"dpd": -1}, {"balance_current": -5, "balance_baseline": 10}, {"events": [{"type": "rumour", "date": AS_OF}]},
     {"events": [{"type": "litigation"}]}, {"current_score": float("nan")}, {"turnover_baseline": float("inf")}],
)
def test_signals_refuse_impossible_records(run, record):
    with pytest.raises(ValidationError):
        watch(run, **record)


# -- risk.earlywarning.collection -----------------------------------------------------------------


def collect(run, bucket, balance=20_000, score=None, params=None):
    record = {"bucket": bucket, "outstanding_balance": balance}
    if score is not None:
        record["behaviour_score"] = score
    return run(COLLECTION, record, params)


@pytest.mark.parametrize(
    ("bucket", "strategy", "code"),
    [("M0", "none", None), ("M1", "sms", "EW_COL_BUCKET_M1"), ("M2", "call", "EW_COL_BUCKET_M2"),
     ("M3", "field", "EW_COL_BUCKET_M3"), ("M3+", "legal", "EW_COL_BUCKET_M3PLUS")],
)
def test_default_table(run, bucket, strategy, code):
    out = collect(run, bucket, score=530)
    assert out.strategy == strategy and out.base_strategy == strategy and out.adjustment == 0
    assert out.reasons == ([] if code is None else [code])
    assert out.strategy_zh == earlywarning.STRATEGY_ZH[strategy]


@pytest.mark.parametrize(
    ("bucket", "balance", "score", "strategy", "reasons"),
    [
        ("M1", 20_000, 489, "call", ["EW_COL_BUCKET_M1", "EW_COL_POOR_BEHAVIOUR"]),
        ("M1", 20_000, 490, "sms", ["EW_COL_BUCKET_M1"]),
        ("M1", 50_000, 400, "call", ["EW_COL_BUCKET_M1", "EW_COL_POOR_BEHAVIOUR", "EW_COL_LARGE_BALANCE"]),
        ("M1", 1_000, 600, "sms", ["EW_COL_BUCKET_M1", "EW_COL_GOOD_BEHAVIOUR", "EW_COL_SMALL_BALANCE"]),
        ("M2", 49_999.99, None, "call", ["EW_COL_BUCKET_M2"]),
        ("M2", 50_000, None, "field", ["EW_COL_BUCKET_M2", "EW_COL_LARGE_BALANCE"]),
        ("M2", 20_000, 580, "sms", ["EW_COL_BUCKET_M2", "EW_COL_GOOD_BEHAVIOUR"]),
        ("M2", 1_999.99, None, "sms", ["EW_COL_BUCKET_M2", "EW_COL_SMALL_BALANCE"]),
        ("M2", 2_000, None, "call", ["EW_COL_BUCKET_M2"]),
        # escalation and easing cancel out
        ("M2", 80_000, 600, "call", ["EW_COL_BUCKET_M2", "EW_COL_GOOD_BEHAVIOUR", "EW_COL_LARGE_BALANCE"]),
        # M3 does not escalate into court unless the table says legal for M3
        ("M3", 80_000, 400, "field", ["EW_COL_BUCKET_M3", "EW_COL_POOR_BEHAVIOUR", "EW_COL_LARGE_BALANCE"]),
        ("M3", 1_000, 600, "call", ["EW_COL_BUCKET_M3", "EW_COL_GOOD_BEHAVIOUR", "EW_COL_SMALL_BALANCE"]),
        ("M3+", 1_500, None, "field", ["EW_COL_BUCKET_M3PLUS", "EW_COL_SMALL_BALANCE"]),
        ("M3+", 1_500, 400, "legal", ["EW_COL_BUCKET_M3PLUS", "EW_COL_POOR_BEHAVIOUR", "EW_COL_SMALL_BALANCE"]),
        ("M3+", 100_000, 650, "legal", ["EW_COL_BUCKET_M3PLUS", "EW_COL_GOOD_BEHAVIOUR", "EW_COL_LARGE_BALANCE"]),
    ],
)
def test_adjustments_by_score_and_balance_within_the_bucket_range(run, bucket, balance, score, strategy, reasons):
    out = collect(run, bucket, balance, score)
    assert out.strategy == strategy and out.reasons == reasons
    low, high = earlywarning.BUCKET_RANGE[bucket]
    ranks = {s: i for i, s in enumerate(earlywarning.STRATEGIES)}
    assert ranks[low] <= ranks[out.strategy] <= max(ranks[high], ranks[out.base_strategy])
    assert abs(out.adjustment) <= 1


def test_the_table_is_params(run):
    strict = {"m1": "call", "m2": "field", "m3": "legal", "m3plus": "legal"}
    assert collect(run, "M1", params=strict).strategy == "call"
    assert collect(run, "M3", params=strict).strategy == "legal"
    assert collect(run, "M3", balance=1_000, params=strict).strategy == "field"
    assert collect(run, "M3+", params={"m3plus": "field"}).strategy == "field"
    assert collect(run, "M1", balance=1_000, params={"small_balance_below": 500}).strategy == "sms"
    assert collect(run, "M1", score=550, params={"poor_score_below": 560}).strategy == "call"


def test_an_m1_borrower_is_never_sued_whatever_the_inputs(run):
    for balance, score in itertools.product((0, 1_000, 50_000, 1_000_000), (None, 0, 489, 580, 1000)):
        assert collect(run, "M1", balance, score).strategy in ("sms", "call")
        assert collect(run, "M0", balance, score).strategy == "none"


@pytest.mark.parametrize(
    "params",
    [
        {"m1": "none"}, {"m1": "legal"}, {"m1": "field"}, {"m2": "legal"}, {"m3": "sms"}, {"m3plus": "call"},
        {"m1": "call", "m2": "sms"},  # eases as the bucket worsens
        {"m3": "legal", "m3plus": "field"},
        {"poor_score_below": 399}, {"good_score_from": 701}, {"poor_score_below": 560, "good_score_from": 550},
        {"small_balance_below": 20_001}, {"large_balance_from": 9_999},
        {"small_balance_below": 15_000, "large_balance_from": 15_000},
    ],
)
def test_collection_params_outside_hq_bounds_are_rejected(run, params):
    with pytest.raises(ValidationError):
        collect(run, "M1", params=params)


@pytest.mark.parametrize("record", [{"bucket": "M4", "outstanding_balance": 1}, {"bucket": "m1", "outstanding_balance": 1},
                                    {"bucket": "M1", "outstanding_balance": -1}, {"bucket": "M1"}])
def test_collection_refuses_impossible_records(run, record):
    with pytest.raises(ValidationError):
        run(COLLECTION, record)


# -- risk.earlywarning.limitadjust ----------------------------------------------------------------

REVIEW = {"current_limit": 50_000, "outstanding_balance": 20_000, "severity": "none", "new_score": 560,
          "monthly_income": 20_000, "annual_rate": 0.06, "tenor_months": 36}


def review(run, params=None, **change):
    return run(LIMIT, {**REVIEW, **change}, params)


def test_critical_freezes_and_refers(run):
    out = review(run, severity="critical")
    assert (out.action, out.new_limit, out.available, out.frozen) == ("freeze", 50_000.0, 0.0, True)
    assert out.reasons == ["EW_LA_FREEZE_CRITICAL"] and out.change == 0
    assert out.decision.outcome is Outcome.REFER and out.decision.reasons == ["EW_LA_FREEZE_CRITICAL"]


def test_critical_without_freeze_cuts_by_the_largest_decrease(run):
    out = review(run, {"freeze_on_critical": False, "max_decrease_pct": 0.4}, severity="critical")
    assert (out.action, out.new_limit, out.change_pct, out.frozen) == ("decrease", 30_000.0, -0.4, False)
    assert out.reasons == ["EW_LA_DECREASE_SIGNALS"] and out.available == 10_000.0


@pytest.mark.parametrize(
    ("change", "params", "new", "reasons", "binding", "capped"),
    [
        ({"severity": "warn"}, None, 40_000.0, ["EW_LA_DECREASE_SIGNALS"], "signals", False),
        ({"new_score": 519.99}, None, 40_000.0, ["EW_LA_DECREASE_LOW_SCORE"], "score", False),
        ({"severity": "warn", "new_score": 500}, {"decrease_step_pct": 0.1}, 45_000.0,
         ["EW_LA_DECREASE_SIGNALS", "EW_LA_DECREASE_LOW_SCORE"], "signals", False),
        # affordability: income 3,000, other debt 500, DTI 0.5 → 1,000/month over 36 months at 0.5% = 32,871.01 (§2.7's annuity factor)
        ({"monthly_income": 3_000, "existing_monthly_debt": 500}, None, 32_871.01, ["EW_LA_DECREASE_AFFORDABILITY"],
         "affordability", False),
        # … over 12 months only 11,618.93: HQ's largest decrease (50%) holds the cut
        ({"monthly_income": 3_000, "existing_monthly_debt": 500, "tenor_months": 12}, None, 25_000.0,
         ["EW_LA_DECREASE_AFFORDABILITY"], "max_decrease", True),
        ({"current_limit": 250_000, "monthly_income": 100_000}, None, 200_000.0, ["EW_LA_DECREASE_OVER_CAP"], "cap",
         False),
    ],
)
def test_decreases(run, change, params, new, reasons, binding, capped):
    out = review(run, params, **change)
    assert out.action == "decrease" and out.new_limit == new and out.reasons == reasons
    assert (out.binding, out.capped) == (binding, capped)
    assert out.decision.outcome is Outcome.APPROVE and out.decision.offer.limit == new
    assert out.decision.reasons == reasons


def test_a_decrease_is_rounded_up_to_the_fen_never_past_the_cap(run):
    out = review(run, current_limit=33_333.33, severity="warn")  # 0.8 × 33,333.33 = 26,666.664
    assert out.new_limit == 26_666.67 and out.new_limit >= 33_333.33 * 0.8


@pytest.mark.parametrize(
    ("change", "params", "new", "binding", "capped"),
    [
        ({"new_score": 600}, None, 65_000.0, "max_increase", True),
        ({"new_score": 580}, None, 65_000.0, "max_increase", True),
        ({"new_score": 600, "severity": "info"}, None, 65_000.0, "max_increase", True),
        ({"new_score": 600}, {"max_increase_pct": 0.1}, 55_000.0, "max_increase", True),
        ({"new_score": 600, "current_limit": 180_000, "monthly_income": 100_000}, None, 200_000.0, "cap", True),
        ({"new_score": 600, "current_limit": 180_000, "monthly_income": 100_000}, {"product_cap": 190_000}, 190_000.0,
         "cap", True),
        # affordability 1,500/month over 36 months: 49,306.52 → only up to it
        ({"new_score": 600, "current_limit": 40_000, "monthly_income": 3_000}, None, 49_306.52, "affordability", False),
    ],
)
def test_increases(run, change, params, new, binding, capped):
    out = review(run, params, **change)
    assert out.action == "increase" and out.new_limit == new and out.reasons == ["EW_LA_INCREASE_GOOD_SCORE"]
    assert (out.binding, out.capped) == (binding, capped)
    assert out.new_limit <= out.affordable_principal
    assert out.decision.outcome is Outcome.APPROVE and out.decision.offer.limit == new


@pytest.mark.parametrize(
    ("change", "params"),
    [
        ({"new_score": 579.99}, None),  # neither good enough to rise nor bad enough to fall
        ({"new_score": 600, "severity": "info"}, {"increase_score_from": 610}),
        ({"new_score": 600, "current_limit": 199_500, "monthly_income": 100_000}, None),  # +500 < min increase
        ({"new_score": 600, "current_limit": 49_000, "monthly_income": 3_000}, None),  # +306.52 affordable only
        ({"new_score": 600}, {"max_increase_pct": 0}),
    ],
)
def test_keeps(run, change, params):
    out = review(run, params, **change)
    assert out.new_limit == change.get("current_limit", REVIEW["current_limit"])
    assert out.action == "keep" and out.change == 0 and out.reasons == [] and not out.frozen
    assert out.decision.outcome is Outcome.APPROVE


def test_no_increase_with_a_warning(run):
    out = review(run, new_score=650, severity="warn")
    assert out.action == "decrease" and out.reasons == ["EW_LA_DECREASE_SIGNALS"]


def test_available_is_never_negative(run):
    out = review(run, outstanding_balance=48_000, severity="warn")
    assert out.new_limit == 40_000.0 and out.available == 0.0 and no_nan(out)


def test_no_income_means_no_affordability_and_no_nan(run):
    out = review(run, monthly_income=0, annual_rate=0)
    assert out.affordable_principal == 0.0 and out.action == "decrease" and out.new_limit == 25_000.0
    assert no_nan(out)


@pytest.mark.parametrize(
    "params",
    [
        {"max_increase_pct": 0.51}, {"max_increase_pct": -0.1}, {"max_decrease_pct": 0.05}, {"max_decrease_pct": 1.1},
        {"decrease_step_pct": 0.3, "max_decrease_pct": 0.2}, {"decrease_step_pct": 0.6},
        {"increase_score_from": 540}, {"decrease_score_below": 590}, {"increase_score_from": 560, "decrease_score_below": 570},
        {"dti_max": 0.7}, {"regulatory_cap": 250_000}, {"product_cap": 5_000}, {"min_increase_amount": 20_000},
        {"freeze_on_critical": "sometimes"},
    ],
)
def test_limit_params_outside_hq_caps_are_rejected(run, params):
    with pytest.raises(ValidationError):
        review(run, params)


@pytest.mark.parametrize("change", [{"current_limit": 0}, {"severity": "high"}, {"new_score": -1}, {"annual_rate": 2},
                                    {"monthly_income": float("nan")}, {"tenor_months": 0}])
def test_limit_refuses_impossible_records(run, change):
    with pytest.raises(ValidationError):
        review(run, **change)


def test_limit_uses_the_dti_step_through_ctx(run, catalog):
    """A DTI step that says nothing is affordable changes the review: it is called, not imported."""

    class Zero(underwrite.DtiResult):
        pass

    fake = underwrite.dti.model_copy(update={"version": "1.0.1", "func": lambda inp: Zero(
        affordable_instalment=0.0, principal=0.0, monthly_rate=0.0), "examples": ()})
    fake_catalog = jimu.load_catalog(plugins=[InlinePlugin(*DOMAINS, fake, underwrite.clamp,
                                                                        earlywarning.limitadjust)], installed=False)
    out = jimu.invoke(earlywarning.limitadjust, {**REVIEW, "new_score": 600}, catalog=fake_catalog)
    assert out.affordable_principal == 0.0 and out.action == "decrease" and out.binding == "max_decrease"


# -- every code returned is declared, and every declared code is reachable ------------------------


def test_every_reason_code_returned_is_declared_and_reachable(run, catalog):
    seen: dict[str, set[str]] = {cap_id: set() for cap_id in ALL}
    events = [[], [{"type": t, "date": "2025-06-01"} for t in earlywarning.EVENT_TYPES]]
    for dpd, drop, drift, evs in itertools.product((0, 15, 45), (None, 0.35, 0.7), (None, 25, 50), events):
        record = {"dpd": dpd, "events": evs}
        if drop is not None:
            record.update(balance_baseline=100_000, balance_current=100_000 * (1 - drop),
                          turnover_baseline=100_000, turnover_current=100_000 * (1 - drop))
        if drift is not None:
            record.update(origination_score=600, current_score=600 - drift)
        out = watch(run, **record)
        seen[SIGNALS].update(out.reasons, (s.code for s in out.signals))
        assert no_nan(out)
    for bucket, balance, score in itertools.product(monitor.BUCKETS, (500, 20_000, 80_000), (None, 450, 530, 600)):
        out = collect(run, bucket, balance, score)
        seen[COLLECTION].update(out.reasons)
    for severity, score, income, limit, freeze in itertools.product(
        ("none", "info", "warn", "critical"), (500, 560, 600), (3_000, 20_000), (50_000, 250_000), (True, False)
    ):
        out = review(run, {"freeze_on_critical": freeze}, severity=severity, new_score=score, monthly_income=income,
                     current_limit=limit)
        seen[LIMIT].update(out.reasons, out.decision.reasons)
        assert no_nan(out)
    for cap_id in ALL:
        assert seen[cap_id] == catalog.get(cap_id).reason_codes, cap_id
        for code in seen[cap_id]:
            assert catalog.reasons[code].text and catalog.reasons[code].text_zh


# -- in a product: the post-loan chain validates, runs, and HQ's bounds are enforced --------------

PRODUCT = """\
kind: product
id: beijing.haidian.postloan_watch
version: 1.0.0
branch: beijing.haidian
name: Post-loan watch and limit review
name_zh: 贷后监测、预警与额度复核
owner: beijing.haidian.tech
inputs:
  as_of: date
  oldest_unpaid_due_date: {type: date, optional: true}
  balance_baseline: number
  balance_current: number
  origination_score: number
  current_score: number
  outstanding_balance: number
  current_limit: number
  monthly_income: number
  annual_rate: number
steps:
  - id: dpd
    uses: risk.monitor.dpd
    with: {as_of: inputs.as_of, oldest_unpaid_due_date: inputs.oldest_unpaid_due_date}
    params: DPD_PARAMS
  - id: signals
    uses: risk.earlywarning.signals
    with:
      as_of: inputs.as_of
      dpd: steps.dpd.dpd
      balance_baseline: inputs.balance_baseline
      balance_current: inputs.balance_current
      origination_score: inputs.origination_score
      current_score: inputs.current_score
    params: SIGNAL_PARAMS
  - id: collection
    uses: risk.earlywarning.collection
    with: {bucket: steps.dpd.bucket, outstanding_balance: inputs.outstanding_balance,
           behaviour_score: inputs.current_score}
  - id: limit
    uses: risk.earlywarning.limitadjust
    with:
      current_limit: inputs.current_limit
      outstanding_balance: inputs.outstanding_balance
      severity: steps.signals.severity
      new_score: inputs.current_score
      monthly_income: inputs.monthly_income
      annual_rate: inputs.annual_rate
    params: LIMIT_PARAMS
decision: steps.limit.decision
outputs:
  dpd: steps.dpd.dpd
  bucket: steps.dpd.bucket
  severity: steps.signals.severity
  strategy: steps.collection.strategy
  action: steps.limit.action
  new_limit: steps.limit.new_limit
"""
DEFAULTS = {"DPD_PARAMS": "{grace_days: 3}", "SIGNAL_PARAMS": "{balance_drop_warn: 0.25}",
            "LIMIT_PARAMS": "{max_increase_pct: 0.2}"}
ACCOUNT = {"as_of": AS_OF, "balance_baseline": 80_000, "balance_current": 76_000, "origination_score": 590,
           "current_score": 600, "outstanding_balance": 30_000, "current_limit": 50_000, "monthly_income": 20_000,
           "annual_rate": 0.06}


def write_product(tmp_path, **change):
    text = PRODUCT
    for key, value in {**DEFAULTS, **change}.items():
        text = text.replace(key, value)
    path = tmp_path / "postloan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_post_loan_chain_validates_and_runs(tmp_path, catalog):
    from jimu.assembly import validate_paths
    from jimu.runtime import load_plan, run_record

    path = write_product(tmp_path)
    [analysis] = validate_paths([path], catalog)
    assert analysis.ok, [f"{d.code} {d.message}" for d in analysis.diagnostics]
    plan = load_plan(path, catalog)
    good = run_record(plan, ACCOUNT)
    assert good.outputs == {"dpd": 0, "bucket": "M0", "severity": "none", "strategy": "none", "action": "increase",
                            "new_limit": 60_000.0}
    assert good.decision.outcome is Outcome.APPROVE and good.decision.offer.limit == 60_000.0
    late = run_record(plan, {**ACCOUNT, "oldest_unpaid_due_date": "2025-05-20", "current_score": 480,
                             "balance_current": 50_000})
    assert late.outputs == {"dpd": 41, "bucket": "M2", "severity": "critical", "strategy": "field",
                            "action": "freeze", "new_limit": 50_000.0}
    assert late.decision.outcome is Outcome.REFER and late.decision.reasons == ["EW_LA_FREEZE_CRITICAL"]
    grace = run_record(plan, {**ACCOUNT, "oldest_unpaid_due_date": "2025-06-28"})
    assert grace.outputs["dpd"] == 0 and grace.outputs["action"] == "increase"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DPD_PARAMS": "{grace_days: 10}"}, "grace_days 10 is above the maximum 5"),
        ({"DPD_PARAMS": "{m1_max_dpd: 45, m2_max_dpd: 40}"}, "must strictly increase"),
        ({"DPD_PARAMS": "{special_mention_max_dpd: 91}"}, "special_mention_max_dpd 91 is above the maximum 90"),
        ({"SIGNAL_PARAMS": "{balance_drop_warn: 0.7}"}, "balance_drop_warn 0.7 is above the maximum 0.6"),
        ({"SIGNAL_PARAMS": "{score_drift_warn: 50, score_drift_critical: 30}"}, "must be below score_drift_critical"),
        ({"SIGNAL_PARAMS": "{event_severity: {enforcement: warn}}"}, "HQ requires at least critical"),
        ({"LIMIT_PARAMS": "{max_increase_pct: 0.6}"}, "max_increase_pct 0.6 is above the maximum 0.5"),
        ({"LIMIT_PARAMS": "{regulatory_cap: 300000}"}, "regulatory_cap 300000 is above the maximum 200000"),
    ],
)
def test_a_product_outside_hq_bounds_fails_validation(tmp_path, catalog, change, message):
    from jimu.assembly import validate_paths

    [analysis] = validate_paths([write_product(tmp_path, **change)], catalog)
    assert not analysis.ok
    assert any(message in d.message for d in analysis.diagnostics if d.is_error), [
        d.message for d in analysis.diagnostics]
