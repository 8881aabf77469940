"""Tests for jimu.assembly.Validator and validate_paths: the semantics of a product or composite.

Each test writes a small assembly to ``tmp_path`` and validates it against the installed catalog
(HQ's ``jimu-credit``: customer.kyc.person / .card, risk.admission.eligibility, the L3 composite
risk.intake). Local composite files are passed alongside products, as ``jimu validate`` does.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import jimu
from jimu.assembly import Analysis, load_file, validate_paths
from jimu.assembly.graph import dot, mermaid, step_graph
from jimu.assembly.validate import Validator

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
COMPOSITE = ROOT / "capabilities" / "jimu_credit" / "composites" / "risk_intake.yaml"

PRODUCT_HEADER = """\
kind: product
id: beijing.haidian.test_loan
version: 1.0.0
branch: beijing.haidian
name: Test loan
name_zh: 测试贷
owner: beijing.haidian.tech
"""


def composite_header(cid: str, level: int = 3, version: str = "1.0.0") -> str:
    return textwrap.dedent(f"""\
        kind: composite
        id: {cid}
        version: {version}
        level: {level}
        name: Test composite
        name_zh: 测试组合
        owner: hq.risk-platform
        """)


@pytest.fixture(scope="module")
def catalog():
    return jimu.load_catalog()


@pytest.fixture
def check(tmp_path, catalog):
    """``check(a=text, b=text)``: write a.yaml, b.yaml and validate them together; analyses by name."""

    def run(**files: str) -> dict[str, Analysis]:
        paths = []
        for name, text in files.items():
            path = tmp_path / f"{name}.yaml"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        analyses = validate_paths(paths, catalog)
        return {a.file.path.stem: a for a in analyses}

    return run


def product(*parts: str) -> str:
    """The header, then each part dedented on its own."""
    return PRODUCT_HEADER + "".join(textwrap.dedent(part) for part in parts)


def codes(analysis: Analysis) -> list[str]:
    return [d.code for d in analysis.diagnostics]


def errors(analysis: Analysis) -> list[str]:
    return [f"{d.code} {d.message}" for d in analysis.diagnostics if d.is_error]


def the(analysis: Analysis, code: str):
    found = [d for d in analysis.diagnostics if d.code == code]
    assert len(found) == 1, [f"{d.code} {d.message}" for d in analysis.diagnostics]
    return found[0]


def where(text: str, needle: str) -> tuple[int, int]:
    at = text.index(needle)
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


IDENTITY_INPUTS = """\
inputs:
  resident_id: string
  as_of: date
"""

# --------------------------------------------------------------------------- the bundled files


def test_the_bundled_product_and_composite_validate_clean(catalog):
    analyses = validate_paths([PRODUCT, COMPOSITE], catalog)
    assert [a.file.path.name for a in analyses] == [PRODUCT.name, COMPOSITE.name]
    assert all(a.ok and a.diagnostics == [] for a in analyses)
    assert validate_paths([ROOT / "assemblies"], catalog)[0].diagnostics == []


def test_validate_paths_loads_the_installed_catalog_by_default():
    analysis, = validate_paths([PRODUCT])
    assert analysis.ok and analysis.order == ["intake", "eligibility"]


def test_the_bundled_products_analysis(catalog):
    a, = validate_paths([PRODUCT], catalog)
    assert a.order == ["intake", "eligibility"]
    assert [(n, t.describe()) for n, t in a.input_type.fields] == [
        ("resident_id", "string"), ("as_of", "date"), ("card_number", "string?")]
    assert [(n, t.describe()) for n, t in a.output_type.fields] == [
        ("age", "int?"), ("province", "string?"), ("card_last4", "string?"), ("decision", "Decision")]
    intake, eligibility = a.steps["intake"], a.steps["eligibility"]
    assert intake.target.entry.key == "risk.intake@1.0.0" and not intake.maybe_skipped
    assert {n: (b.source, b.explicit) for n, b in intake.bindings.items()} == {
        "resident_id": ("inputs.resident_id", False), "as_of": ("inputs.as_of", False),
        "card_number": ("inputs.card_number", False)}
    assert eligibility.reads == {"intake"} and eligibility.maybe_skipped
    assert eligibility.bindings["age"].source == "steps.intake.age" and eligibility.bindings["age"].explicit
    assert a.result_reads == {"intake", "eligibility"}


# --------------------------------------------------------------------------- run order


def test_run_order_follows_data_flow_not_listing_order(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: elig
            uses: risk.admission.eligibility
            with: {age: steps.kyc.age, region_code: steps.kyc.region_code}
            when: has(steps.kyc.age) && has(steps.kyc.region_code)
          - id: kyc
            uses: customer.kyc.person
        decision: [steps.kyc.decision, steps.elig.decision]
        """))["p"]
    assert errors(a) == []
    assert a.order == ["kyc", "elig"]
    assert a.steps["elig"].reads == {"kyc"}


