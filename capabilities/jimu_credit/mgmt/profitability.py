"""Risk-adjusted profitability per exposure (DOMAIN.md §2.10), and its management views.

Two pure L5 steps and three L4 tasks:

- ``mgmt.step.el``: expected loss, EL = PD × LGD × EAD;
- ``mgmt.step.irb_capital``: the Basel II IRB retail capital requirement K (other retail,
  qualifying revolving, residential mortgage), RWA = 12.5·K·EAD and economic capital proxied
  by K·EAD;
- ``mgmt.profitability.raroc``: RAROC = (revenue − FTP funding cost − opex − EL) / EC, with an
  optional return on capital (the "capital benefit") some banks add to the numerator;
- ``mgmt.profitability.eva``: EVA = NOPAT − hurdle × EC, NOPAT = (revenue − costs − EL)·(1 − tax);
- ``mgmt.views.by_dimension`` (kind ``aggregate``): a population of per-exposure results
  grouped by branch, product, region or customer, every ratio re-derived from the group's
  summed numerator and denominator, never averaged.

N() and G() (the standard normal distribution and its inverse) come from the standard
library's ``statistics.NormalDist``, so running these needs no scipy. Money amounts are not
rounded here: management figures are summed over populations, and rounding each exposure
first would bias the sums. Round when presenting.

HQ owns every bound below (the PD floor, the tax, hurdle and capital-benefit rates): a value
outside is a params validation error, never a silent clamp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Annotated, Literal

from pydantic import Field

from jimu import ContractModel, ReasonCode, capability

OWNER = "hq.finance-analytics"
EL = "mgmt.step.el"
IRB = "mgmt.step.irb_capital"

_N = NormalDist()  # standard normal: N = _N.cdf, G = _N.inv_cdf
#: The IRB confidence level in the risk-weight function's G(0.999): capital covers losses to the 99.9th percentile.
CONFIDENCE = 0.999
_G_CONFIDENCE = _N.inv_cdf(CONFIDENCE)  # 3.090232306167813
#: Basel II ¶331 [secondary source, not in DOMAIN.md]: a retail PD is at least 0.03 % (3 bp).
BASEL_RETAIL_PD_FLOOR = 0.0003

# Inputs take a constrained string rather than a Literal, so that a product can feed the
# segment from a plain string (a request field, another step's output) and still be checked.
SegmentText = Annotated[str, Field(pattern=r"^(other_retail|qrre|mortgage)$")]
SEGMENT_DESCRIPTION = (
    "Basel retail segment: other_retail (correlation 3 %-16 % by PD), qrre (qualifying revolving, "
    "e.g. credit cards: 4 %) or mortgage (residential: 15 %)"
)
#: Fixed asset correlations (Basel II ¶328 mortgage, ¶329 QRRE); other retail is PD-dependent (¶330).
FIXED_CORRELATION = {"qrre": 0.04, "mortgage": 0.15}


def _pd_floor_field() -> float:
    return Field(
        BASEL_RETAIL_PD_FLOOR, ge=BASEL_RETAIL_PD_FLOOR, le=0.01,
        description=(
            "lowest PD used for capital and EL (Basel II ¶331: 0.03 %). HQ range 0.03 %-1 %: a bank "
            "may raise it (the Basel III reforms use 0.05 %, 0.10 % for revolving QRRE [unverified]), "
            "never lower it"
        ),
    )


# -- mgmt.step.el ------------------------------------------------------------------------------


class ElInput(ContractModel):
    pd: float = Field(ge=0, le=1, description="one-year probability of default, a fraction (0.02 = 2 %)")
    lgd: float = Field(ge=0, le=1, description="loss given default, a fraction of EAD")
    ead: float = Field(ge=0, description="exposure at default, RMB")


class ExpectedLoss(ContractModel):
    el: float = Field(description="expected loss PD × LGD × EAD, RMB")
    el_rate: float = Field(description="EL as a share of EAD, PD × LGD (Basel's EL%)")


@capability(
    id=EL,
    version="1.0.0",
    level=5,
    name="Expected loss (PD × LGD × EAD)",
    name_zh="预期损失（违约概率×违约损失率×违约风险暴露）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("capital", "expected loss", "IRB"),
    examples=(
        {"input": {"pd": 0.02, "lgd": 0.45, "ead": 100000}, "output": {"el": 900.0, "el_rate": 0.009},
         "note": "DOMAIN.md §2.10 test vector"},
        {"input": {"pd": 0.05, "lgd": 0.6, "ead": 250000}, "output": {"el": 7500.0, "el_rate": 0.03}},
        {"input": {"pd": 1, "lgd": 0.45, "ead": 100000}, "output": {"el": 45000.0, "el_rate": 0.45},
         "note": "a defaulted exposure: the whole loss given default is expected"},
    ),
)
def expected_loss(inp: ElInput) -> ExpectedLoss:
    """Expected loss: EL = PD × LGD × EAD, and EL% = PD × LGD (DOMAIN.md §2.10).

    The Basel IRB definition of expected loss (EL% = PD × LGD; the suade.org FIRE data standard's
    ``el_irb``; the ACT wiki) [secondary sources]: the one-year default probability times the
    share of the exposure lost in default times the exposure at default. The step takes the PD
    as given; a caller applying the regulatory PD floor (as the RAROC and EVA tasks do) passes
    the floored PD, so expected loss and capital rest on the same PD. EL is linear in EAD and
    zero for a zero exposure.
    """
    rate = inp.pd * inp.lgd
    return ExpectedLoss(el=rate * inp.ead, el_rate=rate)


# -- mgmt.step.irb_capital ---------------------------------------------------------------------


class IrbInput(ContractModel):
    pd: float = Field(ge=0, le=1, description="one-year probability of default before the floor, a fraction")
    lgd: float = Field(ge=0, le=1, description="loss given default, a fraction of EAD")
    ead: float = Field(ge=0, description="exposure at default, RMB")
    segment: SegmentText = Field("other_retail", description=SEGMENT_DESCRIPTION)


class IrbParams(ContractModel):
    pd_floor: float = _pd_floor_field()


class IrbCapital(ContractModel):
    pd_used: float = Field(description="the PD the formula used: max(pd, pd_floor)")
    pd_floored: bool = Field(description="the input PD was below the floor and was raised to it")
    r: float = Field(description="asset correlation R for the segment")
    k: float = Field(description="capital requirement K per unit of EAD (unexpected loss at 99.9 %)")
    rwa: float = Field(description="risk-weighted assets 12.5 × K × EAD, RMB")
    ec: float = Field(description="economic capital, proxied by K × EAD, RMB")


def correlation(segment: str, pd: float) -> float:
    """Basel II ¶328-330: R = 0.15 (mortgage), 0.04 (QRRE), or for other retail
    0.03·w + 0.16·(1 − w) with w = (1 − e^(−35·PD)) / (1 − e^(−35))."""
    if segment in FIXED_CORRELATION:
        return FIXED_CORRELATION[segment]
    w = -math.expm1(-35 * pd) / -math.expm1(-35)
    return 0.03 * w + 0.16 * (1 - w)


def capital_k(pd: float, lgd: float, r: float) -> float:
    """K = LGD·N[(G(PD) + √R·G(0.999)) / √(1 − R)] − PD·LGD, for 0 < PD; K = 0 at PD = 1.

    At PD = 1 G(PD) is infinite and the formula's limit is LGD·1 − 1·LGD = 0: a defaulted
    exposure's whole loss is expected, none is left unexpected. The result is held at or above
    zero so rounding can never report negative capital.
    """
    if pd >= 1:
        return 0.0
    conditional_pd = _N.cdf((_N.inv_cdf(pd) + math.sqrt(r) * _G_CONFIDENCE) / math.sqrt(1 - r))
    return max(0.0, lgd * (conditional_pd - pd))


@capability(
    id=IRB,
    version="1.0.0",
    level=5,
    name="Basel IRB retail capital (K, RWA, economic capital)",
    name_zh="内部评级法零售风险暴露资本要求（K、风险加权资产、经济资本）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("capital", "IRB", "Basel", "RWA"),
    examples=(
        {"input": {"pd": 0.02, "lgd": 0.45, "ead": 100000, "segment": "other_retail"},
         "output": {"r": 0.09456, "k": 0.04639, "rwa": 57986.44, "ec": 4638.92, "pd_floored": False},
         "note": "DOMAIN.md §2.10 test vector"},
        {"input": {"pd": 0.02, "lgd": 0.45, "ead": 100000, "segment": "qrre"},
         "output": {"r": 0.04, "k": 0.02314, "ec": 2313.83}, "note": "DOMAIN.md §2.10: QRRE K"},
        {"input": {"pd": 0.02, "lgd": 0.45, "ead": 100000, "segment": "mortgage"},
         "output": {"r": 0.15, "k": 0.07035, "ec": 7034.80}, "note": "DOMAIN.md §2.10: mortgage K"},
        {"input": {"pd": 0.0001, "lgd": 0.45, "ead": 100000},
         "output": {"pd_used": 0.0003, "pd_floored": True, "k": 0.00356, "ec": 356.09},
         "note": "a PD under the Basel retail floor is raised to 0.03 %"},
        {"input": {"pd": 1, "lgd": 0.45, "ead": 100000},
         "output": {"k": 0.0, "rwa": 0.0, "ec": 0.0}, "note": "defaulted: all loss is expected, none unexpected"},
    ),
)
def irb_capital(inp: IrbInput, params: IrbParams) -> IrbCapital:
    """Basel II IRB capital for a retail exposure: K, RWA = 12.5·K·EAD, and EC proxied by K·EAD.

    The Basel II retail risk-weight function (¶328-330; CRR Art. 154) [secondary source; the
    DOMAIN.md §2.10 vectors computed and verified]: with N the standard normal distribution and
    G its inverse, K = LGD·N[(G(PD) + √R·G(0.999)) / √(1 − R)] − PD·LGD, the loss at the 99.9th
    percentile of the one-factor (Vasicek) model less the expected loss. The asset correlation
    R is 0.15 for residential mortgages, 0.04 for qualifying revolving retail (QRRE), and for
    other retail 0.03·w + 0.16·(1 − w) with w = (1 − e^(−35·PD)) / (1 − e^(−35)), falling from
    16 % towards 3 % as PD rises. Retail has no maturity adjustment. RWA = 12.5·K·EAD (12.5 is
    1/8 %); economic capital is proxied by K·EAD, the unexpected loss the bank holds capital for.

    The PD is first raised to the retail floor (Basel II ¶331: 0.03 %; a param HQ bounds from
    0.03 % to 1 %), so G(0) is never taken. A PD of 1 (a defaulted exposure) gives K = 0: the
    formula's limit, all of the loss being expected (Basel's K = max(0, LGD − best-estimate EL)
    for defaulted assets needs a best estimate this contract does not carry).
    """
    pd = max(inp.pd, params.pd_floor)
    r = correlation(inp.segment, pd)
    k = capital_k(pd, inp.lgd, r)
    return IrbCapital(
        pd_used=pd, pd_floored=inp.pd < params.pd_floor, r=r, k=k, rwa=12.5 * k * inp.ead, ec=k * inp.ead
    )


# -- shared by the RAROC and EVA tasks ---------------------------------------------------------


class Exposure(ContractModel):
    """One exposure's risk and pricing: what both RAROC and EVA are computed from."""

    ead: float = Field(ge=0, description="exposure at default, RMB (the balance the rates apply to)")
    pd: float = Field(ge=0, le=1, description="one-year probability of default, a fraction")
    lgd: float = Field(ge=0, le=1, description="loss given default, a fraction of EAD")
    segment: SegmentText = Field("other_retail", description=SEGMENT_DESCRIPTION)
    rate: float = Field(ge=0, le=1, description="annual customer rate, e.g. 0.06; revenue = rate × EAD")
    ftp_rate: float = Field(
        ge=0, le=1, description="annual funds-transfer-pricing rate charged by treasury; funding cost = ftp_rate × EAD"
    )
    opex_rate: float = Field(
        ge=0, le=1, description="annual operating cost allocated to the exposure, a share of EAD; opex = opex_rate × EAD"
    )


