"""A seeded synthetic retail loan book (``jimu sample loans``) for post-loan and management demos.

Every value is synthetic, drawn from the seed with the standard library's ``random``: the same
``(rows, seed)`` gives the same rows, and 100,000 rows take about five seconds. The book is held
by **customers** with one to three loans of different products, booked at the customer's home
branch and observed on one date, :data:`AS_OF` (2026-02-10, the demo date used across the
project). docs/loanbook.md gives the same account column by column, with the shares measured.
(A) marks an assumption: a plausible magnitude, not a figure from a source.

- **Customers.** ``customer_id`` is an 18-character resident ID with a valid GB 11643 check
  character and a real GB/T 2260 county code: of the home branch's city for most, of a
  provincial capital elsewhere for the rest (the migrant share: 55 % in Shenzhen, 40 % in
  Beijing and Shanghai, 15-25 % elsewhere (A)). Age on AS_OF is triangular, 22-65, mode 34 (A).
  Loans per customer: 1 (76 %), 2 (18 %), 3 (6 %) (A), each of a different product.
  ``monthly_income`` is log-normal, median 11,000 RMB, σ 0.55, × 1.35 in tier-1 and × 1.15 in
  large cities, × 1.8 for a merchant-loan customer, × 1.3 with a mortgage (A).
- **Organisation.** Twelve branches (``zhejiang.hangzhou``, ``guangdong.shenzhen``, ...)
  weighted 3-14 % of customers; ``region`` is the branch's province (its first segment).
- **Products → Basel segment.** consumer_loan → other_retail; merchant_loan (个人经营贷, to a
  business owner: retail SME) → other_retail; credit_card → qrre; mortgage → mortgage. Drawn
  without replacement with weights 40 : 14 : 32 : 12, tilted by the customer's score (a better
  customer more often holds a mortgage, less often a merchant loan or card): about 37 / 16 /
  32 / 15 % of loans, and by balance 8 / 24 / 2 / 67 % (mortgages dominate retail balances).
- **Risk.** A customer's creditworthiness is a score μ ~ Normal(550, 25) on HQ's scorecard
  scale (600 points at odds 50:1 good:bad, 20 points to double the odds); a loan's
  ``origination_score`` is μ + Normal(0, 10), held to 465-720 (booked loans). ``pd`` is that
  score's PD under HQ's card (its 30 %-bad training sample corrected to a 5 % portfolio bad
  rate, ``risk.prescreen.scorecard``'s default), held to 0.3 %-20 % (the best and worst
  grades of the master scale, A): right-skewed, median ≈ 1.4 %, mean ≈ 2.0 %. ``risk_grade``
  is HQ's band: A ≥ 580, B ≥ 550, C ≥ 520, D ≥ 490, else E (about 13 / 37 / 37 / 12 / 1 %);
  HQ's matrix refers D and declines E, so the few E loans stand for exceptions and older
  vintages (A). ``pd`` is the rating PD, not re-rated for today's arrears: a loan over 90 DPD
  is in default under Basel (PD 1), and a capital calculation should treat it so.
- **LGD**, pooled per product as IRB retail pools are (A): mortgage 20 % (collateral at LTV
  ≤ 70 %), merchant 45 % (often partly secured or guaranteed), consumer 55 %, card 65 %.
- **Amounts.** ``limit`` is the original principal, a card's credit line; log-normal (median,
  σ, range, rounding): consumer 60,000, 0.6, 10,000-300,000, 1,000; merchant 300,000, 0.7,
  50,000-3,000,000, 10,000; card 25,000, 0.7, 3,000-200,000, 1,000; mortgage 900,000, 0.55,
  200,000-6,000,000, 10,000; × the city's price level (mortgage 1.6 / 1.2, others 1.2 / 1.1 in
  tier-1 / large cities) (A). ``balance`` (= EAD: the drawn balance, no credit conversion
  factor on undrawn card lines, A) is an annuity's principal outstanding after the
  instalments paid (missed ones are still owed); 25 % of mortgages were also partly prepaid
  (the 2023-24 prepayment wave) to 50-90 % of that; 60 % of merchant loans are interest-only
  (先息后本: balance = principal); a card's balance is utilisation × limit, 15 % of current cards
  inactive (0), utilisation rising with PD, and a delinquent card at 80-108 % of its limit
  (interest and fees can take it over: the one product whose balance may exceed its limit).
- **Terms.** ``tenor_months``: consumer 12/24/36/60 (25/25/35/15 %), merchant 12/24/36
  (45/30/25 %), mortgage 240/300/360 (30/20/50 %), card empty (revolving). Months on book
  lean to recent months (a growing book): tenor × u^1.25; mortgages min(tenor, 180) × u^1.6
  (old ones have been prepaid); card accounts 120 × u^1.8 (A). Every loan falls due monthly
  on its origination day (1-28); none in the book has reached maturity.
- **Rates.** Consumer and merchant loans are fixed at origination by HQ's pricing: the 1-year
  LPR on the origination date (the bundled history) + the grade's spread (A 50, B 150, C 300,
  D 600, E 1,000 bp: ``risk.underwrite.pricing``'s defaults) + a branch adjustment of −25..+25
  bp, held to HQ's 3 %-18 %. Mortgages float on today's 5-year LPR (3.50 %) − 30 bp (A, B),
  − 20 (C), − 10 (D), ± 0 (E): existing mortgages were repriced to at least LPR − 30 bp in
  2024. A card's ``rate`` is the yield on its balance (transactors pay no interest, revolvers
  0.05 % a day): A 7 %, B 8.5 %, C 10 %, D 12 %, E 14 % (A), so that revenue = rate × EAD is
  not the revolving APR on every balance. ``ftp_rate`` is matched-maturity: 1.85 % (≤ 12
  months, and cards), 1.95 % (24), 2.05 % (36), 2.20 % (60), 2.45 % (mortgages), plus half the
  fall of the 1-year LPR since a fixed-rate loan was booked, held to 1.8 %-2.6 % (A).
  ``opex_rate``: mortgage 0.25 %, consumer 1.0 %, merchant 1.2 %, card 3.5 % (rewards, statements,
  acquisition) of EAD (A).
- **Repayment.** A loan is delinquent with probability 1.2 % (one instalment missed whatever
  the risk: salary timing, a failed direct debit) + 3.3 × PD (at most 70 %), a risk-driven
  delinquency running deeper the higher the PD. The missed instalments (cycles: 1 ≈ M1, 2 ≈
  M2, 3 ≈ M3, 4-12 M3+) set ``oldest_unpaid_due_date``, that many due dates back from the last
  one before AS_OF, and ``dpd`` = AS_OF − that date; a loan cannot miss more instalments than
  have fallen due (a new loan is current). Calibrated to the target shares, about 93 % M0, 4 %
  M1, 1.2 % M2, 0.6 % M3 and 1.2 % M3+ (a 90+ ratio close to Chinese banks' retail NPL
  ratios, A). ``overdue_amount``: the missed instalments (interest only for an interest-only
  loan; a card's minimum payment, 10 % of the balance, at least 100). ``missed_payments_12m``:
  the missed instalments in the last 12 months plus those paid late, each earlier month with
  probability 0.4 % + 35 % × PD (5 % + 50 % × PD on a delinquent loan).
- **Behaviour**, per customer (the same on each of their loans: their accounts here).
  Baselines: deposit balance log-normal, median 25,000 (60,000 with a mortgage, 80,000 for a
  merchant), σ 1.0; monthly credit turnover 1.0-1.6 × income (a merchant's: median 200,000, σ
  0.9) (A). 30 % of card-only customers keep no account here (all four figures 0). A drop hits
  3 % of customers whose loans are all current, 30 / 50 / 65 / 75 % of those whose worst loan
  is M1 / M2 / M3 / M3+, 30 pp more with an external event: the last three months' balance
  falls to 10-60 % of the baseline and, in 80 % of drops, turnover to 15-65 %; otherwise each
  ratio is log-normal around 1 (σ 0.18 balance, 0.12 turnover). ``*_avg_12m`` includes the last
  three months: (3 × avg_3m + 9 × baseline) / 12.
- **Scores**, HQ's scale, held to 300-900. ``current_score`` is the customer's re-score today:
  μ + Normal(0, 8) − 15 / 35 / 50 / 65 points for a worst loan in M1 / M2 / M3 / M3+, − 12
  with a drop, − 20 with an event; so the drift origination − current is about Normal(0, 13)
  for a clean customer and 20-80 points for a delinquent one (``risk.earlywarning.signals``
  warns from 20, is critical from 40). ``behaviour_score`` is the loan's own: current + 5 − 25
  / 50 / 70 / 90 for its bucket − 6 per payment missed in 12 months + Normal(0, 10).
- **External events**, per customer: a JSON list of ``{"type", "date"}`` sorted by date. A
  customer has some with probability 0.5 % when all loans are current, 6 / 14 / 22 / 32 % by
  worst bucket M1 / M2 / M3 / M3+, × 1.5 with a merchant loan: about 2 % of loans. One (75 %),
  two (20 %) or three; types litigation 45 %, enforcement 30 %, dishonest_debtor 15 %,
  abnormal_operation 10 % (merchant customers 35 / 25 / 10 / 30 %); dated up to 540 days
  before AS_OF (240 for a delinquent customer). Only types ``risk.earlywarning.signals``
  accepts are drawn: a default at another lender is a credit-bureau record, not an event of
  the court and registry feed, and has no type there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jimu import Sample

from .data.fixtures import resident_id
from .samples import AS_OF
from .risk.scorecard import prior_shift, scaling

DEFAULT_ROWS = 10_000

#: branch → (customers' weight %, local GB/T 2260 county codes, share registered locally, city tier);
#: the region is the branch id's first segment, its province
BRANCHES: dict[str, tuple[int, tuple[str, ...], float, int]] = {
    "zhejiang.hangzhou": (14, ("330106", "330102", "330105", "330108", "330110"), 0.80, 2),
    "guangdong.shenzhen": (12, ("440305", "440304", "440306", "440307"), 0.45, 1),
    "shanghai.pudong": (11, ("310115", "310104", "310112"), 0.60, 1),
    "jiangsu.suzhou": (10, ("320505", "320506", "320507", "320508"), 0.80, 2),
    "beijing.haidian": (10, ("110108", "110102"), 0.60, 1),
    "beijing.chaoyang": (8, ("110105", "110106"), 0.60, 1),
    "guangdong.guangzhou": (8, ("440106", "440104", "440105"), 0.75, 2),
    "jiangsu.nanjing": (7, ("320102", "320104", "320106"), 0.80, 2),
    "zhejiang.ningbo": (6, ("330203", "330212"), 0.80, 3),
    "sichuan.chengdu": (6, ("510107", "510104", "510105"), 0.85, 2),
    "hubei.wuhan": (5, ("420106", "420102", "420111"), 0.85, 2),
    "shandong.qingdao": (3, ("370202", "370212"), 0.85, 3),
}
#: Hometowns of customers not registered locally: provincial-capital districts (GB/T 2260, in use).
HOMETOWNS = ("430104", "430102", "410105", "360102", "340104", "450103", "500103", "210102", "120101",
             "370102", "230103", "530102", "130104", "140105", "520102", "610113", "350203", "650102")

PRODUCTS = ("consumer_loan", "merchant_loan", "credit_card", "mortgage")
SEGMENT = {"consumer_loan": "other_retail", "merchant_loan": "other_retail", "credit_card": "qrre",
           "mortgage": "mortgage"}
PRODUCT_WEIGHT = {"consumer_loan": 40, "merchant_loan": 14, "credit_card": 32, "mortgage": 12}
LOANS_PER_CUSTOMER = ((1, 0.76), (2, 0.18), (3, 0.06))
LGD = {"consumer_loan": 0.55, "merchant_loan": 0.45, "credit_card": 0.65, "mortgage": 0.20}
OPEX = {"consumer_loan": 0.010, "merchant_loan": 0.012, "credit_card": 0.035, "mortgage": 0.0025}
#: (median, σ of the log, lowest, highest, rounded to) of the limit / original principal, RMB
LIMIT = {"consumer_loan": (60_000, 0.6, 10_000, 300_000, 1_000),
         "merchant_loan": (300_000, 0.7, 50_000, 3_000_000, 10_000),
         "credit_card": (25_000, 0.7, 3_000, 200_000, 1_000),
         "mortgage": (900_000, 0.55, 200_000, 6_000_000, 10_000)}
#: price level by city tier: (mortgage, other products)
PRICE_LEVEL = {1: (1.6, 1.2), 2: (1.2, 1.1), 3: (1.0, 1.0)}
INCOME_LEVEL = {1: 1.35, 2: 1.15, 3: 1.0}
TENORS = {"consumer_loan": ((12, 0.25), (24, 0.25), (36, 0.35), (60, 0.15)),
          "merchant_loan": ((12, 0.45), (24, 0.30), (36, 0.25)),
          "mortgage": ((240, 0.30), (300, 0.20), (360, 0.50))}
#: how a product's weight tilts with the customer's score z = (μ − mean)/sd: weight × e^(tilt·z)
PRODUCT_TILT = {"consumer_loan": 0.0, "merchant_loan": -0.3, "credit_card": -0.2, "mortgage": 0.6}

# HQ's scorecard scale and PD calibration (risk.prescreen.scorecard's defaults)
FACTOR, OFFSET = scaling(pdo=20.0, odds=50.0, score=600.0)
SHIFT = prior_shift(0.30, 0.05)  # the card's 30 %-bad sample → HQ's default 5 % portfolio bad rate
SCORE_MEAN, SCORE_SD, LOAN_SD = 550.0, 25.0, 10.0
SCORE_MIN, SCORE_MAX = 465.0, 720.0  # booked origination scores
PD_MIN, PD_MAX = 0.003, 0.20
GRADES = ((580.0, "A"), (550.0, "B"), (520.0, "C"), (490.0, "D"))  # HQ's band cut-offs; below: E
SPREAD_BP = {"A": 50, "B": 150, "C": 300, "D": 600, "E": 1000}  # risk.underwrite.pricing's defaults
MORTGAGE_SPREAD_BP = {"A": -30, "B": -30, "C": -20, "D": -10, "E": 0}
CARD_YIELD = {"A": 0.07, "B": 0.085, "C": 0.10, "D": 0.12, "E": 0.14}
RATE_FLOOR, RATE_CEILING = 0.03, 0.18
FTP_BY_TENOR = ((12, 0.0185), (24, 0.0195), (36, 0.0205), (60, 0.0220))
FTP_MORTGAGE, FTP_CARD, FTP_MIN, FTP_MAX = 0.0245, 0.0185, 0.018, 0.026

# Delinquency: P(delinquent) = TECHNICAL + RISK_SLOPE × PD (≤ RISK_CAP); depth grows with PD
TECHNICAL, RISK_SLOPE, RISK_CAP = 0.012, 3.3, 0.70
MAX_CYCLES = 12
# Behaviour and events by the customer's worst bucket (0 = M0 … 4 = M3+)
DROP_P = (0.03, 0.30, 0.50, 0.65, 0.75)
EVENT_P = (0.005, 0.06, 0.14, 0.22, 0.32)
SCORE_PENALTY = (0.0, 15.0, 35.0, 50.0, 65.0)
BEHAVIOUR_PENALTY = (0.0, 25.0, 50.0, 70.0, 90.0)
#: event types (risk.earlywarning.signals' vocabulary) and their weights: individuals, merchants
EVENT_TYPES = ("litigation", "enforcement", "dishonest_debtor", "abnormal_operation")
EVENT_WEIGHTS = ((45, 30, 15, 10), (35, 25, 10, 30))
BUCKET_EDGES = (30, 60, 90)  # DOMAIN.md §2.8: M1 1-30, M2 31-60, M3 61-90, M3+ over 90

COLUMNS = (
    "loan_id", "customer_id", "branch", "region", "product", "segment", "risk_grade", "origination_date",
    "tenor_months", "as_of", "limit", "balance", "rate", "ftp_rate", "opex_rate", "pd", "lgd",
    "oldest_unpaid_due_date", "dpd", "overdue_amount", "missed_payments_12m", "monthly_income",
    "deposit_balance_avg_3m", "deposit_balance_avg_12m", "turnover_avg_3m", "turnover_avg_12m",
    "origination_score", "current_score", "behaviour_score", "external_events",
)


def pd_of_score(score: float) -> float:
    """HQ's card: logit(PD) = (Offset − score)/Factor + prior shift, held to PD_MIN..PD_MAX."""
    z = (OFFSET - score) / FACTOR + SHIFT
    return min(PD_MAX, max(PD_MIN, 1.0 / (1.0 + math.exp(-z))))


