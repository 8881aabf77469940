"""Tiered due diligence (分级尽职调查): how deeply to investigate an application before deciding.

Three tiers, each a checklist that includes the lighter tiers' checks:

- **T0 automated** (自动审批): online checks only;
- **T1 remote** (非现场调查): documents and a video interview, no visit;
- **T2 on-site** (现场调查): two officers visit the home or business (双人实地调查).

``risk.duediligence.route`` is a decision table (a leaf: it uses nothing else). Each rule that
applies sets a *minimum* tier; the deepest wins, and the first rule in table order that asked
for it is reported as the rule that decided. HQ's tiers are the least a branch may use: a branch
may deepen any rule's tier (a lighter one is a validation error) and move the amount thresholds
only within HQ's bounds. Property collateral may lighten by one tier a depth that only the amount
asked for (never risk, fraud or segment) demanded: the registered charge secures the amount.
The German Credit columns that feed it are ``present_employment_since``/``job`` (employment
segment) and ``property`` (collateral), DOMAIN.md §3.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from jimu import ContractModel, capability

OWNER = "hq.risk-platform"

Band = Literal["A", "B", "C", "D", "E"]
Tier = Literal["T0", "T1", "T2"]
# Inputs take constrained strings rather than Literals, so that a product can feed them from a
# plain string (a request field, another step's str output) and still be checked at run time.
BandText = Annotated[str, Field(pattern=r"^[A-E]$")]
TIERS: tuple[str, ...] = ("T0", "T1", "T2")
TIER_NAMES = {
    "T0": ("automated", "自动审批"),
    "T1": ("remote due diligence", "非现场尽职调查"),
    "T2": ("on-site due diligence", "现场尽职调查"),
}

#: The checks each tier adds to the lighter ones ("English / 中文"); segment items follow them.
CHECKLISTS: dict[str, tuple[str, ...]] = {
    "T0": (
        "Identity verified online: resident ID and face match / 线上身份核验：身份证与人脸识别",
        "Credit report pulled from the PBOC Credit Reference Center / 查询人民银行征信报告",
        "Anti-fraud and list screening passed / 反欺诈与名单筛查通过",
        "Disbursement bank card verified / 放款银行卡核验",
    ),
    "T1": (
        "Proof of income: bank statements or payslips for the last 6 months / 收入证明：近6个月银行流水或工资单",
        "Employment confirmed by telephone with the employer / 电话核实工作单位",
        "Existing debts reconciled with the credit report / 核对征信报告所列现有负债",
        "Video interview and remote signing / 视频面谈与远程面签",
    ),
    "T2": (
        "Two officers visit the residence or business premises / 双人实地走访居住地或经营场所",
        "Face-to-face interview and signing / 当面访谈与面签",
        "Original documents checked against the copies / 核验证件及材料原件",
        "Use of funds verified: purpose and counterparties / 核实贷款用途及交易对手",
    ),
}
SEGMENT_CHECKS: dict[str, str] = {
    "self_employed": "Business licence and tax returns for 2 years (self-employed) / 营业执照及近2年纳税证明（个体经营）",
    "unemployed": "Source of repayment other than wages documented / 说明并核实工资以外的还款来源",
    "property": "Property certificate, valuation and charge registration / 不动产权证书、评估报告及抵押登记",
}

#: Rule ids, in table order (the first that asks for the deciding tier is reported), with their text.
RULES: dict[str, tuple[str, str]] = {
    "antifraud_flag": ("Anti-fraud screening raised a flag", "反欺诈筛查预警"),
    "band_A": ("Score band A", "评分等级A"),
    "band_B": ("Score band B", "评分等级B"),
    "band_C": ("Score band C", "评分等级C"),
    "band_D": ("Score band D", "评分等级D"),
    "band_E": ("Score band E", "评分等级E"),
    "unemployed": ("Applicant has no employment income", "申请人无工资性收入"),
    "self_employed": ("Applicant is self-employed: income needs documents", "申请人为个体经营者，收入需材料佐证"),
    "multilender_flag": ("Recent borrowing from many lenders", "近期多头借贷"),
    "greylist_hit": ("Applicant is on a watch (grey) list", "申请人命中灰名单"),
    "amount_t2": ("Amount at or above the on-site threshold", "申请金额达到现场调查门槛"),
    "amount_t1": ("Amount at or above the remote threshold", "申请金额达到非现场调查门槛"),
    "property_collateral": ("Property collateral lightens an amount-driven tier by one", "房产抵押，金额触发的调查等级降低一级"),
    "default": ("No rule asks for more than automated checks", "无规则要求加深调查，自动审批"),
}
_AMOUNT_RULES = frozenset({"amount_t1", "amount_t2"})

HQ_BAND_TIER: dict[str, str] = {"A": "T0", "B": "T0", "C": "T1", "D": "T1", "E": "T2"}
HQ_MIN_TIER: dict[str, str] = {
    "antifraud_tier": "T2",
    "multilender_tier": "T1",
    "greylist_tier": "T1",
    "self_employed_tier": "T1",
    "unemployed_tier": "T2",
}


def _depth(tier: str) -> int:
    return TIERS.index(tier)


class Application(ContractModel):
    score_band: BandText = Field(description="score band from the scorecard: A (best), B, C, D or E")
    amount: float = Field(ge=0, description="amount applied for, RMB")
    antifraud_flag: bool = Field(False, description="anti-fraud pre-screen raised a flag")
    multilender_flag: bool = Field(False, description="multi-lender (多头借贷) pre-screen raised a flag")
    greylist_hit: bool = Field(False, description="the list check hit a watch (grey) list")
    employment: Annotated[str, Field(pattern=r"^(employed|self_employed|unemployed)$")] = Field(
        "employed",
        description="income segment: employed, self_employed or unemployed (German Credit: present_employment_since, job)",
    )
    collateral: Annotated[str, Field(pattern=r"^(none|property|other)$")] = Field(
        "none", description="security offered: none, property or other (German Credit: property; real estate = property)"
    )


def _at_least(name: str) -> AfterValidator:
    def check(value: str) -> str:
        if _depth(value) < _depth(HQ_MIN_TIER[name]):
            raise ValueError(
                f"{name}: HQ requires at least {HQ_MIN_TIER[name]}; a branch may deepen due diligence, not lighten it"
            )
        return value

    return AfterValidator(check)


def _band_table_over_hq(value: object) -> object:
    return {**HQ_BAND_TIER, **value} if isinstance(value, dict) else value


def _band_table_not_lighter(table: dict[str, str]) -> dict[str, str]:
    lighter = [f"{band} {table[band]} < {hq}" for band, hq in HQ_BAND_TIER.items() if _depth(table[band]) < _depth(hq)]
    if lighter:
        raise ValueError(f"band_tier: HQ's tiers are the least a branch may use ({', '.join(lighter)})")
    return table


BandTable = Annotated[dict[Band, Tier], BeforeValidator(_band_table_over_hq), AfterValidator(_band_table_not_lighter)]


class RouteParams(ContractModel):
    """Every HQ rule is a per-field check (``jimu validate`` sees it): tiers only deeper than
    HQ's, thresholds within ranges that meet at 100,000 so the T1 threshold never exceeds T2's."""

    t1_amount: float = Field(50_000, ge=10_000, le=100_000, description="amounts from this up need at least T1, RMB")
    t2_amount: float = Field(200_000, ge=100_000, le=1_000_000, description="amounts from this up need T2, RMB")
    band_tier: BandTable = Field(
        default_factory=lambda: dict(HQ_BAND_TIER),
        description="least tier per score band, each at least HQ's (A, B T0; C, D T1; E T2); bands not given keep HQ's",
    )
    antifraud_tier: Annotated[Tier, _at_least("antifraud_tier")] = Field(
        HQ_MIN_TIER["antifraud_tier"], description="least tier when anti-fraud flags: T2 (HQ, fixed)")
    multilender_tier: Annotated[Tier, _at_least("multilender_tier")] = Field(
        HQ_MIN_TIER["multilender_tier"], description="least tier when multi-lender flags: T1 (HQ) or T2")
    greylist_tier: Annotated[Tier, _at_least("greylist_tier")] = Field(
        HQ_MIN_TIER["greylist_tier"], description="least tier on a grey-list hit: T1 (HQ) or T2")
    self_employed_tier: Annotated[Tier, _at_least("self_employed_tier")] = Field(
        HQ_MIN_TIER["self_employed_tier"], description="least tier for the self-employed: T1 (HQ) or T2")
    unemployed_tier: Annotated[Tier, _at_least("unemployed_tier")] = Field(
        HQ_MIN_TIER["unemployed_tier"], description="least tier without employment income: T2 (HQ, fixed)")
    property_lightens: bool = Field(True, description="property collateral may lighten an amount-driven tier by one")


class Route(ContractModel):
    tier: Tier
    tier_name: str
    tier_name_zh: str
    rule: str = Field(description="id of the rule that decided the tier (see RULES)")
    rule_text: str
    rule_text_zh: str
    rules_fired: list[str] = Field(default_factory=list, description="every rule that applied, as 'rule -> tier'")
    checklist: list[str] = Field(description="checks and documents for the tier, 'English / 中文'")


@capability(
    id="risk.duediligence.route",
    version="1.0.0",
    level=4,
    name="Due-diligence tier routing",
    name_zh="尽职调查分级路由",
    owner=OWNER,
    lifecycle="production",
    tags=("preloan", "due diligence", "decision table"),
    examples=(
        {"input": {"score_band": "A", "amount": 20000},
         "output": {"tier": "T0", "rule": "default", "rules_fired": []}},
        {"input": {"score_band": "B", "amount": 80000, "employment": "self_employed"},
         "output": {"tier": "T1", "rule": "self_employed", "rules_fired": ["self_employed -> T1", "amount_t1 -> T1"]}},
        {"input": {"score_band": "B", "amount": 250000, "collateral": "property"},
         "output": {"tier": "T1", "rule": "property_collateral"}},
        {"input": {"score_band": "C", "amount": 30000, "antifraud_flag": True},
         "output": {"tier": "T2", "rule": "antifraud_flag", "tier_name": "on-site due diligence"}},
    ),
)
def route(app: Application, params: RouteParams) -> Route:
    """Route an application to T0 automated, T1 remote or T2 on-site due diligence.

    Deeper investigation costs officer time, so it goes where risk or exposure calls for it:
    a weak score band, an anti-fraud, multi-lender or grey-list flag, income that needs
    documents (self-employed) or is not wages (unemployed), or a large amount. Each applicable
    rule sets a least tier; the deepest wins. HQ's default table:

    - anti-fraud flag → T2 (``antifraud_tier``)
    - score band A, B → T0; C, D → T1; E → T2 (``band_tier``)
    - unemployed → T2 (``unemployed_tier``); self-employed → T1 (``self_employed_tier``)
    - multi-lender flag → T1 (``multilender_tier``); grey-list hit → T1 (``greylist_tier``)
    - amount ≥ 200,000 → T2 (``t2_amount``); amount ≥ 50,000 → T1 (``t1_amount``)
    - nothing above → T0 (rule ``default``)

    Property collateral lightens the result by one tier when every rule at that depth is an
    amount rule (``property_lightens``). The checklist is the tier's checks plus those of the
    lighter tiers, then segment items (self-employed, unemployed, property).
    """
    fired: list[tuple[str, str]] = []
    if app.antifraud_flag:
        fired.append(("antifraud_flag", params.antifraud_tier))
    fired.append((f"band_{app.score_band}", params.band_tier[app.score_band]))
    if app.employment == "unemployed":
        fired.append(("unemployed", params.unemployed_tier))
    if app.employment == "self_employed":
        fired.append(("self_employed", params.self_employed_tier))
    if app.multilender_flag:
        fired.append(("multilender_flag", params.multilender_tier))
    if app.greylist_hit:
        fired.append(("greylist_hit", params.greylist_tier))
    if app.amount >= params.t2_amount:
        fired.append(("amount_t2", "T2"))
    elif app.amount >= params.t1_amount:
        fired.append(("amount_t1", "T1"))
    fired = [(rule, tier) for rule, tier in fired if tier != "T0"]  # a T0 rule asks for nothing

    tier = max((t for _, t in fired), key=_depth, default="T0")
    deciding = [rule for rule, t in fired if t == tier]
    rule = deciding[0] if deciding else "default"
    if (app.collateral == "property" and params.property_lightens and deciding
            and all(r in _AMOUNT_RULES for r in deciding)):
        tier, rule = TIERS[_depth(tier) - 1], "property_collateral"

    checklist = [item for t in TIERS[: _depth(tier) + 1] for item in CHECKLISTS[t]]
    checklist += [SEGMENT_CHECKS[s] for s in (app.employment, app.collateral) if s in SEGMENT_CHECKS]
    name, name_zh = TIER_NAMES[tier]
    text, text_zh = RULES[rule]
    return Route(
        tier=tier,
        tier_name=name,
        tier_name_zh=name_zh,
        rule=rule,
        rule_text=text,
        rule_text_zh=text_zh,
        rules_fired=[f"{r} -> {t}" for r, t in fired],
        checklist=checklist,
    )


CAPABILITIES = (route,)
