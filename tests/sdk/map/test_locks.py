"""Product pages show the lock beside the assembly: read tolerantly, never crashing the build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jimu.map import generate
from jimu.map.locks import lock_path, read_lock
from jimu.plugins import load_catalog

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = "beijing/haidian_identity_screening.yaml"
PID = "beijing.haidian.identity_screening"

FLAT = {
    "capabilities": [
        {"id": "risk.intake", "version": "1.0.0", "distribution": "jimu-credit", "distribution_version": "0.1.0",
         "specifier": "~=1.0"},
        {"id": "customer.step.resident_id_checksum", "version": "0.9.0", "distribution": "jimu-credit",
         "distribution_version": "0.0.1", "specifier": ">=0.9"},
    ],
    "composites": [{"id": "risk.intake", "version": "1.0.0", "sha256": "ab" * 32}],
    "generated_by": "jimu 0.1.0",
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(allow=["jimu-credit"])


@pytest.fixture
def assemblies(tmp_path) -> Path:
    target = tmp_path / "assemblies" / PRODUCT
    target.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "assemblies" / PRODUCT, target)
    return tmp_path / "assemblies"


def _locked_section(catalog, assemblies: Path, out: Path) -> str:
    generate(catalog, assemblies, out)
    page = (out / "products" / f"{PID}.md").read_text(encoding="utf-8")
    return page.split("## Locked versions")[1].split("\n## ")[0]


def test_lock_path_is_beside_the_assembly():
    assert lock_path(Path("a/b/foo.yaml")) == Path("a/b/foo.lock.json")


def test_without_a_lock_the_page_says_not_locked(catalog, assemblies, tmp_path):
    section = _locked_section(catalog, assemblies, tmp_path / "out")
    assert "Not locked" in section and "haidian_identity_screening.lock.json" in section


def test_a_lock_is_shown_as_tables_flagging_versions_no_longer_installed(catalog, assemblies, tmp_path):
    lock_path(assemblies / PRODUCT).write_text(json.dumps(FLAT), encoding="utf-8")
    section = _locked_section(catalog, assemblies, tmp_path / "out")
    intake = next(line for line in section.splitlines() if line.startswith("| [`risk.intake`]") and "~=1.0" in line)
    assert "`1.0.0`" in intake and "`jimu-credit 0.1.0`" in intake and "| yes |" in intake
    checksum = next(line for line in section.splitlines() if "resident_id_checksum" in line)
    assert "`0.9.0`" in checksum and "no: " in checksum  # 0.9.0 is not what is installed now
    assert "| composite | locked version | sha256 of its YAML |" in section
    assert "`abababababababab…`" in section
    assert "generated\\_by `jimu 0.1.0`" in section
    assert "warning" not in section


def test_the_lock_jimu_lock_writes_reads_too(catalog, assemblies, tmp_path):
    """The format of jimu.lock.model: nested distribution, ``chosen`` specifiers, the YAML's hash."""
    lock = {
        "jimu_lock": 1,
        "product": {"id": PID, "version": "1.0.0", "branch": "beijing.haidian"},
        "sdk": {"name": "jimu", "version": "0.1.0"},
        "authority": None,
        "capabilities": [{"id": "customer.kyc.person", "version": "1.1.0", "kind": "map",
                          "distribution": {"name": "jimu-credit", "version": "0.1.0"},
                          "chosen": [{"by": "intake/kyc", "specifier": "~=1.1"},
                                     {"by": "intake/kyc2", "specifier": "~=1.1"}],
                          "code": [], "data": []}],
        "composites": [{"id": "risk.intake", "version": "1.0.0", "distribution": None,
                        "chosen": [{"by": "intake", "specifier": "~=1.0"}],
                        "yaml": {"path": "jimu_credit/risk/intake.yaml", "sha256": "cd" * 32}}],
        "steps": {},
    }
    lock_path(assemblies / PRODUCT).write_text(json.dumps(lock), encoding="utf-8")
    view = read_lock(assemblies / PRODUCT)
    assert view.capabilities == [{"id": "customer.kyc.person", "version": "1.1.0", "distribution": "jimu-credit",
                                  "distribution_version": "0.1.0", "specifier": "~=1.1"}]
    assert view.composites == [{"id": "risk.intake", "version": "1.0.0", "sha256": "cd" * 32}]
    assert view.meta == {"jimu_lock": "1", "product": f"{PID} 1.0.0 branch=beijing.haidian", "sdk": "jimu 0.1.0"}
    assert not view.notes
    section = _locked_section(catalog, assemblies, tmp_path / "out")
    assert "`jimu-credit 0.1.0`" in section and "`cdcdcdcdcdcdcdcd…`" in section


@pytest.mark.parametrize("text, note", [
    ("{not json", "is not valid JSON (line 1"),
    ("[1, 2]", "should hold a JSON object, not list"),
    ('{"capabilities": "all of them"}', '"capabilities" should be a list, not str'),
    ('{"capabilities": [3, {"version": "1.0.0"}], "composites": []}', "not an object, left out"),
    ('{"capabilities": [{"version": "1.0.0"}], "composites": []}', "without an id or version"),
    ('{"composites": []}', 'has no "capabilities" list'),
])
def test_a_broken_lock_becomes_a_note_never_a_crash(catalog, assemblies, tmp_path, text, note):
    lock_path(assemblies / PRODUCT).write_text(text, encoding="utf-8")
    view = read_lock(assemblies / PRODUCT)
    assert any(note in n for n in view.notes), view.notes
    section = _locked_section(catalog, assemblies, tmp_path / "out")
    assert '!!! warning "The lock file is incomplete"' in section


def test_a_lock_written_by_jimu_lock_renders(catalog, assemblies, tmp_path):
    from jimu.cli import cli

    if "lock" not in cli.commands:
        pytest.skip("jimu lock is not part of this build")
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["lock", str(assemblies / PRODUCT)])
    assert result.exit_code == 0, result.output
    view = read_lock(assemblies / PRODUCT)
    assert not view.notes, view.notes
    assert {r["id"] for r in view.capabilities} >= {"customer.step.resident_id_checksum"}
    assert all(r["version"] and r["distribution"] == "jimu-credit" for r in view.capabilities)
    section = _locked_section(catalog, assemblies, tmp_path / "out")
    assert "| no:" not in section  # freshly locked: every pinned version is the installed one
