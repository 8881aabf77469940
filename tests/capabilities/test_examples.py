"""Every declared example of every installed capability passes (``jimu.testing.check_examples``)."""

from __future__ import annotations

import pytest

import jimu
from jimu import Example
from jimu.testing import check_examples, examples

CATALOG = jimu.load_catalog()  # at collection time, so each example is its own test
EXAMPLES = examples(CATALOG)


def test_installed_catalog_is_clean_and_has_the_identity_examples():
    assert [str(p) for p in CATALOG.errors] == []
    counts = {}
    for key, _ in EXAMPLES:
        counts[key] = counts.get(key, 0) + 1
    assert counts["customer.step.resident_id_checksum@1.0.0"] == 3
    assert counts["customer.step.resident_id_birthdate@1.0.0"] == 2
    assert counts["customer.step.uscc_checksum@1.0.0"] == 2
    assert counts["customer.step.bank_card_luhn@1.0.0"] == 2
    assert counts["customer.kyc.person@1.1.0"] == 2
    assert counts["customer.kyc.org@1.1.0"] == 3


@pytest.mark.parametrize(("key", "number"), EXAMPLES, ids=[f"{key}#{number}" for key, number in EXAMPLES])
def test_declared_example_passes(jimu_catalog, key, number):
    cap = jimu_catalog.get(key)
    assert cap.key == key and 1 <= number <= len(cap.examples)
    failures = check_examples(cap, catalog=jimu_catalog)
    assert [f for f in failures if f.startswith(f"{key} example {number}:")] == []


def test_check_examples_reports_a_wrong_example(jimu_catalog):
    """The harness above is not vacuous: a wrong expectation is reported."""
    cap = jimu_catalog.get("customer.step.resident_id_checksum")
    wrong = cap.model_copy(
        update={"examples": (Example(input={"resident_id": "11010519491231002X"}, output={"valid": False}),)}
    )
    failures = check_examples(wrong, catalog=jimu_catalog)
    assert len(failures) == 1
    assert failures[0].startswith(f"{cap.key} example 1:")
