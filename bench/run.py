"""Run every benchmark and write ``bench/RESULTS.md``: the machine, the date, each section, the goals.

``make bench`` runs this. Each ``bench/*.py`` script (not this one, not the ``_*.py`` helpers)
runs in its own subprocess, so one script's imports, caches and memory never colour another's
figures; each prints one markdown section to stdout. A script may print a goals table (a
markdown table whose header has ``goal`` and ``met`` columns, as ``_timing.goals_table`` writes):
its rows are gathered into the summary at the end. A script that fails gets a section saying
so, with the end of its stderr, and the run goes on.

Options: ``--quick`` passes ``--quick`` to every script (tiny sizes: the smoke test uses it, and
then nothing is written unless ``--out`` says where; a script whose source never mentions
``--quick`` is skipped, with a section saying so); ``--only NAME`` runs some scripts;
``--out FILE`` writes elsewhere (``-`` for stdout).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"


def scripts(folder: Path = HERE) -> list[Path]:
    """The benchmark scripts in ``folder``, by name: every ``*.py`` but this runner and ``_*`` helpers."""
    return sorted(p for p in folder.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on, as (what, value) pairs."""
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        found = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        ram = f"{int(found.group(1)) / 2**20:.1f} GiB" if found else ram
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("CPU", cpu),
        ("cores", f"{os.cpu_count()} ({usable} usable by this process)"),
        ("RAM", ram),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", platform.platform()),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"),
        ("commit", _commit()),
    ]


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "") if out.returncode == 0 else "n/a"
    except (OSError, subprocess.SubprocessError):
        return "n/a"


def run_script(path: Path, quick: bool, timeout: float | None) -> tuple[str, float, bool]:
    """The script's section (stdout), its wall time, and whether it succeeded."""
    if quick and "--quick" not in path.read_text(encoding="utf-8"):
        # a script that cannot run small is left out of the smoke run, visibly, rather than run full size
        return f"## {path.name}: skipped (it takes no `--quick`)\n", 0.0, True
    command = [sys.executable, str(path)] + (["--quick"] if quick else [])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"## {path.name}: timed out\n\nStopped after {timeout:.0f} s.\n", time.perf_counter() - started, False
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        section = (f"## {path.name}: failed (exit {done.returncode})\n\n{done.stdout.strip()}\n\n"
                   f"```text\n{tail}\n```\n")
        return section, seconds, False
    return done.stdout.strip() + "\n", seconds, True


def goals(section: str) -> list[tuple[str, str, str]]:
    """Rows of every table in ``section`` whose header names a ``goal`` and a ``met`` column."""
    rows: list[tuple[str, str, str]] = []
    columns: list[str] | None = None
    for line in section.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if columns is None:
            names = [c.lower().rstrip("?").strip("* ") for c in cells]
            columns = names if "goal" in names and "met" in names else []
            continue
        if not columns or set(line) <= set("|-: "):
            continue
        row = dict(zip(columns, cells))
        figure = next((row[k] for k in ("figure", "measured", "result", "value") if k in row), "")
        rows.append((row.get("goal", ""), figure, row.get("met", "")))
    return rows


def report(sections: list[tuple[Path, str, float, bool]], quick: bool) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Benchmark results", "",
             f"Written by `make bench` (`bench/run.py{' --quick' if quick else ''}`) on {now}. Each script ran in "
             "its own process; every ratio compares contenders timed side by side in that process. "
             "See `bench/README.md` for what each script measures.", ""]
    if quick:
        lines += ["**Quick mode: tiny sizes, the figures mean nothing.**", ""]
    lines += ["| machine | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in machine()] + [""]
    summary: list[tuple[str, str, str]] = []
    for path, section, seconds, ok in sections:
        lines += [section.rstrip(), "", f"<sub>`{path.name}`: {seconds:.1f} s{'' if ok else ', failed'}</sub>", ""]
        found = goals(section)
        summary += found
        if not found:
            why = "(failed)" if not ok else "(skipped: no --quick)" if "takes no `--quick`" in section \
                else "(no goals table printed)"
            summary.append((f"`{path.name}`", why, "—"))
    lines += ["## Goals", "", "| goal | figure | met? |", "|---|---|---|"]
    lines += [f"| {goal} | {figure} | {met} |" for goal, figure, met in summary]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test); writes nothing unless --out")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run these scripts only (record, validation, …)")
    parser.add_argument("--out", help=f"where to write the results (default {RESULTS.relative_to(ROOT)}; - for stdout)")
    args = parser.parse_args(argv)
    chosen = scripts()
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        unknown = wanted - {p.stem for p in chosen}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (have {', '.join(p.stem for p in chosen)})")
        chosen = [p for p in chosen if p.stem in wanted]
    timeout = 300.0 if args.quick else None
    sections = []
    for path in chosen:
        print(f"bench: {path.name} …", file=sys.stderr, flush=True)
        section, seconds, ok = run_script(path, args.quick, timeout)
        print(f"bench: {path.name} {'done' if ok else 'FAILED'} in {seconds:.1f} s", file=sys.stderr, flush=True)
        sections.append((path, section, seconds, ok))
    text = report(sections, args.quick)
    out = args.out or ("-" if args.quick else str(RESULTS))
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        print(f"bench: wrote {out}", file=sys.stderr)
    return 0 if all(ok for *_, ok in sections) else 1


if __name__ == "__main__":
    sys.exit(main())