def test_run_order_keeps_listing_order_between_independent_steps(check):
    a = check(p=product("""\
        inputs:
          resident_id: string
          as_of: date
          card_number: string
        steps:
          - id: card
            uses: customer.kyc.card
          - id: kyc
            uses: customer.kyc.person
        decision: [steps.kyc.decision, steps.card.decision]
        """))["p"]
    assert a.ok and a.order == ["card", "kyc"]


def test_steps_reading_each_other_are_a_cycle(check):
    text = product("""\
        steps:
          - id: a
            uses: risk.admission.eligibility
            with: {age: steps.b.age, region_code: steps.b.region_code}
            when: has(steps.b.age) && has(steps.b.region_code)
          - id: b
            uses: customer.kyc.person
            with: {resident_id: steps.a.decision.outcome, as_of: steps.a.x}
        decision: steps.a.decision
        """)
    a = check(p=text)["p"]
    assert "J207" in codes(a) and sorted(a.order) == ["a", "b"]


# --------------------------------------------------------------------------- flow typing and optional reads


def _age_step(when: str | None) -> str:
    guard = f"\n    when: {when}" if when else ""
    return product(IDENTITY_INPUTS, f"""\
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: elig
    uses: risk.admission.eligibility
    with: {{age: steps.kyc.age, region_code: steps.kyc.region_code}}{guard}
decision: [steps.kyc.decision, steps.elig.decision]
""")


def test_has_in_when_lets_a_nullable_output_feed_a_required_input(check):
    a = check(p=_age_step("has(steps.kyc.age) && has(steps.kyc.region_code)"))["p"]
    assert a.diagnostics == []


def test_without_the_guard_a_nullable_output_is_j303(check):
    text = _age_step(None)
    a = check(p=text)["p"]
    assert codes(a) == ["J303", "J303"]
    age = a.diagnostics[0]
    assert (age.line, age.column) == where(text, "steps.kyc.age")
    assert "steps.kyc.age may be null" in age.message and "'age' (int)" in age.message
    assert "when: has(" in age.hint


def test_a_guard_covers_only_the_field_it_tests(check):
    text = _age_step("has(steps.kyc.age)")
    a = check(p=text)["p"]
    d = the(a, "J303")
    assert "region_code" in d.message and (d.line, d.column) == where(text, "steps.kyc.region_code")


def test_an_optional_product_input_needs_a_guard_to_feed_a_required_input(check):
    def body(guard: str) -> str:
        return product(f"""\
inputs:
  resident_id: string
  as_of: date
  card_number: {{type: string, optional: true}}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: card
    uses: customer.kyc.card{guard}
decision: [steps.kyc.decision, steps.card.decision]
""")

    d = the(check(p=body(""))["p"], "J303")
    assert "inputs.card_number may be null" in d.message
    guarded = check(p=body("\n    when: has(inputs.card_number)"))["p"]
    assert guarded.ok, errors(guarded)


CARD = """\
inputs:
  resident_id: string
  as_of: date
  card_number: {type: string, optional: true}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: card
    uses: customer.kyc.card
    when: has(inputs.card_number)
"""


