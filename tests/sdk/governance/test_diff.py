"""Contract diff: each change judged by whether it breaks a consumer bound to the old version."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import Field

import jimu
from jimu import Composite, ContractModel, Domain, ReasonCode, capability
from jimu.assembly import validate_paths
from jimu.governance.diff import breaking_minor, diff_entries, diff_versions

PLUGINS = ["jimu-credit", "jimu-test-good", "jimu-test-nextgen"]


class In(ContractModel):
    amount: float
    term: int = 12


class Out(ContractModel):
    score: int = Field(ge=0, le=1000)
    band: str


class Params(ContractModel):
    cutoff: int = Field(600, ge=300, le=900)


def cap(version="1.0.0", input=In, output=Out, params=Params, **extra):
    def score(inp, params):  # the contract is passed explicitly; the body is never called here
        raise AssertionError

    return capability(id="risk.step.score", version=version, level=5, name="Score", name_zh="评分", owner="hq.risk",
                      input=input, output=output, params=params, **extra)(score)


def changes(old, new) -> dict[tuple[str, str], tuple[str, bool]]:
    diff = diff_entries(old, new, catalog=None)
    return {(c.section, c.name): (c.change, c.breaking) for c in diff.changes}


def model(name: str, base=ContractModel, **fields):
    """A closed pydantic model built from ``name=(type, default_or_Field)`` pairs."""
    from pydantic import create_model

    return create_model(name, __base__=base, **fields)


def test_identical_contracts_have_no_changes():
    diff = diff_entries(cap(), cap("1.0.1"), catalog=None)
    assert diff.changes == [] and not diff.breaking and diff.verdict == "no contract change"


@pytest.mark.parametrize(("new_input", "expected"), [
    (model("A", amount=(float, ...), term=(int, 12), channel=(str, "app")), {("inputs", "channel"): ("added", False)}),
    (model("B", amount=(float, ...), term=(int, 12), income=(float, ...)),
     {("inputs", "income"): ("added required", True)}),
    (model("C", amount=(float, ...)), {("inputs", "term"): ("removed", True)}),
    (model("D", amount=(float, ...), term=(int, ...)), {("inputs", "term"): ("required", True)}),
    (model("E", amount=(float, 0.0), term=(int, 12)), {("inputs", "amount"): ("optional", False)}),
    (model("F", amount=(int, ...), term=(int, 12)), {("inputs", "amount"): ("retyped", True)}),  # 1.5 no longer fits
    (model("G", amount=(float, ...), term=(float, 12)), {("inputs", "term"): ("retyped", False)}),  # int fits double
    (model("H", amount=(float, Field(gt=0)), term=(int, 12)), {("inputs", "amount"): ("range narrowed", True)}),
])
def test_input_changes(new_input, expected):
    assert changes(cap(), cap("1.1.0", input=new_input)) == expected


@pytest.mark.parametrize(("new_output", "expected"), [
    (model("A", score=(int, Field(ge=0, le=1000)), band=(str, ...), pd=(float, ...)), {("outputs", "pd"): ("added", False)}),
    (model("B", score=(int, Field(ge=0, le=1000))), {("outputs", "band"): ("removed", True)}),
    (model("C", score=(float, Field(ge=0, le=1000)), band=(str, ...)), {("outputs", "score"): ("retyped", True)}),
    (model("D", score=(int, Field(ge=0, le=1000)), band=(str | None, None)), {("outputs", "band"): ("retyped", True)}),
    (model("E", score=(int, Field(ge=0, le=2000)), band=(str, ...)), {("outputs", "score"): ("range widened", True)}),
    (model("F", score=(int, Field(ge=100, le=900)), band=(str, ...)), {("outputs", "score"): ("range narrowed", False)}),
    (model("G", score=(int, Field(ge=0, le=1000)), band=(Literal["A", "B"], ...)), {("outputs", "band"): ("retyped", False)}),
])
def test_output_changes(new_output, expected):
    assert changes(cap(), cap("1.1.0", output=new_output)) == expected


@pytest.mark.parametrize(("new_params", "expected"), [
    (model("A", cutoff=(int, Field(600, ge=350, le=900))), {("params", "cutoff"): ("range narrowed", True)}),
    (model("B", cutoff=(int, Field(600, ge=250, le=950))), {("params", "cutoff"): ("range widened", False)}),
    (model("C", cutoff=(int, Field(600, gt=300, le=900))), {("params", "cutoff"): ("range narrowed", True)}),
    (model("D", cutoff=(int, Field(600, ge=200, le=800))), {("params", "cutoff"): ("range moved", True)}),
    (model("E"), {("params", "cutoff"): ("removed", True)}),
    (model("F", cutoff=(int, Field(600, ge=300, le=900)), floor=(int, 0)), {("params", "floor"): ("added", False)}),
    (model("G", cutoff=(int, Field(600, ge=300, le=900)), floor=(int, ...)), {("params", "floor"): ("added required", True)}),
    (model("H", cutoff=(int, Field(650, ge=300, le=900))), {("params", "cutoff"): ("default", False)}),
])
def test_param_changes(new_params, expected):
    assert changes(cap(), cap("1.1.0", params=new_params)) == expected


def test_literal_inputs_may_grow_but_not_shrink():
    two = model("Two", channel=(Literal["app", "branch"], ...))
    three = model("Three", channel=(Literal["app", "branch", "agent"], ...))
    assert changes(cap(input=two), cap("1.1.0", input=three)) == {("inputs", "channel"): ("retyped", False)}
    assert changes(cap(input=three), cap("1.1.0", input=two)) == {("inputs", "channel"): ("retyped", True)}


def test_reason_codes_kind_and_level():
    a = ReasonCode(code="SCORE_LOW", text="Score below cut-off", text_zh="评分低于阈值")
    b = ReasonCode(code="SCORE_THIN_FILE", text="Too little history", text_zh="征信记录过少")
    assert changes(cap(reasons=[a]), cap("1.1.0", reasons=[a, b])) == {("reasons", "SCORE_THIN_FILE"): ("added", False)}
    assert changes(cap(reasons=[a, b]), cap("1.1.0", reasons=[a])) == {("reasons", "SCORE_THIN_FILE"): ("removed", True)}
    assert changes(cap(), cap("2.0.0", kind="aggregate")) == {("kind", "kind"): ("changed", True)}


def test_verdict_names_the_major_version_rule():
    narrowed = model("N", cutoff=(int, Field(600, ge=350, le=900)))
    minor = diff_entries(cap(), cap("1.1.0", params=narrowed), catalog=None)
    major = diff_entries(cap(), cap("2.0.0", params=narrowed), catalog=None)
    assert minor.verdict == "breaking, but not released as a new major version"
    assert major.verdict == "breaking, and released as a new major version (as it should be)"
    assert json.loads(json.dumps(minor.to_json()))["changes"][0]["why"] == "values that were allowed are now refused"


# -- composites: their contract as validation infers it -------------------------------------------

COMPOSITE = """\
kind: composite
id: acme.scoring
version: {version}
level: 4
name: Scoring
name_zh: 评分
owner: acme.team
inputs:
  x: number
