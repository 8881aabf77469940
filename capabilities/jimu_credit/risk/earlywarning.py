"""Intelligent early warning and actions (智能预警与处置): signals, collection, limit adjustment.

Three L4 tasks on top of post-loan monitoring (``risk.monitor``, DOMAIN.md §1, §2.7, §2.8):

- ``risk.earlywarning.signals``: overdue, deposit-balance drop, turnover drop, external negative
  events and score drift → signals, each with a severity (info / warn / critical), and the
  overall severity; the DPD is bucketed by ``risk.step.dpd_bucket``;
- ``risk.earlywarning.collection``: the collection strategy (none, SMS, call, field visit,
  legal) from the bucket, the balance and a behaviour score, by a decision table kept as params;
- ``risk.earlywarning.limitadjust``: a dynamic limit increase, decrease or freeze from the
  signals, a new score and income, inside HQ's caps, with affordability from ``risk.step.dti``
  and the caps applied by ``risk.step.clamp``.

Every threshold is a parameter inside HQ's bounds; a value outside them, or thresholds out of
order (a warning above its critical level), is a params validation error, never a silent clamp.
The defaults are HQ conventions, not regulatory figures: none is verified in DOMAIN.md, so the
tasks are published as experimental until HQ's risk committee confirms them. Score thresholds are
on the scale of HQ's scorecard (``risk.prescreen.scorecard``: 600 points at odds 50:1, 20 points
to double the odds; band A from 580, band E below 490).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from jimu import ContractModel, Decision, Offer, ReasonCode, capability

from .monitor import BUCKETS, DPD_BUCKET, Bucket, BucketEdges, BucketText
from .underwrite import CLAMP, DTI

OWNER = "hq.risk-platform"

Severity = Literal["info", "warn", "critical"]
Overall = Literal["none", "info", "warn", "critical"]
SEVERITY_RANK = {"none": 0, "info": 1, "warn": 2, "critical": 3}
SeverityText = Annotated[str, Field(pattern=r"^(none|info|warn|critical)$")]


def _worst(severities: list[str]) -> str:
    return max(severities, key=SEVERITY_RANK.__getitem__, default="none")


# -- risk.earlywarning.signals -----------------------------------------------------------------

OVERDUE = ReasonCode(
    code="EW_OVERDUE",
    text="The loan is past due (delinquency bucket M1 or worse)",
    text_zh="贷款已逾期（账龄M1及以上）",
)
BALANCE_DROP = ReasonCode(
    code="EW_BALANCE_DROP",
    text="Average deposit balance has fallen sharply against its baseline",
    text_zh="存款日均余额较基期大幅下降",
)
TURNOVER_DROP = ReasonCode(
    code="EW_TURNOVER_DROP",
    text="Account turnover (credits) has fallen sharply against its baseline",
    text_zh="账户流水（入账金额）较基期大幅下降",
)
NEGATIVE_EVENT = ReasonCode(
    code="EW_NEGATIVE_EVENT",
    text="External negative event in the look-back window (litigation, enforcement, abnormal operation, ...)",
    text_zh="回溯期内出现外部负面事件（涉诉、被执行、经营异常等）",
)
SCORE_DRIFT = ReasonCode(
    code="EW_SCORE_DRIFT",
    text="The borrower's current score has fallen well below the score at origination",
    text_zh="借款人当前评分较发放时评分明显下降",
)
SIGNAL_ORDER = (OVERDUE, NEGATIVE_EVENT, BALANCE_DROP, TURNOVER_DROP, SCORE_DRIFT)

#: External event types an event feed (court, enforcement, business registry, news) reports.
EVENT_TYPES: tuple[str, ...] = (
    "litigation",  # 涉诉（被告）
    "enforcement",  # 被执行人
    "dishonest_debtor",  # 失信被执行人
    "consumption_restriction",  # 限制高消费
    "abnormal_operation",  # 经营异常名录
    "administrative_penalty",  # 行政处罚
    "equity_freeze",  # 股权冻结
    "bankruptcy",  # 破产、重整
    "negative_news",  # 负面舆情
    "executive_change",  # 法定代表人、实际控制人变更
)
EVENT_ZH = {
    "litigation": "涉诉", "enforcement": "被执行人", "dishonest_debtor": "失信被执行人",
    "consumption_restriction": "限制高消费", "abnormal_operation": "经营异常", "administrative_penalty": "行政处罚",
    "equity_freeze": "股权冻结", "bankruptcy": "破产重整", "negative_news": "负面舆情",
    "executive_change": "法定代表人或实际控制人变更",
}
EventType = Literal[
    "litigation", "enforcement", "dishonest_debtor", "consumption_restriction", "abnormal_operation",
    "administrative_penalty", "equity_freeze", "bankruptcy", "negative_news", "executive_change",
]
EventTypeText = Annotated[str, Field(pattern=r"^(" + "|".join(EVENT_TYPES) + r")$")]
#: HQ's severity per event type: the least strict a branch may use (it may only raise a cell).
HQ_EVENT_SEVERITY: dict[str, str] = {
    "litigation": "warn",
    "enforcement": "critical",
    "dishonest_debtor": "critical",
    "consumption_restriction": "critical",
    "abnormal_operation": "warn",
    "administrative_penalty": "warn",
    "equity_freeze": "critical",
    "bankruptcy": "critical",
    "negative_news": "info",
    "executive_change": "info",
}


def _merge_events(value: object) -> object:
    return {**HQ_EVENT_SEVERITY, **value} if isinstance(value, dict) else value


def _not_below_hq(table: dict[str, str]) -> dict[str, str]:
    for event, floor in HQ_EVENT_SEVERITY.items():
        if SEVERITY_RANK[table[event]] < SEVERITY_RANK[floor]:
            raise ValueError(f"event {event}: HQ requires at least {floor}; a branch may raise a severity, not lower it")
    return table


class ExternalEvent(ContractModel):
    type: EventTypeText = Field(description=f"one of {', '.join(EVENT_TYPES)}")
    date: dt.date = Field(description="the date the event occurred or was published")
    source: str | None = Field(None, max_length=100, description="where it was reported (court, registry, news)")


class Watch(ContractModel):
    """One borrower's monitoring record. Absent metrics are not assessed (no signal, no error)."""

    as_of: dt.date = Field(description="the monitoring date: the event window ends on it")
    dpd: int = Field(0, ge=0, le=36_500, description="days past due (risk.monitor.dpd)")
    balance_baseline: float | None = Field(
        None, ge=0, description="average daily deposit balance over the baseline window (e.g. the prior 6 months), RMB"
    )
    balance_current: float | None = Field(None, ge=0, description="average daily deposit balance now (e.g. last month), RMB")
    turnover_baseline: float | None = Field(None, ge=0, description="average monthly credit turnover, baseline, RMB")
    turnover_current: float | None = Field(None, ge=0, description="average monthly credit turnover now, RMB")
    events: list[ExternalEvent] = Field(default_factory=list, description="external negative events from the feed")
    origination_score: float | None = Field(None, ge=0, le=1000, description="score at origination (HQ scale)")
    current_score: float | None = Field(None, ge=0, le=1000, description="behaviour score now (HQ scale)")


