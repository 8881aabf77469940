"""The WOE scorecard at runtime: risk.step.woe_points (L5) and risk.prescreen.scorecard (L4).

Scores are checked against an independent reading of the shipped points table (bins found from
their bounds and level lists, the score from the logistic formula), on all 1,000 rows of the
German Credit data; the held-out AUC against the real labels (DOMAIN.md §3.1 gate).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import subprocess
import sys
from importlib.resources import files

import pytest
from pydantic import ValidationError

from jimu import CapabilityError
from jimu_credit.risk import scorecard as sc

STEP = "risk.step.woe_points"
CARD = "risk.prescreen.scorecard"
CSV_SHA256 = "2c0bae00275c028fc853a1ea72cc7a68002c3f6876c41300c5c948711540c8c6"  # DOMAIN.md §3
NUMERIC = {"duration_in_month", "credit_amount", "installment_rate_in_percentage_of_disposable_income",
           "present_residence_since", "age_in_years", "number_of_existing_credits_at_this_bank",
           "number_of_people_being_liable_to_provide_maintenance_for"}


def _rows() -> list[dict]:
    text = files("jimu_credit.data").joinpath("germancredit.csv").read_text(encoding="utf-8")
    rows = []
    for raw in csv.DictReader(text.splitlines()):
        rows.append({k: (float(v) if k in NUMERIC else v) for k, v in raw.items()})
    return rows


ROWS = _rows()
TABLE = json.loads(files("jimu_credit.risk").joinpath("models", "scorecard_german_v1.json").read_text(encoding="utf-8"))
CHARS = {c["name"]: c for c in TABLE["characteristics"]}


def applicant(row: dict) -> dict:
    return {k: row[k] for k in sc.CHARACTERISTICS}


@pytest.fixture(scope="module")
def caps(jimu_catalog):
    return jimu_catalog.get(STEP), jimu_catalog.get(CARD)


@pytest.fixture(scope="module")
def scored(jimu_catalog):
    """Every row of the CSV through the L4 capability (contracts enforced), once."""
    from jimu.testing import run

    cap = jimu_catalog.get(CARD)
    return [run(cap, applicant(row), catalog=jimu_catalog) for row in ROWS]


@pytest.fixture
def score(run_capability, caps):
    return lambda record, **params: run_capability(caps[1], record, params)


@pytest.fixture
def step(run_capability, caps):
    return lambda name, value, **params: run_capability(caps[0], {"characteristic": name, "value": value}, params)


# -- an independent reading of the table -------------------------------------------------------

def table_bin(char: dict, value) -> dict:
    """The bin of ``value`` found from the bins' own bounds and level lists."""
    kinds = {b["kind"]: b for b in char["bins"]}
    if value is None or (isinstance(value, str) and not value.strip()):
        return kinds["missing"]
    for b in char["bins"]:
        if b["kind"] != "regular":
            continue
        if char["type"] == "numeric":
            lo, hi = b["lower"], b["upper"]
            if (lo is None or value >= lo) and (hi is None or value < hi):
                return b
        elif value in b["levels"]:
            return b
    return kinds["special"]


def formula_score(record: dict) -> float:
    """Offset + Factor·ln(odds_good), ln(odds_good) = −(α + Σ β_j·WoE_j): no points involved."""
    s = TABLE["scaling"]
    log_odds_bad = TABLE["model"]["intercept"] + sum(
        c["coefficient"] * table_bin(c, record.get(name))["woe"] for name, c in CHARS.items())
    return s["offset"] - s["factor"] * log_odds_bad


def best_points(char: dict) -> float:
    return max(b["points"] for b in char["bins"] if b["kind"] == "regular")


# -- DOMAIN.md §2.4 scaling vectors --------------------------------------------------------------

