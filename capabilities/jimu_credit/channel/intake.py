"""L4 channel intake (渠道进件): one raw application form, as a channel writes it, as a typed application.

Branches take applications through the mobile app, the web, partner platforms' APIs (a pharmacy
trade-area platform, say) and the branch counter; each writes the form its own way. This task
turns one raw form into the typed fields the pre-loan products take (``resident_id``, ``phone``,
``device_id``, ``requested_amount``, ``tenor_months``, ``monthly_income``,
``existing_monthly_debt``, ``applied_at``...) or says exactly which fields are unusable, all of
them in one pass, never by raising.

It normalises formats only. Whether a resident ID's check character is right, and who the
person is, is KYC's job (``customer.kyc.person``); whether the amount is affordable is
underwriting's. Numbers and identifiers are never echoed in a problem's text.

Which fields each channel must send. A required field that is missing or unusable declines the
form; an unusable optional one refers it to a credit officer, who can correct it:

- ``resident_id``, ``name``, ``phone``, ``requested_amount``, ``tenor``: required on every channel.
- ``device_id``: required from ``app`` and ``web`` while ``require_device_for_online`` is on
  (missing: ``CH_CHANNEL_FIELDS``); optional from ``partner_api`` and ``counter``.
- ``applied_at``: ``partner_api`` must send its own (it may forward forms late; missing:
  ``CH_CHANNEL_FIELDS``); ``app``, ``web`` and ``counter`` default to ``received_at`` when they
  send none. A time that is sent but unreadable is never replaced by the receipt time.
- ``consent`` (征信授权): online (``app``, ``web``, ``partner_api``) only an explicit yes lets the
  bureau be queried, anything else declines (``CH_CONSENT_MISSING``); at the ``counter`` a "no"
  declines and a missing or unreadable flag refers (``CH_CONSENT_UNCONFIRMED``: the officer
  checks the signed authorisation form).
- ``monthly_income``, ``existing_monthly_debt``, ``purpose``: optional everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, field_validator
from stdnum.util import clean

from jimu import ContractModel, Decision, ReasonCode, capability

from ..data.stores import CST, normalise_phone

OWNER = "hq.channel-platform"

Channel = Literal["app", "web", "partner_api", "counter"]
Purpose = Literal["consumption", "business", "renovation", "education", "car", "other"]
ONLINE: frozenset[str] = frozenset({"app", "web", "partner_api"})
DEVICE_CHANNELS: frozenset[str] = frozenset({"app", "web"})  # where require_device_for_online applies
OWN_TIME_CHANNELS: frozenset[str] = frozenset({"partner_api"})  # may forward late: must send its own time

# -- reason codes ------------------------------------------------------------------------------

FIELD_MISSING = ReasonCode(
    code="CH_FIELD_MISSING",
    text="A field every application needs is missing from the form",
    text_zh="申请表缺少必填字段",
)
FIELD_INVALID = ReasonCode(
    code="CH_FIELD_INVALID",
    text="A field on the form cannot be read as the value it must hold",
    text_zh="申请表字段内容无法识别",
)
FIELD_OUT_OF_RANGE = ReasonCode(
    code="CH_FIELD_OUT_OF_RANGE",
    text="A field is above the maximum HQ allows (requested amount or tenor)",
    text_zh="申请表字段超出总行允许的上限（申请金额或期限）",
)
CHANNEL_FIELDS = ReasonCode(
    code="CH_CHANNEL_FIELDS",
    text="The channel did not send a field it must send (a partner's application time, the app or web device ID)",
    text_zh="渠道未报送其必须报送的字段（合作平台的申请时间、App或网页的设备号）",
)
CONSENT_MISSING = ReasonCode(
    code="CH_CONSENT_MISSING",
    text="No explicit credit-bureau authorisation: the bureau may not be queried",
    text_zh="未取得明确的征信查询授权，不得查询征信",
)
CONSENT_UNCONFIRMED = ReasonCode(
    code="CH_CONSENT_UNCONFIRMED",
    text="The counter form does not record the credit-bureau authorisation; a credit officer must check the signed form",
    text_zh="柜面申请未记录征信授权，需信贷人员核实已签署的授权书",
)
REASONS = (FIELD_MISSING, FIELD_INVALID, FIELD_OUT_OF_RANGE, CHANNEL_FIELDS, CONSENT_MISSING, CONSENT_UNCONFIRMED)

# -- contract ----------------------------------------------------------------------------------

_RAW_FIELDS = ("resident_id", "name", "phone", "device_id", "requested_amount", "tenor", "monthly_income",
               "existing_monthly_debt", "purpose", "applied_at", "consent")


class RawApplication(ContractModel):
    """The form as the channel wrote it: every field optional text (numbers and booleans a partner's
    JSON may send are taken as their text)."""

    channel: Channel = Field(description="where the application came from: app, web, partner_api or counter")
    resident_id: str | None = Field(None, description="resident ID as written (spaces, hyphens, full-width, x)")
    name: str | None = Field(None, description="the applicant's name as written")
    phone: str | None = Field(None, description="mobile number as written (+86, 0086, 86-, spaces, hyphens)")
    device_id: str | None = Field(None, description="device fingerprint sent by the app or web page")
    requested_amount: str | None = Field(None, description="amount applied for: 50000, 50,000, 5万, 50k, ￥50,000.00, 伍万元整")
    tenor: str | None = Field(None, description="tenor: 36, 36期, 36个月, 3年, 36 months, 三年")
    monthly_income: str | None = Field(None, description="monthly income like an amount; 24万/年 is divided by 12")
    existing_monthly_debt: str | None = Field(None, description="instalments already paid each month; 无 is 0")
    purpose: str | None = Field(None, description="loan purpose in Chinese or English: 消费, 装修, car...")
    applied_at: str | None = Field(None, description="application time: ISO 8601 or 2026-02-10 12:00 (CST if no zone)")
    consent: str | None = Field(None, description="credit-bureau authorisation (征信授权): 是/yes/true/1/Y, 否/no...")
    received_at: dt.datetime | None = Field(
        None, description="when the platform received the form (CST if no zone); the default application time")

    @field_validator(*_RAW_FIELDS, mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, Decimal)):
            return str(value)
        return value


class IntakeParams(ContractModel):
    max_amount: float = Field(
        1_000_000, ge=10_000, le=10_000_000, description="largest amount an application may ask for, RMB")
    max_tenor_months: int = Field(60, ge=1, le=360, description="longest tenor an application may ask for, months")
    require_device_for_online: bool = Field(
        True, description="the app and web channels must send a device ID (anti-fraud needs it)")


class Problem(ContractModel):
    field: str = Field(description="the input field that is unusable")
    reason: str = Field(description="its reason code")
    detail: str = Field(description="what is wrong, in English; the value itself is never repeated")


class Application(ContractModel):
    channel: Channel
    resident_id: str | None = Field(None, description="18 characters (15 for a first-generation ID), X upper case")
    name: str | None = Field(None, description="NFKC, whitespace collapsed, minority-name dot as ·")
    phone: str | None = Field(None, description="11-digit mainland mobile number")
    device_id: str | None = None
    requested_amount: float | None = Field(None, description="RMB")
    tenor_months: int | None = None
    monthly_income: float | None = Field(None, description="RMB per month")
    existing_monthly_debt: float | None = Field(None, description="RMB per month")
    purpose: Purpose | None = None
    applied_at: dt.datetime | None = Field(None, description="China Standard Time (+08:00)")
    consent: bool | None = Field(None, description="credit-bureau authorisation; None when not stated")
    complete: bool = Field(description="every field usable: the form can go to the pre-loan products as it is")
    problems: list[Problem] = Field(default_factory=list, description="every unusable field, in form order")
    reasons: list[str] = Field(default_factory=list, description="every code raised, the deciding ones first")
    decision: Decision = Field(
        description="approve when complete; refer when only optional fields are unusable or counter consent "
                    "is unconfirmed; decline when a required field is unusable or consent is missing")


# -- normalisation rules -----------------------------------------------------------------------

_MAX_RAW = 200  # characters; longer is no form field
_BLANKS = frozenset({"", "-", "--", "/", "n/a", "na", "null", "none", "nil", "无", "空", "暂无", "未填"})
_NO_DEBT = frozenset({"无", "暂无", "没有", "none", "nil", "no debt"})
_WS = re.compile(r"\s+")
_CF = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})  # format and control characters, spaces


class _Unusable(Exception):
    def __init__(self, detail: str, code: ReasonCode = FIELD_INVALID):
        super().__init__(detail)
        self.detail, self.code = detail, code


def _text(raw: str | None) -> str | None:
    """NFKC (full-width ＡＢ１２，￥ → ASCII), trimmed; None for blank or a placeholder (N/A, 无)."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.lower() in _BLANKS:
        return None
    if len(text) > _MAX_RAW:
        raise _Unusable(f"longer than {_MAX_RAW} characters")
    return text


