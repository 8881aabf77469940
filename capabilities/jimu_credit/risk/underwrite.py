"""Underwriting (审批): how much to lend, at what rate, and whether to lend at all.

Two pure L5 steps and three L4 tasks built on them (DOMAIN.md §2.6, §2.7):

- ``risk.step.dti``: the instalment a borrower can afford under a debt-to-income ceiling, and
  the annuity principal that instalment repays;
- ``risk.step.clamp``: a value held to [floor, ceiling], saying whether and where it hit;
- ``risk.underwrite.limit``: limit = min(affordable principal, product cap, regulatory cap,
  amount requested), declined below the product minimum;
- ``risk.underwrite.pricing``: rate = clamp(LPR + tier spread + branch adjustment, HQ floor,
  HQ ceiling), the LPR read from the ``data.market.lpr`` resource;
- ``risk.underwrite.decision``: the approve / refer / decline matrix over score band, policy
  flags, due-diligence tier and limit.

HQ owns every bound below: a branch sets parameters only inside them, and a value outside is a
validation error, never a silent clamp. What *is* clamped is a computed result (a rate above
the ceiling, a principal above the caps), and the output says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from jimu import ContractModel, Decision, Offer, Outcome, ReasonCode, capability

OWNER = "hq.risk-platform"
DTI = "risk.step.dti"
CLAMP = "risk.step.clamp"
LPR = "data.market.lpr"

Band = Literal["A", "B", "C", "D", "E"]
Tier = Literal["T0", "T1", "T2"]
# Inputs take constrained strings rather than Literals, so that a product can feed them from a
# plain string (a request field, another step's str output) and still be checked at run time.
BandText = Annotated[str, Field(pattern=r"^[A-E]$")]
TierText = Annotated[str, Field(pattern=r"^T[012]$")]
ListHitText = Annotated[str, Field(pattern=r"^(none|blacklist|greylist|whitelist)$")]
BANDS: tuple[str, ...] = ("A", "B", "C", "D", "E")
TIERS: tuple[str, ...] = ("T0", "T1", "T2")


def _cents_down(amount: float) -> float:
    """Round a money amount down to the fen: a limit never exceeds what was shown affordable."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


# -- risk.step.dti -----------------------------------------------------------------------------


class DtiInput(ContractModel):
    monthly_income: float = Field(ge=0, description="verified monthly income, RMB")
    existing_monthly_debt: float = Field(ge=0, description="instalments already being repaid each month, RMB")
    dti_max: float = Field(gt=0, le=1, description="debt-to-income ceiling: share of income all instalments may take")
    annual_rate: float = Field(ge=0, le=1, description="nominal annual rate of the new loan, e.g. 0.06; monthly r = rate/12")
    tenor_months: int = Field(ge=1, le=360, description="number of monthly instalments n")


class DtiResult(ContractModel):
    affordable_instalment: float = Field(
        description="pmt = max(0, dti_max·income − existing debt), RMB/month, rounded down to the fen"
    )
    principal: float = Field(description="annuity principal pmt repays over n months at r, rounded down to the fen")
    monthly_rate: float = Field(description="r = annual_rate / 12")