def grade_of_score(score: float) -> str:
    return next((grade for cut, grade in GRADES if score >= cut), "E")


def bucket_of(dpd: int) -> int:
    """0 for M0 … 4 for M3+ under the 30/60/90 edges."""
    return 0 if dpd <= 0 else 1 + sum(dpd > edge for edge in BUCKET_EDGES)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative); days here are 1-28, so always valid."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, day.day)


@lru_cache(maxsize=None)
def _lpr(day: dt.date, tenor: str) -> float:
    """The LPR in force on ``day`` from the bundled history (cached: a book has a few thousand dates)."""
    return _history().rate_on(day, tenor)


@lru_cache(maxsize=1)
def _history():
    from .data.market import LprHistory

    return LprHistory.bundled()


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    r, total = rng.random(), 0.0
    for value, weight in table:
        total += weight
        if r < total:
            return value
    return table[-1][0]


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """Binomial(n, p) by inverting its distribution function with one uniform (p is small here)."""
    u = rng.random()
    term = (1.0 - p) ** n
    cdf, k = term, 0
    while u > cdf and k < n:
        term *= (n - k) / (k + 1) * p / (1.0 - p)
        cdf += term
        k += 1
    return k


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _annuity_balance(principal: float, monthly: float, n: int, paid: int) -> float:
    if paid <= 0:
        return principal
    if paid >= n:
        return 0.0
    if monthly == 0:
        return principal * (n - paid) / n
    grow = 1.0 + monthly
    return principal * (grow ** n - grow ** paid) / (grow ** n - 1.0)