def test_the_optional_marker_makes_the_type_nullable(check):
    a = check(p=product(CARD, """\
        decision: [steps.kyc.decision, steps.card.decision]
        outputs:
          last4: steps.card.last4?
          valid: steps.card.valid?
        """))["p"]
    assert a.diagnostics == []
    assert a.output_type.field("last4").describe() == "string?"
    assert a.output_type.field("valid").describe() == "bool?"  # valid is a bool; read optionally it may be null


def test_an_optional_read_feeding_a_required_input_is_j303(check):
    text = product(CARD, """\
          - id: again
            uses: customer.kyc.card
            with: {card_number: steps.card.last4?}
        decision: [steps.kyc.decision, steps.card.decision, steps.again.decision]
        """)
    a = check(p=text)["p"]
    d = the(a, "J303")
    assert "steps.card.last4?" in d.message and "may be null" in d.message
    assert (d.line, d.column) == where(text, "steps.card.last4?")
    assert a.steps["again"].bindings["card_number"].optional
    assert "J304" not in codes(a)  # the ? is the declaration that the step may be skipped


def test_reading_a_skipped_step_without_the_marker_is_j304(check):
    text = product(CARD, """\
        decision: [steps.kyc.decision, steps.card.decision]
        outputs:
          network: steps.card.network
        """)
    a = check(p=text)["p"]
    d = the(a, "J304")
    assert (d.line, d.column) == where(text, "steps.card.network")
    assert "steps.card.network?" in d.hint


def test_a_step_with_the_same_when_may_read_a_skipped_step(check):
    a = check(p=product(CARD, """\
          - id: again
            uses: customer.kyc.card
            with: {card_number: steps.card.last4}
            when: has(inputs.card_number)
        decision: [steps.kyc.decision, steps.card.decision, steps.again.decision]
        """))["p"]
    assert "J304" not in codes(a)


def test_decision_lists_may_read_skipped_steps(check):
    a = check(p=product(CARD + "decision: [steps.kyc.decision, steps.card.decision]\n"))["p"]
    assert a.diagnostics == []
    assert a.steps["card"].maybe_skipped and a.result_reads == {"kyc", "card"}


def test_on_error_skip_makes_a_step_maybe_skipped(check):
    skipping = CARD.replace("    uses: customer.kyc.person\n", "    uses: customer.kyc.person\n    on_error: skip\n")
    a = check(p=product(skipping, """\
        decision: [steps.kyc.decision, steps.card.decision]
        outputs:
          age: steps.kyc.age
        """))["p"]
    d = the(a, "J304")
    assert "on_error: skip" in d.message


# --------------------------------------------------------------------------- binding by name


def test_inputs_bind_by_name_to_the_products_inputs(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: kyc
            uses: customer.kyc.person
        decision: steps.kyc.decision
        """))["p"]
    assert a.diagnostics == []
    assert {n: (b.source, b.explicit) for n, b in a.steps["kyc"].bindings.items()} == {
        "resident_id": ("inputs.resident_id", False), "as_of": ("inputs.as_of", False)}


def test_a_name_that_an_earlier_step_also_outputs_is_ambiguous(check):
    text = product(IDENTITY_INPUTS, """\
        steps:
          - id: kyc
            uses: customer.kyc.person
          - id: again
            uses: customer.kyc.person
        decision: [steps.kyc.decision, steps.again.decision]
        """)
    a = check(p=text)["p"]
    d = the(a, "J302")
    assert "inputs.resident_id or steps.kyc.resident_id" in d.message
    assert (d.line, d.column) == (text.count("\n", 0, text.index("uses: customer.kyc.person\ndecision")) + 1, 11)
    assert "with: {resident_id: steps.kyc.resident_id}" in d.hint and "with: {resident_id: inputs.resident_id}" in d.hint
    explicit = check(q=text.replace("  - id: again\n    uses: customer.kyc.person\n",
                                    "  - id: again\n    uses: customer.kyc.person\n"
                                    "    with: {resident_id: inputs.resident_id}\n"))["q"]
    assert explicit.diagnostics == []


def test_a_later_step_does_not_make_a_name_ambiguous(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: first
            uses: customer.kyc.person
          - id: later
            uses: customer.kyc.person
            with: {resident_id: steps.first.resident_id}
            when: has(steps.first.resident_id)
        decision: [steps.first.decision, steps.later.decision]
        """))["p"]
    assert "J302" not in codes(a), errors(a)


