"""The benchmark suite runs: every ``bench/*.py`` script, quickly, through ``bench/run.py``.

Figures from ``--quick`` mean nothing (tiny sizes); what is checked is that each script runs to
the end, prints its markdown section, and that the runner gathers the sections, the machine
and the goals into one results file — so ``make bench`` does not first fail at the end of a
long run on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_script_runs_quick_and_the_runner_writes_the_results(tmp_path):
    runner = _runner()
    scripts = runner.scripts()
    assert {"record.py", "runner_overhead.py", "validation.py"} <= {p.name for p in scripts}
    assert not any(p.name.startswith("_") or p.name == "run.py" for p in scripts)
    out = tmp_path / "RESULTS.md"
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    text = out.read_text(encoding="utf-8")
    assert done.returncode == 0, text + done.stderr
    assert text.startswith("# Benchmark results") and "| CPU |" in text and "| Python |" in text
    for script in scripts:
        assert f"`{script.name}`:" in text, f"{script.name} left no section"
        if "--quick" not in script.read_text(encoding="utf-8"):  # the runner skips it, and says so
            assert f"## {script.name}: skipped (it takes no `--quick`)" in text
    assert "## Per record" in text and "## Runner overhead" in text and "## Validation at scale" in text
    summary = text.split("## Goals", 1)[1]
    assert "Jimu ≤ 1.5× direct calls" in summary and "cold < 1 s" in summary
    assert "failed" not in summary


def test_goals_are_gathered_from_any_table_with_goal_and_met_columns():
    runner = _runner()
    section = "\n".join([
        "## Something", "", "| runner | µs |", "|---|---:|", "| a | 1 |", "",
        "| Goal | Measured | Met? |", "|:---|---:|:-:|", "| fast | 0.5 s | yes |", "| small | 2 GiB | **no** |",
    ])
    assert runner.goals(section) == [("fast", "0.5 s", "yes"), ("small", "2 GiB", "**no**")]
    assert runner.goals("| a | b |\n|---|---|\n| 1 | 2 |") == []


def test_a_failing_script_gets_a_section_and_the_run_goes_on(tmp_path):
    runner = _runner()
    broken = tmp_path / "broken.py"
    broken.write_text("import sys  # takes --quick\nprint('## half a section')\nsys.exit('it broke')\n")
    section, _seconds, ok = runner.run_script(broken, quick=True, timeout=60)
    assert not ok and "failed (exit 1)" in section and "it broke" in section
    report = runner.report([(broken, section, 0.1, ok)], quick=True)
    assert "(failed)" in report.split("## Goals", 1)[1]
    lazy = tmp_path / "lazy.py"  # a script that cannot run small is skipped in quick mode, visibly
    lazy.write_text("print('## full size only')\n")
    section, _seconds, ok = runner.run_script(lazy, quick=True, timeout=60)
    assert ok and "skipped" in section