@capability(
    id=DTI,
    version="1.0.0",
    level=5,
    name="Affordable instalment and annuity principal (DTI)",
    name_zh="负债收入比可负担月供及对应本金",
    owner=OWNER,
    lifecycle="production",
    tags=("underwriting", "limit", "DTI"),
    examples=(
        {"input": {"monthly_income": 20000, "existing_monthly_debt": 3000, "dti_max": 0.5,
                   "annual_rate": 0.06, "tenor_months": 36},
         "output": {"affordable_instalment": 7000.0, "principal": 230097.11, "monthly_rate": 0.005},
         "note": "DOMAIN.md §2.7 test vector"},
        {"input": {"monthly_income": 10000, "existing_monthly_debt": 0, "dti_max": 0.4,
                   "annual_rate": 0, "tenor_months": 12},
         "output": {"affordable_instalment": 4000.0, "principal": 48000.0},
         "note": "interest-free: P = pmt·n"},
        {"input": {"monthly_income": 8000, "existing_monthly_debt": 5000, "dti_max": 0.5,
                   "annual_rate": 0.06, "tenor_months": 24},
         "output": {"affordable_instalment": 0.0, "principal": 0.0},
         "note": "existing debt already above the ceiling: nothing more is affordable"},
    ),
)
def dti(inp: DtiInput) -> DtiResult:
    """The instalment a borrower can still afford, and the principal it repays as an annuity.

    pmt = max(0, DTI_max·monthly_income − existing_monthly_debt): the new loan may take only what
    the DTI ceiling leaves after the debts already being repaid, never a negative amount.
    P = pmt·(1 − (1+r)^−n)/r with r the monthly rate (annual/12, the mainland 月利率 convention);
    at r = 0 the limit of that formula, P = pmt·n. Both are rounded *down* to the fen, so a
    limit built on them never exceeds what the formula shows affordable (DOMAIN.md §2.7).
    """
    pmt = max(0.0, inp.dti_max * inp.monthly_income - inp.existing_monthly_debt)
    r = inp.annual_rate / 12
    n = inp.tenor_months
    principal = pmt * n if r == 0 else pmt * (1 - (1 + r) ** -n) / r
    return DtiResult(affordable_instalment=_cents_down(pmt), principal=_cents_down(principal), monthly_rate=r)


# -- risk.step.clamp ---------------------------------------------------------------------------


class ClampInput(ContractModel):
    x: float = Field(description="the computed value")
    floor: float = Field(description="lowest value allowed")
    ceiling: float = Field(description="highest value allowed")

    @model_validator(mode="after")
    def _ordered(self) -> ClampInput:
        if self.floor > self.ceiling:
            raise ValueError(f"floor {self.floor} is above ceiling {self.ceiling}")
        return self


class Clamped(ContractModel):
    value: float = Field(description="x held between floor and ceiling")
    breached: bool = Field(description="x was outside the bounds (a value on a bound is not a breach)")
    side: Literal["floor", "ceiling"] | None = Field(None, description="which bound x crossed")


@capability(
    id=CLAMP,
    version="1.0.0",
    level=5,
    name="Clamp to bounds and flag a breach",
    name_zh="区间截断并标记越界",
    owner=OWNER,
    lifecycle="production",
    tags=("underwriting", "bounds"),
    examples=(
        {"input": {"x": 0.045, "floor": 0.03, "ceiling": 0.18}, "output": {"value": 0.045, "breached": False, "side": None}},
        {"input": {"x": 0.25, "floor": 0.03, "ceiling": 0.18},
         "output": {"value": 0.18, "breached": True, "side": "ceiling"}},
        {"input": {"x": 0.02, "floor": 0.03, "ceiling": 0.18}, "output": {"value": 0.03, "breached": True, "side": "floor"}},
    ),
)
def clamp(inp: ClampInput) -> Clamped:
    """Hold a computed value inside HQ's bounds and say whether, and on which side, it was cut.

    The breach is reported, not hidden: a rate pushed to the ceiling or a principal cut to a cap
    is a fact an officer and an auditor need to see. Bounds in the wrong order are an input error.
    """
    if inp.x < inp.floor:
        return Clamped(value=inp.floor, breached=True, side="floor")
    if inp.x > inp.ceiling:
        return Clamped(value=inp.ceiling, breached=True, side="ceiling")
    return Clamped(value=inp.x, breached=False)


# -- risk.underwrite.limit ---------------------------------------------------------------------

