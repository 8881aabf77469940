"""``jimu lock``, and ``jimu validate`` / ``jimu run`` against locks, as a user runs them.

The "done when" of issue 9: editing one line of a capability's code, or refitting the
scorecard's points table, makes ``jimu validate`` flag every lock that reaches it and ``jimu run``
refuse. The code edited is a copy of jimu_credit put first on PYTHONPATH (it shadows the
editable install, whose metadata still names the distribution), never the repository's files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import ASSEMBLIES, HANGZHOU, ROOT

RECORD = json.dumps({"resident_id": "110105199601011236", "as_of": "2026-06-30"})


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """tmp/src/jimu_credit (a copy of the plugin's code) and tmp/assemblies (copies of the products)."""
    shutil.copytree(ROOT / "capabilities" / "jimu_credit", tmp_path / "src" / "jimu_credit",
                    ignore=shutil.ignore_patterns("__pycache__", "training"))
    for path in ASSEMBLIES.rglob("*"):
        if path.suffix in (".yaml", ".csv"):
            copy = tmp_path / "assemblies" / path.relative_to(ASSEMBLIES)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", "jimu-credit,jimu-zhejiang-data")
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def jimu(jimu_cmd, workspace, *args):
    result = jimu_cmd(*args, extra_path=workspace / "src", cwd=workspace)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result


def locks_reaching(workspace: Path, file: str) -> set[str]:
    """Products whose lock pins ``file`` (a RECORD path) as code or data of some capability."""
    found = set()
    for lock in (workspace / "assemblies").rglob("*.lock.json"):
        data = json.loads(lock.read_text(encoding="utf-8"))
        if any(f["path"] == file for c in data["capabilities"] for f in c["code"] + c["data"]):
            found.add(lock.name.replace(".lock.json", ".yaml"))
    return found


def flagged(result, code: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in json.loads(result.stdout):
        if d["code"] == code:
            found.setdefault(Path(d["file"]).name, []).append(d["message"])
    return found


def test_lock_then_validate_and_run(jimu_cmd, workspace):
    done = jimu(jimu_cmd, workspace, "lock")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("written: ") == 8
    assert len(list((workspace / "assemblies").rglob("*.lock.json"))) == 8
    again = jimu(jimu_cmd, workspace, "lock", "assemblies/zhejiang")
    assert again.returncode == 0 and again.stdout.strip().startswith("unchanged: ")
    valid = jimu(jimu_cmd, workspace, "validate", "--json")
    assert valid.returncode == 0 and json.loads(valid.stdout) == [], valid.stdout
    ran = jimu(jimu_cmd, workspace, "run", "assemblies/beijing/haidian_identity_screening.yaml", "--record", RECORD)
    assert ran.returncode == 0, ran.stderr


def test_one_line_of_code_flags_every_lock_that_reaches_it(jimu_cmd, workspace):
    assert jimu(jimu_cmd, workspace, "lock").returncode == 0
    reaching = locks_reaching(workspace, "jimu_credit/risk/scorecard.py")
    assert {"hangzhou_pharmacy_merchant_loan.yaml", "suzhou_pharmacy_merchant_loan.yaml",
            "preloan_standard.yaml"} <= reaching
    assert len(reaching) < 7  # some products do not score, and must stay clean

    module = workspace / "src" / "jimu_credit" / "risk" / "scorecard.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("MAX_REASONS = 4", "MAX_REASONS = 4  # one line edited", 1)
                      if "MAX_REASONS = 4" in text else text.replace("\n", "\n# one line edited\n", 1),
                      encoding="utf-8")
    checked = jimu(jimu_cmd, workspace, "validate", "--json")
    assert checked.returncode == 1
    stale = flagged(checked, "J803")
    assert set(stale) == reaching
    for messages in stale.values():
        assert any("jimu_credit/risk/scorecard.py changed since locked" in m for m in messages), messages
    assert {Path(d["file"]).name for d in json.loads(checked.stdout)} == reaching  # nothing else

    refused = jimu(jimu_cmd, workspace, "run", f"assemblies/{HANGZHOU}", "--record", RECORD)
    assert refused.returncode == 1
    assert "does not match its lock" in refused.stderr
    assert ("risk.prescreen.scorecard 1.0.0 (at preloan/prescreen/scorecard): its code "
            "jimu_credit/risk/scorecard.py changed") in refused.stderr
    unaffected = jimu(jimu_cmd, workspace, "run", "assemblies/beijing/haidian_identity_screening.yaml",
                      "--record", RECORD)
    assert unaffected.returncode == 0, unaffected.stderr


def test_an_edited_helper_module_flags_the_locks_of_the_capabilities_importing_it(jimu_cmd, workspace):
    # regions.py is no capability's module: identity.py imports it, so its division table decides
    # whether an ID's region is valid, and a lock that pinned identity.py alone would miss the edit
    assert jimu(jimu_cmd, workspace, "lock").returncode == 0
    helper = "jimu_credit/customer/regions.py"
    reaching = locks_reaching(workspace, helper)
    assert "haidian_identity_screening.yaml" in reaching

    path = workspace / "src" / helper
    path.write_text(path.read_text(encoding="utf-8") + "\n# one line edited\n", encoding="utf-8")
    checked = jimu(jimu_cmd, workspace, "validate", "--json")
    assert checked.returncode == 1
    stale = flagged(checked, "J803")
    assert set(stale) == reaching
    for messages in stale.values():
        assert any(f"{helper} changed since locked" in m for m in messages), messages
    refused = jimu(jimu_cmd, workspace, "run", "assemblies/beijing/haidian_identity_screening.yaml",
                   "--record", RECORD)
    assert refused.returncode == 1 and helper in refused.stderr


def test_a_refitted_points_table_flags_every_lock_that_reaches_it(jimu_cmd, workspace):
    assert jimu(jimu_cmd, workspace, "lock").returncode == 0
    table = "jimu_credit/risk/models/scorecard_german_v1.json"
    reaching = locks_reaching(workspace, table)
    assert "preloan_standard.yaml" in reaching

    path = workspace / "src" / table
    card = json.loads(path.read_text(encoding="utf-8"))
    card["offset"] = card.get("offset", 0) + 1.0  # a refit moves the points; any change must show
    path.write_text(json.dumps(card, indent=1), encoding="utf-8")
    checked = jimu(jimu_cmd, workspace, "validate", "--json")
    assert checked.returncode == 1
    stale = flagged(checked, "J803")
    assert set(stale) == reaching
    for messages in stale.values():
        assert any(f"its data file {table} changed since locked" in m for m in messages), messages

    refused = jimu(jimu_cmd, workspace, "run", "assemblies/hq/preloan_standard.yaml", "--record", RECORD)
    assert refused.returncode == 1 and table in refused.stderr


def test_validate_text_output_names_the_lock_and_the_way_out(jimu_cmd, workspace):
    product = workspace / "assemblies" / HANGZHOU
    assert jimu(jimu_cmd, workspace, "lock", f"assemblies/{HANGZHOU}").returncode == 0
    product.write_text(product.read_text(encoding="utf-8").replace("min_age: 22", "min_age: 25"), encoding="utf-8")
    checked = jimu(jimu_cmd, workspace, "validate", f"assemblies/{HANGZHOU}")
    assert checked.returncode == 1
    assert (f"assemblies/{HANGZHOU}:" in checked.stdout
            and "error J804 assemblies/zhejiang/hangzhou_pharmacy_merchant_loan.lock.json no longer matches: "
                "step preloan: params min_age was 22 when locked, now 25" in checked.stdout), checked.stdout
    assert f"hint: run jimu lock assemblies/{HANGZHOU}" in checked.stdout
    relocked = jimu(jimu_cmd, workspace, "lock", f"assemblies/{HANGZHOU}")
    assert relocked.returncode == 0 and "written: " in relocked.stdout
    assert jimu(jimu_cmd, workspace, "validate", f"assemblies/{HANGZHOU}").returncode == 0


def test_run_refuses_a_corrupted_lock_without_a_traceback(jimu_cmd, workspace):
    lock = workspace / "assemblies" / "beijing" / "haidian_identity_screening.lock.json"
    lock.write_text('{"jimu_lock": 1, "capabilities": [', encoding="utf-8")
    refused = jimu(jimu_cmd, workspace, "run", "assemblies/beijing/haidian_identity_screening.yaml", "--record", RECORD)
    assert refused.returncode == 1
    assert "does not match its lock" in refused.stderr and "cannot be used: it is not JSON" in refused.stderr
    checked = jimu(jimu_cmd, workspace, "validate", "assemblies/beijing", "--json")
    assert checked.returncode == 1 and [d["code"] for d in json.loads(checked.stdout)] == ["J801"]


def test_lock_refuses_a_product_with_errors(jimu_cmd, workspace):
    product = workspace / "assemblies" / HANGZHOU
    product.write_text(product.read_text(encoding="utf-8").replace("uses: risk.underwrite", "uses: risk.underwrit"),
                       encoding="utf-8")
    done = jimu(jimu_cmd, workspace, "lock", f"assemblies/{HANGZHOU}")
    assert done.returncode == 1
    assert "not locked: assemblies/zhejiang/hangzhou_pharmacy_merchant_loan.yaml" in done.stderr
    assert "J201" in done.stderr and "1 of 1 product not locked" in done.stderr
    assert not (product.parent / "hangzhou_pharmacy_merchant_loan.lock.json").exists()


def test_an_installed_file_altered_after_install(jimu_cmd, tmp_path, test_plugins_dir, monkeypatch):
    """A non-editable install lists its files in RECORD with hashes: editing one is a finding."""
    site = tmp_path / "site"
    for name in ("jimu_test_good", "jimu_test_good-0.1.0.dist-info"):
        shutil.copytree(test_plugins_dir / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "quad.yaml").write_text(QUADRUPLE, encoding="utf-8")
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", "jimu-credit,jimu-test-good")

    def run(*args):
        result = jimu_cmd(*args, extra_path=site, cwd=tmp_path)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        return result

    assert run("lock", "quad.yaml").returncode == 0
    lock = json.loads((tmp_path / "quad.lock.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in lock["capabilities"]} == {"acme.task.quadruple", "acme.step.double"}
    assert all(c["code"] == [{"path": "jimu_test_good/plugin.py", "sha256": c["code"][0]["sha256"]}]
               and c["distribution"] == {"name": "jimu-test-good", "version": "0.1.0"} for c in lock["capabilities"])
    plugin = site / "jimu_test_good" / "plugin.py"
    plugin.write_text(plugin.read_text(encoding="utf-8").replace("return Doubled(y=number.x * 2)",
                                                                 "return Doubled(y=number.x * 2.0)", 1),
                      encoding="utf-8")
    checked = run("validate", "quad.yaml", "--json")
    assert checked.returncode == 1
    messages = [d["message"] for d in json.loads(checked.stdout)]
    assert {d["code"] for d in json.loads(checked.stdout)} == {"J803"} and len(messages) == 2
    assert all("jimu_test_good/plugin.py changed since locked" in m and "altered after its distribution was "
               "installed" in m for m in messages), messages
    relock = run("lock", "quad.yaml")
    assert relock.returncode == 1
    assert "was altered after jimu-test-good 0.1.0 was installed" in relock.stderr


QUADRUPLE = """\
kind: product
id: acme.demo.quadruple
version: 1.0.0
branch: acme
name: Quadruple
name_zh: 四倍
owner: acme.team
inputs:
  x: number
steps:
  - id: quad
    uses: acme.task.quadruple
    version: "~=1.0"
decision: none
outputs:
  y: steps.quad.y
"""
