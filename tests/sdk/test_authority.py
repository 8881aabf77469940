"""HQ's authority tables: the model, which table is in force, and validation naming the rule broken."""

from __future__ import annotations

import datetime as dt

import pytest

from jimu import hookimpl, load_catalog
from jimu.assembly import load_file
from jimu.assembly.validate import Validator
from jimu.authority import (AuthorityRule, AuthorityTable, InvalidAuthorityTable, branch_matches, check_override,
                            table_in_force, tables_in_force)

D = dt.date


def table(version="1", start=D(2026, 1, 1), end=None, rules=(), governs=("risk",)) -> AuthorityTable:
    return AuthorityTable(id="hq.test_authority", version=version, issuer="HQ credit approval", effective_from=start,
                          effective_to=end, governs=governs, rules=rules)


def rule(id="R1", branches=("zhejiang.*",), param="risk.underwrite.pricing:branch_adjustment_bp", **kw):
    return AuthorityRule(id=id, branches=branches, param=param, **kw)


class Plugin:
    def __init__(self, *items):
        self.items = items

    @hookimpl
    def jimu_register(self, register):
        for item in self.items:
            register(item)


# -- the model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern,branch,expected", [
    ("*", "guangdong.shenzhen", True),
    ("zhejiang.*", "zhejiang", True),
    ("zhejiang.*", "zhejiang.hangzhou", True),
    ("zhejiang.*", "zhejiangx.hangzhou", False),
    ("zhejiang.hangzhou", "zhejiang.hangzhou", True),
    ("zhejiang.hangzhou", "zhejiang.hangzhou.xihu", False),
])
def test_branch_patterns(pattern, branch, expected):
    assert branch_matches(pattern, branch) is expected


@pytest.mark.parametrize("bad,words", [
    ({"branches": ["Zhejiang"]}, "branch pattern"),
    ({"param": "risk.underwrite.pricing.branch_adjustment_bp"}, "<capability id>:<param>"),
    ({"minimum": 5, "maximum": 1}, "above maximum"),
    ({"tighten_only": "sideways"}, "tighten_only"),
    ({"effective_from": "2026-05-01", "effective_to": "2026-04-01"}, "after effective_to"),
])
def test_a_malformed_rule_is_refused(bad, words):
    with pytest.raises(ValueError, match=words):
        rule(**bad)


def test_rule_ids_are_unique_within_a_table():
    with pytest.raises(ValueError, match="two rules have the id 'R1'"):
        table(rules=(rule(), rule(branches=("*",))))


def test_a_table_file_with_faults_names_each_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("id: hq.t\nversion: '1'\nissuer: HQ\neffective_from: 2026-01-01\ngoverns: [risk]\nrules:\n"
                    "  - id: R1\n    branches: ['*']\n    param: risk.x:y\n    tighten_only: sideways\n", encoding="utf-8")
    with pytest.raises(InvalidAuthorityTable) as err:
        AuthorityTable.from_file(path)
    assert f"{path}:10:19: rules.0.tighten_only" in str(err.value)


# -- which table is in force ---------------------------------------------------------------------------


def test_a_newer_version_supersedes_an_older_one_from_its_start_date():
    old, new = table("2026.1"), table("2026.2", start=D(2026, 7, 1))
    catalog = load_catalog(plugins=[Plugin(old, new)], installed=False)
    assert [t.key for t in tables_in_force(catalog, D(2026, 6, 30))] == ["hq.test_authority@2026.1"]
    assert table_in_force(catalog, "zhejiang.hangzhou", D(2026, 7, 1)).version == "2026.2"
    assert table_in_force(catalog, "zhejiang.hangzhou", D(2025, 12, 31)) is None


def test_jimu_credit_publishes_its_table_and_every_rule_names_an_installed_param(jimu_catalog):
    in_force = table_in_force(jimu_catalog, "zhejiang.hangzhou", D(2026, 11, 28))
    assert in_force is not None and in_force.key == "hq.credit_authority@2026.2"
    assert table_in_force(jimu_catalog, "zhejiang.hangzhou", D(2026, 3, 1)).version == "2026.1"
    assert not [p for p in jimu_catalog.problems if "authority" in str(p)]


def test_a_rule_naming_a_param_that_does_not_exist_is_a_catalog_problem(jimu_catalog):
    bad = table(rules=(rule(param="risk.underwrite.pricing:spread_bp"),))
    catalog = load_catalog(plugins=[Plugin(bad)], allow=["jimu-credit"])
    catalog.check()
    assert any("rule R1: risk.underwrite.pricing has no param 'spread_bp'" in str(p) for p in catalog.problems)


# -- judging one override ------------------------------------------------------------------------------

PATHS = ["risk.underwrite:branch_adjustment_bp", "risk.underwrite.pricing:branch_adjustment_bp"]
ON = D(2026, 11, 28)