class SignalParams(BucketEdges):
    """Each warning threshold lies below its critical one (checked together: the ranges overlap)."""

    overdue_critical_from: Literal["M1", "M2", "M3"] = Field(
        "M2", description="bucket from which overdue is critical; M1 up to it is a warning"
    )
    balance_drop_warn: float = Field(0.30, ge=0.10, le=0.60, description="relative balance drop that warns")
    balance_drop_critical: float = Field(0.60, ge=0.30, le=0.95, description="relative balance drop that is critical")
    min_baseline_balance: float = Field(
        1_000, ge=0, le=1_000_000, description="a baseline balance below this is too small to judge a drop, RMB"
    )
    turnover_drop_warn: float = Field(0.30, ge=0.10, le=0.60, description="relative turnover drop that warns")
    turnover_drop_critical: float = Field(0.60, ge=0.30, le=0.95, description="relative turnover drop that is critical")
    min_baseline_turnover: float = Field(
        1_000, ge=0, le=10_000_000, description="a baseline turnover below this is too small to judge a drop, RMB"
    )
    event_lookback_days: int = Field(180, ge=30, le=730, description="external events this many days back count")
    event_severity: Annotated[
        dict[EventType, Severity], BeforeValidator(_merge_events), AfterValidator(_not_below_hq)
    ] = Field(
        default_factory=lambda: dict(HQ_EVENT_SEVERITY),
        description="severity per event type, each at least HQ's (enforcement, dishonest debtor, consumption "
        "restriction, equity freeze, bankruptcy critical; litigation, abnormal operation, administrative penalty "
        "warn; negative news, executive change info); types not given keep HQ's",
    )
    score_drift_warn: float = Field(
        20, ge=10, le=60, description="score drop since origination that warns, points (20 = the odds of bad doubled)"
    )
    score_drift_critical: float = Field(40, ge=20, le=120, description="score drop that is critical, points")

    @model_validator(mode="after")
    def _warn_below_critical(self) -> SignalParams:
        for name in ("balance_drop", "turnover_drop", "score_drift"):
            warn, critical = getattr(self, f"{name}_warn"), getattr(self, f"{name}_critical")
            if not warn < critical:
                raise ValueError(f"{name}_warn {warn} must be below {name}_critical {critical}")
        return self


class Signal(ContractModel):
    code: str = Field(description="the reason code of the signal")
    severity: Severity
    metric: str = Field(description="what was measured: dpd, balance_drop, turnover_drop, event:<type>, score_drift")
    value: float | None = Field(None, description="the measured value (DPD, relative drop, event count, points)")
    threshold: float | None = Field(None, description="the threshold it reached, when there is one")
    detail: str = Field("", description="a line for the officer")


class Signals(ContractModel):
    severity: Overall = Field(description="the worst signal's severity; none without signals")
    signals: list[Signal] = Field(default_factory=list, description="most severe first")
    reasons: list[str] = Field(default_factory=list, description="codes of the signals, most severe first")
    bucket: Bucket = Field(description="delinquency bucket of the DPD")
    balance_drop: float | None = Field(None, description="(baseline − current)/baseline; None when not assessed")
    turnover_drop: float | None = Field(None, description="(baseline − current)/baseline; None when not assessed")
    score_drift: float | None = Field(None, description="origination − current score, points; positive is worse")
    events_in_window: int = Field(0, description="external events inside the look-back window")


def _drop(baseline: float | None, current: float | None, minimum: float) -> float | None:
    if baseline is None or current is None or baseline <= 0 or baseline < minimum:
        return None
    return round((baseline - current) / baseline, 6)


def _graded(value: float | None, warn: float, critical: float) -> tuple[str, float] | None:
    if value is None or value < warn:
        return None
    return ("critical", critical) if value >= critical else ("warn", warn)


