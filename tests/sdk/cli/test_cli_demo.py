"""``jimu demo``: the installed plugins' main jobs end to end, as a new user runs them."""

from __future__ import annotations

import csv
import json

from jimu import Demo
from jimu.testing import build_catalog

from ...conftest import ROOT


def test_list_names_hqs_demos_in_order(jimu_cmd):
    listed = jimu_cmd("demo", "--list", cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    names = [line.split(":", 1)[0] for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert names[:2] == ["preloan", "postloan"]


def test_quick_demo_runs_every_job_and_writes_its_files(jimu_cmd, tmp_path):
    ran = jimu_cmd("demo", "--quick", "--out", str(tmp_path), cwd=ROOT)
    assert ran.returncode == 0, ran.stderr
    with open(tmp_path / "preloan" / "decisions.csv", newline="", encoding="utf-8") as handle:
        decisions = list(csv.DictReader(handle))
    assert len(decisions) == 1000  # every German Credit applicant has a decision
    assert {row["decision"] for row in decisions} <= {"approve", "refer", "decline"}
    assert "AUC" in ran.stdout
    with open(tmp_path / "postloan" / "monitoring.csv", newline="", encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 2000
    views = json.loads((tmp_path / "postloan" / "views.json").read_text(encoding="utf-8"))
    assert views
    assert "preloan done in" in ran.stderr and "postloan done in" in ran.stderr


def test_an_unknown_demo_names_the_ones_there_are(jimu_cmd):
    ran = jimu_cmd("demo", "nosuch", cwd=ROOT)
    assert ran.returncode == 1
    assert "no demo named 'nosuch'" in ran.stderr and "preloan, postloan" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_outside_the_repository_a_demo_says_where_to_run_it(jimu_cmd, tmp_path):
    ran = jimu_cmd("demo", "preloan", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert ran.returncode == 1
    assert "run jimu demo from the folder holding assemblies/" in ran.stderr
    assert "demo(s) failed: preloan" in ran.stderr and "Traceback" not in ran.stderr


def test_a_plugin_registers_a_demo_like_any_item():
    calls = []
    tour = Demo("tour", "a tour", lambda out, quick: calls.append((out, quick)) or 0)
    catalog = build_catalog(tour)
    assert catalog.demos == {"tour": tour}


def test_a_demo_name_is_one_lower_case_word():
    import pytest

    with pytest.raises(ValueError, match="one lower-case word"):
        Demo("Pre-Loan", "x", lambda out, quick: 0)
    with pytest.raises(ValueError, match="run must be a function"):
        Demo("tour", "x", None)  # type: ignore[arg-type]