DTI_NO_CAPACITY = ReasonCode(
    code="UW_DTI_NO_CAPACITY",
    text="Existing monthly debt already takes the whole debt-to-income allowance",
    text_zh="现有月还款额已占满负债收入比上限，无可负担月供",
)
LIMIT_BELOW_MINIMUM = ReasonCode(
    code="UW_LIMIT_BELOW_MINIMUM",
    text="Affordable limit is below the product minimum",
    text_zh="可负担额度低于产品最低授信额度",
)
#: 商业银行互联网贷款管理暂行办法 (2020): RMB 200,000 per customer for internet consumer credit loans [S].
REGULATORY_CAP_INTERNET_CONSUMER = 200_000.0


class LimitRequest(ContractModel):
    monthly_income: float = Field(ge=0, description="verified monthly income, RMB")
    existing_monthly_debt: float = Field(ge=0, description="instalments already being repaid each month, RMB")
    annual_rate: float = Field(ge=0, le=1, description="the loan's annual rate (from pricing), e.g. 0.06")
    tenor_months: int = Field(ge=1, le=360, description="loan tenor in months")
    requested_amount: float = Field(gt=0, description="amount applied for, RMB")


class LimitParams(ContractModel):
    """HQ's ranges meet without overlapping (minimum ≤ 10,000 ≤ caps), so every setting a
    branch can make is checked field by field (``jimu validate`` sees it) and always leaves
    something approvable."""

    dti_max: float = Field(
        0.5, ge=0.2, le=0.6, description="debt-to-income ceiling (HQ range 20%-60%; no regulatory figure is confirmed)"
    )
    product_cap: float = Field(300_000, ge=10_000, le=1_000_000, description="the product's largest limit, RMB")
    regulatory_cap: float = Field(
        REGULATORY_CAP_INTERNET_CONSUMER, ge=10_000, le=REGULATORY_CAP_INTERNET_CONSUMER,
        description="per-customer cap for internet consumer loans (商业银行互联网贷款管理暂行办法, 2020), RMB",
    )
    min_viable_amount: float = Field(1_000, ge=0, le=10_000, description="smallest limit worth offering, RMB")


Binding = Literal["dti", "regulatory", "product", "requested"]


class Limit(ContractModel):
    limit: float = Field(description="the limit granted, RMB, rounded down to the fen")
    binding: Binding = Field(description="the constraint that set the limit")
    affordable_instalment: float = Field(description="monthly instalment the DTI ceiling leaves, RMB")
    affordable_principal: float = Field(description="annuity principal that instalment repays, RMB")
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(description="approve with the offer (limit, tenor) at or above the minimum, else decline")