class _Economics:
    """The figures both tasks start from: capital and EL from the steps, the P&L from the rates."""

    __slots__ = ("capital", "el", "revenue", "funding_cost", "opex")

    def __init__(self, exposure: Exposure, pd_floor: float, ctx) -> None:
        self.capital = ctx.use(IRB)(
            {"pd": exposure.pd, "lgd": exposure.lgd, "ead": exposure.ead, "segment": exposure.segment},
            {"pd_floor": pd_floor},
        )
        # EL on the floored PD, so expected loss and capital rest on the same PD
        self.el = ctx.use(EL)({"pd": self.capital.pd_used, "lgd": exposure.lgd, "ead": exposure.ead}).el
        self.revenue = exposure.rate * exposure.ead
        self.funding_cost = exposure.ftp_rate * exposure.ead
        self.opex = exposure.opex_rate * exposure.ead

    @property
    def costs(self) -> float:
        return self.funding_cost + self.opex

    @property
    def pre_tax_profit(self) -> float:
        """Revenue − FTP funding cost − opex − EL: the risk-adjusted return before tax."""
        return self.revenue - self.funding_cost - self.opex - self.el

    def fields(self) -> dict[str, float]:
        """The output fields RAROC and EVA share."""
        return {
            "revenue": self.revenue, "funding_cost": self.funding_cost, "opex": self.opex, "costs": self.costs,
            "el": self.el, "pd_used": self.capital.pd_used, "k": self.capital.k, "rwa": self.capital.rwa,
            "ec": self.capital.ec,
        }


