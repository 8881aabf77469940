"""The WOE logistic scorecard (评分卡) as a published model: a points table and two capabilities.

HQ fits the card offline (``python -m jimu_credit.training.scorecard``, needs
``jimu-credit[train]``) and ships the result as a versioned points table,
``risk/models/scorecard_german_<version>.json``. Scoring reads that table with a pure-Python
lookup: nothing here imports scikit-learn, pandas or numpy.

Conventions (DOMAIN.md §2.4, docs/scorecard.md):

- event = bad (``creditability == "bad"``); WoE = ln(%good / %bad), so a positive WoE is a
  lower-risk bin; the logistic regression predicts the log-odds of *bad* from the WoEs, so its
  coefficients β are negative;
- scaling by points to double the odds: Factor = PDO / ln 2, Offset = Score₀ − Factor·ln(Odds₀)
  with Odds₀ good:bad; Score = Offset + Factor·ln(odds_good) = Offset − Factor·logit(p_bad);
- points of bin i of characteristic j (optbinning's formula):
  points_ij = −(β_j·WoE_ij + α/n)·Factor + Offset/n, n characteristics, α the intercept; their
  sum over the applicant's bins is exactly the score above, and higher is better;
- every characteristic has a ``Missing`` bin and every categorical one an ``Other/unseen`` bin;
  both carry the WoE (so the points) of the characteristic's highest-risk bin: withholding an
  answer, or giving one the card has never seen, never earns more than the worst answer;
- PD: the card's PD is the sample's (30 % bad, oversampled); ``pd`` is corrected to a stated
  portfolio bad rate π_p by the prior correction on the odds:
  odds_bad = odds_bad_sample · (π_p/(1−π_p)) / (π_s/(1−π_s)).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

from pydantic import Field, model_validator

from jimu import ContractModel, ReasonCode, capability

OWNER = "hq.risk-platform"
WOE_POINTS = "risk.step.woe_points"
SCORECARD = "risk.prescreen.scorecard"

#: Points tables shipped in ``risk/models/``, by version; the first is the default.
MODEL_VERSIONS = ("v1",)
MODEL_FILE = "scorecard_german_{version}.json"
ModelVersion = Literal["v1"]
#: What the capabilities below declare they read (locks hash it): every shipped points table.
TABLE_FILES = ("models/" + MODEL_FILE.format(version="*"),)

#: The characteristics a card may use: the German Credit attributes, named as in the CSV, without
#: the protected ``personal_status_and_sex`` and ``foreign_worker``.
CHARACTERISTICS = (
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account_and_bonds",
    "present_employment_since",
    "installment_rate_in_percentage_of_disposable_income",
    "other_debtors_or_guarantors",
    "present_residence_since",
    "property",
    "age_in_years",
    "other_installment_plans",
    "housing",
    "number_of_existing_credits_at_this_bank",
    "job",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "telephone",
)
PROTECTED = ("personal_status_and_sex", "foreign_worker")
CharacteristicName = Literal[CHARACTERISTICS]  # the contracts' type for a characteristic's name

REGULAR, MISSING, SPECIAL = "regular", "missing", "special"
MISSING_LABEL, SPECIAL_LABEL = "Missing", "Other/unseen"


# -- scaling (DOMAIN.md §2.4) -----------------------------------------------------------------

def scaling(pdo: float = 20.0, odds: float = 50.0, score: float = 600.0) -> tuple[float, float]:
    """(Factor, Offset) for points-to-double-odds scaling: ``odds`` is good:bad at ``score``."""
    if pdo <= 0 or odds <= 0:
        raise ValueError("pdo and odds must be positive")
    factor = pdo / math.log(2)
    return factor, score - factor * math.log(odds)


def score_from_odds(odds_good: float, factor: float, offset: float) -> float:
    """Score = Offset + Factor·ln(odds_good), odds good:bad."""
    return offset + factor * math.log(odds_good)


def score_from_pd(p_bad: float, factor: float, offset: float) -> float:
    """Score = Offset − Factor·logit(p_bad)."""
    return offset - factor * math.log(p_bad / (1.0 - p_bad))


def sigmoid(z: float) -> float:
    """1 / (1 + e^−z), without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def log_odds_bad(score: float, factor: float, offset: float) -> float:
    """logit(p_bad) on the training sample for a score: (Offset − score) / Factor."""
    return (offset - score) / factor


