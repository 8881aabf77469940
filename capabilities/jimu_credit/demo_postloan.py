"""The post-loan demo: nightly monitoring over a synthetic book, then EL, RAROC and EVA views.

``python -m jimu_credit.demo_postloan [--loans N] [--seed S] [--out DIR]`` (``make demo`` runs it
on 100,000 loans) generates the book (``jimu sample loans``), runs HQ's nightly monitoring
product on every loan (signals, collection strategy, limit review) and the per-exposure
profitability product, then adds the exposures up by branch and by product with
``mgmt.views.by_dimension``: every ratio is recomputed from the summed numerators and
denominators, never averaged. It writes ``monitoring.csv`` and ``views.json`` to the folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

from jimu import invoke, load_catalog
from jimu.runtime import load_plan, run_record

from .loanbook import loans

MONITORING = Path("assemblies/hq/postloan_monitoring.yaml")
PROFITABILITY = Path("assemblies/hq/exposure_profitability.yaml")
MEASURES = ("ead", "el", "ec", "revenue", "costs", "nopat", "eva")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("out/postloan"))
    args = parser.parse_args(argv)
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = Console(width=120)
    catalog = load_catalog()
    monitoring, profitability = load_plan(MONITORING, catalog), load_plan(PROFITABILITY, catalog)
    view = catalog.get("mgmt.views.by_dimension")
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    severity, actions, collection, outcomes, signals = Counter(), Counter(), Counter(), Counter(), Counter()
    exposures = []
    with open(args.out / "monitoring.csv", "w", newline="", encoding="utf-8") as handle, \
            Progress(console=Console(stderr=True), transient=True) as progress:
        writer = csv.writer(handle)
        writer.writerow(["loan_id", "branch", "product", "dpd", "bucket", "severity", "collection", "limit_action",
                         "new_limit", "decision", "reasons"])
        task = progress.add_task("monitoring the book", total=args.loans)
        for n, loan in enumerate(loans(args.loans, args.seed), 1):
            watched = run_record(monitoring, loan)
            o = watched.outputs
            severity[o["severity"]] += 1
            actions[o["limit_action"]] += 1
            collection[o["collection"]] += 1
            outcomes[watched.decision.outcome.value] += 1
            signals.update(o["signal_reasons"] or ())
            writer.writerow([loan["loan_id"], loan["branch"], loan["product"], o["dpd"], o["bucket"], o["severity"],
                             o["collection"], o["limit_action"], o["new_limit"], watched.decision.outcome.value,
                             ";".join(watched.decision.reasons)])
            exposures.append(run_record(profitability, loan).outputs)
            if n % 1000 == 0:
                progress.update(task, completed=n)
    seconds = time.perf_counter() - started
    console.print(f"[bold]{monitoring.key}[/] and [bold]{profitability.key}[/] over {args.loans:,} loans in "
                  f"{seconds:.1f} s ({args.loans / seconds:,.0f} loans/s); per-loan results in "
                  f"{args.out / 'monitoring.csv'}")

    mix = Table(title="alerts and actions", title_justify="left")
    for column in ("what", "value", "loans", "share"):
        mix.add_column(column, justify="right" if column in ("loans", "share") else "left")
    for label, counter in (("severity", severity), ("collection", collection), ("limit review", actions),
                           ("decision", outcomes)):
        for value, count in counter.most_common():
            mix.add_row(label, str(value), f"{count:,}", f"{count / args.loans:.1%}")
    console.print(mix)
    if signals:
        console.print("commonest signals: " + ", ".join(f"{code} {count:,}" for code, count in signals.most_common(5)))

    rows = [{**{k: e[k] for k in ("branch", "product", "region", "customer")}, **{m: e[m] for m in MEASURES},
             "exposure_id": e["loan_id"]} for e in exposures]
    views = {}
    for dimension in ("branch", "product"):
        result = invoke(view, {"rows": rows}, {"dimension": dimension}, catalog=catalog).model_dump(mode="json")
        views[dimension] = result
        table = Table(title=f"EL, RAROC and EVA by {dimension} (ratios from sums)", title_justify="left")
        for column in (dimension, "loans", "EAD", "EL", "EL rate", "EC", "RAROC", "EVA"):
            table.add_column(column, justify="left" if column == dimension else "right")
        for group in [*result["groups"], {**result["total"], "key": "total"}]:
            table.add_row(str(group["key"]), f"{group['exposures']:,}", f"{group['ead']:,.0f}", f"{group['el']:,.0f}",
                          _pct(group.get("el_rate")), f"{group['ec']:,.0f}", _pct(group.get("raroc")),
                          f"{group['eva']:,.0f}")
        console.print(table)
    (args.out / "views.json").write_text(json.dumps(views, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _pct(value) -> str:
    return "–" if value is None else f"{value:.2%}"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