_USES = (f"{EL}~=1.0", f"{IRB}~=1.0")

# -- mgmt.profitability.raroc ------------------------------------------------------------------

NO_CAPITAL = ReasonCode(
    code="MGMT_RAROC_NO_CAPITAL",
    text="RAROC is undefined: the exposure needs no economic capital (EAD 0, LGD 0 or PD 1)",
    text_zh="风险调整资本回报率无定义：该风险暴露经济资本为零（违约风险暴露为0、违约损失率为0或违约概率为1）",
)


class RarocParams(ContractModel):
    pd_floor: float = _pd_floor_field()
    capital_benefit: bool = Field(
        False, description="add a return on the capital held (capital_benefit_rate × EC) to the numerator"
    )
    capital_benefit_rate: float = Field(
        0.025, ge=0, le=0.10,
        description="annual return credited on economic capital when capital_benefit is on (e.g. a risk-free rate)",
    )


class Raroc(ContractModel):
    revenue: float = Field(description="rate × EAD, RMB/year")
    funding_cost: float = Field(description="FTP rate × EAD, RMB/year")
    opex: float = Field(description="opex rate × EAD, RMB/year")
    costs: float = Field(description="funding cost + opex, RMB/year")
    el: float = Field(description="expected loss PD × LGD × EAD on the floored PD, RMB/year")
    pd_used: float = Field(description="PD after the floor, used for both EL and capital")
    k: float = Field(description="IRB capital requirement per unit of EAD")
    rwa: float = Field(description="risk-weighted assets 12.5 × K × EAD, RMB")
    ec: float = Field(description="economic capital K × EAD, RMB")
    capital_benefit: float = Field(description="capital_benefit_rate × EC when the flag is on, else 0, RMB/year")
    risk_adjusted_return: float = Field(
        description="revenue − funding cost − opex − EL (+ capital benefit): the RAROC numerator, RMB/year"
    )
    raroc: float | None = Field(
        description="risk_adjusted_return / EC, a fraction (0.2371 = 23.71 %); None when EC is 0 (see reasons)"
    )
    reasons: list[str] = Field(default_factory=list, description="MGMT_RAROC_NO_CAPITAL when RAROC is undefined")


