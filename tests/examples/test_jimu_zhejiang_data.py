"""A third party's plugin in the bank's repository: examples/jimu-zhejiang-data, installed by `make`.

The plugin's own tests (its store and its capability) live with it, in
examples/jimu-zhejiang-data/tests, as they would in the branch team's repository. These tests
are the bank's side: the plugin is discovered through its entry point like HQ's, used by a
product under assemblies/, locked, held to HQ's policies, and shown in the capability map.
Anything edited is a copy in a temporary folder, never the repository's files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from jimu.map import generate
from jimu.plugins import load_catalog

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "jimu-zhejiang-data"
PRODUCT = ROOT / "assemblies" / "zhejiang" / "hangzhou_licensed_pharmacy_loan.yaml"
PID = "zhejiang.hangzhou.licensed_pharmacy_loan"
CAP = "data.zhejiang.pharmacy_licence"
CODE = "jimu_zhejiang_data/pharmacy.py"

#: A pharmacy owner the HQ pre-loan screening approves on 2026-02-10 (a row of `jimu sample applicants`).
APPLICANT = {
    "resident_id": "370202197610266041", "as_of": "2026-02-10", "applied_at": "2026-02-10T12:00:00",
    "phone": "19037071829", "device_id": "dev-3e247af027bc", "card_number": "6266258517812865700",
    "monthly_income": 1763.25, "existing_monthly_debt": 0.0, "requested_amount": 2096.0, "tenor_months": 12,
    "bureau_consent": True, "consent_ref": "ZX-2026-001000003", "consent_signed_on": "2026-02-06",
    "status_of_existing_checking_account": "no checking account", "duration_in_month": 12,
    "credit_history": "critical account/ other credits existing (not at this bank)", "purpose": "education",
    "credit_amount": 2096, "savings_account_and_bonds": "... < 100 DM",
    "present_employment_since": "4 <= ... < 7 years", "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "none", "present_residence_since": 3, "property": "real estate",
    "age_in_years": 49, "other_installment_plans": "none", "housing": "own",
    "number_of_existing_credits_at_this_bank": 1, "job": "unskilled - resident",
    "number_of_people_being_liable_to_provide_maintenance_for": 2, "telephone": "none",
}


def ok(result):
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_discovered_through_its_entry_point_with_its_distribution(jimu_cmd):
    listed = {c["id"]: c for c in json.loads(ok(jimu_cmd("catalog", "--json")).stdout)}
    cap = listed[CAP]
    assert (cap["distribution"], cap["plugin"], cap["owner"]) == ("jimu-zhejiang-data", "zhejiang-data",
                                                                  "zhejiang.data-team")
    assert (cap["level"], cap["kind"], cap["domain"], cap["uses"]) == (4, "lookup", "data",
                                                                       ["customer.step.uscc_checksum"])


def test_the_product_validates_clean_against_hqs_policies_and_its_lock(jimu_cmd):
    assert json.loads(ok(jimu_cmd("validate", str(PRODUCT), "--json")).stdout) == []


def run_product(jimu_cmd, merchant_uscc: str, product: Path = PRODUCT, **env):
    record = json.dumps({**APPLICANT, "merchant_uscc": merchant_uscc})
    return jimu_cmd("run", str(product), "--record", record, "--json", **env)


@pytest.mark.parametrize(("uscc", "outcome", "reasons", "screened"), [
    ("91330106MA2H7K3P1N", "approve", [], True),                             # valid licence
    ("91330108MA2B3C9X0P", "refer", ["ZJ_DRUG_LICENCE_EXPIRING"], True),    # expires 2026-03-14: within 60 days
    ("91330111MA2DNPX73X", "decline", ["ZJ_DRUG_LICENCE_NOT_FOUND"], False),  # not in the register
    ("91330106MA2H7K3P1A", "decline", ["KYC_USCC_CHECKSUM"], False),         # a mistyped check character
])
def test_run_on_a_record(jimu_cmd, uscc, outcome, reasons, screened):
    result = json.loads(ok(run_product(jimu_cmd, uscc)).stdout)
    assert result["decision"]["outcome"] == outcome
    assert result["decision"]["reasons"] == reasons
    steps = {t["step"]: t for t in result["trace"]}
    assert steps["licence"]["capability"] == f"{CAP}@1.0.0" and steps["licence"]["status"] == "ok"
    # a merchant the licence check declines is never screened: no credit-bureau query about its owner
    assert (steps["preloan"]["status"] == "ok") is screened
    assert ("preloan.prescreen.multilender" in steps) is screened
    assert steps["licence"]["inputs"]["uscc"] != uscc  # masked in the trace like any identity number
    if outcome == "approve":
        assert result["decision"]["offer"]["limit"] > 0 and result["outputs"]["licence_no"] == "浙DA571300101"


def test_the_lock_pins_the_plugins_distribution_and_code():
    lock = json.loads(PRODUCT.with_name(PRODUCT.stem + ".lock.json").read_text(encoding="utf-8"))
    (pinned,) = [c for c in lock["capabilities"] if c["id"] == CAP]
    assert pinned["distribution"] == {"name": "jimu-zhejiang-data", "version": "0.1.0"}
    assert pinned["version"] == "1.0.0" and pinned["chosen"] == [{"by": "licence", "specifier": "~=1.0"}]
    # the capability's module, and the register module it imports from its own package
    helper = "jimu_zhejiang_data/licences.py"
    assert pinned["code"] == [
        {"path": path, "sha256": hashlib.sha256((PLUGIN / path).read_bytes()).hexdigest()}
        for path in sorted([CODE, helper])
    ]
    # HQ's USCC step, reached through the plugin's ctx.use, is pinned too, with where it is reached from
    (step,) = [c for c in lock["capabilities"] if c["id"] == "customer.step.uscc_checksum"]
    assert {"by": "licence>customer.step.uscc_checksum", "specifier": "~=1.0"} in step["chosen"]


@pytest.fixture
def edited_plugin(tmp_path) -> Path:
    """tmp/src/jimu_zhejiang_data: a copy of the plugin's code with one line of the capability changed,
    put first on PYTHONPATH (it shadows the editable install, whose metadata still names the distribution)."""
    src = tmp_path / "src" / "jimu_zhejiang_data"
    shutil.copytree(PLUGIN / "jimu_zhejiang_data", src, ignore=shutil.ignore_patterns("__pycache__"))
    module = src / "pharmacy.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace('ge=0, le=365', 'ge=0, le=366'), encoding="utf-8")
    assert module.read_text(encoding="utf-8") != text
    (tmp_path / "assemblies").mkdir()
    for path in (PRODUCT, PRODUCT.with_name(PRODUCT.stem + ".lock.json")):
        shutil.copyfile(path, tmp_path / "assemblies" / path.name)
    return tmp_path


def test_editing_the_plugins_code_makes_the_lock_stale(jimu_cmd, edited_plugin):
    product = edited_plugin / "assemblies" / PRODUCT.name
    found = jimu_cmd("validate", str(product), "--json", extra_path=edited_plugin / "src")
    assert found.returncode == 1 and "Traceback" not in found.stderr
    (stale,) = json.loads(found.stdout)
    assert stale["code"] == "J803" and f"its code {CODE} changed since locked" in stale["message"]
    assert stale["line"] == next(i for i, line in enumerate(product.read_text(encoding="utf-8").splitlines(), 1)
                                 if "uses: data.zhejiang.pharmacy_licence" in line)
    refused = run_product(jimu_cmd, "91330106MA2H7K3P1N", product, extra_path=edited_plugin / "src")
    assert refused.returncode == 1 and "does not match its lock" in refused.stderr
    assert f"{CODE} changed" in refused.stderr and "Traceback" not in refused.stderr


UNSCREENED = """\
kind: product
id: zhejiang.hangzhou.unscreened_pharmacy_loan
version: 1.0.0
branch: zhejiang.hangzhou
name: Pharmacy loan priced without anti-fraud
name_zh: 未经反欺诈即定价的药店贷
owner: zhejiang.hangzhou.tech
inputs:
  resident_id: string
  merchant_uscc: string
  as_of: date
  card_number: {type: string, optional: true}
  monthly_income: number
  existing_monthly_debt: number
  requested_amount: number
  tenor_months: integer