def _compact(text: str, extra: str = "") -> str:
    """Remove spaces, hyphens (every Unicode dash: stdnum's ``clean``), format and control characters."""
    value = clean(text, " -" + extra)
    return "".join(c for c in value if unicodedata.category(c) not in _CF)


_RIC18 = re.compile(r"^[0-9]{17}[0-9X]$")
_RIC15 = re.compile(r"^[0-9]{15}$")


def resident_id(text: str) -> str:
    """Format only: 17 digits and a digit or X (or a 15-digit first-generation ID, for KYC to convert)."""
    value = _compact(text).upper()
    if not (_RIC18.fullmatch(value) or _RIC15.fullmatch(value)):
        raise _Unusable("not 18 characters (17 digits and a digit or X) nor a 15-digit first-generation ID")
    return value


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Middle-dot look-alikes writers use in minority names (阿依古丽·买买提), between Chinese characters.
_NAME_DOT = re.compile(f"(?<=[{_CJK}])\\s*[·•・‧∙⋅.。]\\s*(?=[{_CJK}])")
_CJK_GAP = re.compile(f"(?<=[{_CJK}·]) (?=[{_CJK}·])")
_NAME_PUNCT = frozenset(" ·'-.")
_MAX_NAME = 100


def person_name(text: str) -> str:
    """NFKC, whitespace collapsed; no spaces inside a Chinese name; minority-name dots as U+00B7."""
    value = _WS.sub(" ", text).strip()
    value = _NAME_DOT.sub("·", value)
    value = _CJK_GAP.sub("", value)
    if len(value) > _MAX_NAME:
        raise _Unusable(f"longer than {_MAX_NAME} characters")
    letters = [unicodedata.category(c)[0] == "L" for c in value]
    if not any(letters):
        raise _Unusable("holds no letters")
    if any(unicodedata.category(c)[0] not in "LM" and c not in _NAME_PUNCT for c in value):
        raise _Unusable("holds characters a name does not (digits, symbols, control characters)")
    if not letters[0] or unicodedata.category(value[-1])[0] not in "LM":
        raise _Unusable("does not begin and end with a letter")
    return value