_VECTOR = {"ead": 100000, "pd": 0.02, "lgd": 0.45, "segment": "other_retail",
           "rate": 0.06, "ftp_rate": 0.025, "opex_rate": 0.015}


@capability(
    id="mgmt.profitability.raroc",
    version="1.0.0",
    level=4,
    name="Risk-adjusted return on capital (RAROC) per exposure",
    name_zh="单笔风险暴露风险调整资本回报率（RAROC）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("profitability", "RAROC", "capital"),
    uses=_USES,
    reasons=(NO_CAPITAL,),
    examples=(
        {"input": _VECTOR,
         "output": {"revenue": 6000.0, "funding_cost": 2500.0, "opex": 1500.0, "el": 900.0, "ec": 4638.92,
                    "risk_adjusted_return": 1100.0, "raroc": 0.2371, "reasons": []},
         "note": "DOMAIN.md §2.10 test vector: 1,100 / 4,638.92 = 23.71 %"},
        {"input": _VECTOR, "params": {"capital_benefit": True, "capital_benefit_rate": 0.03},
         "output": {"capital_benefit": 139.17, "risk_adjusted_return": 1239.17, "raroc": 0.2671},
         "note": "with a 3 % return credited on the capital held"},
        {"input": {**_VECTOR, "pd": 1},
         "output": {"el": 45000.0, "ec": 0.0, "raroc": None, "reasons": ["MGMT_RAROC_NO_CAPITAL"]},
         "note": "a defaulted exposure holds no unexpected-loss capital: RAROC is undefined"},
    ),
)
def raroc(exposure: Exposure, params: RarocParams, ctx) -> Raroc:
    """RAROC = (revenue − FTP funding cost − opex − EL) / EC for one exposure (DOMAIN.md §2.10).

    Expected return over economic capital (Wikipedia "RAROC"; Open Risk Manual) [secondary
    sources]: revenue = rate × EAD, the funding cost = FTP rate × EAD (the treasury's transfer
    price), opex = opex rate × EAD, EL from ``mgmt.step.el`` and EC = K × EAD from
    ``mgmt.step.irb_capital`` (Basel IRB retail at 99.9 %), both on the PD after the retail
    floor. Some banks also credit the return earned by investing the capital itself (the
    "capital benefit", investorwords): with ``capital_benefit`` on, capital_benefit_rate × EC is
    added to the numerator; it is off by default, matching the DOMAIN.md vector.

    When EC is 0 (EAD 0, LGD 0, or PD 1 so that all loss is expected) a return on no capital is
    undefined: RAROC is None, with reason ``MGMT_RAROC_NO_CAPITAL``, never an infinity or a NaN.
    The numerator and EC are still reported, so a management view can sum them.
    """
    econ = _Economics(exposure, params.pd_floor, ctx)
    ec = econ.capital.ec
    benefit = params.capital_benefit_rate * ec if params.capital_benefit else 0.0
    numerator = econ.pre_tax_profit + benefit
    undefined = ec <= 0
    return Raroc(
        **econ.fields(),
        capital_benefit=benefit,
        risk_adjusted_return=numerator,
        raroc=None if undefined else numerator / ec,
        reasons=[NO_CAPITAL.code] if undefined else [],
    )


