"""L5 identity steps: resident ID (GB 11643-1999), USCC (GB 32100-2015), bank card (Luhn).

The arithmetic is python-stdnum's (LGPL: we depend on it, never copy it). These wrappers fill
its gaps for a lender (DOMAIN.md §4):
- separators: ``110105 19491231 002x`` and ``110105-19491231-002X`` are the same number;
- future birth dates: stdnum accepts ``110105300001010022``; a lender must not;
- 15-digit legacy IDs (pre-1999 cards): converted to 18 digits when the params allow it;
- letter authorities in USCCs: stdnum's ``uscc.validate`` demands 8 leading digits and so
  rejects real codes such as ``N2110105MA0000001H``; we check the format by regex and use only
  ``uscc.calc_check_digit``.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from jimu import ContractModel, ReasonCode, capability

from .regions import division, region_names
from .uscc_codes import AUTHORITIES, ENTITY_TYPES

OWNER = "hq.customer-platform"
_SEPARATORS = re.compile(r"[\s\-]")
# ASCII digits only: str.isdigit() would take "²" or Arabic-Indic digits.
_RIC = re.compile(r"^[0-9]{17}[0-9X]$")
_LEGACY_RIC = re.compile(r"^[0-9]{15}$")
_PAN = re.compile(r"^[0-9]{12,19}$")


def compact(number: str) -> str:
    """Strip spaces and hyphens, upper-case the letters (``x`` → ``X``)."""
    return _SEPARATORS.sub("", number).upper()


# -- resident ID checksum ---------------------------------------------------------------------

RIC_FORMAT = ReasonCode(
    code="KYC_RIC_FORMAT",
    text="Resident ID is not 18 characters of digits ending in a digit or X",
    text_zh="身份证号码格式错误（应为18位，末位为数字或X）",
)
RIC_CHECKSUM = ReasonCode(
    code="KYC_RIC_CHECKSUM",
    text="Resident ID check character is wrong (GB 11643-1999)",
    text_zh="身份证号码校验码错误",
)


class ResidentIdNumber(ContractModel):
    resident_id: str = Field(description="resident ID as written: 18 characters (15 if legacy allowed)")


class RicChecksumParams(ContractModel):
    accept_legacy_15: bool = Field(
        False, description="convert a 15-digit first-generation ID to 18 digits instead of rejecting it"
    )


class RicChecksum(ContractModel):
    valid: bool
    resident_id: str | None = Field(None, description="the normalised 18-character ID when valid")
    legacy: bool = Field(False, description="converted from a 15-digit first-generation ID")
    reasons: list[str] = Field(default_factory=list)


def upgrade_legacy(number15: str) -> str:
    """A 15-digit ID (YYMMDD birth date, 1900s) as its 18-digit form: insert ``19``, add the check."""
    body = number15[:6] + "19" + number15[6:]
    return body + ric.calc_check_digit(body + "0")


@capability(
    id="customer.step.resident_id_checksum",
    version="1.0.0",
    level=5,
    name="Resident ID checksum",
    name_zh="居民身份证号码校验",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "identity", "GB 11643-1999"),
    reasons=(RIC_FORMAT, RIC_CHECKSUM),
    examples=(
        {"input": {"resident_id": "11010519491231002X"}, "output": {"valid": True}},
        {"input": {"resident_id": "110105194912310021"}, "output": {"valid": False, "reasons": ["KYC_RIC_CHECKSUM"]}},
        {"input": {"resident_id": "110105 19491231 002x"}, "output": {"valid": True, "resident_id": "11010519491231002X"}},
    ),
)
def resident_id_checksum(number: ResidentIdNumber, params: RicChecksumParams) -> RicChecksum:
    """Check a resident ID's format and its ISO 7064 MOD 11-2 check character (GB 11643-1999).

    Spaces and hyphens are ignored and a lower-case ``x`` accepted. With ``accept_legacy_15`` a
    15-digit first-generation ID is converted to its 18-digit form first.
    """
    value = compact(number.resident_id)
    legacy = False
    if params.accept_legacy_15 and _LEGACY_RIC.fullmatch(value):
        value, legacy = upgrade_legacy(value), True
    if not _RIC.fullmatch(value):
        return RicChecksum(valid=False, reasons=[RIC_FORMAT.code])
    if ric.calc_check_digit(value) != value[17]:
        return RicChecksum(valid=False, reasons=[RIC_CHECKSUM.code])
    return RicChecksum(valid=True, resident_id=value, legacy=legacy)


# -- birth date, age, sex and region from the resident ID ------------------------------------

RIC_BIRTHDATE = ReasonCode(
    code="KYC_RIC_BIRTHDATE",
    text="Resident ID holds an impossible or implausible birth date",
    text_zh="身份证号码中的出生日期无效",
)
RIC_FUTURE_BIRTHDATE = ReasonCode(
    code="KYC_RIC_FUTURE_BIRTHDATE",
    text="Resident ID holds a birth date after the application date",
    text_zh="身份证号码中的出生日期晚于申请日期",
)
RIC_REGION = ReasonCode(
    code="KYC_RIC_REGION",
    text="Resident ID region code is not an administrative division in use at birth (GB/T 2260)",
    text_zh="身份证号码地址码无效（出生时不存在该行政区划）",
)


class ResidentIdOnDate(ContractModel):
    resident_id: str = Field(
        pattern=r"^[0-9]{17}[0-9X]$",
        description="a normalised 18-character resident ID (checksum already checked)",
    )
    as_of: dt.date = Field(description="the date ages are computed at, normally the application date")


class BirthdateParams(ContractModel):
    max_age: int = Field(120, ge=60, le=150, description="older than this is taken as a data error")


class ResidentIdFacts(ContractModel):
    valid: bool
    birth_date: dt.date | None = None
    age: int | None = Field(None, description="completed years at as_of")
    sex: str | None = Field(None, description="M or F, from the parity of the sequence number")
    region_code: str | None = Field(None, description="the six-digit GB/T 2260 code")
    province: str | None = None
    county: str | None = None
    reasons: list[str] = Field(default_factory=list)


def age_on(birth: dt.date, as_of: dt.date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


@capability(
    id="customer.step.resident_id_birthdate",
    version="1.0.0",
    level=5,
    name="Birth date, age, sex and region from resident ID",
    name_zh="身份证号码解析出生日期、年龄、性别与地区",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "identity", "GB 11643-1999"),
    reasons=(RIC_BIRTHDATE, RIC_FUTURE_BIRTHDATE, RIC_REGION),
    examples=(
        {
            "input": {"resident_id": "11010519491231002X", "as_of": "2026-06-30"},
            "output": {"valid": True, "birth_date": "1949-12-31", "age": 76, "sex": "F", "province": "北京市"},
        },
        {
            "input": {"resident_id": "110105300001010022", "as_of": "2026-06-30"},
            "output": {"valid": False, "reasons": ["KYC_RIC_FUTURE_BIRTHDATE"]},
        },
    ),
)
def resident_id_birthdate(number: ResidentIdOnDate, params: BirthdateParams) -> ResidentIdFacts:
    """Derive birth date, age at ``as_of``, sex and birth region from an 18-character resident ID.

    Unlike stdnum, a birth date after ``as_of`` or an age above ``max_age`` is invalid. The
    region must be a known division not retired before the birth year; unlike stdnum, one created
    after the birth year is accepted, since the code is where the holder was registered when the
    number was assigned. A 29 February birthday counts from 1 March in common years.
    """
    value = number.resident_id
    try:
        birth = ric.get_birth_date(value)
    except (StdnumError, ValueError):
        return ResidentIdFacts(valid=False, reasons=[RIC_BIRTHDATE.code])
    if birth > number.as_of:
        return ResidentIdFacts(valid=False, birth_date=birth, reasons=[RIC_FUTURE_BIRTHDATE.code])
    age = age_on(birth, number.as_of)
    sex = "M" if int(value[16]) % 2 else "F"
    if age > params.max_age:
        return ResidentIdFacts(valid=False, birth_date=birth, age=age, sex=sex, reasons=[RIC_BIRTHDATE.code])
    region = division(value[:6])
    if not region.known or not region.in_use_since(birth.year):
        return ResidentIdFacts(
            valid=False, birth_date=birth, age=age, sex=sex, region_code=value[:6], reasons=[RIC_REGION.code]
        )
    return ResidentIdFacts(
        valid=True,
        birth_date=birth,
        age=age,
        sex=sex,
        region_code=value[:6],
        province=region.province,
        county=region.name_for(birth.year),
    )


# -- USCC --------------------------------------------------------------------------------------

USCC_FORMAT = ReasonCode(
    code="KYC_USCC_FORMAT",
    text="USCC is not 18 characters of the GB 32100 alphabet (no I, O, Z, S, V)",
    text_zh="统一社会信用代码格式错误",
)
USCC_CHECKSUM = ReasonCode(
    code="KYC_USCC_CHECKSUM",
    text="USCC check character is wrong (GB 32100-2015)",
    text_zh="统一社会信用代码校验码错误",
)
USCC_REGION = ReasonCode(
    code="KYC_USCC_REGION",
    text="USCC region code is not a known administrative division (GB/T 2260)",
    text_zh="统一社会信用代码登记管理机关行政区划码无效",
)
USCC_AUTHORITY = ReasonCode(
    code="KYC_USCC_AUTHORITY",
    text="USCC registration-authority code is not one GB 32100-2015 assigns",
    text_zh="统一社会信用代码登记管理部门代码无效",
)
# Position 1 authority, 2 entity type, 3-8 region, 9-17 organisation code, 18 check.
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class CreditCode(ContractModel):
    uscc: str = Field(description="unified social credit code (统一社会信用代码), 18 characters")


class UsccFacts(ContractModel):
    valid: bool
    uscc: str | None = Field(None, description="the normalised code when valid")
    authority: str | None = Field(None, description="registration authority (登记管理部门), Chinese")
    entity_type: str | None = Field(None, description="organisation type (机构类别), Chinese, where listed")
    region_code: str | None = None
    province: str | None = None
    county: str | None = None
    org_code: str | None = Field(None, description="the nine-character organisation code (positions 9-17)")
    reasons: list[str] = Field(default_factory=list)


@capability(
    id="customer.step.uscc_checksum",
    version="1.0.0",
    level=5,
    name="USCC check and decode",
    name_zh="统一社会信用代码校验与解析",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "organisation", "GB 32100-2015"),
    reasons=(USCC_FORMAT, USCC_CHECKSUM, USCC_AUTHORITY, USCC_REGION),
    examples=(
        {"input": {"uscc": "91110108551385082Q"}, "output": {"valid": True, "authority": "工商", "entity_type": "企业"}},
        {"input": {"uscc": "91110108551385082A"}, "output": {"valid": False, "reasons": ["KYC_USCC_CHECKSUM"]}},
    ),
)
def uscc_checksum(code: CreditCode) -> UsccFacts:
    """Check a USCC's format and MOD 31 check character, and decode authority, type and region.

    Letter authorities (``N`` agriculture, ``Y`` other, ``A`` military) are accepted, which
    stdnum's own ``validate`` rejects.
    """
    value = compact(code.uscc)
    if not _USCC.fullmatch(value):
        return UsccFacts(valid=False, reasons=[USCC_FORMAT.code])
    if uscc.calc_check_digit(value[:17]) != value[17]:
        return UsccFacts(valid=False, reasons=[USCC_CHECKSUM.code])
    authority = AUTHORITIES.get(value[0])
    if authority is None:
        return UsccFacts(valid=False, reasons=[USCC_AUTHORITY.code])
    if not division(value[2:8]).known:
        return UsccFacts(valid=False, reasons=[USCC_REGION.code])
    province, county = region_names(value[2:8])
    return UsccFacts(
        valid=True,
        uscc=value,
        authority=authority,
        entity_type=ENTITY_TYPES.get(value[:2]),
        region_code=value[2:8],
        province=province,
        county=county,
        org_code=value[8:17],
    )


# -- bank card ---------------------------------------------------------------------------------

CARD_FORMAT = ReasonCode(
    code="KYC_CARD_FORMAT",
    text="Bank card number is not 12 to 19 digits",
    text_zh="银行卡号格式错误（应为12至19位数字）",
)
CARD_LUHN = ReasonCode(
    code="KYC_CARD_LUHN",
    text="Bank card number fails the Luhn check",
    text_zh="银行卡号Luhn校验未通过",
)


class CardNumber(ContractModel):
    card_number: str = Field(description="primary account number as written; spaces and hyphens ignored")


class CardCheck(ContractModel):
    valid: bool
    network: str | None = Field(None, description="card scheme by issuer prefix (UnionPay, Visa, …)")
    last4: str | None = Field(None, description="the last four digits; the full number is never echoed")
    reasons: list[str] = Field(default_factory=list)


# Issuer identification prefixes (ISO/IEC 7812), longest match first.
_NETWORKS = (
    (range(222100, 272100), 6, "Mastercard"),
    (range(352800, 359000), 6, "JCB"),
    (range(51, 56), 2, "Mastercard"),
    (range(34, 35), 2, "American Express"),
    (range(37, 38), 2, "American Express"),
    (range(62, 63), 2, "UnionPay"),
    (range(4, 5), 1, "Visa"),
)


def card_network(pan: str) -> str | None:
    for prefixes, width, network in _NETWORKS:
        if int(pan[:width]) in prefixes:
            return network
    return None


@capability(
    id="customer.step.bank_card_luhn",
    version="1.0.0",
    level=5,
    name="Bank card Luhn check",
    name_zh="银行卡号Luhn校验",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "payment", "ISO/IEC 7812"),
    reasons=(CARD_FORMAT, CARD_LUHN),
    examples=(
        {"input": {"card_number": "4111 1111 1111 1111"}, "output": {"valid": True, "network": "Visa", "last4": "1111"}},
        {"input": {"card_number": "4111111111111112"}, "output": {"valid": False, "reasons": ["KYC_CARD_LUHN"]}},
    ),
)
def bank_card_luhn(card: CardNumber) -> CardCheck:
    """Check a card number's length and Luhn (mod 10) check digit; name its scheme."""
    value = compact(card.card_number)
    if not _PAN.fullmatch(value):
        return CardCheck(valid=False, reasons=[CARD_FORMAT.code])
    try:
        luhn.validate(value)
    except StdnumError:
        return CardCheck(valid=False, last4=value[-4:], reasons=[CARD_LUHN.code])
    return CardCheck(valid=True, network=card_network(value), last4=value[-4:])


CAPABILITIES = (resident_id_checksum, resident_id_birthdate, uscc_checksum, bank_card_luhn)
