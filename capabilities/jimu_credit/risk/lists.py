"""L4 list check (名单检查): HQ's blacklists decline, the cold-start whitelist pre-approves.

Keys are normalised by the L5 identity steps (through ``ctx.use``, so the map and locks see the
dependency) before they are looked up; the lists are resources (``data.lists.blacklist``,
``data.lists.whitelist``), never files this module opens.

**Outcomes.** A blacklist hit in force on the application date declines (``LIST_BLACKLISTED``),
whatever else is true. Otherwise a whitelist pre-approval in force approves with an
:class:`~jimu.Offer` of the pre-approved limit: the whitepaper's cold start (whitelist
pre-credit → pre-approved limit). When neither list has the applicant, the check **does not
decide** (``decision`` is ``None``): not being on a blacklist says nothing about
creditworthiness, so approving would let a product whose only decider is the list check approve
everyone unlisted. With no decision the runtime leaves the outcome to the product's other steps
(anti-fraud, scorecard…), and a product where nothing else decides refers the application
(``SYS_NO_DECISION``): fail-closed. A *cold-start* product lends to pre-approved customers only:
it sets ``require_whitelist: true``, and an applicant with no pre-approval in force is declined
(``LIST_NOT_PREAPPROVED``) — otherwise another step's approval (KYC's "identity valid") would
approve an unlisted applicant without an offer. A malformed ID or USCC cannot be looked up; it
is declined with the identity step's own reason code, as KYC declines it.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from jimu import ContractModel, Decision, Example, Offer, ReasonCode, capability

from ..data import fixtures as demo
from ..data.stores import BLACKLIST, WHITELIST, normalise_phone

OWNER = "hq.risk-platform"
RIC_CHECKSUM = "customer.step.resident_id_checksum"
USCC_CHECKSUM = "customer.step.uscc_checksum"

BLACKLISTED = ReasonCode(
    code="LIST_BLACKLISTED",
    text="The applicant's resident ID, organisation (USCC) or mobile number is on an HQ blacklist",
    text_zh="申请人身份证号、企业统一社会信用代码或手机号命中总行黑名单",
)
NOT_PREAPPROVED = ReasonCode(
    code="LIST_NOT_PREAPPROVED",
    text="The product lends to pre-approved customers only, and the applicant has no pre-approval in force",
    text_zh="本产品仅面向白名单预授信客户，申请人无有效预授信额度",
)


class ListKeys(ContractModel):
    resident_id: str | None = Field(None, description="the applicant's (or legal representative's) resident ID as written")
    uscc: str | None = Field(None, description="the borrowing organisation's USCC as written (SME loans)")
    phone: str | None = Field(None, description="mobile number; spaces, hyphens and +86 are dropped")
    as_of: dt.date = Field(description="the application date: only listings in force on it count")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value is not None else None

    @model_validator(mode="after")
    def _someone(self) -> ListKeys:
        if not (self.resident_id or self.uscc):
            raise ValueError("give a resident_id or a uscc (or both): a list check needs an identity")
        return self


class ListCheckParams(ContractModel):
    accept_legacy_15: bool = Field(False, description="accept a 15-digit first-generation resident ID")
    max_pre_approved_limit: float = Field(
        1_000_000, ge=1_000, le=10_000_000,
        description="the product's cap on a whitelist limit (RMB); a larger pre-approval is offered at the cap",
    )
    min_days_to_expiry: int = Field(
        0, ge=0, le=90,
        description="a pre-approval expiring within this many days of the application is not used",
    )
    require_whitelist: bool = Field(
        False,
        description="cold start: decline an applicant with no usable pre-approval (else: no decision)",
    )


class ListHit(ContractModel):
    key_type: str = Field(description="resident_id, uscc or phone: which key was listed (the key is not echoed)")
    list_name: str
    reason: str = Field(description="the list owner's reason, as recorded on the list")
    listed_on: dt.date


class ListCheck(ContractModel):
    blacklisted: bool
    hits: list[ListHit] = Field(default_factory=list, description="the listings in force on the application date")
    whitelisted: bool = Field(False, description="a pre-approval in force (never true for a blacklisted applicant)")
    pre_approved_limit: float | None = Field(None, description="RMB, capped at max_pre_approved_limit")
    programme: str | None = Field(None, description="the whitelist programme (payroll, tax_record, …)")
    whitelist_expires_on: dt.date | None = None
    reasons: list[str] = Field(default_factory=list)
    decision: Decision | None = Field(
        None,
        description="decline on a blacklist hit; approve with the pre-approved limit on a whitelist hit; "
        "otherwise decline when require_whitelist, else None (no decision)",
    )


@capability(
    id="risk.admission.listcheck",
    version="1.0.0",
    level=4,
    name="List check: blacklist decline, whitelist pre-approval",
    name_zh="名单检查：黑名单拒绝、白名单预授信",
    owner=OWNER,
    lifecycle="production",
    tags=("admission", "lists", "cold start"),
    resources=(BLACKLIST.name, WHITELIST.name),
    uses=(f"{RIC_CHECKSUM}~=1.0", f"{USCC_CHECKSUM}~=1.0"),
    reasons=(BLACKLISTED, NOT_PREAPPROVED),
    # Examples read the bundled demo lists: attached below (DEMO_EXAMPLES), after the fixtures.
)
def listcheck(keys: ListKeys, params: ListCheckParams, ctx) -> ListCheck:
    """Look the applicant's resident ID, organisation and phone up on HQ's lists as of the application date.

    Any blacklisting in force declines. Else a whitelist pre-approval in force (of the USCC
    when one is given, the borrower being the organisation, else of the resident ID) approves
    with its limit. Else nothing is decided, or, with ``require_whitelist``, the applicant is
    declined (see the module's notes: fail-closed).
    """
    normalised: list[tuple[str, str]] = []  # (key type, key)
    declined: list[str] = []
    if keys.resident_id is not None:
        checked = ctx.use(RIC_CHECKSUM)({"resident_id": keys.resident_id}, {"accept_legacy_15": params.accept_legacy_15})
        if checked.valid:
            normalised.append(("resident_id", checked.resident_id))
        else:
            declined.extend(checked.reasons)
    if keys.uscc is not None:
        checked = ctx.use(USCC_CHECKSUM)({"uscc": keys.uscc})
        if checked.valid:
            normalised.append(("uscc", checked.uscc))
        else:
            declined.extend(checked.reasons)
    if declined:
        return ListCheck(blacklisted=False, reasons=declined, decision=Decision.decline(*declined))
    if keys.phone is not None:
        normalised.append(("phone", keys.phone))

    blacklist = ctx.resource(BLACKLIST.name)
    hits = [
        ListHit(key_type=key_type, list_name=entry.list_name, reason=entry.reason, listed_on=entry.listed_on)
        for key_type, key in normalised
        for entry in blacklist.hits(key)
        if entry.in_force(keys.as_of)
    ]
    if hits:
        return ListCheck(blacklisted=True, hits=hits, reasons=[BLACKLISTED.code],
                         decision=Decision.decline(BLACKLISTED.code))

    borrower = dict(normalised).get("uscc") or dict(normalised).get("resident_id")
    entry = ctx.resource(WHITELIST.name).entry(borrower)
    usable = (
        entry is not None
        and entry.in_force(keys.as_of)
        and (entry.expires_on - keys.as_of).days >= params.min_days_to_expiry
    )
    if not usable:
        if params.require_whitelist:
            return ListCheck(blacklisted=False, reasons=[NOT_PREAPPROVED.code],
                             decision=Decision.decline(NOT_PREAPPROVED.code))
        return ListCheck(blacklisted=False)
    limit = min(float(entry.limit), params.max_pre_approved_limit)
    return ListCheck(
        blacklisted=False,
        whitelisted=True,
        pre_approved_limit=limit,
        programme=entry.programme,
        whitelist_expires_on=entry.expires_on,
        decision=Decision.approve(Offer(limit=limit)),
    )


#: Worked examples on the bundled demo lists (``jimu_credit.data.fixtures``), in the format of
#: ``@capability(examples=...)``; they need the resources, which the test kit's example runner
#: does not bind, so the tests run them with the installed providers.
DEMO_EXAMPLES: dict[str, tuple[Example, ...]] = {
    listcheck.id: (
        Example(input={"resident_id": demo.BLACKLISTED_ID, "as_of": "2026-02-10"},
                output={"blacklisted": True, "decision": {"outcome": "decline", "reasons": ["LIST_BLACKLISTED"]}},
                note="on the court-enforcement list"),
        Example(input={"resident_id": demo.WHITELISTED_ID, "as_of": "2026-02-10"},
                output={"whitelisted": True, "pre_approved_limit": 50000.0,
                        "decision": {"outcome": "approve", "offer": {"limit": 50000.0}}},
                note="cold start: a payroll customer's pre-approved limit"),
        Example(input={"resident_id": demo.CLEAN_ID, "phone": "+86 170 5550 9876", "as_of": "2026-02-10"},
                output={"blacklisted": True, "hits": [{"key_type": "phone", "list_name": "telecom_fraud"}]},
                note="the phone is listed (normalised before the lookup)"),
        Example(input={"resident_id": demo.CLEAN_ID, "as_of": "2026-02-10"},
                output={"blacklisted": False, "whitelisted": False, "decision": None},
                note="on no list: no decision"),
        Example(input={"resident_id": demo.CLEAN_ID, "as_of": "2026-02-10"}, params={"require_whitelist": True},
                output={"decision": {"outcome": "decline", "reasons": ["LIST_NOT_PREAPPROVED"]}},
                note="a cold-start product lends to pre-approved customers only"),
    ),
}

listcheck = listcheck.with_examples(DEMO_EXAMPLES[listcheck.id])

CAPABILITIES = (listcheck,)
