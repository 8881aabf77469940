"""Building and writing locks: what a lock pins, and that relocking is byte-identical."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from jimu.assembly import validate_paths
from jimu.lock import NotLockable, build_lock, lock_path, write_lock

from .conftest import HANGZHOU, ROOT

CREDIT = ROOT / "capabilities" / "jimu_credit"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_of(path: Path, catalog) -> dict:
    (analysis,) = validate_paths([path], catalog=catalog)
    built = build_lock(analysis, catalog)
    assert built.problems == []
    return json.loads(built.lock.dumps())


def test_lock_path_is_beside_the_product():
    assert lock_path(Path("assemblies/x/foo.yaml")) == Path("assemblies/x/foo.lock.json")
    assert lock_path(Path("foo.yml")) == Path("foo.lock.json")


def test_lock_pins_capabilities_transitively_with_code_and_data(products, catalog):
    lock = lock_of(products / HANGZHOU, catalog)
    caps = {c["id"]: c for c in lock["capabilities"]}
    # reached through two composites, then through the scorecard's own `uses`
    card = caps["risk.prescreen.scorecard"]
    assert card["version"] == "1.0.0" and card["kind"] == "map"
    assert card["distribution"] == {"name": "jimu-credit", "version": "0.1.0"}
    assert card["chosen"] == [{"by": "preloan/prescreen/scorecard", "specifier": "~=1.0"}]
    assert card["code"] == [{"path": "jimu_credit/risk/scorecard.py",
                             "sha256": sha256(CREDIT / "risk" / "scorecard.py")}]
    table = CREDIT / "risk" / "models" / "scorecard_german_v1.json"
    assert {"path": "jimu_credit/risk/models/scorecard_german_v1.json", "sha256": sha256(table)} in card["data"]
    points = caps["risk.step.woe_points"]
    assert points["chosen"] == [{"by": "preloan/prescreen/scorecard>risk.step.woe_points", "specifier": "~=1.0"}]
    assert points["data"] == card["data"]
    # every capability pinned has its code, keyed as a wheel's RECORD would list it
    for cap in lock["capabilities"]:
        assert cap["code"] and all(f["path"].startswith("jimu_credit/") for f in cap["code"]), cap["id"]


def test_lock_pins_composites_by_yaml_hash(products, catalog):
    lock = lock_of(products / HANGZHOU, catalog)
    comps = {c["id"]: c for c in lock["composites"]}
    assert {"risk.preloan", "risk.prescreen", "risk.underwrite"} <= set(comps)
    preloan = comps["risk.preloan"]
    assert preloan["yaml"] == {"path": "jimu_credit/composites/risk_preloan.yaml",
                               "sha256": sha256(CREDIT / "composites" / "risk_preloan.yaml")}
    assert preloan["chosen"] == [{"by": "preloan", "specifier": "~=1.0"}]


def test_lock_pins_bindings_and_params_after_defaults(products, catalog):
    steps = lock_of(products / HANGZHOU, catalog)["steps"]
    assert steps["underwrite"]["with"]["score_band"] == "steps.preloan.score_band"
    assert steps["underwrite"]["with"]["monthly_income"] == "inputs.monthly_income"  # bound by name
    assert steps["underwrite"]["params"]["branch_adjustment_bp"] == 20
    assert "dti_max" in steps["underwrite"]["params"]  # a default the product does not set
    # the product's min_age: 22 reaches the inner step through the composite's exposes
    assert steps["preloan"]["params"]["min_age"] == 22
    assert steps["preloan/admission/eligibility"]["params"]["min_age"] == 22
    assert steps["preloan/prescreen/scorecard"]["params"]["model_version"] == "v1"
    assert steps["preloan/prescreen"]["uses"] == "risk.prescreen"


def test_every_product_under_assemblies_locks(products, catalog):
    for path in sorted(products.rglob("*.yaml")):
        lock = lock_of(path, catalog)
        assert lock["jimu_lock"] == 1 and lock["product"]["id"]
        assert lock["sdk"]["name"] == "jimu"
        assert set(lock) == {"jimu_lock", "product", "sdk", "authority", "capabilities", "composites", "steps"}


def test_relocking_an_unchanged_product_is_byte_identical(products, catalog):
    path = products / HANGZHOU
    first = write_lock(path, catalog)
    assert first.status == "written"
    text = lock_path(path).read_bytes()
    assert text.endswith(b"}\n") and b'\n  "authority"' in text  # sorted keys, 2-space indent
    second = write_lock(path, catalog)
    assert second.status == "unchanged"
    assert lock_path(path).read_bytes() == text


def test_a_product_with_errors_is_not_locked(tmp_path, catalog):
    path = tmp_path / "broken.yaml"
    source = (ROOT / "assemblies" / HANGZHOU).read_text(encoding="utf-8")
    path.write_text(source.replace("uses: risk.underwrite", "uses: risk.underwrit"), encoding="utf-8")
    result = write_lock(path, catalog)
    assert result.status == "refused" and "validation errors" in result.problems[0]
    assert [d.code for d in result.diagnostics] == ["J201"]
    assert not lock_path(path).exists()


def test_a_composite_is_not_locked(catalog):
    (analysis,) = validate_paths([CREDIT / "composites" / "risk_preloan.yaml"], catalog=catalog)
    with pytest.raises(NotLockable, match="not a product"):
        build_lock(analysis, catalog)


def test_lock_records_the_authority_table_in_force(products, catalog):
    import datetime as dt

    authority = pytest.importorskip("jimu.authority")
    table = authority.table_in_force(catalog, "zhejiang.hangzhou", dt.date.today())
    lock = lock_of(products / HANGZHOU, catalog)
    assert lock["authority"] == (None if table is None else {"id": table.id, "version": str(table.version)})
