"""Policies: registered like any item, applied to products by validation, failing closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jimu import Policy, PolicyFinding, hookimpl, load_catalog
from jimu.assembly import load_file
from jimu.assembly.validate import Validator

PRODUCT = """\
kind: product
id: zhejiang.hangzhou.age_gate
version: 1.0.0
branch: zhejiang.hangzhou
name: Age gate
name_zh: 年龄门槛
owner: zhejiang.hangzhou.tech
inputs: {age: integer, region_code: string}
steps:
  - id: eligibility
    uses: risk.admission.eligibility
decision: steps.eligibility.decision
"""


class Plugin:
    def __init__(self, *policies):
        self.policies = policies

    @hookimpl
    def jimu_register(self, register):
        for policy in self.policies:
            register(policy)


def validate(tmp_path, text, *policies):
    catalog = load_catalog(plugins=[Plugin(*policies)])
    path = tmp_path / "product.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_file(path)
    return catalog, Validator(catalog, [loaded]).validate_all([loaded])[0].diagnostics


def codes(diagnostics):
    return [(d.code, d.line) for d in diagnostics]


def test_hq_identity_policy_flags_a_product_without_kyc(tmp_path):
    _, found = validate(tmp_path, PRODUCT)
    assert codes(found) == [("J701", 9)]
    assert "hq.identity_checked" in found[0].message and "risk.intake" in found[0].hint


def test_kyc_through_a_composite_satisfies_the_policy(tmp_path):
    text = PRODUCT.replace("inputs: {age: integer, region_code: string}",
                           "inputs: {resident_id: string, as_of: date}").replace(
        "steps:\n  - id: eligibility\n    uses: risk.admission.eligibility\n",
        "steps:\n  - id: intake\n    uses: risk.intake\n").replace("steps.eligibility.decision", "steps.intake.decision")
    _, found = validate(tmp_path, text)
    assert codes(found) == []


def test_a_plugin_policy_reports_at_the_path_it_names(tmp_path):
    def max_three_steps(product):
        yield PolicyFinding("too few steps for a lending product", ("steps", 0, "uses"), hint="add anti-fraud",
                            severity="warning")

    catalog, found = validate(tmp_path, PRODUCT, Policy(id="acme.steps", description="d", check=max_three_steps))
    assert "acme.steps" in catalog.policies
    warning = next(d for d in found if "acme.steps" in d.message)
    assert (warning.code, warning.line, warning.column, warning.severity.value) == ("J701", 11, 11, "warning")


def test_a_policy_that_raises_is_an_error_not_a_pass(tmp_path):
    def broken(product):
        raise RuntimeError("table missing")

    _, found = validate(tmp_path, PRODUCT, Policy(id="acme.broken", description="d", check=broken, owner="acme.risk"))
    error = next(d for d in found if "acme.broken" in d.message)
    assert error.is_error and "table missing" in error.message and "acme.risk" in error.hint


def test_policies_wait_until_every_step_resolves(tmp_path):
    _, found = validate(tmp_path, PRODUCT.replace("risk.admission.eligibility", "risk.admission.eligibilty"))
    assert [d.code for d in found] == ["J201"]


def test_product_view_reaches_through_composites(tmp_path):
    seen = {}

    def spy(product):
        seen["reaches"] = product.reaches()
        seen["kyc_steps"] = product.steps_using(["customer.step.resident_id_checksum"])
        seen["branch"] = product.branch
        return ()

    text = PRODUCT.replace("inputs: {age: integer, region_code: string}", "inputs: {resident_id: string, as_of: date}")
    text = text.replace("steps:\n  - id: eligibility\n    uses: risk.admission.eligibility\n",
                        "steps:\n  - id: intake\n    uses: risk.intake\n").replace("eligibility.decision", "intake.decision")
    validate(tmp_path, text, Policy(id="acme.spy", description="d", check=spy))
    assert {"risk.intake", "customer.kyc.person", "customer.step.resident_id_checksum",
            "customer.kyc.card", "customer.step.bank_card_luhn"} <= seen["reaches"]
    assert seen["kyc_steps"] == ["intake"] and seen["branch"] == "zhejiang.hangzhou"


@pytest.mark.parametrize("bad", [dict(id="Not Dotted"), dict(check="not callable")])
def test_policy_declaration_is_checked(bad):
    fields = {"id": "acme.ok", "description": "d", "check": lambda product: (), **bad}
    with pytest.raises(ValueError):
        Policy(**fields)


# -- policies with their own codes ---------------------------------------------------------------


@pytest.mark.parametrize("code,words", [("J799", "not a registered policy code"), ("J201", "not a registered policy code")])
def test_a_policy_code_must_be_a_registered_J7xx_code(code, words):
    with pytest.raises(ValueError, match=words):
        Policy(id="acme.coded", description="d", check=lambda product: (), code=code)


def test_a_policy_reports_with_its_own_code(tmp_path):
    def always(product):
        yield PolicyFinding("no bureau consent", ("steps", 0, "uses"))

    _, found = validate(tmp_path, PRODUCT, Policy(id="acme.coded", description="d", check=always, code="J703"))
    assert ("J703", 11) in codes(found)
    assert next(d for d in found if d.code == "J703").message == "policy acme.coded: no bureau consent"


# -- the product as it runs --------------------------------------------------------------------------

PRELOAN = (Path(__file__).resolve().parents[2] / "assemblies" / "hq" / "preloan_standard.yaml").read_text(encoding="utf-8")


def test_runs_flatten_composites_in_run_order_with_data_flow_and_deciders(tmp_path):
    seen = {}

    def spy(product):
        seen["runs"] = {r.where: r for r in product.runs()}
        seen["view"] = product
        return ()

    validate(tmp_path, PRELOAN, Policy(id="acme.spy", description="d", check=spy))
    runs, view = seen["runs"], seen["view"]
    kyc, antifraud = runs["preloan.intake.kyc"], runs["preloan.prescreen.antifraud"]
    scorecard, pricing = runs["preloan.prescreen.scorecard"], runs["underwrite.pricing"]
    assert kyc.position < antifraud.position < scorecard.position < pricing.position
    assert kyc.decides and antifraud.decides and not scorecard.decides  # prescreen's decision omits the scorecard
    assert runs["preloan.intake.card"].skippable == (False, False, True)  # card: when: has(inputs.card_number)
    assert view.upstream(antifraud, pricing) and not view.upstream(pricing, antifraud)
    assert not view.upstream(kyc, scorecard)  # the scorecard reads inputs, not the KYC step
    assert view.resources_read(runs["preloan.prescreen.multilender"]) == {"data.bureau.inquiries"}
    assert runs["underwrite.pricing"].top == 1 and kyc.top == 0


def test_a_third_party_policy_arrives_by_installing_its_plugin(with_test_plugins, tmp_path):
    catalog = load_catalog(allow=["jimu-credit", "jimu-test-policy"])
    assert catalog.policies["acme.audit.few_steps"].owner == "acme.audit"
    assert catalog.source(catalog.get("risk.intake")).distribution == "jimu-credit"
    steps = "  - id: s0\n    uses: risk.intake\n" + "".join(
        f"  - id: s{i}\n    uses: risk.admission.eligibility\n"
        "    with: {age: steps.s0.age, region_code: steps.s0.region_code}\n"
        "    when: has(steps.s0.age) && has(steps.s0.region_code)\n" for i in range(1, 4))
    text = PRODUCT.replace("zhejiang.hangzhou", "acme.pilot").replace(
        "inputs: {age: integer, region_code: string}", "inputs: {resident_id: string, as_of: date}").replace(
        "steps:\n  - id: eligibility\n    uses: risk.admission.eligibility\n", "steps:\n" + steps).replace(
        "steps.eligibility.decision", "[steps.s0.decision, steps.s1.decision, steps.s2.decision, steps.s3.decision]")
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_file(path)
    found = Validator(catalog, [loaded]).validate_all([loaded])[0].diagnostics
    assert [(d.code, d.line) for d in found] == [("J701", 20)]  # the fourth step's id
    assert "acme.audit.few_steps" in found[0].message and "acme audit" in found[0].hint
    three = text.replace(steps, steps.split("  - id: s3")[0]).replace(", steps.s3.decision", "")
    path.write_text(three, encoding="utf-8")
    loaded = load_file(path)
    assert Validator(catalog, [loaded]).validate_all([loaded])[0].diagnostics == []
