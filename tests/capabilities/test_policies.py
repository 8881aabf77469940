"""HQ's mandatory controls in jimu_credit: screening before scoring (J702) and bureau consent (J703)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jimu import Outcome
from jimu.assembly import load_file, validate_paths
from jimu.assembly.validate import Validator
from jimu.runtime import load_plan, run_record
from jimu_credit.policies import CONSENT_WAIVERS

ROOT = Path(__file__).resolve().parents[2]
HEADER = """\
kind: product
id: zhejiang.hangzhou.policy_case
version: 1.0.0
branch: zhejiang.hangzhou
name: Policy case
name_zh: 管控用例
owner: zhejiang.hangzhou.tech
inputs:
  resident_id: string
  as_of: date
  applied_at: datetime
  requested_amount: number
  score_band: string
  bureau_consent: {type: boolean, optional: true}
  consent_ref: {type: string, optional: true}
  consent_signed_on: {type: date, optional: true}
  phone: {type: string, optional: true}
  device_id: {type: string, optional: true}
steps:
"""
KYC = """\
  - id: kyc
    uses: customer.kyc.person
"""
ANTIFRAUD = """\
  - id: antifraud
    uses: risk.prescreen.antifraud
    with: {resident_id: inputs.resident_id}
"""
CONSENT = """\
  - id: consent
    uses: customer.consent.bureau
"""


def price(when: str | None = None, reads_flags: bool = False) -> str:
    text = "  - id: price\n    uses: risk.underwrite.pricing\n"
    tier = "steps.antifraud.device_shared ? 'E' : inputs.score_band" if reads_flags else "inputs.score_band"
    text += f"    with: {{risk_tier: \"{tier}\"}}\n"
    return text + (f"    when: {when}\n" if when else "")


def validate(jimu_catalog, tmp_path, steps: str, decision: str, as_of=None, name="p.yaml"):
    path = tmp_path / name
    path.write_text(HEADER + steps + f"decision: {decision}\noutputs: {{}}\n", encoding="utf-8")
    loaded = load_file(path)
    analysis = Validator(jimu_catalog, [loaded], as_of=as_of).validate_all([loaded])[0]
    return [(d.code, d.message) for d in analysis.diagnostics if d.code.startswith("J7")], path


def codes(found):
    return [c for c, _ in found]


# -- J702: KYC and anti-fraud before scoring or pricing ----------------------------------------------


def test_the_products_under_assemblies_satisfy_every_policy_today(jimu_catalog):
    analyses = validate_paths([ROOT / "assemblies"], catalog=jimu_catalog)
    assert [d.render() for a in analyses for d in a.diagnostics] == []


def test_screening_first_with_decisions_that_count_passes(jimu_catalog, tmp_path):
    found, _ = validate(jimu_catalog, tmp_path, KYC + ANTIFRAUD + price(),
                        "[steps.kyc.decision, steps.antifraud.decision]")
    assert found == []


def test_pricing_without_anti_fraud_is_J702(jimu_catalog, tmp_path):
    found, _ = validate(jimu_catalog, tmp_path, KYC + price(), "steps.kyc.decision")
    assert codes(found) == ["J702"]
    assert "without anti-fraud first" in found[0][1] and "hq.screened_before_scoring" in found[0][1]


def test_anti_fraud_after_pricing_does_not_count(jimu_catalog, tmp_path):
    found, _ = validate(jimu_catalog, tmp_path, KYC + price() + ANTIFRAUD,
                        "[steps.kyc.decision, steps.antifraud.decision]")
    assert codes(found) == ["J702"] and "runs at antifraud but not before it" in found[0][1]


def test_anti_fraud_whose_decision_is_ignored_does_not_count(jimu_catalog, tmp_path):
    found, _ = validate(jimu_catalog, tmp_path, KYC + ANTIFRAUD + price(), "steps.kyc.decision")
    assert codes(found) == ["J702"]


def test_pricing_that_reads_anti_fraud_is_gated_by_it(jimu_catalog, tmp_path):
    # the anti-fraud decision is not in the product's decision, but the price reads its finding
    found, _ = validate(jimu_catalog, tmp_path, KYC + ANTIFRAUD + price(reads_flags=True), "steps.kyc.decision")
    assert found == []


def test_a_conditional_anti_fraud_counts_only_where_pricing_shares_the_condition(jimu_catalog, tmp_path):
    # anti-fraud has a when; pricing runs unconditionally: it may price an unscreened applicant
    found, _ = validate(jimu_catalog, tmp_path, KYC + ANTIFRAUD + "    when: has(inputs.device_id)\n" + price(),
                        "[steps.kyc.decision, steps.antifraud.decision]")
    assert codes(found) == ["J702"]


def test_without_any_kyc_only_J701_says_so(jimu_catalog, tmp_path):
    steps = "  - id: price\n    uses: risk.underwrite.pricing\n    with: {risk_tier: inputs.score_band}\n"
    found, _ = validate(jimu_catalog, tmp_path, steps, "steps.price.decision")
    assert sorted(codes(found)) == ["J701", "J702"]  # J702 names the missing anti-fraud only
    assert "identity KYC" not in next(m for c, m in found if c == "J702").split("first:")[0]


# -- J703: the bureau is queried only with the applicant's consent ------------------------------------

MULTILENDER = """\
  - id: bureau
    uses: risk.prescreen.multilender
    with: {resident_id: steps.kyc.resident_id}