def prior_shift(sample_bad_rate: float, portfolio_bad_rate: float) -> float:
    """What the prior correction adds to logit(p_bad): logit(π_p) − logit(π_s); 0 when equal."""
    if portfolio_bad_rate == sample_bad_rate:
        return 0.0
    return logit(portfolio_bad_rate) - logit(sample_bad_rate)


# -- the points table --------------------------------------------------------------------------

def is_missing(value: Any) -> bool:
    """None, NaN, or text that is empty after stripping: the applicant gave no answer."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def numeric_bin(edges: tuple[float, ...], x: float) -> int:
    """Index of the half-open interval [edges[i−1], edges[i]) holding ``x`` (0 … len(edges))."""
    return bisect_right(edges, x)


@dataclass(frozen=True)
class Bin:
    index: int
    label: str
    kind: str  # regular, missing or special
    woe: float
    points: float


@dataclass(frozen=True)
class Characteristic:
    """One characteristic of a card: its bins and how a value finds its bin."""

    name: str
    type: str  # numeric or categorical
    coefficient: float
    bins: tuple[Bin, ...]
    edges: tuple[float, ...]  # numeric: interior cut points, regular bin i = [edges[i−1], edges[i])
    levels: Mapping[str, int]  # categorical: level → index of its regular bin
    missing: Bin
    special: Bin | None
    best_points: float  # the most points any regular bin gives

    def bin_for(self, value: Any) -> Bin:
        """The bin of ``value``: Missing for no answer; Other/unseen for an unknown category.

        A numeric characteristic takes numbers (or text holding one); text that is not a number
        is an error, not a silent Missing.
        """
        if is_missing(value):
            return self.missing
        if self.type == "numeric":
            if isinstance(value, bool):
                raise ValueError(f"{self.name}: expected a number, got {value!r}")
            if isinstance(value, str):
                try:
                    value = float(value.strip())
                except ValueError:
                    raise ValueError(f"{self.name}: expected a number, got {value!r}") from None
                if math.isnan(value):
                    return self.missing
            return self.bins[numeric_bin(self.edges, value)]
        index = self.levels.get(value.strip() if isinstance(value, str) else str(value))
        return self.special if index is None else self.bins[index]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Characteristic:
        bins, levels, missing, special = [], {}, None, None
        for index, raw in enumerate(data["bins"]):
            kind = raw.get("kind", REGULAR)
            b = Bin(index, raw["label"], kind, float(raw["woe"]), float(raw["points"]))
            bins.append(b)
            if kind == MISSING:
                missing = b
            elif kind == SPECIAL:
                special = b
            elif data["type"] == "categorical":
                for level in raw["levels"]:
                    levels[level] = index
        regular = [b for b in bins if b.kind == REGULAR]
        if missing is None or not regular or (data["type"] == "categorical" and special is None):
            raise ValueError(f"{data['name']}: a characteristic needs regular bins, a Missing bin "
                             "and (categorical) an Other/unseen bin")
        if data["type"] == "numeric":
            edges = tuple(float(e) for e in data["edges"])
            if len(edges) != len(regular) - 1 or list(edges) != sorted(set(edges)):
                raise ValueError(f"{data['name']}: {len(regular)} numeric bins need "
                                 f"{len(regular) - 1} increasing edges")
            if [b.index for b in regular] != list(range(len(regular))):
                raise ValueError(f"{data['name']}: numeric bins come first, in order")
            bounds = [None, *edges, None]
            for i, raw in enumerate(data["bins"][: len(regular)]):
                if (raw.get("lower"), raw.get("upper")) != (bounds[i], bounds[i + 1]):
                    raise ValueError(f"{data['name']}: bin {raw['label']!r} disagrees with the edges")
        else:
            edges = ()
        return cls(data["name"], data["type"], float(data["coefficient"]), tuple(bins), edges,
                   levels, missing, special, max(b.points for b in regular))


@dataclass(frozen=True)
class Scorecard:
    """A points table: scaling, the model's coefficients and every characteristic's bins."""

    model_id: str
    version: str
    factor: float
    offset: float
    intercept: float
    sample_bad_rate: float
    characteristics: tuple[Characteristic, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        return cls(
            model_id=data["model_id"],
            version=data["model_version"],
            factor=float(data["scaling"]["factor"]),
            offset=float(data["scaling"]["offset"]),
            intercept=float(data["model"]["intercept"]),
            sample_bad_rate=float(data["split"]["train_bad_rate"]),
            characteristics=tuple(Characteristic.from_dict(c) for c in data["characteristics"]),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.characteristics)

    def characteristic(self, name: str) -> Characteristic:
        for c in self.characteristics:
            if c.name == name:
                return c
        raise KeyError(f"scorecard {self.model_id} {self.version} has no characteristic {name!r}")

    def bins(self, record: Mapping[str, Any]) -> list[tuple[Characteristic, Bin]]:
        """Each characteristic of the card with the bin of ``record``'s value (absent = Missing)."""
        return [(c, c.bin_for(record.get(c.name))) for c in self.characteristics]

    def score(self, record: Mapping[str, Any]) -> float:
        """The sum of the record's points."""
        return math.fsum(b.points for _, b in self.bins(record))