def _annuity_payment(principal: float, monthly: float, n: int) -> float:
    if monthly == 0:
        return principal / n
    return principal * monthly / (1.0 - (1.0 + monthly) ** -n)


class _Customer:
    __slots__ = ("resident_id", "branch", "region", "tier", "mu", "income")


def _new_customer(rng: random.Random, issued: set[str], branches: list[str], cumulative: list[int]) -> _Customer:
    c = _Customer()
    c.branch = rng.choices(branches, cum_weights=cumulative)[0]
    _, local, local_share, c.tier = BRANCHES[c.branch]
    c.region = c.branch.split(".", 1)[0]
    age = int(rng.triangular(22, 66, 34))
    latest = AS_OF.replace(year=AS_OF.year - age)  # born on or before this day: aged `age` on AS_OF
    born = latest - dt.timedelta(days=rng.randrange(365))
    code = rng.choice(local) if rng.random() < local_share else rng.choice(HOMETOWNS)
    while True:
        person = resident_id(code, born, rng.randrange(1, 1000))
        if person not in issued:
            break
    issued.add(person)
    c.resident_id = person
    c.mu = rng.gauss(SCORE_MEAN, SCORE_SD)
    c.income = 11_000.0 * INCOME_LEVEL[c.tier] * math.exp(rng.gauss(0.0, 0.55))
    return c