@capability(
    id="risk.earlywarning.signals",
    version="1.0.0",
    level=4,
    name="Early-warning signals: overdue, balance and turnover drop, negative events, score drift",
    name_zh="预警信号：逾期、存款与流水下降、外部负面事件、评分漂移",
    owner=OWNER,
    lifecycle="experimental",
    tags=("post-loan", "early-warning"),
    uses=(f"{DPD_BUCKET}~=1.0",),
    reasons=SIGNAL_ORDER,
    examples=(
        {"input": {"as_of": "2025-06-30", "dpd": 0, "balance_baseline": 50000, "balance_current": 48000,
                   "origination_score": 560, "current_score": 555},
         "output": {"severity": "none", "reasons": [], "bucket": "M0", "balance_drop": 0.04, "score_drift": 5.0}},
        {"input": {"as_of": "2025-06-30", "dpd": 12, "turnover_baseline": 200000, "turnover_current": 120000},
         "output": {"severity": "warn", "reasons": ["EW_OVERDUE", "EW_TURNOVER_DROP"], "bucket": "M1",
                    "turnover_drop": 0.4}},
        {"input": {"as_of": "2025-06-30", "dpd": 0,
                   "events": [{"type": "enforcement", "date": "2025-05-10"}, {"type": "litigation", "date": "2024-01-10"}],
                   "origination_score": 590, "current_score": 560},
         "output": {"severity": "critical", "reasons": ["EW_NEGATIVE_EVENT", "EW_SCORE_DRIFT"], "events_in_window": 1,
                    "score_drift": 30.0},
         "note": "the 2024 litigation is outside the 180-day window"},
        {"input": {"as_of": "2025-06-30", "dpd": 45}, "output": {"severity": "critical", "reasons": ["EW_OVERDUE"],
                                                                  "bucket": "M2"}},
    ),
)
def signals(watch: Watch, params: SignalParams, ctx) -> Signals:
    """Raise early-warning signals for one borrower, each with a severity, and the overall severity.

    - Overdue (``EW_OVERDUE``): the DPD's bucket from ``risk.step.dpd_bucket`` (DOMAIN.md §2.8,
      the edges as params); M1 warns, ``overdue_critical_from`` (M2) and worse is critical.
    - Deposit-balance drop (``EW_BALANCE_DROP``) and turnover drop (``EW_TURNOVER_DROP``):
      drop = (baseline − current)/baseline of the averages given; at or above the ``*_warn``
      threshold it warns, at or above ``*_critical`` it is critical. A baseline below the
      ``min_baseline_*`` amount (or zero) is not judged: a ratio of pocket money is noise.
    - External negative events (``EW_NEGATIVE_EVENT``): events dated within
      ``event_lookback_days`` before as_of (later ones are not yet known on as_of), one signal
      per event type at that type's severity (HQ's table, which a branch may raise, not lower).
    - Score drift (``EW_SCORE_DRIFT``): origination score − current score, in points on HQ's
      scale (20 points doubles the odds of bad); at or above ``score_drift_warn`` it warns, at
      or above ``score_drift_critical`` it is critical.

    The overall severity is the worst signal's (none when there is none). Signals are listed most
    severe first, then overdue, events, balance, turnover, score; the reason codes follow that
    order, once each. A metric not supplied is not assessed; nothing here returns NaN.
    """
    found: list[Signal] = []
    bucket = ctx.use(DPD_BUCKET)(
        {"dpd": watch.dpd}, {"m1_max_dpd": params.m1_max_dpd, "m2_max_dpd": params.m2_max_dpd,
                             "m3_max_dpd": params.m3_max_dpd},
    )
    if bucket.bucket_index > 0:
        critical = bucket.bucket_index >= BUCKETS.index(params.overdue_critical_from)
        found.append(Signal(code=OVERDUE.code, severity="critical" if critical else "warn", metric="dpd",
                            value=watch.dpd, detail=f"{watch.dpd} days past due, bucket {bucket.bucket}"))

    since = watch.as_of - dt.timedelta(days=params.event_lookback_days)
    in_window = [e for e in watch.events if since <= e.date <= watch.as_of]
    for kind in EVENT_TYPES:
        hits = [e for e in in_window if e.type == kind]
        if hits:
            latest = max(e.date for e in hits)
            found.append(Signal(code=NEGATIVE_EVENT.code, severity=params.event_severity[kind], metric=f"event:{kind}",
                                value=len(hits), detail=f"{EVENT_ZH[kind]} ({kind}) x{len(hits)}, latest {latest}"))

    balance = _drop(watch.balance_baseline, watch.balance_current, params.min_baseline_balance)
    turnover = _drop(watch.turnover_baseline, watch.turnover_current, params.min_baseline_turnover)
    for code, metric, value, warn, critical in (
        (BALANCE_DROP, "balance_drop", balance, params.balance_drop_warn, params.balance_drop_critical),
        (TURNOVER_DROP, "turnover_drop", turnover, params.turnover_drop_warn, params.turnover_drop_critical),
    ):
        graded = _graded(value, warn, critical)
        if graded:
            found.append(Signal(code=code.code, severity=graded[0], metric=metric, value=value, threshold=graded[1],
                                detail=f"{metric.replace('_', ' ')} {value:.1%} against the baseline"))

    drift = None
    if watch.origination_score is not None and watch.current_score is not None:
        drift = round(watch.origination_score - watch.current_score, 6)
        graded = _graded(drift, params.score_drift_warn, params.score_drift_critical)
        if graded:
            found.append(Signal(code=SCORE_DRIFT.code, severity=graded[0], metric="score_drift", value=drift,
                                threshold=graded[1], detail=f"score down {drift:g} points since origination"))

    # stable sort: most severe first, the order of discovery within a severity
    found.sort(key=lambda s: -SEVERITY_RANK[s.severity])
    return Signals(
        severity=_worst([s.severity for s in found]),
        signals=found,
        reasons=list(dict.fromkeys(s.code for s in found)),
        bucket=bucket.bucket,
        balance_drop=balance,
        turnover_drop=turnover,
        score_drift=drift,
        events_in_window=len(in_window),
    )


# -- risk.earlywarning.collection --------------------------------------------------------------

Strategy = Literal["none", "sms", "call", "field", "legal"]
STRATEGIES: tuple[str, ...] = ("none", "sms", "call", "field", "legal")
STRATEGY_ZH = {"none": "无需催收", "sms": "短信提醒", "call": "电话催收", "field": "上门催收", "legal": "法律诉讼"}
_S = {name: rank for rank, name in enumerate(STRATEGIES)}
#: Per bucket, the lowest and highest strategy an adjustment may reach (M3's ceiling is field,
#: unless the table itself sets legal for M3).
BUCKET_RANGE = {"M1": ("sms", "call"), "M2": ("sms", "field"), "M3": ("call", "field"), "M3+": ("field", "legal")}

_COL_TEXT = {
    "M1": ("Overdue in bucket M1: base strategy for M1", "逾期M1：按M1基础催收策略"),
    "M2": ("Overdue in bucket M2: base strategy for M2", "逾期M2：按M2基础催收策略"),
    "M3": ("Overdue in bucket M3: base strategy for M3", "逾期M3：按M3基础催收策略"),
    "M3+": ("Overdue beyond M3 (M3+): base strategy for M3+", "逾期M3+：按M3+基础催收策略"),
}
COL_BUCKET = {
    bucket: ReasonCode(code=f"EW_COL_BUCKET_{bucket.replace('+', 'PLUS')}", text=text, text_zh=text_zh)
    for bucket, (text, text_zh) in _COL_TEXT.items()
}
COL_POOR = ReasonCode(
    code="EW_COL_POOR_BEHAVIOUR",
    text="Poor behaviour score: collection escalated one step",
    text_zh="行为评分较差：催收方式升级一档",
)
COL_GOOD = ReasonCode(
    code="EW_COL_GOOD_BEHAVIOUR",
    text="Good behaviour score: collection eased one step",
    text_zh="行为评分良好：催收方式降低一档",
)
COL_LARGE = ReasonCode(
    code="EW_COL_LARGE_BALANCE",
    text="Large outstanding balance: collection escalated one step",
    text_zh="未偿余额较大：催收方式升级一档",
)
COL_SMALL = ReasonCode(
    code="EW_COL_SMALL_BALANCE",
    text="Small outstanding balance: collection eased one step (cost against recovery)",
    text_zh="未偿余额较小：催收方式降低一档（兼顾催收成本与回收）",
)


class CollectionCase(ContractModel):
    bucket: BucketText = Field(description="delinquency bucket: M0, M1, M2, M3 or M3+ (risk.monitor.dpd)")
    outstanding_balance: float = Field(ge=0, description="outstanding balance of the loan, RMB")
    behaviour_score: float | None = Field(
        None, ge=0, le=1000, description="behaviour score on HQ's scale (higher is better); None: not used"
    )


