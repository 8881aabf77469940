"""L4 KYC tasks, composed in Python from the L5 identity steps through ``ctx.use``.

They call the steps through the handle the runtime gives them (never by importing their
functions), so the composition graph, impact analysis and locks see the dependency.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from jimu import ContractModel, Decision, capability

OWNER = "hq.customer-platform"
RIC_CHECKSUM = "customer.step.resident_id_checksum"
RIC_BIRTHDATE = "customer.step.resident_id_birthdate"
USCC_CHECKSUM = "customer.step.uscc_checksum"
CARD_LUHN = "customer.step.bank_card_luhn"


def _decided(valid: bool, reasons: list[str]) -> Decision:
    """A KYC task decides: an identity that fails its checks is declined, with the checks' codes."""
    return Decision.approve() if valid else Decision.decline(*reasons)


class PersonIdentity(ContractModel):
    resident_id: str = Field(description="the applicant's resident ID as written on the form")
    as_of: dt.date = Field(description="the application date")


class PersonKycParams(ContractModel):
    accept_legacy_15: bool = Field(False, description="accept 15-digit first-generation IDs")


class PersonKyc(ContractModel):
    valid: bool
    resident_id: str | None = Field(None, description="normalised 18-character ID")
    birth_date: dt.date | None = None
    age: int | None = None
    sex: str | None = None
    region_code: str | None = None
    province: str | None = None
    county: str | None = None
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(description="approve when the ID is valid, else decline with its reason codes")


@capability(
    id="customer.kyc.person",
    version="1.1.0",
    level=4,
    name="Person KYC: resident ID",
    name_zh="个人客户身份核验",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "identity"),
    uses=(f"{RIC_CHECKSUM}~=1.0", f"{RIC_BIRTHDATE}~=1.0"),
    examples=(
        {
            "input": {"resident_id": "11010519491231002X", "as_of": "2026-06-30"},
            "output": {"valid": True, "sex": "F", "age": 76, "county": "朝阳区"},
        },
        {
            "input": {"resident_id": "110105194912310021", "as_of": "2026-06-30"},
            "output": {"valid": False, "reasons": ["KYC_RIC_CHECKSUM"]},
        },
    ),
)
def person_kyc(person: PersonIdentity, params: PersonKycParams, ctx) -> PersonKyc:
    """Validate an applicant's resident ID and derive birth date, age, sex and birth region.

    The checksum step runs first; the date and region are read only from an ID that passed it.
    """
    checked = ctx.use(RIC_CHECKSUM)({"resident_id": person.resident_id}, {"accept_legacy_15": params.accept_legacy_15})
    if not checked.valid:
        return PersonKyc(valid=False, reasons=checked.reasons, decision=_decided(False, checked.reasons))
    facts = ctx.use(RIC_BIRTHDATE)({"resident_id": checked.resident_id, "as_of": person.as_of})
    return PersonKyc(resident_id=checked.resident_id, **facts.model_dump(),
                     decision=_decided(facts.valid, facts.reasons))


class Organisation(ContractModel):
    uscc: str = Field(description="the SME's unified social credit code")


class OrganisationKyc(ContractModel):
    valid: bool
    uscc: str | None = None
    authority: str | None = None
    entity_type: str | None = None
    region_code: str | None = None
    province: str | None = None
    county: str | None = None
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(description="approve when the USCC is valid, else decline with its reason codes")


@capability(
    id="customer.kyc.org",
    version="1.1.0",
    level=4,
    name="Organisation KYC: USCC",
    name_zh="企业客户身份核验",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "organisation", "SME"),
    uses=(f"{USCC_CHECKSUM}~=1.0",),
    examples=(
        {"input": {"uscc": "91110108551385082Q"}, "output": {"valid": True, "county": "海淀区"}},
        {"input": {"uscc": "N2110105MA0000001H"}, "output": {"valid": True, "authority": "农业"}},
        {"input": {"uscc": "91110108551385082A"}, "output": {"valid": False, "reasons": ["KYC_USCC_CHECKSUM"]}},
    ),
)
def organisation_kyc(org: Organisation, ctx) -> OrganisationKyc:
    """Validate an SME's USCC and decode its registration authority, type and region."""
    facts = ctx.use(USCC_CHECKSUM)({"uscc": org.uscc})
    return OrganisationKyc(**facts.model_dump(exclude={"org_code"}), decision=_decided(facts.valid, facts.reasons))


class DisbursementCard(ContractModel):
    card_number: str = Field(description="the bank card the loan is paid into, as written")


class CardKyc(ContractModel):
    valid: bool
    network: str | None = None
    last4: str | None = None
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(description="approve when the card number is well formed, else decline")


@capability(
    id="customer.kyc.card",
    version="1.0.0",
    level=4,
    name="Disbursement card check",
    name_zh="放款银行卡核验",
    owner=OWNER,
    lifecycle="production",
    tags=("kyc", "card"),
    uses=(f"{CARD_LUHN}~=1.0",),
    examples=(
        {"input": {"card_number": "6222 0212 3456 7890 129"}, "output": {"valid": False, "reasons": ["KYC_CARD_LUHN"]}},
        {"input": {"card_number": "4111-1111-1111-1111"}, "output": {"valid": True, "network": "Visa", "last4": "1111"}},
    ),
)
def card_kyc(card: DisbursementCard, ctx) -> CardKyc:
    """Check the disbursement card's number before money is sent to it; decline a malformed one.

    The Luhn check catches a mistyped digit; whether the account exists and belongs to the
    applicant is the payment rail's verification, not this task's.
    """
    checked = ctx.use(CARD_LUHN)({"card_number": card.card_number})
    return CardKyc(**checked.model_dump(), decision=_decided(checked.valid, checked.reasons))


CAPABILITIES = (person_kyc, organisation_kyc, card_kyc)
