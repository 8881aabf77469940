"""Two versions of one capability side by side: from one distribution (jimu-test-good's
acme.step.double 1.0.0 and 2.0.0) and from two (acme.task.quadruple 1.0.0 from jimu-test-good,
2.0.0 from jimu-test-nextgen, whose module is jimu_test_nextgen); steps choose by specifier."""

from __future__ import annotations

import json

import pytest

import jimu
from jimu.assembly import validate_paths
from jimu.runtime import load_plan, run_record

PLUGINS = ["jimu-credit", "jimu-test-good", "jimu-test-nextgen"]

PRODUCT = """\
kind: product
id: zhejiang.hangzhou.sales_multiplier
version: 1.0.0
branch: zhejiang.hangzhou
name: Sales multiplier
name_zh: 销售倍数
owner: zhejiang.hangzhou.tech
inputs:
  monthly_sales: number
steps:
  - id: old
    uses: acme.task.quadruple
    version: "<2"
    with: {x: inputs.monthly_sales}
  - id: new
    uses: acme.task.quadruple
    version: "~=2.0"
    with: {x: inputs.monthly_sales}
    params: {doublings: 3}
  - id: twice
    uses: acme.step.double
    version: "==1.0.0"
    with: {x: inputs.monthly_sales}
  - id: thrice
    uses: acme.step.double
    version: ">=2"
    with: {x: inputs.monthly_sales}
    params: {factor: 3}
decision: none
outputs:
  old_y: steps.old.y
  new_y: steps.new.y
  new_doublings: steps.new.doublings
  twice: steps.twice.y
  thrice: steps.thrice.y
"""


@pytest.fixture
def catalog(with_test_plugins):
    return jimu.load_catalog(allow=PLUGINS)


@pytest.fixture
def product(tmp_path):
    path = tmp_path / "sales_multiplier.yaml"
    path.write_text(PRODUCT, encoding="utf-8")
    return path


def test_two_distributions_provide_two_majors_of_one_id(catalog):
    assert not catalog.errors, catalog.errors
    found = {(e.version, catalog.source(e).distribution) for e in catalog.versions("acme.task.quadruple")}
    assert found == {("1.0.0", "jimu-test-good"), ("2.0.0", "jimu-test-nextgen")}
    assert catalog.get("acme.task.quadruple").version == "2.0.0"
    assert catalog.get("acme.task.quadruple", "<2").version == "1.0.0"
    # each version's own `uses` resolves to the double it was written for, across distributions
    v1, v2 = catalog.versions("acme.task.quadruple")
    assert [catalog.get(u.id, u.specifier).key for u in v1.uses] == ["acme.step.double@1.0.0"]
    assert [catalog.get(u.id, u.specifier).key for u in v2.uses] == ["acme.step.double@2.0.0"]


def test_validation_resolves_each_step_by_its_specifier(catalog, product):
    (analysis,) = validate_paths([product], catalog=catalog)
    assert analysis.diagnostics == []
    chosen = {sid: s.target.entry.key for sid, s in analysis.steps.items()}
    assert chosen == {"old": "acme.task.quadruple@1.0.0", "new": "acme.task.quadruple@2.0.0",
                      "twice": "acme.step.double@1.0.0", "thrice": "acme.step.double@2.0.0"}
    # 2.0.0's param and output exist only in 2.0.0: bound to the right version, they check
    assert "doublings" in analysis.steps["new"].target.params
    assert "doublings" not in analysis.steps["old"].target.params


def test_a_param_of_the_other_version_is_refused(catalog, tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(PRODUCT.replace('version: "~=2.0"', 'version: "<2"'), encoding="utf-8")
    (analysis,) = validate_paths([path], catalog=catalog)
    codes = {d.code for d in analysis.diagnostics}
    assert "J501" in codes  # acme.task.quadruple 1.0.0 has no param doublings
    assert "J305" in codes  # nor an output doublings


def test_run_calls_the_version_each_step_chose(catalog, product):
    plan = load_plan(product, catalog)
    result = run_record(plan, {"monthly_sales": 1.5}, trace=True)
    assert result.outputs == {"old_y": 6.0, "new_y": 12.0, "new_doublings": 3, "twice": 3.0, "thrice": 4.5}
    ran = {t.step: t.capability for t in result.trace}
    assert ran["old"].endswith("1.0.0") and ran["new"].endswith("2.0.0")
    assert ran["twice"].endswith("1.0.0") and ran["thrice"].endswith("2.0.0")


def test_show_lists_both_versions_with_their_distributions(jimu_cmd, test_plugins_dir, monkeypatch):
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", ",".join(PLUGINS))
    done = jimu_cmd("show", "acme.task.quadruple@1.0.0", "--json", extra_path=test_plugins_dir)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["version"] == "1.0.0" and data["distribution"] == "jimu-test-good"
    assert [(v["version"], v["distribution"]) for v in data["versions"]] == [
        ("1.0.0", "jimu-test-good"), ("2.0.0", "jimu-test-nextgen")]
    text = jimu_cmd("show", "acme.task.quadruple", extra_path=test_plugins_dir).stdout
    assert "versions: 1.0.0 (experimental, jimu-test-good), 2.0.0 (experimental, jimu-test-nextgen)" in text
    assert "from jimu-test-nextgen 0.2.0" in text  # the newest is shown by default
