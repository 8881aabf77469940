"""HQ's synthetic loan book (``jimu sample loans``): determinism, valid identities, internal
consistency, the documented distributions, speed, and that its rows fit the contracts of the
post-loan and profitability capabilities they are meant to feed."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import statistics
import time
from collections import Counter, defaultdict

import pytest
from stdnum.cn import ric

import jimu
from jimu.runtime.files import RowWriter
from jimu_credit.customer.regions import division
from jimu_credit.loanbook import (
    AS_OF,
    BRANCHES,
    COLUMNS,
    DEFAULT_ROWS,
    EVENT_TYPES,
    PRODUCTS,
    SAMPLES,
    SEGMENT,
    add_months,
    bucket_of,
    grade_of_score,
    loans,
    pd_of_score,
)

N = 20_000
TEXT = ("loan_id", "customer_id", "branch", "region", "product", "segment", "risk_grade", "origination_date",
        "as_of", "external_events")
FLOATS = ("limit", "balance", "rate", "ftp_rate", "opex_rate", "pd", "lgd", "overdue_amount", "monthly_income",
          "deposit_balance_avg_3m", "deposit_balance_avg_12m", "turnover_avg_3m", "turnover_avg_12m",
          "origination_score", "current_score", "behaviour_score")
INTS = ("dpd", "missed_payments_12m")
#: fields a customer's loans share: who they are, and their accounts, re-score and events
CUSTOMER_FIELDS = ("branch", "region", "monthly_income", "deposit_balance_avg_3m", "deposit_balance_avg_12m",
                   "turnover_avg_3m", "turnover_avg_12m", "current_score", "external_events")


@pytest.fixture(scope="module")
def book() -> list[dict]:
    return list(loans(N, seed=42))


@pytest.fixture(scope="module")
def customers(book) -> dict[str, list[dict]]:
    held = defaultdict(list)
    for row in book:
        held[row["customer_id"]].append(row)
    return held


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def share(rows, test) -> float:
    return sum(1 for r in rows if test(r)) / len(rows)


# -- the sample and determinism ----------------------------------------------------------------


def test_the_sample_is_registered_with_its_generator_and_columns():
    (sample,) = SAMPLES
    assert sample.name == "loans" and sample.generate is loans
    assert sample.default_rows == DEFAULT_ROWS == 10_000
    assert sample.source == "synthetic, seeded (jimu_credit.loanbook)"
    assert sample.columns == COLUMNS and len(set(COLUMNS)) == len(COLUMNS)
    assert [list(r) for r in sample.generate(5, 1)] == [list(COLUMNS)] * 5
    assert sum(1 for _ in loans()) == DEFAULT_ROWS


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = list(loans(2_000, seed=7))
    assert first == list(loans(2_000, seed=7))
    other = list(loans(2_000, seed=8))
    assert len(other) == 2_000
    assert [r["customer_id"] for r in other] != [r["customer_id"] for r in first]
    assert [r["balance"] for r in other] != [r["balance"] for r in first]
    assert list(loans(300, seed=7)) == first[:300]  # a shorter book is a prefix of the longer one


def test_row_counts_are_exact():
    assert list(loans(0)) == []
    assert [r["loan_id"] for r in loans(3)] == ["L00000001", "L00000002", "L00000003"]


def test_columns_have_one_type_each(book):
    for row in book:
        assert tuple(row) == COLUMNS
        assert all(isinstance(row[c], str) and row[c] for c in TEXT)
        assert all(type(row[c]) is float for c in FLOATS), row
        assert all(type(row[c]) is int for c in INTS), row
        assert row["tenor_months"] is None or type(row["tenor_months"]) is int
        assert row["oldest_unpaid_due_date"] is None or isinstance(row["oldest_unpaid_due_date"], str)


def test_numeric_fields_are_finite_and_in_range(book):
    for row in book:
        assert all(math.isfinite(row[c]) for c in FLOATS), row
        assert all(row[c] >= 0 for c in (*FLOATS, *INTS)), row
        assert 0.003 <= row["pd"] <= 0.20 and 0 < row["lgd"] < 1
        assert 0.03 <= row["rate"] <= 0.18 and 0.018 <= row["ftp_rate"] <= 0.026 and 0 < row["opex_rate"] < 0.05
        assert all(300 <= row[c] <= 900 for c in ("origination_score", "current_score", "behaviour_score"))


# -- identities --------------------------------------------------------------------------------


def test_every_customer_id_is_a_valid_resident_id_with_a_real_region(customers):
    for person in customers:
        # the check character (GB 11643) and a real birth date; python-stdnum's own is_valid is
        # stricter on the region than HQ (it rejects a code first dated after the birth year, and
        # its dates start in 1983), so the region is checked by HQ's rule, as customer.kyc.person does
        assert len(person) == 18 and ric.calc_check_digit(person[:17] + "0") == person[-1], person
        region = division(person[:6])
        assert region.known and region.in_use_since(int(person[6:10])), person
        age = (AS_OF - ric.get_birth_date(person)).days // 365
        assert 21 <= age <= 66


def test_hq_kyc_accepts_the_customers(jimu_catalog, run_capability, customers):
    kyc = jimu_catalog.get("customer.kyc.person")
    for person in customers:
        checked = run_capability(kyc, {"resident_id": person, "as_of": AS_OF.isoformat()})
        assert checked.valid, (person, checked.reasons)
        assert 22 <= checked.age <= 65


def test_customers_hold_one_to_three_loans_of_different_products_at_one_branch(book, customers):
    assert len(customers) < len(book)
    counts = Counter(len(held) for held in customers.values())
    assert set(counts) == {1, 2, 3}
    assert 0.70 <= counts[1] / len(customers) <= 0.82
    for held in customers.values():
        assert len({r["product"] for r in held}) == len(held)
        for field in CUSTOMER_FIELDS:
            assert len({r[field] for r in held}) == 1, (field, held)
        ids = [int(r["loan_id"][1:]) for r in held]
        assert ids == list(range(ids[0], ids[0] + len(ids)))  # a customer's loans are consecutive
    assert [r["loan_id"] for r in book] == [f"L{n:08d}" for n in range(1, N + 1)]


def test_branches_and_regions(book):
    seen = Counter(r["branch"] for r in book)
    assert set(seen) == set(BRANCHES) and len(BRANCHES) == 12
    for row in book:
        assert row["region"] == row["branch"].split(".")[0]
    assert seen["zhejiang.hangzhou"] > seen["shandong.qingdao"] * 2  # weighted


# -- internal consistency ----------------------------------------------------------------------


def test_segment_follows_the_product(book):
    assert SEGMENT == {"consumer_loan": "other_retail", "merchant_loan": "other_retail", "credit_card": "qrre",
                       "mortgage": "mortgage"}
    for row in book:
        assert row["product"] in PRODUCTS and row["segment"] == SEGMENT[row["product"]]


def test_balance_is_within_the_limit_except_a_delinquent_card(book):
    over = [r for r in book if r["balance"] > r["limit"]]
    assert over, "some delinquent cards run over their limit with interest and fees"
    for row in over:
        assert row["product"] == "credit_card" and row["dpd"] > 0 and row["balance"] <= 1.08 * row["limit"] + 0.01
    for row in book:
        assert row["limit"] > 0 and row["balance"] >= 0
        if row["product"] == "merchant_loan":
            assert row["balance"] <= row["limit"]
    assert any(r["balance"] == 0 for r in book if r["product"] == "credit_card")  # inactive cards


def test_dpd_counts_from_the_oldest_unpaid_due_date(book):
    for row in book:
        oldest = row["oldest_unpaid_due_date"]
        if oldest is None:
            assert row["dpd"] == 0 and row["overdue_amount"] == 0
            continue
        due, start = date(oldest), date(row["origination_date"])
        assert row["dpd"] == (AS_OF - due).days > 0
        assert due.day == start.day and due >= add_months(start, 1)  # a due date of this loan, after booking
        assert row["overdue_amount"] > 0 and row["missed_payments_12m"] >= 1
        assert row["as_of"] == AS_OF.isoformat()


def test_terms_and_dates(book):
    for row in book:
        start = date(row["origination_date"])
        assert start <= AS_OF and 1 <= start.day <= 28
        assert row["missed_payments_12m"] <= 12
        if row["product"] == "credit_card":
            assert row["tenor_months"] is None
        else:
            assert row["tenor_months"] in (12, 24, 36, 60, 240, 300, 360)
            assert add_months(start, row["tenor_months"]) > AS_OF  # not yet matured


def test_pd_and_grade_come_from_the_origination_score(book):
    for row in book:
        assert row["pd"] == round(pd_of_score(row["origination_score"]), 6)
        assert row["risk_grade"] == grade_of_score(row["origination_score"])
    assert pd_of_score(580) == pytest.approx(0.0049, abs=1e-4)  # HQ's card at a 5 % portfolio bad rate
    assert pd_of_score(520) == pytest.approx(0.0378, abs=1e-4)
    assert pd_of_score(300) == 0.20 and pd_of_score(900) == 0.003


def test_rates_by_product_and_grade(book):
    by = defaultdict(list)
    for row in book:
        by[row["product"], row["risk_grade"]].append(row["rate"])
    for product in ("consumer_loan", "credit_card"):
        means = [statistics.mean(by[product, g]) for g in "ABCD"]
        assert means == sorted(means), (product, means)  # a riskier grade pays more
    assert all(0.031 <= r <= 0.035 for g in "ABCDE" for r in by["mortgage", g])  # 5-year LPR 3.50 % − 30..0 bp
    assert {r["lgd"] for r in book if r["product"] == "mortgage"} == {0.20}


def test_twelve_month_averages_include_the_last_three_months(book):
    for row in book:
        for kind in ("deposit_balance", "turnover"):
            recent, year = row[f"{kind}_avg_3m"], row[f"{kind}_avg_12m"]
            assert (recent == 0) == (year == 0)
            if year:
                baseline = (12 * year - 3 * recent) / 9  # the nine months before
                assert baseline > 0


def test_external_events_are_json_lists_in_the_early_warning_vocabulary(book):
    for row in book:
        events = json.loads(row["external_events"])
        assert isinstance(events, list)
        for event in events:
            assert set(event) == {"type", "date"} and event["type"] in EVENT_TYPES
            assert AS_OF - dt.timedelta(days=540) <= date(event["date"]) <= AS_OF
        assert [e["date"] for e in events] == sorted(e["date"] for e in events)


# -- distributions -----------------------------------------------------------------------------


def test_bucket_shares_are_near_the_targets(book):
    shares = Counter(bucket_of(r["dpd"]) for r in book)
    names = ("M0", "M1", "M2", "M3", "M3+")
    print("\nbucket shares, %:", {name: round(shares[k] / N * 100, 2) for k, name in enumerate(names)})
    assert abs(shares[0] / N - 0.93) <= 0.02
    assert 0.025 <= shares[1] / N <= 0.055
    assert 0.006 <= shares[2] / N <= 0.02
    assert 0.002 <= shares[3] / N <= 0.012
    assert 0.006 <= shares[4] / N <= 0.02


def test_delinquency_increases_with_pd(book):
    ranked = sorted(book, key=lambda r: r["pd"])
    fifth = len(ranked) // 5
    quintiles = [ranked[i * fifth:(i + 1) * fifth] for i in range(5)]
    late = [share(q, lambda r: r["dpd"] > 0) for q in quintiles]
    severe = [share(q, lambda r: r["dpd"] > 90) for q in quintiles]
    print("\ndelinquent by PD quintile:", [round(x, 3) for x in late], "90+:", [round(x, 4) for x in severe])
    assert late[4] >= 3 * late[0] and severe[4] >= 10 * severe[0]
    assert all(a < b for a, b in zip(late, late[1:]))


def test_pd_is_right_skewed_and_grades_are_mostly_a_to_c(book):
    pds = [r["pd"] for r in book]
    assert 0.008 <= statistics.median(pds) <= 0.02 < statistics.mean(pds) < 0.03
    assert max(pds) > 0.15 and min(pds) == 0.003
    grades = Counter(r["risk_grade"] for r in book)
    assert (grades["A"] + grades["B"] + grades["C"]) / N > 0.8 and grades["E"] / N < 0.03


def test_product_mix(book):
    mix = Counter(r["product"] for r in book)
    expected = {"consumer_loan": 0.37, "merchant_loan": 0.16, "credit_card": 0.32, "mortgage": 0.15}
    for product, target in expected.items():
        assert abs(mix[product] / N - target) <= 0.03, (product, mix)
    balances = {p: sum(r["balance"] for r in book if r["product"] == p) for p in PRODUCTS}
    assert max(balances, key=balances.get) == "mortgage"


def test_warning_signs_concentrate_in_delinquent_loans(book):
    current = [r for r in book if r["dpd"] == 0]
    late = [r for r in book if r["dpd"] > 30]

    def dropped(r):
        return r["deposit_balance_avg_12m"] > 0 and r["deposit_balance_avg_3m"] < 0.7 * r["deposit_balance_avg_12m"]

    def drift(rows):
        return statistics.mean(r["origination_score"] - r["current_score"] for r in rows)

    def has_event(r):
        return r["external_events"] != "[]"

    events = share(book, has_event)
    print(f"\nexternal events on {events:.2%} of loans; balance drops: current {share(current, dropped):.1%}, "
          f"over 30 DPD {share(late, dropped):.1%}")
    assert 0.01 <= events <= 0.035
    assert share(late, has_event) > 5 * share(current, has_event)
    assert share(current, dropped) < 0.10 < 0.40 < share(late, dropped)
    assert abs(drift(current)) < 5 and drift(late) > 35
    behaviour = {name: statistics.mean(r["behaviour_score"] for r in rows) for name, rows in (("current", current),
                                                                                           ("late", late))}
    assert behaviour["late"] < behaviour["current"] - 80


# -- the capabilities the book feeds -----------------------------------------------------------


def test_rows_fit_the_profitability_contract(jimu_catalog, run_capability, book):
    raroc = jimu_catalog.get("mgmt.profitability.raroc")
    for row in book[:300]:
        exposure = {k: row[k] for k in ("pd", "lgd", "segment", "rate", "ftp_rate", "opex_rate")}
        exposure["ead"] = row["balance"]
        result = run_capability(raroc, exposure)
        assert result.el == pytest.approx(row["pd"] * row["lgd"] * row["balance"])
        assert (result.raroc is None) == (row["balance"] == 0)


def test_rows_fit_the_monitoring_and_early_warning_contracts(book):
    monitor = pytest.importorskip("jimu_credit.risk.monitor")
    earlywarning = pytest.importorskip("jimu_credit.risk.earlywarning")
    assert set(EVENT_TYPES) <= set(earlywarning.EVENT_TYPES)

    class P:
        @jimu.hookimpl
        def jimu_register(self, register):
            from jimu_credit.domains import DOMAINS
            from jimu_credit.risk import underwrite

            for item in (*DOMAINS, underwrite.dti, underwrite.clamp, *monitor.CAPABILITIES,
                         *earlywarning.CAPABILITIES):
                register(item)

    catalog = jimu.load_catalog(plugins=[P()], installed=False)
    picked = [r for r in book if r["dpd"] > 0 or r["external_events"] != "[]"][:150] + book[:150]
    for row in picked:
        status = jimu.invoke(catalog.get("risk.monitor.dpd"), {
            "as_of": row["as_of"], "loan_id": row["loan_id"], "oldest_unpaid_due_date": row["oldest_unpaid_due_date"],
            "overdue_amount": row["overdue_amount"] or None}, catalog=catalog)
        assert status.dpd == row["dpd"] and status.bucket_index == bucket_of(row["dpd"])
        signals = jimu.invoke(catalog.get("risk.earlywarning.signals"), {
            "as_of": row["as_of"], "dpd": row["dpd"], "events": json.loads(row["external_events"]),
            "balance_baseline": row["deposit_balance_avg_12m"], "balance_current": row["deposit_balance_avg_3m"],
            "turnover_baseline": row["turnover_avg_12m"], "turnover_current": row["turnover_avg_3m"],
            "origination_score": row["origination_score"], "current_score": row["current_score"]}, catalog=catalog)
        if row["dpd"] > 0:
            assert "EW_OVERDUE" in signals.reasons
        jimu.invoke(catalog.get("risk.earlywarning.collection"), {
            "bucket": status.bucket, "outstanding_balance": row["balance"],
            "behaviour_score": row["behaviour_score"]}, catalog=catalog)


def test_rows_write_to_csv_and_parquet(tmp_path):
    rows = list(loans(200, seed=3))
    for name in ("loans.csv", "loans.parquet", "loans.jsonl"):
        writer = RowWriter(tmp_path / name, list(COLUMNS))
        for row in rows:
            writer.write(row)
        writer.close()
    read = list(csv.DictReader((tmp_path / "loans.csv").open(encoding="utf-8")))
    assert len(read) == 200 and tuple(read[0]) == COLUMNS
    assert {r["oldest_unpaid_due_date"] for r in read if r["dpd"] == "0"} == {""}
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "loans.parquet")
    assert table.num_rows == 200 and tuple(table.column_names) == COLUMNS
    assert str(table.schema.field("tenor_months").type) == "int64"
    back = [json.loads(line) for line in (tmp_path / "loans.jsonl").read_text(encoding="utf-8").splitlines()]
    assert back == rows


# -- speed -------------------------------------------------------------------------------------


def test_a_hundred_thousand_rows_in_seconds():
    started = time.perf_counter()
    count = sum(1 for _ in loans(100_000, seed=11))
    elapsed = time.perf_counter() - started
    print(f"\n100,000 loans generated in {elapsed:.2f} s")
    assert count == 100_000
    assert elapsed < 60, "generation is pathologically slow"