def phone(text: str) -> str:
    """+86 / 0086 / 86- dropped, separators and brackets dropped; 11 digits 1[3-9]… (the stores' key)."""
    value = _compact(text, "()")
    try:
        return normalise_phone(value)
    except ValueError:
        raise _Unusable("not a mainland mobile number (11 digits starting 13 to 19, optionally +86)") from None


_DEVICE = re.compile(r"^[\x21-\x7e]{1,128}$")  # as risk.prescreen.antifraud takes it


def device_id(raw: str) -> str:
    """Opaque: trimmed only, never NFKC'd (it is matched byte for byte)."""
    value = raw.strip()
    if not _DEVICE.fullmatch(value):
        raise _Unusable("not 1 to 128 printable ASCII characters")
    return value


# Chinese numerals, lower case and financial capitals (大写: 壹贰叁…, written on counter forms).
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3,
              "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8,
              "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_SECTIONS = (("亿億", 10**8), ("万萬", 10**4))
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(m for marks, _ in _CN_SECTIONS for m in marks)


def _cn_section(text: str) -> int | None:
    """0..9999 in Chinese numerals; None when malformed or colloquial (三千五 may mean 3,500 or 3,005)."""
    total, pending, last_unit, zero = 0, None, 10_000, False
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            if pending not in (None, 0):
                return None  # two digits in a row
            pending, zero = digit, zero or digit == 0
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            if pending is None and unit == 10 and total == 0:
                pending = 1  # 十二 = 12
            if not pending:
                return None
            total, pending, last_unit, zero = total + pending * unit, None, unit, False
        else:
            return None
    if pending is not None:
        if 10 < last_unit < 10_000 and not zero:
            return None
        total += pending
    return total