def test_an_unbound_input_suggests_the_earlier_step_that_has_it(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: kyc
            uses: customer.kyc.person
          - id: elig
            uses: risk.admission.eligibility
        decision: [steps.kyc.decision, steps.elig.decision]
        """))["p"]
    found = {d.message: d.hint for d in a.diagnostics if d.code == "J301"}
    assert found == {
        "step 'elig': risk.admission.eligibility needs input 'age' (int), bound to nothing":
            "bind it: with: {age: steps.kyc.age}",
        "step 'elig': risk.admission.eligibility needs input 'region_code' (string), bound to nothing":
            "bind it: with: {region_code: steps.kyc.region_code}",
    }


def test_an_unbound_input_without_a_source_suggests_declaring_it(check):
    a = check(p=product("""\
        inputs:
          resident_id: string
        steps:
          - id: kyc
            uses: customer.kyc.person
        decision: steps.kyc.decision
        """))["p"]
    d = the(a, "J301")
    assert "'as_of' (date)" in d.message and d.hint == "declare it under inputs: (as_of: date) or bind it with with:"


def test_a_with_name_the_capability_does_not_take(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: kyc
            uses: customer.kyc.person
            with: {resident_idd: inputs.resident_id}
        decision: steps.kyc.decision
        """))["p"]
    d = the(a, "J305")
    assert "has no input 'resident_idd'" in d.message and d.hint == "did you mean 'resident_id'?"


def test_a_reference_to_an_unknown_step_is_not_reported_again(check):
    a = check(p=product("""\
        inputs:
          region_code: string
        steps:
          - id: s1
            uses: no.such.capability
          - id: s2
            uses: risk.admission.eligibility
            with: {age: steps.s1.age}
        decision: steps.s2.decision
        """))["p"]
    assert codes(a) == ["J201"]


def test_a_reference_to_a_broken_step_is_not_j305(check):
    a = check(p=product("""\
        inputs:
          region_code: string
        steps:
          - id: s1
            uses: Not An Id
          - id: s2
            uses: risk.admission.eligibility
            with: {age: steps.s1.age}
            when: has(steps.s1.age)
        decision: steps.s2.decision
        """))["p"]
    assert codes(a) == ["J103"]  # the broken step is reported once, its readers are not


# --------------------------------------------------------------------------- exposed params


NARROW = composite_header("risk.test_admission") + textwrap.dedent("""\
    inputs:
      age: integer
      region_code: string
    steps:
      - id: eligibility
        uses: risk.admission.eligibility
    decision: steps.eligibility.decision
    outputs:
      eligible: steps.eligibility.eligible
    exposes:
      max_age:
        path: eligibility.max_age
        minimum: 50
        maximum: 65
    """)


def _uses_narrow(params: str) -> str:
    return product(f"""\
        inputs:
          resident_id: string
          as_of: date
          age: integer
          region_code: string
        steps:
          - id: kyc
            uses: customer.kyc.person
          - id: admission
            uses: risk.test_admission
            with: {{age: inputs.age, region_code: inputs.region_code}}
            params: {params}
        decision: [steps.kyc.decision, steps.admission.decision]
        """)


def test_a_composite_may_narrow_an_exposed_range(check):
    result = check(c=NARROW, p=_uses_narrow("{max_age: 60}"))
    assert result["c"].diagnostics == [] and result["p"].diagnostics == []
    spec = result["c"].params["max_age"]
    assert spec.bounds() == (50, 65) and spec.range_text() == "50..65" and spec.path == "eligibility.max_age"


@pytest.mark.parametrize("value,words", [(70, "above the maximum 65"), (48, "below the minimum 50")])
def test_a_product_outside_the_narrowed_range_is_j503_naming_the_bound(check, value, words):
    text = _uses_narrow(f"{{max_age: {value}}}")
    result = check(c=NARROW, p=text)
    assert result["c"].diagnostics == []
    d = the(result["p"], "J503")
    assert words in d.message and "composite" in d.message
    assert (d.line, d.column) == where(text, str(value))
    assert d.hint == "max_age must be within 50..65"


