"""Fit the German Credit WOE scorecard and write its versioned points table.

    python -m jimu_credit.training.scorecard [--data CSV] [--out PATH] [--check]

Needs ``jimu-credit[train]`` (scikit-learn, pandas, numpy), imported inside the functions so that
importing ``jimu_credit`` never does. The recipe (docs/scorecard.md):

1. target bad = 1 (``creditability == "bad"``); the protected ``personal_status_and_sex`` and
   ``foreign_worker`` are never read;
2. ``train_test_split(test_size=0.3, random_state=42, stratify=label)``; everything below is fit
   on the 70 % train split only, the 30 % is scored once at the end for the record;
3. binning: numeric — a shallow ``DecisionTreeClassifier`` (at most 8 leaves, each ≥ 5 % of the
   train rows), edges rounded up to whole numbers for integer columns, then adjacent bins pooled
   until the bad rate is strictly monotone (the direction with the larger IV); categorical —
   levels ordered by their bad rate, the same tree on that order, so sparse levels join the
   levels of nearest risk;
4. WoE = ln(%good/%bad), a bin with no goods or no bads gets 0.5 added to both its counts;
   Missing and Other/unseen bins take the WoE of the highest-risk bin;
5. ``LogisticRegression(max_iter=1000)`` on the WoEs; a characteristic left with a single bin
   carries no information and is dropped; one whose coefficient comes out positive (its points
   would run against its own WoE) is dropped, the largest first, and the model refit;
6. points per bin by optbinning's formula, PDO 20, Odds₀ 50:1 good:bad, Score₀ 600;
7. held-out AUC, KS and Gini of the *table's* scores on the 30 %, whose row positions (0-based
   data rows of the CSV) the table records in ``split.test_rows``.

The same CSV gives the same bytes: the training date is a constant, numbers are rounded to 10
decimals, and nothing random is left unseeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..risk.scorecard import (
    CHARACTERISTICS,
    MISSING,
    MISSING_LABEL,
    MODEL_FILE,
    PROTECTED,
    REGULAR,
    SPECIAL,
    SPECIAL_LABEL,
    Scorecard,
    numeric_bin,
    scaling,
)

MODEL_ID = "scorecard_german"
MODEL_VERSION = "v1"
#: Fixed, so that a refit of the same data is byte-identical; change it with the version.
TRAINED_ON = "2026-11-28"
DATA_FILE = "jimu_credit/data/germancredit.csv"
TARGET, EVENT = "creditability", "bad"
TEST_SIZE, SEED = 0.3, 42
PDO, ODDS, SCORE = 20.0, 50.0, 600.0
MIN_BIN_SHARE = 0.05  # of the train rows, per bin
MAX_LEAVES = 8  # tree leaves before monotone pooling
SMOOTHING = 0.5  # added to both counts of a bin with no goods or no bads
DIGITS = 10  # decimals kept in the table
LR_PARAMS = {"C": 1.0, "max_iter": 1000}


def _r(x: float) -> float:
    value = round(float(x), DIGITS)
    return 0.0 if value == 0 else value  # no "-0.0"


def default_data() -> Path:
    return Path(str(files("jimu_credit.data").joinpath("germancredit.csv")))


def default_out() -> Path:
    return Path(str(files("jimu_credit.risk").joinpath("models", MODEL_FILE.format(version=MODEL_VERSION))))


def load(path: str | Path | None = None):
    """The CSV as a DataFrame and the sha256 of its bytes."""
    import io

    import pandas as pd

    raw = Path(path or default_data()).read_bytes()
    return pd.read_csv(io.BytesIO(raw)), hashlib.sha256(raw).hexdigest()


def labels(frame) -> Any:
    """bad = 1, good = 0; anything else is an error."""
    import numpy as np

    values = frame[TARGET].astype(str)
    unknown = sorted(set(values) - {"good", "bad"})
    if unknown:
        raise ValueError(f"{TARGET} must be good or bad, found {unknown[:5]}")
    return (values == EVENT).to_numpy(dtype=np.int64)


def split(frame, y=None) -> tuple[Any, Any]:
    """Row positions of the train (70 %) and held-out (30 %) parts: stratified, seed 42."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    y = labels(frame) if y is None else y
    train, test = train_test_split(np.arange(len(frame)), test_size=TEST_SIZE, random_state=SEED, stratify=y)
    return np.sort(train), np.sort(test)


# -- binning -----------------------------------------------------------------------------------

