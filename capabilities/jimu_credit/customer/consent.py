"""The applicant's credit-bureau authorisation (征信授权), checked before the bureau is queried.

A bank may query a person's credit report only with that person's written (or electronically
signed) authorisation, kept on file with its number, and used within its term. This L4 task
reads what the application carries about it and decides: no authorisation, no query.

Products gate every step that reads the bureau on it (``when: steps.consent.granted``); HQ's
policy ``hq.bureau_consent`` (J703) checks that they do.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from jimu import ContractModel, Decision, ReasonCode, capability

OWNER = "hq.customer-platform"

CONSENT_MISSING = ReasonCode(
    code="CS_BUREAU_CONSENT_MISSING",
    text="The applicant has not authorised a credit-bureau query",
    text_zh="申请人未授权查询征信",
)
CONSENT_UNRECORDED = ReasonCode(
    code="CS_BUREAU_CONSENT_UNRECORDED",
    text="The credit-bureau authorisation has no document number or signing date on file",
    text_zh="征信授权书未留存编号或签署日期",
)
CONSENT_STALE = ReasonCode(
    code="CS_BUREAU_CONSENT_STALE",
    text="The credit-bureau authorisation was signed too long ago, or after the application date",
    text_zh="征信授权书已超过有效期或签署日期晚于申请日",
)


class ConsentRecord(ContractModel):
    bureau_consent: bool | None = Field(None, description="the applicant authorised the bureau query; None when not stated")
    consent_ref: str | None = Field(None, max_length=64, description="the signed authorisation's number (授权书编号)")
    consent_signed_on: dt.date | None = Field(None, description="the day the authorisation was signed")
    as_of: dt.date = Field(description="the application date")


class ConsentParams(ContractModel):
    max_age_days: int = Field(30, ge=1, le=365, description="days an authorisation may be used after it was signed")


class Consent(ContractModel):
    granted: bool = Field(description="the bureau may be queried for this application")
    consent_ref: str | None = Field(None, description="the authorisation's number, as recorded")
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(description="approve when granted; decline without consent; refer when it is "
                               "unrecorded or out of term")


@capability(
    id="customer.consent.bureau",
    version="1.0.0",
    level=4,
    name="Credit-bureau authorisation check",
    name_zh="征信查询授权核验",
    owner=OWNER,
    lifecycle="experimental",
    tags=("consent", "bureau", "compliance"),
    reasons=(CONSENT_MISSING, CONSENT_UNRECORDED, CONSENT_STALE),
    examples=(
        {"input": {"bureau_consent": True, "consent_ref": "ZX-2026-000123", "consent_signed_on": "2026-02-09",
                   "as_of": "2026-02-10"},
         "output": {"granted": True, "consent_ref": "ZX-2026-000123", "reasons": []}},
        {"input": {"bureau_consent": False, "as_of": "2026-02-10"},
         "output": {"granted": False, "reasons": ["CS_BUREAU_CONSENT_MISSING"]}},
        {"input": {"bureau_consent": True, "consent_ref": "ZX-2025-000001", "consent_signed_on": "2025-11-01",
                   "as_of": "2026-02-10"},
         "output": {"granted": False, "reasons": ["CS_BUREAU_CONSENT_STALE"]}},
    ),
)
def bureau_consent(record: ConsentRecord, params: ConsentParams) -> Consent:
    """Grant the bureau query only on an explicit yes, with a document number, signed within its term.

    No or unstated consent declines (the bank may not query at all); a yes without a document
    number, or signed more than ``max_age_days`` before the application (or after it), refers to
    a credit officer who can find or renew the signed form.
    """
    ref = (record.consent_ref or "").strip() or None
    if record.bureau_consent is not True:
        return Consent(granted=False, consent_ref=ref, reasons=[CONSENT_MISSING.code],
                       decision=Decision.decline(CONSENT_MISSING.code))
    problems = []
    signed = record.consent_signed_on
    if ref is None or signed is None:
        problems.append(CONSENT_UNRECORDED.code)
    if signed is not None and (signed > record.as_of or (record.as_of - signed).days > params.max_age_days):
        problems.append(CONSENT_STALE.code)
    if problems:
        return Consent(granted=False, consent_ref=ref, reasons=problems, decision=Decision.refer(*problems))
    return Consent(granted=True, consent_ref=ref, decision=Decision.approve())


CAPABILITIES = (bureau_consent,)