def test_a_product_outside_hqs_own_range_is_j503_too(check):
    result = check(c=NARROW, p=_uses_narrow("{max_age: 80}"))
    d = the(result["p"], "J503")
    assert "80" in d.message and "75" in d.message


def test_a_param_the_composite_does_not_expose_is_j502(check):
    result = check(c=NARROW, p=_uses_narrow("{min_age: 20}"))
    d = the(result["p"], "J502")
    assert "min_age is not exposed by composite risk.test_admission" in d.message and "max_age" in d.message


def test_an_installed_composites_unexposed_and_unknown_params(check):
    a = check(p=product(IDENTITY_INPUTS, """\
        steps:
          - id: intake
            uses: risk.intake
            params: {accept_legacy_15: true, kyc.accept_legacy_15: true, bogus: 1}
        decision: steps.intake.decision
        """))["p"]
    assert sorted(codes(a)) == ["J501", "J502"]


@pytest.mark.parametrize("bound,value", [("minimum", 40), ("maximum", 80)])
def test_widening_beyond_the_inner_range_is_j503_on_the_composite(check, bound, value):
    text = NARROW.replace(f"{bound}: {50 if bound == 'minimum' else 65}", f"{bound}: {value}")
    c = check(c=text)["c"]
    d = the(c, "J503")
    assert f"exposes max_age with {bound} {value}" in d.message and "45..75" in d.message
    assert (d.line, d.column) == where(text, f"{value}\n")
    assert "never widen" in d.hint


def test_an_exposed_range_excluding_the_inner_default_is_j503(check):
    c = check(c=NARROW.replace("minimum: 50", "minimum: 62"))["c"]  # the inner default max_age is 60
    d = the(c, "J503")
    assert "default" in d.message and "60" in d.message


def test_bounds_on_a_non_numeric_exposed_param_are_an_error(check):
    text = composite_header("risk.test_bool") + IDENTITY_INPUTS + textwrap.dedent("""\
        steps:
          - id: kyc
            uses: customer.kyc.person
        decision: steps.kyc.decision
        exposes:
          legacy:
            path: kyc.accept_legacy_15
            minimum: 5
            maximum: 1
        """)
    assert not check(c=text)["c"].ok


def test_exposing_a_param_also_set_in_the_step(check):
    text = NARROW.replace("    uses: risk.admission.eligibility\n",
                          "    uses: risk.admission.eligibility\n    params: {max_age: 60}\n")
    c = check(c=text)["c"]
    d = the(c, "J103")
    assert "both set" in d.message


@pytest.mark.parametrize("path,code", [("eligibility.maximum_age", "J501"), ("nope.max_age", "J305")])
def test_exposing_what_does_not_exist(check, path, code):
    c = check(c=NARROW.replace("path: eligibility.max_age", f"path: {path}"))["c"]
    assert code in codes(c)


# --------------------------------------------------------------------------- local composites


def _local_intake(version: str, extra_output: bool = True) -> str:
    text = COMPOSITE.read_text(encoding="utf-8").replace("version: 1.0.0", f"version: {version}", 1)
    if extra_output:
        text = text.replace("outputs:\n", "outputs:\n  extra_flag: steps.kyc.valid\n", 1)
    return text


PINNED = product(IDENTITY_INPUTS, """\
    steps:
      - id: intake
        uses: risk.intake
        version: "==9.0.0"
    decision: steps.intake.decision
    outputs:
      flag: steps.intake.extra_flag
    """)


def test_a_local_composite_overrides_the_installed_one(check):
    result = check(intake=_local_intake("9.0.0"), p=PINNED)
    assert result["intake"].diagnostics == [] and result["p"].diagnostics == []
    target = result["p"].steps["intake"].target
    assert target.entry.version == "9.0.0" and target.output.field("extra_flag").describe() == "bool"
    assert result["p"].output_type.field("flag").describe() == "bool"