def cn_number(text: str) -> int | None:
    """A whole number in Chinese numerals (伍万叁仟 = 53,000, 三十六 = 36); None if not one."""
    if not text:
        return None
    total, rest, sectioned = 0, text, False
    for marks, size in _CN_SECTIONS:
        at = next((i for i, c in enumerate(rest) if c in marks), -1)
        if at >= 0:
            head = _cn_section(rest[:at])
            if head is None or head == 0:
                return None
            total, rest, sectioned = total + head * size, rest[at + 1:], True
    if sectioned and rest and not rest.startswith(("零", "〇")) and not any(c in _CN_UNITS for c in rest):
        return None  # 一万五: colloquial for 15,000, not 10,005
    if rest:
        tail = _cn_section(rest)
        if tail is None:
            return None
        total += tail
    return total


_ARABIC = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
_MONEY_UNITS = {"百万": 10**6, "千万": 10**7, "万": 10**4, "千": 10**3, "亿": 10**8, "k": 10**3, "w": 10**4}
_MONEY = re.compile(
    r"(?P<sign1>[-+−])?\s*(?:(?:¥|rmb|cny|人民币)\s*)?(?P<sign2>[-+−])?\s*"
    rf"(?:(?P<num>{_ARABIC})\s*(?P<unit>百万|千万|万|千|亿|k|w)?|(?P<cn>[{_CN_CHARS}]+))"
    r"\s*(?:元整|元|圆整|圆|整|块钱|块|rmb|cny|yuan)?"
)
_PERIOD = re.compile(
    r"\s*(?:(?:/|每|per\b|a\b)\s*(?P<unit>个月|月|年|months?|mo|years?|yr|annum)|(?P<adverb>monthly|annually|yearly|p\.?a\.?))$"
)
_MONTHLY = frozenset({"个月", "月", "month", "months", "mo", "monthly"})
_MAX_DIGITS = 15
_FEN = Decimal("0.01")


def money(text: str, *, per_period: bool = False) -> Decimal:
    """RMB from 50000, 50,000, 5万, 5.5万, 50k, 5w, ￥50,000.00, RMB 50000, 50000元, 伍万元整.

    With ``per_period`` (income, debt) a ``/月``, ``每月``, ``per month`` suffix is accepted and a
    ``/年``, ``per year``, ``p.a.`` one is divided by 12. Negative numbers and anything more
    precise than a fen are refused.
    """
    value = text.lower()
    yearly = False
    period = _PERIOD.search(value)
    if period:
        if not per_period:
            raise _Unusable("an amount, not a rate per month or year")
        yearly = (period["unit"] or period["adverb"]) not in _MONTHLY
        value = value[: period.start()]
    found = _MONEY.fullmatch(value.strip())
    if not found:
        raise _Unusable("not an amount of RMB (e.g. 50000, 50,000, 5万, 50k, ￥50,000.00)")
    if "-" in ((found["sign1"] or "") + (found["sign2"] or "")).replace("−", "-"):
        raise _Unusable("negative")
    if found["cn"]:
        whole = cn_number(found["cn"])
        if whole is None:
            raise _Unusable("Chinese numerals that do not spell one amount (colloquial 一万五 or 三千五 is ambiguous)")
        amount = Decimal(whole)
    else:
        digits = found["num"].replace(",", "")
        if len(digits.replace(".", "").lstrip("0")) > _MAX_DIGITS:
            raise _Unusable(f"more than {_MAX_DIGITS} significant digits")
        try:
            amount = Decimal(digits) * _MONEY_UNITS.get(found["unit"] or "", 1)
        except InvalidOperation:  # pragma: no cover - the regex admits only decimal numerals
            raise _Unusable("not a number") from None
    if yearly:
        amount = (amount / 12).quantize(_FEN)
    if amount != amount.quantize(_FEN):
        raise _Unusable("more precise than a fen (0.01)")
    return amount


_TENOR = re.compile(
    rf"(?:(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<cn>[{_CN_CHARS}]+))\s*"
    r"(?P<unit>期|个月|個月|月|months?|mos?|m|年|years?|yrs?|y)?"
)
_YEARS = frozenset({"年", "year", "years", "yr", "yrs", "y"})