@capability(
    id="risk.underwrite.limit",
    version="1.0.0",
    level=4,
    name="Credit limit from income and DTI",
    name_zh="基于收入与负债收入比的授信额度测算",
    owner=OWNER,
    lifecycle="production",
    tags=("underwriting", "limit", "DTI"),
    uses=(f"{DTI}~=1.0", f"{CLAMP}~=1.0"),
    reasons=(DTI_NO_CAPACITY, LIMIT_BELOW_MINIMUM),
    examples=(
        {"input": {"monthly_income": 20000, "existing_monthly_debt": 3000, "annual_rate": 0.06,
                   "tenor_months": 36, "requested_amount": 250000},
         "output": {"limit": 200000.0, "binding": "regulatory", "affordable_instalment": 7000.0,
                    "affordable_principal": 230097.11,
                    "decision": {"outcome": "approve", "offer": {"limit": 200000.0, "tenor_months": 36}}},
         "note": "DOMAIN.md §2.7: P 230,097.11 capped at the RMB 200,000 regulatory cap"},
        {"input": {"monthly_income": 12000, "existing_monthly_debt": 2000, "annual_rate": 0.0435,
                   "tenor_months": 12, "requested_amount": 100000},
         "output": {"limit": 46887.87, "binding": "dti", "affordable_instalment": 4000.0},
         "note": "affordability binds below what was asked"},
        {"input": {"monthly_income": 6000, "existing_monthly_debt": 3500, "annual_rate": 0.06,
                   "tenor_months": 24, "requested_amount": 50000},
         "output": {"limit": 0.0, "binding": "dti", "reasons": ["UW_DTI_NO_CAPACITY"],
                    "decision": {"outcome": "decline", "reasons": ["UW_DTI_NO_CAPACITY"]}}},
    ),
)
def limit(request: LimitRequest, params: LimitParams, ctx) -> Limit:
    """Grant the smallest of what the borrower can afford, the product cap, the regulatory cap
    and the amount asked for (DOMAIN.md §2.7), and decline a limit too small to be worth booking.

    Affordability comes from ``risk.step.dti`` at the HQ-bounded ``dti_max``; the caps are
    applied by ``risk.step.clamp`` (floor 0, ceiling the smallest cap), whose breach names the
    binding constraint. Caps that tie are reported in the order regulatory, product, requested:
    the stricter authority first. When existing debt leaves no instalment at all the decline
    says so (``UW_DTI_NO_CAPACITY``); a positive limit under ``min_viable_amount`` is declined
    with ``UW_LIMIT_BELOW_MINIMUM``.
    """
    afford = ctx.use(DTI)({
        "monthly_income": request.monthly_income,
        "existing_monthly_debt": request.existing_monthly_debt,
        "dti_max": params.dti_max,
        "annual_rate": request.annual_rate,
        "tenor_months": request.tenor_months,
    })
    caps: dict[str, float] = {
        "regulatory": params.regulatory_cap,
        "product": params.product_cap,
        "requested": request.requested_amount,
    }
    ceiling = min(caps.values())
    held = ctx.use(CLAMP)({"x": afford.principal, "floor": 0.0, "ceiling": ceiling})
    binding = next(name for name, cap in caps.items() if cap == ceiling) if held.breached else "dti"
    granted = _cents_down(held.value)
    if afford.affordable_instalment <= 0:
        reasons = [DTI_NO_CAPACITY.code]
    elif granted < params.min_viable_amount:
        reasons = [LIMIT_BELOW_MINIMUM.code]
    else:
        reasons = []
    decision = (
        Decision.decline(*reasons) if reasons
        else Decision.approve(Offer(limit=granted, tenor_months=request.tenor_months))
    )
    return Limit(
        limit=granted,
        binding=binding,
        affordable_instalment=afford.affordable_instalment,
        affordable_principal=afford.principal,
        reasons=reasons,
        decision=decision,
    )


# -- risk.underwrite.pricing -------------------------------------------------------------------


class PricingRequest(ContractModel):
    as_of: dt.date = Field(description="pricing date: the LPR in force on it applies")
    risk_tier: BandText = Field(description="the applicant's score band: A (best), B, C, D or E")
    tenor_months: int = Field(12, ge=1, le=360, description="loan tenor; over 60 months prices off the 5Y+ LPR")


class PricingParams(ContractModel):
    """Each band's spread lies in its own range and the ranges only touch, so a riskier band is
    never priced below a safer one; the floor's range lies below the ceiling's. Every rule is
    thus a per-field bound that ``jimu validate`` checks."""

    spread_bp_a: int = Field(50, ge=0, le=100, description="spread over the LPR for score band A, bp")
    spread_bp_b: int = Field(150, ge=100, le=250, description="spread over the LPR for score band B, bp")
    spread_bp_c: int = Field(300, ge=250, le=450, description="spread over the LPR for score band C, bp")
    spread_bp_d: int = Field(600, ge=450, le=800, description="spread over the LPR for score band D, bp")
    spread_bp_e: int = Field(1000, ge=800, le=1500, description="spread over the LPR for score band E, bp")
    branch_adjustment_bp: int = Field(
        0, ge=-50, le=50, description="the branch's adjustment within its pricing authority, bp"
    )
    rate_floor: float = Field(0.03, ge=0, le=0.06, description="HQ's lowest annual rate")
    rate_ceiling: float = Field(0.18, ge=0.08, le=0.24, description="HQ's highest annual rate")

    def spread(self, band: str) -> int:
        return getattr(self, f"spread_bp_{band.lower()}")