def test_without_the_local_file_the_pin_is_j202(check):
    a = check(p=PINNED)["p"]
    d = the(a, "J202")
    assert "'==9.0.0'" in d.message and "installed: 1.0.0" in d.message


def test_a_local_file_of_the_installed_version_wins(check):
    result = check(intake=_local_intake("1.0.0"), p=PINNED.replace('version: "==9.0.0"', 'version: "~=1.0"'))
    assert result["p"].diagnostics == [], errors(result["p"])
    assert result["p"].steps["intake"].target.output.field("extra_flag") is not None


def test_a_local_composite_with_a_non_normalised_version(check):
    result = check(intake=_local_intake("2.0.0-1"), p=PINNED.replace('version: "==9.0.0"', 'version: ">=2"'))
    assert result["p"].diagnostics == []


def test_a_composites_output_type_feeds_product_steps(check):
    text = product(IDENTITY_INPUTS, """\
        steps:
          - id: intake
            uses: risk.intake
          - id: elig
            uses: risk.admission.eligibility
            with: {age: steps.intake.age, region_code: steps.intake.region_code}
        decision: [steps.intake.decision, steps.elig.decision]
        """)
    a = check(p=text)["p"]
    output = a.steps["intake"].target.output
    assert output.field("age").describe() == "int?"
    assert output.field("identity_valid").describe() == "bool"
    assert output.field("card_last4").describe() == "string?"
    assert output.field("decision").name == "Decision"
    assert codes(a) == ["J303", "J303"]
    assert "steps.intake.age may be null" in a.diagnostics[0].message
    assert a.steps["intake"].target.required == {"resident_id", "as_of"}  # card_number is optional


def test_an_l3_composite_using_an_l3_composite_is_j206(check):
    text = composite_header("risk.outer") + IDENTITY_INPUTS + textwrap.dedent("""\
        steps:
          - id: intake
            uses: risk.intake
        decision: steps.intake.decision
        """)
    c = check(c=text)["c"]
    d = the(c, "J206")
    assert "L3" in d.message and "risk.intake" in d.message and (d.line, d.column) == where(text, "risk.intake")
    assert check(c2=text.replace("level: 3", "level: 2"))["c2"].diagnostics == []


def test_an_out_of_range_level_does_not_crash_the_five_level_rule(check):
    text = composite_header("risk.outer", level=7) + IDENTITY_INPUTS + textwrap.dedent("""\
        steps:
          - id: kyc
            uses: customer.kyc.person
        decision: steps.kyc.decision
        """)
    c = check(c=text)["c"]
    assert "J103" in codes(c)


@pytest.mark.parametrize("kind", ["[]", "{a: 1}"])
def test_an_unhashable_input_type_is_a_diagnostic(check, kind):
    a = check(p=product(f"""\
        inputs:
          resident_id: {{type: {kind}}}
          as_of: date
        steps:
          - id: kyc
            uses: customer.kyc.person
        decision: steps.kyc.decision
        """))["p"]
    assert "J103" in codes(a)


def _cyclic(cid: str, other: str) -> str:
    return composite_header(cid) + IDENTITY_INPUTS + textwrap.dedent(f"""\
        steps:
          - id: inner
            uses: {other}
        decision: steps.inner.decision
        """)


def test_composites_in_a_cycle_do_not_recurse(check):
    result = check(a=_cyclic("risk.cyc_a", "risk.cyc_b"), b=_cyclic("risk.cyc_b", "risk.cyc_a"))
    assert set(result) == {"a", "b"}  # no RecursionError


def test_composites_in_a_cycle_are_j207(check):
    text_a = _cyclic("risk.cyc_a", "risk.cyc_b")
    result = check(a=text_a, b=_cyclic("risk.cyc_b", "risk.cyc_a"))
    d = the(result["a"], "J207")
    assert "risk.cyc_a" in d.message and "risk.cyc_b" in d.message
    assert (d.line, d.column) == where(text_a, "risk.cyc_b")
    assert "J207" in codes(result["b"])


def test_a_composite_using_itself_is_j207(check):
    assert "J207" in codes(check(a=_cyclic("risk.cyc_self", "risk.cyc_self"))["a"])