steps:
  - id: licence
    uses: data.zhejiang.pharmacy_licence
    with: {uscc: inputs.merchant_uscc}
  - id: intake
    uses: risk.intake
  - id: underwrite
    uses: risk.underwrite
    when: steps.licence.licensed
    with: {score_band: "'B'", antifraud_flag: "false", multilender_flag: "false", dd_tier: "'T0'"}
decision: [steps.licence.decision, steps.intake.decision, steps.underwrite.decision]
outputs:
  limit: steps.underwrite.limit?
"""


def test_a_variant_that_prices_without_hqs_screening_breaks_hqs_policy(jimu_cmd, tmp_path):
    """The licence check is the branch's gate, not HQ's: pricing still needs KYC and anti-fraud first (J702)."""
    path = tmp_path / "unscreened.yaml"
    path.write_text(UNSCREENED, encoding="utf-8")
    found = jimu_cmd("validate", str(path), "--json")
    assert found.returncode == 1 and "Traceback" not in found.stderr
    errors = [d for d in json.loads(found.stdout) if d["severity"] == "error"]
    assert [d["code"] for d in errors] == ["J702"]
    assert "hq.screened_before_scoring" in errors[0]["message"] and "anti-fraud" in errors[0]["message"]
    assert errors[0]["line"] == UNSCREENED.splitlines().index("    uses: risk.underwrite") + 1


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The map generated (Markdown, through jimu.map's Python API) for the installed catalog and this product."""
    root = tmp_path_factory.mktemp("zj-map")
    assemblies = root / "assemblies" / "zhejiang"
    assemblies.mkdir(parents=True)
    for path in (PRODUCT, PRODUCT.with_name(PRODUCT.stem + ".lock.json")):
        shutil.copyfile(path, assemblies / path.name)
    generate(load_catalog(), root / "assemblies", root / "out")
    return root / "out"