def _tree_cuts(x, y, min_leaf: int) -> list[float]:
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_leaf_nodes=MAX_LEAVES, min_samples_leaf=min_leaf, random_state=0)
    tree.fit(x.reshape(-1, 1), y)
    t = tree.tree_
    return sorted(float(v) for v, left in zip(t.threshold, t.children_left, strict=True) if left != -1)


def _iv(counts: Sequence[tuple[int, int]]) -> float:
    goods, bads = sum(g for g, _ in counts), sum(b for _, b in counts)
    return sum((g / goods - b / bads) * woe(g, b, goods, bads) for g, b in counts)


def _pool(counts: list[tuple[int, int]], increasing: bool) -> list[list[int]]:
    """Pool adjacent bins until the bad rate strictly rises (or falls) from bin to bin."""
    groups: list[list[int]] = []
    sums: list[tuple[int, int]] = []
    for i, (g, b) in enumerate(counts):
        groups.append([i])
        sums.append((g, b))
        while len(sums) > 1:
            (g1, b1), (g2, b2) = sums[-2], sums[-1]
            r1, r2 = b1 / (g1 + b1), b2 / (g2 + b2)
            if (r1 < r2) if increasing else (r1 > r2):
                break
            sums[-2:] = [(g1 + g2, b1 + b2)]
            groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def bin_numeric(x, y, min_leaf: int) -> list[float]:
    """Interior edges of the monotone supervised binning of a numeric column."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    cuts = _tree_cuts(x, y, min_leaf)
    if np.all(x == np.round(x)):
        cuts = sorted({float(math.ceil(c)) for c in cuts})
    edges = tuple(cuts)
    index = np.array([numeric_bin(edges, v) for v in x])
    counts = [(int(((index == i) & (y == 0)).sum()), int(((index == i) & (y == 1)).sum()))
              for i in range(len(edges) + 1)]
    best = None
    for increasing in (True, False):
        groups = _pool(counts, increasing)
        pooled = [(sum(counts[i][0] for i in grp), sum(counts[i][1] for i in grp)) for grp in groups]
        iv = _iv(pooled)
        if best is None or iv > best[0] + 1e-12:
            best = (iv, groups)
    groups = best[1]
    # the edge between two groups is the lower edge of the second group's first bin
    return [edges[grp[0] - 1] for grp in groups[1:]]


def bin_categorical(x, y, min_leaf: int) -> list[list[str]]:
    """Groups of levels: levels ordered by bad rate (then name), cut by the tree on that order."""
    import numpy as np

    x = np.asarray(x, dtype=object).astype(str)
    levels = sorted(set(x))
    rate = {lv: float(y[x == lv].mean()) for lv in levels}
    ordered = sorted(levels, key=lambda lv: (rate[lv], lv))
    rank = {lv: i for i, lv in enumerate(ordered)}
    cuts = _tree_cuts(np.array([rank[v] for v in x], dtype=float), y, min_leaf)
    groups: dict[int, list[str]] = {}
    for lv in ordered:
        groups.setdefault(numeric_bin(tuple(cuts), rank[lv]), []).append(lv)
    return [groups[k] for k in sorted(groups)]


def woe(good: int, bad: int, goods: int, bads: int) -> float:
    """ln(%good / %bad); a cell with no goods or no bads gets SMOOTHING added to both counts."""
    if good == 0 or bad == 0:
        good, bad = good + SMOOTHING, bad + SMOOTHING
    return math.log((good / goods) / (bad / bads))


def _label(lower: float | None, upper: float | None) -> str:
    def num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else repr(float(v))

    return f"[{'-inf' if lower is None else num(lower)}, {'inf' if upper is None else num(upper)})"


def _edge(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _characteristic_bins(name: str, x, y, min_leaf: int) -> dict[str, Any]:
    """A characteristic's binning with train counts, event rates, WoE and IV (no points yet)."""
    import numpy as np
    import pandas as pd

    goods, bads = int((y == 0).sum()), int((y == 1).sum())
    if pd.api.types.is_numeric_dtype(x):
        values = x.to_numpy(dtype=float)
        edges = bin_numeric(values, y, min_leaf)
        index = np.array([numeric_bin(tuple(edges), v) for v in values])
        bounds = [None, *edges, None]
        bins = [{"label": _label(bounds[i], bounds[i + 1]),
                 "lower": None if bounds[i] is None else _edge(bounds[i]),
                 "upper": None if bounds[i + 1] is None else _edge(bounds[i + 1])}
                for i in range(len(edges) + 1)]
        entry: dict[str, Any] = {"name": name, "type": "numeric", "edges": [_edge(e) for e in edges]}
    else:
        values = x.astype(str).to_numpy(dtype=object)
        groups = bin_categorical(values, y, min_leaf)
        where = {lv: i for i, grp in enumerate(groups) for lv in grp}
        index = np.array([where[v] for v in values])
        bins = [{"label": " | ".join(grp), "levels": grp} for grp in groups]
        entry = {"name": name, "type": "categorical"}
    for i, b in enumerate(bins):
        g, bd = int(((index == i) & (y == 0)).sum()), int(((index == i) & (y == 1)).sum())
        b.update(kind=REGULAR, count=g + bd, good=g, bad=bd, event_rate=_r(bd / (g + bd)),
                 woe=woe(g, bd, goods, bads))
    entry["iv"] = _r(sum((b["good"] / goods - b["bad"] / bads) * b["woe"] for b in bins))
    worst = min(b["woe"] for b in bins)
    bins.append({"label": MISSING_LABEL, "kind": MISSING, "count": 0, "good": 0, "bad": 0,
                 "event_rate": None, "woe": worst, "rule": "woe of the highest-risk bin"})
    if entry["type"] == "categorical":
        bins.append({"label": SPECIAL_LABEL, "kind": SPECIAL, "count": 0, "good": 0, "bad": 0,
                     "event_rate": None, "woe": worst, "rule": "woe of the highest-risk bin"})
    for b in bins:
        b["woe"] = _r(b["woe"])
    entry["bins"] = bins
    entry["_index"] = index
    return entry


