"""jimu new product: a product that validates and is locked at once, or a copy re-branded for
another branch whose params that branch may not set are reported, never silently kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jimu.plugins import load_catalog
from jimu.scaffold import ScaffoldError, new_product
from jimu.scaffold.product import default_path

ROOT = Path(__file__).resolve().parents[3]
HAIDIAN = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
HANGZHOU = ROOT / "assemblies" / "zhejiang" / "hangzhou_pharmacy_merchant_loan.yaml"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout and "internal error" not in result.stderr, result.stderr


def test_default_paths_follow_the_repository_layout():
    assert default_path("zhejiang.ningbo.pharmacy_loan", "zhejiang.ningbo") == \
        Path("assemblies/zhejiang/ningbo_pharmacy_loan.yaml")
    assert default_path("hq.book_summary", "hq") == Path("assemblies/hq/book_summary.yaml")
    assert default_path("acme.loan", "zhejiang.ningbo") == Path("assemblies/zhejiang/acme_loan.yaml")


def test_a_new_product_validates_and_is_locked(tmp_path, monkeypatch, catalog):
    monkeypatch.chdir(tmp_path)
    result = new_product("hunan.changsha.screening", branch="hunan.changsha", name="Screening", name_zh="准入快筛",
                         catalog=catalog)
    assert result.ok, [d.render() for d, _ in result.diagnostics] + result.lock_problems
    assert result.path == Path("assemblies/hunan/changsha_screening.yaml")
    assert not [d for d, _ in result.diagnostics if d.is_error]
    lock = json.loads(result.lock.read_text(encoding="utf-8"))
    assert "risk.intake" in json.dumps(lock) and "customer.kyc.person" in json.dumps(lock)
    text = result.path.read_text(encoding="utf-8")
    assert "name_zh: 准入快筛\n" in text and "owner: hunan.changsha.tech\n" in text
    assert not text.startswith("# yaml-language-server")  # no schema/ above a temporary folder


def test_inside_a_project_the_file_points_editors_at_its_schema(tmp_path, monkeypatch, catalog):
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "assembly.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = new_product("hq.book_screening", branch="hq", catalog=catalog)
    assert result.ok
    assert result.path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../../schema/assembly.schema.json\n")
    copied = new_product("hq.book_screening_2", branch="hq", source=HAIDIAN, out=Path("elsewhere.yaml"),
                         catalog=catalog)
    assert copied.path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=schema/assembly.schema.json\n# Replicated from ")


def test_replicating_keeps_everything_but_id_branch_and_owner(tmp_path, monkeypatch, catalog):
    monkeypatch.chdir(tmp_path)
    result = new_product("jiangsu.wuxi.pharmacy_merchant_loan", branch="jiangsu.wuxi", source=HANGZHOU, catalog=catalog)
    assert result.ok, [d.render() for d, _ in result.diagnostics]  # +20 bp is inside Jiangsu's -10..+20
    copied = result.path.read_text(encoding="utf-8").splitlines()
    original = HANGZHOU.read_text(encoding="utf-8").splitlines()
    assert copied[0].startswith("# Replicated from zhejiang.hangzhou.pharmacy_merchant_loan 1.2.0 (zhejiang.hangzhou)")
    changed = {(a, b) for a, b in zip(original[1:], copied[1:], strict=True) if a != b}
    assert changed == {("id: zhejiang.hangzhou.pharmacy_merchant_loan", "id: jiangsu.wuxi.pharmacy_merchant_loan"),
                       ("branch: zhejiang.hangzhou", "branch: jiangsu.wuxi"),
                       ("owner: zhejiang.hangzhou.tech", "owner: jiangsu.wuxi.tech")}
    assert original[0].startswith("# yaml-language-server")  # dropped: no schema/ above the copy


def test_a_param_the_new_branch_may_not_set_is_reported_and_nothing_is_locked(tmp_path, monkeypatch, catalog):
    monkeypatch.chdir(tmp_path)
    result = new_product("zhejiang.ningbo.identity_screening", branch="zhejiang.ningbo", source=HAIDIAN,
                         catalog=catalog)
    assert not result.ok and result.lock is None
    errors = [d for d, _ in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["J506"]
    assert "accept_legacy_15" in errors[0].message and "zhejiang.ningbo" in errors[0].message
    assert "accept_legacy_15: true" in result.path.read_text(encoding="utf-8")  # kept, and reported
    assert not result.path.with_name(result.path.stem + ".lock.json").exists()


def test_the_command_exit_codes(tmp_path, jimu_cmd):
    made = jimu_cmd("new", "product", "hunan.changsha.screening", "--branch", "hunan.changsha", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "created assemblies/hunan/changsha_screening.yaml" in made.stdout
    assert "locked: assemblies/hunan/changsha_screening.lock.json" in made.stdout
    assert jimu_cmd("validate", cwd=tmp_path).returncode == 0

    again = jimu_cmd("new", "product", "hunan.changsha.screening", "--branch", "hunan.changsha", cwd=tmp_path)
    no_traceback(again)
    assert again.returncode == 1 and "not overwriting" in again.stderr

    copied = jimu_cmd("new", "product", "zhejiang.ningbo.screening", "--branch", "zhejiang.ningbo",
                      "--from", str(HAIDIAN), "--out", "ningbo.yaml", cwd=tmp_path)
    no_traceback(copied)
    assert copied.returncode == 1
    assert "ningbo.yaml:" in copied.stdout and "J506" in copied.stdout and "accept_legacy_15" in copied.stdout
    assert "does not validate (1 error), so it is not locked" in copied.stderr
    assert (tmp_path / "ningbo.yaml").exists() and not (tmp_path / "ningbo.lock.json").exists()


@pytest.mark.parametrize(("args", "words"), [
    (["Bad.Id", "--branch", "hq"], "not a product id"),
    (["hq.x", "--branch", "HQ!"], "not a branch"),
    (["hq.x", "--branch", "hq", "--out", "x.json"], ".yaml"),
    (["hq.x", "--branch", "hq", "--from", "missing.yaml"], "no such file"),
    (["hq.x", "--branch", "hq", "--from", str(ROOT / "capabilities" / "jimu_credit" / "composites" / "risk_intake.yaml")],
     "not a product"),
    (["hq.x", "--branch", "hq", "--from", str(HAIDIAN), "--name", "X"], "keeps its names"),
    (["hq.x"], "--branch"),
])
def test_usage_errors_exit_2(args, words, tmp_path, monkeypatch, capsys):
    from jimu.cli import main

    monkeypatch.chdir(tmp_path)
    status = main(["new", "product", *args])  # in-process: the same code path as the console script
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    assert status == 2, out + err
    assert words in err
    assert not (tmp_path / "assemblies").exists()


def test_a_broken_source_is_refused_with_its_position(tmp_path, catalog):
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: product\nid: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScaffoldError, match=r"broken.yaml:\d+:\d+"):
        new_product("hq.x", branch="hq", source=broken, out=tmp_path / "x.yaml", catalog=catalog)
    assert not (tmp_path / "x.yaml").exists()


def test_an_id_written_across_lines_is_refused_not_mangled(tmp_path, catalog):
    source = tmp_path / "src.yaml"
    source.write_text(HAIDIAN.read_text(encoding="utf-8").replace(
        "id: beijing.haidian.identity_screening", "id:\n  beijing.haidian.identity_screening"), encoding="utf-8")
    with pytest.raises(ScaffoldError, match="not written on one line"):
        new_product("hq.x", branch="hq", source=source, out=tmp_path / "x.yaml", catalog=catalog)
