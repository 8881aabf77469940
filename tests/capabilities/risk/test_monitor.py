"""Post-loan monitoring: DPD buckets and five-category class, PSI, and a loan's DPD.

DOMAIN.md §2.8's bucket edges (and the OCC variant, and Art. 92's five categories) are checked
DPD by DPD at each edge; §2.9's PSI against values worked by hand; params outside HQ's bounds,
or edges out of order, must fail validation. The catalog is built in memory from the modules
themselves (plus the domains and underwriting's DTI and clamp steps that early warning uses), so
these tests do not depend on plugin.py registering them.
"""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

import jimu
from jimu.testing import check_examples
from jimu_credit.domains import DOMAINS
from jimu_credit.risk import earlywarning, monitor, underwrite

BUCKET = "risk.step.dpd_bucket"
PSI = "risk.step.psi"
DPD = "risk.monitor.dpd"
ALL = (BUCKET, PSI, DPD)
OCC = {"m1_max_dpd": 29, "m2_max_dpd": 59, "m3_max_dpd": 89}


class P:
    """An in-memory plugin with what these capabilities need: ctx.use finds its steps here."""

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


# -- declarations ---------------------------------------------------------------------------------


def test_levels_and_composition(catalog):
    bucket, psi, dpd = (catalog.get(c) for c in ALL)
    assert bucket.level == 5 and psi.level == 5 and not bucket.uses and not psi.uses
    assert not bucket.resources and not psi.resources
    assert dpd.level == 4 and {u.id for u in dpd.uses} == {BUCKET} and dpd.kind.value == "map"
    assert monitor.CAPABILITIES == (monitor.dpd_bucket, monitor.psi, monitor.dpd, monitor.population_psi)


@pytest.mark.parametrize("cap_id", ALL)
def test_examples_differ_pass_and_the_docstring_cites_domain(catalog, cap_id):
    cap = catalog.get(cap_id)
    assert len(cap.examples) >= 2 and len({json.dumps(e.output, sort_keys=True) for e in cap.examples}) >= 2
    assert check_examples(cap, catalog=catalog) == []
    assert "DOMAIN.md §2." in cap.description and len(cap.description) > 300


# -- risk.step.dpd_bucket: DOMAIN.md §2.8 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dpd", "bucket", "index", "span"),
    [(0, "M0", 0, "0"), (1, "M1", 1, "1-30"), (30, "M1", 1, "1-30"), (31, "M2", 2, "31-60"), (60, "M2", 2, "31-60"),
     (61, "M3", 3, "61-90"), (90, "M3", 3, "61-90"), (91, "M3+", 4, "91+"), (400, "M3+", 4, "91+")],
)
def test_default_bucket_edges(run, dpd, bucket, index, span):
    out = run(BUCKET, {"dpd": dpd})
    assert (out.bucket, out.bucket_index, out.bucket_range) == (bucket, index, span)


@pytest.mark.parametrize(
    ("dpd", "bucket", "span"),
    [(0, "M0", "0"), (1, "M1", "1-29"), (29, "M1", "1-29"), (30, "M2", "30-59"), (59, "M2", "30-59"),
     (60, "M3", "60-89"), (89, "M3", "60-89"), (90, "M3+", "90+")],
)
def test_occ_edges_give_the_30_59_and_60_89_buckets(run, dpd, bucket, span):
    out = run(BUCKET, {"dpd": dpd}, OCC)
    assert (out.bucket, out.bucket_range) == (bucket, span)


@pytest.mark.parametrize(
    ("dpd", "klass", "zh", "npl"),
    [(0, "pass", "正常", False), (1, "special_mention", "关注", False), (90, "special_mention", "关注", False),
     (91, "substandard", "次级", True), (120, "substandard", "次级", True), (121, "doubtful", "可疑", True),
     (180, "doubtful", "可疑", True), (181, "loss", "损失", True)],
)
def test_five_category_edges_of_art_92(run, dpd, klass, zh, npl):
    out = run(BUCKET, {"dpd": dpd})
    assert (out.five_class, out.five_class_zh, out.non_performing) == (klass, zh, npl)