# -- the fit ---------------------------------------------------------------------------------

def fit(frame, *, data_sha256: str, positions: tuple[Any, Any] | None = None) -> dict[str, Any]:
    """Fit the card on the train part of ``frame`` and return the points table (a dict).

    ``positions`` (train, held-out row positions) defaults to :func:`split`; the held-out rows
    are read only to compute the metrics recorded in ``metrics.holdout``.
    """
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.linear_model import LogisticRegression

    incomplete = [name for name in CHARACTERISTICS if frame[name].isna().any()]
    if incomplete:
        raise ValueError(f"the recipe fits on complete data; missing values in {', '.join(incomplete)}")
    y_all = labels(frame)
    train, test = split(frame, y_all) if positions is None else positions
    tr = frame.iloc[train].reset_index(drop=True)
    y = y_all[train]
    min_leaf = math.ceil(MIN_BIN_SHARE * len(tr))
    chars = [_characteristic_bins(name, tr[name], y, min_leaf) for name in CHARACTERISTICS]

    kept = [c for c in chars if sum(b["kind"] == REGULAR for b in c["bins"]) > 1]
    dropped = [{"name": c["name"], "iv": c["iv"], "reason": "a single bin: no split found, no information"}
               for c in chars if c not in kept]
    while True:
        X = np.column_stack([np.array([c["bins"][i]["woe"] for i in c["_index"]]) for c in kept])
        model = LogisticRegression(**LR_PARAMS).fit(X, y)
        coef = model.coef_[0]
        if coef.max() <= 0:
            break
        worst = int(np.argmax(coef))
        dropped.append({"name": kept[worst]["name"], "iv": kept[worst]["iv"],
                        "reason": "positive coefficient (points would run against its WoE)"})
        del kept[worst]

    factor, offset = scaling(PDO, ODDS, SCORE)
    alpha, n = _r(model.intercept_[0]), len(kept)
    for c, beta in zip(kept, coef, strict=True):
        c["coefficient"] = _r(beta)
        for b in c["bins"]:
            b["points"] = _r(-(c["coefficient"] * b["woe"] + alpha / n) * factor + offset / n)
        del c["_index"]
    for c in chars:
        c.pop("_index", None)
    ordered = [{k: c[k] for k in ("name", "type", "coefficient", "iv", "edges", "bins") if k in c} for c in kept]

    table = {
        "format": "jimu.scorecard.points/1",
        "model_id": MODEL_ID,
        "model_version": MODEL_VERSION,
        "trained_on": TRAINED_ON,
        "trained_with": {"scikit-learn": sklearn.__version__, "pandas": pd.__version__, "numpy": np.__version__},
        "data": {
            "file": DATA_FILE,
            "sha256": data_sha256,
            "rows": len(frame),
            "target": TARGET,
            "event": EVENT,
            "protected_excluded": list(PROTECTED),
        },
        "split": {
            "method": "sklearn.model_selection.train_test_split",
            "test_size": TEST_SIZE,
            "random_state": SEED,
            "stratify": TARGET,
            "train_count": len(train),
            "test_count": len(test),
            "train_bad_rate": _r(y.mean()),
            "test_rows": [int(i) for i in test],
        },
        "binning": {
            "numeric": f"DecisionTreeClassifier(max_leaf_nodes={MAX_LEAVES}, min_samples_leaf={min_leaf}), "
                       "edges rounded up for integer columns, then adjacent bins pooled to a strictly "
                       "monotone bad rate (direction of larger IV); bins are half-open [lower, upper)",
            "categorical": f"levels ordered by train bad rate, DecisionTreeClassifier(max_leaf_nodes={MAX_LEAVES}, "
                           f"min_samples_leaf={min_leaf}) on that order",
            "min_bin_share": MIN_BIN_SHARE,
            "woe": "ln(%good/%bad)",
            "smoothing": f"{SMOOTHING} added to both counts of a bin with no goods or no bads",
            "missing": "woe (and so points) of the characteristic's highest-risk bin",
            "special": "categorical levels not seen in training: woe of the highest-risk bin",
        },
        "scaling": {"pdo": PDO, "odds": ODDS, "odds_meaning": "good:bad", "score": SCORE,
                    "factor": factor, "offset": offset},
        "model": {
            "estimator": "sklearn.linear_model.LogisticRegression",
            "params": LR_PARAMS,
            "target": "logit(p_bad) = intercept + sum(coefficient_j * woe_j)",
            "intercept": alpha,
            "n_characteristics": n,
            "dropped": dropped,
        },
        "points_formula": "points_ij = -(coefficient_j * woe_ij + intercept / n) * factor + offset / n; "
                          "score = sum_j points_ij = offset + factor * ln(odds_good)",
        "characteristics": ordered,
    }
    table["metrics"] = _metrics(table, frame, y_all, train, test)
    return table