class Price(ContractModel):
    rate: float = Field(description="annual rate offered, after HQ's floor and ceiling")
    lpr: float = Field(description="the LPR applied, annual fraction")
    lpr_tenor: Literal["1Y", "5Y"]
    lpr_date: dt.date = Field(description="date of the fixing applied: the latest in the history on or before as_of")
    spread_bp: int = Field(description="the tier's spread")
    branch_adjustment_bp: int
    unclamped_rate: float = Field(description="LPR + spread + adjustment before the floor and ceiling")
    clamped: bool = Field(description="the computed rate was below the floor or above the ceiling and was held to it")
    clamped_at: Literal["floor", "ceiling"] | None = None


@capability(
    id="risk.underwrite.pricing",
    version="1.0.0",
    level=4,
    name="Risk-tier pricing within HQ authority",
    name_zh="风险分层定价（总行授权范围内）",
    owner=OWNER,
    lifecycle="production",
    tags=("underwriting", "pricing", "LPR"),
    resources=(LPR,),
    uses=(f"{CLAMP}~=1.0",),
    examples=(
        {"input": {"as_of": "2024-08-01", "risk_tier": "B"},
         "output": {"rate": 0.0485, "lpr": 0.0335, "lpr_date": "2024-07-22", "spread_bp": 150, "clamped": False}},
        {"input": {"as_of": "2025-06-30", "risk_tier": "A"},
         "params": {"branch_adjustment_bp": -50, "rate_floor": 0.035},
         "output": {"rate": 0.035, "lpr": 0.03, "lpr_date": "2025-05-20", "unclamped_rate": 0.03,
                    "clamped": True, "clamped_at": "floor"}},
        {"input": {"as_of": "2020-01-15", "risk_tier": "E"},
         "params": {"branch_adjustment_bp": 50, "rate_ceiling": 0.10},
         "output": {"rate": 0.10, "lpr": 0.0415, "lpr_date": "2019-11-20", "unclamped_rate": 0.1465,
                    "clamped": True, "clamped_at": "ceiling"}},
    ),
)
def pricing(request: PricingRequest, params: PricingParams, ctx) -> Price:
    """Price a loan as LPR + the risk tier's spread + the branch's adjustment, held to HQ's band.

    rate = clamp(LPR + spread(tier) + branch_adj, HQ_floor, HQ_ceiling) (DOMAIN.md §2.6). The LPR
    is the most recent fixing on or before ``as_of`` from the ``data.market.lpr`` resource: 1Y
    for tenors up to five years, 5Y+ above (the PBOC convention). The branch's adjustment is
    bounded by its authority (±50 bp): asking for more is a params validation error, never
    quietly reduced. The *computed* rate is clamped to HQ's floor and ceiling, and the output
    says so, so an officer sees a price that policy, not risk, set. Sums are taken in whole
    basis points so no float residue reaches the rate.
    """
    tenor = "5Y" if request.tenor_months > 60 else "1Y"
    fixing = ctx.resource(LPR).fixing_on(request.as_of, tenor)
    lpr_bp = round(fixing.rate * 10_000)
    spread = params.spread(request.risk_tier)
    total_bp = lpr_bp + spread + params.branch_adjustment_bp
    held = ctx.use(CLAMP)({"x": total_bp / 10_000, "floor": params.rate_floor, "ceiling": params.rate_ceiling})
    return Price(
        rate=round(held.value, 6),
        lpr=lpr_bp / 10_000,
        lpr_tenor=tenor,
        lpr_date=fixing.date,
        spread_bp=spread,
        branch_adjustment_bp=params.branch_adjustment_bp,
        unclamped_rate=total_bp / 10_000,
        clamped=held.breached,
        clamped_at=held.side,
    )


# -- risk.underwrite.decision ------------------------------------------------------------------