# -- mgmt.profitability.eva --------------------------------------------------------------------


class EvaParams(ContractModel):
    pd_floor: float = _pd_floor_field()
    tax_rate: float = Field(
        0.25, ge=0, le=0.5,
        description="income tax rate on the pre-tax risk-adjusted profit (PRC enterprise income tax: 25 %)",
    )
    hurdle_rate: float = Field(
        0.12, ge=0.05, le=0.30, description="cost of capital charged on EC (HQ's hurdle rate), a fraction per year"
    )


class Eva(ContractModel):
    revenue: float = Field(description="rate × EAD, RMB/year")
    funding_cost: float = Field(description="FTP rate × EAD, RMB/year")
    opex: float = Field(description="opex rate × EAD, RMB/year")
    costs: float = Field(description="funding cost + opex, RMB/year")
    el: float = Field(description="expected loss on the floored PD, RMB/year")
    pd_used: float = Field(description="PD after the floor, used for both EL and capital")
    k: float = Field(description="IRB capital requirement per unit of EAD")
    rwa: float = Field(description="risk-weighted assets 12.5 × K × EAD, RMB")
    ec: float = Field(description="economic capital K × EAD, RMB")
    pre_tax_profit: float = Field(description="revenue − costs − EL, RMB/year")
    tax: float = Field(description="tax_rate × pre-tax profit (negative, a credit, on a loss), RMB/year")
    nopat: float = Field(description="net operating profit after tax, (revenue − costs − EL)·(1 − tax), RMB/year")
    capital_charge: float = Field(description="hurdle_rate × EC, RMB/year")
    eva: float = Field(description="NOPAT − capital charge, RMB/year: positive creates value above the hurdle")