def test_five_category_edges_are_params_not_constants(run):
    wider = {"special_mention_max_dpd": 90, "substandard_max_dpd": 270, "doubtful_max_dpd": 360}
    assert run(BUCKET, {"dpd": 200}, wider).five_class == "substandard"
    assert run(BUCKET, {"dpd": 300}, wider).five_class == "doubtful"
    assert run(BUCKET, {"dpd": 361}, wider).five_class == "loss"
    assert run(BUCKET, {"dpd": 61}, {"special_mention_max_dpd": 60}).five_class == "substandard"


def test_the_two_outputs_are_independent(run):
    out = run(BUCKET, {"dpd": 100}, OCC)
    assert out.bucket == "M3+" and out.five_class == "substandard"  # OCC edges do not move Art. 92's


@pytest.mark.parametrize(
    "params",
    [
        {"m1_max_dpd": 40, "m2_max_dpd": 35},  # not increasing
        {"m1_max_dpd": 45, "m2_max_dpd": 45},  # equal is not strictly increasing
        {"m2_max_dpd": 90, "m3_max_dpd": 90},
        {"m2_max_dpd": 70, "m3_max_dpd": 65},
        {"m1_max_dpd": 14},
        {"m1_max_dpd": 46},
        {"m3_max_dpd": 121},
        {"special_mention_max_dpd": 91},  # never past 90 as special mention
        {"special_mention_max_dpd": 29},
        {"substandard_max_dpd": 271},
        {"doubtful_max_dpd": 361},
        {"substandard_max_dpd": 200, "doubtful_max_dpd": 150},
        {"special_mention_max_dpd": 90, "substandard_max_dpd": 90, "doubtful_max_dpd": 180},
        {"m1_max_dpd": 30.5},
        {"m4_max_dpd": 120},
    ],
)
def test_bucket_params_out_of_bounds_or_order_are_rejected(catalog, run, params):
    for cap_id in (BUCKET, DPD):
        with pytest.raises(ValidationError):
            catalog.get(cap_id).params.model_validate(params)
    with pytest.raises(ValidationError):
        run(BUCKET, {"dpd": 10}, params)


def test_bucket_params_at_the_bounds_are_accepted(catalog):
    params = catalog.get(BUCKET).params
    params.model_validate({"m1_max_dpd": 15, "m2_max_dpd": 30, "m3_max_dpd": 45})
    params.model_validate({"m1_max_dpd": 45, "m2_max_dpd": 90, "m3_max_dpd": 120, "special_mention_max_dpd": 30,
                           "substandard_max_dpd": 60, "doubtful_max_dpd": 90})
    params.model_validate({"special_mention_max_dpd": 90, "substandard_max_dpd": 270, "doubtful_max_dpd": 360})


@pytest.mark.parametrize("bad", [{"dpd": -1}, {"dpd": 1.5}, {"dpd": None}, {}])
def test_bucket_refuses_an_impossible_dpd(run, bad):
    with pytest.raises(ValidationError):
        run(BUCKET, bad)


# -- risk.step.psi: DOMAIN.md §2.9 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual", "value", "band"),
    [
        ([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], 0.0, "stable"),
        ([10, 20, 70], [1, 2, 7], 0.0, "stable"),  # same shape as counts and as shares
        # two bins: 0.1·ln(0.6/0.5) + (−0.1)·ln(0.4/0.5) = 0.1·(0.1823216 + 0.2231436)
        ([0.5, 0.5], [0.6, 0.4], 0.1 * (math.log(1.2) + math.log(1.25)), "stable"),
        ([50, 50], [120, 80], 0.1 * (math.log(1.2) + math.log(1.25)), "stable"),
        # 0.2·ln 1.4 + 0.2·ln(5/3) = 0.0672944 + 0.1021651
        ([0.5, 0.5], [0.7, 0.3], 0.2 * (math.log(1.4) + math.log(5 / 3)), "monitor"),
        # 0.3·ln 1.6 + 0.3·ln 2.5
        ([0.5, 0.5], [0.8, 0.2], 0.3 * (math.log(1.6) + math.log(2.5)), "shift"),
        # three bins: (0.4−0.3)·ln(4/3) + (0.4−0.4)·0 + (0.2−0.3)·ln(2/3)
        ([0.3, 0.4, 0.3], [0.4, 0.4, 0.2], 0.1 * math.log(4 / 3) + 0.1 * math.log(3 / 2), "stable"),
    ],
)
def test_psi_vectors_worked_by_hand(run, expected, actual, value, band):
    out = run(PSI, {"expected": expected, "actual": actual})
    assert out.psi == pytest.approx(value, abs=1e-12) and out.band == band and out.bins == len(expected)
    assert sum(out.contributions) == pytest.approx(out.psi, abs=1e-12)
    assert all(c >= 0 for c in out.contributions)