_BAND_TEXT = {
    "A": ("Score band A is not approved automatically under the product's decision matrix",
          "评分等级A：按本产品决策矩阵不予自动审批"),
    "B": ("Score band B is not approved automatically under the product's decision matrix",
          "评分等级B：按本产品决策矩阵不予自动审批"),
    "C": ("Score band C is not approved automatically under the product's decision matrix",
          "评分等级C：按本产品决策矩阵不予自动审批"),
    "D": ("Score band D (high risk) needs a credit officer's review or is declined",
          "评分等级D（高风险）：需人工审核或拒绝"),
    "E": ("Score band E (highest risk) is outside the product's risk appetite",
          "评分等级E（最高风险）：超出产品风险偏好"),
}
SCORE_BAND = {
    band: ReasonCode(code=f"UW_SCORE_BAND_{band}", text=text, text_zh=text_zh)
    for band, (text, text_zh) in _BAND_TEXT.items()
}
ANTIFRAUD_FLAG = ReasonCode(
    code="UW_ANTIFRAUD_FLAG",
    text="Anti-fraud screening flagged the application (shared device or phone, or application velocity)",
    text_zh="反欺诈筛查预警（设备或手机号共用、申请频率异常）",
)
MULTILENDER_FLAG = ReasonCode(
    code="UW_MULTILENDER_FLAG",
    text="The applicant has recently borrowed from or applied to many lenders",
    text_zh="申请人近期存在多头借贷",
)
BLACKLIST_HIT = ReasonCode(
    code="UW_BLACKLIST_HIT",
    text="The applicant is on a blacklist",
    text_zh="申请人命中黑名单",
)
GREYLIST_HIT = ReasonCode(
    code="UW_GREYLIST_HIT",
    text="The applicant is on a watch (grey) list",
    text_zh="申请人命中灰名单（关注名单）",
)
DD_REMOTE = ReasonCode(
    code="UW_DD_REMOTE_REQUIRED",
    text="Remote due diligence (T1) must be completed before a decision",
    text_zh="需完成非现场尽职调查（T1）后方可决策",
)
DD_ONSITE = ReasonCode(
    code="UW_DD_ONSITE_REQUIRED",
    text="On-site due diligence (T2) must be completed before a decision",
    text_zh="需完成现场尽职调查（T2）后方可决策",
)
NO_VIABLE_LIMIT = ReasonCode(
    code="UW_NO_VIABLE_LIMIT",
    text="No limit at or above the product minimum could be granted",
    text_zh="可授信额度低于产品最低额度",
)

APPROVE, REFER, DECLINE = Outcome.APPROVE, Outcome.REFER, Outcome.DECLINE
#: HQ's default matrix, which is also the least strict one a branch may use (it may only tighten).
HQ_BAND = {"A": APPROVE, "B": APPROVE, "C": APPROVE, "D": REFER, "E": DECLINE}
HQ_DD_TIER = {"T0": APPROVE, "T1": APPROVE, "T2": REFER}
HQ_FLAGS = {"antifraud_flag": REFER, "multilender_flag": REFER, "blacklist_hit": DECLINE, "greylist_hit": REFER}


def _not_looser(what: str, chosen: Outcome, hq: Outcome) -> None:
    if chosen.severity < hq.severity:
        raise ValueError(f"{what}: HQ requires at least {hq.value}; a branch may tighten the matrix, not loosen it")


def _at_least(name: str) -> AfterValidator:
    def check(value: Outcome) -> Outcome:
        _not_looser(name, value, HQ_FLAGS[name])
        return value

    return AfterValidator(check)


def _over(hq: dict[str, Outcome], what: str) -> tuple[BeforeValidator, AfterValidator]:
    """A partial table is laid over HQ's; no cell of the result may be looser than HQ's."""

    def merge(value: object) -> object:
        return {**hq, **value} if isinstance(value, dict) else value

    def check(table: dict[str, Outcome]) -> dict[str, Outcome]:
        for key, floor in hq.items():
            _not_looser(f"{what} {key}", table[key], floor)
        return table

    return BeforeValidator(merge), AfterValidator(check)


