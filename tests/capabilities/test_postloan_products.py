"""The post-loan and management products over the synthetic loan book."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from jimu import Outcome
from jimu.runtime import load_plan, run_record
from jimu_credit import demo_postloan
from jimu_credit.loanbook import loans

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "assemblies" / "hq" / "postloan_monitoring.yaml"
PROFITABILITY = ROOT / "assemblies" / "hq" / "exposure_profitability.yaml"


@pytest.fixture(scope="module")
def book():
    return list(loans(2000, seed=7))


def test_a_loan_far_past_due_is_bucketed_worked_and_frozen(jimu_catalog, book):
    plan = load_plan(MONITORING, jimu_catalog)
    late = next(loan for loan in book if loan["dpd"] > 90)
    result = run_record(plan, late)
    assert result.outputs["bucket"] == "M3+" and result.outputs["dpd"] == late["dpd"]
    assert result.outputs["collection"] in ("field", "legal")
    assert result.outputs["severity"] == "critical" and result.outputs["limit_action"] == "freeze"
    assert result.decision.outcome is Outcome.REFER


def test_a_current_loan_is_not_chased(jimu_catalog, book):
    plan = load_plan(MONITORING, jimu_catalog)
    current = next(loan for loan in book if loan["dpd"] == 0 and loan["external_events"] == "[]")
    result = run_record(plan, current)
    assert result.outputs["bucket"] == "M0" and result.outputs["collection"] == "none"


def test_term_loans_keep_their_limit_unless_frozen(jimu_catalog, book):
    plan = load_plan(MONITORING, jimu_catalog)
    for loan in [b for b in book if b["product"] == "mortgage"][:50]:
        assert run_record(plan, loan).outputs["limit_action"] in ("keep", "freeze")


def test_profitability_decides_nothing_and_carries_its_dimensions(jimu_catalog, book):
    plan = load_plan(PROFITABILITY, jimu_catalog)
    result = run_record(plan, book[0])
    assert result.decision is None and not plan.has_decision
    assert {result.outputs[k] for k in ("branch", "product")} == {book[0]["branch"], book[0]["product"]}
    assert result.outputs["el"] == pytest.approx(book[0]["pd"] * book[0]["lgd"] * book[0]["balance"], rel=0.2)


def test_the_views_recompute_ratios_from_sums(tmp_path):
    assert demo_postloan.main(["--loans", "1500", "--seed", "3", "--out", str(tmp_path)]) == 0
    views = json.loads((tmp_path / "views.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((tmp_path / "monitoring.csv").open(encoding="utf-8")))
    assert len(rows) == 1500
    for dimension in ("branch", "product"):
        total = views[dimension]["total"]
        groups = views[dimension]["groups"]
        assert sum(g["exposures"] for g in groups) == 1500
        assert sum(g["ec"] for g in groups) == pytest.approx(total["ec"])
        assert total["raroc"] == pytest.approx((total["revenue"] - total["costs"] - total["el"]) / total["ec"])
        mean_of_ratios = sum(g["raroc"] for g in groups) / len(groups)
        assert total["raroc"] != pytest.approx(mean_of_ratios, rel=1e-6)


def test_jimu_sample_loans_writes_the_book(jimu_cmd, tmp_path):
    out = tmp_path / "book.parquet"
    result = jimu_cmd("sample", "loans", "--rows", "300", "--seed", "9", "--out", str(out))
    assert result.returncode == 0, result.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 300 and table.column_names[:3] == ["loan_id", "customer_id", "branch"]
    assert table.column("loan_id").to_pylist() == [row["loan_id"] for row in loans(300, seed=9)]


def test_every_action_carries_the_signals_that_triggered_it(jimu_catalog, book):
    plan = load_plan(MONITORING, jimu_catalog)
    actions = 0
    for loan in book:
        o = run_record(plan, loan).outputs
        if o["collection"] != "none":
            actions += 1
            assert o["collection_reasons"] and o["signal_reasons"], (loan["loan_id"], o)
            assert "EW_OVERDUE" in o["signal_reasons"]  # collection is for overdue loans
        if o["limit_action"] != "keep":
            actions += 1
            assert o["limit_reasons"], (loan["loan_id"], o)
        if o["limit_action"] == "freeze" or "EW_LA_DECREASE_SIGNALS" in (o["limit_reasons"] or ()):
            assert o["signal_reasons"], (loan["loan_id"], o)
    assert actions > 100


def test_jimu_run_over_100000_loans_accounts_for_every_row(jimu_cmd, tmp_path):
    book = tmp_path / "book.parquet"
    assert jimu_cmd("sample", "loans", "--rows", "100000", "--out", str(book)).returncode == 0
    result = jimu_cmd("run", str(MONITORING), "--input", str(book), "--output", str(tmp_path / "out.parquet"),
                      "--rejects", str(tmp_path / "rejects.jsonl"), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["rows_in"] == 100_000 == summary["rows_out"] + summary["rejected"]
    import pyarrow.parquet as pq

    assert pq.read_metadata(tmp_path / "out.parquet").num_rows == summary["rows_out"]
    print(f"100,000 loans: {summary['seconds']:.1f} s, outcomes {summary['outcomes']}, rejected {summary['rejected']}")