def test_psi_hand_values_to_nine_places(run):
    assert round(run(PSI, {"expected": [0.5, 0.5], "actual": [0.6, 0.4]}).psi, 9) == 0.040546511
    assert round(run(PSI, {"expected": [0.5, 0.5], "actual": [0.7, 0.3]}).psi, 9) == 0.169459572
    assert round(run(PSI, {"expected": [0.5, 0.5], "actual": [0.8, 0.2]}).psi, 9) == 0.415888308


def test_psi_is_not_symmetric_in_general_but_is_for_two_mirrored_bins(run):
    ab = run(PSI, {"expected": [0.2, 0.8], "actual": [0.5, 0.5]}).psi
    ba = run(PSI, {"expected": [0.5, 0.5], "actual": [0.2, 0.8]}).psi
    assert ab == pytest.approx(ba)  # (A−E)·ln(A/E) is symmetric in A and E term by term


def test_an_empty_bin_takes_epsilon(run):
    eps = 1e-4
    # expected [0.5, 0.5, 0], actual [0.5, 0.4, 0.1]: the third bin's E is epsilon
    want = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.1 - eps) * math.log(0.1 / eps)
    out = run(PSI, {"expected": [5, 5, 0], "actual": [5, 4, 1]})
    assert out.psi == pytest.approx(want, abs=1e-12) and out.band == "shift" and out.largest_bin == 2
    bigger = run(PSI, {"expected": [5, 5, 0], "actual": [5, 4, 1]}, {"epsilon": 0.01})
    assert bigger.psi == pytest.approx((0.4 - 0.5) * math.log(0.8) + (0.1 - 0.01) * math.log(10), abs=1e-12)
    both_empty = run(PSI, {"expected": [1, 1, 0], "actual": [1, 1, 0]})
    assert both_empty.psi == 0.0 and both_empty.contributions == [0.0, 0.0, 0.0]


def test_psi_band_edges(run):
    """DOMAIN.md §2.9: below 0.10 stable, 0.10–0.25 monitor, above 0.25 shift; the edges are params."""
    # expected 0.5/0.5, actual a/(1−a): PSI = (a−0.5)·ln(a/(1−a)); solve for a near each edge
    def actual_for(target):
        lo, hi = 0.5, 0.99
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if (mid - 0.5) * math.log(mid / (1 - mid)) < target else (lo, mid)
        return [lo, 1 - lo]

    assert run(PSI, {"expected": [0.5, 0.5], "actual": actual_for(0.0999)}).band == "stable"
    assert run(PSI, {"expected": [0.5, 0.5], "actual": actual_for(0.1001)}).band == "monitor"
    assert run(PSI, {"expected": [0.5, 0.5], "actual": actual_for(0.2499)}).band == "monitor"
    assert run(PSI, {"expected": [0.5, 0.5], "actual": actual_for(0.2501)}).band == "shift"
    tighter = {"stable_below": 0.05, "shift_above": 0.15}
    assert run(PSI, {"expected": [0.5, 0.5], "actual": [0.6, 0.4]}, tighter).band == "stable"  # 0.0405
    assert run(PSI, {"expected": [0.5, 0.5], "actual": [0.7, 0.3]}, tighter).band == "shift"  # 0.1695


@pytest.mark.parametrize(
    "record",
    [{"expected": [], "actual": []}, {}, {"expected": [0, 0], "actual": [1, 2]}, {"expected": [1, 2], "actual": [0, 0]}],
)
def test_psi_without_data_is_none_not_nan(run, record):
    out = run(PSI, record)
    assert out.psi is None and out.band == "no_data" and out.largest_bin is None
    assert not any(math.isnan(x) for x in (*out.contributions, *out.expected_shares, *out.actual_shares))