def test_scaling_matches_the_domain_vectors():
    factor, offset = sc.scaling(pdo=20, odds=50, score=600)
    assert factor == pytest.approx(28.8539, abs=5e-5)
    assert offset == pytest.approx(487.1229, abs=5e-5)
    assert sc.score_from_odds(100, factor, offset) == pytest.approx(620, abs=1e-9)
    assert sc.score_from_odds(50, factor, offset) == pytest.approx(600, abs=1e-9)
    assert sc.score_from_odds(25, factor, offset) == pytest.approx(580, abs=1e-9)
    assert sc.score_from_pd(0.10, factor, offset) == pytest.approx(550.5214, abs=5e-5)
    assert sc.sigmoid(sc.log_odds_bad(550.5214, factor, offset)) == pytest.approx(0.10, abs=1e-6)
    assert (TABLE["scaling"]["factor"], TABLE["scaling"]["offset"]) == (factor, offset)
    with pytest.raises(ValueError):
        sc.scaling(pdo=0)


# -- the shipped table ---------------------------------------------------------------------------

def test_packaged_csv_is_the_documented_file():
    raw = files("jimu_credit.data").joinpath("germancredit.csv").read_bytes()
    assert len(raw) == 268_042 and hashlib.sha256(raw).hexdigest() == CSV_SHA256
    assert TABLE["data"]["sha256"] == CSV_SHA256
    assert "CC BY 4.0" in files("jimu_credit.data").joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    assert len(ROWS) == 1000 and sum(r["creditability"] == "bad" for r in ROWS) == 300


def test_table_records_how_it_was_made():
    assert (TABLE["model_id"], TABLE["model_version"]) == ("scorecard_german", "v1")
    assert TABLE["trained_on"] == "2026-11-28"
    assert TABLE["split"]["random_state"] == 42 and TABLE["split"]["test_size"] == 0.3
    split = TABLE["split"]
    assert (split["train_count"], split["test_count"], split["train_bad_rate"]) == (700, 300, 0.3)
    assert len(split["test_rows"]) == 300 and split["test_rows"] == sorted(set(split["test_rows"]))
    assert {k: TABLE["scaling"][k] for k in ("pdo", "odds", "score", "odds_meaning")} == \
        {"pdo": 20, "odds": 50, "score": 600, "odds_meaning": "good:bad"}
    assert TABLE["model"]["n_characteristics"] == len(CHARS) >= 10
    holdout = TABLE["metrics"]["holdout"]
    assert holdout["rows"] == 300 and holdout["gini"] == pytest.approx(2 * holdout["auc"] - 1, abs=1e-9)


def test_protected_attributes_are_not_characteristics_nor_inputs(caps):
    protected = {"personal_status_and_sex", "foreign_worker"}
    assert set(sc.PROTECTED) == set(TABLE["data"]["protected_excluded"]) == protected
    assert not set(sc.PROTECTED) & set(CHARS)
    assert set(CHARS) <= set(sc.CHARACTERISTICS) and len(sc.CHARACTERISTICS) == 18
    assert set(caps[1].input.model_fields) == set(sc.CHARACTERISTICS)
    assert {d["name"] for d in TABLE["model"]["dropped"]} == set(sc.CHARACTERISTICS) - set(CHARS)


def test_every_characteristic_has_missing_and_categoricals_a_special_bin():
    for name, c in CHARS.items():
        kinds = [b["kind"] for b in c["bins"]]
        regular = [b for b in c["bins"] if b["kind"] == "regular"]
        worst = min(regular, key=lambda b: b["woe"])
        assert kinds.count("missing") == 1, name
        assert kinds.count("special") == (1 if c["type"] == "categorical" else 0), name
        assert len(regular) >= 2, name
        for b in c["bins"]:
            if b["kind"] != "regular":  # no data: the points of the highest-risk bin
                assert (b["woe"], b["points"], b["count"]) == (worst["woe"], worst["points"], 0), name
        if c["type"] == "numeric":  # half-open intervals tiling the real line
            assert regular[0]["lower"] is None and regular[-1]["upper"] is None
            assert [b["upper"] for b in regular[:-1]] == [b["lower"] for b in regular[1:]] == c["edges"]
        else:  # every level in exactly one bin
            levels = [lv for b in regular for lv in b["levels"]]
            assert len(levels) == len(set(levels))


