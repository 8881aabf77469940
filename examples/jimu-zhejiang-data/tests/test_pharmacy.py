"""data.zhejiang.pharmacy_licence: the kit's full check, the outcome table on a fake register, discovery."""

from __future__ import annotations

import datetime as dt

import pytest

from jimu import load_catalog
from jimu.testing import check_capability, fake_resource, run
from jimu_zhejiang_data import pharmacy
from jimu_zhejiang_data.licences import DRUG_LICENCES, DrugLicence
from jimu_zhejiang_data.pharmacy import pharmacy_licence

USCC = "91330106MA2H7K3P1N"  # a well-formed Xihu code (check character N)
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def catalog():
    """What Jimu loads through the entry points: this plugin and HQ's, whose USCC step it uses."""
    loaded = load_catalog(allow=["jimu-credit", "jimu-zhejiang-data"])
    assert not loaded.errors, loaded.errors
    return loaded


def test_the_kit_finds_nothing_wrong_on_the_shipped_register(catalog):
    # worked examples, params bounds, registered reason codes on every refer/decline, generated inputs
    check_capability(pharmacy_licence, catalog=catalog)


def licence(*, status="valid", since=None, issued=dt.date(2024, 1, 10), expires=None, scope=("处方药", "中成药"),
            number="浙DA571300101") -> DrugLicence:
    expires = expires or issued.replace(year=issued.year + 5) - dt.timedelta(days=1)
    return DrugLicence(licence_no=number, uscc=USCC, holder="测试药房", district="西湖区", status=status,
                       status_since=since or issued, issued_on=issued, expires_on=expires, scope=scope)


def check(catalog, *held: DrugLicence, as_of=AS_OF, **params):
    register = fake_resource(DRUG_LICENCES, licences=lambda key: held if key == USCC else ())
    out = run(pharmacy_licence, {"uscc": USCC, "as_of": as_of}, params, catalog=catalog,
              resources={DRUG_LICENCES.name: register})
    assert register.calls_to("licences") == [((USCC,), {})]  # one indexed lookup, by the normalised code
    return out


def outcome(out) -> tuple[str, list[str]] | None:
    return None if out.decision is None else (out.decision.outcome.value, out.decision.reasons)


def test_a_valid_licence_decides_nothing(catalog):
    out = check(catalog, licence())
    assert out.licensed and out.found and out.status == "valid" and outcome(out) is None


def test_the_last_valid_day_is_still_licensed_and_the_next_is_expired(catalog):
    last_day = licence(issued=dt.date(2021, 7, 1), expires=AS_OF)
    on_it = check(catalog, last_day, min_days_to_expiry=0)
    assert on_it.licensed and on_it.days_to_expiry == 0 and outcome(on_it) is None
    after = check(catalog, last_day, as_of=AS_OF + dt.timedelta(days=1))
    assert not after.licensed and outcome(after) == ("decline", ["ZJ_DRUG_LICENCE_EXPIRED"])


def test_expiring_within_the_window_is_referred_and_the_window_is_a_param(catalog):
    soon = licence(issued=dt.date(2021, 8, 1), expires=AS_OF + dt.timedelta(days=29))
    assert outcome(check(catalog, soon)) == ("refer", ["ZJ_DRUG_LICENCE_EXPIRING"])
    assert outcome(check(catalog, soon, min_days_to_expiry=29)) is None


def test_a_licence_issued_after_the_application_is_not_found_on_that_day(catalog):
    out = check(catalog, licence(issued=AS_OF + dt.timedelta(days=1)))
    assert not out.found and outcome(out) == ("decline", ["ZJ_DRUG_LICENCE_NOT_FOUND"])


def test_the_latest_licence_issued_by_the_application_date_is_judged(catalog):
    old = licence(issued=dt.date(2019, 11, 1), number="浙DA571600106")
    new = licence(issued=dt.date(2024, 11, 1), number="浙DA571600107")
    assert check(catalog, old, new, as_of=dt.date(2024, 10, 1)).licence_no == "浙DA571600106"
    assert check(catalog, new, old).licence_no == "浙DA571600107"  # the register's order does not matter


@pytest.mark.parametrize(("status", "since", "expected"), [
    ("revoked", dt.date(2026, 3, 2), ("decline", ["ZJ_DRUG_LICENCE_REVOKED"])),
    ("revoked", dt.date(2026, 7, 1), None),  # revoked after the application: valid on the day
    ("suspended", dt.date(2026, 6, 30), ("refer", ["ZJ_DRUG_LICENCE_SUSPENDED"])),
    ("suspended", dt.date(2026, 7, 1), None),
])
def test_a_status_applies_from_the_day_it_began(catalog, status, since, expected):
    out = check(catalog, licence(status=status, since=since))
    assert outcome(out) == expected
    assert out.status == (status if expected else "valid")


def test_a_decline_beats_a_referral_on_the_same_licence(catalog):
    suspended_and_expired = licence(status="suspended", since=dt.date(2025, 1, 1), issued=dt.date(2021, 1, 1))
    out = check(catalog, suspended_and_expired)
    assert outcome(out) == ("decline", ["ZJ_DRUG_LICENCE_EXPIRED"]) and out.reasons == ["ZJ_DRUG_LICENCE_EXPIRED"]


def test_prescription_scope_is_required_only_when_asked(catalog):
    otc = licence(scope=("甲类非处方药", "乙类非处方药"))
    assert outcome(check(catalog, otc)) is None
    assert outcome(check(catalog, otc, require_prescription=True)) == ("refer", ["ZJ_DRUG_LICENCE_NO_PRESCRIPTION"])


def test_a_malformed_uscc_is_declined_by_hqs_step_without_reading_the_register(catalog):
    register = fake_resource(DRUG_LICENCES)  # any call fails the test
    out = run(pharmacy_licence, {"uscc": "91330106MA2H7K3P1", "as_of": AS_OF}, catalog=catalog,
              resources={DRUG_LICENCES.name: register})
    assert outcome(out) == ("decline", ["KYC_USCC_FORMAT"]) and register.calls == []


def test_params_outside_their_technical_range_are_refused(catalog):
    with pytest.raises(Exception, match="min_days_to_expiry"):
        run(pharmacy_licence, {"uscc": USCC, "as_of": AS_OF}, {"min_days_to_expiry": 400}, catalog=catalog)


def test_discovered_through_the_entry_point_with_this_distribution(catalog):
    entry = catalog.get("data.zhejiang.pharmacy_licence")
    source = catalog.source(entry)
    assert entry.owner == "zhejiang.data-team" and entry.level == 4 and entry.kind.value == "lookup"
    assert (source.distribution, source.plugin) == ("jimu-zhejiang-data", "zhejiang-data")
    assert DRUG_LICENCES.name in catalog.resources and DRUG_LICENCES.name in catalog.providers


def test_every_reason_code_is_registered_in_english_and_chinese_against_the_capability(catalog):
    codes = {r.code for r in (pharmacy.NOT_FOUND, pharmacy.REVOKED, pharmacy.EXPIRED, pharmacy.SUSPENDED,
                              pharmacy.EXPIRING, pharmacy.NO_PRESCRIPTION)}
    assert codes == {r.code for r in pharmacy_licence.reasons}
    for code in codes:
        registered = catalog.reasons[code]
        assert registered.capability == "data.zhejiang.pharmacy_licence"
        assert registered.text and registered.text_zh and registered.text != registered.text_zh
