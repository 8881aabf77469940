"""L5 identity steps: resident ID, USCC and bank card, run through the test kit's fixtures.

Check characters are computed here from the standards (DOMAIN.md §2.1-2.3) by small independent
helpers, never by the code under test or by python-stdnum, so a wrong table or off-by-one in the
capability cannot agree with itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from stdnum import luhn as stdnum_luhn
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat

from jimu import CapabilityError

RIC_CHECKSUM = "customer.step.resident_id_checksum"
RIC_BIRTHDATE = "customer.step.resident_id_birthdate"
USCC_CHECKSUM = "customer.step.uscc_checksum"
CARD_LUHN = "customer.step.bank_card_luhn"
AS_OF = dt.date(2026, 6, 30)

# -- independent oracles ------------------------------------------------------------------------

# GB 11643-1999 / ISO 7064 MOD 11-2, as written in DOMAIN.md §2.1.
RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK_CHARS = "10X98765432"
RIC_CHARS = "0123456789X"


def ric_check(body17: str) -> str:
    assert len(body17) == 17 and body17.isascii() and body17.isdigit(), body17
    return RIC_CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, RIC_WEIGHTS, strict=True)) % 11]


def make_ric(region: str, birth: str, seq: str) -> str:
    """An 18-character ID with a correct check character: region(6) + YYYYMMDD + seq(3) + check."""
    body = region + birth + seq
    return body + ric_check(body)


def wrong_check(good: str) -> str:
    """The same ID with a different (so wrong) check character."""
    return good[:17] + next(c for c in RIC_CHARS if c != good[17])


# GB 32100-2015, as written in DOMAIN.md §2.2.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(body17: str) -> str:
    assert len(body17) == 17, body17
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(body17: str) -> str:
    return body17 + uscc_check(body17)


# Luhn (mod 10): double every second digit counting from the right-most (check) digit.
def luhn_ok(number: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def make_pan(payload: str) -> str:
    """``payload`` plus the one check digit that makes it pass Luhn."""
    (digit,) = [d for d in "0123456789" if luhn_ok(payload + d)]
    return payload + digit


def test_oracles_match_the_standards_and_domain_vectors():
    assert RIC_WEIGHTS == tuple(pow(2, 17 - i, 11) for i in range(17))
    assert USCC_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert len(USCC_ALPHABET) == 31 and not set("IOZSV") & set(USCC_ALPHABET)
    assert ric_check("11010519491231002") == "X"
    assert ric_check("11010519491231002") != "1"
    assert uscc_check("91110108551385082") == "Q"
    assert uscc_check("N2110105MA0000001") == "H"
    assert luhn_ok("79927398713") and luhn_ok("4111111111111111")
    assert not luhn_ok("79927398710") and not luhn_ok("4111111111111112")
    assert make_pan("7992739871") == "79927398713"


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def checksum(run_capability, jimu_catalog):
    cap = jimu_catalog.get(RIC_CHECKSUM)
    return lambda resident_id, **params: run_capability(cap, {"resident_id": resident_id}, params)


@pytest.fixture
def birthdate(run_capability, jimu_catalog):
    cap = jimu_catalog.get(RIC_BIRTHDATE)

    def run(resident_id, as_of=AS_OF, **params):
        return run_capability(cap, {"resident_id": resident_id, "as_of": as_of}, params)

    return run


@pytest.fixture
def credit_code(run_capability, jimu_catalog):
    cap = jimu_catalog.get(USCC_CHECKSUM)
    return lambda uscc: run_capability(cap, {"uscc": uscc})


@pytest.fixture
def card(run_capability, jimu_catalog):
    cap = jimu_catalog.get(CARD_LUHN)
    return lambda number: run_capability(cap, {"card_number": number})


# -- resident ID checksum -----------------------------------------------------------------------


def test_ric_domain_vector_valid(checksum):
    out = checksum("11010519491231002X")
    assert out.model_dump() == {"valid": True, "resident_id": "11010519491231002X", "legacy": False, "reasons": []}


def test_ric_domain_vector_wrong_check_character(checksum):
    out = checksum("110105194912310021")
    assert out.model_dump() == {"valid": False, "resident_id": None, "legacy": False, "reasons": ["KYC_RIC_CHECKSUM"]}
    with pytest.raises(Exception, match="checksum"):
        stdnum_ric.validate("110105194912310021")


@pytest.mark.parametrize(
    "written",
    [
        "11010519491231002x",
        "110105 19491231 002X",
        "110105-19491231-002X",
        "110105 19491231 002x",
        " 110105-1949 1231-002x\t",
    ],
)
def test_ric_separators_and_lower_case_x_are_accepted(checksum, written):
    out = checksum(written)
    assert out.valid is True
    assert out.resident_id == "11010519491231002X"
    assert out.reasons == []


def test_stdnum_does_not_strip_hyphens_which_is_why_we_compact(checksum):
    assert stdnum_ric.is_valid("110105-19491231-002X") is False
    assert checksum("110105-19491231-002X").valid is True


@pytest.mark.parametrize(
    "written",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "1101051949123100X2",  # X before the last position
        "11010519491231002Y",
        "A1010519491231002X",
        "110105.19491231.002X",  # a dot is not a separator
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits are not ASCII digits
        "110105491231002",  # 15-digit legacy ID without accept_legacy_15
    ],
)
def test_ric_format_errors(checksum, written):
    out = checksum(written)
    assert out.model_dump() == {"valid": False, "resident_id": None, "legacy": False, "reasons": ["KYC_RIC_FORMAT"]}


@pytest.mark.parametrize(
    "legacy15",
    ["110105491231002", "330106850314123", "440305770101040"],
)
def test_ric_legacy_15_digit_upgraded_only_when_allowed(checksum, legacy15):
    # 15 digits: region(6) + YYMMDD + seq(3); the 18-digit form inserts "19" and adds the check.
    body = legacy15[:6] + "19" + legacy15[6:]
    expected = body + ric_check(body)

    out = checksum(legacy15, accept_legacy_15=True)
    assert out.model_dump() == {"valid": True, "resident_id": expected, "legacy": True, "reasons": []}

    refused = checksum(legacy15)
    assert refused.valid is False and refused.reasons == ["KYC_RIC_FORMAT"]
    explicit = checksum(legacy15, accept_legacy_15=False)
    assert explicit.valid is False and explicit.reasons == ["KYC_RIC_FORMAT"]


def test_ric_legacy_of_domain_vector_is_the_domain_vector(checksum):
    out = checksum("110105 491231 002", accept_legacy_15=True)
    assert out.resident_id == "11010519491231002X" and out.legacy is True


def test_ric_accept_legacy_does_not_change_18_digit_handling(checksum):
    assert checksum("11010519491231002X", accept_legacy_15=True).model_dump() == {
        "valid": True,
        "resident_id": "11010519491231002X",
        "legacy": False,
        "reasons": [],
    }
    assert checksum("110105194912310021", accept_legacy_15=True).reasons == ["KYC_RIC_CHECKSUM"]
    assert checksum("11010549123100A", accept_legacy_15=True).reasons == ["KYC_RIC_FORMAT"]
    assert checksum("1101054912310023", accept_legacy_15=True).reasons == ["KYC_RIC_FORMAT"]


def test_ric_checksum_params_are_closed(checksum):
    with pytest.raises(ValidationError):
        checksum("11010519491231002X", legacy=True)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    region=st.sampled_from(["110105", "330106", "310104", "440305"]),
    birth=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_ric_checksum_accepts_exactly_the_iso7064_check_character(checksum, region, birth, seq):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    expected = ric_check(body)
    accepted = []
    for char in RIC_CHARS:
        out = checksum(body + char)
        if out.valid:
            accepted.append(char)
            assert out.resident_id == body + char
        else:
            assert out.reasons == ["KYC_RIC_CHECKSUM"]
    assert accepted == [expected]
    if expected == "X":
        assert checksum(body + "x").resident_id == body + "X"


# -- birth date, age, sex, region ---------------------------------------------------------------


def test_birthdate_domain_vector(birthdate):
    out = birthdate("11010519491231002X")
    assert out.model_dump() == {
        "valid": True,
        "birth_date": dt.date(1949, 12, 31),
        "age": 76,
        "sex": "F",
        "region_code": "110105",
        "province": "北京市",
        "county": "朝阳区",
        "reasons": [],
    }


def test_future_birth_date_rejected_although_stdnum_accepts_it(checksum, birthdate):
    number = "110105300001010022"
    assert ric_check(number[:17]) == number[17]
    assert stdnum_ric.is_valid(number) is True  # the gap the wrapper exists for
    assert checksum(number).valid is True  # the check character is right ...
    out = birthdate(number, as_of="2026-06-30")  # ... but the date is after the application
    assert out.valid is False
    assert out.reasons == ["KYC_RIC_FUTURE_BIRTHDATE"]
    assert out.birth_date == dt.date(3000, 1, 1)
    assert out.age is None


def test_future_birth_date_by_one_day(birthdate):
    number = make_ric("110105", "20260701", "002")
    assert birthdate(number, as_of="2026-06-30").reasons == ["KYC_RIC_FUTURE_BIRTHDATE"]
    born_today = birthdate(number, as_of="2026-07-01")
    assert born_today.valid is True and born_today.age == 0


@pytest.mark.parametrize("region", ["999999", "000000", "990101"])
def test_unknown_region_code(checksum, birthdate, region):
    number = make_ric(region, "19900101", "007")
    assert checksum(number).valid is True  # the checksum step does not look at the region
    out = birthdate(number)
    assert out.valid is False
    assert out.reasons == ["KYC_RIC_REGION"]
    assert out.region_code == region
    assert out.birth_date == dt.date(1990, 1, 1)
    assert out.province is None and out.county is None


def test_region_retired_before_birth_is_rejected(birthdate):
    # 110103 崇文区 was merged into 东城区 in 2010; nobody born in 2012 can carry it.
    assert birthdate(make_ric("110103", "20120601", "123")).reasons == ["KYC_RIC_REGION"]
    before = birthdate(make_ric("110103", "19900601", "123"))
    assert before.valid is True and before.county == "崇文区"


def test_region_name_is_the_one_in_use_in_the_birth_year(birthdate):
    # 120110: 东郊区 until 1991, 东丽区 from 1992.
    assert birthdate(make_ric("120110", "19850601", "123")).county == "东郊区"
    assert birthdate(make_ric("120110", "19950601", "123")).county == "东丽区"
    assert birthdate(make_ric("120110", "19950601", "123")).province == "天津市"


@pytest.mark.parametrize(("region", "birth"), [("510107", "19850601"), ("330106", "19750601")])
def test_region_created_after_birth_is_accepted(birthdate, region, birth):
    out = birthdate(make_ric(region, birth, "123"))
    assert out.reasons == []
    assert out.valid is True


def test_unknown_county_in_known_province_is_a_region_error(birthdate):
    out = birthdate(make_ric("119999", "19900101", "001"))
    assert out.valid is False
    assert out.reasons == ["KYC_RIC_REGION"]


@pytest.mark.parametrize(
    "birth",
    ["19900230", "19900229", "19901301", "19900001", "19900100", "19900431", "00000101"],
)
def test_impossible_birth_date(checksum, birthdate, birth):
    number = make_ric("110105", birth, "001")
    assert checksum(number).valid is True
    out = birthdate(number)
    assert out.valid is False
    assert out.reasons == ["KYC_RIC_BIRTHDATE"]
    assert out.birth_date is None and out.age is None


def test_leap_day_birth_date_is_possible(birthdate):
    out = birthdate(make_ric("110105", "20000229", "001"))
    assert out.valid is True and out.birth_date == dt.date(2000, 2, 29)


@pytest.mark.parametrize(
    ("birth", "as_of", "age"),
    [
        ("19900715", "2026-07-14", 35),  # the day before the birthday
        ("19900715", "2026-07-15", 36),  # on the birthday
        ("19900715", "2026-07-16", 36),
        ("19901231", "2026-12-30", 35),
        ("19901231", "2026-12-31", 36),
        ("19900101", "2026-01-01", 36),
        ("19900101", "2025-12-31", 35),
        ("20080630", "2026-06-29", 17),  # one day short of 18
        ("20080630", "2026-06-30", 18),
        # A 29 February birthday: completed years are counted from 1 March in common years.
        ("20000229", "2027-02-28", 26),
        ("20000229", "2027-03-01", 27),
        ("20000229", "2028-02-29", 28),
    ],
)
def test_age_in_completed_years(birthdate, birth, as_of, age):
    out = birthdate(make_ric("110105", birth, "001"), as_of=as_of)
    assert out.valid is True
    assert out.age == age


@pytest.mark.parametrize(
    ("seq", "sex"),
    [("001", "M"), ("002", "F"), ("009", "M"), ("010", "F"), ("111", "M"), ("998", "F"), ("000", "F"), ("999", "M")],
)
def test_sex_from_parity_of_17th_digit(birthdate, seq, sex):
    out = birthdate(make_ric("110105", "19850314", seq))
    assert out.valid is True
    assert out.sex == sex


def test_max_age_default_is_120(birthdate):
    at_limit = birthdate(make_ric("110105", "19060630", "001"))  # 120 on 2026-06-30
    assert at_limit.valid is True and at_limit.age == 120
    over = birthdate(make_ric("110105", "19060701", "001"), as_of="2027-07-01")  # 121
    assert over.valid is False
    assert over.reasons == ["KYC_RIC_BIRTHDATE"]
    assert over.age == 121 and over.birth_date == dt.date(1906, 7, 1) and over.sex == "M"


@pytest.mark.parametrize(("max_age", "birth", "valid"), [(60, "19660630", True), (60, "19660629", True),
                                                         (60, "19650630", False), (150, "18760630", True),
                                                         (150, "18750630", False), (100, "19250630", False)])
def test_max_age_param(birthdate, max_age, birth, valid):
    out = birthdate(make_ric("110105", birth, "001"), max_age=max_age)
    assert out.valid is valid
    assert out.reasons == ([] if valid else ["KYC_RIC_BIRTHDATE"])


@pytest.mark.parametrize("max_age", [59, 151, 0, -1, 1000])
def test_max_age_outside_hq_bounds_is_a_contract_error(birthdate, max_age):
    with pytest.raises(ValidationError):
        birthdate("11010519491231002X", max_age=max_age)


@pytest.mark.parametrize("max_age", [60, 150])
def test_max_age_bounds_are_inclusive(birthdate, max_age):
    out = birthdate(make_ric("110105", "19850314", "001"), max_age=max_age)
    assert out.valid is True and out.age == 41


def test_birthdate_input_contract(birthdate):
    with pytest.raises(ValidationError):
        birthdate("11010519491231002X", as_of="2026-02-30")
    with pytest.raises(ValidationError):
        birthdate("11010519491231002X", min_age=18)


# -- USCC -------------------------------------------------------------------------------------


def test_uscc_domain_vector_valid(credit_code):
    out = credit_code("91110108551385082Q")
    assert out.model_dump() == {
        "valid": True,
        "uscc": "91110108551385082Q",
        "authority": "工商",
        "entity_type": "企业",
        "region_code": "110108",
        "province": "北京市",
        "county": "海淀区",
        "org_code": "551385082",
        "reasons": [],
    }


def test_uscc_domain_vector_wrong_check_character(credit_code):
    assert uscc_check("91110108551385082") == "Q"
    out = credit_code("91110108551385082A")
    assert out.valid is False
    assert out.reasons == ["KYC_USCC_CHECKSUM"]
    assert out.uscc is None and out.authority is None and out.region_code is None


def test_uscc_letter_authority_accepted_although_stdnum_rejects_it(credit_code):
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate("N2110105MA0000001H")
    assert stdnum_uscc.is_valid("N2110105MA0000001H") is False
    out = credit_code("N2110105MA0000001H")
    assert out.model_dump() == {
        "valid": True,
        "uscc": "N2110105MA0000001H",
        "authority": "农业",
        "entity_type": "村级集体经济组织",
        "region_code": "110105",
        "province": "北京市",
        "county": "朝阳区",
        "org_code": "MA0000001",
        "reasons": [],
    }


@pytest.mark.parametrize(
    "written",
    ["91110108551385082q", "9111-0108-5513-8508-2Q", " 91110108 551385082Q ", "91110108-551385082-q"],
)
def test_uscc_lower_case_and_separators_are_normalised(credit_code, written):
    out = credit_code(written)
    assert out.valid is True
    assert out.uscc == "91110108551385082Q"


@pytest.mark.parametrize("letter", list("IOZSV"))
@pytest.mark.parametrize("position", [0, 1, 8, 12, 17])
def test_uscc_letters_outside_the_alphabet_are_format_errors(credit_code, letter, position):
    code = "91110108551385082Q"
    out = credit_code(code[:position] + letter + code[position + 1 :])
    assert out.valid is False
    assert out.reasons == ["KYC_USCC_FORMAT"]


@pytest.mark.parametrize(
    "written",
    [
        "",
        "91110108551385082",  # 17
        "91110108551385082QQ",  # 19
        "9111A108551385082Q",  # region (positions 3-8) must be digits
        "91110108551385082.",
        "９１１１０１０８５５１３８５０８２Ｑ",
    ],
)
def test_uscc_format_errors(credit_code, written):
    out = credit_code(written)
    assert out.valid is False
    assert out.reasons == ["KYC_USCC_FORMAT"]


def test_uscc_letter_in_region_is_format_error_even_with_right_check(credit_code):
    code = make_uscc("9111A108551385082")  # "A" is in the alphabet, but not a region digit
    assert len(code) == 18
    assert credit_code(code).reasons == ["KYC_USCC_FORMAT"]


@pytest.mark.parametrize("authority", ["0", "B", "C", "X", "M"])
def test_uscc_unknown_authority(credit_code, authority):
    body = f"{authority}1110108MA0000003"
    good = make_uscc(body)
    out = credit_code(good)
    assert out.valid is False
    assert out.reasons == ["KYC_USCC_AUTHORITY"]
    # a wrong check character is reported first
    bad = body + next(c for c in USCC_ALPHABET if c != good[17])
    assert credit_code(bad).reasons == ["KYC_USCC_CHECKSUM"]


@pytest.mark.parametrize(
    ("prefix", "authority", "entity_type"),
    [
        ("11", "机构编制", "机关"),
        ("51", "民政", "社会团体"),
        ("52", "民政", "民办非企业单位"),
        ("92", "工商", "个体工商户"),
        ("93", "工商", "农民专业合作社"),
        ("A1", "中央军委改革和编制办公室", "军队事业单位"),
        ("N3", "农业", "乡镇级集体经济组织"),
        ("Y1", "其他", "其他"),
        ("95", "工商", None),  # an unlisted type leaves entity_type empty, still valid
    ],
)
def test_uscc_authority_and_type_decoded(credit_code, prefix, authority, entity_type):
    out = credit_code(make_uscc(f"{prefix}330106MA2AB0C01"))
    assert out.valid is True
    assert (out.authority, out.entity_type) == (authority, entity_type)
    assert (out.region_code, out.province, out.county) == ("330106", "浙江省", "西湖区")
    assert out.org_code == "MA2AB0C01"


@pytest.mark.parametrize(
    ("region", "province", "county"),
    [
        ("110108", "北京市", "海淀区"),
        ("310104", "上海市", "徐汇区"),
        ("120110", "天津市", "东丽区"),  # renamed: the most recent name
        ("110103", "北京市", "崇文区"),  # retired in 2010: still decoded
        ("440300", "广东省", "深圳市"),
    ],
)
def test_uscc_region_decoded(credit_code, region, province, county):
    out = credit_code(make_uscc(f"91{region}MA0000009"))
    assert out.valid is True
    assert (out.region_code, out.province, out.county) == (region, province, county)


@pytest.mark.parametrize("region", ["119999", "999999"])  # known province only; nothing known
def test_uscc_unknown_region_is_rejected(credit_code, region):
    out = credit_code(make_uscc(f"91{region}MA0000009"))
    assert (out.valid, out.reasons) == (False, ["KYC_USCC_REGION"])


def test_uscc_every_wrong_check_character_is_rejected(credit_code):
    body = "91330106MA27X0001"
    right = uscc_check(body)
    for char in USCC_ALPHABET:
        out = credit_code(body + char)
        assert out.valid is (char == right), char
        if char != right:
            assert out.reasons == ["KYC_USCC_CHECKSUM"]


# -- bank card ----------------------------------------------------------------------------------


def test_card_domain_vector_visa(card):
    out = card("4111111111111111")
    assert out.model_dump() == {"valid": True, "network": "Visa", "last4": "1111", "reasons": []}


def test_card_domain_luhn_vector_is_too_short_for_a_card(card):
    # 79927398713 is the textbook Luhn vector (DOMAIN.md §2.3) but has 11 digits; the step
    # demands 12-19 digits, so it is a format error, while its Luhn arithmetic is accepted
    # once padded with zeros (leading zeros do not change a Luhn sum).
    assert stdnum_luhn.is_valid("79927398713") is True
    assert card("79927398713").model_dump() == {
        "valid": False,
        "network": None,
        "last4": None,
        "reasons": ["KYC_CARD_FORMAT"],
    }
    assert card("079927398713").model_dump() == {"valid": True, "network": None, "last4": "8713", "reasons": []}
    assert card("079927398710").reasons == ["KYC_CARD_LUHN"]


@pytest.mark.parametrize("written", ["4111 1111 1111 1111", "4111-1111-1111-1111", " 4111111111111111 "])
def test_card_separators_ignored(card, written):
    out = card(written)
    assert out.valid is True and out.last4 == "1111" and out.network == "Visa"


@pytest.mark.parametrize(
    "written",
    [
        "",
        "41111111111",  # 11 digits
        "4" * 20,  # 20 digits
        "4111a11111111111",
        "4111111111111111x",
        "4111.1111.1111.1111",
        "４１１１１１１１１１１１１１１１",
    ],
)
def test_card_format_errors(card, written):
    out = card(written)
    assert out.model_dump() == {"valid": False, "network": None, "last4": None, "reasons": ["KYC_CARD_FORMAT"]}


@pytest.mark.parametrize("length", [12, 19])
def test_card_length_bounds_inclusive(card, length):
    pan = make_pan("6" + "2" * (length - 2))
    assert len(pan) == length
    assert card(pan).valid is True


def test_card_luhn_failure(card):
    out = card("4111111111111112")
    assert out.model_dump() == {"valid": False, "network": None, "last4": "1112", "reasons": ["KYC_CARD_LUHN"]}


def test_card_any_single_digit_change_fails_luhn(card):
    pan = make_pan("622202100112345678")
    assert card(pan).valid is True
    for pos in range(len(pan)):
        for digit in "0123456789":
            if digit != pan[pos]:
                changed = pan[:pos] + digit + pan[pos + 1 :]
                assert card(changed).reasons == ["KYC_CARD_LUHN"], changed


def test_card_full_number_is_never_echoed(card):
    pan = make_pan("621700001234567890")
    dumped = card(pan).model_dump_json()
    assert pan not in dumped and pan[:12] not in dumped
    assert pan[-4:] in dumped


@pytest.mark.parametrize(
    ("payload", "network"),
    [
        ("62" + "1234567890123", "UnionPay"),  # 16 digits
        ("6222021001123456", "UnionPay"),  # 17 digits
        ("621700123456789012", "UnionPay"),  # 19 digits
        ("4" + "00000000000001", "Visa"),
        ("4" + "00000000000", "Visa"),  # 13-digit Visa
        ("51" + "0000000000000", "Mastercard"),
        ("55" + "9999999999999", "Mastercard"),
        ("2221" + "00000000000", "Mastercard"),
        ("2720" + "99999999999", "Mastercard"),
        ("2500" + "12345678901", "Mastercard"),
        ("34" + "000000000000", "American Express"),  # 15 digits
        ("37" + "123456789012", "American Express"),
        ("3528" + "00000000000", "JCB"),
        ("3589" + "99999999999", "JCB"),
        ("50" + "0000000000000", None),
        ("56" + "0000000000000", None),
        ("2220" + "99999999999", None),
        ("2721" + "00000000000", None),
        ("3527" + "99999999999", None),
        ("3590" + "00000000000", None),
        ("6011" + "00000000000", None),  # Discover is not named
        ("35" + "0000000000000", None),
        ("9" + "00000000000000", None),
    ],
)
def test_card_network_by_prefix(card, payload, network):
    pan = make_pan(payload)
    out = card(pan)
    assert out.valid is True
    assert out.network == network
    assert out.last4 == pan[-4:]


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_card_accepts_exactly_the_luhn_check_digit(card, payload):
    right = make_pan(payload)[-1]
    for digit in "0123456789":
        out = card(payload + digit)
        assert out.valid is (digit == right)
        assert out.reasons == ([] if digit == right else ["KYC_CARD_LUHN"])


@pytest.mark.parametrize("malformed", ["11010519491231002", "1101051949123100XX", "11010519491231002x"])
def test_birthdate_step_refuses_ids_that_are_not_normalised(run_capability, jimu_catalog, malformed):
    # The step is meant to run behind the checksum step; its contract says so, and holds.
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="resident_id"):
        run_capability(jimu_catalog.get(RIC_BIRTHDATE), {"resident_id": malformed, "as_of": "2026-06-30"})
