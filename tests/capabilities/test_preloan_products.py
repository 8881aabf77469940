"""The pre-loan products under assemblies/: they validate, decide sensibly on real applicants, and
the branch copies differ from their originals only where branches may differ."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from jimu import Outcome
from jimu.assembly import validate_paths
from jimu.runtime import load_plan, run_record
from jimu_credit import demo
from jimu_credit.data import fixtures
from jimu_credit.samples import applicants

ROOT = Path(__file__).resolve().parents[2]
ASSEMBLIES = ROOT / "assemblies"
STANDARD = ASSEMBLIES / "hq" / "preloan_standard.yaml"
HANGZHOU = ASSEMBLIES / "zhejiang" / "hangzhou_pharmacy_merchant_loan.yaml"
SUZHOU = ASSEMBLIES / "jiangsu" / "suzhou_pharmacy_merchant_loan.yaml"
COLD_START = ASSEMBLIES / "hq" / "cold_start_whitelist.yaml"


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert demo.main(["--product", str(STANDARD), "--out", str(out)]) == 0
    return list(csv.DictReader((out / "decisions.csv").open(encoding="utf-8")))


def test_every_assembly_validates_clean(jimu_catalog):
    analyses = validate_paths([ASSEMBLIES], catalog=jimu_catalog)
    assert [d.render() for a in analyses for d in a.diagnostics] == []


def test_the_bad_rate_rises_from_approve_to_refer_to_decline_on_the_held_out_applicants(demo_rows):
    held_out = [r for r in demo_rows if r["split"] == "test"]
    assert len(held_out) == 300 and len(demo_rows) == 1000
    rate = {}
    for outcome in ("approve", "refer", "decline"):
        group = [r for r in held_out if r["decision"] == outcome]
        assert group, outcome
        rate[outcome] = sum(r["label"] == "bad" for r in group) / len(group)
    assert rate["approve"] < rate["refer"] < rate["decline"], rate


def test_every_decline_and_referral_names_registered_reasons(demo_rows, jimu_catalog):
    for row in demo_rows:
        if row["decision"] != "approve":
            codes = row["reasons"].split(";")
            assert codes and set(codes) <= set(jimu_catalog.reasons), row


def test_the_demo_auc_is_the_scorecard_auc(demo_rows):
    from sklearn.metrics import roc_auc_score

    held_out = [r for r in demo_rows if r["split"] == "test"]
    pairs = [(float(r["score"]), r["label"] == "good") for r in held_out]
    expected = roc_auc_score([good for _, good in pairs], [score for score, _ in pairs])
    assert demo.auc(pairs) == pytest.approx(expected, abs=1e-12)
    assert demo.auc(pairs) >= 0.78 and 0.3 < demo.ks(pairs) < 0.7


def _without_params(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for step in data["steps"]:
        step.pop("params", None)
    return {k: v for k, v in data.items() if k not in ("id", "version", "branch", "name", "name_zh", "owner",
                                                       "description")}


def test_the_replicated_product_differs_from_its_original_only_in_params():
    assert _without_params(SUZHOU) == _without_params(HANGZHOU)
    original = yaml.safe_load(HANGZHOU.read_text(encoding="utf-8"))
    copy = yaml.safe_load(SUZHOU.read_text(encoding="utf-8"))
    assert [s.get("params") for s in copy["steps"]] != [s.get("params") for s in original["steps"]]


def test_a_branch_param_outside_hq_range_fails_validation_naming_the_bound(tmp_path, jimu_catalog):
    text = HANGZHOU.read_text(encoding="utf-8").replace("branch_adjustment_bp: 20", "branch_adjustment_bp: 80")
    broken = tmp_path / "pharmacy.yaml"
    broken.write_text(text, encoding="utf-8")
    [analysis] = validate_paths([broken], catalog=jimu_catalog)
    [finding] = [d for d in analysis.diagnostics if d.is_error]
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "branch_adjustment_bp: 80" in t)
    assert (finding.code, finding.line) == ("J503", line)
    assert "50" in finding.message + (finding.hint or "")


def test_stricter_anti_fraud_in_the_branch_product_refers_a_shared_device(jimu_catalog):
    person = next(r for r in applicants() if r["resident_id"] in fixtures.SHARED_DEVICE_IDS)
    hangzhou = run_record(load_plan(HANGZHOU, jimu_catalog), person)
    assert hangzhou.decision.outcome is not Outcome.APPROVE
    assert "UW_ANTIFRAUD_FLAG" in hangzhou.decision.reasons or hangzhou.decision.outcome is Outcome.DECLINE


def test_cold_start_admits_only_the_whitelist_with_its_pre_approved_limit(jimu_catalog):
    plan = load_plan(COLD_START, jimu_catalog)
    white = run_record(plan, {"resident_id": fixtures.WHITELISTED_ID, "as_of": "2026-02-10"})
    assert white.decision.outcome is Outcome.APPROVE and white.decision.offer.limit == fixtures.WHITELISTED_ID_LIMIT
    other = run_record(plan, {"resident_id": fixtures.CLEAN_ID, "as_of": "2026-02-10"})
    assert other.decision.outcome is Outcome.DECLINE and "LIST_NOT_PREAPPROVED" in other.decision.reasons
    black = run_record(plan, {"resident_id": fixtures.BLACKLISTED_ID, "as_of": "2026-02-10"})
    assert black.decision.outcome is Outcome.DECLINE and "LIST_BLACKLISTED" in black.decision.reasons