class CollectionParams(ContractModel):
    """The decision table as data. Each bucket's base strategy is chosen from what HQ allows for
    it, and must not ease as the bucket worsens (checked together); the score and balance cut-offs
    each lie below their counterpart."""

    m1: Literal["sms", "call"] = Field("sms", description="base strategy for M1: sms (HQ default) or call")
    m2: Literal["sms", "call", "field"] = Field("call", description="base strategy for M2: sms, call (default) or field")
    m3: Literal["call", "field", "legal"] = Field("field", description="base strategy for M3: call, field (default), legal")
    m3plus: Literal["field", "legal"] = Field("legal", description="base strategy for M3+: field or legal (default)")
    poor_score_below: float = Field(490, ge=400, le=600, description="behaviour score below this escalates a step")
    good_score_from: float = Field(580, ge=500, le=700, description="behaviour score at or above this eases a step")
    small_balance_below: float = Field(
        2_000, ge=0, le=20_000, description="balance below this eases a step (cost of collection), RMB"
    )
    large_balance_from: float = Field(50_000, ge=10_000, le=1_000_000, description="balance at or above this escalates, RMB")

    @model_validator(mode="after")
    def _coherent(self) -> CollectionParams:
        table = (self.m1, self.m2, self.m3, self.m3plus)
        if any(_S[a] > _S[b] for a, b in zip(table, table[1:])):
            raise ValueError(f"base strategies must not ease as the bucket worsens (M1..M3+), got {table}")
        if not self.poor_score_below < self.good_score_from:
            raise ValueError(f"poor_score_below {self.poor_score_below} must be below good_score_from "
                             f"{self.good_score_from}")
        if not self.small_balance_below < self.large_balance_from:
            raise ValueError(f"small_balance_below {self.small_balance_below} must be below large_balance_from "
                             f"{self.large_balance_from}")
        return self

    def base(self, bucket: str) -> str:
        return {"M1": self.m1, "M2": self.m2, "M3": self.m3, "M3+": self.m3plus}[bucket]


class Collection(ContractModel):
    strategy: Strategy = Field(description="none, sms, call, field (visit) or legal")
    strategy_zh: str
    base_strategy: Strategy = Field(description="the table's strategy for the bucket, before adjustments")
    adjustment: int = Field(0, description="steps applied after the bucket's range: -1, 0 or +1")
    reasons: list[str] = Field(default_factory=list, description="the bucket's code, then each adjustment that fired")


@capability(
    id="risk.earlywarning.collection",
    version="1.0.0",
    level=4,
    name="Collection strategy by bucket, balance and behaviour score",
    name_zh="催收策略分配（账龄、余额、行为评分）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("post-loan", "collection"),
    reasons=(*COL_BUCKET.values(), COL_POOR, COL_GOOD, COL_LARGE, COL_SMALL),
    examples=(
        {"input": {"bucket": "M0", "outstanding_balance": 30000, "behaviour_score": 560},
         "output": {"strategy": "none", "reasons": []}},
        {"input": {"bucket": "M1", "outstanding_balance": 30000, "behaviour_score": 560},
         "output": {"strategy": "sms", "base_strategy": "sms", "reasons": ["EW_COL_BUCKET_M1"]}},
        {"input": {"bucket": "M2", "outstanding_balance": 80000, "behaviour_score": 470},
         "output": {"strategy": "field", "base_strategy": "call", "adjustment": 1,
                    "reasons": ["EW_COL_BUCKET_M2", "EW_COL_POOR_BEHAVIOUR", "EW_COL_LARGE_BALANCE"]},
         "note": "two escalations count as one step"},
        {"input": {"bucket": "M3+", "outstanding_balance": 1500},
         "output": {"strategy": "field", "base_strategy": "legal", "adjustment": -1,
                    "reasons": ["EW_COL_BUCKET_M3PLUS", "EW_COL_SMALL_BALANCE"]}},
    ),
)
def collection(case: CollectionCase, params: CollectionParams) -> Collection:
    """Assign a collection strategy from the bucket, the outstanding balance and a behaviour score.

    The decision table (HQ defaults; each cell a param chosen from what HQ allows for the bucket,
    never easing as the bucket worsens):

    ====== ======== ============ ===========================
    bucket default  allowed base reachable by adjustment
    ====== ======== ============ ===========================
    M0     none     none (fixed) none
    M1     sms      sms, call    sms .. call
    M2     call     sms .. field sms .. field
    M3     field    call .. legal call .. field (legal if the base is legal)
    M3+    legal    field, legal field .. legal
    ====== ======== ============ ===========================

    Adjustments: a behaviour score below ``poor_score_below`` (490, band E on HQ's card) or a
    balance at or above ``large_balance_from`` (RMB 50,000) escalates; a score at or above
    ``good_score_from`` (580, band A) or a balance below ``small_balance_below`` (RMB 2,000,
    less than a field visit or a lawsuit costs) eases. Their sum is held to one step either way
    and the result to the bucket's range, so a small M3+ balance goes to a field visit rather
    than to court, and an M1 borrower is never sued. The reasons name the bucket's row and every
    adjustment that fired. A current loan (M0) needs no collection.
    """
    if case.bucket == "M0":
        return Collection(strategy="none", strategy_zh=STRATEGY_ZH["none"], base_strategy="none")
    base = params.base(case.bucket)
    reasons = [COL_BUCKET[case.bucket].code]
    steps = 0
    score = case.behaviour_score
    for fired, delta, code in (
        (score is not None and score < params.poor_score_below, 1, COL_POOR),
        (score is not None and score >= params.good_score_from, -1, COL_GOOD),
        (case.outstanding_balance >= params.large_balance_from, 1, COL_LARGE),
        (case.outstanding_balance < params.small_balance_below, -1, COL_SMALL),
    ):
        if fired:
            steps += delta
            reasons.append(code.code)
    low, high = BUCKET_RANGE[case.bucket]
    high_rank = max(_S[high], _S[base])
    rank = min(max(_S[base] + max(-1, min(1, steps)), _S[low]), high_rank)
    strategy = STRATEGIES[rank]
    return Collection(strategy=strategy, strategy_zh=STRATEGY_ZH[strategy], base_strategy=base,
                      adjustment=rank - _S[base], reasons=reasons)


# -- risk.earlywarning.limitadjust -------------------------------------------------------------

LA_FREEZE = ReasonCode(
    code="EW_LA_FREEZE_CRITICAL",
    text="Limit frozen: a critical early-warning signal",
    text_zh="存在严重预警信号，冻结额度",
)
LA_SIGNALS = ReasonCode(
    code="EW_LA_DECREASE_SIGNALS",
    text="Limit reduced: early-warning signals",
    text_zh="存在预警信号，降低额度",
)
LA_LOW_SCORE = ReasonCode(
    code="EW_LA_DECREASE_LOW_SCORE",
    text="Limit reduced: the behaviour score is below the threshold for keeping the limit",
    text_zh="行为评分低于维持额度的门槛，降低额度",
)
LA_AFFORD = ReasonCode(
    code="EW_LA_DECREASE_AFFORDABILITY",
    text="Limit reduced: current income no longer supports the limit under the debt-to-income ceiling",
    text_zh="按负债收入比上限，当前收入已不足以支撑现有额度，降低额度",
)
LA_OVER_CAP = ReasonCode(
    code="EW_LA_DECREASE_OVER_CAP",
    text="Limit reduced: it is above the product or regulatory cap",
    text_zh="额度超过产品或监管上限，降低额度",
)
LA_INCREASE = ReasonCode(
    code="EW_LA_INCREASE_GOOD_SCORE",
    text="Limit raised: good behaviour score, no warning signals and affordable",
    text_zh="行为评分良好、无预警信号且收入可负担，提高额度",
)