def test_woe_sign_iv_and_points_follow_the_documented_formulas():
    goods, bads = 490, 210
    s, alpha, n = TABLE["scaling"], TABLE["model"]["intercept"], len(CHARS)
    for name, c in CHARS.items():
        assert c["coefficient"] < 0, name  # logit(p_bad) falls as WoE = ln(%good/%bad) rises
        regular = [b for b in c["bins"] if b["kind"] == "regular"]
        assert sum(b["good"] for b in regular) == goods and sum(b["bad"] for b in regular) == bads
        for b in regular:
            assert b["woe"] == pytest.approx(math.log((b["good"] / goods) / (b["bad"] / bads)), abs=1e-9)
        iv = sum((b["good"] / goods - b["bad"] / bads) * b["woe"] for b in regular)
        assert c["iv"] == pytest.approx(iv, abs=1e-8)
        for b in c["bins"]:
            expected = -(c["coefficient"] * b["woe"] + alpha / n) * s["factor"] + s["offset"] / n
            assert b["points"] == pytest.approx(expected, abs=1e-8)
        # higher WoE, more points: a better answer never scores less
        by_woe = sorted(regular, key=lambda b: b["woe"])
        assert [b["points"] for b in by_woe] == sorted(b["points"] for b in by_woe)
    checking = CHARS["status_of_existing_checking_account"]
    assert table_bin(checking, "no checking account")["woe"] > 1  # the low-risk answer
    assert checking["iv"] == pytest.approx(0.64, abs=0.01)  # DOMAIN.md §3: 0.64 on the seed-42 train split
    assert CHARS["savings_account_and_bonds"]["iv"] == pytest.approx(0.23, abs=0.01)


# -- scores --------------------------------------------------------------------------------------

def test_every_row_scores_as_the_logistic_formula(scored):
    assert len(scored) == 1000
    for row, out in zip(ROWS, scored, strict=True):
        assert out.score == pytest.approx(formula_score(row), abs=1e-6)
        assert out.score == pytest.approx(math.fsum(out.points.values()), abs=1e-9)
        assert out.bins == {name: table_bin(c, row[name])["label"] for name, c in CHARS.items()}
        assert out.model_version == "v1"


def test_the_card_equals_the_sum_of_its_steps(score, step):
    row = applicant(ROWS[7])
    out = score(row)
    for name in CHARS:
        got = step(name, row[name])
        assert (got.points, got.bin) == (out.points[name], out.bins[name])


def test_holdout_auc_meets_the_gate(scored):
    np = pytest.importorskip("numpy")
    split = pytest.importorskip("sklearn.model_selection")
    metrics = pytest.importorskip("sklearn.metrics")
    y = np.array([r["creditability"] == "bad" for r in ROWS], dtype=int)
    _, test = split.train_test_split(np.arange(1000), test_size=0.3, random_state=42, stratify=y)
    assert sorted(test) == TABLE["split"]["test_rows"]  # the table records the held-out rows
    risk = -np.array([scored[i].score for i in test])  # higher score = better
    auc = metrics.roc_auc_score(y[test], risk)
    fpr, tpr, _ = metrics.roc_curve(y[test], risk)
    ks = float(np.max(tpr - fpr))
    print(f"held-out AUC {auc:.4f} KS {ks:.4f} Gini {2 * auc - 1:.4f}")
    assert auc >= 0.78  # DOMAIN.md §3.1 gate (optbinning reference without protected attributes: 0.8067)
    assert ks > 0.4
    recorded = TABLE["metrics"]["holdout"]
    assert (recorded["auc"], recorded["ks"]) == (pytest.approx(auc, abs=1e-9), pytest.approx(ks, abs=1e-9))


def test_score_bands_follow_the_cut_offs(score):
    params = sc.ScorecardParams()
    assert [sc.band(x, params) for x in (700, 580, 579.99, 550, 520, 490, 489.99, 300)] == \
        ["A", "A", "B", "B", "C", "D", "E", "E"]
    assert score(applicant(ROWS[0])).score_band == "A"
    assert score(applicant(ROWS[0]), band_a_min=600).score_band == "B"


# -- reasons -------------------------------------------------------------------------------------