def tenor_months(text: str) -> int:
    """Months from 36, 36期, 36个月, 36 months, 3年 / 3 years (× 12), 1.5年, 三十六期, 三年."""
    found = _TENOR.fullmatch(text.lower())
    if not found:
        raise _Unusable("not a tenor (e.g. 36, 36期, 3年, 36 months)")
    if found["cn"]:
        whole = cn_number(found["cn"])
        if whole is None:
            raise _Unusable("Chinese numerals that do not spell one number")
        count = Decimal(whole)
    else:
        if len(found["num"]) > _MAX_DIGITS:
            raise _Unusable(f"more than {_MAX_DIGITS} digits")
        count = Decimal(found["num"])
    months = count * 12 if found["unit"] in _YEARS else count
    if months != months.to_integral_value():
        raise _Unusable("not a whole number of months")
    if months < 1:
        raise _Unusable("less than one month")
    return int(months)


_CN_TIME = re.compile(
    r"(?P<y>[0-9]{4})\s*[-/.年]\s*(?P<mo>[0-9]{1,2})\s*[-/.月]\s*(?P<d>[0-9]{1,2})\s*日?\s*[T ]?\s*"
    r"(?P<h>[0-9]{1,2})\s*[:时點点]\s*(?P<mi>[0-9]{1,2})(?:\s*[:分]\s*(?P<s>[0-9]{1,2})\s*秒?|\s*分)?"
)
_CLOCK_SKEW = dt.timedelta(minutes=10)


def _in_cst(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment.astimezone(CST)


def applied_time(text: str) -> dt.datetime:
    """ISO 8601 (a zone or Z respected) or 2026-02-10 12:00, 2026/2/10 12:00, 2026年2月10日 12时00分.

    A time without a zone is China Standard Time; the result is in CST (+08:00). A date alone is
    refused: anti-fraud windows count hours.
    """
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        raise _Unusable("a date without a time of day")
    found = _CN_TIME.fullmatch(text)
    try:
        if found:
            parts = {k: int(v) for k, v in found.groupdict(default="0").items()}
            moment = dt.datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["mi"], parts["s"])
        else:
            moment = dt.datetime.fromisoformat(text)
        return _in_cst(moment)
    except (ValueError, OverflowError):
        raise _Unusable("not a date and time (ISO 8601, or 2026-02-10 12:00)") from None


_YES = frozenset({"是", "是的", "同意", "已同意", "授权", "已授权", "yes", "y", "true", "1", "agree", "agreed"})
_NO = frozenset({"否", "不同意", "未同意", "不授权", "未授权", "拒绝", "no", "n", "false", "0", "disagree"})


def consent_flag(text: str) -> bool | None:
    """True for an explicit yes, False for an explicit no, None when it is neither."""
    value = _WS.sub(" ", text).lower()
    return True if value in _YES else False if value in _NO else None


_PURPOSE_WORDS: dict[str, tuple[str, ...]] = {
    "consumption": ("消费", "日常消费", "个人消费", "购物", "家电", "数码", "旅游", "旅行", "婚庆", "医疗",
                    "consumption", "consumer", "shopping", "travel", "wedding", "medical", "daily expenses"),
    "business": ("经营", "生产经营", "经营周转", "进货", "备货", "business", "working capital", "operating"),
    "renovation": ("装修", "家装", "装潢", "renovation", "home improvement", "decoration", "refurbishment"),
    "education": ("教育", "学费", "培训", "留学", "进修", "education", "tuition", "training", "study"),
    "car": ("购车", "买车", "汽车", "车辆", "车贷", "car", "auto", "automobile", "vehicle", "car purchase"),
}
_PURPOSE_EXACT = {word: code for code, words in _PURPOSE_WORDS.items() for word in (code, *words)}
_PURPOSE_EXACT.update({"其他": "other", "其它": "other", "other": "other", "others": "other"})
_PURPOSE_SEARCH = {
    code: [re.compile(re.escape(w)) if not w.isascii() else re.compile(rf"\b{re.escape(w)}\b") for w in words]
    for code, words in _PURPOSE_WORDS.items()
}