def _metrics(table: Mapping[str, Any], frame, y, train, test) -> dict[str, Any]:
    """AUC, KS and Gini of the table's own scores (the runtime lookup), held out and on train."""
    import numpy as np
    from sklearn.metrics import roc_auc_score, roc_curve

    card = Scorecard.from_dict(table)
    records = frame[list(card.names)].to_dict(orient="records")
    scores = np.array([card.score(r) for r in records])

    def measure(rows):
        risk = -scores[rows]  # higher score = lower risk
        auc = roc_auc_score(y[rows], risk)
        fpr, tpr, _ = roc_curve(y[rows], risk)
        return auc, float(np.max(tpr - fpr))

    def block(rows):
        auc, ks = measure(rows)
        return {"rows": len(rows), "auc": _r(auc), "ks": _r(ks), "gini": _r(2 * auc - 1)}

    return {"holdout": block(test), "train": block(train),
            "score_range_all_rows": [_r(scores.min()), _r(scores.max())]}


def dumps(table: Mapping[str, Any]) -> str:
    """The table as JSON text: fixed key order, two-space indent, UTF-8, one trailing newline.

    The held-out row list is written on one line rather than one row per line.
    """
    marker = "@@test_rows@@"
    split_ = dict(table["split"])
    rows, split_["test_rows"] = split_["test_rows"], marker
    text = json.dumps({**table, "split": split_}, indent=2, ensure_ascii=False)
    return text.replace(json.dumps(marker), json.dumps(rows)) + "\n"


def build(data: str | Path | None = None) -> str:
    """Fit from a CSV (default: the packaged one) and return the table's JSON text."""
    frame, sha = load(data)
    return dumps(fit(frame, data_sha256=sha))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jimu_credit.training.scorecard",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="the German Credit CSV (default: the packaged copy)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the points table (default: the package's risk/models/ file); - for stdout")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the refit differs from the file at --out")
    args = parser.parse_args(argv)
    text = build(args.data)
    table = json.loads(text)
    out = args.out or default_out()
    m = table["metrics"]
    h, lo, hi = m["holdout"], *m["score_range_all_rows"]
    summary = (f"{table['model_id']} {table['model_version']}: {table['model']['n_characteristics']} characteristics, "
               f"held-out AUC {h['auc']:.4f}, KS {h['ks']:.4f}, Gini {h['gini']:.4f} "
               f"(train AUC {m['train']['auc']:.4f}); scores {lo:.1f}..{hi:.1f}")
    if args.check:
        same = out.exists() and out.read_text(encoding="utf-8") == text
        print(f"{summary}\n{out}: {'identical' if same else 'DIFFERS from the refit'}", file=sys.stderr)
        return 0 if same else 1
    if str(out) == "-":
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"{summary}\nwrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