@capability(
    id="mgmt.profitability.eva",
    version="1.0.0",
    level=4,
    name="Economic value added (EVA) per exposure",
    name_zh="单笔风险暴露经济增加值（EVA）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("profitability", "EVA", "capital"),
    uses=_USES,
    examples=(
        {"input": _VECTOR,
         "output": {"pre_tax_profit": 1100.0, "nopat": 825.0, "ec": 4638.92, "capital_charge": 556.67,
                    "eva": 268.33},
         "note": "DOMAIN.md §2.10 test vector: 825 − 12 % × 4,638.92 = 268.33"},
        {"input": {**_VECTOR, "rate": 0.045},
         "output": {"pre_tax_profit": -400.0, "nopat": -300.0, "capital_charge": 556.67, "eva": -856.67},
         "note": "priced below cost + EL: value destroyed"},
        {"input": _VECTOR, "params": {"hurdle_rate": 0.15, "tax_rate": 0.15},
         "output": {"nopat": 935.0, "capital_charge": 695.84, "eva": 239.16}},
    ),
)
def eva(exposure: Exposure, params: EvaParams, ctx) -> Eva:
    """EVA = NOPAT − hurdle × EC for one exposure (DOMAIN.md §2.10).

    Economic value added is profit after tax less a charge for the capital employed (eva.com,
    Stern Value Management) [secondary source]; for a bank the capital is the economic capital
    and the rate the hurdle rate (BBVA glossary). NOPAT = (revenue − FTP funding cost − opex −
    EL)·(1 − tax), with revenue, funding and opex the annual rates times EAD, EL from
    ``mgmt.step.el`` and EC = K × EAD from ``mgmt.step.irb_capital``, both on the floored PD.
    Tax applies symmetrically: a loss earns a tax credit (the management-accounting convention
    that the group's other profits absorb it). With EC = 0 there is no capital charge and EVA
    equals NOPAT. The tax and hurdle rates are HQ's params, bounded (tax 0-50 %, hurdle 5-30 %).
    """
    econ = _Economics(exposure, params.pd_floor, ctx)
    profit = econ.pre_tax_profit
    tax = params.tax_rate * profit
    nopat = profit - tax
    charge = params.hurdle_rate * econ.capital.ec
    return Eva(
        **econ.fields(),
        pre_tax_profit=profit,
        tax=tax,
        nopat=nopat,
        capital_charge=charge,
        eva=nopat - charge,
    )


# -- mgmt.views.by_dimension -------------------------------------------------------------------

Dimension = Literal["branch", "product", "region", "customer"]
DimensionText = Annotated[str, Field(min_length=1)]


class ExposureRow(ContractModel):
    """One exposure's results (from ``mgmt.profitability.raroc`` and ``.eva``) and its dimensions."""

    exposure_id: str | None = Field(None, description="the exposure's id, for tracing; not used in the sums")
    branch: DimensionText = Field(description="booking branch code")
    product: DimensionText = Field(description="product code")
    region: DimensionText = Field(description="region code")
    customer: DimensionText = Field(description="customer id")
    ead: float = Field(ge=0, description="exposure at default, RMB")
    el: float = Field(ge=0, description="expected loss, RMB/year")
    ec: float = Field(ge=0, description="economic capital, RMB")
    revenue: float = Field(ge=0, description="interest revenue, RMB/year")
    costs: float = Field(ge=0, description="FTP funding cost + opex, RMB/year (EL excluded)")
    nopat: float = Field(description="net operating profit after tax, RMB/year")
    eva: float = Field(description="economic value added, RMB/year")


class ExposurePopulation(ContractModel):
    rows: list[ExposureRow] = Field(description="every exposure in the population, one row each")


class ViewParams(ContractModel):
    dimension: Dimension = Field("branch", description="what to group by: branch, product, region or customer")


class Measures(ContractModel):
    exposures: int = Field(description="number of exposures summed")
    ead: float = Field(description="ΣEAD, RMB")
    el: float = Field(description="ΣEL, RMB/year")
    ec: float = Field(description="ΣEC, RMB")
    revenue: float = Field(description="Σrevenue, RMB/year")
    costs: float = Field(description="Σcosts (funding + opex), RMB/year")
    risk_adjusted_return: float = Field(description="Σ(revenue − costs − EL), RMB/year: the RAROC numerator")
    nopat: float = Field(description="ΣNOPAT, RMB/year")
    eva: float = Field(description="ΣEVA, RMB/year")
    raroc: float | None = Field(
        description="Σ(revenue − costs − EL) / ΣEC, the ratio of the sums (never a mean of RAROCs); None when ΣEC = 0"
    )
    el_rate: float | None = Field(description="ΣEL / ΣEAD; None when ΣEAD = 0")
    ec_rate: float | None = Field(description="ΣEC / ΣEAD, capital per unit of exposure; None when ΣEAD = 0")


class Group(Measures):
    key: str = Field(description="the dimension's value shared by the group")