@lru_cache(maxsize=None)
def table_data(version: str = MODEL_VERSIONS[0]) -> dict[str, Any]:
    """The shipped points table of ``version`` as parsed JSON (read once)."""
    if version not in MODEL_VERSIONS:
        raise KeyError(f"no scorecard {version!r}; shipped: {', '.join(MODEL_VERSIONS)}")
    path = files(__package__).joinpath("models", MODEL_FILE.format(version=version))
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def load_scorecard(version: str = MODEL_VERSIONS[0]) -> Scorecard:
    """The shipped scorecard of ``version``, ready to score (built once)."""
    return Scorecard.from_dict(table_data(version))


# -- risk.step.woe_points (L5) -----------------------------------------------------------------

EXAMPLES_WOE_POINTS = (
    {"input": {"characteristic": "status_of_existing_checking_account", "value": "no checking account"},
     "output": {"bin": "no checking account", "bin_kind": "regular", "woe": 1.1841, "points": 62.3973,
                "shortfall": 0.0}},
    {"input": {"characteristic": "duration_in_month", "value": 24},
     "output": {"bin": "[17, 35)", "bin_kind": "regular", "points": 32.6799, "shortfall": 35.8309}},
    {"input": {"characteristic": "duration_in_month", "value": None},
     "output": {"bin": "Missing", "bin_kind": "missing", "points": 14.8694}},
    {"input": {"characteristic": "purpose", "value": "crypto mining"},
     "output": {"bin": "Other/unseen", "bin_kind": "special", "points": 12.2147}},
)


class CharacteristicValue(ContractModel):
    characteristic: CharacteristicName = Field(description="the characteristic's name, as the German Credit column")
    value: float | str | None = Field(
        None, description="the applicant's answer: a number, a category as written in the data, or null/empty "
                          "for no answer",
    )


class TableParams(ContractModel):
    model_version: ModelVersion = Field(
        MODEL_VERSIONS[0], description="the shipped points table (risk/models/scorecard_german_<version>.json)"
    )