def _products(rng: random.Random, count: int, mu: float) -> list[str]:
    z = (mu - SCORE_MEAN) / SCORE_SD
    left = {name: weight * math.exp(PRODUCT_TILT[name] * z) for name, weight in PRODUCT_WEIGHT.items()}
    chosen = []
    for _ in range(count):
        names = list(left)
        product = rng.choices(names, [left[n] for n in names])[0]
        chosen.append(product)
        del left[product]
    return chosen


def _cycles(rng: random.Random, pd: float) -> int:
    """Missed instalments (0 = current): a technical one-cycle miss, or a risk-driven one whose
    depth grows with the PD."""
    r = rng.random()
    if r < TECHNICAL:
        return 1
    if r >= TECHNICAL + min(RISK_CAP, RISK_SLOPE * pd):
        return 0
    m = min(2.0, max(0.5, math.sqrt(pd / 0.03)))
    weights = (1.0, 0.42 * m, 0.22 * m, 0.42 * m * m)
    depth = _pick(rng, tuple(zip((1, 2, 3, 4), (w / sum(weights) for w in weights))))
    if depth == 4:
        while depth < MAX_CYCLES and rng.random() < 0.75:  # M3+: 4 + geometric, mean ≈ 7 cycles
            depth += 1
    return depth


def _loan(rng: random.Random, c: _Customer, product: str) -> dict[str, Any]:
    """The loan's own fields; the customer-level ones are added once all of its loans exist."""
    score = min(SCORE_MAX, max(SCORE_MIN, c.mu + rng.gauss(0.0, LOAN_SD)))
    score = round(score, 2)
    pd = round(pd_of_score(score), 6)
    grade = grade_of_score(score)
    median, sigma, low, high, step = LIMIT[product]
    level = PRICE_LEVEL[c.tier][0 if product == "mortgage" else 1]
    limit = min(high, max(low, round(_lognormal(rng, median * level, sigma) / step) * step))
    limit = float(limit)

    pay_day = rng.randint(1, 28)
    if product == "credit_card":
        tenor = None
        mob = int(120 * rng.random() ** 1.8)
    elif product == "mortgage":
        tenor = _pick(rng, TENORS[product])
        mob = int(min(tenor, 180) * rng.random() ** 1.6)
    else:
        tenor = _pick(rng, TENORS[product])
        mob = int(tenor * rng.random() ** 1.25)
    start = add_months(AS_OF.replace(day=pay_day), -mob)
    if start > AS_OF:
        start = add_months(start, -1)
    # the last due date strictly before AS_OF, and how many instalments had fallen due by then
    last_due = AS_OF.replace(day=pay_day) if pay_day < AS_OF.day else add_months(AS_OF.replace(day=pay_day), -1)
    # (a loan booked today, on its pay day, has nothing due: its first due date is a month away)
    due_before = max(0, (last_due.year - start.year) * 12 + last_due.month - start.month)
    due_by_as_of = due_before + (1 if pay_day == AS_OF.day and start < AS_OF else 0)  # due today: taken as paid
    if tenor is not None and due_by_as_of >= tenor:  # keep the book to loans not yet matured
        start = add_months(start, due_by_as_of - tenor + 1)
        due_before -= due_by_as_of - tenor + 1
        due_by_as_of = tenor - 1

    cycles = min(_cycles(rng, pd), due_before)
    oldest = add_months(last_due, -(cycles - 1)) if cycles else None
    dpd = (AS_OF - oldest).days if oldest else 0

    # rates
    if product == "credit_card":
        rate = CARD_YIELD[grade]
        ftp = FTP_CARD
    elif product == "mortgage":
        rate = round(_lpr(AS_OF, "5Y") + MORTGAGE_SPREAD_BP[grade] / 10_000, 4)
        ftp = FTP_MORTGAGE
    else:
        lpr_then = _lpr(start, "1Y")
        adjust = rng.randrange(-25, 30, 5)
        rate = round(min(RATE_CEILING, max(RATE_FLOOR, lpr_then + (SPREAD_BP[grade] + adjust) / 10_000)), 4)
        base = next((f for t, f in FTP_BY_TENOR if tenor <= t), FTP_BY_TENOR[-1][1])
        ftp = base + 0.5 * (lpr_then - _lpr(AS_OF, "1Y"))
    ftp = round(min(FTP_MAX, max(FTP_MIN, ftp)), 4)

    # balance (EAD) and the overdue amount
    paid = due_by_as_of - cycles
    if product == "credit_card":
        if cycles:
            balance = limit * rng.uniform(0.80, 1.08)
        elif rng.random() < 0.15:
            balance = 0.0
        else:
            balance = limit * rng.random() ** (1.8 - min(1.2, 8.0 * pd))
        overdue = cycles * max(100.0, 0.10 * balance) if cycles else 0.0
        overdue = min(overdue, balance)
    elif product == "merchant_loan" and rng.random() < 0.60:  # interest-only, principal at maturity
        balance = limit
        overdue = cycles * limit * rate / 12
    else:
        monthly = rate / 12
        balance = _annuity_balance(limit, monthly, tenor, paid)
        if product == "mortgage" and rng.random() < 0.25:
            balance *= rng.uniform(0.5, 0.9)
        overdue = cycles * _annuity_payment(limit, monthly, tenor)
    window = min(12, due_before)
    late = min(cycles, window)
    p_late = (0.05 + 0.5 * pd) if cycles else (0.004 + 0.35 * pd)
    missed = late + _binomial(rng, window - late, p_late)

    return {
        "loan_id": "",
        "customer_id": c.resident_id,
        "branch": c.branch,
        "region": c.region,
        "product": product,
        "segment": SEGMENT[product],
        "risk_grade": grade,
        "origination_date": start.isoformat(),
        "tenor_months": tenor,
        "as_of": AS_OF.isoformat(),
        "limit": limit,
        "balance": round(balance, 2),
        "rate": rate,
        "ftp_rate": ftp,
        "opex_rate": OPEX[product],
        "pd": pd,
        "lgd": LGD[product],
        "oldest_unpaid_due_date": oldest.isoformat() if oldest else None,
        "dpd": dpd,
        "overdue_amount": round(overdue, 2),
        "missed_payments_12m": missed,
        "monthly_income": 0.0,
        "deposit_balance_avg_3m": 0.0,
        "deposit_balance_avg_12m": 0.0,
        "turnover_avg_3m": 0.0,
        "turnover_avg_12m": 0.0,
        "origination_score": score,
        "current_score": 0.0,
        "behaviour_score": 0.0,
        "external_events": "[]",
    }