# --------------------------------------------------------------------------- other checks, briefly


@pytest.mark.parametrize(
    "body,code",
    [
        ("steps:\n  - {id: kyc, uses: customer.kyc.persn}\ndecision: steps.kyc.decision\n", "J201"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, version: '>=2'}\ndecision: steps.kyc.decision\n", "J202"),
        ("steps:\n  - {id: kyc, uses: customer}\ndecision: steps.kyc.decision\n", "J206"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person}\n  - {id: kyc, uses: customer.kyc.person}\n"
         "decision: steps.kyc.decision\n", "J306"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person}\n", "J601"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, when: 'steps.kyc.valid &&'}\n"
         "decision: steps.kyc.decision\n", "J401"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, when: 'inputs.nope == 1'}\n"
         "decision: steps.kyc.decision\n", "J402"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, when: 'inputs.as_of'}\n"
         "decision: steps.kyc.decision\n", "J403"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, when: 'now() > 1'}\ndecision: steps.kyc.decision\n", "J404"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person, params: {accept_legacy: true}}\n"
         "decision: steps.kyc.decision\n", "J501"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person}\n  - {id: card, uses: customer.kyc.card, "
         "with: {card_number: inputs.resident_id}}\ndecision: steps.kyc.decision\n", "J602"),
        ("  extra: integer\nsteps:\n  - {id: kyc, uses: customer.kyc.person}\ndecision: steps.kyc.decision\n", "J603"),
        ("steps:\n  - {id: kyc, uses: customer.kyc.person}\ndecision: steps.kyc.age\n", "J303"),
    ],
)
def test_each_family_of_checks(check, body, code):
    a = check(p=PRODUCT_HEADER + IDENTITY_INPUTS + body)["p"]
    assert code in codes(a), [f"{d.code} {d.message}" for d in a.diagnostics]
    for d in a.diagnostics:
        assert d.line >= 1 and d.column >= 1


def test_an_expression_finding_is_reported_where_it_stands(check):
    text = product(IDENTITY_INPUTS, """\
        steps:
          - id: kyc
            uses: customer.kyc.person
            when: 'inputs.as_of != null && inputs.nope'
        decision: steps.kyc.decision
        """)
    d = the(check(p=text)["p"], "J402")
    assert (d.line, d.column) == where(text, "nope")  # the unknown field itself


@pytest.mark.parametrize("style", [">-", "|"])
def test_an_expression_finding_in_a_block_scalar_is_reported_where_it_stands(check, style):
    text = product(IDENTITY_INPUTS, f"""\
        steps:
          - id: kyc
            uses: customer.kyc.person
            when: {style}
              inputs.as_of != null &&
              inputs.nope
        decision: steps.kyc.decision
        """)
    d = the(check(p=text)["p"], "J402")
    assert (d.line, d.column) == where(text, "nope")  # the unknown field itself


def test_a_param_out_of_hqs_range_names_it(check):
    text = product("""\
        inputs:
          age: integer
          region_code: string
        steps:
          - id: elig
            uses: risk.admission.eligibility
            params: {min_age: 16, max_age: 55}
        decision: steps.elig.decision
        """)
    d = the(check(p=text)["p"], "J503")
    assert "min_age 16 is below the minimum 18" in d.message and d.hint == "min_age must be within 18..30"
    assert (d.line, d.column) == where(text, "16")


def test_diagnostics_are_sorted_by_position(check):
    a = check(p=product("""\
        inputs:
          extra: integer
        steps:
          - {id: kyc, uses: customer.kyc.persn}
          - {id: card, uses: customer.kyc.cardd}
        """))["p"]
    positions = [(d.line, d.column) for d in a.diagnostics]
    assert positions == sorted(positions) and len(positions) >= 3


def test_a_validator_validates_each_composite_once(catalog, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PRODUCT.read_text(encoding="utf-8"), encoding="utf-8")
    files = [load_file(path), load_file(COMPOSITE)]
    validator = Validator(catalog, files)
    analyses = validator.validate_all(files)
    assert [a.file for a in analyses] == files and all(a.ok for a in analyses)
    assert list(validator._analyses) == [("risk.intake", "1.0.0")]