class WoePoints(ContractModel):
    characteristic: str
    bin: str = Field(description="the bin's label: an interval, a group of levels, Missing or Other/unseen")
    bin_kind: Literal["regular", "missing", "special"]
    woe: float = Field(description="ln(%good/%bad) of the bin on the training sample")
    points: float
    shortfall: float = Field(ge=0, description="the characteristic's best attainable points minus these")


def _points_of(c: Characteristic, value: Any) -> WoePoints:
    b = c.bin_for(value)
    return WoePoints(characteristic=c.name, bin=b.label, bin_kind=b.kind, woe=b.woe, points=b.points,
                     shortfall=max(0.0, round(c.best_points - b.points, 10)))


@capability(
    id=WOE_POINTS,
    version="1.0.0",
    level=5,
    name="WOE bin and points of one characteristic",
    name_zh="单一特征分箱与评分点数",
    owner=OWNER,
    lifecycle="production",
    tags=("scorecard", "woe", "pre-loan"),
    examples=EXAMPLES_WOE_POINTS,
    data_files=TABLE_FILES,
)
def woe_points(item: CharacteristicValue, params: TableParams) -> WoePoints:
    """Find the bin of one characteristic's value in the shipped points table and give its points.

    Numbers fall in half-open intervals ``[lower, upper)``; categories in their group of levels;
    no answer (null, empty text) in ``Missing``; a category the card has never seen in
    ``Other/unseen``. Both take the points of the characteristic's highest-risk bin. A
    characteristic the table does not score (dropped in training) is an error.
    """
    card = load_scorecard(params.model_version)
    return _points_of(card.characteristic(item.characteristic), item.value)


# -- risk.prescreen.scorecard (L4) -------------------------------------------------------------

def _code(code: str, what_en: str, what_zh: str, plural: bool = False) -> ReasonCode:
    return ReasonCode(code=code, text=f"{what_en} {'lower' if plural else 'lowers'} the score",
                      text_zh=f"{what_zh}拉低评分")


#: One reason code per characteristic: "this answer cost points against the best answer".
REASONS = {
    "status_of_existing_checking_account": _code("SC_CHECKING_ACCOUNT", "Checking account status", "支票账户状况"),
    "duration_in_month": _code("SC_DURATION", "Loan duration", "贷款期限"),
    "credit_history": _code("SC_CREDIT_HISTORY", "Credit history", "信用记录"),
    "purpose": _code("SC_PURPOSE", "Loan purpose", "贷款用途"),
    "credit_amount": _code("SC_CREDIT_AMOUNT", "Credit amount", "贷款金额"),
    "savings_account_and_bonds": _code("SC_SAVINGS", "Savings and bonds", "储蓄及债券状况", plural=True),
    "present_employment_since": _code("SC_EMPLOYMENT_LENGTH", "Length of present employment", "现职工作年限"),
    "installment_rate_in_percentage_of_disposable_income": _code(
        "SC_INSTALMENT_RATE", "Instalment rate relative to disposable income", "分期还款占可支配收入比例"),
    "other_debtors_or_guarantors": _code(
        "SC_OTHER_DEBTORS", "Other debtors or guarantors", "其他债务人或担保人情况", plural=True),
    "present_residence_since": _code("SC_RESIDENCE_LENGTH", "Time at present residence", "现居住年限"),
    "property": _code("SC_PROPERTY", "Property", "财产状况"),
    "age_in_years": _code("SC_AGE", "Age", "年龄"),
    "other_installment_plans": _code("SC_OTHER_INSTALMENT_PLANS", "Other instalment plans", "其他分期付款计划",
                                     plural=True),
    "housing": _code("SC_HOUSING", "Housing", "住房状况"),
    "number_of_existing_credits_at_this_bank": _code(
        "SC_EXISTING_CREDITS", "Number of existing credits at this bank", "在本行现有贷款笔数"),
    "job": _code("SC_JOB", "Job", "职业类别"),
    "number_of_people_being_liable_to_provide_maintenance_for": _code(
        "SC_DEPENDANTS", "Number of people the applicant maintains", "需供养人数"),
    "telephone": _code("SC_TELEPHONE", "Telephone registration", "电话登记情况"),
}
BANDS = ("A", "B", "C", "D", "E")
MAX_REASONS = 4

