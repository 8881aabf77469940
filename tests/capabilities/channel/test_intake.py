"""L4 channel intake: channel.intake.application, one raw form from a channel → the typed application.

Every call goes through ``jimu.testing.run`` (the contract enforced on both sides: output shape,
no NaN, only registered reason codes). The catalog is the installed one when the plugin already
registers the capability, else the installed HQ plugin plus this module's CAPABILITIES, so the
codes are checked against every other code HQ ships.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import jimu_credit.plugin as credit_plugin
from jimu import Decision, load_catalog
from jimu.testing import build_catalog, check_examples, run
from jimu_credit.channel.intake import CAPABILITIES

CAP_ID, VERSION = "channel.intake.application", "1.0.0"
CST = dt.timezone(dt.timedelta(hours=8))
CODES = {"CH_FIELD_MISSING", "CH_FIELD_INVALID", "CH_FIELD_OUT_OF_RANGE", "CH_CHANNEL_FIELDS",
         "CH_CONSENT_MISSING", "CH_CONSENT_UNCONFIRMED"}
RAW_FIELDS = ("resident_id", "name", "phone", "device_id", "requested_amount", "tenor", "monthly_income",
              "existing_monthly_debt", "purpose", "applied_at", "consent")
RIC = "11010519491231002X"  # DOMAIN.md §2.1 vector

# A complete form from the app: every field usable.
GOOD = {
    "channel": "app",
    "resident_id": RIC,
    "name": "王小明",
    "phone": "13800138000",
    "device_id": "dev-0001",
    "requested_amount": "50000",
    "tenor": "36",
    "monthly_income": "20000",
    "existing_monthly_debt": "3000",
    "purpose": "消费",
    "applied_at": "2026-02-10 12:00",
    "consent": "是",
}


@pytest.fixture(scope="module")
def catalog():
    installed = load_catalog()
    if (CAP_ID, VERSION) in installed.capabilities:
        return installed
    return build_catalog(credit_plugin, *CAPABILITIES)


@pytest.fixture(scope="module")
def cap(catalog):
    return catalog.get(CAP_ID)


@pytest.fixture
def intake(cap, catalog):
    """``intake(channel="web", phone=None, params={...})``: GOOD with fields replaced (None drops one)."""

    def _run(params=None, **changes):
        record = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
        return run(cap, record, params, catalog=catalog)

    return _run


def fields_of(out):
    return [(p.field, p.reason) for p in out.problems]


# -- declaration --------------------------------------------------------------------------------


def test_declared_as_an_l4_channel_task(cap, catalog):
    assert (cap.level, cap.domain, cap.owner, cap.kind.value) == (4, "channel", "hq.channel-platform", "map")
    assert "channel" in catalog.domains
    assert cap.uses == () and cap.resources == ()
    assert {"max_amount", "max_tenor_months", "require_device_for_online"} == set(cap.params.model_fields)
    assert {"channel", *RAW_FIELDS, "received_at"} == set(cap.input.model_fields)


def test_every_reason_code_is_registered_with_english_and_chinese(cap, catalog):
    assert cap.reason_codes == CODES
    for code in CODES:
        registered = catalog.reasons[code]
        assert registered.capability == CAP_ID
        assert registered.text and registered.text_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in registered.text_zh)
    assert catalog.errors == []


def test_examples_cover_each_outcome_and_pass(cap, catalog):
    assert len(cap.examples) >= 3
    outcomes = {e.output["decision"]["outcome"] for e in cap.examples}
    assert outcomes == {"approve", "refer", "decline"}
    assert check_examples(cap, catalog=catalog) == []


def test_direct_call_matches_the_runtime(cap, intake):
    direct = cap(GOOD, {})
    assert direct.model_dump() == intake().model_dump()


# -- normalisation rules, each with several spellings ------------------------------------------


@pytest.mark.parametrize("written", [
    "11010519491231002X", "11010519491231002x", "110105 19491231 002x", "110105-19491231-002X",
    " 110105 1949 1231 002X ", "１１０１０５１９４９１２３１００２Ｘ", "110105—19491231—002ｘ", "110105\u200b19491231002X",
])
def test_resident_id_is_compacted(intake, written):
    out = intake(resident_id=written)
    assert out.resident_id == RIC and out.complete


def test_resident_id_checksum_is_not_checked_here(intake):
    out = intake(resident_id="110105194912310021")  # wrong check character: KYC's job
    assert out.resident_id == "110105194912310021" and out.complete


def test_first_generation_15_digit_id_passes_for_kyc_to_convert(intake):
    assert intake(resident_id="110105491231002").resident_id == "110105491231002"


@pytest.mark.parametrize("written", ["11010519491231002Y", "1101051949123100", "110105194912310020X",
                                     "11010519491231OO2X", "身份证11010519491231002X", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"])
def test_resident_id_of_the_wrong_format_is_invalid(intake, written):
    out = intake(resident_id=written)
    assert out.resident_id is None
    assert fields_of(out) == [("resident_id", "CH_FIELD_INVALID")]
    assert out.decision.outcome.value == "decline"


@pytest.mark.parametrize(("written", "name"), [
    ("王小明", "王小明"),
    ("  王小明  ", "王小明"),
    ("王 小明", "王小明"),
    ("王\u3000小明", "王小明"),  # ideographic space
    ("欧阳 娜娜", "欧阳娜娜"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽 · 买买提", "阿依古丽·买买提"),
    ("阿依古丽•买买提", "阿依古丽·买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"),
    ("阿依古丽･买买提", "阿依古丽·买买提"),  # half-width katakana middle dot
    ("阿依古丽.买买提", "阿依古丽·买买提"),
    ("阿依古丽．买买提", "阿依古丽·买买提"),  # full-width full stop
    ("Ｌｉ　Ｍｉｎｇ", "Li Ming"),
    ("John   O'Brien-Smith", "John O'Brien-Smith"),
    ("𠮷田", "𠮷田"),  # a CJK Extension B character stays
])
def test_name_is_nfkc_normalised_and_whitespace_collapsed(intake, written, name):
    out = intake(name=written)
    assert out.name == name and out.complete


@pytest.mark.parametrize("written", ["王小明1", "123", "···", "王小明!", "·王小明", "王\x00小明", "x" * 101])
def test_name_that_is_no_name_is_invalid(intake, written):
    out = intake(name=written)
    assert out.name is None and fields_of(out) == [("name", "CH_FIELD_INVALID")]


@pytest.mark.parametrize("written", [
    "13800138000", "+8613800138000", "+86 138 0013 8000", "+86-138-0013-8000", "0086 13800138000",
    "008613800138000", "86-13800138000", "8613800138000", "(+86) 138-0013-8000", "１３８００１３８０００",
    "138–0013–8000",
])
def test_mobile_number_loses_prefixes_and_separators(intake, written):
    out = intake(phone=written)
    assert out.phone == "13800138000" and out.complete


@pytest.mark.parametrize("written", ["12800138000", "1380013800", "138001380001", "010-62345678",
                                     "+1 415 555 0100", "+85291234567", "8713800138000", "phone"])
def test_a_number_that_is_no_mainland_mobile_is_invalid(intake, written):
    out = intake(phone=written)
    assert out.phone is None and fields_of(out) == [("phone", "CH_FIELD_INVALID")]


@pytest.mark.parametrize(("written", "amount"), [
    ("50000", 50000.0), ("50,000", 50000.0), ("5万", 50000.0), ("5.5万", 55000.0), ("50k", 50000.0),
    ("50K", 50000.0), ("5w", 50000.0), ("￥50,000.00", 50000.0), ("¥50000", 50000.0), ("RMB 50000", 50000.0),
    ("rmb50,000.00", 50000.0), ("CNY 50000", 50000.0), ("人民币50000元", 50000.0), ("50000元", 50000.0),
    ("5万元", 50000.0), ("５０，０００", 50000.0), ("伍万元整", 50000.0), ("人民币伍万叁仟元整", 53000.0),
    ("五万", 50000.0), ("一万五千", 15000.0), ("十万", 100000.0), ("234,567.89", 234567.89),
    ("0.5万", 5000.0), ("+50000", 50000.0), ("50000.5", 50000.5),
])
def test_requested_amount_spellings(intake, written, amount):
    out = intake(requested_amount=written)
    assert out.requested_amount == amount and out.complete


@pytest.mark.parametrize("written", ["-50000", "－5万", "￥-500", "−50000", "abc", "five thousand", "50,00",
                                     "1e5", "5万5千", "一万五", "50000.005", "5万/月", "0", "0.00", "$50000",
                                     "1" * 40])
def test_requested_amount_that_is_negative_or_no_number_is_invalid(intake, written):
    out = intake(requested_amount=written)
    assert out.requested_amount is None and fields_of(out) == [("requested_amount", "CH_FIELD_INVALID")]
    assert out.decision.outcome.value == "decline"


def chinese_numeral(n: int, capitals: bool = False) -> str:
    """The standard written form of 0 <= n < 10**8 (一万零五, 三千零一十), built independently of the code."""
    digits, units = ("零壹贰叁肆伍陆柒捌玖", "拾佰仟") if capitals else ("零一二三四五六七八九", "十百千")

    def section(k: int) -> str:
        out, gap = "", False
        for size, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
            d = k // size % 10
            if d:
                out, gap = out + (digits[0] if gap else "") + digits[d] + unit, False
            elif out:
                gap = True
        return out

    if n == 0:
        return digits[0]
    high, low = divmod(n, 10_000)
    text = section(high) + "万" if high else ""
    if low:
        text += (digits[0] if high and low < 1000 else "") + section(low)
    return text


def test_chinese_numerals_read_as_the_standard_writes_them():
    from jimu_credit.channel.intake import cn_number

    numbers = [*range(0, 2_000), *range(2_000, 1_000_000, 997), 10_005, 100_003, 105_000, 99_999_999]
    assert [n for n in numbers if cn_number(chinese_numeral(n)) != n] == []
    assert [n for n in numbers if cn_number(chinese_numeral(n, capitals=True)) != n] == []
    assert (cn_number("十二"), cn_number("两千"), cn_number("一亿零五百万")) == (12, 2000, 105_000_000)
    assert [cn_number(t) for t in ("一万五", "三千五", "一百五", "二二", "百", "十百", "万")] == [None] * 7


@pytest.mark.parametrize(("written", "months"), [
    ("36", 36), ("36期", 36), ("36 期", 36), ("36个月", 36), ("36月", 36), ("36 months", 36), ("36 Months", 36),
    ("1 month", 1), ("3年", 36), ("3 years", 36), ("1 year", 12), ("3yrs", 36), ("1.5年", 18), ("三年", 36),
    ("三十六期", 36), ("十二个月", 12), ("３６期", 36), ("36.0", 36),
])
def test_tenor_spellings_in_months(intake, written, months):
    out = intake(tenor=written)
    assert out.tenor_months == months and out.complete


@pytest.mark.parametrize("written", ["0", "0期", "2.3年", "36.5", "-12", "long", "三十六七期", "1" * 30])
def test_tenor_that_is_no_whole_number_of_months_is_invalid(intake, written):
    out = intake(tenor=written)
    assert out.tenor_months is None and fields_of(out) == [("tenor", "CH_FIELD_INVALID")]


@pytest.mark.parametrize(("written", "income"), [
    ("20000", 20000.0), ("2万", 20000.0), ("20k", 20000.0), ("￥20,000.00", 20000.0), ("2万/月", 20000.0),
    ("20000元每月", 20000.0), ("20000 per month", 20000.0), ("20000 monthly", 20000.0),
    ("24万/年", 20000.0), ("240000 per year", 20000.0), ("240,000 p.a.", 20000.0), ("10万/年", 8333.33),
    ("0", 0.0),
])
def test_monthly_income_spellings(intake, written, income):
    out = intake(monthly_income=written)
    assert out.monthly_income == income and out.complete


@pytest.mark.parametrize(("written", "debt"), [("3000", 3000.0), ("0", 0.0), ("无", 0.0), ("没有", 0.0),
                                               ("none", 0.0), ("No debt", 0.0), ("3千/月", 3000.0), ("3.6万/年", 3000.0)])
def test_existing_monthly_debt_spellings(intake, written, debt):
    out = intake(existing_monthly_debt=written)
    assert out.existing_monthly_debt == debt and out.complete


@pytest.mark.parametrize(("written", "code"), [
    ("消费", "consumption"), ("consumption", "consumption"), ("日常消费", "consumption"), ("旅游", "consumption"),
    ("经营", "business"), ("Business", "business"), ("经营周转", "business"), ("working capital", "business"),
    ("装修", "renovation"), ("装修房子", "renovation"), ("Home Improvement", "renovation"),
    ("教育", "education"), ("学费", "education"), ("tuition fees", "education"),
    ("购车", "car"), ("买车", "car"), ("CAR", "car"), ("car purchase", "car"),
    ("其他", "other"), ("其它", "other"), ("Other", "other"),
])
def test_purpose_is_mapped_to_the_controlled_list(intake, written, code):
    out = intake(purpose=written)
    assert out.purpose == code and out.complete


@pytest.mark.parametrize("written", ["炒股", "购房", "装修和教育", "carpet", "xyz"])
def test_purpose_not_in_the_list_or_ambiguous_refers(intake, written):
    out = intake(purpose=written)
    assert out.purpose is None and fields_of(out) == [("purpose", "CH_FIELD_INVALID")]
    assert out.decision == Decision.refer("CH_FIELD_INVALID")


NOON_CST = dt.datetime(2026, 2, 10, 12, 0, tzinfo=CST)


@pytest.mark.parametrize("written", [
    "2026-02-10 12:00", "2026-02-10T12:00", "2026-02-10T12:00:00", "2026-02-10T12:00:00+08:00",
    "2026-02-10T04:00:00Z", "2026-02-10T04:00:00+00:00", "2026-02-09T23:00:00-05:00", "20260210T120000",
    "2026/02/10 12:00", "2026/2/10 12:00", "2026年2月10日 12:00", "2026年2月10日12时00分", "２０２６－０２－１０ １２：００",
])
def test_application_time_is_read_in_china_standard_time(intake, written):
    out = intake(applied_at=written)
    assert out.applied_at == NOON_CST and out.applied_at.utcoffset() == dt.timedelta(hours=8)
    assert out.complete


@pytest.mark.parametrize("written", ["2026-02-10", "2026-02-30 12:00", "10/02/2026 12:00", "yesterday",
                                     "2026-02-10 25:00", "12:00"])
def test_application_time_that_is_no_time_is_invalid(intake, written):
    out = intake(applied_at=written)
    assert out.applied_at is None and fields_of(out) == [("applied_at", "CH_FIELD_INVALID")]
    assert out.decision.outcome.value == "decline"


@pytest.mark.parametrize("written", ["是", "是的", "同意", "已授权", "yes", "YES", "Yes", "y", "Y", "true", "TRUE",
                                     "1", "１", " yes "])
def test_consent_spellings_of_yes(intake, written):
    out = intake(consent=written)
    assert out.consent is True and out.complete


def test_json_numbers_and_booleans_from_a_partner_are_read_as_text(intake):
    out = intake(requested_amount=50000, tenor=36, monthly_income=20000.5, consent=True, phone=13800138000)
    assert (out.requested_amount, out.tenor_months, out.monthly_income, out.consent, out.phone) == (
        50000.0, 36, 20000.5, True, "13800138000")


@pytest.mark.parametrize("placeholder", ["", "   ", "N/A", "null", "无", "-"])
def test_blank_and_placeholder_text_is_missing(intake, placeholder):
    out = intake(phone=placeholder)
    assert fields_of(out) == [("phone", "CH_FIELD_MISSING")]


def test_problem_text_never_repeats_the_value(intake):
    out = intake(resident_id="11010519491231002Y", phone="12800138000", requested_amount="-88888")
    for problem in out.problems:
        assert "1101051949" not in problem.detail and "12800138000" not in problem.detail
        assert "88888" not in problem.detail


# -- every problem in one pass -----------------------------------------------------------------


def test_every_unusable_field_is_reported_in_one_pass(intake):
    out = intake(channel="web", resident_id="12345", name="007", phone="010-62345678", device_id=None,
                 requested_amount="-5万", tenor="forever", monthly_income="lots", existing_monthly_debt="some",
                 purpose="炒股", applied_at="2026-02-10", consent="否")
    assert fields_of(out) == [
        ("resident_id", "CH_FIELD_INVALID"),
        ("name", "CH_FIELD_INVALID"),
        ("phone", "CH_FIELD_INVALID"),
        ("device_id", "CH_CHANNEL_FIELDS"),
        ("requested_amount", "CH_FIELD_INVALID"),
        ("tenor", "CH_FIELD_INVALID"),
        ("monthly_income", "CH_FIELD_INVALID"),
        ("existing_monthly_debt", "CH_FIELD_INVALID"),
        ("purpose", "CH_FIELD_INVALID"),
        ("applied_at", "CH_FIELD_INVALID"),
        ("consent", "CH_CONSENT_MISSING"),
    ]
    assert out.decision == Decision.decline("CH_CONSENT_MISSING", "CH_FIELD_INVALID", "CH_CHANNEL_FIELDS")
    assert out.reasons == ["CH_CONSENT_MISSING", "CH_FIELD_INVALID", "CH_CHANNEL_FIELDS"]
    assert out.consent is False and not out.complete
    assert all(getattr(out, f) is None for f in ("resident_id", "name", "phone", "requested_amount", "tenor_months",
                                                 "monthly_income", "existing_monthly_debt", "purpose", "applied_at"))


def test_every_missing_field_is_reported_in_one_pass(cap, catalog):
    out = run(cap, {"channel": "partner_api"}, catalog=catalog)
    assert fields_of(out) == [
        ("resident_id", "CH_FIELD_MISSING"),
        ("name", "CH_FIELD_MISSING"),
        ("phone", "CH_FIELD_MISSING"),
        ("requested_amount", "CH_FIELD_MISSING"),
        ("tenor", "CH_FIELD_MISSING"),
        ("applied_at", "CH_CHANNEL_FIELDS"),
        ("consent", "CH_CONSENT_MISSING"),
    ]
    assert out.decision == Decision.decline("CH_CONSENT_MISSING", "CH_FIELD_MISSING", "CH_CHANNEL_FIELDS")


def test_unusable_optional_fields_all_listed_and_refer(intake):
    out = intake(monthly_income="lots", existing_monthly_debt="-1", purpose="xyz")
    assert [f for f, _ in fields_of(out)] == ["monthly_income", "existing_monthly_debt", "purpose"]
    assert out.decision == Decision.refer("CH_FIELD_INVALID")
    assert out.resident_id == RIC and out.requested_amount == 50000.0  # the usable fields are kept


# -- outcomes ----------------------------------------------------------------------------------


def test_complete_form_is_approved(intake):
    out = intake()
    assert out.complete and out.problems == [] and out.reasons == []
    assert out.decision == Decision.approve()
    assert out.model_dump(exclude={"decision", "problems", "reasons", "complete"}) == {
        "channel": "app", "resident_id": RIC, "name": "王小明", "phone": "13800138000", "device_id": "dev-0001",
        "requested_amount": 50000.0, "tenor_months": 36, "monthly_income": 20000.0, "existing_monthly_debt": 3000.0,
        "purpose": "consumption", "applied_at": NOON_CST, "consent": True,
    }
    assert isinstance(out.requested_amount, float) and isinstance(out.tenor_months, int)


def test_optional_fields_may_be_absent(intake):
    out = intake(monthly_income=None, existing_monthly_debt=None, purpose=None)
    assert out.complete and out.decision.outcome.value == "approve"
    assert (out.monthly_income, out.existing_monthly_debt, out.purpose) == (None, None, None)


@pytest.mark.parametrize("channel", ["app", "web", "partner_api"])
@pytest.mark.parametrize("consent", [None, "", "否", "no", "false", "0", "N", "maybe", "x" * 300])
def test_online_consent_that_is_not_an_explicit_yes_declines(intake, channel, consent):
    out = intake(channel=channel, consent=consent)
    assert fields_of(out) == [("consent", "CH_CONSENT_MISSING")]
    assert out.decision == Decision.decline("CH_CONSENT_MISSING")
    assert out.consent in (None, False)


def test_counter_consent_refused_declines(intake):
    out = intake(channel="counter", device_id=None, consent="否")
    assert out.decision == Decision.decline("CH_CONSENT_MISSING") and out.consent is False


@pytest.mark.parametrize("consent", [None, "待定"])
def test_counter_consent_not_recorded_refers(intake, consent):
    out = intake(channel="counter", device_id=None, consent=consent)
    assert fields_of(out) == [("consent", "CH_CONSENT_UNCONFIRMED")]
    assert out.decision == Decision.refer("CH_CONSENT_UNCONFIRMED") and out.consent is None


@pytest.mark.parametrize("field", ["resident_id", "name", "phone", "requested_amount", "tenor"])
@pytest.mark.parametrize("channel", ["app", "web", "partner_api", "counter"])
def test_a_missing_required_field_declines_on_every_channel(intake, field, channel):
    out = intake(channel=channel, **{field: None})
    assert fields_of(out) == [(field, "CH_FIELD_MISSING")]
    assert out.decision == Decision.decline("CH_FIELD_MISSING")


@pytest.mark.parametrize("channel", ["app", "web"])
def test_app_and_web_must_send_a_device_id(intake, channel):
    out = intake(channel=channel, device_id=None)
    assert fields_of(out) == [("device_id", "CH_CHANNEL_FIELDS")]
    assert out.decision == Decision.decline("CH_CHANNEL_FIELDS")
    assert intake(channel=channel, device_id=None, params={"require_device_for_online": False}).complete


@pytest.mark.parametrize("channel", ["partner_api", "counter"])
def test_other_channels_need_no_device_id(intake, channel):
    assert intake(channel=channel, device_id=None).complete


def test_a_malformed_device_id_declines_where_required_and_refers_where_not(intake):
    bad = "设备 01"
    assert intake(device_id=bad).decision == Decision.decline("CH_FIELD_INVALID")
    assert intake(channel="counter", device_id=bad).decision == Decision.refer("CH_FIELD_INVALID")
    assert intake(device_id="  dev-0001 ").device_id == "dev-0001"


def test_partner_must_send_its_application_time(intake):
    received = dt.datetime(2026, 2, 10, 12, 5)
    out = intake(channel="partner_api", device_id=None, applied_at=None, received_at=received)
    assert fields_of(out) == [("applied_at", "CH_CHANNEL_FIELDS")] and out.applied_at is None
    assert out.decision == Decision.decline("CH_CHANNEL_FIELDS")


@pytest.mark.parametrize("channel", ["counter", "app", "web"])
def test_application_time_defaults_to_the_receipt_time(intake, channel):
    out = intake(channel=channel, applied_at=None, received_at=dt.datetime(2026, 2, 10, 9, 30))
    assert out.applied_at == dt.datetime(2026, 2, 10, 9, 30, tzinfo=CST) and out.complete
    zoned = intake(channel=channel, applied_at=None, received_at=dt.datetime(2026, 2, 10, 1, 30, tzinfo=dt.UTC))
    assert zoned.applied_at == dt.datetime(2026, 2, 10, 9, 30, tzinfo=CST)


def test_application_time_without_a_receipt_time_is_missing(intake):
    out = intake(channel="counter", applied_at=None)
    assert fields_of(out) == [("applied_at", "CH_FIELD_MISSING")]


def test_a_given_application_time_wins_and_must_not_follow_the_receipt(intake):
    received = dt.datetime(2026, 2, 10, 12, 0)
    assert intake(applied_at="2026-02-10 11:00", received_at=received).applied_at.hour == 11
    assert intake(applied_at="2026-02-10 12:09", received_at=received).complete  # clock skew allowed
    late = intake(applied_at="2026-02-10 12:30", received_at=received)
    assert fields_of(late) == [("applied_at", "CH_FIELD_INVALID")] and late.applied_at is None
    unreadable = intake(applied_at="soon", received_at=received)  # never replaced by the receipt time
    assert fields_of(unreadable) == [("applied_at", "CH_FIELD_INVALID")]
    assert unreadable.decision.outcome.value == "decline"


# -- params: HQ's technical ranges -------------------------------------------------------------


def test_amount_above_max_amount_is_out_of_range(intake):
    assert intake(requested_amount="100万").requested_amount == 1_000_000.0  # the default maximum itself
    out = intake(requested_amount="100.01万")
    assert fields_of(out) == [("requested_amount", "CH_FIELD_OUT_OF_RANGE")]
    assert out.decision == Decision.decline("CH_FIELD_OUT_OF_RANGE")
    assert intake(requested_amount="20万", params={"max_amount": 200_000}).complete
    assert not intake(requested_amount="20.5万", params={"max_amount": 200_000}).complete


def test_tenor_above_max_tenor_is_out_of_range(intake):
    assert intake(tenor="5年").tenor_months == 60
    out = intake(tenor="61期")
    assert fields_of(out) == [("tenor", "CH_FIELD_OUT_OF_RANGE")]
    assert intake(tenor="30年", params={"max_tenor_months": 360}).tenor_months == 360
    assert fields_of(intake(tenor="13", params={"max_tenor_months": 12})) == [("tenor", "CH_FIELD_OUT_OF_RANGE")]


@pytest.mark.parametrize("params", [
    {"max_amount": 9_999}, {"max_amount": 10_000_001}, {"max_amount": -1}, {"max_amount": float("nan")},
    {"max_tenor_months": 0}, {"max_tenor_months": 361}, {"require_device_for_online": "sometimes"},
    {"unknown": 1},
])
def test_params_outside_hq_ranges_are_rejected(intake, params):
    with pytest.raises(ValidationError):
        intake(params=params)


@pytest.mark.parametrize("params", [{"max_amount": 10_000}, {"max_amount": 10_000_000}, {"max_tenor_months": 1},
                                    {"max_tenor_months": 360}])
def test_params_on_the_bounds_are_accepted(cap, params):
    assert cap.params.model_validate(params)


def test_defaults(cap):
    defaults = cap.params()
    assert (defaults.max_amount, defaults.max_tenor_months, defaults.require_device_for_online) == (1_000_000, 60, True)


def test_unknown_channel_is_a_contract_error(intake):
    with pytest.raises(ValidationError):
        intake(channel="wechat")


# -- any text never raises ---------------------------------------------------------------------

SPELLINGS = ["11010519491231002x", "+86 138-0013-8000", "5.5万", "伍万元整", "一万五", "3年", "三十六期",
             "24万/年", "无", "装修", "2026-02-10 12:00", "2026-02-10T04:00Z", "是", "否", "N/A", "9999-12-31 23:59",
             "0001-01-01T00:00+14:00", "1" * 250, "阿依古丽·买买提", "\x00", "\u200b", "-", "1e309", "nan"]
TEXT = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(SPELLINGS),
    st.text(alphabet="0123456789,.-+ ¥万千亿年期个月kKwW元整/伍拾零一二十", max_size=24),
)
ZONES = st.one_of(st.none(), st.builds(lambda m: dt.timezone(dt.timedelta(minutes=m)), st.integers(-1439, 1439)))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=st.sampled_from(["app", "web", "partner_api", "counter"]),
    raw=st.fixed_dictionaries({}, optional={field: TEXT for field in RAW_FIELDS}),
    received_at=st.one_of(st.none(), st.datetimes(timezones=ZONES)),
    require_device=st.booleans(),
)
def test_any_text_in_any_field_gives_problems_never_an_exception(cap, catalog, channel, raw, received_at,
                                                                 require_device):
    record = {"channel": channel, **{k: v for k, v in raw.items() if v is not None}, "received_at": received_at}
    out = run(cap, record, {"require_device_for_online": require_device}, catalog=catalog)  # contract enforced
    assert out.complete == (out.problems == []) == (out.decision.outcome.value == "approve")
    assert {p.reason for p in out.problems} == set(out.reasons) <= CODES
    assert set(out.decision.reasons) <= set(out.reasons)
    assert all(p.field in RAW_FIELDS for p in out.problems)
    for problem in out.problems:  # an unusable field is never also returned as a value
        assert getattr(out, "tenor_months" if problem.field == "tenor" else problem.field) in (None, False)
    if out.applied_at is not None:
        assert out.applied_at.utcoffset() == dt.timedelta(hours=8)
    if out.resident_id is not None:
        assert out.resident_id.isascii() and len(out.resident_id) in (15, 18)
    if out.name is not None:
        assert out.name == unicodedata.normalize("NFKC", out.name) and "  " not in out.name
