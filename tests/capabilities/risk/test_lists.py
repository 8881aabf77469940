"""risk.admission.listcheck: blacklist decline, whitelist pre-approval, no decision otherwise.

Run with recording fakes of the declared lists (``jimu.testing.fake_resource``) for every rule, with the bundled demo lists for the planted
parties, and inside a product, where "no decision" must never become an approval on its own.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from jimu import MissingResource, Outcome
from jimu.runtime import load_plan, run_record
from jimu.testing import check_examples, fake_resource
from jimu_credit.data import fixtures as demo
from jimu_credit.data import stores
from jimu_credit.data.stores import BlacklistEntry, WhitelistEntry
from jimu_credit.risk import lists

LISTCHECK = "risk.admission.listcheck"
AS_OF = dt.date(2026, 2, 10)
ID = "11010519491231002X"
OTHER_ID = "310104198707220462"
USCC = "91110108551385082Q"
PHONE = "13800000001"


def fake_blacklist(*entries: BlacklistEntry):
    """A recording fake of the declared ``data.lists.blacklist`` (``jimu.testing.fake_resource``)."""
    return fake_resource(stores.BLACKLIST, hits=lambda key: tuple(e for e in entries if e.key == key))


def fake_whitelist(*entries: WhitelistEntry):
    by_key = {e.key: e for e in entries}
    return fake_resource(stores.WHITELIST, entry=by_key.get)


def asked(fake):
    """The keys a fake list was asked about, in order."""
    return [args[0] for _, args, _ in fake.calls]


def listed(key, key_type="resident_id", listed_on=dt.date(2025, 1, 1), expires_on=None, name="court_enforcement"):
    return BlacklistEntry(key, key_type, name, "失信被执行人", listed_on, expires_on)


def pre_approved(key, limit=50_000.0, valid_from=dt.date(2026, 1, 1), expires_on=dt.date(2026, 12, 31),
                 key_type="resident_id"):
    return WhitelistEntry(key, key_type, "payroll", limit, valid_from, expires_on)


@pytest.fixture
def cap(jimu_catalog):
    return jimu_catalog.get(LISTCHECK)


@pytest.fixture
def check(cap, run_capability, fake_resources):
    """Run the list check on fake lists: ``check(record, blacklist=[...], whitelist=[...], params=...)``."""

    def run(record, blacklist=(), whitelist=(), params=None):
        fake_resources["data.lists.blacklist"] = fake_blacklist(*blacklist)
        fake_resources["data.lists.whitelist"] = fake_whitelist(*whitelist)
        return run_capability(cap, {"as_of": AS_OF, **record}, params, resources=fake_resources)

    return run


# -- declaration -------------------------------------------------------------------------------


def test_declaration(cap, jimu_catalog):
    assert (cap.level, cap.kind.value, cap.version) == (4, "lookup", "1.0.0")
    assert cap.resources == ("data.lists.blacklist", "data.lists.whitelist")
    assert {u.id for u in cap.uses} == {"customer.step.resident_id_checksum", "customer.step.uscc_checksum"}
    assert cap.reason_codes == {"LIST_BLACKLISTED", "LIST_NOT_PREAPPROVED"}
    for code in cap.reasons:
        assert jimu_catalog.reasons[code.code] == code and code.text and code.text_zh
        assert code.capability == LISTCHECK
    assert cap.examples == lists.DEMO_EXAMPLES[cap.id]  # run by test_examples.py with the installed providers


# -- blacklist ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("record", "entry"), [
    ({"resident_id": ID}, listed(ID)),
    ({"resident_id": OTHER_ID, "uscc": USCC}, listed(USCC, "uscc")),
    ({"resident_id": OTHER_ID, "phone": PHONE}, listed(PHONE, "phone", name="telecom_fraud")),
])
def test_a_blacklisting_in_force_declines(check, record, entry):
    out = check(record, blacklist=[entry])
    assert out.blacklisted and out.reasons == ["LIST_BLACKLISTED"]
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.DECLINE, ["LIST_BLACKLISTED"])
    assert [(h.key_type, h.list_name) for h in out.hits] == [(entry.key_type, entry.list_name)]
    assert not out.whitelisted and out.pre_approved_limit is None


def test_keys_are_normalised_before_the_lookup(check, fake_resources):
    out = check({"resident_id": "110105 19491231 002x", "uscc": "91110108-551385082q", "phone": "+86 138-0000-0001"},
                blacklist=[listed(PHONE, "phone")])
    assert out.blacklisted
    assert asked(fake_resources["data.lists.blacklist"]) == [ID, USCC, PHONE]


def test_a_legacy_15_digit_id_is_looked_up_in_its_18_digit_form_when_allowed(check, fake_resources):
    legacy = "110105491231002"  # 1949-12-31, the 15-digit form of 11010519491231002X
    out = check({"resident_id": legacy}, blacklist=[listed(ID)], params={"accept_legacy_15": True})
    assert out.blacklisted and asked(fake_resources["data.lists.blacklist"]) == [ID]
    refused = check({"resident_id": legacy}, blacklist=[listed(ID)])
    assert refused.decision.reasons == ["KYC_RIC_FORMAT"]


@pytest.mark.parametrize(("entry", "hit"), [
    (listed(ID, expires_on=AS_OF - dt.timedelta(days=1)), False),   # expired the day before
    (listed(ID, expires_on=AS_OF), True),                           # expires on the day: still in force
    (listed(ID, listed_on=AS_OF + dt.timedelta(days=1)), False),    # listed after the application
    (listed(ID, listed_on=AS_OF), True),
])
def test_only_listings_in_force_on_the_application_date_count(check, entry, hit):
    out = check({"resident_id": ID}, blacklist=[entry])
    assert out.blacklisted is hit
    assert out.decision is None if not hit else out.decision.outcome is Outcome.DECLINE


def test_the_blacklist_wins_over_the_whitelist(check):
    out = check({"resident_id": ID}, blacklist=[listed(ID)], whitelist=[pre_approved(ID)])
    assert out.decision.outcome is Outcome.DECLINE and not out.whitelisted and out.pre_approved_limit is None


def test_every_listing_in_force_is_reported(check):
    out = check({"resident_id": ID, "phone": PHONE},
                blacklist=[listed(ID), listed(ID, name="internal_fraud"), listed(PHONE, "phone")])
    assert [(h.key_type, h.list_name) for h in out.hits] == [
        ("resident_id", "court_enforcement"), ("resident_id", "internal_fraud"), ("phone", "court_enforcement")]
    assert out.decision.reasons == ["LIST_BLACKLISTED"]


# -- whitelist: the cold-start pre-approval -----------------------------------------------------


def test_a_pre_approval_in_force_approves_with_its_limit(check):
    out = check({"resident_id": ID}, whitelist=[pre_approved(ID, limit=60_000)])
    assert out.whitelisted and out.pre_approved_limit == 60_000 and out.programme == "payroll"
    assert out.whitelist_expires_on == dt.date(2026, 12, 31)
    assert out.decision.outcome is Outcome.APPROVE and out.decision.offer.limit == 60_000
    assert out.reasons == []


@pytest.mark.parametrize("entry", [
    pre_approved(ID, expires_on=AS_OF - dt.timedelta(days=1)),
    pre_approved(ID, valid_from=AS_OF + dt.timedelta(days=1), expires_on=AS_OF + dt.timedelta(days=90)),
])
def test_a_pre_approval_not_in_force_is_not_used(check, entry):
    out = check({"resident_id": ID}, whitelist=[entry])
    assert not out.whitelisted and out.decision is None


def test_a_pre_approval_expiring_on_the_day_is_used_unless_days_to_expiry_are_required(check):
    entry = pre_approved(ID, expires_on=AS_OF)
    assert check({"resident_id": ID}, whitelist=[entry]).whitelisted
    assert not check({"resident_id": ID}, whitelist=[entry], params={"min_days_to_expiry": 1}).whitelisted
    later = pre_approved(ID, expires_on=AS_OF + dt.timedelta(days=30))
    assert check({"resident_id": ID}, whitelist=[later], params={"min_days_to_expiry": 30}).whitelisted
    assert not check({"resident_id": ID}, whitelist=[later], params={"min_days_to_expiry": 31}).whitelisted


def test_the_product_caps_the_pre_approved_limit(check):
    out = check({"resident_id": ID}, whitelist=[pre_approved(ID, limit=800_000)],
                params={"max_pre_approved_limit": 200_000})
    assert out.pre_approved_limit == 200_000 and out.decision.offer.limit == 200_000


def test_an_organisation_borrows_on_its_own_pre_approval(check, fake_resources):
    whitelist = [pre_approved(ID, limit=50_000), pre_approved(USCC, limit=500_000, key_type="uscc")]
    out = check({"resident_id": ID, "uscc": USCC}, whitelist=whitelist)
    assert out.pre_approved_limit == 500_000 and asked(fake_resources["data.lists.whitelist"]) == [USCC]
    # the legal representative's own pre-approval is not the company's
    assert not check({"resident_id": ID, "uscc": USCC}, whitelist=whitelist[:1]).whitelisted


# -- neither list: no decision (fail-closed) ---------------------------------------------------


def test_an_applicant_on_no_list_gets_no_decision(check):
    out = check({"resident_id": ID, "phone": PHONE})
    assert (out.blacklisted, out.whitelisted, out.reasons, out.decision) == (False, False, [], None)


def test_a_cold_start_product_declines_an_applicant_with_no_pre_approval(check):
    out = check({"resident_id": ID}, params={"require_whitelist": True},
                whitelist=[pre_approved(ID, expires_on=AS_OF - dt.timedelta(days=1))])
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.DECLINE, ["LIST_NOT_PREAPPROVED"])
    ok = check({"resident_id": ID}, params={"require_whitelist": True}, whitelist=[pre_approved(ID)])
    assert ok.decision.outcome is Outcome.APPROVE


# -- malformed keys and missing lists ----------------------------------------------------------


@pytest.mark.parametrize(("record", "codes"), [
    ({"resident_id": "110105194912310021"}, ["KYC_RIC_CHECKSUM"]),
    ({"resident_id": "1101051949"}, ["KYC_RIC_FORMAT"]),
    ({"uscc": "91110108551385082A"}, ["KYC_USCC_CHECKSUM"]),
    ({"resident_id": "110105194912310021", "uscc": "91110108551385082A"}, ["KYC_RIC_CHECKSUM", "KYC_USCC_CHECKSUM"]),
])
def test_a_key_that_fails_its_check_is_declined_without_reading_the_lists(cap, run_capability, record, codes):
    out = run_capability(cap, {"as_of": AS_OF, **record}, resources={})  # no lists at all: never read
    assert out.reasons == codes and (out.decision.outcome, out.decision.reasons) == (Outcome.DECLINE, codes)


@pytest.mark.parametrize("present", [{}, {"data.lists.blacklist": fake_blacklist()}])
def test_a_missing_list_raises_missing_resource(cap, run_capability, present):
    with pytest.raises(MissingResource):
        run_capability(cap, {"resident_id": ID, "as_of": AS_OF}, resources=present)


@pytest.mark.parametrize("record", [
    {"as_of": "2026-02-10"},                                      # no identity
    {"phone": PHONE, "as_of": "2026-02-10"},                      # a phone alone is not an identity
    {"resident_id": ID, "phone": "12345", "as_of": "2026-02-10"},  # not a mobile number
    {"resident_id": ID},                                          # no date
    {"resident_id": ID, "as_of": "2026-02-10", "name": "x"},      # unknown field
])
def test_bad_input_is_refused(cap, run_capability, record):
    with pytest.raises(ValidationError):
        run_capability(cap, record, resources={})


@pytest.mark.parametrize("params", [
    {"max_pre_approved_limit": 999}, {"max_pre_approved_limit": 10_000_001},
    {"min_days_to_expiry": -1}, {"min_days_to_expiry": 91}, {"limit": 1},
])
def test_params_outside_hq_bounds_are_refused(check, params):
    with pytest.raises(ValidationError):
        check({"resident_id": ID}, params=params)


# -- on the bundled demo lists -----------------------------------------------------------------


@pytest.fixture
def bundled(jimu_catalog):
    return jimu_catalog.bind_resources()


def test_the_demo_examples_pass_on_the_bundled_lists(cap, jimu_catalog, bundled):
    examples = lists.DEMO_EXAMPLES[LISTCHECK]
    assert len(examples) >= 2 and len({str(e.output) for e in examples}) == len(examples)
    assert check_examples(cap.model_copy(update={"examples": examples}), catalog=jimu_catalog, resources=bundled) == []


@pytest.mark.parametrize(("record", "outcome", "limit"), [
    ({"resident_id": demo.BLACKLISTED_ID}, "decline", None),
    ({"resident_id": demo.CLEAN_ID, "uscc": demo.BLACKLISTED_USCC}, "decline", None),
    ({"resident_id": demo.CLEAN_ID, "phone": demo.BLACKLISTED_PHONE}, "decline", None),
    ({"resident_id": demo.WHITELISTED_BLACKLISTED_ID}, "decline", None),
    ({"resident_id": demo.WHITELISTED_ID}, "approve", demo.WHITELISTED_ID_LIMIT),
    ({"resident_id": demo.LEGAL_REP_ID, "uscc": demo.WHITELISTED_USCC}, "approve", demo.WHITELISTED_USCC_LIMIT),
    ({"resident_id": demo.EXPIRED_BLACKLIST_ID}, None, None),
    ({"resident_id": demo.WHITELIST_EXPIRED_ID}, None, None),
    ({"resident_id": demo.CLEAN_ID, "phone": demo.applicant(demo.CLEAN_ID).phone}, None, None),
])
def test_the_planted_parties_on_the_bundled_lists(cap, run_capability, bundled, record, outcome, limit):
    out = run_capability(cap, {"as_of": demo.DEMO_DATE, **record}, resources=bundled)
    if outcome is None:
        assert out.decision is None
    else:
        assert out.decision.outcome.value == outcome
        assert out.pre_approved_limit == limit
        assert (out.decision.offer.limit if out.decision.offer else None) == limit


def test_every_background_person_gets_what_the_lists_say(cap, run_capability, bundled):
    population = demo.population()
    outcomes = {}
    for person in population.persons:
        out = run_capability(cap, {"resident_id": person, "phone": demo.applicant(person).phone,
                                   "as_of": demo.DEMO_DATE}, resources=bundled)
        outcomes[person] = out.decision.outcome.value if out.decision else None
    assert all(outcomes[p] == "decline" for p in population.blacklisted)
    assert {outcomes[p] for p in population.whitelisted} <= {"approve", None}  # some pre-approvals expired
    assert any(outcomes[p] == "approve" for p in population.whitelisted)
    others = set(population.persons) - set(population.blacklisted) - set(population.whitelisted)
    assert {outcomes[p] for p in others} == {None}


# -- in a product: no decision never approves on its own ---------------------------------------

PRODUCT = """\
kind: product
id: beijing.haidian.list_screen_test
version: 1.0.0
branch: beijing.haidian
name: List screen (test)
name_zh: 名单筛查（测试）
owner: beijing.haidian.tech
inputs: {{resident_id: string, as_of: date}}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: lists
    uses: risk.admission.listcheck
    with: {{resident_id: steps.kyc.resident_id}}
    when: has(steps.kyc.resident_id)
{params}
decision: [{decision}]
"""


@pytest.fixture
def product(tmp_path, jimu_catalog):
    def build(decision, params="", resources=None):
        path = tmp_path / "product.yaml"
        path.write_text(PRODUCT.format(decision=decision, params=params), encoding="utf-8")
        return load_plan(path, jimu_catalog, resources=resources)
    return build


def test_a_product_deciding_on_the_list_check_alone_refers_the_unlisted(product):
    plan = product("steps.lists.decision")
    unlisted = run_record(plan, {"resident_id": demo.CLEAN_ID, "as_of": "2026-02-10"})
    assert (unlisted.decision.outcome, unlisted.decision.reasons) == (Outcome.REFER, ["SYS_NO_DECISION"])
    listed_ = run_record(plan, {"resident_id": demo.BLACKLISTED_ID, "as_of": "2026-02-10"})
    assert listed_.decision.outcome is Outcome.DECLINE
    white = run_record(plan, {"resident_id": demo.WHITELISTED_ID, "as_of": "2026-02-10"})
    assert white.decision.outcome is Outcome.APPROVE and white.decision.offer.limit == demo.WHITELISTED_ID_LIMIT


def test_a_cold_start_product_lends_to_the_pre_approved_only(product):
    plan = product("steps.kyc.decision, steps.lists.decision", params="    params: {require_whitelist: true}")
    results = {
        who: run_record(plan, {"resident_id": who, "as_of": "2026-02-10"}).decision
        for who in (demo.CLEAN_ID, demo.BLACKLISTED_ID, demo.WHITELISTED_ID, "110105194912310021")
    }
    assert (results[demo.CLEAN_ID].outcome, results[demo.CLEAN_ID].reasons) == (Outcome.DECLINE, ["LIST_NOT_PREAPPROVED"])
    assert results[demo.BLACKLISTED_ID].reasons == ["LIST_BLACKLISTED"]
    assert results[demo.WHITELISTED_ID].offer.limit == demo.WHITELISTED_ID_LIMIT
    assert results["110105194912310021"].reasons == ["KYC_RIC_CHECKSUM"]


def test_a_list_that_does_not_answer_refers_even_a_whitelisted_applicant(product):
    class Down:
        def hits(self, key):
            raise ConnectionError("list service refused")

    plan = product("steps.kyc.decision, steps.lists.decision", resources={"data.lists.blacklist": Down()})
    result = run_record(plan, {"resident_id": demo.WHITELISTED_ID, "as_of": "2026-02-10"})
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.REFER, ["SYS_RESOURCE_UNAVAILABLE"])
