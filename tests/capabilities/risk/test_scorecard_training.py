"""Refitting the scorecard (jimu_credit.training.scorecard, needs jimu-credit[train]).

The shipped points table must be what the documented recipe gives from the packaged CSV, and
nothing in the fit may read the held-out 30 % labels or the protected attributes.
"""

from __future__ import annotations

import json
import math
from importlib.resources import files

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from jimu_credit.risk.scorecard import CHARACTERISTICS, PROTECTED, Scorecard  # noqa: E402
from jimu_credit.training import scorecard as training  # noqa: E402

SHIPPED_PATH = files("jimu_credit.risk").joinpath("models", "scorecard_german_v1.json")
SHIPPED_TEXT = SHIPPED_PATH.read_text(encoding="utf-8")
SHIPPED = json.loads(SHIPPED_TEXT)


@pytest.fixture(scope="module")
def data():
    frame, sha = training.load()
    return frame, sha


@pytest.fixture(scope="module")
def refit(data):
    frame, sha = data
    return training.fit(frame, data_sha256=sha)


def assert_same_table(a, b, *, skip=("trained_with",), tol=1e-6, where="table"):
    """Same structure, same strings, ints and bins; floats within ``tol``."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            if k not in skip:
                assert_same_table(a[k], b[k], skip=skip, tol=tol, where=f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_table(x, y, skip=skip, tol=tol, where=f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, (int, float)) and abs(a - b) <= tol, f"{where}: {a} != {b}"
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


def test_refit_reproduces_the_shipped_table(refit):
    assert_same_table(json.loads(training.dumps(refit)), SHIPPED)
    if refit["trained_with"] == SHIPPED["trained_with"]:  # byte for byte with the same libraries
        assert training.dumps(refit) == SHIPPED_TEXT


def test_the_fit_is_deterministic(data, refit):
    frame, sha = data
    assert training.dumps(training.fit(frame, data_sha256=sha)) == training.dumps(refit)


def test_the_split_is_the_documented_one(data):
    from sklearn.model_selection import train_test_split

    frame, _ = data
    y = (frame["creditability"] == "bad").to_numpy(dtype=int)
    train, test = training.split(frame)
    want_train, want_test = train_test_split(np.arange(1000), test_size=0.3, random_state=42, stratify=y)
    assert list(train) == sorted(want_train) and list(test) == sorted(want_test)
    assert len(train) == 700 and y[train].mean() == 0.3


def test_held_out_labels_and_features_do_not_leak(data, refit):
    """Shuffle the 30 %'s labels (and scramble its features) and refit on the same split."""
    frame, sha = data
    train, test = training.split(frame)
    rng = np.random.default_rng(7)
    changed = frame.copy()
    target = changed.columns.get_loc("creditability")
    changed.iloc[test, target] = rng.permutation(frame["creditability"].to_numpy()[test])
    assert (changed["creditability"] != frame["creditability"]).sum() > 50
    for name in CHARACTERISTICS:  # scrambled too: binning edges must come from train rows only
        column = changed.columns.get_loc(name)
        changed.iloc[test, column] = rng.permutation(frame[name].to_numpy()[test])
    shuffled = training.fit(changed, data_sha256=sha, positions=(train, test))
    assert shuffled["metrics"]["holdout"] != refit["metrics"]["holdout"]  # the shuffle did reach the 30 %
    assert_same_table(shuffled, refit, skip=("trained_with", "metrics"), tol=0.0)


def test_protected_attributes_are_never_read(data, refit):
    frame, sha = data
    without = training.fit(frame.drop(columns=list(PROTECTED)), data_sha256=sha)
    assert training.dumps(without) == training.dumps(refit)


def test_binning_respects_its_rules(refit):
    min_count = math.ceil(0.05 * 700)
    for c in refit["characteristics"]:
        regular = [b for b in c["bins"] if b["kind"] == "regular"]
        assert all(b["count"] >= min_count for b in regular), c["name"]
        rates = [b["event_rate"] for b in regular]
        if c["type"] == "numeric":  # strictly monotone bad rate, one way or the other
            steps = [b - a for a, b in zip(rates, rates[1:])]
            assert all(s > 0 for s in steps) or all(s < 0 for s in steps), c["name"]
            assert all(float(e).is_integer() for e in c["edges"])  # integer columns: whole-number edges
        else:  # groups of levels in order of bad rate
            assert rates == sorted(rates), c["name"]


def test_stored_coefficients_are_the_logistic_regression_on_train_woe(data, refit):
    """Independently: WoE features from the table's bins on the train rows, the same regression."""
    from sklearn.linear_model import LogisticRegression

    frame, _ = data
    train, _ = training.split(frame)
    card = Scorecard.from_dict(refit)
    rows = frame.iloc[train][list(card.names)].to_dict(orient="records")
    X = np.array([[c.bin_for(r[c.name]).woe for c in card.characteristics] for r in rows])
    y = (frame["creditability"].to_numpy()[train] == "bad").astype(int)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    assert model.intercept_[0] == pytest.approx(refit["model"]["intercept"], abs=1e-6)
    assert list(model.coef_[0]) == pytest.approx([c.coefficient for c in card.characteristics], abs=1e-6)
    # and the card's score is the model's log-odds, scaled
    decision = model.decision_function(X)
    scores = np.array([card.score(r) for r in rows])
    assert np.max(np.abs(scores - (card.offset - card.factor * decision))) < 1e-6


def test_command_line_writes_and_checks(tmp_path, capsys):
    out = tmp_path / "card.json"
    assert training.main(["--out", str(out)]) == 0
    assert_same_table(json.loads(out.read_text(encoding="utf-8")), SHIPPED)
    assert "held-out AUC" in capsys.readouterr().err
    assert training.main(["--out", str(out), "--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace('"v1"', '"v0"'), encoding="utf-8")
    assert training.main(["--out", str(out), "--check"]) == 1


def test_bad_labels_are_refused(data):
    frame, sha = data
    broken = frame.copy()
    broken.loc[0, "creditability"] = "maybe"
    with pytest.raises(ValueError, match="good or bad"):
        training.fit(broken, data_sha256=sha)


def test_missing_training_values_are_refused(data):
    frame, sha = data
    broken = frame.copy()
    broken.loc[3, "credit_amount"] = None
    with pytest.raises(ValueError, match="credit_amount"):
        training.fit(broken, data_sha256=sha)
