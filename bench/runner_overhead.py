"""Runner overhead: a chain of tiny steps through Jimu's plan vs the same functions called by hand.

The steps do almost nothing (add one), so what is left is the runtime's own cost per step:
binding the inputs, validating them into the step's contract, calling, checking the output.
The direct code builds the same pydantic models (one input model per step), so the difference
is Jimu's overhead alone. Measured on the 8-step chain the issue names (plus its decider), and
as the slope between a 2-step and a 16-step chain (which cancels the per-record fixed cost:
request validation, the decision, the result). Timed interleaved, best round of each.
Run: ``make bench`` or ``.venv/bin/python bench/runner_overhead.py [--quick]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from jimu import ContractModel, Decision, capability, hookimpl, load_catalog
from jimu.runtime import load_plan, run_record

sys.path.insert(0, str(Path(__file__).parent))
from _timing import arguments, goals_table, interleaved  # noqa: E402

OVERHEAD_GOAL_US = 1.0


class X(ContractModel):
    x: float


class Y(ContractModel):
    y: float


class D(ContractModel):
    decision: Decision


@capability(id="bench.step.inc", version="1.0.0", level=5, name="inc", name_zh="加一", owner="bench")
def inc(v: X) -> Y:
    return Y(y=v.x + 1)


@capability(id="bench.step.decide", version="1.0.0", level=5, name="decide", name_zh="决策", owner="bench")
def decide(v: X) -> D:
    return D(decision=Decision.approve())


class ChainPlugin:
    @hookimpl
    def jimu_register(self, register):
        register(inc)
        register(decide)


def chain_yaml(n: int) -> str:
    steps = ["  - id: s1\n    uses: bench.step.inc\n"]
    steps += [f"  - id: s{i}\n    uses: bench.step.inc\n    with: {{x: steps.s{i - 1}.y}}\n" for i in range(2, n + 1)]
    steps.append(f"  - id: d\n    uses: bench.step.decide\n    with: {{x: steps.s{n}.y}}\n")
    return ("kind: product\nid: bench.chain\nversion: 1.0.0\nbranch: bench\nname: chain\nname_zh: 链\nowner: bench\n"
            "inputs: {x: number}\nsteps:\n" + "".join(steps) + f"decision: steps.d.decision\noutputs: {{y: steps.s{n}.y}}\n")


def contenders(n: int, catalog, folder: Path, records: int):
    path = folder / f"chain{n}.yaml"
    path.write_text(chain_yaml(n))
    plan = load_plan(path, catalog)
    record = {"x": 1.0}

    def direct():
        for _ in range(records):
            v = X.model_validate(record)
            for _ in range(n):
                v = X(x=inc.func(v).y)
            decide.func(v)

    def jimu():
        for _ in range(records):
            run_record(plan, record)

    assert run_record(plan, record).outputs["y"] == 1.0 + n
    return direct, jimu


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    records, rounds = (200, 2) if args.quick else (3000, 9)
    catalog = load_catalog(installed=False, plugins=[ChainPlugin()])
    runs = {}
    with tempfile.TemporaryDirectory(prefix="jimu-bench-") as folder:
        for n in (2, 8, 16):
            runs[f"direct{n}"], runs[f"jimu{n}"] = contenders(n, catalog, Path(folder), records)
    best = interleaved(runs, rounds)
    us = {name: seconds / records * 1e6 for name, seconds in best.items()}
    per_step8 = (us["jimu8"] - us["direct8"]) / 9
    slope = ((us["jimu16"] - us["jimu2"]) - (us["direct16"] - us["direct2"])) / 14
    fixed = (us["jimu2"] - us["direct2"]) - 3 * slope
    print("## Runner overhead: a chain of tiny steps\n")
    print(f"Steps that add one, so the runtime's own cost shows; {records:,} records, best of {rounds} interleaved "
          "rounds. Each chain ends in a deciding step.\n")
    print("| chain | direct µs/record | Jimu µs/record | × direct | overhead µs/step |\n|---|---:|---:|---:|---:|")
    for n in (2, 8, 16):
        d, j = us[f"direct{n}"], us[f"jimu{n}"]
        print(f"| {n} steps + decider | {d:.1f} | {j:.1f} | {j / d:.2f} | {(j - d) / (n + 1):.2f} |")
    print(f"\nSlope between the 2- and 16-step chains: {slope:.2f} µs per added step; the rest, {fixed:.1f} µs "
          "per record, is fixed (request validation, the decision, the result).\n")
    print(goals_table([
        (f"8-step chain: overhead ≤ {OVERHEAD_GOAL_US:.0f} µs per step", f"{per_step8:.2f} µs",
         per_step8 <= OVERHEAD_GOAL_US),
    ]))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
