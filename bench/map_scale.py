"""The capability map at scale: 1,000 capabilities on five levels and 100 products, built as a site.

A synthetic plugin distribution (a package plus its ``.dist-info`` with a ``jimu.plugins`` entry
point, in a temporary folder) registers 10 domains of 100 capabilities each: 50 L5 steps and 30
L4 tasks in Python, 15 L3 activities and 5 L2 business capabilities as composite YAML, so 200
composites. Uses are drawn with a Zipf-like skew, mostly within the domain and sometimes across:
a few steps are shared by many tasks, some capabilities are never composed (the shelves). A tenth
of the steps have a second version; the lifecycles are mixed. 100 products across 20 branches
chain 2–4 capabilities each (mostly L2), some with params set. Seeded: every run builds the
same catalog.

Measured: ``mkdocs build --strict`` of a minimal site with the same theme, plugins and Markdown
extensions as the project's mkdocs.yml, in a subprocess, as a user runs it (Python start-up and
imports included). The jimu-map plugin logs its own catalog-load and generator times, so the
total splits into catalog load, generator (Markdown) and MkDocs + Material (HTML, search index).
The generator is also timed on its own, in this process. Goal: under 60 s on a 2-core machine.

Run: ``.venv/bin/python bench/map_scale.py [--profile]`` (``--profile`` adds a pyinstrument
profile of the generator on stderr). Prints a Markdown section on stdout (``bench/run.py``
collects it into ``bench/RESULTS.md``); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MERMAID = ROOT / "vendor" / "mermaid" / "mermaid.min.js"
SEED = 7
DOMAINS = {  # id → (English, Chinese)
    "customer": ("Customer", "客户"), "channel": ("Channel", "渠道"), "product": ("Credit product", "信贷产品"),
    "risk": ("Risk control", "风险控制"), "data": ("Data", "数据"), "mgmt": ("Management analytics", "经营分析"),
    "collateral": ("Collateral", "押品"), "compliance": ("Compliance", "合规"), "treasury": ("Treasury", "资金"),
    "ops": ("Operations", "运营"),
}
PER_DOMAIN = {5: 50, 4: 30, 3: 15, 2: 5}  # 100 per domain, 1,000 in all
PRODUCTS = 100
BRANCHES = [f"{p}.{c}" for p, cities in {
    "zhejiang": ("hangzhou", "ningbo", "wenzhou"), "jiangsu": ("suzhou", "nanjing", "wuxi"),
    "beijing": ("haidian", "chaoyang"), "shanghai": ("pudong", "xuhui"), "guangdong": ("shenzhen", "guangzhou", "foshan"),
    "sichuan": ("chengdu", "mianyang"), "hubei": ("wuhan", "yichang"), "shandong": ("jinan", "qingdao", "yantai"),
}.items() for c in cities]
WORDS_ZH = ["客户", "身份", "核验", "反欺诈", "额度", "定价", "评分", "预警", "贷后", "押品", "担保", "收入", "负债",
            "征信", "黑名单", "设备", "手机", "地址", "行业", "市场", "利率", "资本", "占用", "审批", "授信", "还款",
            "逾期", "催收", "账户", "流水", "税务", "工商", "关联", "图谱", "准入", "尽调", "合同", "放款", "监测", "汇总"]
WORDS_EN = ["customer", "identity", "check", "fraud", "limit", "pricing", "score", "warning", "monitoring", "collateral",
            "guarantee", "income", "debt", "bureau", "blacklist", "device", "phone", "address", "industry", "market",
            "rate", "capital", "usage", "approval", "credit line", "repayment", "arrears", "collection", "account",
            "statement", "tax", "registry", "related party", "graph", "admission", "diligence", "contract",
            "disbursement", "watch", "summary"]
LEVEL_WORD = {2: "capability", 3: "activity", 4: "task", 5: "step"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the synthetic catalog ----------------------------------------------------------------------


def _ids(d: str, level: int) -> list[str]:
    prefix = {2: "cap", 3: "act", 4: "task", 5: "step.s"}[level]
    return [f"{d}.{prefix}{i:03d}" for i in range(PER_DOMAIN[level])]


def _pick(rng: random.Random, own: list[str], others: list[str], n: int, cross: float) -> list[str]:
    """``n`` distinct ids, Zipf-skewed (the first few of a list are the popular ones)."""
    chosen: list[str] = []
    while len(chosen) < n:
        pool = others if others and rng.random() < cross else own
        weights = [1 / (i + 1) for i in range(len(pool))]
        pick = rng.choices(pool, weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def _lifecycle(rng: random.Random, successor: str) -> dict:
    roll = rng.random()
    if roll < 0.15:
        return {"status": "experimental"}
    if roll < 0.25:
        return {"status": "deprecated", "successor": successor, "sunset": "2027-06-30"}
    if roll < 0.30:
        return {"status": "retired"}
    return {"status": "production"}


def design(rng: random.Random) -> dict:
    """Every capability as data: id, level, names, lifecycle, uses; which are composites."""
    caps: list[dict] = []
    by_level = {lv: {d: _ids(d, lv) for d in DOMAINS} for lv in PER_DOMAIN}
    for d in DOMAINS:
        for level in (5, 4, 3, 2):
            ids = by_level[level][d]
            for i, cap_id in enumerate(ids):
                words = rng.sample(range(len(WORDS_ZH)), 3)
                cap = {
                    "id": cap_id, "level": level, "domain": d,
                    "name": " ".join(WORDS_EN[w] for w in words).capitalize() + f" {LEVEL_WORD[level]} {i}",
                    "name_zh": "".join(WORDS_ZH[w] for w in words) + f"{i}号",
                    "owner": f"hq.{d}-platform",
                    "lifecycle": _lifecycle(rng, ids[(i + 1) % len(ids)]),
                    "composite": level in (2, 3),
                    "uses": [],
                }
                if level < 5:
                    below = by_level[level + 1]
                    own = below[d]
                    others = [x for other, xs in below.items() if other != d for x in xs]
                    n = rng.randint(1, 4) if level == 4 else rng.randint(2, 4)
                    cap["uses"] = _pick(rng, own, others, n, cross=0.0 if level == 2 else 0.15 if level == 3 else 0.2)
                caps.append(cap)
    # a tenth of the steps also ship a newer minor version
    for cap in [c for c in caps if c["level"] == 5 and rng.random() < 0.1]:
        caps.append({**cap, "version": "1.1.0", "lifecycle": {"status": "experimental"}})
    return {"domains": DOMAINS, "capabilities": caps}


PLUGIN = '''"""A synthetic plugin for bench/map_scale.py: capabilities from catalog.json, composites from YAML."""
from importlib.resources import files
import json

from pydantic import Field

from jimu import Composite, ContractModel, Domain, capability, hookimpl


class X(ContractModel):
    x: float


class Y(ContractModel):
    y: float


class Scale(ContractModel):
    factor: float = Field(1.0, ge=0, le=10, description="multiplies the input")


def _python(spec):
    common = dict(id=spec["id"], version=spec.get("version", "1.0.0"), level=spec["level"], name=spec["name"],
                  name_zh=spec["name_zh"], owner=spec["owner"], lifecycle=spec["lifecycle"],
                  description=f"Synthetic {spec['name'].lower()}.", tags=["synthetic"])
    if spec["uses"]:
        def run(record: X, params: Scale, ctx) -> Y:
            return Y(y=record.x * params.factor)
        return capability(uses=[u + "~=1.0" for u in spec["uses"]], **common)(run)

    def run(record: X, params: Scale) -> Y:
        return Y(y=record.x * params.factor)
    return capability(**common)(run)


@hookimpl
def jimu_register(register):
    data = json.loads((files(__package__) / "catalog.json").read_text(encoding="utf-8"))
    for d, (name, name_zh) in data["domains"].items():
        register(Domain(id=d, name=name, name_zh=name_zh, owner=f"hq.{d}-platform"))
    for spec in data["capabilities"]:
        if spec["composite"]:
            register(Composite.from_file(files(__package__) / "composites" / f"{spec['id']}.yaml"))
        else:
            register(_python(spec))
'''


def _chain(uses: list[str], params: dict[str, dict] | None = None) -> list[str]:
    lines = ["inputs:", "  x: number", "steps:"]
    for i, used in enumerate(uses, 1):
        lines += [f"  - id: s{i}", f"    uses: {used}", '    version: "~=1.0"']
        if i > 1:
            lines.append(f"    with: {{x: steps.s{i - 1}.y}}")
        if params and used in params:
            lines.append(f"    params: {json.dumps(params[used])}")
    return lines + ["decision: none", "outputs:", f"  y: steps.s{len(uses)}.y"]


def _header(kind: str, cap_id: str, name: str, name_zh: str, owner: str) -> list[str]:
    return [f"kind: {kind}", f"id: {cap_id}", "version: 1.0.0", f"name: {json.dumps(name)}",
            f"name_zh: {json.dumps(name_zh, ensure_ascii=False)}", f"owner: {owner}"]


def write_plugin(where: Path, spec: dict) -> None:
    package = where / "jimu_synth"
    (package / "composites").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Synthetic capabilities for the map benchmark."""\n', encoding="utf-8")
    (package / "plugin.py").write_text(PLUGIN, encoding="utf-8")
    (package / "catalog.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    for cap in spec["capabilities"]:
        if not cap["composite"]:
            continue
        lines = _header("composite", cap["id"], cap["name"], cap["name_zh"], cap["owner"])
        lines += [f"level: {cap['level']}", f"lifecycle: {json.dumps(cap['lifecycle'])}",
                  f"description: Synthetic {cap['name'].lower()}.", *_chain(cap["uses"])]
        (package / "composites" / f"{cap['id']}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = where / "jimu_synth-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jimu-synth\nVersion: 1.0.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[jimu.plugins]\nsynth = jimu_synth.plugin\n", encoding="utf-8")


def write_products(where: Path, spec: dict, rng: random.Random) -> None:
    caps = [c for c in spec["capabilities"] if "version" not in c]
    pools = {lv: [c["id"] for c in caps if c["level"] == lv] for lv in (2, 3, 4)}
    python_tasks = set(pools[4])
    for n in range(PRODUCTS):
        branch = BRANCHES[n % len(BRANCHES)]
        level = rng.choices((2, 3, 4), (6, 3, 1))[0]
        uses = _pick(rng, pools[level], pools[2], rng.randint(2, 4), cross=0.3)
        params = {u: {"factor": round(rng.uniform(0.5, 3), 1)} for u in uses if u in python_tasks and rng.random() < 0.5}
        words = rng.sample(range(len(WORDS_ZH)), 2)
        pid = f"{branch}.product{n:03d}"
        lines = _header("product", pid, f"{WORDS_EN[words[0]].capitalize()} loan {n}",
                        f"{WORDS_ZH[words[0]]}{WORDS_ZH[words[1]]}贷{n}号", f"{branch}.tech")
        lines += [f"branch: {branch}", *_chain(uses, params)]
        path = where / branch.replace(".", "/") / f"product{n:03d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


MKDOCS_YML = """site_name: Jimu map benchmark
docs_dir: docs
site_dir: site
strict: true
theme:
  name: material
  font: false
plugins:
  - search:
      separator: '[\\s\\u200b\\-]+'
  - jimu-map:
      mermaid: {mermaid}
extra_javascript:
  - assets/javascripts/mermaid.min.js
markdown_extensions:
  - tables
  - admonition
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
nav:
  - Home: index.md
  - Capability map: map/index.md
"""


# -- measuring ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile the generator with pyinstrument (stderr)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    if not MERMAID.is_file():
        log(f"{MERMAID} is missing: run `make vendor` first")
        return 1
    tmp = tempfile.TemporaryDirectory(prefix="jimu-map-scale-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    spec = design(rng)
    write_plugin(work / "plugin", spec)
    write_products(work / "assemblies", spec, rng)
    (work / "docs").mkdir(exist_ok=True)
    (work / "docs" / "index.md").write_text("# Map benchmark\n\n[The map](map/index.md)\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(MKDOCS_YML.format(mermaid=MERMAID), encoding="utf-8")
    env = {**os.environ, "JIMU_PLUGINS_ALLOW": "jimu-synth", "NO_MKDOCS_2_WARNING": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(work / "plugin"), os.environ.get("PYTHONPATH")]))}

    # the generator alone, in this process
    os.environ["JIMU_PLUGINS_ALLOW"] = "jimu-synth"
    sys.path.insert(0, str(work / "plugin"))
    importlib.invalidate_caches()
    from jimu.map import generate
    from jimu.plugins import load_catalog

    started = time.perf_counter()
    catalog = load_catalog()
    load_s = time.perf_counter() - started
    problems = [str(p) for p in catalog.errors]
    if problems:
        log("the synthetic catalog has problems:\n  " + "\n  ".join(problems[:10]))
        return 1
    n_caps = len({c.id for c in catalog.capabilities.values()})
    n_composites = sum(1 for c in spec["capabilities"] if c["composite"])
    log(f"catalog: {n_caps} capabilities ({len(catalog.capabilities)} versions) loaded in {load_s:.2f} s")
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = time.perf_counter()
    pages = generate(catalog, work / "assemblies", work / "markdown")
    gen_s = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        log(profiler.output_text(unicode=True, color=False, show_all=False))
    index_kb = (work / "markdown" / "index.md").stat().st_size / 1024
    n_products = len(list((work / "markdown" / "products").glob("*.md")))
    log(f"generator: {len(pages)} pages in {gen_s:.2f} s")

    # the whole site, as a user builds it; CPU time too, since the machine may be shared
    load_before = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=work, env=env,
                            capture_output=True, text=True)
    total_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    if result.returncode != 0:
        log(result.stderr[-4000:])
        return 1
    m = re.search(r"jimu-map: catalog loaded in ([\d.]+) s; (\d+) pages generated in ([\d.]+) s", result.stderr)
    in_load, in_gen = (float(m.group(1)), float(m.group(3))) if m else (float("nan"), float("nan"))
    site_mb = sum(p.stat().st_size for p in (work / "site").rglob("*") if p.is_file()) / 2**20
    html_kb = (work / "site" / "map" / "index.html").stat().st_size / 1024
    search_mb = (work / "site" / "search" / "search_index.json").stat().st_size / 2**20
    log(f"mkdocs build --strict: {total_s:.1f} s")

    levels = {lv: sum(1 for c in spec["capabilities"] if c["level"] == lv and "version" not in c) for lv in (2, 3, 4, 5)}
    verdict = "met" if total_s < 60 else "**missed**"
    print("## Capability map at scale (`bench/map_scale.py`)\n")
    print(f"Synthetic catalog (seed {SEED}): {n_caps:,} capabilities in {len(DOMAINS)} domains "
          f"(L2 {levels[2]}, L3 {levels[3]}, L4 {levels[4]}, L5 {levels[5]}; {n_composites} composites; "
          f"{len(catalog.capabilities):,} installed versions) and {n_products} products; {len(pages):,} generated "
          f"pages. Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.\n")
    print("| stage | seconds |\n|---|---:|")
    print(f"| catalog load (inside `mkdocs build`) | {in_load:.2f} |")
    print(f"| generator: Markdown pages (inside `mkdocs build`) | {in_gen:.2f} |")
    print(f"| MkDocs + Material: HTML, search index, start-up | {total_s - in_load - in_gen:.2f} |")
    print(f"| **total `mkdocs build --strict`** (wall clock) | **{total_s:.2f}** |")
    print(f"| its CPU time (user + system) | {cpu_s:.2f} |")
    print(f"| generator alone, in process (catalog load {load_s:.2f} s apart) | {gen_s:.2f} |\n")
    print(f"Goal under 60 s: {verdict}. Map index: {index_kb:,.0f} KB of Markdown, {html_kb:,.0f} KB of HTML; "
          f"search index {search_mb:.1f} MB; whole site {site_mb:.0f} MB. Load average when the build "
          f"started: {load_before:.1f} (wall clock above CPU time means other work shared the cores).\n")
    sys.path.insert(0, str(Path(__file__).parent))
    from _timing import goals_table

    print(goals_table([(f"map site for {n_caps:,} capabilities and {n_products} products < 60 s",
                        f"{total_s:.1f} s", total_s < 60)]) + "\n")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