"""


def test_a_bureau_query_gated_on_consent_passes_and_ungated_is_J703(jimu_catalog, tmp_path):
    gated = MULTILENDER + "    when: steps.consent.granted && has(steps.kyc.resident_id)\n"
    ok, _ = validate(jimu_catalog, tmp_path, KYC + CONSENT + gated,
                     "[steps.kyc.decision, steps.consent.decision, steps.bureau.decision]")
    assert ok == []
    # the consent step runs, and its decline counts, but the query does not wait for it
    ungated = MULTILENDER + "    when: has(steps.kyc.resident_id)\n"
    found, _ = validate(jimu_catalog, tmp_path, KYC + CONSENT + ungated,
                        "[steps.kyc.decision, steps.consent.decision, steps.bureau.decision]")
    assert codes(found) == ["J703"] and "the consent check does not gate it" in found[0][1]


def test_gating_a_composite_step_gates_the_bureau_query_inside_it(jimu_catalog, tmp_path):
    preloan = "  - id: preloan\n    uses: risk.preloan\n"
    found, _ = validate(jimu_catalog, tmp_path, CONSENT + preloan + "    when: steps.consent.granted\n",
                        "[steps.consent.decision, steps.preloan.decision]")
    assert found == []
    # without the product's gate it is still clean: risk.prescreen 1.1 gates its bureau step inside
    found, _ = validate(jimu_catalog, tmp_path, CONSENT + preloan, "[steps.consent.decision, steps.preloan.decision]")
    assert found == []


def test_hqs_products_query_the_bureau_only_with_consent_and_need_no_waiver(jimu_catalog):
    """risk.prescreen 1.1 gates its bureau query on customer.consent.bureau, so the pre-loan
    products pass J703 on any date, with no waiver."""
    assert CONSENT_WAIVERS == {}
    products = [ROOT / "assemblies" / p for p in ("hq/preloan_standard.yaml", "zhejiang/hangzhou_pharmacy_merchant_loan.yaml",
                                                  "jiangsu/suzhou_pharmacy_merchant_loan.yaml")]
    for day in (dt.date(2026, 11, 28), dt.date(2030, 1, 1)):
        found = [d for a in validate_paths(products, catalog=jimu_catalog, as_of=day) for d in a.diagnostics
                 if d.code.startswith("J7")]
        assert found == [], day


def test_the_pre_loan_composite_declines_without_consent_and_never_queries_the_bureau(jimu_catalog):
    from jimu_credit.samples import applicants

    plan = load_plan(ROOT / "assemblies" / "hq" / "preloan_standard.yaml", catalog=jimu_catalog)
    granted = None
    for record in applicants(rows=60, seed=3):  # an applicant HQ's checks approve, so consent alone decides
        granted = run_record(plan, record, trace=True)
        if granted.decision.outcome.value == "approve":
            break
    assert granted.decision.outcome.value == "approve"
    assert any(t.step.endswith("prescreen.multilender") and t.status == "ok" for t in granted.trace)
    for refused, reason in (({"bureau_consent": False}, "CS_BUREAU_CONSENT_MISSING"),
                            ({"consent_ref": None}, "CS_BUREAU_CONSENT_UNRECORDED")):
        result = run_record(plan, {**record, **refused}, trace=True)
        assert result.decision.outcome.value != "approve" and reason in result.decision.reasons
        assert not any(t.step.endswith("prescreen.multilender") and t.status == "ok" for t in result.trace)


def test_a_gated_product_does_not_query_the_bureau_without_consent(jimu_catalog, tmp_path):
    gated = MULTILENDER + "    when: steps.consent.granted && has(steps.kyc.resident_id)\n"
    found, path = validate(jimu_catalog, tmp_path, KYC + CONSENT + gated,
                           "[steps.kyc.decision, steps.consent.decision, steps.bureau.decision]")
    assert found == []
    plan = load_plan(path, catalog=jimu_catalog)
    record = {"resident_id": "11010519491231002X", "as_of": "2026-02-10", "applied_at": "2026-02-10T10:00:00+08:00",
              "requested_amount": 10000, "score_band": "B"}
    refused = run_record(plan, {**record, "bureau_consent": False}, trace=True)
    assert refused.decision.outcome is Outcome.DECLINE
    assert "CS_BUREAU_CONSENT_MISSING" in refused.decision.reasons
    ran = {t.step for t in refused.trace if t.status == "ok"}
    assert "bureau" not in ran
    given = run_record(plan, {**record, "bureau_consent": True, "consent_ref": "ZX-2026-000123",
                              "consent_signed_on": "2026-02-01"}, trace=True)
    assert "CS_BUREAU_CONSENT_MISSING" not in given.decision.reasons
    assert "bureau" in {t.step for t in given.trace if t.status == "ok"}


# -- the consent capability itself ----------------------------------------------------------------------


@pytest.mark.parametrize("record,granted,outcome,reasons", [
    ({"bureau_consent": True, "consent_ref": "ZX-1", "consent_signed_on": "2026-02-01"}, True, "approve", []),
    ({}, False, "decline", ["CS_BUREAU_CONSENT_MISSING"]),
    ({"bureau_consent": False, "consent_ref": "ZX-1"}, False, "decline", ["CS_BUREAU_CONSENT_MISSING"]),
    ({"bureau_consent": True, "consent_ref": " ", "consent_signed_on": "2026-02-01"}, False, "refer",
     ["CS_BUREAU_CONSENT_UNRECORDED"]),
    ({"bureau_consent": True, "consent_ref": "ZX-1", "consent_signed_on": "2026-01-10"}, False, "refer",
     ["CS_BUREAU_CONSENT_STALE"]),  # 31 days before the application: past the 30-day term
    ({"bureau_consent": True, "consent_ref": "ZX-1", "consent_signed_on": "2026-02-11"}, False, "refer",
     ["CS_BUREAU_CONSENT_STALE"]),  # signed after the application date
])
def test_bureau_consent(jimu_catalog, record, granted, outcome, reasons):
    from jimu import invoke

    cap = jimu_catalog.get("customer.consent.bureau")
    out = invoke(cap, {**record, "as_of": "2026-02-10"}, catalog=jimu_catalog)
    assert (out.granted, out.decision.outcome.value, out.reasons) == (granted, outcome, reasons)