class LimitReview(ContractModel):
    current_limit: float = Field(gt=0, description="the limit now, RMB")
    outstanding_balance: float = Field(0, ge=0, description="amount drawn, RMB")
    severity: SeverityText = Field("none", description="overall severity from risk.earlywarning.signals")
    new_score: float = Field(ge=0, le=1000, description="the latest behaviour score (HQ scale, higher is better)")
    monthly_income: float = Field(ge=0, description="verified monthly income now, RMB")
    existing_monthly_debt: float = Field(0, ge=0, description="other instalments being repaid each month, RMB")
    annual_rate: float = Field(ge=0, le=1, description="the facility's annual rate")
    tenor_months: int = Field(12, ge=1, le=360, description="repayment term the limit is sized over")
    revolving: bool = Field(
        True, description="a revolving line (card, consumer credit line); a fully drawn term loan has no limit to move"
    )


class LimitAdjustParams(ContractModel):
    """HQ's caps. The step down lies within the largest decrease, and the score below which a
    limit is reduced lies below the one from which it may rise (both checked together)."""

    max_increase_pct: float = Field(0.30, ge=0, le=0.50, description="largest increase in one review, share of the limit")
    max_decrease_pct: float = Field(0.50, ge=0.10, le=1.0, description="largest decrease in one review, share")
    decrease_step_pct: float = Field(0.20, ge=0.05, le=0.50, description="decrease on warning signals or a low score")
    freeze_on_critical: bool = Field(
        True, description="a critical signal freezes the limit (no drawing); off: it is cut by max_decrease_pct"
    )
    increase_score_from: float = Field(580, ge=550, le=660, description="score at or above which a limit may rise")
    decrease_score_below: float = Field(520, ge=460, le=580, description="score below which the limit is reduced")
    min_increase_amount: float = Field(1_000, ge=0, le=10_000, description="an increase smaller than this is not made, RMB")
    dti_max: float = Field(0.5, ge=0.2, le=0.6, description="debt-to-income ceiling for affordability (as underwriting)")
    product_cap: float = Field(300_000, ge=10_000, le=1_000_000, description="the product's largest limit, RMB")
    regulatory_cap: float = Field(
        200_000, ge=10_000, le=200_000,
        description="per-customer cap for internet consumer loans (商业银行互联网贷款管理暂行办法, 2020), RMB",
    )

    @model_validator(mode="after")
    def _ordered(self) -> LimitAdjustParams:
        if self.decrease_step_pct > self.max_decrease_pct:
            raise ValueError(f"decrease_step_pct {self.decrease_step_pct} is above max_decrease_pct "
                             f"{self.max_decrease_pct}")
        if not self.decrease_score_below < self.increase_score_from:
            raise ValueError(f"decrease_score_below {self.decrease_score_below} must be below increase_score_from "
                             f"{self.increase_score_from}")
        return self


class LimitAdjustment(ContractModel):
    action: Literal["increase", "decrease", "freeze", "keep"]
    new_limit: float = Field(description="the limit after the review, RMB (a frozen limit is kept but not drawable)")
    change: float = Field(description="new_limit − current_limit, RMB")
    change_pct: float = Field(description="change as a share of the current limit")
    available: float = Field(description="what may still be drawn: new_limit − balance, 0 when frozen or below")
    frozen: bool = False
    affordable_principal: float = Field(description="principal the DTI ceiling supports now (risk.step.dti), RMB")
    capped: bool = Field(False, description="an HQ cap (largest increase or decrease, product/regulatory cap) held it")
    binding: str | None = Field(
        None, description="for a change: what set it (max_increase, cap, affordability, max_decrease, signals, score)"
    )
    reasons: list[str] = Field(default_factory=list)
    decision: Decision = Field(
        description="approve with the new limit as the offer (its reasons say why it changed); refer when frozen"
    )


def _to_fen(amount: float, up: bool) -> float:
    mode = ROUND_UP if up else ROUND_DOWN
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=mode))


