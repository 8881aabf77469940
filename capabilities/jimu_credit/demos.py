"""HQ's demos for ``jimu demo``: pre-loan screening and post-loan monitoring on the bundled data.

Both run HQ's products under ``assemblies/hq/`` exactly as ``jimu run`` would, so they are run
from the folder holding ``assemblies/`` (the repository's root); elsewhere they say so.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jimu import Demo

# demo and demo_postloan (the runtime, Rich tables) are imported when a demo runs, not when the
# plugin registers: every `jimu` command loads the catalog, and `jimu validate` must stay quick


def _products_here(*products: Path) -> bool:
    missing = [str(p) for p in products if not p.is_file()]
    if missing:
        print(f"error: {', '.join(missing)} not found under {Path.cwd()}\n"
              "  hint: run jimu demo from the folder holding assemblies/ (the repository's root)", file=sys.stderr)
    return not missing


def preloan(out: Path, quick: bool) -> int:
    # the 1,000 applicants take about a second: --quick runs them all too
    from . import demo

    if not _products_here(demo.PRODUCT):
        return 1
    return demo.main(["--product", str(demo.PRODUCT), "--out", str(out)])


def postloan(out: Path, quick: bool) -> int:
    from . import demo_postloan

    if not _products_here(demo_postloan.MONITORING, demo_postloan.PROFITABILITY):
        return 1
    return demo_postloan.main(["--loans", "2000" if quick else "100000", "--out", str(out)])


DEMOS = (
    Demo("preloan", "HQ's standard pre-loan screening over the 1,000 German Credit applicants: scorecard AUC "
         "and KS on the held-out 30 %, decision mix, bad rate per outcome, commonest reasons", preloan, order=10),
    Demo("postloan", "nightly monitoring and profitability over a synthetic book of 100,000 loans (2,000 with "
         "--quick), with EL, RAROC and EVA by branch and product", postloan, order=20),
)