def test_a_range_rule_names_table_rule_issuer_and_dates():
    t = table(rules=(rule(minimum=-20, maximum=30, effective_to=D(2026, 12, 31)),))
    assert check_override([t], "zhejiang.hangzhou", PATHS, 30, 0, ON) is None
    breach = check_override([t], "zhejiang.hangzhou", PATHS, 35, 0, ON)
    assert breach.code == "J504"
    for words in ("rule R1", "hq.test_authority@1", "HQ credit approval", "2026-01-01..2026-12-31", "-20..30"):
        assert words in breach.message


def test_the_most_specific_branch_pattern_in_force_wins():
    t = table(rules=(rule("ZJ", minimum=-20, maximum=30), rule("HZ", branches=("zhejiang.hangzhou",), minimum=-40,
                                                                 maximum=30, effective_to=D(2026, 11, 15))))
    assert check_override([t], "zhejiang.hangzhou", PATHS, -40, 0, D(2026, 11, 11)) is None
    after = check_override([t], "zhejiang.hangzhou", PATHS, -40, 0, D(2026, 11, 16))  # the campaign rule expired
    assert after.code == "J504" and "rule ZJ" in after.message
    assert check_override([t], "zhejiang.ningbo", PATHS, -40, 0, D(2026, 11, 11)).code == "J504"


@pytest.mark.parametrize("direction,value,default,code", [
    ("down", 1, 3, None), ("down", 3, 3, None), ("down", 4, 3, "J505"),
    ("up", 25, 18, None), ("up", 17, 18, "J505"),
    ("up", True, False, None), ("up", False, True, "J505"),  # booleans: false → true is the only way up
])
def test_tighten_only_passes_a_tightening_and_fails_a_loosening(direction, value, default, code):
    t = table(rules=(rule(branches=("*",), param="risk.prescreen.antifraud:max_ids_per_device", tighten_only=direction),))
    breach = check_override([t], "jiangsu.suzhou", ["risk.prescreen.antifraud:max_ids_per_device"], value, default, ON)
    assert (breach.code if breach else None) == code
    if breach:
        assert "rule R1" in breach.message and "only tighten" in breach.message


def test_an_undelegated_param_is_reserved_to_hq_and_an_expired_rule_no_longer_applies():
    t = table(rules=(rule(branches=("zhejiang.wenzhou",), effective_to=D(2026, 9, 30)),))
    assert check_override([t], "zhejiang.hangzhou", PATHS, 10, 0, ON).code == "J506"
    expired = check_override([t], "zhejiang.wenzhou", PATHS, 10, 0, ON)
    assert expired.code == "J507" and "expired on 2026-09-30" in expired.message
    assert check_override([t], "zhejiang.wenzhou", PATHS, 10, 0, D(2026, 9, 30)) is None
    early = check_override([t], "zhejiang.wenzhou", PATHS, 10, 0, D(2025, 12, 31))
    assert early.code == "J507" and "in force only from 2026-01-01" in early.message


def test_params_of_capabilities_no_table_governs_are_left_to_the_technical_range():
    t = table(governs=("customer",))
    assert check_override([t], "zhejiang.hangzhou", PATHS, 50, 0, ON) is None


def test_a_rule_on_a_composites_exposed_name_covers_only_that_composite():
    t = table(rules=(rule(param="risk.underwrite:branch_adjustment_bp", minimum=0, maximum=10),))
    assert check_override([t], "zhejiang.hangzhou", PATHS, 20, 0, ON).code == "J504"
    direct = ["risk.underwrite.pricing:branch_adjustment_bp"]
    assert check_override([t], "zhejiang.hangzhou", direct, 5, 0, ON).code == "J506"


# -- validation ---------------------------------------------------------------------------------------

PRODUCT = """\
kind: product
id: {branch}.age_gate
version: 1.0.0
branch: {branch}
name: Age gate
name_zh: 年龄门槛
owner: {branch}.tech
inputs: {{resident_id: string, as_of: date}}
steps:
  - id: intake
    uses: risk.intake
  - id: eligibility
    uses: risk.admission.eligibility
    with: {{age: steps.intake.age, region_code: steps.intake.region_code}}
    when: has(steps.intake.age) && has(steps.intake.region_code)
    params: {params}
decision: [steps.intake.decision, steps.eligibility.decision]
"""


def _validate(jimu_catalog, tmp_path, params, branch="zhejiang.hangzhou", as_of=None):
    path = tmp_path / "p.yaml"
    path.write_text(PRODUCT.format(branch=branch, params=params), encoding="utf-8")
    loaded = load_file(path)
    diagnostics = Validator(jimu_catalog, [loaded], as_of=as_of).validate_all([loaded])[0].diagnostics
    return [(d.code, d.line) for d in diagnostics], diagnostics