@capability(
    id="risk.earlywarning.limitadjust",
    version="1.0.0",
    level=4,
    name="Dynamic limit adjustment: increase, decrease or freeze",
    name_zh="额度动态调整：提额、降额或冻结",
    owner=OWNER,
    lifecycle="experimental",
    tags=("post-loan", "early-warning", "limit"),
    uses=(f"{DTI}~=1.0", f"{CLAMP}~=1.0"),
    reasons=(LA_FREEZE, LA_SIGNALS, LA_LOW_SCORE, LA_AFFORD, LA_OVER_CAP, LA_INCREASE),
    examples=(
        {"input": {"current_limit": 50000, "outstanding_balance": 20000, "severity": "none", "new_score": 600,
                   "monthly_income": 20000, "annual_rate": 0.06, "tenor_months": 36},
         "output": {"action": "increase", "new_limit": 65000.0, "binding": "max_increase", "capped": True,
                    "reasons": ["EW_LA_INCREASE_GOOD_SCORE"]}},
        {"input": {"current_limit": 50000, "outstanding_balance": 20000, "severity": "warn", "new_score": 560,
                   "monthly_income": 20000, "annual_rate": 0.06, "tenor_months": 36},
         "output": {"action": "decrease", "new_limit": 40000.0, "available": 20000.0, "binding": "signals",
                    "reasons": ["EW_LA_DECREASE_SIGNALS"]}},
        {"input": {"current_limit": 50000, "outstanding_balance": 20000, "severity": "critical", "new_score": 560,
                   "monthly_income": 20000, "annual_rate": 0.06},
         "output": {"action": "freeze", "new_limit": 50000.0, "available": 0.0, "frozen": True,
                    "reasons": ["EW_LA_FREEZE_CRITICAL"],
                    "decision": {"outcome": "refer", "reasons": ["EW_LA_FREEZE_CRITICAL"]}}},
        {"input": {"current_limit": 50000, "severity": "none", "new_score": 560, "monthly_income": 3000,
                   "existing_monthly_debt": 500, "annual_rate": 0.06, "tenor_months": 12},
         "output": {"action": "decrease", "new_limit": 25000.0, "capped": True, "binding": "max_decrease",
                    "reasons": ["EW_LA_DECREASE_AFFORDABILITY"]},
         "note": "affordability alone would cut to 11,618.93; HQ's largest decrease is 50%"},
        {"input": {"current_limit": 50000, "severity": "info", "new_score": 560, "monthly_income": 20000,
                   "annual_rate": 0.06}, "output": {"action": "keep", "new_limit": 50000.0, "reasons": []}},
    ),
)
def limitadjust(review: LimitReview, params: LimitAdjustParams, ctx) -> LimitAdjustment:
    """Review a revolving limit after loan: freeze, decrease, increase or keep it, inside HQ's caps.

    In order:

    1. A critical signal freezes the limit (``EW_LA_FREEZE_CRITICAL``): the limit is kept on
       record but nothing more may be drawn. With ``freeze_on_critical`` off it is cut by
       ``max_decrease_pct`` instead.
    2. Otherwise the limit is reduced when any of these holds, to the lowest of their targets:
       warning signals (``EW_LA_DECREASE_SIGNALS``) or a score below ``decrease_score_below``
       (``EW_LA_DECREASE_LOW_SCORE``), each a cut of ``decrease_step_pct``; the principal the
       DTI ceiling supports now (``risk.step.dti``, DOMAIN.md §2.7) below the limit
       (``EW_LA_DECREASE_AFFORDABILITY``); the limit above the product or regulatory cap
       (``EW_LA_DECREASE_OVER_CAP``). No review cuts more than ``max_decrease_pct``.
    3. Otherwise, with no signal above info and a score at or above ``increase_score_from``, the
       limit rises (``EW_LA_INCREASE_GOOD_SCORE``) to the lowest of +``max_increase_pct``, the
       caps and the affordable principal, if that is at least ``min_increase_amount`` more.
    4. Otherwise it is kept.

    The ``decision`` lets a post-loan product end on the review: an approval whose offer is the
    new limit (with the reasons for any change), or, for a freeze, a referral to a credit
    officer (the account stays frozen until someone reviews the critical signal). HQ's bounds
    are applied with ``risk.step.clamp``, whose breach is reported (``capped``, ``binding``).
    An increase is rounded down to the fen and a decrease up, so rounding never takes a change
    past HQ's cap. ``available`` is what may still be drawn over the balance.
    """
    current = review.current_limit
    afford = ctx.use(DTI)({
        "monthly_income": review.monthly_income,
        "existing_monthly_debt": review.existing_monthly_debt,
        "dti_max": params.dti_max,
        "annual_rate": review.annual_rate,
        "tenor_months": review.tenor_months,
    }).principal
    clamp = ctx.use(CLAMP)
    cap = min(params.product_cap, params.regulatory_cap)

    def result(action: str, new: float, reasons: list[str], *, frozen: bool = False, capped: bool = False,
               binding: str | None = None) -> LimitAdjustment:
        change = round(new - current, 2)
        decision = Decision.refer(*reasons) if frozen else Decision.approve(Offer(limit=new), reasons)
        return LimitAdjustment(
            action=action, new_limit=new, change=change, change_pct=round(change / current, 6),
            available=0.0 if frozen else round(max(0.0, new - review.outstanding_balance), 2), frozen=frozen,
            affordable_principal=afford, capped=capped, binding=binding, reasons=reasons, decision=decision,
        )

    if review.severity == "critical" and params.freeze_on_critical:
        return result("freeze", current, [LA_FREEZE.code], frozen=True)
    if not review.revolving:
        return result("keep", current, [])  # a mortgage or term loan: critical signals still freeze it, above

    targets: list[tuple[float, str, ReasonCode]] = []
    if review.severity == "critical":
        targets.append((current * (1 - params.max_decrease_pct), "signals", LA_SIGNALS))
    elif review.severity == "warn":
        targets.append((current * (1 - params.decrease_step_pct), "signals", LA_SIGNALS))
    if review.new_score < params.decrease_score_below:
        targets.append((current * (1 - params.decrease_step_pct), "score", LA_LOW_SCORE))
    if afford < current:
        targets.append((afford, "affordability", LA_AFFORD))
    if current > cap:
        targets.append((cap, "cap", LA_OVER_CAP))
    if targets:
        target, binding, _ = min(targets, key=lambda t: t[0])
        held = clamp({"x": target, "floor": current * (1 - params.max_decrease_pct), "ceiling": current})
        new = min(current, _to_fen(held.value, up=True))
        reasons = [code.code for _, _, code in targets]
        if held.breached:
            binding = "max_decrease"
        return result("decrease" if new < current else "keep", new, reasons, capped=held.breached, binding=binding)

    if SEVERITY_RANK[review.severity] <= SEVERITY_RANK["info"] and review.new_score >= params.increase_score_from:
        limits = {"max_increase": current * (1 + params.max_increase_pct), "cap": cap, "affordability": afford}
        ceiling = min(limits["cap"], limits["affordability"])
        held = clamp({"x": limits["max_increase"], "floor": current, "ceiling": max(current, ceiling)})
        new = _to_fen(held.value, up=False)
        if new - current >= max(params.min_increase_amount, 0.01):
            binding = next(name for name in ("cap", "affordability") if limits[name] == ceiling) if held.breached \
                else "max_increase"
            return result("increase", new, [LA_INCREASE.code], capped=binding != "affordability", binding=binding)
    return result("keep", current, [])


# -- batch forms (jimu.runtime.batch): the same answers, a partition at a time --------------------


def _drop_columns(baseline, current, minimum: float):
    """:func:`_drop` over columns: NaN where not assessed."""
    import numpy as np

    from jimu.runtime.numeric import py_round

    with np.errstate(invalid="ignore", divide="ignore"):
        judged = ~np.isnan(baseline) & ~np.isnan(current) & (baseline > 0) & (baseline >= minimum)
        drop = py_round(np.where(judged, (baseline - current) / np.where(judged, baseline, 1.0), np.nan), 6)
    return drop