def test_reasons_are_the_largest_shortfalls_first(scored, jimu_catalog):
    registered = {code.code for code in jimu_catalog.get(CARD).reasons}
    by_name = {name: code.code for name, code in sc.REASONS.items()}
    for row, out in zip(ROWS, scored, strict=True):
        gaps = {name: best_points(c) - table_bin(c, row[name])["points"] for name, c in CHARS.items()}
        ranked = sorted((n for n in gaps if gaps[n] > 1e-9), key=lambda n: -gaps[n])
        assert len(out.reasons) == min(4, len(ranked))
        assert set(out.reasons) <= registered
        if ranked:
            assert out.reasons[0] == by_name[max(gaps, key=gaps.get)]
        got = [gaps[next(n for n, code in by_name.items() if code == r)] for r in out.reasons]
        assert got == sorted(got, reverse=True)
        assert got == pytest.approx([gaps[n] for n in ranked[:4]], abs=1e-9)


def test_reason_codes_are_registered_one_per_characteristic(jimu_catalog, caps):
    codes = caps[1].reasons
    assert {c.code for c in codes} == {r.code for r in sc.REASONS.values()}
    assert set(sc.REASONS) == set(sc.CHARACTERISTICS) and len(codes) == 18
    assert sc.REASONS["status_of_existing_checking_account"].code == "SC_CHECKING_ACCOUNT"
    for code in codes:
        assert code.capability == CARD and code.code.startswith("SC_")
        assert code.text.endswith("the score") and code.text_zh.endswith("拉低评分")
    assert caps[0].reasons == ()


def best_record() -> dict:
    """An applicant giving, for every characteristic of the card, the answer worth the most points."""
    record = {}
    for name, c in CHARS.items():
        top = max((b for b in c["bins"] if b["kind"] == "regular"), key=lambda b: b["points"])
        record[name] = top["levels"][0] if c["type"] == "categorical" else (
            top["lower"] if top["lower"] is not None else top["upper"] - 1)
    return record


def test_an_applicant_with_every_best_answer_has_no_reasons(score):
    out = score(best_record())
    assert out.reasons == []
    assert out.score == pytest.approx(sum(best_points(c) for c in CHARS.values()), abs=1e-9)
    assert out.score_band == "A"


def test_max_reasons_and_min_shortfall_limit_the_list(score):
    row = applicant(ROWS[1])
    out = score(row)
    assert len(out.reasons) == 4
    assert score(row, max_reasons=2).reasons == out.reasons[:2]
    gaps = {name: best_points(c) - out.points[name] for name, c in CHARS.items()}
    for floor in (5, 15, 20):
        k = min(4, sum(gap >= floor for gap in gaps.values()))
        assert score(row, min_shortfall=floor).reasons == out.reasons[:k]
    assert 0 < sum(gap >= 20 for gap in gaps.values()) < 4  # the floor did cut
    almost_best = best_record() | {"number_of_people_being_liable_to_provide_maintenance_for": 2}
    assert score(almost_best).reasons == ["SC_DEPENDANTS"]  # a fraction of a point, still a reason
    assert score(almost_best, min_shortfall=1).reasons == []


# -- Missing and Other/unseen ---------------------------------------------------------------------

def test_a_missing_value_gets_the_missing_bin(score, step):
    row = applicant(ROWS[0])
    for value in (None, "", "   "):
        got = step("status_of_existing_checking_account", value)
        assert (got.bin, got.bin_kind) == ("Missing", "missing")
    got = step("age_in_years", None)
    assert (got.bin, got.bin_kind) == ("Missing", "missing")
    worst_age = min((b for b in CHARS["age_in_years"]["bins"] if b["kind"] == "regular"), key=lambda b: b["woe"])
    assert got.points == worst_age["points"] and got.shortfall > 0

    del row["savings_account_and_bonds"]
    row["duration_in_month"] = None
    out = score(row)
    assert out.bins["savings_account_and_bonds"] == out.bins["duration_in_month"] == "Missing"
    assert out.score == pytest.approx(formula_score(row), abs=1e-6)
    assert out.score < score(applicant(ROWS[0])).score  # no answer never scores better