_ROW_1 = {  # the first two rows of germancredit.csv (a good and a bad loan), protected columns left out
    "status_of_existing_checking_account": "... < 0 DM", "duration_in_month": 6,
    "credit_history": "critical account/ other credits existing (not at this bank)", "purpose": "radio/television",
    "credit_amount": 1169, "savings_account_and_bonds": "unknown/ no savings account",
    "present_employment_since": "... >= 7 years", "installment_rate_in_percentage_of_disposable_income": 4,
    "other_debtors_or_guarantors": "none", "present_residence_since": 4, "property": "real estate",
    "age_in_years": 67, "other_installment_plans": "none", "housing": "own",
    "number_of_existing_credits_at_this_bank": 2, "job": "skilled employee / official",
    "number_of_people_being_liable_to_provide_maintenance_for": 1,
    "telephone": "yes, registered under the customers name",
}
_ROW_2 = {
    "status_of_existing_checking_account": "0 <= ... < 200 DM", "duration_in_month": 48,
    "credit_history": "existing credits paid back duly till now", "purpose": "radio/television",
    "credit_amount": 5951, "savings_account_and_bonds": "... < 100 DM",
    "present_employment_since": "1 <= ... < 4 years", "installment_rate_in_percentage_of_disposable_income": 2,
    "other_debtors_or_guarantors": "none", "present_residence_since": 2, "property": "real estate",
    "age_in_years": 22, "other_installment_plans": "none", "housing": "own",
    "number_of_existing_credits_at_this_bank": 1, "job": "skilled employee / official",
    "number_of_people_being_liable_to_provide_maintenance_for": 1, "telephone": "none",
}
EXAMPLES_SCORECARD = (
    {"input": _ROW_1,
     "output": {"score": 587.49, "score_band": "A", "pd_sample": 0.0299, "pd": 0.0038,
                "reasons": ["SC_CHECKING_ACCOUNT", "SC_INSTALMENT_RATE", "SC_EMPLOYMENT_LENGTH", "SC_PURPOSE"]},
     "note": "a good loan: only the overdrawn checking account costs much"},
    {"input": _ROW_2,
     "output": {"score": 488.94, "score_band": "E", "pd_sample": 0.4843, "pd": 0.1034,
                "reasons": ["SC_DURATION", "SC_CHECKING_ACCOUNT", "SC_SAVINGS", "SC_CREDIT_HISTORY"]},
     "note": "a bad loan: 48 months, low balances"},
    {"input": _ROW_2, "params": {"portfolio_bad_rate": 0.3, "band_d_min": 480, "max_reasons": 2},
     "output": {"score": 488.94, "score_band": "D", "pd_sample": 0.4843, "pd": 0.4843,
                "reasons": ["SC_DURATION", "SC_CHECKING_ACCOUNT"]},
     "note": "at the sample's own 30 % bad rate pd equals pd_sample"},
    {"input": {"status_of_existing_checking_account": "no checking account", "duration_in_month": 12},
     "output": {"score": 419.21, "score_band": "E",
                "bins": {"status_of_existing_checking_account": "no checking account",
                         "duration_in_month": "[12, 17)", "purpose": "Missing"}},
     "note": "unanswered characteristics score as their highest-risk bin"},
)