steps:
  - id: double
    uses: acme.step.double
    version: ">=2"
decision: none
outputs:
{outputs}
exposes:
  factor: {{path: double.factor, maximum: {maximum}}}
"""


def test_composite_versions_are_compared_by_inferred_contract(tmp_path, make_catalog, with_test_plugins):
    from jimu_test_good import plugin as good  # on the path through the with_test_plugins fixture

    files = []
    for version, outputs, maximum in (("1.0.0", "  y: steps.double.y\n  twice: steps.double.y", 8),
                                      ("1.1.0", "  y: steps.double.y", 5)):
        path = tmp_path / f"scoring-{version}.yaml"
        path.write_text(COMPOSITE.format(version=version, outputs=outputs, maximum=maximum), encoding="utf-8")
        files.append(Composite.from_file(path))
    catalog = make_catalog(good, *files)
    diff = diff_versions(catalog, "acme.scoring", "1.0.0", "1.1.0")
    found = {(c.section, c.name): (c.change, c.breaking, c.old, c.new) for c in diff.changes}
    assert found == {("outputs", "twice"): ("removed", True, "double", ""),
                     ("params", "factor"): ("range narrowed", True, "[0..8]", "[0..5]")}


# -- J208: a breaking change without a new major version ----------------------------------------


@pytest.fixture
def catalog(with_test_plugins):
    return jimu.load_catalog(allow=PLUGINS)


def test_the_test_plugins_breaking_minor_release(catalog):
    diff = diff_versions(catalog, "acme.step.halve", "1.0.0", "1.1.0")
    assert diff.breaking and not diff.major_bump
    assert {(c.section, c.name, c.change) for c in diff.breaking_changes} == {
        ("inputs", "precision", "added required"), ("params", "digits", "range narrowed"), ("outputs", "rest", "removed")}
    assert not diff_versions(catalog, "acme.task.quadruple", "1.0.0", "2.0.0").breaking
    found = breaking_minor(catalog, catalog.get("acme.step.halve", "==1.0.0"))
    assert found.diff.old == "1.0.0" and found.diff.new == "1.1.0"
    assert "acme.step.halve 1.1.0 breaks the contract of 1.0.0 without a new major version" in found.message
    assert breaking_minor(catalog, catalog.get("acme.step.halve", "==2.0.0")) is None  # alone in its major
    assert breaking_minor(catalog, catalog.get("acme.step.double", "==1.0.0")) is None


def test_validation_warns_once_per_step_that_uses_it(catalog, tmp_path):
    text = """\