class DecisionInput(ContractModel):
    score_band: BandText = Field(description="score band from the scorecard: A (best), B, C, D or E")
    antifraud_flag: bool = Field(False, description="anti-fraud pre-screen raised a flag")
    multilender_flag: bool = Field(False, description="multi-lender (多头借贷) pre-screen raised a flag")
    list_hit: ListHitText = Field(
        "none", description="list check: none, blacklist, greylist or whitelist (a whitelist hit changes nothing here)"
    )
    dd_tier: TierText = Field("T0", description="due-diligence tier routed for this application: T0, T1 or T2")
    limit: float = Field(ge=0, description="limit from risk.underwrite.limit, RMB")
    rate: float | None = Field(None, ge=0, le=1, description="annual rate from risk.underwrite.pricing")
    tenor_months: int | None = Field(None, ge=1, le=360)


_BAND_TABLE = _over(HQ_BAND, "band")
_TIER_TABLE = _over(HQ_DD_TIER, "dd_tier")


class MatrixParams(ContractModel):
    """The matrix as data. Each cell may be set only at least as strict as HQ's (checked per
    field, so ``jimu validate`` reports a looser cell); a partial table keeps HQ's other cells."""

    band: Annotated[dict[Band, Outcome], _BAND_TABLE[0], _BAND_TABLE[1]] = Field(
        default_factory=lambda: dict(HQ_BAND),
        description="outcome per score band, each at least HQ's (A-C approve, D refer, E decline); "
        "bands not given keep HQ's",
    )
    antifraud_flag: Annotated[Outcome, _at_least("antifraud_flag")] = Field(
        HQ_FLAGS["antifraud_flag"], description="outcome when anti-fraud flags: refer (HQ) or decline")
    multilender_flag: Annotated[Outcome, _at_least("multilender_flag")] = Field(
        HQ_FLAGS["multilender_flag"], description="outcome when multi-lender flags: refer (HQ) or decline")
    blacklist_hit: Annotated[Outcome, _at_least("blacklist_hit")] = Field(
        HQ_FLAGS["blacklist_hit"], description="outcome on a blacklist hit: decline (HQ, fixed)")
    greylist_hit: Annotated[Outcome, _at_least("greylist_hit")] = Field(
        HQ_FLAGS["greylist_hit"], description="outcome on a grey (watch) list hit: refer (HQ) or decline")
    dd_tier: Annotated[dict[Tier, Outcome], _TIER_TABLE[0], _TIER_TABLE[1]] = Field(
        default_factory=lambda: dict(HQ_DD_TIER),
        description="outcome per due-diligence tier, each at least HQ's (T0, T1 approve; T2 refer); "
        "tiers not given keep HQ's",
    )
    min_offer_amount: float = Field(1_000, ge=0, le=50_000, description="a limit below this is declined, RMB")


class MatrixDecision(ContractModel):
    outcome: Outcome
    reasons: list[str] = Field(default_factory=list, description="codes behind the outcome, most important first")
    matched: list[str] = Field(default_factory=list, description="every matrix cell that fired, as 'cell -> outcome'")
    decision: Decision


