"""Runner overhead: an 8-step chain through Jimu's plan vs the same functions called by hand.

Both are timed in the same process, one after the other, best of 5 rounds of 3,000 records, so
the ratio means something on a shared, noisy machine even when the absolute times do not.
Run: `make bench` (or `.venv/bin/python bench/runner_overhead.py`).
"""
import time, pathlib
from jimu import ContractModel, Decision, capability, hookimpl, load_catalog
from jimu.runtime import load_plan, run_record

class X(ContractModel):
    x: float
class Y(ContractModel):
    y: float
class D(ContractModel):
    decision: Decision

@capability(id="bench.step.inc", version="1.0.0", level=5, name="inc", name_zh="加一", owner="b")
def inc(v: X) -> Y:
    return Y(y=v.x + 1)

@capability(id="bench.step.decide", version="1.0.0", level=5, name="decide", name_zh="决策", owner="b")
def decide(v: X) -> D:
    return D(decision=Decision.approve())

class P:
    @hookimpl
    def jimu_register(self, register):
        register(inc); register(decide)

N = 8
steps = ["  - id: s1\n    uses: bench.step.inc\n"]
for i in range(2, N + 1):
    steps.append(f"  - id: s{i}\n    uses: bench.step.inc\n    with: {{x: steps.s{i-1}.y}}\n")
steps.append(f"  - id: d\n    uses: bench.step.decide\n    with: {{x: steps.s{N}.y}}\n")
text = ("kind: product\nid: b.chain\nversion: 1.0.0\nbranch: b\nname: c\nname_zh: 链\nowner: b\n"
        "inputs: {x: number}\nsteps:\n" + "".join(steps) + "decision: steps.d.decision\noutputs: {y: steps.s8.y}\n")
import tempfile
p = pathlib.Path(tempfile.mkdtemp()) / "chain.yaml"
p.write_text(text)
cat = load_catalog(installed=False, plugins=[P()])
plan = load_plan(p, cat)
rec = {"x": 1.0}
def direct(r):
    v = X.model_validate(r)
    for _ in range(N):
        v = X(x=inc.func(v).y)
    return decide.func(v)
def best(f, n=3000, reps=5):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(n): f()
        out.append((time.perf_counter() - t) / n * 1e6)
    return min(out)
d = best(lambda: direct(rec))
j = best(lambda: run_record(plan, rec))
print(f"{N}-step chain + decider: direct {d:.1f} us/record, jimu {j:.1f} us/record, overhead {(j-d)/(N+1):.2f} us/step, ratio {j/d:.2f}x")