kind: product
id: zhejiang.hangzhou.halves
version: 1.0.0
branch: zhejiang.hangzhou
name: Halves
name_zh: 减半
owner: zhejiang.hangzhou.tech
inputs:
  x: number
  precision: integer
steps:
  - id: pinned
    uses: acme.step.halve
    version: "==1.0.0"
  - id: floating
    uses: acme.step.halve
    version: "~=1.0"
  - id: major
    uses: acme.step.halve
    version: ">=2"
decision: none
outputs:
  a: steps.pinned.y
  b: steps.floating.y
  c: steps.major.y
"""
    path = tmp_path / "halves.yaml"
    path.write_text(text, encoding="utf-8")
    (analysis,) = validate_paths([path], catalog=catalog)
    assert [(d.code, d.line) for d in analysis.diagnostics] == [("J208", 13), ("J208", 16)]
    assert all(d.severity.value == "warning" and "jimu diff acme.step.halve 1.0.0 1.1.0" in d.hint
               for d in analysis.diagnostics)
    assert analysis.ok


def test_cli_diff(jimu_cmd, test_plugins_dir, monkeypatch):
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", ",".join(PLUGINS))
    done = jimu_cmd("diff", "acme.step.halve", "1.0.0", "1.1.0", "--json", extra_path=test_plugins_dir)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["breaking"] is True and data["major_bump"] is False
    assert {c["name"] for c in data["changes"] if c["breaking"]} == {"precision", "digits", "rest"}
    text = jimu_cmd("diff", "acme.task.quadruple", "1.0.0", "2.0.0", extra_path=test_plugins_dir)
    assert text.returncode == 0
    assert "verdict: compatible: nothing bound to the old version breaks" in text.stdout
    assert "doublings" in text.stdout
    missing = jimu_cmd("diff", "acme.step.halve", "1.0.0", "9.0.0", extra_path=test_plugins_dir)
    assert missing.returncode == 1 and "installed versions: 1.0.0, 1.1.0, 2.0.0" in missing.stderr
    assert "Traceback" not in missing.stderr