def test_the_map_has_its_capability_page_with_owner_and_distribution(site):
    page = (site / "capabilities" / f"{CAP}.md").read_text(encoding="utf-8")
    assert "| owner | zhejiang.data-team |" in page
    assert "`jimu-zhejiang-data 0.1.0`" in page and "`zhejiang-data`" in page
    assert "data.zhejiang.drug_licences" in page  # the resource it reads
    assert PID in page  # used by the product


def test_the_map_lists_it_on_the_products_page_and_in_its_domain(site):
    product = (site / "products" / f"{PID}.md").read_text(encoding="utf-8")
    assert f"capabilities/{CAP}.md" in product
    assert "jimu-zhejiang-data" in product  # the lock's pins, with the distribution
    assert f"{CAP}.md" in (site / "domains" / "data.md").read_text(encoding="utf-8")


def late_licence_variant() -> str:
    """The product with its licence check moved after screening and pricing, nothing gated on it."""
    text = PRODUCT.read_text(encoding="utf-8").replace(f"id: {PID}", "id: zhejiang.hangzhou.late_licence_loan")
    start, end = text.index("  - id: licence"), text.index("  - id: preloan")
    licence, text = text[start:end], text[:start] + text[end:]
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("    when: "))
    return text.replace("decision: [", licence + "decision: [", 1)


def test_the_plugins_own_policy_flags_a_bureau_query_not_gated_on_the_licence(jimu_cmd, tmp_path):
    """The branch's control (zhejiang.licence_before_bureau, from the plugin): no credit report is pulled
    for a merchant the licence check declines. HQ's J702 does not apply: the screening is all there."""
    path = tmp_path / "late_licence.yaml"
    path.write_text(late_licence_variant(), encoding="utf-8")
    found = jimu_cmd("validate", str(path), "--json")
    assert found.returncode == 1 and "Traceback" not in found.stderr
    (finding,) = json.loads(found.stdout)
    assert finding["code"] == "J701" and finding["severity"] == "error"
    assert finding["message"].startswith("policy zhejiang.licence_before_bureau: preloan.prescreen.multilender")
    assert "data.bureau.inquiries" in finding["message"] and "steps.licence.decision" in finding["hint"]
    assert finding["line"] == late_licence_variant().splitlines().index("    uses: risk.preloan") + 1


def test_the_branch_policy_leaves_products_without_a_licence_check_alone(jimu_cmd):
    found = jimu_cmd("validate", str(ROOT / "assemblies" / "zhejiang"), str(ROOT / "assemblies" / "jiangsu"), "--json")
    assert [d for d in json.loads(found.stdout) if "zhejiang.licence_before_bureau" in d["message"]] == []


def test_a_corrupted_register_refers_the_application_never_declines_or_approves_it(tmp_path):
    """A register that cannot be read is not an empty one: "licence not found" would wrongly decline."""
    from jimu import ResourceProvider
    from jimu.runtime import load_plan, run_record
    from jimu_zhejiang_data.licences import DRUG_LICENCES, CsvLicenceRegister, register_file

    broken = tmp_path / "hangzhou_drug_licences.csv"
    broken.write_text(register_file().read_text(encoding="utf-8").replace(",valid,", ",vaild,", 1), encoding="utf-8")
    catalog = load_catalog()
    catalog.providers[DRUG_LICENCES.name] = ResourceProvider(
        resource=DRUG_LICENCES.name, factory=lambda: CsvLicenceRegister.from_csv(broken))
    result = run_record(load_plan(PRODUCT, catalog), {**APPLICANT, "merchant_uscc": "91330106MA2H7K3P1N"}, trace=True)
    assert result.decision.outcome.value == "refer"
    assert "SYS_RESOURCE_UNAVAILABLE" in result.decision.reasons
    assert any("hangzhou_drug_licences.csv:2: status 'vaild'" in str(e) for e in result.errors)
