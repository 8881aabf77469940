"""L4 admission rules (准入): who may apply for a product at all, before any risk is assessed.

Age limits and excluded regions are the product's policy: HQ fixes the technical range
(an adult, no one past 75), branches set the product's band within it.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from jimu import ContractModel, Decision, ReasonCode, capability

OWNER = "hq.risk-platform"

AGE_BELOW_MIN = ReasonCode(
    code="ADM_AGE_BELOW_MIN",
    text="Applicant is younger than the product's minimum age",
    text_zh="申请人年龄低于产品准入下限",
)
AGE_ABOVE_MAX = ReasonCode(
    code="ADM_AGE_ABOVE_MAX",
    text="Applicant is older than the product's maximum age",
    text_zh="申请人年龄高于产品准入上限",
)
REGION_EXCLUDED = ReasonCode(
    code="ADM_REGION_EXCLUDED",
    text="Applicant's registered region is outside the product's area",
    text_zh="申请人户籍地区不在产品准入范围内",
)


class Applicant(ContractModel):
    age: int = Field(ge=0, le=150, description="completed years at the application date")
    region_code: str = Field(pattern=r"^[0-9]{6}$", description="six-digit GB/T 2260 code of the registered region")


class EligibilityParams(ContractModel):
    min_age: int = Field(18, ge=18, le=30, description="youngest admitted age; 18 is the legal minimum")
    max_age: int = Field(60, ge=45, le=75, description="oldest admitted age at application")
    excluded_regions: list[str] = Field(
        default_factory=list,
        description="region code prefixes not served: 2 digits a province, 4 a prefecture, 6 a county",
    )

    @field_validator("excluded_regions")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not (prefix.isascii() and prefix.isdigit() and len(prefix) in (2, 4, 6)):
                raise ValueError(f"{prefix!r} is not a region prefix of 2, 4 or 6 digits")
        return value


class Eligibility(ContractModel):
    eligible: bool
    reasons: list[str] = Field(default_factory=list)
    decision: Decision


@capability(
    id="risk.admission.eligibility",
    version="1.0.0",
    level=4,
    name="Eligibility rules: age and region",
    name_zh="准入规则：年龄与地区",
    owner=OWNER,
    lifecycle="production",
    tags=("admission", "policy"),
    reasons=(AGE_BELOW_MIN, AGE_ABOVE_MAX, REGION_EXCLUDED),
    examples=(
        {"input": {"age": 30, "region_code": "110105"}, "output": {"eligible": True}},
        {"input": {"age": 17, "region_code": "110105"}, "output": {"eligible": False, "reasons": ["ADM_AGE_BELOW_MIN"]}},
        {"input": {"age": 58, "region_code": "650102"}, "params": {"max_age": 55, "excluded_regions": ["65"]},
         "output": {"eligible": False, "reasons": ["ADM_AGE_ABOVE_MAX", "ADM_REGION_EXCLUDED"]}},
    ),
)
def eligibility(applicant: Applicant, params: EligibilityParams) -> Eligibility:
    """Admit an applicant by age band and registered region; every failed rule is a reason code.

    All rules are evaluated (not just the first failure) so the decline lists everything a
    credit officer or the applicant would need to know.
    """
    reasons = []
    if applicant.age < params.min_age:
        reasons.append(AGE_BELOW_MIN.code)
    if applicant.age > params.max_age:
        reasons.append(AGE_ABOVE_MAX.code)
    if any(applicant.region_code.startswith(prefix) for prefix in params.excluded_regions):
        reasons.append(REGION_EXCLUDED.code)
    decision = Decision.decline(*reasons) if reasons else Decision.approve()
    return Eligibility(eligible=not reasons, reasons=reasons, decision=decision)


CAPABILITIES = (eligibility,)