class Applicant(ContractModel):
    """A German-Credit-style application: the 18 non-protected attributes, named as in the CSV.

    Every field may be omitted or null (no answer: the Missing bin). Categories are the data's
    words (``"... < 0 DM"``, ``"no checking account"``, …); one the card has never seen scores in
    the Other/unseen bin. The protected ``personal_status_and_sex`` and ``foreign_worker`` are
    not fields: sending them is an error.
    """

    status_of_existing_checking_account: str | None = Field(
        None, description='"... < 0 DM", "0 <= ... < 200 DM", "... >= 200 DM / salary assignments for at least '
                          '1 year" or "no checking account"')
    duration_in_month: float | None = Field(None, ge=0, description="loan duration in months")
    credit_history: str | None = Field(
        None, description='e.g. "existing credits paid back duly till now", "critical account/ other credits '
                          'existing (not at this bank)", "delay in paying off in the past"')
    purpose: str | None = Field(None, description='e.g. "car (new)", "radio/television", "education", "business"')
    credit_amount: float | None = Field(None, ge=0, description="amount requested (Deutsche Mark in the data)")
    savings_account_and_bonds: str | None = Field(
        None, description='"... < 100 DM", "100 <= ... < 500 DM", "500 <= ... < 1000 DM", "... >= 1000 DM" or '
                          '"unknown/ no savings account"')
    present_employment_since: str | None = Field(
        None, description='"unemployed", "... < 1 year", "1 <= ... < 4 years", "4 <= ... < 7 years" or '
                          '"... >= 7 years"')
    installment_rate_in_percentage_of_disposable_income: float | None = Field(
        None, ge=1, le=4, description="ordinal code 1-4 (not a percentage): the instalment's share of disposable "
                                      "income, 4 the highest")
    other_debtors_or_guarantors: str | None = Field(None, description='"none", "co-applicant" or "guarantor"')
    present_residence_since: float | None = Field(None, ge=1, le=4, description="ordinal code 1-4")
    property: str | None = Field(
        None, description='"real estate", "building society savings agreement/ life insurance", "car or other, '
                          'not in attribute Savings account/bonds" or "unknown / no property"')
    age_in_years: float | None = Field(None, ge=0, le=150, description="age in completed years")
    other_installment_plans: str | None = Field(None, description='"none", "bank" or "stores"')
    housing: str | None = Field(None, description='"own", "rent" or "for free"')
    number_of_existing_credits_at_this_bank: float | None = Field(None, ge=0, description="count")
    job: str | None = Field(
        None, description='"unemployed/ unskilled - non-resident", "unskilled - resident", "skilled employee / '
                          'official" or "management/ self-employed/ highly qualified employee/ officer"')
    number_of_people_being_liable_to_provide_maintenance_for: float | None = Field(
        None, ge=0, description="dependants")
    telephone: str | None = Field(None, description='"none" or "yes, registered under the customers name"')


class ScorecardParams(ContractModel):
    model_version: ModelVersion = Field(
        MODEL_VERSIONS[0], description="the shipped points table (risk/models/scorecard_german_<version>.json)"
    )
    portfolio_bad_rate: float = Field(
        0.05, ge=0.005, le=0.30,
        description="the product's expected bad rate; pd is the card's sample PD corrected to it (prior shift)",
    )
    band_a_min: float = Field(580, ge=560, le=660, description="lowest score of band A")
    band_b_min: float = Field(550, ge=530, le=630, description="lowest score of band B")
    band_c_min: float = Field(520, ge=500, le=600, description="lowest score of band C")
    band_d_min: float = Field(490, ge=460, le=570, description="lowest score of band D; below it is band E")
    max_reasons: int = Field(MAX_REASONS, ge=1, le=MAX_REASONS, description="reason codes returned at most")
    min_shortfall: float = Field(
        0.0, ge=0, le=20,
        description="points a characteristic must have cost (against its best answer) to be a reason; 0 = any",
    )

    @model_validator(mode="after")
    def _bands_descend(self) -> ScorecardParams:
        cuts = (self.band_a_min, self.band_b_min, self.band_c_min, self.band_d_min)
        if any(hi <= lo for hi, lo in zip(cuts, cuts[1:])):
            raise ValueError(f"band cut-offs must strictly decrease from A to D, got {cuts}")
        return self