def _events(rng: random.Random, worst: int, merchant: bool) -> list[dict[str, str]]:
    p = EVENT_P[worst] * (1.5 if merchant else 1.0)
    if rng.random() >= p:
        return []
    count = _pick(rng, ((1, 0.75), (2, 0.20), (3, 0.05)))
    weights = EVENT_WEIGHTS[1 if merchant else 0]
    span = 240 if worst else 540
    found = [{"type": rng.choices(EVENT_TYPES, weights)[0],
              "date": (AS_OF - dt.timedelta(days=rng.randrange(span + 1))).isoformat()} for _ in range(count)]
    return sorted(found, key=lambda e: (e["date"], e["type"]))


def _behaviour(rng: random.Random, c: _Customer, rows: list[dict[str, Any]]) -> None:
    """The customer-level fields: income, deposits and turnover, current score, events."""
    products = {row["product"] for row in rows}
    merchant, mortgage = "merchant_loan" in products, "mortgage" in products
    worst = max(bucket_of(row["dpd"]) for row in rows)
    events = _events(rng, worst, merchant)
    income = c.income * (1.8 if merchant else 1.0) * (1.3 if mortgage else 1.0)
    drop = rng.random() < min(1.0, DROP_P[worst] + (0.30 if events else 0.0))
    if products == {"credit_card"} and rng.random() < 0.30:  # no account here: nothing to observe
        deposit = turnover = (0.0, 0.0)
    else:
        median = 80_000 if merchant else 60_000 if mortgage else 25_000
        deposit_base = _lognormal(rng, median, 1.0)
        turnover_base = _lognormal(rng, 200_000, 0.9) if merchant else income * rng.uniform(1.0, 1.6)
        if drop:
            deposit_ratio = rng.uniform(0.10, 0.60)
            turnover_ratio = rng.uniform(0.15, 0.65) if rng.random() < 0.80 else math.exp(rng.gauss(0.0, 0.12))
        else:
            deposit_ratio, turnover_ratio = math.exp(rng.gauss(0.0, 0.18)), math.exp(rng.gauss(0.0, 0.12))
        deposit = _recent_and_year(deposit_base, deposit_ratio)
        turnover = _recent_and_year(turnover_base, turnover_ratio)
    current = (c.mu + rng.gauss(0.0, 8.0) - SCORE_PENALTY[worst] - (12.0 if drop else 0.0)
               - (20.0 if events else 0.0))
    current = round(min(900.0, max(300.0, current)), 2)
    encoded = json.dumps(events, separators=(",", ":")) if events else "[]"
    for row in rows:
        own = BEHAVIOUR_PENALTY[bucket_of(row["dpd"])] + 6.0 * row["missed_payments_12m"]
        behaviour = current + 5.0 - own + rng.gauss(0.0, 10.0)
        row.update({
            "monthly_income": round(income, 2),
            "deposit_balance_avg_3m": deposit[0], "deposit_balance_avg_12m": deposit[1],
            "turnover_avg_3m": turnover[0], "turnover_avg_12m": turnover[1],
            "current_score": current,
            "behaviour_score": round(min(900.0, max(300.0, behaviour)), 2),
            "external_events": encoded,
        })