@pytest.mark.parametrize(
    "record",
    [{"expected": [0.5, 0.5], "actual": [1.0]}, {"expected": [-0.1, 1.1], "actual": [0.5, 0.5]},
     {"expected": [float("nan"), 1], "actual": [0.5, 0.5]}, {"expected": [float("inf"), 1], "actual": [1, 1]}],
)
def test_psi_refuses_mismatched_or_impossible_bins(run, record):
    with pytest.raises(ValidationError):
        run(PSI, record)


@pytest.mark.parametrize(
    "params",
    [{"epsilon": 0}, {"epsilon": 0.02}, {"stable_below": 0.04}, {"stable_below": 0.21}, {"shift_above": 0.14},
     {"shift_above": 0.51}, {"stable_below": 0.2, "shift_above": 0.15}, {"stable_below": 0.18, "shift_above": 0.18}],
)
def test_psi_params_out_of_bounds_or_order_are_rejected(run, params):
    with pytest.raises(ValidationError):
        run(PSI, {"expected": [1, 1], "actual": [1, 1]}, params)


# -- risk.monitor.dpd -----------------------------------------------------------------------------

SCHEDULE = [{"due_date": f"2025-{m:02d}-20", "amount_due": 1000} for m in range(1, 7)]


def test_summary_form(run):
    out = run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-02-15", "overdue_amount": 3200,
                    "loan_id": "L-1"})
    assert (out.dpd, out.bucket, out.five_class, out.overdue_amount, out.loan_id) == (44, "M2", "special_mention",
                                                                                    3200.0, "L-1")
    assert out.oldest_unpaid_due_date.isoformat() == "2025-02-15" and out.overdue_instalments is None


@pytest.mark.parametrize(
    ("due", "dpd", "bucket"),
    [("2025-03-31", 0, "M0"), ("2025-03-30", 1, "M1"), ("2025-03-01", 30, "M1"), ("2025-02-28", 31, "M2"),
     ("2025-01-30", 60, "M2"), ("2025-01-29", 61, "M3"), ("2024-12-31", 90, "M3"), ("2024-12-30", 91, "M3+")],
)
def test_dpd_counts_from_the_day_after_the_due_date(run, due, dpd, bucket):
    out = run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": due})
    assert (out.dpd, out.bucket) == (dpd, bucket)


def test_a_due_date_after_as_of_is_not_overdue(run):
    out = run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-04-20"})
    assert out.dpd == 0 and out.bucket == "M0" and out.oldest_unpaid_due_date is None


def test_schedule_form_applies_payments_to_the_oldest_instalment_first(run):
    # Jan paid on time; 500 paid late in March goes to February's instalment, leaving 500 of it
    out = run(DPD, {"as_of": "2025-04-20", "schedule": SCHEDULE,
                    "payments": [{"paid_on": "2025-01-19", "amount": 1000}, {"paid_on": "2025-03-25", "amount": 500}]})
    assert out.oldest_unpaid_due_date.isoformat() == "2025-02-20" and out.dpd == 59 and out.bucket == "M2"
    assert out.overdue_amount == 1500.0 and out.overdue_instalments == 2  # April's is due today: not overdue
    cured = run(DPD, {"as_of": "2025-04-20", "schedule": SCHEDULE,
                      "payments": [{"paid_on": "2025-01-19", "amount": 1000}, {"paid_on": "2025-04-01", "amount": 1500}]})
    assert cured.oldest_unpaid_due_date.isoformat() == "2025-03-20" and cured.dpd == 31 and cured.bucket == "M2"


def test_payments_after_as_of_do_not_count(run):
    out = run(DPD, {"as_of": "2025-02-25", "schedule": SCHEDULE, "payments": [{"paid_on": "2025-02-26", "amount": 6000}]})
    assert out.dpd == 36 and out.overdue_amount == 2000.0 and out.overdue_instalments == 2


def test_a_fully_paid_or_prepaid_loan_is_current(run):
    out = run(DPD, {"as_of": "2025-04-30", "schedule": SCHEDULE, "payments": [{"paid_on": "2025-01-05", "amount": 6000}]})
    assert (out.dpd, out.bucket, out.overdue_amount, out.overdue_instalments) == (0, "M0", 0.0, 0)
    assert out.oldest_unpaid_due_date is None


