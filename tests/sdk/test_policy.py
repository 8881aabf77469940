"""Policies: registered like any item, applied to products by validation, failing closed."""

from __future__ import annotations

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
