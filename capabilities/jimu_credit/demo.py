"""The pre-loan demo: HQ's standard screening over the 1,000 German Credit applicants.

``python -m jimu_credit.demo [--product FILE] [--out DIR]`` (``make demo`` runs it) builds the
applicants sample, runs the product through Jimu's runtime exactly as ``jimu run`` would, and
reports what a credit officer would ask of it, on the scorecard's held-out 30 % and against the
real outcome (``creditability``): the scorecard's AUC and KS, the decision mix, the bad rate
within each outcome (approve should be the lowest, decline the highest), and the commonest
reason codes. It writes ``decisions.csv`` (row, label, split, score, decision, reasons).

AUC and KS are computed here from ranks, without scikit-learn, so the demo runs on the runtime
install alone.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from jimu.runtime import RecordRejected, load_plan, run_record

from .samples import applicants

PRODUCT = Path("assemblies/hq/preloan_standard.yaml")


def auc(scores_good_high: list[tuple[float, bool]]) -> float:
    """Probability that a random good outscores a random bad (Mann–Whitney U; ties count half)."""
    ranked = sorted(scores_good_high, key=lambda p: p[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    goods = sum(1 for _, good in ranked if good)
    bads = len(ranked) - goods
    return (rank_sum - goods * (goods + 1) / 2) / (goods * bads)


def ks(scores_good_high: list[tuple[float, bool]]) -> float:
    """The largest gap between the cumulative shares of bads and goods below a score."""
    goods = sum(1 for _, good in scores_good_high if good)
    bads = len(scores_good_high) - goods
    seen_good = seen_bad = 0
    best = 0.0
    for score, good in sorted(scores_good_high):
        seen_good += good
        seen_bad += not good
        best = max(best, abs(seen_bad / bads - seen_good / goods))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--product", type=Path, default=PRODUCT)
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    plan = load_plan(args.product)
    started = time.perf_counter()
    rows, rejected = [], 0
    for applicant in applicants():
        try:
            result = run_record(plan, applicant)
        except RecordRejected:
            rejected += 1
            continue
        rows.append({
            "row": applicant["row"], "label": applicant["label"], "split": applicant["split"],
            "score": result.outputs.get("score"), "decision": result.decision.outcome.value,
            "reasons": ";".join(result.decision.reasons),
        })
    seconds = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "decisions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["row", "label", "split", "score", "decision", "reasons"])
        writer.writeheader()
        writer.writerows(rows)

    held_out = [r for r in rows if r["split"] == "test" and r["score"] is not None]
    pairs = [(r["score"], r["label"] == "good") for r in held_out]
    console.print(f"[bold]{plan.key}[/] over {len(rows) + rejected} German Credit applicants in {seconds:.2f} s "
                  f"({rejected} rejected); decisions in {args.out / 'decisions.csv'}")
    console.print(f"scorecard on the held-out 30 % ({len(held_out)} applicants, real outcomes): "
                  f"AUC {auc(pairs):.4f}, KS {ks(pairs):.4f}")
    table = Table(title="decisions (all applicants; bad rate on the held-out 30 %)", title_justify="left")
    for column in ("outcome", "applicants", "share", "held-out", "held-out bad rate"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    for outcome in ("approve", "refer", "decline"):
        every = [r for r in rows if r["decision"] == outcome]
        test = [r for r in held_out if r["decision"] == outcome]
        bad = sum(r["label"] == "bad" for r in test)
        table.add_row(outcome, str(len(every)), f"{len(every) / max(len(rows), 1):.1%}", str(len(test)),
                      f"{bad / len(test):.1%}" if test else "–")
    console.print(table)
    reasons = Counter(code for r in rows if r["decision"] != "approve" for code in r["reasons"].split(";") if code)
    top = Table(title="most frequent reason codes (declines and referrals)", title_justify="left")
    top.add_column("code")
    top.add_column("applicants", justify="right")
    for code, count in reasons.most_common(8):
        top.add_row(code, str(count))
    console.print(top)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
