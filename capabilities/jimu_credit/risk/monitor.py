"""Post-loan monitoring (贷后监测): days past due, delinquency buckets, population stability.

Two pure L5 steps and one L4 task built on them (DOMAIN.md §2.8, §2.9):

- ``risk.step.dpd_bucket``: days past due → delinquency bucket M0, M1, M2, M3, M3+ and, beside
  it, the credit-card five-category class (五级分类) of 商业银行信用卡业务监督管理办法 Art. 92;
- ``risk.step.psi``: the population stability index of an actual distribution against the
  expected one, and its band (stable / monitor / shift);
- ``risk.monitor.dpd``: a loan's repayment status (its schedule and payments, or just the due
  date of its oldest unpaid instalment) on a date → DPD, bucket and class, via the step.

Every edge is a parameter inside HQ's bounds, never a constant: the bucket convention differs
between sources (1–30/31–60/61–90/90+ against the OCC's 30–59/60–89), and the retail thresholds
of the 2023 商业银行金融资产风险分类办法 are unverified (DOMAIN.md §2.8, §5 [U]). Edges out of
order are a params validation error, as is any value outside HQ's range.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from jimu import ContractModel, capability

OWNER = "hq.risk-platform"
DPD_BUCKET = "risk.step.dpd_bucket"
PSI = "risk.step.psi"

Bucket = Literal["M0", "M1", "M2", "M3", "M3+"]
BUCKETS: tuple[str, ...] = ("M0", "M1", "M2", "M3", "M3+")
#: A bucket as an input: a constrained string, so a product can feed it from another step's output.
BucketText = Annotated[str, Field(pattern=r"^(M0|M1|M2|M3|M3\+)$")]

FiveClass = Literal["pass", "special_mention", "substandard", "doubtful", "loss"]
FIVE_CLASSES: tuple[str, ...] = ("pass", "special_mention", "substandard", "doubtful", "loss")
FIVE_CLASS_ZH = {"pass": "正常", "special_mention": "关注", "substandard": "次级", "doubtful": "可疑", "loss": "损失"}


# -- risk.step.dpd_bucket ----------------------------------------------------------------------


class BucketEdges(ContractModel):
    """The M-bucket edges: each is the *last* DPD of its bucket (M1 = 1..m1_max_dpd, …, M3+ above
    m3_max_dpd). Defaults 30/60/90 (DOMAIN.md §2.8); the OCC's 30–59/60–89 is 29/59/89. HQ's
    ranges overlap, so the edges are also checked together: strictly increasing."""

    m1_max_dpd: int = Field(30, ge=15, le=45, description="last DPD of bucket M1 (M1 = 1..this); OCC: 29")
    m2_max_dpd: int = Field(60, ge=30, le=90, description="last DPD of bucket M2 (M2 = M1's edge+1..this); OCC: 59")
    m3_max_dpd: int = Field(
        90, ge=45, le=120, description="last DPD of bucket M3; above it is M3+ (OCC: 89, i.e. 90+ is M3+)"
    )

    @model_validator(mode="after")
    def _buckets_increase(self) -> BucketEdges:
        edges = (self.m1_max_dpd, self.m2_max_dpd, self.m3_max_dpd)
        if not edges[0] < edges[1] < edges[2]:
            raise ValueError(f"bucket edges m1_max_dpd < m2_max_dpd < m3_max_dpd must strictly increase, got {edges}")
        return self

    def edges(self) -> tuple[int, int, int]:
        return self.m1_max_dpd, self.m2_max_dpd, self.m3_max_dpd


class FiveClassEdges(ContractModel):
    """The five-category edges, each the last DPD of its class. Defaults: 商业银行信用卡业务监督管理办法
    Art. 92 (关注 1–90, 次级 91–120, 可疑 121–180, 损失 over 180) [S]. The 2023 rules' retail
    thresholds are [U] (DOMAIN.md §5), so the ranges are wide enough to hold what is commonly
    cited for them (over 90 / 270 / 360 days) once confirmed. Checked together: strictly increasing."""

    special_mention_max_dpd: int = Field(
        90, ge=30, le=90, description="last DPD classed 关注 (special mention); 正常 is DPD 0; never past 90"
    )
    substandard_max_dpd: int = Field(120, ge=60, le=270, description="last DPD classed 次级 (substandard)")
    doubtful_max_dpd: int = Field(180, ge=90, le=360, description="last DPD classed 可疑 (doubtful); above it 损失 (loss)")

    @model_validator(mode="after")
    def _classes_increase(self) -> FiveClassEdges:
        edges = (self.special_mention_max_dpd, self.substandard_max_dpd, self.doubtful_max_dpd)
        if not edges[0] < edges[1] < edges[2]:
            raise ValueError(
                "five-category edges special_mention_max_dpd < substandard_max_dpd < doubtful_max_dpd must strictly "
                f"increase, got {edges}"
            )
        return self

    def class_edges(self) -> tuple[int, int, int]:
        return self.special_mention_max_dpd, self.substandard_max_dpd, self.doubtful_max_dpd


class BucketParams(FiveClassEdges, BucketEdges):
    """Both sets of edges; each set strictly increasing."""


class Dpd(ContractModel):
    dpd: int = Field(ge=0, le=36_500, description="days past due of the oldest unpaid instalment (0 = current)")


class DpdBucket(ContractModel):
    bucket: Bucket = Field(description="M0 current, M1, M2, M3, M3+ by the edges")
    bucket_index: int = Field(description="0 for M0 … 4 for M3+, for ordering and comparisons")
    bucket_range: str = Field(description="the bucket's DPD range under the edges used, e.g. '31-60' or '91+'")
    five_class: FiveClass = Field(description="five-category class: pass, special_mention, substandard, doubtful, loss")
    five_class_zh: str = Field(description="正常, 关注, 次级, 可疑 or 损失")
    non_performing: bool = Field(description="substandard, doubtful or loss (不良)")


def bucket_of(dpd: int, edges: tuple[int, int, int]) -> int:
    """0 for DPD 0; else 1 + the number of edges the DPD is past (edges are each bucket's last DPD)."""
    return 0 if dpd <= 0 else 1 + sum(dpd > edge for edge in edges)


def _range_text(index: int, edges: tuple[int, int, int]) -> str:
    if index == 0:
        return "0"
    if index == 4:
        return f"{edges[2] + 1}+"
    low = 1 if index == 1 else edges[index - 2] + 1
    return f"{low}-{edges[index - 1]}"


@capability(
    id=DPD_BUCKET,
    version="1.0.0",
    level=5,
    name="Days past due to delinquency bucket and five-category class",
    name_zh="逾期天数映射账龄（M0-M3+）与五级分类",
    owner=OWNER,
    lifecycle="production",
    tags=("post-loan", "monitoring", "DPD", "delinquency"),
    examples=(
        {"input": {"dpd": 0}, "output": {"bucket": "M0", "bucket_range": "0", "five_class": "pass",
                                         "non_performing": False}},
        {"input": {"dpd": 31}, "output": {"bucket": "M2", "bucket_index": 2, "bucket_range": "31-60",
                                          "five_class": "special_mention", "five_class_zh": "关注"}},
        {"input": {"dpd": 91}, "output": {"bucket": "M3+", "bucket_range": "91+", "five_class": "substandard",
                                          "non_performing": True}, "note": "DOMAIN.md §2.8: over 90 is M3+ and 次级"},
        {"input": {"dpd": 30}, "params": {"m1_max_dpd": 29, "m2_max_dpd": 59, "m3_max_dpd": 89},
         "output": {"bucket": "M2", "bucket_range": "30-59"}, "note": "the OCC's 30-59 bucket"},
        {"input": {"dpd": 181}, "output": {"bucket": "M3+", "five_class": "loss", "five_class_zh": "损失"}},
    ),
)
def dpd_bucket(inp: Dpd, params: BucketParams) -> DpdBucket:
    """Map days past due to a delinquency bucket and to the five-category class.

    Buckets (DOMAIN.md §2.8, the 1–30/31–60/61–90/90+ convention): M0 = current (DPD 0), M1 =
    1..``m1_max_dpd``, M2 = up to ``m2_max_dpd``, M3 = up to ``m3_max_dpd``, M3+ beyond. Each edge
    is the last DPD of its bucket, so the OCC handbook's 30–59 / 60–89 buckets are the edges
    29/59/89. The five-category class follows 商业银行信用卡业务监督管理办法 Art. 92 by default:
    正常 at DPD 0, 关注 1–90, 次级 91–120, 可疑 121–180, 损失 over 180, each edge a parameter
    because the 2023 商业银行金融资产风险分类办法's retail thresholds are unverified. 次级 and
    worse are non-performing (不良). A pure function of the DPD and the edges.
    """
    edges = params.edges()
    index = bucket_of(inp.dpd, edges)
    klass = FIVE_CLASSES[bucket_of(inp.dpd, params.class_edges())]
    return DpdBucket(
        bucket=BUCKETS[index],
        bucket_index=index,
        bucket_range=_range_text(index, edges),
        five_class=klass,
        five_class_zh=FIVE_CLASS_ZH[klass],
        non_performing=klass in ("substandard", "doubtful", "loss"),
    )


def bucket_indices(dpd, edges: tuple[int, int, int]):
    """:func:`bucket_of` over an array of DPDs (the batch forms' shared arithmetic)."""
    import numpy as np

    dpd = np.asarray(dpd)
    index = 1 + (dpd > edges[0]).astype(np.int64) + (dpd > edges[1]) + (dpd > edges[2])
    return np.where(dpd <= 0, 0, index)


def bucket_columns(dpd, params: BucketParams) -> dict:
    """The outputs of ``risk.step.dpd_bucket`` as columns (arrays), for an array of DPDs."""
    import numpy as np

    edges = params.edges()
    index = bucket_indices(dpd, edges)
    klass = bucket_indices(dpd, params.class_edges())
    names = np.array(BUCKETS, dtype=object)
    ranges = np.array([_range_text(i, edges) for i in range(5)], dtype=object)
    classes = np.array(FIVE_CLASSES, dtype=object)
    classes_zh = np.array([FIVE_CLASS_ZH[c] for c in FIVE_CLASSES], dtype=object)
    return {"bucket": names[index], "bucket_index": index, "bucket_range": ranges[index],
            "five_class": classes[klass], "five_class_zh": classes_zh[klass], "non_performing": klass >= 2}


def _dpd_bucket_batch(frame, params: BucketParams):
    """The batch form: the same table lookups over the DPD column."""
    return bucket_columns(frame["dpd"].to_numpy(), params)


dpd_bucket = dpd_bucket.with_batch(_dpd_bucket_batch)


# -- risk.step.psi -----------------------------------------------------------------------------

PsiBand = Literal["stable", "monitor", "shift", "no_data"]


class Distributions(ContractModel):
    expected: list[float] = Field(
        default_factory=list, max_length=1000,
        description="the reference distribution per bin (development sample), as counts or shares",
    )
    actual: list[float] = Field(
        default_factory=list, max_length=1000,
        description="the distribution now, over the same bins in the same order, as counts or shares",
    )

    @field_validator("expected", "actual")
    @classmethod
    def _not_negative(cls, value: list[float]) -> list[float]:
        if any(v < 0 for v in value):
            raise ValueError("a bin's count or share cannot be negative")
        return value

    @model_validator(mode="after")
    def _same_bins(self) -> Distributions:
        if len(self.expected) != len(self.actual):
            raise ValueError(f"expected has {len(self.expected)} bins but actual has {len(self.actual)}")
        return self


class PsiParams(ContractModel):
    """The bands are a practitioner convention (Lewis 1994, DOMAIN.md §2.9): HQ's ranges overlap,
    so the two cut-offs are also checked together (stable_below < shift_above)."""

    epsilon: float = Field(
        1e-4, ge=1e-8, le=0.01, description="share put in an empty bin before taking the log (no division by zero)"
    )
    stable_below: float = Field(0.10, ge=0.05, le=0.20, description="PSI below this is stable")
    shift_above: float = Field(0.25, ge=0.15, le=0.50, description="PSI above this is a shift; between is monitor")

    @model_validator(mode="after")
    def _bands_ordered(self) -> PsiParams:
        if not self.stable_below < self.shift_above:
            raise ValueError(
                f"stable_below {self.stable_below} must be below shift_above {self.shift_above}"
            )
        return self


class Psi(ContractModel):
    psi: float | None = Field(description="Σ(Aᵢ − Eᵢ)·ln(Aᵢ/Eᵢ) over the bins; None when a side has no data")
    band: PsiBand = Field(description="stable, monitor, shift, or no_data when either distribution is empty")
    bins: int = Field(description="number of bins compared")
    contributions: list[float] = Field(default_factory=list, description="each bin's (Aᵢ − Eᵢ)·ln(Aᵢ/Eᵢ)")
    expected_shares: list[float] = Field(default_factory=list, description="expected shares after normalising")
    actual_shares: list[float] = Field(default_factory=list, description="actual shares after normalising")
    largest_bin: int | None = Field(None, description="0-based index of the bin contributing most")


def _shares(values: list[float]) -> list[float]:
    total = math.fsum(values)
    return [v / total for v in values]


@capability(
    id=PSI,
    version="1.0.0",
    level=5,
    name="Population stability index (PSI) and band",
    name_zh="群体稳定性指标（PSI）及分档",
    owner=OWNER,
    lifecycle="production",
    tags=("post-loan", "monitoring", "model", "PSI"),
    examples=(
        {"input": {"expected": [0.2, 0.3, 0.5], "actual": [0.2, 0.3, 0.5]}, "output": {"psi": 0.0, "band": "stable"}},
        {"input": {"expected": [50, 50], "actual": [120, 80]},
         "output": {"psi": 0.040546511, "band": "stable", "actual_shares": [0.6, 0.4]},
         "note": "counts: 0.1·ln 1.2 + 0.1·ln 1.25"},
        {"input": {"expected": [0.5, 0.5], "actual": [0.7, 0.3]}, "output": {"psi": 0.169459572, "band": "monitor"}},
        {"input": {"expected": [0.5, 0.5], "actual": [0.8, 0.2]},
         "output": {"psi": 0.415888308, "band": "shift", "largest_bin": 1}},
        {"input": {"expected": [], "actual": []}, "output": {"psi": None, "band": "no_data", "bins": 0}},
    ),
)
def psi(inp: Distributions, params: PsiParams) -> Psi:
    """Population stability index of the actual distribution against the expected one.

    PSI = Σ(Aᵢ − Eᵢ)·ln(Aᵢ/Eᵢ) over bin shares (DOMAIN.md §2.9). Each side may be given as
    counts or as shares: it is divided by its own total. An empty bin (share 0) takes the share
    ``epsilon`` before the log, so the index stays finite; a bin empty on both sides contributes
    nothing. Bands: below ``stable_below`` (0.10) stable, above ``shift_above`` (0.25) a shift,
    in between (both ends included) monitor — the convention attributed to Lewis (1994). When
    either side is empty or all zero there is nothing to compare: PSI is None and the band
    ``no_data``, never NaN and never a reassuring 0.
    """
    bins = len(inp.expected)
    if bins == 0 or math.fsum(inp.expected) <= 0 or math.fsum(inp.actual) <= 0:
        return Psi(psi=None, band="no_data", bins=bins)
    expected, actual = _shares(inp.expected), _shares(inp.actual)
    eps = params.epsilon
    terms = []
    for e, a in zip(expected, actual, strict=True):
        e_, a_ = (e if e > 0 else eps), (a if a > 0 else eps)
        terms.append((a_ - e_) * math.log(a_ / e_))
    value = math.fsum(terms)
    if value < params.stable_below:
        band = "stable"
    elif value > params.shift_above:
        band = "shift"
    else:
        band = "monitor"
    largest = max(range(bins), key=lambda i: terms[i]) if value > 0 else None
    return Psi(psi=value, band=band, bins=bins, contributions=terms, expected_shares=expected,
               actual_shares=actual, largest_bin=largest)


# -- risk.monitor.dpd --------------------------------------------------------------------------


class Instalment(ContractModel):
    due_date: dt.date = Field(description="the instalment's due date")
    amount_due: float = Field(ge=0, description="principal and interest due on that date, RMB")


class Payment(ContractModel):
    paid_on: dt.date = Field(description="value date of the repayment")
    amount: float = Field(ge=0, description="amount repaid, RMB")


class LoanStatus(ContractModel):
    """Either the schedule (with the payments received), from which the oldest unpaid instalment
    is worked out, or the ledger's summary of it (``oldest_unpaid_due_date``), not both."""

    as_of: dt.date = Field(description="the monitoring date: payments after it are not counted")
    loan_id: str | None = Field(None, max_length=64, description="the loan's reference, echoed")
    oldest_unpaid_due_date: dt.date | None = Field(
        None, description="summary form: due date of the oldest instalment not fully repaid (None: nothing unpaid; "
        "after as_of: not due yet, so the loan is current, and an overdue amount beside it is refused)"
    )
    overdue_amount: float | None = Field(None, ge=0, description="summary form: amount past due, RMB, echoed")
    schedule: list[Instalment] = Field(default_factory=list, description="schedule form: the repayment plan")
    payments: list[Payment] = Field(
        default_factory=list, description="schedule form: repayments, applied to the oldest instalment first"
    )

    @model_validator(mode="after")
    def _one_form(self) -> LoanStatus:
        summary = self.oldest_unpaid_due_date is not None or self.overdue_amount is not None
        if summary and (self.schedule or self.payments):
            raise ValueError("give either the summary (oldest_unpaid_due_date) or the schedule and payments, not both")
        if self.payments and not self.schedule:
            raise ValueError("payments need the schedule they repay")
        if self.overdue_amount and self.oldest_unpaid_due_date is None:
            raise ValueError("an overdue amount needs the oldest unpaid due date it has been unpaid since")
        # a summary whose oldest unpaid instalment is not due yet has nothing overdue: an amount
        # past due beside it contradicts it (a ledger extract of another day?), so the loan is
        # refused rather than shown current (DPD 0) with arrears
        if self.overdue_amount and self.oldest_unpaid_due_date is not None \
                and self.oldest_unpaid_due_date > self.as_of:
            raise ValueError(f"an overdue amount needs an oldest unpaid due date on or before as_of "
                             f"({self.oldest_unpaid_due_date} is after {self.as_of}: nothing is due yet)")
        return self


class MonitorParams(BucketParams):
    grace_days: int = Field(
        0, ge=0, le=5,
        description="宽限期: days after a due date an unpaid instalment is not yet overdue; past it, DPD counts "
        "from the due date",
    )
    tolerance: float = Field(
        0.0, ge=0, le=100, description="an instalment with at most this much unpaid (尾差), RMB, counts as paid"
    )


class LoanDpd(DpdBucket):
    loan_id: str | None = None
    dpd: int = Field(description="days past due on as_of: as_of − oldest unpaid due date, 0 within the grace")
    oldest_unpaid_due_date: dt.date | None = Field(
        None, description="due date of the oldest instalment due on or before as_of and not fully repaid"
    )
    in_grace: bool = Field(False, description="an instalment is past its due date but within the grace days")
    overdue_amount: float | None = Field(
        None, description="unpaid amount of the overdue instalments, RMB (schedule form), or the summary's"
    )
    overdue_instalments: int | None = Field(None, description="overdue instalments (schedule form only)")


def _oldest_unpaid(status: LoanStatus, tolerance: float) -> tuple[dt.date | None, list[tuple[dt.date, float]]]:
    """Apply the payments up to as_of to the instalments, oldest first; return the oldest unpaid
    due date on or before as_of and every such unpaid (due date, remaining) pair."""
    paid = math.fsum(p.amount for p in status.payments if p.paid_on <= status.as_of)
    unpaid = []
    for inst in sorted(status.schedule, key=lambda i: i.due_date):
        applied = min(paid, inst.amount_due)
        paid -= applied
        remaining = inst.amount_due - applied
        if inst.due_date <= status.as_of and remaining > tolerance:
            unpaid.append((inst.due_date, remaining))
    return (unpaid[0][0] if unpaid else None), unpaid


@capability(
    id="risk.monitor.dpd",
    version="1.0.0",
    level=4,
    name="Days past due and delinquency bucket of a loan",
    name_zh="贷款逾期天数与账龄分类",
    owner=OWNER,
    lifecycle="production",
    tags=("post-loan", "monitoring", "DPD", "delinquency"),
    uses=(f"{DPD_BUCKET}~=1.0",),
    examples=(
        {"input": {"as_of": "2025-03-31", "oldest_unpaid_due_date": None},
         "output": {"dpd": 0, "bucket": "M0", "five_class": "pass"}},
        {"input": {"as_of": "2025-03-31", "oldest_unpaid_due_date": "2025-02-15", "overdue_amount": 3200},
         "output": {"dpd": 44, "bucket": "M2", "five_class": "special_mention", "overdue_amount": 3200.0}},
        {"input": {"as_of": "2025-04-20",
                   "schedule": [{"due_date": "2025-01-20", "amount_due": 1000}, {"due_date": "2025-02-20",
                                "amount_due": 1000}, {"due_date": "2025-03-20", "amount_due": 1000},
                                {"due_date": "2025-04-20", "amount_due": 1000}],
                   "payments": [{"paid_on": "2025-01-19", "amount": 1000}, {"paid_on": "2025-03-25", "amount": 500}]},
         "output": {"dpd": 59, "bucket": "M2", "oldest_unpaid_due_date": "2025-02-20", "overdue_amount": 1500.0,
                    "overdue_instalments": 2},
         "note": "the March payment goes to February's instalment first; April's is due today, not overdue"},
        {"input": {"as_of": "2025-07-01", "oldest_unpaid_due_date": "2025-03-01"},
         "output": {"dpd": 122, "bucket": "M3+", "five_class": "doubtful", "non_performing": True}},
    ),
)
def dpd(status: LoanStatus, params: MonitorParams, ctx) -> LoanDpd:
    """Days past due of a loan on ``as_of``, with its bucket and five-category class.

    DPD = as_of − due date of the oldest instalment not fully repaid (the day after a missed due
    date is DPD 1; the due date itself is 0). From the schedule, payments received up to as_of
    are applied to the oldest instalment first (a late payment cures the oldest arrears, not
    the latest), an instalment with no more than ``tolerance`` unpaid counts as paid, and the
    overdue amount is what remains on the instalments past due. From the ledger's summary the
    oldest unpaid due date is taken as given. Within ``grace_days`` (宽限期) of the due date the
    loan is still current (DPD 0, ``in_grace``); past it DPD counts from the due date, not from
    the end of the grace. The bucket and class come from ``risk.step.dpd_bucket`` with the
    edges of DOMAIN.md §2.8 as params. A loan with nothing due is M0, never an error.
    """
    overdue_count: int | None = None
    if status.schedule:
        oldest, unpaid = _oldest_unpaid(status, params.tolerance)
        late = [(due, rest) for due, rest in unpaid if (status.as_of - due).days > params.grace_days]
        overdue_amount: float | None = round(math.fsum(rest for _, rest in late), 2)
        overdue_count = len(late)
    else:
        oldest, overdue_amount = status.oldest_unpaid_due_date, status.overdue_amount
    days = max(0, (status.as_of - oldest).days) if oldest is not None else 0
    in_grace = 0 < days <= params.grace_days
    past_due = 0 if days <= params.grace_days else days
    if not status.schedule and overdue_amount is None and past_due == 0:
        overdue_amount = 0.0
    step_params = {name: getattr(params, name) for name in BucketParams.model_fields}
    bucket = ctx.use(DPD_BUCKET)({"dpd": past_due}, step_params)
    return LoanDpd(
        **bucket.model_dump(),
        loan_id=status.loan_id,
        dpd=past_due,
        oldest_unpaid_due_date=oldest if oldest is not None and oldest <= status.as_of else None,
        in_grace=in_grace,
        overdue_amount=overdue_amount,
        overdue_instalments=overdue_count,
    )


def _dpd_batch(frame, params: MonitorParams):
    """The batch form, for the ledger's summary form (the nightly book): DPD from the oldest unpaid
    due date, column by column. Rows with a schedule or payments, or whose summary breaks the
    contract's cross-field rule, are left to the record form (``_record``), as are DPDs beyond the
    bucket step's range (its contract error is the record form's to report)."""
    import numpy as np

    from jimu.runtime.columns import per_distinct

    n = len(frame)
    as_of = frame["as_of"].to_numpy(dtype="datetime64[s]")
    oldest = frame["oldest_unpaid_due_date"].to_numpy(dtype="datetime64[s]")
    overdue = frame["overdue_amount"].to_numpy(dtype=float)
    has_oldest = ~np.isnat(oldest)
    # the loans with a schedule or payments (the others share one empty list: looked at once)
    record = per_distinct(frame["schedule"], bool, bool) | per_distinct(frame["payments"], bool, bool)
    record |= ~np.isnan(overdue) & (overdue != 0) & ~has_oldest
    with np.errstate(invalid="ignore"):  # the contract's rule on arrears beside a date not due yet: pydantic's
        record |= ~np.isnan(overdue) & (overdue != 0) & has_oldest & (oldest > as_of)
    days = np.where(has_oldest, (as_of - np.where(has_oldest, oldest, as_of)).astype("timedelta64[D]").astype(np.int64),
                    0)
    days = np.maximum(days, 0)
    in_grace = (days > 0) & (days <= params.grace_days)
    past_due = np.where(days <= params.grace_days, 0, days)
    record |= past_due > 36_500  # beyond risk.step.dpd_bucket's contract: the record form says so
    overdue = np.where(np.isnan(overdue) & (past_due == 0), 0.0, overdue)
    shown = np.where(has_oldest & (oldest <= as_of), oldest, np.datetime64("NaT"))
    out = bucket_columns(np.where(record, 0, past_due), params)
    out.update(loan_id=frame["loan_id"].to_numpy(dtype=object), dpd=past_due, oldest_unpaid_due_date=shown,
               in_grace=in_grace, overdue_amount=overdue, overdue_instalments=np.full(n, np.nan), _record=record)
    return out


dpd = dpd.with_batch(_dpd_batch)


# -- population stability of the score (an aggregate) -------------------------------------------


class ScoredPopulation(ContractModel):
    scores: list[float] = Field(description="this period's scores, one per account (the whole population)")


class PopulationPsiParams(ContractModel):
    edges: list[float] = Field(
        default_factory=lambda: [490.0, 520.0, 550.0, 580.0],
        min_length=1, max_length=50,
        description="score cut points: bin i holds scores in [edges[i-1], edges[i]); default: the A–E band cut-offs",
    )
    expected_shares: list[float] = Field(
        default_factory=lambda: [0.30, 0.17, 0.18, 0.16, 0.19],
        description="the reference (development sample) share of each bin, len(edges)+1 of them",
    )
    stable_below: float = Field(0.10, ge=0.05, le=0.20)
    shift_above: float = Field(0.25, ge=0.15, le=0.50)

    @model_validator(mode="after")
    def _consistent(self) -> PopulationPsiParams:
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise ValueError("edges must strictly increase")
        if len(self.expected_shares) != len(self.edges) + 1:
            raise ValueError(f"{len(self.edges)} edges make {len(self.edges) + 1} bins, "
                             f"but {len(self.expected_shares)} expected shares are given")
        if any(x < 0 for x in self.expected_shares) or not math.isclose(sum(self.expected_shares), 1.0, abs_tol=1e-6):
            raise ValueError("expected shares must be non-negative and add up to 1")
        return self


class PopulationPsi(ContractModel):
    accounts: int
    actual_counts: list[int]
    psi: float | None
    band: Literal["stable", "monitor", "shift", "no_data"]


@capability(
    id="risk.monitor.psi",
    version="1.0.0",
    level=4,
    kind="aggregate",
    name="Score population stability (PSI)",
    name_zh="评分群体稳定性指数",
    owner=OWNER,
    lifecycle="production",
    tags=("monitoring", "model risk", "PSI"),
    uses=(f"{PSI}~=1.0",),
    examples=(
        {"input": {"scores": [480] * 31 + [510] * 16 + [540] * 18 + [570] * 17 + [600] * 18},
         "output": {"accounts": 100, "actual_counts": [31, 16, 18, 17, 18], "band": "stable"},
         "note": "this month's book looks like the development sample"},
        {"input": {"scores": [450, 455, 460, 470, 480, 485, 490, 495, 600, 610]},
         "output": {"actual_counts": [6, 2, 0, 0, 2], "band": "shift"}},
    ),
)
def population_psi(population: ScoredPopulation, params: PopulationPsiParams, ctx) -> PopulationPsi:
    """Bin this period's scores on the development sample's cut points and compare (DOMAIN.md §2.9).

    A whole population in, one figure out: an ``aggregate``, run once over the book (never per
    partition: PSI of a partition is not the PSI of the book). The arithmetic is the PSI step's.
    """
    import bisect

    counts = [0] * (len(params.edges) + 1)
    for score in population.scores:
        counts[bisect.bisect_right(params.edges, score)] += 1
    if not population.scores:
        return PopulationPsi(accounts=0, actual_counts=counts, psi=None, band="no_data")
    result = ctx.use(PSI)({"expected": params.expected_shares, "actual": counts},
                          {"stable_below": params.stable_below, "shift_above": params.shift_above})
    return PopulationPsi(accounts=len(population.scores), actual_counts=counts, psi=result.psi, band=result.band)


CAPABILITIES = (dpd_bucket, psi, dpd, population_psi)
