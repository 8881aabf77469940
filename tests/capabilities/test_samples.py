"""HQ's applicants sample: the real German Credit rows, mapped, with seeded synthetic identities."""

from __future__ import annotations

import csv
import json

from stdnum.cn import ric
from stdnum import luhn

from jimu_credit.data import fixtures
from jimu_credit.samples import AS_OF, PROTECTED, applicants, german_credit


def test_every_real_row_passes_through_with_its_own_values():
    base = german_credit()
    rows = list(applicants())
    assert len(base) == len(rows) == 1000
    for source, row in zip(base, rows):
        assert row["requested_amount"] == float(source["credit_amount"])
        assert row["tenor_months"] == int(source["duration_in_month"])
        assert row["label"] == source["creditability"]
        assert row["status_of_existing_checking_account"] == source["status_of_existing_checking_account"]
        assert not set(PROTECTED) & set(row)


def test_synthetic_identities_pass_hq_kyc_and_give_the_real_age(jimu_catalog, run_capability):
    kyc = jimu_catalog.get("customer.kyc.person")
    for row, source in zip(applicants(200), german_credit()):
        checked = run_capability(kyc, {"resident_id": row["resident_id"], "as_of": row["as_of"]})
        assert checked.valid, (row["resident_id"], checked.reasons)  # real region, valid check character
        if row["resident_id"] not in fixtures.PLANTED_IDS:  # planted parties keep their own birth dates
            assert checked.age == int(source["age_in_years"])
        assert ric.calc_check_digit(row["resident_id"][:17] + "0") == row["resident_id"][-1]
        assert luhn.is_valid(row["card_number"]) and len(row["phone"]) == 11
        assert row["monthly_income"] > 0 and row["existing_monthly_debt"] >= 0


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_identities():
    assert list(applicants(50, seed=7)) == list(applicants(50, seed=7))
    other = list(applicants(50, seed=8))
    assert [r["resident_id"] for r in other] != [r["resident_id"] for r in applicants(50, seed=7)]
    assert [r["requested_amount"] for r in other] == [r["requested_amount"] for r in applicants(50, seed=7)]


def test_more_rows_than_the_data_set_repeat_it_with_new_identities():
    rows = list(applicants(1500))
    assert len(rows) == 1500 and rows[1000]["requested_amount"] == rows[0]["requested_amount"]
    assert rows[1000]["resident_id"] != rows[0]["resident_id"]


def test_jimu_sample_writes_the_file(jimu_cmd, tmp_path):
    out = tmp_path / "applicants.csv"
    result = jimu_cmd("sample", "applicants", "--rows", "25", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "CC BY 4.0" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 25 and rows[0]["as_of"] == AS_OF.isoformat()
    again = tmp_path / "again.jsonl"
    jimu_cmd("sample", "applicants", "--rows", "25", "--seed", "3", "--out", str(again))
    assert [json.loads(x)["resident_id"] for x in again.read_text().splitlines()] == [r["resident_id"] for r in rows]


def test_jimu_sample_lists_and_refuses_unknown_names(jimu_cmd, tmp_path):
    assert "applicants" in jimu_cmd("sample").stdout
    unknown = jimu_cmd("sample", "borrowers", "--out", str(tmp_path / "x.csv"))
    assert unknown.returncode == 1 and "applicants" in unknown.stderr and "Traceback" not in unknown.stderr
    no_out = jimu_cmd("sample", "applicants")
    assert no_out.returncode == 2
    bad_suffix = jimu_cmd("sample", "applicants", "--out", str(tmp_path / "x.xlsx"))
    assert bad_suffix.returncode == 1 and "unknown format" in bad_suffix.stderr


def test_one_applicant_in_forty_is_a_planted_party_with_its_phone_and_device():
    rows = list(applicants())
    planted = [r for r in rows if r["resident_id"] in fixtures.PLANTED_IDS]
    assert len(planted) == 25
    for row in planted:
        party = fixtures.applicant(row["resident_id"])
        assert (row["phone"], row["device_id"]) == (party.phone, party.device_id)
