"""Checking products against their locks: clean when nothing changed, one J8xx per difference otherwise."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

import jimu
from jimu.assembly import validate_paths
from jimu.lock import check_locks, lock_path, write_lock
from jimu.lock import hashing

from .conftest import HANGZHOU


def lock_all(root: Path, catalog) -> list[Path]:
    paths = sorted(root.rglob("*.yaml"))
    for path in paths:
        assert write_lock(path, catalog).status == "written", path
    return paths


def check(paths, catalog):
    """Validate and check locks as `jimu validate` does; the diagnostics by file name."""
    analyses = validate_paths(paths, catalog=catalog)
    check_locks(analyses, catalog)
    return {Path(a.file.path).name: a.diagnostics for a in analyses}


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_locked_products_validate_clean(products, catalog):
    paths = lock_all(products, catalog)
    found = check([products], catalog)
    assert len(found) == len(paths) == 8
    assert {name: codes(d) for name, d in found.items() if d} == {}


def test_a_product_without_a_lock_is_not_checked(products, catalog):
    found = check([products / HANGZHOU], catalog)
    assert found == {"hangzhou_pharmacy_merchant_loan.yaml": []}


def test_a_changed_param_is_flagged_at_its_line(products, catalog):
    path = products / HANGZHOU
    write_lock(path, catalog)
    path.write_text(path.read_text(encoding="utf-8").replace("branch_adjustment_bp: 20", "branch_adjustment_bp: 25"),
                    encoding="utf-8")
    (diagnostics,) = check([path], catalog).values()
    assert codes(diagnostics) == ["J804"]
    d = diagnostics[0]
    assert d.line == line_of(path, "branch_adjustment_bp: 25")
    assert "step underwrite: params branch_adjustment_bp was 20 when locked, now 25" in d.message
    assert "hangzhou_pharmacy_merchant_loan.lock.json" in d.message
    assert d.hint == f"run jimu lock {d.file}"


def test_a_changed_with_binding_is_flagged(products, catalog):
    path = products / HANGZHOU
    write_lock(path, catalog)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      dd_tier: steps.preloan.dd_tier\n",
                                 "      dd_tier: steps.preloan.dd_tier\n      requested_amount: double(inputs.credit_amount)\n"),
                    encoding="utf-8")
    (diagnostics,) = check([path], catalog).values()
    assert codes(diagnostics) == ["J804"], [d.message for d in diagnostics]
    assert ('with requested_amount was "inputs.requested_amount" when locked, now "double(inputs.credit_amount)"'
            in diagnostics[0].message)


def test_binding_by_name_made_explicit_is_the_same_binding(products, catalog):
    """The lock pins what each input is bound to, not how the YAML spells it."""
    path = products / HANGZHOU
    write_lock(path, catalog)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      dd_tier: steps.preloan.dd_tier\n",
                                 "      dd_tier: steps.preloan.dd_tier\n      tenor_months: inputs.tenor_months\n"),
                    encoding="utf-8")
    assert check([path], catalog) == {path.name: []}


@pytest.mark.parametrize("content, words", [
    ('{"capabilities": [', "it is not JSON"),
    ("", "it is not JSON"),
    ("[1, 2]", "not a Jimu lock"),
    ('{"jimu_lock": 99}', "format version 99"),
    ('{"jimu_lock": 1, "product": {}}', "is wrong"),
    (b"\xff\xfe\x00garbage", "cannot read it"),
])
def test_a_corrupted_lock_is_a_diagnostic_not_a_traceback(products, catalog, content, words):
    path = products / HANGZHOU
    lock = lock_path(path)
    lock.write_bytes(content if isinstance(content, bytes) else content.encode())
    (diagnostics,) = check([path], catalog).values()
    assert codes(diagnostics) == ["J801"]
    assert words in diagnostics[0].message and str(lock.name) in diagnostics[0].message
    assert diagnostics[0].line == line_of(path, "id: zhejiang.hangzhou")


def test_the_lock_of_another_product_is_unreadable_here(products, catalog):
    hangzhou = products / HANGZHOU
    suzhou = products / "jiangsu" / "suzhou_pharmacy_merchant_loan.yaml"
    write_lock(hangzhou, catalog)
    shutil.copyfile(lock_path(hangzhou), lock_path(suzhou))
    (diagnostics,) = check([suzhou], catalog).values()
    assert codes(diagnostics) == ["J801"]
    assert ("cannot be used: it locks product zhejiang.hangzhou.pharmacy_merchant_loan, not "
            "jiangsu.suzhou.pharmacy_merchant_loan") in diagnostics[0].message
    assert "suzhou_pharmacy_merchant_loan.lock.json cannot be used" in diagnostics[0].message


def test_another_distribution_version_is_flagged(products, catalog):
    path = products / HANGZHOU
    write_lock(path, catalog)
    lock = lock_path(path)
    data = json.loads(lock.read_text(encoding="utf-8"))
    for cap in data["capabilities"]:
        if cap["id"].startswith("risk.underwrite"):
            cap["distribution"]["version"] = "0.0.9"
    lock.write_text(json.dumps(data), encoding="utf-8")
    (diagnostics,) = check([path], catalog).values()
    assert diagnostics and set(codes(diagnostics)) == {"J802"}
    assert all("jimu-credit 0.0.9 when locked, now from jimu-credit 0.1.0" in d.message for d in diagnostics)
    assert {d.line for d in diagnostics} == {line_of(path, "uses: risk.underwrite")}


# -- data files: a capability that declares its table ---------------------------------------------

TABLE_PLUGIN = '''
from pydantic import Field
from jimu import ContractModel, capability, hookimpl
from importlib.resources import files
import json


class Amount(ContractModel):
    amount: float


class Points(ContractModel):
    points: float


@capability(id="acme.step.table_points", version="1.0.0", level=5, name="Points from a table",
            name_zh="查表计分", owner="acme.team", data_files=["tables/*.json"])
def table_points(item: Amount) -> Points:
    table = json.loads((files(__package__) / "tables" / "points.json").read_text())
    return Points(points=table["per_unit"] * item.amount)


@hookimpl
def jimu_register(register):
    register(table_points)
'''

TABLE_PRODUCT = '''
kind: product
id: acme.tables.points_demo
version: 1.0.0
branch: acme
name: Points demo
name_zh: 计分示例
owner: acme.team
inputs:
  amount: number
steps:
  - id: points
    uses: acme.step.table_points
    version: "~=1.0"
decision: none
outputs:
  points: steps.points.points
'''


@pytest.fixture(scope="module")
def table_package(tmp_path_factory):
    """A plugin package in a temporary folder whose capability declares ``tables/*.json``."""
    root = tmp_path_factory.mktemp("table-plugin")
    package = root / "lockdemo_tables"
    (package / "tables").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(TABLE_PLUGIN), encoding="utf-8")
    (package / "tables" / "points.json").write_text('{"per_unit": 2.0}\n', encoding="utf-8")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        module = importlib.import_module("lockdemo_tables")
    finally:
        sys.path.remove(str(root))
    yield package, jimu.load_catalog(allow=["jimu-credit"], plugins=[module])
    sys.modules.pop("lockdemo_tables", None)


def test_a_refitted_data_file_makes_the_lock_stale(tmp_path, table_package):
    package, catalog = table_package
    product = tmp_path / "points_demo.yaml"
    product.write_text(TABLE_PRODUCT.lstrip(), encoding="utf-8")
    assert write_lock(product, catalog).status == "written"
    pin = json.loads(lock_path(product).read_text(encoding="utf-8"))["capabilities"][0]
    assert pin["data"][0]["path"] == "lockdemo_tables/tables/points.json"
    assert pin["distribution"] is None  # registered in memory, not installed
    assert check([product], catalog) == {product.name: []}
    table = package / "tables" / "points.json"
    saved = table.read_text(encoding="utf-8")
    try:
        table.write_text('{"per_unit": 2.5}\n', encoding="utf-8")
        (diagnostics,) = check([product], catalog).values()
    finally:
        table.write_text(saved, encoding="utf-8")
    assert codes(diagnostics) == ["J803"]
    assert "its data file lockdemo_tables/tables/points.json changed since locked" in diagnostics[0].message
    assert diagnostics[0].line == line_of(product, "uses: acme.step.table_points")


def test_a_declared_data_file_that_is_missing_refuses_the_lock(tmp_path, table_package):
    package, catalog = table_package
    product = tmp_path / "points_demo.yaml"
    product.write_text(TABLE_PRODUCT.lstrip(), encoding="utf-8")
    moved = package / "tables" / "points.json.away"
    (package / "tables" / "points.json").rename(moved)
    try:
        result = write_lock(product, catalog)
    finally:
        moved.rename(package / "tables" / "points.json")
    assert result.status == "refused"
    assert "declares data_files 'tables/*.json', which matches no file" in result.problems[0]


@pytest.mark.parametrize("pattern", ["../secrets.json", "/etc/passwd", "", "C:/tables/x.json"])
def test_data_files_must_stay_inside_the_package(pattern):
    class In(jimu.ContractModel):
        x: float

    class Out(jimu.ContractModel):
        y: float

    with pytest.raises(ValueError, match="inside the capability's package"):
        @jimu.capability(id="acme.step.bad_table", version="1.0.0", level=5, name="Bad", name_zh="坏表",
                         owner="acme.team", data_files=[pattern])
        def bad(item: In) -> Out:
            return Out(y=item.x)


# -- RECORD: an installed file altered after installation ------------------------------------------


def test_record_hashes_are_checked(tmp_path, test_plugins_dir, monkeypatch):
    site = tmp_path / "site"
    for name in ("jimu_test_good", "jimu_test_good-0.1.0.dist-info"):
        shutil.copytree(test_plugins_dir / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(site))
    hashing.clear_caches()
    try:
        plugin = site / "jimu_test_good" / "plugin.py"
        clean = hashing.hash_file(plugin, "jimu_test_good.plugin", "jimu-test-good")
        assert clean.path == "jimu_test_good/plugin.py" and clean.recorded == clean.sha256
        assert not clean.altered
        plugin.write_text(plugin.read_text(encoding="utf-8") + "# edited after install\n", encoding="utf-8")
        edited = hashing.hash_file(plugin, "jimu_test_good.plugin", "jimu-test-good")
        assert edited.altered and edited.recorded == clean.sha256
    finally:
        hashing.clear_caches()


def test_a_data_file_deleted_after_locking_is_a_diagnostic(tmp_path, table_package, monkeypatch):
    package, catalog = table_package
    product = tmp_path / "points_demo.yaml"
    product.write_text(TABLE_PRODUCT.lstrip(), encoding="utf-8")
    assert write_lock(product, catalog).status == "written"
    real = hashing.sha256_file

    def vanished(path):
        if Path(path).name == "points.json":
            raise FileNotFoundError(2, "No such file or directory")
        return real(path)

    monkeypatch.setattr(hashing, "sha256_file", vanished)
    (diagnostics,) = check([product], catalog).values()
    assert codes(diagnostics) == ["J803"]
    assert "lockdemo_tables/tables/points.json of capability acme.step.table_points@1.0.0 cannot be read" \
        in diagnostics[0].message
