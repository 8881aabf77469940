"""Validation at scale: a synthetic 10,000-capability catalog and 1,000 products; ``jimu validate`` cold.

Part one builds a synthetic plugin in memory: six domains (L1), Python steps (L5), Python tasks
(L4) that declare the steps they use, and composites at L4, L3 and L2 written as YAML files
(the format HQ ships), each level using only deeper ones, with fan-in (a step shared by many
tasks). It times loading that catalog (``load_catalog``, composites read from their files),
then loading and validating 1,000 products that use it (``validate_paths``, what ``jimu
validate`` calls), and, in the same process, what networkx alone takes to build and check a
graph of 10,000 nodes and 30,000 edges (acyclic check, topological order), the floor of any
graph-based validator.

Part two runs ``jimu validate assemblies/`` in a fresh process, best of 5 (the figure a branch
developer feels in an editor), and checks with ``python -X importtime`` that the path imports
none of pandas, Dask, numpy, the CEL package or Playwright.
Run: ``make bench`` or ``.venv/bin/python bench/validation.py [--quick]``.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import arguments, goals_table, top_frames  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VALIDATE_GOAL_S = 1.0
COLD_GOAL_S = 1.0
HEAVY = ("pandas", "dask", "distributed", "numpy", "celpy", "cel", "playwright", "pyarrow")
DOMAINS = ("alpha", "beta", "gamma", "delta", "omega", "sigma")


def shape(total: int) -> dict[int, int]:
    """How many capabilities per level (L2–L5) for ``total`` capabilities, domains included."""
    rest = total - len(DOMAINS)
    return {5: rest * 45 // 100, 4: rest * 33 // 100, 3: rest * 15 // 100, 2: rest - rest * 93 // 100}


class SyntheticCatalog:
    """The plugin: registers the domains, the Python capabilities and the composite files."""

    def __init__(self, total: int, folder: Path, seed: int = 8):
        from jimu import ContractModel, Domain, capability

        class In(ContractModel):
            x: float

        class Out(ContractModel):
            y: float

        def step(v: In) -> Out:
            """A synthetic step: the benchmark never runs it."""
            return Out(y=v.x)

        rng = random.Random(seed)
        counts = shape(total)
        self.items: list[object] = [Domain(id=d, name=d.title(), name_zh="域", owner="bench") for d in DOMAINS]
        self.ids: dict[int, list[str]] = {level: [] for level in (2, 3, 4, 5)}
        self.edges = 0
        self.composite_files: list[Path] = []
        # Deeper levels first, so each level can use what exists below it.
        for n in range(counts[5]):
            cid = f"{DOMAINS[n % len(DOMAINS)]}.step.s{n}"
            self.items.append(capability(id=cid, version="1.0.0", level=5, name=f"Step {n}", name_zh="步骤",
                                         owner="bench", input=In, output=Out)(step))
            self.ids[5].append(cid)
        for n in range(counts[4]):
            domain = DOMAINS[n % len(DOMAINS)]
            uses = _pick(rng, self.ids[5], 4, shared=True)
            if n % 2:  # a Python task declaring the steps it calls
                cid = f"{domain}.task.t{n}"
                self.items.append(capability(id=cid, version="1.0.0", level=4, name=f"Task {n}", name_zh="任务",
                                             owner="bench", input=In, output=Out,
                                             uses=[f"{u}~=1.0" for u in uses])(step))
            else:  # a composite task
                cid = f"{domain}.task.c{n}"
                self.composite_files.append(_composite(folder, cid, 4, uses))
            self.ids[4].append(cid)
            self.edges += len(uses)
        for level, width, name in ((3, 6, "activity"), (2, 9, "business")):
            deeper = [c for lvl in range(level + 1, 6) for c in self.ids[lvl] if lvl < 5 or rng.random() < 0.1]
            for n in range(counts[level]):
                cid = f"{DOMAINS[n % len(DOMAINS)]}.{name}.a{n}"
                uses = _pick(rng, deeper, width, shared=False)
                self.composite_files.append(_composite(folder, cid, level, uses))
                self.ids[level].append(cid)
                self.edges += len(uses)

    def jimu_register(self, register):
        from jimu import Composite

        for item in self.items:
            register(item)
        for path in self.composite_files:
            register(Composite.from_file(path))

    @property
    def plugin(self):
        from jimu import hookimpl

        outer = self

        class Plugin:
            @hookimpl
            def jimu_register(self, register):
                outer.jimu_register(register)

        return Plugin()


def _pick(rng: random.Random, pool: list[str], width: int, shared: bool) -> list[str]:
    """``width`` distinct ids; ``shared`` skews towards the first ids, so some steps serve many tasks."""
    k = min(width, len(pool))
    if shared:
        chosen: dict[str, None] = {}
        while len(chosen) < k:
            chosen[pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1) if rng.random() < 0.3
                        else rng.randrange(len(pool))]] = None
        return list(chosen)
    return rng.sample(pool, k)


def _steps_yaml(uses: list[str], chain: bool) -> str:
    lines = []
    for i, cid in enumerate(uses):
        lines.append(f"  - id: s{i}\n    uses: {cid}\n    version: \"~=1.0\"\n")
        if chain and i % 2 and i != 3:  # odd steps read the one before (s3 not: s2 has a when, may not run)
            lines.append(f"    with: {{x: steps.s{i - 1}.y}}\n")
        if chain and i == 2:
            lines.append(f"    when: \"inputs.x > 0.0 && steps.s{i - 1}.y < 1000.0\"\n")
    return "".join(lines)


def _composite(folder: Path, cid: str, level: int, uses: list[str]) -> Path:
    path = folder / "composites" / f"{cid}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"kind: composite\nid: {cid}\nversion: 1.0.0\nlevel: {level}\nname: {cid}\nname_zh: 组合\n"
                    f"owner: bench\nlifecycle: production\ninputs: {{x: number}}\nsteps:\n{_steps_yaml(uses, True)}"
                    f"outputs: {{y: steps.s{len(uses) - 1}.y}}\n")
    return path


def write_products(folder: Path, catalog: SyntheticCatalog, count: int, seed: int = 9) -> list[Path]:
    rng = random.Random(seed)
    pool = catalog.ids[2] + catalog.ids[3] + rng.sample(catalog.ids[4], min(len(catalog.ids[4]), 200))
    paths = []
    for n in range(count):
        uses = rng.sample(pool, min(5, len(pool)))
        path = folder / "products" / f"p{n:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"kind: product\nid: bench.p{n}\nversion: 1.0.0\nbranch: bench\nname: Product {n}\n"
                        f"name_zh: 产品\nowner: bench\ninputs: {{x: number}}\nsteps:\n{_steps_yaml(uses, True)}"
                        f"decision: none\noutputs: {{y: steps.s{len(uses) - 1}.y}}\n")
        paths.append(path)
    return paths


def networkx_baseline(nodes: int, edges: int, seed: int = 10) -> float:
    """Seconds to build a random DAG of ``nodes`` and ``edges`` and check it (acyclic, topological order)."""
    import networkx as nx

    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < edges:
        a, b = rng.randrange(nodes), rng.randrange(nodes)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    started = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(nodes))
    graph.add_edges_from(pairs)
    assert nx.is_directed_acyclic_graph(graph)
    order = list(nx.topological_sort(graph))
    assert len(order) == nodes
    return time.perf_counter() - started


def cold_validate(runs: int, bytecode: Path | None, imports: bool = True) -> tuple[float, list[str], str]:
    """Best wall time of ``jimu validate assemblies/`` in a fresh process; heavy modules imported; its output.

    With ``bytecode`` (a folder), Python caches compiled modules there, as an installed package has
    them (pip compiles at install); without, every module is compiled from source on each start,
    which is what an editable install under ``PYTHONDONTWRITEBYTECODE=1`` pays.
    """
    jimu = str(Path(sys.executable).with_name("jimu"))
    env = dict(os.environ)
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)  # outside the tree: the repository stays clean
        if runs > 1:  # fill the cache first (a --quick run measures nothing anyway)
            subprocess.run([jimu, "validate", "assemblies/"], cwd=ROOT, capture_output=True, env=env)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    best, output = float("inf"), ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([jimu, "validate", "assemblies/"], cwd=ROOT, capture_output=True, text=True, env=env)
        best = min(best, time.perf_counter() - started)
        output = (done.stdout.strip().splitlines() or [""])[-1]
    if not imports:
        return best, [], output
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import sys; from jimu.cli import main; sys.argv = ['jimu', 'validate', 'assemblies/']; "
                           "main()"], cwd=ROOT, capture_output=True, text=True)
    imported = {m.group(1).strip().split(".")[0] for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|(.+)$",
                                                                       done.stderr, re.M)}
    return best, sorted(imported & set(HEAVY)), output


COLD_PROFILE = """
import sys
sys.path.insert(0, {bench!r})
from _timing import top_frames
from jimu.cli import main