# --------------------------------------------------------------------------- graphs


def _bundled_analysis(catalog) -> Analysis:
    loaded = load_file(PRODUCT)
    return Validator(catalog, [loaded]).validate_all([loaded])[0]


def test_mermaid_of_the_bundled_product(catalog):
    text = mermaid(_bundled_analysis(catalog))
    assert text.startswith("flowchart LR\n")
    for step in ("n_intake[", "n_eligibility{{", "n_inputs(", "n_result[["):
        assert step in text
    assert "risk.intake 1.0.0 · L3" in text and "risk.admission.eligibility 1.0.0 · L4" in text
    assert "when steps.intake.identity_valid #quot;" not in text  # nothing to escape in this when
    assert "when steps.intake.identity_valid && has(steps.intake.age) && has(steps.intake.region_code)" in text
    assert "n_inputs -->|as_of, card_number, resident_id| n_intake" in text
    assert "n_intake -->|age, region_code| n_eligibility" in text
    assert "n_intake --> n_result" in text and "n_eligibility --> n_result" in text


def test_dot_of_the_bundled_product(catalog):
    text = dot(_bundled_analysis(catalog))
    assert text.startswith('digraph "beijing.haidian.identity_screening" {') and text.rstrip().endswith("}")
    assert '"intake" [label="intake\\nrisk.intake 1.0.0 · L3", shape=box];' in text
    assert "shape=diamond" in text and "when steps.intake.identity_valid && has(steps.intake.age)" in text
    assert '"inputs" -> "intake" [label="as_of, card_number, resident_id"];' in text
    assert '"intake" -> "eligibility" [label="age, region_code"];' in text
    assert '"eligibility" -> "result";' in text


def test_the_step_graph(catalog):
    g = step_graph(_bundled_analysis(catalog))
    assert set(g.nodes) == {"inputs", "result", "intake", "eligibility"}
    assert g.edges["intake", "eligibility"]["fields"] == ["age", "region_code"]
    assert g.nodes["eligibility"]["when"].startswith("steps.intake.identity_valid")


def test_graphs_are_stable_across_runs(catalog):
    first = (mermaid(_bundled_analysis(catalog)), dot(_bundled_analysis(catalog)))
    second = (mermaid(_bundled_analysis(jimu.load_catalog())), dot(_bundled_analysis(jimu.load_catalog())))
    assert first == second


def test_graph_labels_are_escaped(check):
    a = check(p=product("""\
        inputs:
          resident_id: string
          as_of: date
          card_number: string
        steps:
          - id: kyc
            uses: customer.kyc.person
          - id: card
            uses: customer.kyc.card
            when: 'steps.kyc.valid && inputs.card_number != "<x|y>"'
        decision: [steps.kyc.decision, steps.card.decision]
        """))["p"]
    assert a.diagnostics == []
    text = mermaid(a)
    assert "#quot;#lt;x#124;y#gt;#quot;" in text and '"<x|y>"' not in text
    assert '\\"<x|y>\\"' in dot(a)


def test_an_analytics_product_says_decision_none_and_forgetting_is_still_j601(tmp_path):
    from jimu import load_catalog
    from jimu.assembly import validate_paths

    text = """\
kind: product
id: hq.exposure_el
version: 1.0.0
branch: hq
name: Expected loss per exposure
name_zh: 单笔预期损失
owner: hq.finance
inputs: {pd: number, lgd: number, ead: number}
steps:
  - id: el
    uses: mgmt.step.el
decision: none
outputs: {el: steps.el.el}
"""
    catalog = load_catalog()
    ok = tmp_path / "ok.yaml"
    ok.write_text(text, encoding="utf-8")
    forgot = tmp_path / "forgot.yaml"
    forgot.write_text(text.replace("decision: none\n", ""), encoding="utf-8")
    assert [d.code for a in validate_paths([ok], catalog=catalog) for d in a.diagnostics] == []
    assert [d.code for a in validate_paths([forgot], catalog=catalog) for d in a.diagnostics] == ["J601"]