def test_an_unseen_category_gets_the_special_bin(score, step):
    got = step("purpose", "vacation")
    assert (got.bin, got.bin_kind) == ("Other/unseen", "special")
    out = score(best_record() | {"housing": "houseboat"})
    assert out.bins["housing"] == "Other/unseen"
    special = next(b for b in CHARS["housing"]["bins"] if b["kind"] == "special")
    assert out.points["housing"] == special["points"] < best_points(CHARS["housing"])
    assert out.reasons == ["SC_HOUSING"]  # the only answer below its best


def test_numbers_fall_in_half_open_intervals(step):
    duration = CHARS["duration_in_month"]
    edge = duration["edges"][0]
    below, at = step("duration_in_month", edge - 1e-9), step("duration_in_month", edge)
    assert below.bin == duration["bins"][0]["label"] and at.bin == duration["bins"][1]["label"]
    assert step("duration_in_month", str(edge)).bin == at.bin  # a number written as text
    assert step("duration_in_month", 10_000).bin == duration["bins"][len(duration["edges"])]["label"]


def test_step_errors(step):
    with pytest.raises(CapabilityError, match="expected a number"):
        step("duration_in_month", "two years")
    dropped = TABLE["model"]["dropped"][0]["name"]
    with pytest.raises(CapabilityError, match="no characteristic"):
        step(dropped, "none")
    with pytest.raises(ValidationError):
        step("foreign_worker", "yes")  # not a characteristic a card may use


# -- PD calibration ------------------------------------------------------------------------------

def test_pd_at_the_sample_rate_is_the_sample_pd(score, scored):
    for out in scored[:50]:
        assert 0 < out.pd < out.pd_sample < 1  # the default portfolio rate 5 % is below the sample's 30 %
        assert out.pd_sample == pytest.approx(1 / (1 + math.exp((out.score - TABLE["scaling"]["offset"])
                                                                / TABLE["scaling"]["factor"])), rel=1e-12)
    for row in ROWS[:50]:
        out = score(applicant(row), portfolio_bad_rate=0.30)
        assert out.pd == out.pd_sample


def test_pd_follows_the_prior_correction_and_is_monotone_in_score(score, scored):
    low, high = [score(applicant(ROWS[3]), portfolio_bad_rate=rate) for rate in (0.02, 0.10)]
    assert low.pd < high.pd < low.pd_sample == high.pd_sample
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert odds(low.pd) == pytest.approx(odds(low.pd_sample) * odds(0.02) / odds(0.30), rel=1e-9)
    ranked = sorted(scored, key=lambda o: o.score)
    pds = [o.pd for o in ranked]
    assert all(a >= b for a, b in zip(pds, pds[1:]))  # higher score, lower PD
    assert ranked[0].pd > ranked[-1].pd


# -- params --------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"portfolio_bad_rate": 0.001}, {"portfolio_bad_rate": 0.5}, {"portfolio_bad_rate": 0},
    {"band_a_min": 700}, {"band_d_min": 400}, {"max_reasons": 0}, {"max_reasons": 5},
    {"band_a_min": 560, "band_b_min": 560}, {"band_b_min": 600, "band_c_min": 599, "band_a_min": 590},
    {"model_version": "v2"}, {"cutoff": 500}, {"min_shortfall": -1}, {"min_shortfall": 25},
])
def test_params_outside_their_bounds_are_rejected(score, params):
    with pytest.raises(ValidationError):
        score(applicant(ROWS[0]), **params)


def test_inputs_outside_the_contract_are_rejected(score):
    for bad in ({"foreign_worker": "yes"}, {"personal_status_and_sex": "male : single"},
                {"installment_rate_in_percentage_of_disposable_income": 5}, {"credit_amount": -1}):
        with pytest.raises(ValidationError):
            score(applicant(ROWS[0]) | bad)


def test_scoring_imports_no_training_library():
    code = ("import sys, jimu; from jimu.testing import run; import jimu_credit.training.scorecard; "
            "cat = jimu.load_catalog(); run(cat.get('risk.prescreen.scorecard'), {}, catalog=cat); "
            "print([m for m in ('sklearn', 'pandas', 'numpy', 'scipy') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