def _graded_columns(value, warn: float, critical: float):
    """:func:`_graded` over a column: 0 none, 2 warn, 3 critical (SEVERITY_RANK)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(value) | (value < warn), 0, np.where(value >= critical, 3, 2))


_GRADED_CODES = (OVERDUE.code, BALANCE_DROP.code, TURNOVER_DROP.code, SCORE_DRIFT.code)


def _reason_order(grades, i: int) -> list[str]:
    """The reason codes of loan ``i``: most severe first, then in the order of discovery."""
    found = [(-grades[j][i], j) for j in range(4) if grades[j][i]]
    return [_GRADED_CODES[j] for _, j in sorted(found)]


def _signals_batch(frame, params: SignalParams):
    """The batch form: each signal a column of severities, the per-loan lists built only for loans
    that have a signal. Loans with external events are left to the record form (``_record``)."""
    import numpy as np

    from jimu.runtime.columns import per_distinct

    from .monitor import bucket_indices

    n = len(frame)
    dpd = frame["dpd"].to_numpy(dtype=np.int64)
    index = bucket_indices(dpd, (params.m1_max_dpd, params.m2_max_dpd, params.m3_max_dpd))
    critical_from = BUCKETS.index(params.overdue_critical_from)
    overdue = np.where(index == 0, 0, np.where(index >= critical_from, 3, 2))
    balance = _drop_columns(frame["balance_baseline"].to_numpy(float), frame["balance_current"].to_numpy(float),
                            params.min_baseline_balance)
    turnover = _drop_columns(frame["turnover_baseline"].to_numpy(float), frame["turnover_current"].to_numpy(float),
                             params.min_baseline_turnover)
    origination = frame["origination_score"].to_numpy(float)
    current = frame["current_score"].to_numpy(float)
    from jimu.runtime.numeric import py_round

    drift = py_round(origination - current, 6)
    grades = (
        overdue,
        _graded_columns(balance, params.balance_drop_warn, params.balance_drop_critical),
        _graded_columns(turnover, params.turnover_drop_warn, params.turnover_drop_critical),
        _graded_columns(drift, params.score_drift_warn, params.score_drift_critical),
    )
    worst = np.maximum.reduce(grades)
    names = np.array(["none", "info", "warn", "critical"], dtype=object)
    severity_name = {2: "warn", 3: "critical"}
    bucket_names = np.array(BUCKETS, dtype=object)
    none: list = []  # shared by the loans without a signal: outputs are read, never changed
    signal_lists = np.empty(n, object)
    signal_lists.fill(none)
    reason_lists = signal_lists.copy()
    construct = Signal.model_construct
    wanted = frame.attrs.get("outputs")
    detailed = wanted is None or "signals" in wanted  # the list of Signal objects, only when it is read
    if not detailed:  # the codes alone: one list per combination of the four grades, copied per loan
        key = grades[0] + 4 * grades[1] + 16 * grades[2] + 64 * grades[3]
        orders = np.empty(256, object)  # a list per combination, shared by its loans: outputs are read, never changed
        for k in np.unique(key).tolist():
            orders[k] = _reason_order([[k >> 2 * j & 3] for j in range(4)], 0)
        lit = np.flatnonzero(worst)
        reason_lists[lit] = orders[key[lit]]
    for i in np.flatnonzero(worst).tolist() if detailed else ():
        found = []
        if overdue[i]:
            found.append(construct(code=OVERDUE.code, severity=severity_name[overdue[i]], metric="dpd",
                                   value=float(dpd[i]), threshold=None,
                                   detail=f"{dpd[i]} days past due, bucket {bucket_names[index[i]]}"))
        for code, metric, values, grade, warn, critical in (
            (BALANCE_DROP, "balance_drop", balance, grades[1], params.balance_drop_warn, params.balance_drop_critical),
            (TURNOVER_DROP, "turnover_drop", turnover, grades[2], params.turnover_drop_warn,
             params.turnover_drop_critical),
        ):
            if grade[i]:
                value = float(values[i])
                found.append(construct(code=code.code, severity=severity_name[grade[i]], metric=metric, value=value,
                                       threshold=critical if grade[i] == 3 else warn,
                                       detail=f"{metric.replace('_', ' ')} {value:.1%} against the baseline"))
        if grades[3][i]:
            value = float(drift[i])
            found.append(construct(code=SCORE_DRIFT.code, severity=severity_name[grades[3][i]], metric="score_drift",
                                   value=value, threshold=params.score_drift_critical if grades[3][i] == 3
                                   else params.score_drift_warn,
                                   detail=f"score down {value:g} points since origination"))
        found.sort(key=lambda s: -SEVERITY_RANK[s.severity])
        signal_lists[i] = found
        reason_lists[i] = list(dict.fromkeys(s.code for s in found))
    record = per_distinct(frame["events"], bool, bool)  # the loans with events (a shared empty list for the rest)
    # the record form works out the event window's start even without events: before year 1 it
    # raises (a step error); those loans go to it, so that the error is its own
    as_of = frame["as_of"].to_numpy(dtype="datetime64[s]")
    record |= as_of < np.datetime64("0001-01-01") + np.timedelta64(params.event_lookback_days, "D")
    return {
        "severity": names[worst], "signals": signal_lists, "reasons": reason_lists, "bucket": bucket_names[index],
        "balance_drop": balance, "turnover_drop": turnover, "score_drift": drift, "events_in_window": np.zeros(n, int),
        "_record": record,
    }


signals = signals.with_batch(_signals_batch)


def _collection_batch(frame, params: CollectionParams):
    """The batch form: the decision table as array lookups; the reason lists from a table of the
    sixteen combinations of adjustments per bucket."""
    import numpy as np

    from jimu.runtime.columns import per_distinct

    bucket = frame["bucket"].to_numpy(dtype=object)
    order = {"M0": 0, "M1": 1, "M2": 2, "M3": 3, "M3+": 4}
    b = per_distinct(bucket, order.__getitem__, np.int64)
    balance = frame["outstanding_balance"].to_numpy(float)
    score = frame["behaviour_score"].to_numpy(float)
    has_score = ~np.isnan(score)
    with np.errstate(invalid="ignore"):
        fired = np.stack([has_score & (score < params.poor_score_below), has_score & (score >= params.good_score_from),
                          balance >= params.large_balance_from, balance < params.small_balance_below])
    steps = fired[0].astype(int) - fired[1] + fired[2] - fired[3]
    base_rank = np.array([0] + [_S[params.base(k)] for k in BUCKETS[1:]])[b]
    low = np.array([0] + [_S[BUCKET_RANGE[k][0]] for k in BUCKETS[1:]])[b]
    high = np.array([0] + [_S[BUCKET_RANGE[k][1]] for k in BUCKETS[1:]])[b]
    rank = np.minimum(np.maximum(base_rank + np.clip(steps, -1, 1), low), np.maximum(high, base_rank))
    current = b == 0
    rank = np.where(current, 0, rank)
    adjustment = np.where(current, 0, rank - base_rank)
    codes = (COL_POOR.code, COL_GOOD.code, COL_LARGE.code, COL_SMALL.code)
    table = np.empty(16 * len(BUCKETS), object)  # one list per combination, shared by its loans (read, never changed)
    for k, name in enumerate(BUCKETS):
        for mask in range(16):
            table[k * 16 + mask] = [] if k == 0 else [COL_BUCKET[name].code] + [
                codes[j] for j in range(4) if mask >> j & 1]
    key = b * 16 + fired[0] + 2 * fired[1] + 4 * fired[2] + 8 * fired[3]
    reasons = table[key]
    strategies = np.array(STRATEGIES, dtype=object)
    zh = np.array([STRATEGY_ZH[s] for s in STRATEGIES], dtype=object)
    return {"strategy": strategies[rank], "strategy_zh": zh[rank], "base_strategy": strategies[
        np.where(current, 0, base_rank)], "adjustment": adjustment, "reasons": reasons}


collection = collection.with_batch(_collection_batch)


#: Money from this size on is left to the record form: rounded to the fen, it has more than the 28
#: digits of Decimal's default context, and the record form's rounding raises.
_FEN_DIGITS = 1e25


def _limitadjust_batch(frame, params: LimitAdjustParams):
    """The batch form: every branch of the review computed for every loan, then chosen per loan in
    the record form's order (freeze, term loan, decrease, increase, keep). Affordability is
    risk.step.dti's formula and the caps risk.step.clamp's rule, over columns."""
    import numpy as np

    from jimu.runtime.columns import per_distinct
    from jimu.runtime.numeric import py_round, quantize

    n = len(frame)
    current = frame["current_limit"].to_numpy(float)
    balance = frame["outstanding_balance"].to_numpy(float)
    severity = frame["severity"].to_numpy(dtype=object)
    rank = per_distinct(severity, SEVERITY_RANK.__getitem__, np.int64)
    score = frame["new_score"].to_numpy(float)
    income = frame["monthly_income"].to_numpy(float)
    debt = frame["existing_monthly_debt"].to_numpy(float)
    rate = frame["annual_rate"].to_numpy(float)
    tenor = frame["tenor_months"].to_numpy(dtype=np.int64)
    revolving = frame["revolving"].to_numpy(dtype=bool)

    # risk.step.dti: the annuity principal the DTI ceiling supports, rounded down to the fen
    pmt = np.maximum(0.0, params.dti_max * income - debt)
    r = rate / 12
    # a huge income overflows to an infinite principal, as the record form's floats do: intended,
    # so NumPy's overflow warning is silenced here only. The record form rounds the instalment and
    # the principal to the fen with Decimal, which raises beyond 28 digits (and on infinity): such
    # loans go to the record form (_record), so that the step's error is its own
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        annuity = pmt * (1 - (1 + r) ** -tenor.astype(float)) / r
        principal = np.where(r == 0, pmt * tenor, annuity)
        record = ~(np.abs(pmt) < _FEN_DIGITS) | ~(np.abs(principal) < _FEN_DIGITS) | ~(np.abs(current) < _FEN_DIGITS)
        afford = quantize(np.where(record, 0.0, principal), up=False)
        current = np.where(record, 1.0, current)  # those rows are the record form's: any finite limit here
    cap = min(params.product_cap, params.regulatory_cap)

    freeze = (rank == 3) & params.freeze_on_critical
    term = ~freeze & ~revolving
    # decrease: the lowest target, the first in the record form's order on a tie
    floor = current * (1 - params.max_decrease_pct)
    # labels as indices into tables of shared strings (the engine then checks and writes each
    # label once, not once per loan): the bindings, then the actions
    by_signals, by_score, by_afford, by_cap, by_max_decrease, by_max_increase, unbound = range(7)
    candidates = (
        (rank == 3, current * (1 - params.max_decrease_pct), by_signals, LA_SIGNALS.code),
        (rank == 2, current * (1 - params.decrease_step_pct), by_signals, LA_SIGNALS.code),
        (score < params.decrease_score_below, current * (1 - params.decrease_step_pct), by_score, LA_LOW_SCORE.code),
        (afford < current, afford, by_afford, LA_AFFORD.code),
        (current > cap, np.full(n, cap), by_cap, LA_OVER_CAP.code),
    )
    target = np.full(n, np.inf)
    binding = np.full(n, unbound)
    key = np.zeros(n, np.int64)
    for bit, (applies, value, name, _code) in enumerate(candidates):
        better = applies & (value < target)
        target = np.where(better, value, target)
        binding[better] = name
        key |= applies.astype(np.int64) << bit
    decrease = ~freeze & ~term & (key > 0)
    held = np.where(target < floor, floor, np.where(target > current, current, target))
    breached = (target < floor) | (target > current)
    cut = np.minimum(current, quantize(np.where(decrease, held, 0.0), up=True))
    binding = np.where(decrease & breached, by_max_decrease, binding)
    # increase
    grow = ~freeze & ~term & ~decrease & (rank <= 1) & (score >= params.increase_score_from)
    max_increase = current * (1 + params.max_increase_pct)
    ceiling = np.minimum(cap, afford)
    top = np.maximum(current, ceiling)
    raised_value = np.where(max_increase < current, current, np.where(max_increase > top, top, max_increase))
    raised_breached = (max_increase < current) | (max_increase > top)
    raised = quantize(np.where(grow, raised_value, 0.0), up=False)
    grow &= raised - current >= max(params.min_increase_amount, 0.01)
    raise_binding = np.where(raised_breached, np.where(cap == ceiling, by_cap, by_afford), by_max_increase)

    new = np.where(decrease, cut, np.where(grow, raised, current))
    actions = np.array(["freeze", "decrease", "keep", "increase"], dtype=object)
    action = actions[np.where(freeze, 0, np.where(decrease, np.where(cut < current, 1, 2), np.where(grow, 3, 2)))]
    bindings = np.array(["signals", "score", "affordability", "cap", "max_decrease", "max_increase", None],
                        dtype=object)
    binding = bindings[np.where(decrease, binding, np.where(grow, raise_binding, unbound))]
    capped = np.where(decrease, breached, np.where(grow, raise_binding != by_afford, False))
    codes = [c[3] for c in candidates]
    # one list per outcome of the review, shared by its loans (outputs are read, never changed):
    # 0-31 a decrease's binding targets, 32 a freeze, 33 an increase, 0 (no codes) a keep
    table = np.empty(34, object)
    for k in range(32):
        table[k] = [codes[j] for j in range(5) if k >> j & 1]
    table[32], table[33] = [LA_FREEZE.code], [LA_INCREASE.code]
    reasons = table[np.where(freeze, 32, np.where(decrease, key, np.where(grow, 33, 0)))]
    out = {
        "action": action, "new_limit": new, "frozen": freeze, "affordable_principal": afford,
        "capped": capped.astype(bool), "binding": binding, "reasons": reasons,
        "decision.outcome": np.array(["approve", "refer"], dtype=object)[freeze.astype(np.int64)],
        "decision.reasons": reasons,
        "decision.offer_limit": np.where(freeze, np.nan, new),
        "_record": record,
    }
    wanted = frame.attrs.get("outputs")  # the fields the plan reads (None: all): the roundings only if read
    if wanted is None or {"change", "change_pct", "available"} & wanted:
        change = py_round(new - current, 2)
        out.update(change=change, change_pct=py_round(change / current, 6),
                   available=np.where(freeze, 0.0, py_round(np.maximum(0.0, new - balance), 2)))
    return out


limitadjust = limitadjust.with_batch(_limitadjust_batch)


CAPABILITIES = (signals, collection, limitadjust)