def test_validation_passes_tightening_and_names_the_rule_a_loosening_breaks(jimu_catalog, tmp_path):
    assert _validate(jimu_catalog, tmp_path, "{min_age: 25, max_age: 55}")[0] == []
    found, diagnostics = _validate(jimu_catalog, tmp_path, "{min_age: 25, max_age: 62}")
    assert found == [("J505", 16)]
    assert "rule ADM-02 of hq.credit_authority@2026.2" in diagnostics[0].message


def test_the_technical_range_is_checked_first_without_a_cascade(jimu_catalog, tmp_path):
    assert _validate(jimu_catalog, tmp_path, "{max_age: 80}")[0] == [("J503", 16)]


PRICED = """\
kind: product
id: jiangsu.suzhou.priced
version: 1.0.0
branch: jiangsu.suzhou
name: Priced
name_zh: 定价
owner: jiangsu.suzhou.tech
inputs: {resident_id: string, as_of: date, applied_at: datetime, score_band: string}
steps:
  - id: intake
    uses: risk.intake
  - id: antifraud
    uses: risk.prescreen.antifraud
    with: {resident_id: inputs.resident_id}
  - id: price
    uses: risk.underwrite.pricing
    with: {risk_tier: inputs.score_band}
    params: {branch_adjustment_bp: 25}
decision: [steps.intake.decision, steps.antifraud.decision]
outputs: {rate: steps.price.rate}
"""


def test_the_date_chooses_the_table(jimu_catalog, tmp_path):
    # Jiangsu's pricing band was -30..30 bp in 2026.1 and is -10..20 in 2026.2 (from 2026-07-01)
    path = tmp_path / "priced.yaml"
    path.write_text(PRICED, encoding="utf-8")
    for day, expected in ((D(2026, 6, 30), []), (D(2026, 7, 1), [("J504", 18)])):
        loaded = load_file(path)
        found = Validator(jimu_catalog, [loaded], as_of=day).validate_all([loaded])[0].diagnostics
        assert [(d.code, d.line) for d in found] == expected, day
    # Wenzhou's pilot delegation of excluded_regions ran to 2026-09-30
    pilot = '{excluded_regions: ["3303"]}'
    assert _validate(jimu_catalog, tmp_path, pilot, "zhejiang.wenzhou", D(2026, 9, 30))[0] == []
    assert _validate(jimu_catalog, tmp_path, pilot, "zhejiang.wenzhou", D(2026, 10, 1))[0] == [("J507", 16)]
    assert _validate(jimu_catalog, tmp_path, pilot, "zhejiang.hangzhou", D(2026, 9, 30))[0] == [("J506", 16)]


def test_the_products_under_assemblies_are_within_authority_all_year(jimu_catalog):
    from pathlib import Path

    from jimu.assembly import validate_paths

    root = Path(__file__).resolve().parents[2] / "assemblies"
    for day in (D(2026, 3, 1), D(2026, 7, 1), D(2026, 11, 11), D(2026, 12, 31)):
        found = [d for a in validate_paths([root], catalog=jimu_catalog, as_of=day) for d in a.diagnostics]
        assert [d.render() for d in found if d.code.startswith("J50")] == [], day


def test_validate_as_of_on_the_command_line(jimu_cmd, tmp_path):
    path = tmp_path / "priced.yaml"
    path.write_text(PRICED, encoding="utf-8")
    early = jimu_cmd("validate", str(path), "--as-of", "2026-03-01")
    assert early.returncode == 0, early.stdout + early.stderr
    late = jimu_cmd("validate", str(path), "--as-of", "2026-07-01", "--json")
    assert late.returncode == 1 and '"J504"' in late.stdout and "PRC-JS-01" in late.stdout
    assert jimu_cmd("validate", str(path), "--as-of", "July").returncode == 2


def test_jimu_authority_lists_what_a_branch_may_set(jimu_cmd):
    import json

    result = jimu_cmd("authority", "--branch", "zhejiang.hangzhou", "--as-of", "2026-11-11", "--json")
    assert result.returncode == 0, result.stderr
    rules = {r["param"]: r for r in json.loads(result.stdout)}
    campaign = rules["risk.underwrite.pricing:branch_adjustment_bp"]
    assert (campaign["rule"], campaign["minimum"], campaign["effective_to"]) == ("PRC-ZJ-HZ-11", -40, "2026-11-15")
    assert rules["risk.prescreen.antifraud:max_ids_per_device"]["tighten_only"] == "down"
    assert "customer.kyc.person:accept_legacy_15" not in rules  # delegated to Beijing and HQ only
    human = jimu_cmd("authority", "--branch", "beijing.haidian")
    assert human.returncode == 0 and "customer.kyc.person:accept_legacy_15" in human.stdout
    assert jimu_cmd("authority", "--branch", "x", "--as-of", "2020-01-01").returncode == 1