def purpose(text: str) -> str:
    """A controlled purpose from a synonym (消费 / consumption, 装修房子 → renovation); never a guess."""
    value = _WS.sub(" ", text).lower()
    if value in _PURPOSE_EXACT:
        return _PURPOSE_EXACT[value]
    hits = [code for code, patterns in _PURPOSE_SEARCH.items() if any(p.search(value) for p in patterns)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise _Unusable("names more than one purpose: " + ", ".join(hits))
    raise _Unusable("not one of " + ", ".join(Purpose.__args__))


# -- the task ----------------------------------------------------------------------------------


@capability(
    id="channel.intake.application",
    version="1.0.0",
    level=4,
    name="Channel intake: normalise an application form",
    name_zh="渠道进件：申请表标准化",
    owner=OWNER,
    lifecycle="experimental",
    tags=("channel", "intake", "normalisation"),
    reasons=REASONS,
    examples=(
        {
            "input": {"channel": "app", "resident_id": "110105 19491231 002x", "name": "阿依古丽 • 买买提",
                      "phone": "+86 138-0013-8000", "device_id": "a1b2c3d4-e5f6", "requested_amount": "5.5万",
                      "tenor": "3年", "monthly_income": "￥20,000.00", "existing_monthly_debt": "无",
                      "purpose": "装修", "applied_at": "2026-02-10 12:00", "consent": "是"},
            "output": {"resident_id": "11010519491231002X", "name": "阿依古丽·买买提", "phone": "13800138000",
                       "requested_amount": 55000.0, "tenor_months": 36, "monthly_income": 20000.0,
                       "existing_monthly_debt": 0.0, "purpose": "renovation",
                       "applied_at": "2026-02-10T12:00:00+08:00", "consent": True, "complete": True,
                       "problems": [], "decision": {"outcome": "approve", "reasons": [], "offer": None}},
        },
        {
            "input": {"channel": "counter", "resident_id": "11010519491231002X", "name": "张三",
                      "phone": "0086 13800138000", "requested_amount": "伍万元整", "tenor": "36期",
                      "monthly_income": "about 8k", "purpose": "消费", "consent": "Y",
                      "received_at": "2026-02-10T09:30:00"},
            "output": {"requested_amount": 50000.0, "monthly_income": None, "complete": False,
                       "applied_at": "2026-02-10T09:30:00+08:00",
                       "problems": [{"field": "monthly_income", "reason": "CH_FIELD_INVALID"}],
                       "decision": {"outcome": "refer", "reasons": ["CH_FIELD_INVALID"], "offer": None}},
            "note": "an unreadable income a credit officer can correct; the counter's receipt time is the application time",
        },
        {
            "input": {"channel": "partner_api", "resident_id": "11010519491231002X", "name": "Li Ming",
                      "phone": "13800138000", "requested_amount": "RMB 50000", "tenor": "12 months"},
            "output": {"complete": False, "consent": None,
                       "reasons": ["CH_CONSENT_MISSING", "CH_CHANNEL_FIELDS"],
                       "decision": {"outcome": "decline", "reasons": ["CH_CONSENT_MISSING", "CH_CHANNEL_FIELDS"],
                                    "offer": None}},
            "note": "a partner platform that sends neither the bureau authorisation nor its application time",
        },
    ),
)
def application(form: RawApplication, params: IntakeParams) -> Application:
    """Normalise one application form from a channel; report every unusable field in one pass.

    Each field is normalised by its own rule (see the module's table for which are required on
    which channel). A required field that is missing or unusable, or a missing credit-bureau
    authorisation on an online channel, declines the form; an unusable optional field (income,
    existing debt, purpose, a device ID the channel need not send) or counter consent that is not
    recorded refers it to a credit officer; a form with no problem is approved as complete.
    """
    values: dict[str, object] = {}
    problems: list[Problem] = []
    deciding: list[str] = []  # codes that decline

    def take(fld: str, rule, *, required: bool, missing: ReasonCode = FIELD_MISSING, raw: bool = False,
             default: object = None, out: str | None = None) -> object:
        """Normalise one field by ``rule``; record a problem (deciding when ``required``) if unusable."""
        given = getattr(form, fld)
        value = None
        try:
            text = (given.strip() or None if given is not None else None) if raw else _text(given)
            if text is not None:
                value = rule(text)
            elif default is not None:
                value = default
            elif required:
                raise _Unusable("missing", missing)
        except _Unusable as bad:
            problems.append(Problem(field=fld, reason=bad.code.code, detail=bad.detail))
            if required:
                deciding.append(bad.code.code)
        values[out or fld] = value
        return value

    def limited(rule, ceiling: Decimal, what: str):
        def check(text: str):
            value = rule(text)
            if value <= 0:
                raise _Unusable("not above zero")
            if value > ceiling:
                raise _Unusable(f"above {what}", FIELD_OUT_OF_RANGE)
            return value
        return check

    online = form.channel in ONLINE
    take("resident_id", resident_id, required=True)
    take("name", person_name, required=True)
    take("phone", phone, required=True)
    take("device_id", device_id, raw=True, missing=CHANNEL_FIELDS,
         required=form.channel in DEVICE_CHANNELS and params.require_device_for_online)
    amount = take("requested_amount", limited(money, Decimal(str(params.max_amount)), "max_amount"), required=True)
    take("tenor", limited(tenor_months, Decimal(params.max_tenor_months), "max_tenor_months"), required=True,
         out="tenor_months")
    income = take("monthly_income", lambda t: money(t, per_period=True), required=False)
    debt = take("existing_monthly_debt", lambda t: Decimal(0) if _says_no_debt(t) else money(t, per_period=True),
                required=False,
                default=Decimal(0) if _says_no_debt(form.existing_monthly_debt) else None)
    take("purpose", purpose, required=False)

    received = _received(form.received_at)
    own_time = form.channel in OWN_TIME_CHANNELS
    when = take("applied_at", applied_time, required=True, missing=CHANNEL_FIELDS if own_time else FIELD_MISSING,
                default=None if own_time else received)
    if when is not None and received is not None and _after(when, received):
        values["applied_at"] = None
        problems.append(Problem(field="applied_at", reason=FIELD_INVALID.code,
                                detail="later than the time the form was received"))
        deciding.append(FIELD_INVALID.code)

    consent = _consent(form, online, problems, deciding)

    for fld, value in (("requested_amount", amount), ("monthly_income", income), ("existing_monthly_debt", debt)):
        values[fld] = float(value) if value is not None else None
    problems.sort(key=lambda p: _RAW_FIELDS.index(p.field))
    raised = _unique([p.reason for p in problems])
    deciding = _unique([c for c in (CONSENT_MISSING.code, *raised) if c in deciding])
    if deciding:
        decision = Decision.decline(*deciding)
    elif raised:
        decision = Decision.refer(*raised)
    else:
        decision = Decision.approve()
    return Application(channel=form.channel, **values, consent=consent, complete=not problems, problems=problems,
                       reasons=_unique([*decision.reasons, *raised]), decision=decision)


def _received(moment: dt.datetime | None) -> dt.datetime | None:
    try:
        return _in_cst(moment) if moment is not None else None
    except OverflowError:  # a time at the edge of the calendar, in a far zone
        return None


def _after(when: dt.datetime, received: dt.datetime) -> bool:
    """Later than the receipt, allowing for the channel's clock running a little fast."""
    try:
        return when > received + _CLOCK_SKEW
    except OverflowError:
        return False


def _consent(form: RawApplication, online: bool, problems: list[Problem], deciding: list[str]) -> bool | None:
    """Online: only an explicit yes lets the bureau be queried. Counter: a no declines; nothing
    recorded refers (the officer checks the signed authorisation form)."""
    try:
        text = _text(form.consent)
    except _Unusable:
        text = "?"  # too long to be a flag: neither yes nor no
    flag = consent_flag(text) if text is not None else None
    if flag is True:
        return True
    if flag is False or online:
        detail = ("the applicant refused" if flag is False else
                  "missing" if text is None else "not an explicit yes (是, yes, true, 1, Y)")
        problems.append(Problem(field="consent", reason=CONSENT_MISSING.code, detail=detail))
        deciding.append(CONSENT_MISSING.code)
        return flag
    detail = "not recorded on the form" if text is None else "neither a yes nor a no"
    problems.append(Problem(field="consent", reason=CONSENT_UNCONFIRMED.code, detail=detail))
    return None


def _says_no_debt(raw: str | None) -> bool:
    """无, 没有, none: the applicant has no instalments to pay (0), not that the field is blank."""
    return raw is not None and _WS.sub(" ", unicodedata.normalize("NFKC", raw)).strip().lower() in _NO_DEBT


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


CAPABILITIES = (application,)