@capability(
    id="risk.underwrite.decision",
    version="1.0.0",
    level=4,
    name="Approve / refer / decline matrix",
    name_zh="审批决策矩阵（通过/转人工/拒绝）",
    owner=OWNER,
    lifecycle="production",
    tags=("underwriting", "decision", "policy"),
    reasons=(*SCORE_BAND.values(), ANTIFRAUD_FLAG, MULTILENDER_FLAG, BLACKLIST_HIT, GREYLIST_HIT,
             DD_REMOTE, DD_ONSITE, NO_VIABLE_LIMIT),
    examples=(
        {"input": {"score_band": "B", "limit": 50000, "rate": 0.0435, "tenor_months": 12},
         "output": {"outcome": "approve",
                    "decision": {"outcome": "approve", "offer": {"limit": 50000.0, "rate": 0.0435, "tenor_months": 12}}}},
        {"input": {"score_band": "E", "limit": 50000, "rate": 0.1},
         "output": {"outcome": "decline", "reasons": ["UW_SCORE_BAND_E"]}},
        {"input": {"score_band": "C", "antifraud_flag": True, "dd_tier": "T2", "limit": 80000},
         "output": {"outcome": "refer", "reasons": ["UW_ANTIFRAUD_FLAG", "UW_DD_ONSITE_REQUIRED"]}},
        {"input": {"score_band": "C", "limit": 20000, "rate": 0.05},
         "params": {"band": {"C": "refer"}},
         "output": {"outcome": "refer", "reasons": ["UW_SCORE_BAND_C"]},
         "note": "a branch tightening band C"},
    ),
)
def decision(app: DecisionInput, params: MatrixParams) -> MatrixDecision:
    """Decide from score band × policy flags × due-diligence tier × limit, by a matrix kept as data.

    Every cell that applies is evaluated; the strictest outcome wins (decline > refer >
    approve) and carries the codes of every cell with that outcome, in the order below, so an
    officer sees everything that must be cleared. An approval carries the offer (limit, rate,
    tenor). HQ's default matrix, which a branch may tighten but never loosen (a looser cell is a
    params validation error):

    - blacklist hit → decline ``UW_BLACKLIST_HIT``
    - score band E → decline ``UW_SCORE_BAND_E``
    - limit below ``min_offer_amount`` → decline ``UW_NO_VIABLE_LIMIT``
    - anti-fraud flag → refer ``UW_ANTIFRAUD_FLAG``
    - score band D → refer ``UW_SCORE_BAND_D``
    - grey-list hit → refer ``UW_GREYLIST_HIT``
    - multi-lender flag → refer ``UW_MULTILENDER_FLAG``
    - due diligence T2 (on-site) → refer ``UW_DD_ONSITE_REQUIRED``
    - due diligence T1 → approve (``UW_DD_REMOTE_REQUIRED`` if a branch tightens it)
    - score bands A, B, C → approve (``UW_SCORE_BAND_A``/``B``/``C`` if tightened)

    The limit row is fixed at decline: there is nothing to approve without a limit.
    """
    cells: list[tuple[str, Outcome, ReasonCode]] = []
    if app.list_hit == "blacklist":
        cells.append(("list:blacklist", params.blacklist_hit, BLACKLIST_HIT))
    if app.limit < params.min_offer_amount:
        cells.append(("limit<minimum", DECLINE, NO_VIABLE_LIMIT))
    if app.antifraud_flag:
        cells.append(("antifraud_flag", params.antifraud_flag, ANTIFRAUD_FLAG))
    cells.append((f"band:{app.score_band}", params.band[app.score_band], SCORE_BAND[app.score_band]))
    if app.list_hit == "greylist":
        cells.append(("list:greylist", params.greylist_hit, GREYLIST_HIT))
    if app.multilender_flag:
        cells.append(("multilender_flag", params.multilender_flag, MULTILENDER_FLAG))
    tier_code = {"T1": DD_REMOTE, "T2": DD_ONSITE}.get(app.dd_tier)
    if tier_code is not None:
        cells.append((f"dd_tier:{app.dd_tier}", params.dd_tier[app.dd_tier], tier_code))
    worst = max((outcome for _, outcome, _ in cells), key=lambda o: o.severity, default=APPROVE)
    matched = [f"{cell} -> {outcome.value}" for cell, outcome, _ in cells]
    if worst is APPROVE:
        offer = Offer(limit=app.limit, rate=app.rate, tenor_months=app.tenor_months)
        return MatrixDecision(outcome=APPROVE, matched=matched, decision=Decision.approve(offer))
    reasons = list(dict.fromkeys(code.code for _, outcome, code in cells if outcome is worst))
    made = Decision.decline(*reasons) if worst is DECLINE else Decision.refer(*reasons)
    return MatrixDecision(outcome=worst, reasons=reasons, matched=matched, decision=made)


CAPABILITIES = (dti, clamp, limit, pricing, decision)