def _recent_and_year(baseline: float, ratio: float) -> tuple[float, float]:
    """(last 3 months' average, last 12 months' average) when the 9 months before ran at ``baseline``."""
    recent = baseline * ratio
    return round(recent, 2), round((3 * recent + 9 * baseline) / 12, 2)


def loans(rows: int | None = None, seed: int = 42) -> Iterator[dict[str, Any]]:
    """``rows`` loans (default 10,000) of a synthetic retail book on :data:`AS_OF`, from ``seed``.

    One dict per loan with the keys of :data:`COLUMNS`, in that order; dates are ISO strings,
    ``oldest_unpaid_due_date`` is None for a current loan, ``tenor_months`` None for a card,
    ``external_events`` a JSON-encoded list. A customer's loans are consecutive; the last
    customer is cut short when ``rows`` is reached. The module docstring states every
    distribution.
    """
    total = DEFAULT_ROWS if rows is None else rows
    rng = random.Random(seed)
    branches = list(BRANCHES)
    cumulative = list(itertools.accumulate(BRANCHES[b][0] for b in branches))
    issued: set[str] = set()
    n = 0
    while n < total:
        customer = _new_customer(rng, issued, branches, cumulative)
        count = min(_pick(rng, LOANS_PER_CUSTOMER), total - n)
        book = [_loan(rng, customer, product) for product in _products(rng, count, customer.mu)]
        _behaviour(rng, customer, book)
        for row in book:
            n += 1
            row["loan_id"] = f"L{n:08d}"
            yield row


SAMPLES = (
    Sample(
        name="loans",
        description="a synthetic retail loan book on 2026-02-10: consumer, merchant, card and mortgage loans with "
        "PD, LGD, rates, DPD, deposits, turnover, scores and external events (seeded, documented distributions)",
        generate=loans,
        columns=COLUMNS,
        default_rows=DEFAULT_ROWS,
        source="synthetic, seeded (jimu_credit.loanbook)",
    ),
)