def test_grace_days_and_tolerance(run):
    record = {"as_of": "2025-01-23", "schedule": SCHEDULE}
    assert run(DPD, record).dpd == 3
    within = run(DPD, record, {"grace_days": 3})
    assert within.dpd == 0 and within.bucket == "M0" and within.in_grace and within.overdue_amount == 0.0
    past = run(DPD, {**record, "as_of": "2025-01-24"}, {"grace_days": 3})
    assert past.dpd == 4 and past.bucket == "M1" and not past.in_grace  # counted from the due date
    short = {"as_of": "2025-02-10", "schedule": SCHEDULE, "payments": [{"paid_on": "2025-01-20", "amount": 995}]}
    assert run(DPD, short).dpd == 21
    assert run(DPD, short, {"tolerance": 5}).dpd == 0


def test_monitor_passes_its_edges_to_the_step(run):
    assert run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-03-01"}).bucket == "M1"
    assert run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-03-01"}, OCC).bucket == "M2"
    wider = {"substandard_max_dpd": 270, "doubtful_max_dpd": 360}
    out = run(DPD, {"as_of": "2025-07-01", "oldest_unpaid_due_date": "2025-03-01"}, wider)
    assert out.dpd == 122 and out.five_class == "substandard"
    with pytest.raises(ValidationError, match="must strictly increase"):  # 270 is past the default 180
        run(DPD, {"as_of": "2025-07-01"}, {"substandard_max_dpd": 270})


@pytest.mark.parametrize("record", [{"as_of": "2025-03-31"}, {"as_of": "2025-03-31", "schedule": []},
                                    {"as_of": "2025-03-31", "schedule": [], "payments": []}])
def test_a_loan_with_nothing_due_is_current_and_has_no_nan(run, record):
    out = run(DPD, record)
    assert (out.dpd, out.bucket, out.five_class, out.overdue_amount) == (0, "M0", "pass", 0.0)
    assert not any(isinstance(v, float) and math.isnan(v) for v in out.model_dump().values())


@pytest.mark.parametrize(
    "record",
    [
        {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-02-01", "schedule": SCHEDULE},
        {"as_of": "2025-03-31", "payments": [{"paid_on": "2025-01-19", "amount": 1000}]},
        {"as_of": "2025-03-31", "overdue_amount": 100},
        {"as_of": "2025-03-31", "schedule": [{"due_date": "2025-01-20", "amount_due": -5}]},
        {"as_of": "31/03/2025"},
    ],
)
def test_monitor_refuses_inconsistent_records(run, record):
    with pytest.raises(ValidationError):
        run(DPD, record)


@pytest.mark.parametrize("params", [{"grace_days": 6}, {"grace_days": -1}, {"tolerance": 101}, {"tolerance": -1},
                                    {"m1_max_dpd": 60, "m2_max_dpd": 50}])
def test_monitor_params_out_of_bounds_are_rejected(run, params):
    with pytest.raises(ValidationError):
        run(DPD, {"as_of": "2025-03-31"}, params)


def test_population_psi_is_an_aggregate_over_the_scores_using_the_step(catalog, run_capability):
    cap = catalog.get("risk.monitor.psi")
    assert cap.kind.value == "aggregate" and cap.level == 4 and {u.id for u in cap.uses} == {PSI}
    same = run_capability(cap, {"scores": [480] * 30 + [510] * 17 + [540] * 18 + [570] * 16 + [600] * 19})
    assert (same.actual_counts, same.psi, same.band) == ([30, 17, 18, 16, 19], pytest.approx(0.0, abs=1e-9), "stable")
    drifted = run_capability(cap, {"scores": [480] * 60 + [600] * 40})
    assert drifted.band == "shift" and drifted.psi > 0.25
    assert run_capability(cap, {"scores": []}).band == "no_data"
    with pytest.raises(Exception):
        run_capability(cap, {"scores": [500]}, {"edges": [500, 400], "expected_shares": [0.5, 0.3, 0.2]})


def test_arrears_beside_a_due_date_after_as_of_are_refused(run):
    """Arrears whose oldest unpaid instalment is not due yet contradict each other: refused, not DPD 0."""
    with pytest.raises(ValidationError, match="on or before as_of"):
        run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-04-20", "overdue_amount": 500})
    assert run(DPD, {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-04-20", "overdue_amount": 0}).dpd == 0