class ScorecardResult(ContractModel):
    score: float = Field(description="the sum of the points: Offset + Factor·ln(odds good:bad)")
    pd_sample: float = Field(ge=0, le=1, description="probability of bad on the training sample (30 % bad)")
    pd: float = Field(ge=0, le=1, description="probability of bad corrected to portfolio_bad_rate")
    score_band: Literal["A", "B", "C", "D", "E"] = Field(description="A best … E worst, by the band_*_min cut-offs")
    points: dict[str, float] = Field(description="points per characteristic of the card")
    bins: dict[str, str] = Field(description="the bin each characteristic fell in")
    reasons: list[str] = Field(
        default_factory=list,
        description="characteristics that cost the most points against their best answer, largest first",
    )
    model_version: str = Field(description="the points table that scored")


def band(score: float, params: ScorecardParams) -> str:
    cuts = (params.band_a_min, params.band_b_min, params.band_c_min, params.band_d_min)
    return next((name for name, cut in zip(BANDS, cuts) if score >= cut), BANDS[-1])


def top_reasons(shortfalls: Mapping[str, float], limit: int = MAX_REASONS, minimum: float = 0.0) -> list[str]:
    """Reason codes of the characteristics with the largest positive shortfall, largest first.

    Ties keep the card's order of characteristics; a characteristic at its best answer, or that
    cost less than ``minimum`` points, is never a reason.
    """
    order = {name: i for i, name in enumerate(shortfalls)}
    floor = max(minimum, 1e-9)
    ranked = sorted((name for name, gap in shortfalls.items() if gap >= floor),
                    key=lambda name: (-shortfalls[name], order[name]))
    return [REASONS[name].code for name in ranked[:limit]]


@capability(
    id=SCORECARD,
    version="1.0.0",
    level=4,
    name="WOE scorecard: score, PD and reasons",
    name_zh="WOE评分卡：评分、违约概率与原因",
    owner=OWNER,
    lifecycle="production",
    tags=("scorecard", "pre-loan", "PD"),
    uses=(f"{WOE_POINTS}~=1.0",),
    reasons=tuple(REASONS.values()),
    examples=EXAMPLES_SCORECARD,
    data_files=TABLE_FILES,
)
def scorecard(applicant: Applicant, params: ScorecardParams, ctx) -> ScorecardResult:
    """Score a German-Credit-style application with the shipped WOE points table.

    Each characteristic of the card is looked up by ``risk.step.woe_points`` through ``ctx.use``
    (so the catalog sees the dependency; the contract round trips cost about 0.3 ms an
    applicant); the score is the sum of the points. ``pd_sample`` is the card's probability of
    bad on its 30 %-bad training sample; ``pd`` moves it to ``portfolio_bad_rate`` by the prior
    correction on the odds. The reasons are the characteristics whose answer cost the most
    points against the best answer, largest first, at most ``max_reasons`` (and only those that
    cost at least ``min_shortfall`` points).
    """
    card = load_scorecard(params.model_version)
    lookup = ctx.use(WOE_POINTS)
    table = {"model_version": params.model_version}
    record = applicant.__dict__
    points, bins, shortfalls = {}, {}, {}
    for name in card.names:
        got = lookup({"characteristic": name, "value": record[name]}, table)
        points[name], bins[name], shortfalls[name] = got.points, got.bin, got.shortfall
    score = math.fsum(points.values())
    z = log_odds_bad(score, card.factor, card.offset)
    return ScorecardResult(
        score=score,
        pd_sample=sigmoid(z),
        pd=sigmoid(z + prior_shift(card.sample_bad_rate, params.portfolio_bad_rate)),
        score_band=band(score, params),
        points=points,
        bins=bins,
        reasons=top_reasons(shortfalls, params.max_reasons, params.min_shortfall),
        model_version=card.version,
    )

CAPABILITIES = (woe_points, scorecard)
