"""L4 lookup: does a merchant hold a drug-trade licence in force on the application date?

A pharmacy merchant loan lends to pharmacies; a pharmacy without a valid drug-trade licence
(药品经营许可证) may not trade, and its turnover — what the loan is repaid from — can stop any
day. The check reads the register resource (``data.zhejiang.drug_licences``), never the file.

**Outcomes**, judged on ``as_of`` with the register as it stood that day (a licence revoked
later was still valid then):

| the licence | outcome | reason |
|---|---|---|
| none issued to the USCC on or before ``as_of`` | decline | ``ZJ_DRUG_LICENCE_NOT_FOUND`` |
| revoked (吊销) | decline | ``ZJ_DRUG_LICENCE_REVOKED`` |
| past its expiry date | decline | ``ZJ_DRUG_LICENCE_EXPIRED`` |
| suspended (暂停) | refer: a suspension is lifted or not; an officer checks | ``ZJ_DRUG_LICENCE_SUSPENDED`` |
| expiring within ``min_days_to_expiry`` | refer: the renewal (换证) must be seen | ``ZJ_DRUG_LICENCE_EXPIRING`` |
| without prescription drugs in scope, when ``require_prescription`` | refer | ``ZJ_DRUG_LICENCE_NO_PRESCRIPTION`` |
| otherwise | no decision: a licence says nothing about creditworthiness | |

When the holder has had several licences (a renewal issues a new number), the one issued last
on or before ``as_of`` is judged. A malformed USCC cannot be looked up: it is declined with HQ's
USCC step's own reason code (``customer.step.uscc_checksum``, called through ``ctx.use`` so the
map, impact analysis and locks see the dependency).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from jimu import ContractModel, Decision, ReasonCode, capability

from .licences import DRUG_LICENCES, OWNER, DrugLicence

USCC_CHECKSUM = "customer.step.uscc_checksum"

NOT_FOUND = ReasonCode(
    code="ZJ_DRUG_LICENCE_NOT_FOUND",
    text="The merchant holds no drug-trade licence in Hangzhou's register on the application date",
    text_zh="申请日杭州药品经营许可证登记信息中查无该商户的许可证",
)
REVOKED = ReasonCode(
    code="ZJ_DRUG_LICENCE_REVOKED",
    text="The merchant's drug-trade licence has been revoked",
    text_zh="商户药品经营许可证已被吊销",
)
EXPIRED = ReasonCode(
    code="ZJ_DRUG_LICENCE_EXPIRED",
    text="The merchant's drug-trade licence expired before the application date",
    text_zh="商户药品经营许可证已于申请日前过期",
)
SUSPENDED = ReasonCode(
    code="ZJ_DRUG_LICENCE_SUSPENDED",
    text="The merchant's drug-trade licence is suspended; an officer must check whether it has been reinstated",
    text_zh="商户药品经营许可证处于暂停状态，需人工核实是否已恢复",
)
EXPIRING = ReasonCode(
    code="ZJ_DRUG_LICENCE_EXPIRING",
    text="The merchant's drug-trade licence expires soon; an officer must see the renewal",
    text_zh="商户药品经营许可证即将到期，需人工核实换证情况",
)
NO_PRESCRIPTION = ReasonCode(
    code="ZJ_DRUG_LICENCE_NO_PRESCRIPTION",
    text="The merchant's drug-trade licence does not cover prescription drugs, which the product requires",
    text_zh="商户药品经营许可证经营范围不含处方药，不符合本产品要求",
)


class Merchant(ContractModel):
    uscc: str = Field(description="the merchant's unified social credit code (统一社会信用代码) as written")
    as_of: dt.date = Field(description="the application date: the licence must be in force on it")


class LicenceCheckParams(ContractModel):
    min_days_to_expiry: int = Field(
        30, ge=0, le=365,
        description="a licence expiring within this many days of the application is referred (renewal to be seen)",
    )
    require_prescription: bool = Field(
        False, description="refer a licence whose business scope lacks prescription drugs (处方药)",
    )


class LicenceCheck(ContractModel):
    found: bool = Field(description="a licence had been issued to the merchant on or before as_of")
    licensed: bool = Field(description="that licence was valid (not suspended, revoked or expired) on as_of")
    licence_no: str | None = None
    status: str | None = Field(None, description="valid, suspended or revoked, as on as_of")
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    days_to_expiry: int | None = Field(None, description="from as_of to the last valid day; negative once expired")
    prescription: bool = Field(False, description="the scope covers prescription drugs (处方药)")
    district: str | None = None
    reasons: list[str] = Field(default_factory=list)
    decision: Decision | None = Field(
        None, description="decline (none, revoked, expired), refer (suspended, expiring, scope), else no decision",
    )


def _in_force(licences: tuple[DrugLicence, ...] | list[DrugLicence], day: dt.date) -> DrugLicence | None:
    issued = [lic for lic in licences if lic.issued_on <= day]
    return max(issued, key=lambda lic: lic.issued_on) if issued else None


@capability(
    id="data.zhejiang.pharmacy_licence",
    version="1.0.0",
    level=4,
    name="Pharmacy drug-trade licence check (Hangzhou)",
    name_zh="药店药品经营许可证核验（杭州）",
    owner=OWNER,
    lifecycle="production",
    tags=("licence", "pharmacy", "merchant", "zhejiang"),
    entitlements=("zhejiang.*",),
    resources=(DRUG_LICENCES.name,),
    uses=(f"{USCC_CHECKSUM}~=1.0",),
    reasons=(NOT_FOUND, REVOKED, EXPIRED, SUSPENDED, EXPIRING, NO_PRESCRIPTION),
    # Worked examples on the bundled (synthetic) register; tools/synthesise_register.py names them.
    examples=(
        {"input": {"uscc": "91330106MA2H7K3P1N", "as_of": "2026-06-30"},
         "output": {"licensed": True, "licence_no": "浙DA571300101", "prescription": True, "decision": None},
         "note": "a Xihu pharmacy with a valid licence: no decision"},
        {"input": {"uscc": "91330102MA27WQ5R6N", "as_of": "2026-06-30"},
         "output": {"licensed": False, "status": "revoked",
                    "decision": {"outcome": "decline", "reasons": ["ZJ_DRUG_LICENCE_REVOKED"]}},
         "note": "revoked on 2026-03-02"},
        {"input": {"uscc": "91330102MA27WQ5R6N", "as_of": "2026-02-27"},
         "output": {"licensed": True, "status": "valid", "decision": None},
         "note": "the same licence before its revocation"},
        {"input": {"uscc": "91330105MA2GUD8N4R", "as_of": "2026-06-30"},
         "output": {"status": "suspended", "decision": {"outcome": "refer", "reasons": ["ZJ_DRUG_LICENCE_SUSPENDED"]}}},
        {"input": {"uscc": "91330108MA2B3C9X0P", "as_of": "2026-06-30"},
         "output": {"days_to_expiry": -108,
                    "decision": {"outcome": "decline", "reasons": ["ZJ_DRUG_LICENCE_EXPIRED"]}}},
        {"input": {"uscc": "91330109MA2CLT6Y8A", "as_of": "2026-06-30"},
         "output": {"licensed": True, "days_to_expiry": 15,
                    "decision": {"outcome": "refer", "reasons": ["ZJ_DRUG_LICENCE_EXPIRING"]}}},
        {"input": {"uscc": "91330109MA2CLT6Y8A", "as_of": "2026-06-30"}, "params": {"min_days_to_expiry": 10},
         "output": {"licensed": True, "decision": None}},
        {"input": {"uscc": "9133 0110 MA28 F4JN 21", "as_of": "2026-06-30"},
         "output": {"licensed": True, "licence_no": "浙DA571600107", "expires_on": "2029-10-31"},
         "note": "renewed in 2024: the new licence is judged (USCC spaces ignored)"},
        {"input": {"uscc": "91330111MA2DP8W35M", "as_of": "2026-06-30"}, "params": {"require_prescription": True},
         "output": {"licensed": True, "prescription": False,
                    "decision": {"outcome": "refer", "reasons": ["ZJ_DRUG_LICENCE_NO_PRESCRIPTION"]}}},
        {"input": {"uscc": "91330111MA2DNPX73X", "as_of": "2026-06-30"},
         "output": {"found": False, "decision": {"outcome": "decline", "reasons": ["ZJ_DRUG_LICENCE_NOT_FOUND"]}}},
        {"input": {"uscc": "91330106MA2H7K3P1A", "as_of": "2026-06-30"},
         "output": {"found": False, "decision": {"outcome": "decline", "reasons": ["KYC_USCC_CHECKSUM"]}},
         "note": "a mistyped check character is HQ's USCC step's decline"},
    ),
)
def pharmacy_licence(merchant: Merchant, params: LicenceCheckParams, ctx) -> LicenceCheck:
    """Whether a merchant holds a drug-trade licence in force on the application date, from
    Hangzhou's licence register; declines or refers a missing, revoked, expired, suspended or
    expiring one with its own reason code."""
    checked = ctx.use(USCC_CHECKSUM)({"uscc": merchant.uscc})
    if not checked.valid:
        return LicenceCheck(found=False, licensed=False, reasons=list(checked.reasons),
                            decision=Decision.decline(*checked.reasons))
    licence = _in_force(ctx.resource(DRUG_LICENCES.name).licences(checked.uscc), merchant.as_of)
    if licence is None:
        return LicenceCheck(found=False, licensed=False, reasons=[NOT_FOUND.code],
                            decision=Decision.decline(NOT_FOUND.code))
    status = licence.status_on(merchant.as_of)
    days = (licence.expires_on - merchant.as_of).days
    declined = [REVOKED.code] if status == "revoked" else [EXPIRED.code] if days < 0 else []
    referred = ([SUSPENDED.code] if status == "suspended" else
                [EXPIRING.code] if days < params.min_days_to_expiry else [])
    if params.require_prescription and not licence.prescription:
        referred.append(NO_PRESCRIPTION.code)
    reasons = declined or referred
    decision = (Decision.decline(*declined) if declined else Decision.refer(*referred) if referred else None)
    return LicenceCheck(
        found=True, licensed=status == "valid" and days >= 0, licence_no=licence.licence_no, status=status,
        issued_on=licence.issued_on, expires_on=licence.expires_on, days_to_expiry=days,
        prescription=licence.prescription, district=licence.district, reasons=reasons, decision=decision,
    )


CAPABILITIES = (pharmacy_licence,)
