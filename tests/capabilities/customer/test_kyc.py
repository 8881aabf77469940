"""L4 KYC tasks: customer.kyc.person and customer.kyc.org, composed from the L5 identity steps.

The composed result is compared with what the installed L5 steps say for the same input, and,
with fake steps in an in-memory catalog, shown to come from ``ctx.use`` (not from imports).
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from jimu import CapabilityError, ContractModel, ReasonCode, capability

PERSON = "customer.kyc.person"
ORG = "customer.kyc.org"
RIC_CHECKSUM = "customer.step.resident_id_checksum"
RIC_BIRTHDATE = "customer.step.resident_id_birthdate"
USCC_CHECKSUM = "customer.step.uscc_checksum"
AS_OF = dt.date(2026, 6, 30)

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # DOMAIN.md §2.1
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # DOMAIN.md §2.2
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def make_ric(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, RIC_WEIGHTS, strict=True)) % 11]


def make_uscc(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


@pytest.fixture
def caps(jimu_catalog):
    return {cap_id: jimu_catalog.get(cap_id) for cap_id in (PERSON, ORG, RIC_CHECKSUM, RIC_BIRTHDATE, USCC_CHECKSUM, "customer.kyc.card")}


@pytest.fixture
def person(run_capability, caps):
    return lambda resident_id, as_of=AS_OF, **params: run_capability(
        caps[PERSON], {"resident_id": resident_id, "as_of": as_of}, params
    )


@pytest.fixture
def org(run_capability, caps):
    return lambda uscc: run_capability(caps[ORG], {"uscc": uscc})


def test_kyc_tasks_are_l4_and_declare_their_steps(caps):
    assert caps[PERSON].level == 4 and caps[ORG].level == 4
    assert {u.id for u in caps[PERSON].uses} == {RIC_CHECKSUM, RIC_BIRTHDATE}
    assert {u.id for u in caps[ORG].uses} == {USCC_CHECKSUM}
    assert all(caps[s].level == 5 for s in (RIC_CHECKSUM, RIC_BIRTHDATE, USCC_CHECKSUM))


# -- person -------------------------------------------------------------------------------------


def test_person_domain_vector(person):
    out = person("11010519491231002X")
    assert out.model_dump(exclude={"decision"}) == {
        "valid": True,
        "resident_id": "11010519491231002X",
        "birth_date": dt.date(1949, 12, 31),
        "age": 76,
        "sex": "F",
        "region_code": "110105",
        "province": "北京市",
        "county": "朝阳区",
        "reasons": [],
    }


PERSON_CASES = [
    ("11010519491231002X", AS_OF, True, []),
    ("110105 19491231 002x", AS_OF, True, []),
    (make_ric("310104", "19900722", "456"), AS_OF, True, []),
    (make_ric("440305", "19950601", "031"), AS_OF, True, []),
    ("110105300001010022", AS_OF, False, ["KYC_RIC_FUTURE_BIRTHDATE"]),
    (make_ric("999999", "19900101", "007"), AS_OF, False, ["KYC_RIC_REGION"]),
    (make_ric("110105", "19900230", "001"), AS_OF, False, ["KYC_RIC_BIRTHDATE"]),
    (make_ric("110105", "19000101", "001"), AS_OF, False, ["KYC_RIC_BIRTHDATE"]),  # aged 126
    (make_ric("110105", "20080630", "001"), dt.date(2026, 6, 29), True, []),
]


@pytest.mark.parametrize(("resident_id", "as_of", "valid", "reasons"), PERSON_CASES)
def test_person_equals_the_l5_steps(run_capability, caps, person, resident_id, as_of, valid, reasons):
    checked = run_capability(caps[RIC_CHECKSUM], {"resident_id": resident_id})
    assert checked.valid is True
    facts = run_capability(caps[RIC_BIRTHDATE], {"resident_id": checked.resident_id, "as_of": as_of})

    out = person(resident_id, as_of=as_of)
    assert out.model_dump(exclude={"decision"}) == {"resident_id": checked.resident_id, **facts.model_dump()}
    assert out.valid is valid
    assert out.reasons == reasons


def test_person_values_for_constructed_applicant(person):
    out = person(make_ric("310104", "19900722", "456"))
    assert (out.birth_date, out.age, out.sex) == (dt.date(1990, 7, 22), 35, "F")
    assert (out.region_code, out.province, out.county) == ("310104", "上海市", "徐汇区")
    eighteen_tomorrow = person(make_ric("110105", "20080701", "003"))
    assert eighteen_tomorrow.age == 17 and eighteen_tomorrow.sex == "M"


@pytest.mark.parametrize(
    ("resident_id", "reason"),
    [
        ("110105194912310021", "KYC_RIC_CHECKSUM"),
        ("110105300001010023", "KYC_RIC_CHECKSUM"),  # future date, but the checksum fails first
        ("11010519491231002", "KYC_RIC_FORMAT"),
        ("110105491231002", "KYC_RIC_FORMAT"),  # legacy, not allowed by default
        ("", "KYC_RIC_FORMAT"),
    ],
)
def test_person_invalid_id_short_circuits(person, resident_id, reason):
    out = person(resident_id)
    assert out.model_dump(exclude={"decision"}) == {
        "valid": False,
        "resident_id": None,
        "birth_date": None,
        "age": None,
        "sex": None,
        "region_code": None,
        "province": None,
        "county": None,
        "reasons": [reason],
    }


def test_person_legacy_param_is_passed_to_the_checksum_step(person):
    body = "330106" + "19" + "850314123"
    expected = make_ric(body[:6], body[6:14], body[14:])
    out = person("330106850314123", accept_legacy_15=True)
    assert out.valid is True
    assert out.resident_id == expected
    assert (out.birth_date, out.age, out.sex, out.county) == (dt.date(1985, 3, 14), 41, "M", "西湖区")
    assert person("330106850314123").reasons == ["KYC_RIC_FORMAT"]


def test_person_params_are_closed(person):
    with pytest.raises(ValidationError):
        person("11010519491231002X", max_age=100)


def test_person_failed_birthdate_keeps_normalised_id_and_partial_facts(person):
    out = person("110105-30000101-0022")
    assert out.valid is False
    assert out.resident_id == "110105300001010022"
    assert out.birth_date == dt.date(3000, 1, 1)
    assert out.reasons == ["KYC_RIC_FUTURE_BIRTHDATE"]


def test_person_unknown_county_is_a_region_reason(person):
    out = person(make_ric("119999", "19900101", "001"))
    assert out.valid is False
    assert out.reasons == ["KYC_RIC_REGION"]


# -- organisation -------------------------------------------------------------------------------


ORG_CASES = [
    ("91110108551385082Q", True, []),
    ("N2110105MA0000001H", True, []),
    ("91110108551385082q", True, []),
    (make_uscc("91330106MA27X0001"), True, []),
    ("91110108551385082A", False, ["KYC_USCC_CHECKSUM"]),
    ("91110108551385O82Q", False, ["KYC_USCC_FORMAT"]),
    (make_uscc("B1110108MA0000003"), False, ["KYC_USCC_AUTHORITY"]),
]


@pytest.mark.parametrize(("uscc", "valid", "reasons"), ORG_CASES)
def test_org_equals_the_l5_step(run_capability, caps, org, uscc, valid, reasons):
    facts = run_capability(caps[USCC_CHECKSUM], {"uscc": uscc}).model_dump()
    assert facts.pop("org_code") == (uscc[8:17].upper() if valid else None)
    out = org(uscc)
    assert out.model_dump(exclude={"decision"}) == facts
    assert out.valid is valid
    assert out.reasons == reasons


def test_org_domain_vectors(org):
    assert org("91110108551385082Q").model_dump(exclude={"decision"}) == {
        "valid": True,
        "uscc": "91110108551385082Q",
        "authority": "工商",
        "entity_type": "企业",
        "region_code": "110108",
        "province": "北京市",
        "county": "海淀区",
        "reasons": [],
    }
    letter = org("N2110105MA0000001H")
    assert (letter.valid, letter.authority, letter.entity_type, letter.county) == (True, "农业", "村级集体经济组织", "朝阳区")
    bad = org("91110108551385082A")
    assert bad.model_dump(exclude={"decision"}) == {
        "valid": False,
        "uscc": None,
        "authority": None,
        "entity_type": None,
        "region_code": None,
        "province": None,
        "county": None,
        "reasons": ["KYC_USCC_CHECKSUM"],
    }


def test_org_output_has_no_org_code(org):
    assert "org_code" not in org("91110108551385082Q").model_dump()


# -- the composition goes through ctx.use: fake steps in an in-memory catalog -----------------


class _Rid(ContractModel):
    resident_id: str


class _LegacyParams(ContractModel):
    accept_legacy_15: bool = False


class _Checked(ContractModel):
    valid: bool
    resident_id: str | None = None
    legacy: bool = False
    reasons: list[str] = []


class _RidOnDate(ContractModel):
    resident_id: str
    as_of: dt.date


class _Facts(ContractModel):
    valid: bool
    birth_date: dt.date | None = None
    age: int | None = None
    sex: str | None = None
    region_code: str | None = None
    province: str | None = None
    county: str | None = None
    reasons: list[str] = []


FAKE_REFUSED = ReasonCode(code="FAKE_RIC_REFUSED", text="fake refusal", text_zh="测试")
FAKE_BIRTH_CALLS: list[dict] = []


@capability(id=RIC_CHECKSUM, version="1.0.0", level=5, name="fake checksum", name_zh="测试", owner="tests",
            reasons=(FAKE_REFUSED,))
def fake_checksum(number: _Rid, params: _LegacyParams) -> _Checked:
    if number.resident_id.startswith("REFUSE"):
        return _Checked(valid=False, reasons=["FAKE_RIC_REFUSED"])
    return _Checked(valid=True, resident_id=f"NORM:{number.resident_id}:{params.accept_legacy_15}")


@capability(id=RIC_BIRTHDATE, version="1.0.0", level=5, name="fake birthdate", name_zh="测试", owner="tests")
def fake_birthdate(number: _RidOnDate) -> _Facts:
    FAKE_BIRTH_CALLS.append({"resident_id": number.resident_id, "as_of": number.as_of})
    return _Facts(valid=True, birth_date=dt.date(2000, 1, 2), age=7, sex="F", region_code="123456",
                  province="P", county="C")


def test_person_composes_through_ctx_use(make_catalog, run_capability, caps):
    catalog = make_catalog(caps[PERSON], fake_checksum, fake_birthdate)
    FAKE_BIRTH_CALLS.clear()
    out = run_capability(caps[PERSON], {"resident_id": "abc", "as_of": "2026-06-30"},
                         {"accept_legacy_15": True}, catalog=catalog)
    assert out.model_dump(exclude={"decision"}) == {
        "valid": True,
        "resident_id": "NORM:abc:True",
        "birth_date": dt.date(2000, 1, 2),
        "age": 7,
        "sex": "F",
        "region_code": "123456",
        "province": "P",
        "county": "C",
        "reasons": [],
    }
    # the birthdate step is given the *normalised* ID from the checksum step
    assert FAKE_BIRTH_CALLS == [{"resident_id": "NORM:abc:True", "as_of": AS_OF}]

    FAKE_BIRTH_CALLS.clear()
    refused = run_capability(caps[PERSON], {"resident_id": "REFUSE-1", "as_of": "2026-06-30"}, catalog=catalog)
    assert refused.valid is False and refused.reasons == ["FAKE_RIC_REFUSED"]
    assert FAKE_BIRTH_CALLS == []  # short-circuit: the birthdate step never ran


# -- decisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("resident_id", "outcome", "reasons"), [
    ("11010519491231002X", "approve", []),
    ("110105194912310021", "decline", ["KYC_RIC_CHECKSUM"]),
    ("110105300001010022", "decline", ["KYC_RIC_FUTURE_BIRTHDATE"]),
])
def test_person_decides_from_its_checks(person, resident_id, outcome, reasons):
    decision = person(resident_id).decision
    assert (decision.outcome.value, decision.reasons) == (outcome, reasons)


def test_org_declines_an_invalid_code_with_its_reason(org):
    assert org("91110108551385082Q").decision.outcome.value == "approve"
    bad = org("91110108551385082A").decision
    assert (bad.outcome.value, bad.reasons) == ("decline", ["KYC_USCC_CHECKSUM"])


def test_card_task_declines_a_mistyped_number(run_capability, caps):
    good = run_capability(caps["customer.kyc.card"], {"card_number": "6222 0212 3456 7890 128"})
    assert good.valid and good.decision.outcome.value == "approve" and good.last4 == "0128"
    bad = run_capability(caps["customer.kyc.card"], {"card_number": "6222 0212 3456 7890 129"})
    assert (bad.decision.outcome.value, bad.decision.reasons) == ("decline", ["KYC_CARD_LUHN"])
