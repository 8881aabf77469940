"""Every batch form of the post-loan steps gives its record form's answers, field for field.

Hypothesis draws records anywhere in (and outside) each contract, nulls included, and params
anywhere in HQ's ranges; :func:`jimu.runtime.batch.compare_forms` runs both forms through the
engine's own paths and lists every disagreement (values, types, errors and their messages).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from jimu import load_catalog
from jimu.runtime import batch as engine
from jimu.runtime.batch import compare_forms
from jimu_credit.risk import earlywarning, monitor

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONEY = st.one_of(st.none(), st.floats(-10, 2e6, allow_nan=False), st.sampled_from([0.0, 0.005, 1000.0, 49999.995]))
SCORE = st.one_of(st.none(), st.floats(-5, 1005, allow_nan=False), st.sampled_from([489.999, 490.0, 520.0, 580.0]))
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(engine, "STRICT", True)


def params_or_skip(model, draw_params):
    try:
        return model.model_validate(draw_params)
    except ValidationError:
        return None


def agree(cap, records, params, catalog):
    mismatches = compare_forms(cap, records, params, catalog)
    assert not mismatches, mismatches[:3]


@SETTINGS
@given(dpds=st.lists(st.one_of(st.integers(-3, 40_000), st.none(), st.just("12")), min_size=1, max_size=30),
       edges=st.tuples(st.integers(15, 45), st.integers(30, 90), st.integers(45, 120)))
def test_dpd_bucket(catalog, dpds, edges):
    params = params_or_skip(monitor.BucketParams, dict(zip(("m1_max_dpd", "m2_max_dpd", "m3_max_dpd"), edges)))
    if params is not None:
        agree(monitor.dpd_bucket, [{"dpd": d} for d in dpds], params, catalog)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    "as_of": st.one_of(DATES, st.none(), st.just("not a date")),
    "loan_id": st.one_of(st.none(), st.text(max_size=70)),
    "oldest_unpaid_due_date": st.one_of(st.none(), DATES),
    "overdue_amount": MONEY,
}), min_size=1, max_size=20), grace=st.integers(0, 5))
def test_monitor_dpd(catalog, rows, grace):
    agree(monitor.dpd, rows, {"grace_days": grace}, catalog)


def test_monitor_dpd_schedule_rows_go_to_the_record_form(catalog):
    rows = [{"as_of": "2025-04-20", "schedule": [{"due_date": "2025-01-20", "amount_due": 1000}],
             "payments": [{"paid_on": "2025-01-19", "amount": 400}]},
            {"as_of": "2025-04-20", "overdue_amount": 5.0},  # the cross-field rule: the record form says why
            {"as_of": "2025-04-20", "oldest_unpaid_due_date": "1900-01-01"}]  # beyond the bucket step's range
    agree(monitor.dpd, rows, {}, catalog)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    "as_of": st.one_of(DATES, st.sampled_from([dt.date(1, 1, 1), dt.date(1, 6, 29), dt.date(1, 6, 30)])),
    "dpd": st.one_of(st.integers(-1, 400), st.none()),
    "balance_baseline": MONEY, "balance_current": MONEY, "turnover_baseline": MONEY, "turnover_current": MONEY,
    "origination_score": SCORE, "current_score": SCORE,
}), min_size=1, max_size=20), warn=st.floats(0.1, 0.6), critical_from=st.sampled_from(["M1", "M2", "M3"]))
def test_signals(catalog, rows, warn, critical_from):
    params = params_or_skip(earlywarning.SignalParams, {"balance_drop_warn": warn, "overdue_critical_from": critical_from})
    if params is not None:
        agree(earlywarning.signals, rows, params, catalog)


def test_signals_with_events_go_to_the_record_form(catalog):
    rows = [{"as_of": "2025-06-30", "dpd": 0, "events": [{"type": "enforcement", "date": "2025-05-10"}]},
            {"as_of": "2025-06-30", "dpd": 45}]
    agree(earlywarning.signals, rows, {}, catalog)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    "bucket": st.sampled_from(["M0", "M1", "M2", "M3", "M3+", "M4", None]),
    "outstanding_balance": MONEY, "behaviour_score": SCORE,
}), min_size=1, max_size=25), table=st.sampled_from([{}, {"m1": "call", "m2": "field", "m3": "legal"},
                                                    {"m3plus": "field", "m3": "field"}]))
def test_collection(catalog, rows, table):
    agree(earlywarning.collection, rows, table, catalog)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    "current_limit": st.one_of(MONEY, st.just(0.01)),
    "outstanding_balance": MONEY,
    "severity": st.sampled_from(["none", "info", "warn", "critical", "high"]),
    "new_score": SCORE,
    "monthly_income": MONEY,
    "existing_monthly_debt": MONEY,
    "annual_rate": st.one_of(st.floats(0, 1), st.just(0.0), st.just(1.5)),
    "tenor_months": st.one_of(st.integers(0, 400), st.none()),
    "revolving": st.one_of(st.booleans(), st.none()),
}), min_size=1, max_size=20), freeze=st.booleans(), increase=st.floats(0, 0.5), dti=st.floats(0.2, 0.6),
    regulatory=st.sampled_from([10_000.0, 200_000.0]))
def test_limitadjust(catalog, rows, freeze, increase, dti, regulatory):
    params = {"freeze_on_critical": freeze, "max_increase_pct": increase, "dti_max": dti, "regulatory_cap": regulatory}
    agree(earlywarning.limitadjust, rows, params, catalog)


def test_every_postloan_step_has_a_batch_form(catalog):
    for cap_id in ("risk.step.dpd_bucket", "risk.monitor.dpd", "risk.earlywarning.signals",
                   "risk.earlywarning.collection", "risk.earlywarning.limitadjust"):
        assert catalog.get(cap_id).batch is not None, cap_id


def test_a_capability_without_a_batch_form_cannot_be_compared(catalog):
    with pytest.raises(ValueError, match="no batch form"):
        compare_forms(catalog.get("risk.step.psi"), [{}], None, catalog)


def test_a_wrong_batch_form_is_caught(catalog):
    """compare_forms can fail: a batch form that eases every M2 loan to SMS disagrees on exactly those."""
    right = earlywarning.collection.batch

    def wrong(frame, params):
        out = right(frame, params)
        out["strategy"] = out["strategy"].copy()
        out["strategy"][frame["bucket"].to_numpy(dtype=object) == "M2"] = "sms"
        return out

    cap = earlywarning.collection.with_batch(wrong)
    rows = [{"bucket": "M2", "outstanding_balance": 30000.0}, {"bucket": "M1", "outstanding_balance": 30000.0}]
    mismatches = compare_forms(cap, rows, None, catalog)
    assert [(m.row, m.field, m.record, m.batch) for m in mismatches] == [(0, "strategy", "call", "sms")]


def test_fields_no_record_gives_take_their_defaults(catalog):
    """A field absent from every record is left unbound, as a plan leaves it, not bound to None: the
    summary form's rows (no schedule, no payments) run, so a wrong DPD is caught. Bound to None,
    every row broke the contract in both forms alike and the comparison saw no difference."""
    right = monitor.dpd.batch

    def wrong(frame, params):
        out = right(frame, params)
        out["dpd"] = out["dpd"] + 1
        return out

    cap = monitor.dpd.with_batch(wrong)
    rows = [{"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-02-15"}]
    mismatches = compare_forms(cap, rows, None, catalog)
    assert [(m.field, m.record, m.batch) for m in mismatches] == [("dpd", 44, 45)]


def test_monitor_dpd_arrears_before_their_due_date_agree(catalog):
    """The contract refuses arrears beside an oldest unpaid due date after as_of: the batch form
    hands those loans to the record form, whose contract says why."""
    summary = {"as_of": "2025-03-31"}
    rows = [{**summary, "oldest_unpaid_due_date": "2025-04-20", "overdue_amount": 500.0},
            {**summary, "oldest_unpaid_due_date": "2025-04-20", "overdue_amount": None},
            {**summary, "oldest_unpaid_due_date": "2025-04-20", "overdue_amount": 0.0},
            {**summary, "oldest_unpaid_due_date": "2025-03-31", "overdue_amount": 500.0}]
    agree(monitor.dpd, rows, {}, catalog)
    with pytest.raises(ValidationError, match="nothing is due yet"):
        monitor.dpd.input.model_validate(rows[0])
    monitor.dpd.input.model_validate(rows[1])  # a date not due yet and no arrears: a current loan
