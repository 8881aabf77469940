"""jimu new plugin + jimu new capability: the generated distribution passes its own tests unchanged,
installs, and Jimu finds what it registers; bad input is refused without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KINDS = {"agri.step.amount_cap": ("5", "map", "涉农贷款金额上限"),
         "agri.task.coop_lookup": ("4", "lookup", "合作社名单查询"),
         "agri.task.county_summary": ("3", "aggregate", "县域贷款汇总")}


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout and "internal error" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def agri(tmp_path_factory) -> Path:
    """A plugin distribution made by the commands alone: jimu-agri with one capability of each kind."""
    from tests.conftest import run_jimu

    base = tmp_path_factory.mktemp("scaffold")
    made = run_jimu("new", "plugin", "jimu-agri", "--domain", "agri", "--domain-name", "Agricultural finance",
                    "--domain-name-zh", "涉农金融", "--owner", "hq.agri-finance", "--dir", str(base), cwd=base)
    assert made.returncode == 0, made.stderr
    root = base / "jimu-agri"
    for cap_id, (level, kind, name_zh) in KINDS.items():
        made = run_jimu("new", "capability", cap_id, "--level", level, "--kind", kind, "--name-zh", name_zh, cwd=root)
        assert made.returncode == 0, made.stderr
        assert "registered in jimu_agri/plugin.py" in made.stdout
    return root


def test_the_distribution_has_its_entry_point_and_files(agri):
    import tomllib

    project = tomllib.loads((agri / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "jimu-agri" and project["dependencies"] == ["jimu"]
    assert project["entry-points"]["jimu.plugins"] == {"jimu_agri": "jimu_agri.plugin"}
    for name in ("amount_cap", "coop_lookup", "county_summary"):
        assert (agri / "jimu_agri" / f"{name}.py").is_file() and (agri / "tests" / f"test_{name}.py").is_file()
        assert f"from . import {name}\n" in (agri / "jimu_agri" / "plugin.py").read_text(encoding="utf-8")
    assert "check_capability(" in (agri / "tests" / "test_amount_cap.py").read_text(encoding="utf-8")
    assert "run_capability" in (agri / "tests" / "test_amount_cap.py").read_text(encoding="utf-8")


def test_the_generated_tests_pass_unchanged(agri):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=agri,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "7 passed" in result.stdout, result.stdout[-500:]


def test_installed_jimu_finds_every_capability(agri, tmp_path, jimu_cmd):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(agri)],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "PIP_CONSTRAINT": str(ROOT / "constraints.txt")})
    listed = jimu_cmd("catalog", "--domain", "agri", "--json", extra_path=target)
    assert listed.returncode == 0, listed.stderr
    assert "error" not in listed.stderr, listed.stderr  # every item registered cleanly
    entries = {e["id"]: e for e in json.loads(listed.stdout)}
    assert set(entries) == {"agri", *KINDS}
    for cap_id, (level, kind, name_zh) in KINDS.items():
        assert (entries[cap_id]["level"], entries[cap_id]["kind"], entries[cap_id]["name_zh"]) == (int(level), kind, name_zh)
        assert entries[cap_id]["distribution"] == "jimu-agri" and entries[cap_id]["owner"] == "hq.agri-finance"
    shown = jimu_cmd("show", "agri.task.coop_lookup", extra_path=target)
    assert shown.returncode == 0 and "AGRI_COOP_LOOKUP_NOT_LISTED" in shown.stdout and "agri.coop_lookup_table" in shown.stdout
    called = jimu_cmd("call", "agri.step.amount_cap", "--record", '{"amount": 600000}', "--json", extra_path=target)
    assert called.returncode == 0, called.stderr
    assert "AGRI_AMOUNT_CAP_ABOVE_LIMIT" in called.stdout


def test_an_existing_module_is_never_overwritten(agri, jimu_cmd):
    module = agri / "jimu_agri" / "amount_cap.py"
    before = module.read_bytes()
    plugin_before = (agri / "jimu_agri" / "plugin.py").read_bytes()
    again = jimu_cmd("new", "capability", "agri.step.amount_cap", "--level", "5", "--kind", "map",
                     "--name-zh", "上限", cwd=agri)
    no_traceback(again)
    assert again.returncode == 1 and "not overwriting" in again.stderr
    assert module.read_bytes() == before and (agri / "jimu_agri" / "plugin.py").read_bytes() == plugin_before


@pytest.mark.parametrize(("args", "words"), [
    (["Agri.Bad", "--level", "4", "--kind", "map", "--name-zh", "坏"], "not a capability id"),
    (["agri", "--level", "4", "--kind", "map", "--name-zh", "坏"], "is a domain"),
    (["agri.task.x", "--level", "2", "--kind", "map", "--name-zh", "坏"], "composite"),
    (["agri.task.x", "--level", "9", "--kind", "map", "--name-zh", "坏"], "not a level"),
    (["agri.task.x", "--level", "four", "--kind", "map", "--name-zh", "坏"], "four"),
    (["agri.step.x", "--level", "5", "--kind", "lookup", "--name-zh", "坏"], "pure"),
    (["agri.task.x", "--level", "4", "--kind", "batch", "--name-zh", "坏"], "map, lookup, aggregate"),
    (["agri.task.x", "--level", "4", "--kind", "map"], "--name-zh"),
])
def test_bad_requests_exit_2_with_a_reason(args, words, agri, monkeypatch, capsys):
    from jimu.cli import main

    monkeypatch.chdir(agri)
    status = main(["new", "capability", *args])  # in-process: the same code path as the console script
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    assert status == 2, out + err
    assert words in err
    assert not (agri / "jimu_agri" / "x.py").exists()


def test_outside_a_plugin_it_says_where_to_run(tmp_path, jimu_cmd):
    result = jimu_cmd("new", "capability", "agri.task.x", "--level", "4", "--kind", "map", "--name-zh", "坏",
                      cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 2 and "no pyproject.toml" in result.stderr


def test_a_hand_written_plugin_module_is_left_alone_and_the_lines_printed(tmp_path, jimu_cmd):
    root = tmp_path / "acme-rules"
    (root / "acme_rules").mkdir(parents=True)
    (root / "acme_rules" / "__init__.py").write_text('OWNER = "acme.team"\n', encoding="utf-8")
    plugin = "from jimu import hookimpl\n\n\n@hookimpl\ndef jimu_register(register):\n    pass\n"
    (root / "acme_rules" / "plugin.py").write_text(plugin, encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "acme-rules"\nversion = "0.1.0"\n\n'
                                         '[project.entry-points."jimu.plugins"]\nrules = "acme_rules.plugin"\n',
                                         encoding="utf-8")
    result = jimu_cmd("new", "capability", "risk.task.acme_cap", "--level", "4", "--kind", "map",
                      "--name-zh", "上限", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "acme_rules" / "plugin.py").read_text(encoding="utf-8") == plugin
    assert "to do: in acme_rules/plugin.py, import the module and register" in result.stdout
    assert "    from . import acme_cap\n" in result.stdout
    assert 'owner="acme.team"' in (root / "acme_rules" / "acme_cap.py").read_text(encoding="utf-8")


def test_a_package_without_an_entry_point_gets_the_line_to_add(tmp_path, jimu_cmd):
    root = tmp_path / "acme-rules"
    (root / "acme_rules").mkdir(parents=True)
    (root / "acme_rules" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "acme-rules"\nversion = "0.1.0"\n', encoding="utf-8")
    result = jimu_cmd("new", "capability", "risk.task.acme_cap", "--level", "4", "--kind", "aggregate",
                      "--name-zh", "汇总", "--owner", "acme.team", "--plugin", str(root), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '    [project.entry-points."jimu.plugins"]\n    acme_rules = "acme_rules.plugin"\n' in result.stdout
    assert (root / "acme_rules" / "acme_cap.py").is_file()


def test_new_plugin_refusals(tmp_path, jimu_cmd):
    unnamed = jimu_cmd("new", "plugin", "jimu-farm", "--domain", "farm", cwd=tmp_path)
    no_traceback(unnamed)
    assert unnamed.returncode == 2 and "--domain-name-zh" in unnamed.stderr
    assert not (tmp_path / "jimu-farm").exists()
    bad = jimu_cmd("new", "plugin", "-jimu", cwd=tmp_path)
    assert bad.returncode == 2
    (tmp_path / "taken" / "x").mkdir(parents=True)
    taken = jimu_cmd("new", "plugin", "taken", cwd=tmp_path)
    no_traceback(taken)
    assert taken.returncode == 1 and "not empty" in taken.stderr


def test_a_plugin_in_an_installed_domain_declares_no_domain(tmp_path):
    from jimu.scaffold import new_plugin

    new_plugin("jimu-risk-extra", domain="risk", directory=tmp_path, known_domains={"risk", "customer"})
    text = (tmp_path / "jimu-risk-extra" / "jimu_risk_extra" / "plugin.py").read_text(encoding="utf-8")
    assert "DOMAINS = (\n)" in text
    compile(text, "plugin.py", "exec")


def test_an_installed_id_is_refused(tmp_path, jimu_cmd):
    from jimu.scaffold import new_plugin

    new_plugin("acme-extra", directory=tmp_path, owner="acme.team")
    result = jimu_cmd("new", "capability", "customer.step.bank_card_luhn", "--level", "5", "--kind", "map",
                      "--name-zh", "卡号校验", cwd=tmp_path / "acme-extra")
    no_traceback(result)
    assert result.returncode == 1 and "customer.step.bank_card_luhn is already installed (1.0.0 from jimu-credit)" \
        in result.stderr
    assert not (tmp_path / "acme-extra" / "acme_extra" / "bank_card_luhn.py").exists()