def validate():
    sys.argv = ["jimu", "validate", "assemblies/"]
    try:
        main()
    except SystemExit:
        pass

table = top_frames(validate, limit=14, by="total",
                   only=lambda where: where.startswith(("jimu/", "../capabilities/", "jimu_credit/", "<frozen importlib")))
print("@@" + table)
"""


def cold_profile(bytecode: Path) -> str:
    """The top frames of one ``jimu validate assemblies/`` in a fresh process (imports included)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    done = subprocess.run([sys.executable, "-c", COLD_PROFILE.format(bench=str(Path(__file__).parent))], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    return done.stdout.split("@@", 1)[1].strip() if "@@" in done.stdout else f"(profiling failed: {done.stderr[-300:]})"


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="jimu-bench-validation-"))
    try:
        return measure(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # thousands of YAML files and a bytecode cache


def measure(folder: Path) -> int:
    args = arguments(__doc__.splitlines()[0])
    total, products, cold_runs = (120, 10, 1) if args.quick else (10_000, 1_000, 5)
    from jimu import load_catalog
    from jimu.assembly import validate_paths

    # first, while the heap is small: later the catalog's objects would make the collector's passes dearer
    nx_s = networkx_baseline(10_000, 30_000) if not args.quick else networkx_baseline(1_000, 3_000)
    synthetic = SyntheticCatalog(total, folder)
    started = time.perf_counter()
    catalog = load_catalog(installed=False, plugins=[synthetic.plugin])
    load_s = time.perf_counter() - started
    if catalog.problems:
        print(f"the synthetic catalog has problems: {catalog.problems[:3]}", file=sys.stderr)
        return 1
    paths = write_products(folder, synthetic, products)
    started = time.perf_counter()
    analyses = validate_paths([folder / "products"], catalog=catalog)
    validate_s = time.perf_counter() - started
    errors = [d for a in analyses for d in a.diagnostics if d.is_error]
    if errors or len(analyses) < len(paths):  # the composites the products reach are analysed too
        print(f"{len(errors)} errors validating the synthetic products, e.g. {errors[:2]}", file=sys.stderr)
        return 1
    # (--quick: one run as the environment has it; a fresh bytecode cache would compile everything once)
    cold_s, heavy, verdict = cold_validate(cold_runs, folder / "pycache" if not args.quick else None)
    uncached_s = cold_validate(cold_runs, None, imports=False)[0] if not args.quick else float("nan")

    levels = {lvl: len(ids) for lvl, ids in synthetic.ids.items()}
    n_caps = len(DOMAINS) + sum(levels.values())
    print("## Validation at scale\n")
    print(f"A synthetic plugin: {n_caps:,} capabilities — {len(DOMAINS)} domains (L1), {levels[2]:,} L2, "
          f"{levels[3]:,} L3, {levels[4]:,} L4 and {levels[5]:,} L5; {len(synthetic.composite_files):,} of them "
          f"composites read from YAML; {synthetic.edges:,} composition edges. {len(paths):,} products of 5 steps "
          "each (bindings between steps, a CEL `when`), validated with `validate_paths` (what `jimu validate` "
          "runs).\n")
    print("| what | seconds |\n|---|---:|")
    print(f"| load the catalog (register {n_caps:,} capabilities, read {len(synthetic.composite_files):,} composite files) "
          f"| {load_s:.2f} |")
    print(f"| load and validate {len(paths):,} products (composites they reach analysed on the way) | {validate_s:.2f} |")
    print(f"| networkx alone: build and check a {'10,000-node, 30,000-edge' if not args.quick else 'small'} DAG "
          f"| {nx_s:.2f} |")
    print(f"| `jimu validate assemblies/` from a cold process, best of {cold_runs} (bytecode cached, as installed) "
          f"| {cold_s:.2f} |")
    print(f"| the same, every module compiled from source (`PYTHONDONTWRITEBYTECODE=1`, editable install) "
          f"| {uncached_s:.2f} |")
    print(f"\nThe cold run says: {verdict}. Heavy modules imported on that path (`-X importtime`): "
          f"{', '.join(heavy) if heavy else 'none'} (looked for {', '.join(HEAVY)}).\n")
    if validate_s >= VALIDATE_GOAL_S and not args.quick:  # (profiles of tiny runs say nothing)
        sample = paths[: max(1, len(paths) // 20)]
        print(f"**Validation missed its goal.** Where the time goes, validating {len(sample):,} of the products "
              "again with a fresh validator:\n")
        print(top_frames(lambda: validate_paths(sample, catalog=catalog)))
        print()
    if cold_s >= COLD_GOAL_S and not args.quick:
        print("**The cold `jimu validate` missed its goal.** Where one cold run's time goes:\n")
        print(cold_profile(folder / "pycache"))
        print()
    print(goals_table([
        (f"validate {len(paths):,} products over {n_caps:,} capabilities < {VALIDATE_GOAL_S:.0f} s",
         f"{validate_s:.2f} s", validate_s < VALIDATE_GOAL_S),
        (f"`jimu validate assemblies/` cold < {COLD_GOAL_S:.0f} s", f"{cold_s:.2f} s", cold_s < COLD_GOAL_S),
        ("no pandas, Dask, numpy, CEL or Playwright import on the validate path", ", ".join(heavy) or "none",
         not heavy),
    ]))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