class DimensionView(ContractModel):
    dimension: Dimension
    groups: list[Group] = Field(description="one row per value of the dimension, in ascending key order")
    total: Measures = Field(description="the whole population, computed the same way")


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _measures(rows: Sequence[ExposureRow]) -> dict[str, object]:
    ead = math.fsum(r.ead for r in rows)
    el = math.fsum(r.el for r in rows)
    ec = math.fsum(r.ec for r in rows)
    revenue = math.fsum(r.revenue for r in rows)
    costs = math.fsum(r.costs for r in rows)
    numerator = math.fsum([*(r.revenue for r in rows), *(-r.costs for r in rows), *(-r.el for r in rows)])
    return {
        "exposures": len(rows),
        "ead": ead,
        "el": el,
        "ec": ec,
        "revenue": revenue,
        "costs": costs,
        "risk_adjusted_return": numerator,
        "nopat": math.fsum(r.nopat for r in rows),
        "eva": math.fsum(r.eva for r in rows),
        "raroc": _ratio(numerator, ec),
        "el_rate": _ratio(el, ead),
        "ec_rate": _ratio(ec, ead),
    }


_ROW = {"branch": "BJ01", "product": "consumer", "region": "110000", "customer": "C1"}


@capability(
    id="mgmt.views.by_dimension",
    version="1.0.0",
    level=4,
    kind="aggregate",
    name="Profitability by branch, product, region or customer",
    name_zh="按机构、产品、地区或客户汇总的经营绩效视图",
    owner=OWNER,
    lifecycle="experimental",
    tags=("profitability", "RAROC", "EVA", "management view"),
    examples=(
        {"input": {"rows": [
            {**_ROW, "ead": 100000, "el": 900, "ec": 100, "revenue": 6000, "costs": 5050, "nopat": 37.5, "eva": 25.5},
            {**_ROW, "customer": "C2", "ead": 100000, "el": 900, "ec": 10000, "revenue": 6000, "costs": 4600,
             "nopat": 375, "eva": -825},
        ]},
         "output": {"groups": [{"key": "BJ01", "exposures": 2, "ec": 10100.0, "risk_adjusted_return": 550.0,
                                "raroc": 0.0545, "eva": -799.5}]},
         "note": "RAROCs 50 % and 5 %: the group's is 550 / 10,100 = 5.45 %, not their mean 27.5 %"},
        {"input": {"rows": [
            {**_ROW, "ead": 100000, "el": 900, "ec": 100, "revenue": 6000, "costs": 5050, "nopat": 37.5, "eva": 25.5},
            {**_ROW, "customer": "C2", "ead": 100000, "el": 900, "ec": 10000, "revenue": 6000, "costs": 4600,
             "nopat": 375, "eva": -825},
        ]},
         "params": {"dimension": "customer"},
         "output": {"groups": [{"key": "C1", "raroc": 0.5}, {"key": "C2", "raroc": 0.05}],
                    "total": {"exposures": 2, "raroc": 0.0545}}},
    ),
)
def by_dimension(population: ExposurePopulation, params: ViewParams) -> DimensionView:
    """Sum per-exposure results by one dimension and re-derive every ratio from the sums.

    The management view of DOMAIN.md §1 (``mgmt.views``): a whole population in (kind
    ``aggregate``: one global stage), one row per branch, product, region or customer out,
    plus the population total. Measures (EAD, EL, EC, revenue, costs, NOPAT, EVA) are summed
    (``math.fsum``, exactly rounded). Ratios are never averaged: a group's RAROC is
    Σ(revenue − costs − EL) / ΣEC, its EL rate ΣEL / ΣEAD and its capital rate ΣEC / ΣEAD, so a
    large, capital-hungry exposure weighs as much as its capital says; the mean of the
    exposures' RAROCs would let a tiny exposure with a high ratio swamp it. A ratio over a zero
    denominator is None. The RAROC here carries no capital benefit; EVA is summed as given.
    """
    groups: dict[str, list[ExposureRow]] = {}
    for row in population.rows:
        groups.setdefault(getattr(row, params.dimension), []).append(row)
    return DimensionView(
        dimension=params.dimension,
        groups=[Group(key=key, **_measures(rows)) for key, rows in sorted(groups.items())],
        total=Measures(**_measures(population.rows)),
    )


CAPABILITIES = (expected_loss, irb_capital, raroc, eva, by_dimension)
