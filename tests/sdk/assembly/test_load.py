"""Tests for jimu.assembly.load_file: every shape problem a diagnostic at the node it is about.

Positions are found in the test's own text (:func:`where`), so each test says which word the
diagnostic must point at rather than a line number that drifts when the text is edited.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from jimu.assembly import CompositeAssembly, ProductAssembly, load_file
from jimu.contracts import Status
from jimu.diagnostics import CODES, Severity

PRODUCT = """\
# yaml-language-server: $schema=../schema/assembly.schema.json
kind: product
id: beijing.haidian.test_loan
version: 1.0.0
branch: beijing.haidian
name: Test loan
name_zh: 测试贷
owner: beijing.haidian.tech
inputs:
  resident_id: string
  as_of: {type: date, description: the application date}
  card_number: {type: string, optional: true}
steps:
  - id: kyc
    uses: customer.kyc.person
    version: "~=1.1"
    params: {accept_legacy_15: true}
  - id: card
    uses: customer.kyc.card
    when: has(inputs.card_number)
    on_error: skip
decision: steps.kyc.decision
outputs:
  age: steps.kyc.age
"""

COMPOSITE = """\
kind: composite
id: risk.test_intake
version: 1.0.0
level: 3
name: Test intake
name_zh: 测试受理
owner: hq.risk-platform
lifecycle: production
inputs:
  resident_id: string
  as_of: date
steps:
  - id: kyc
    uses: customer.kyc.person
decision: steps.kyc.decision
exposes:
  legacy:
    path: kyc.accept_legacy_15
    minimum: 0
"""


def load(tmp_path: Path, text: str, name: str = "a.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(path)


def where(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th ``needle`` in ``text``."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


def only(loaded):
    assert len(loaded.diagnostics) == 1, [str(d) for d in loaded.diagnostics]
    return loaded.diagnostics[0]


def at(d) -> tuple[int, int]:
    return d.line, d.column


# --------------------------------------------------------------------------- valid files and short forms


def test_a_valid_product(tmp_path):
    loaded = load(tmp_path, PRODUCT)
    assert loaded.diagnostics == []
    model = loaded.model
    assert isinstance(model, ProductAssembly) and loaded.kind == "product"
    assert model.id == "beijing.haidian.test_loan" and model.branch == "beijing.haidian"
    assert [s.id for s in model.steps] == ["kyc", "card"]
    assert sorted(loaded.steps) == [0, 1] and loaded.steps[1].uses == "customer.kyc.card"
    assert loaded.broken_steps == set()
    assert model.steps[0].version == "~=1.1" and model.steps[1].version == ""
    assert model.steps[1].on_error.value == "skip" and model.steps[1].when == "has(inputs.card_number)"
    assert model.steps[0].params == {"accept_legacy_15": True}
    assert model.outputs == {"age": "steps.kyc.age"}
    assert loaded.doc.text == PRODUCT and loaded.raw["kind"] == "product"


def test_short_forms(tmp_path):
    model = load(tmp_path, PRODUCT).model
    assert model.inputs["resident_id"].type == "string" and not model.inputs["resident_id"].optional
    assert model.inputs["as_of"].type == "date" and model.inputs["as_of"].description == "the application date"
    assert model.inputs["card_number"].optional
    assert model.decision == ["steps.kyc.decision"] and model.decisions == ["steps.kyc.decision"]
    listed = load(tmp_path, PRODUCT.replace("decision: steps.kyc.decision", "decision: [steps.kyc.decision, x.y]"))
    assert listed.model.decisions == ["steps.kyc.decision", "x.y"]


def test_a_valid_composite_with_lifecycle_short_form(tmp_path):
    loaded = load(tmp_path, COMPOSITE)
    assert loaded.diagnostics == []
    model = loaded.model
    assert isinstance(model, CompositeAssembly) and model.level == 3
    assert model.lifecycle.status is Status.PRODUCTION
    assert model.exposes["legacy"].path == "kyc.accept_legacy_15" and model.exposes["legacy"].minimum == 0
    long_form = load(tmp_path, COMPOSITE.replace("lifecycle: production", "lifecycle: {status: experimental}"))
    assert long_form.diagnostics == [] and long_form.model.lifecycle.status is Status.EXPERIMENTAL


def test_the_bundled_files_load(tmp_path):
    root = Path(__file__).resolve().parents[3]
    for path in (root / "assemblies/beijing/haidian_identity_screening.yaml",
                 root / "capabilities/jimu_credit/composites/risk_intake.yaml"):
        loaded = load_file(path)
        assert loaded.diagnostics == [] and loaded.model is not None, path


def test_text_overrides_the_file_and_display_names_it(tmp_path):
    loaded = load_file(tmp_path / "not-there.yaml", display="shown.yaml", text=PRODUCT)
    assert loaded.model is not None and loaded.display == "shown.yaml"


# --------------------------------------------------------------------------- pydantic errors, translated


def test_unknown_key_at_the_key_with_did_you_mean(tmp_path):
    text = PRODUCT.replace("    on_error: skip", "    on_eror: skip")
    d = only(load(tmp_path, text))
    assert d.code == "J102" and d.severity is Severity.ERROR
    assert at(d) == where(text, "on_eror")
    assert "on_eror" in d.message and "steps[1]" in d.message
    assert d.hint == "did you mean 'on_error'?"


def test_unknown_top_level_key_lists_the_allowed_ones(tmp_path):
    text = PRODUCT + "zzz: 1\n"
    d = only(load(tmp_path, text))
    assert d.code == "J102" and at(d) == where(text, "zzz")
    assert d.hint.startswith("allowed keys: ") and "branch" in d.hint and "steps" in d.hint


def test_unknown_key_in_an_input_and_an_exposed_param(tmp_path):
    text = PRODUCT.replace("{type: date, description", "{type: date, descripton")
    d = only(load(tmp_path, text))
    assert d.code == "J102" and at(d) == where(text, "descripton") and d.hint == "did you mean 'description'?"
    text = COMPOSITE.replace("    minimum: 0", "    minimun: 0")
    d = only(load(tmp_path, text))
    assert d.code == "J102" and at(d) == where(text, "minimun") and d.hint == "did you mean 'minimum'?"


def test_missing_key_at_the_parent(tmp_path):
    text = PRODUCT.replace("    uses: customer.kyc.card\n", "")
    loaded = load(tmp_path, text)
    d = only(loaded)
    assert d.code == "J104" and "missing key 'uses' in steps[1]" in d.message
    assert at(d) == where(text, "id: card")  # the step's mapping starts at its first key
    assert "uses: customer.kyc.person" in d.hint


def test_missing_top_level_key_at_the_document(tmp_path):
    text = PRODUCT.replace("name_zh: 测试贷\n", "")
    d = only(load(tmp_path, text))
    assert d.code == "J104" and d.message == "missing key 'name_zh'"
    assert at(d) == where(text, "kind:")  # the document's mapping, after the comment line
    assert "name_zh:" in d.hint


def test_missing_type_of_an_input(tmp_path):
    text = PRODUCT.replace("{type: string, optional: true}", "{optional: true}")
    d = only(load(tmp_path, text))
    assert d.code == "J104" and "'type'" in d.message and at(d) == where(text, "{optional")
    assert "integer" in d.hint


@pytest.mark.parametrize(
    "old,new,needle,hint",
    [
        ("    on_error: skip", "    on_error: refuse", "refuse", "did you mean 'refer'?"),
        ("  resident_id: string", "  resident_id: strng", "strng", "did you mean 'string'?"),
        ("{type: date,", "{type: dat,", "dat,", "did you mean 'date'?"),
    ],
)
def test_wrong_enum_with_did_you_mean(tmp_path, old, new, needle, hint):
    text = PRODUCT.replace(old, new)
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, needle) and d.hint == hint
    assert "is not one of" in d.message


def test_wrong_lifecycle_and_level(tmp_path):
    text = COMPOSITE.replace("lifecycle: production", "lifecycle: producton")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "producton") and d.hint == "did you mean 'production'?"
    text = COMPOSITE.replace("level: 3", "level: 5")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "5\n") and "2, 3 or 4" in d.message


def test_deprecated_needs_a_successor(tmp_path):
    text = COMPOSITE.replace("lifecycle: production", "lifecycle: deprecated")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "deprecated") and "successor" in d.message


@pytest.mark.parametrize(
    "old,new,needle,words",
    [
        ("id: beijing.haidian.test_loan", "id: Beijing-Haidian", "Beijing-Haidian", "dotted lower-case id"),
        ("branch: beijing.haidian", "branch: Beijing", "Beijing", "dotted lower-case id"),
        ("  - id: kyc", "  - id: KYC", "KYC", "lower-case name"),
        ("    uses: customer.kyc.card", "    uses: customer kyc", "customer kyc", "dotted lower-case id"),
        ("  card_number: {", "  Card-Number: {", "Card-Number", "lower-case name"),  # a key: at the key
    ],
)
def test_bad_id_patterns(tmp_path, old, new, needle, words):
    text = PRODUCT.replace(old, new)
    d = only(load(tmp_path, text))
    assert d.code == "J103" and words in d.message and at(d) == where(text, needle)
    assert d.hint


def test_bad_version(tmp_path):
    text = PRODUCT.replace("version: 1.0.0", "version: v1")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "v1") and "MAJOR.MINOR.PATCH" in d.message
    assert d.hint == "write e.g. 1.0.0"


def test_a_float_version_says_quote_it(tmp_path):
    text = PRODUCT.replace("version: 1.0.0", "version: 1.0")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "1.0\n")
    assert "expected text, got the number 1.0" in d.message
    assert d.hint == 'quote it: version: "1.0.0"'


def test_a_float_step_version_hint_is_a_valid_specifier(tmp_path):
    text = PRODUCT.replace('version: "~=1.1"', "version: 1.1")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "1.1\n") and d.hint
    suggested = re.search(r'version: "([^"]*)"', d.hint).group(1)
    SpecifierSet(suggested)  # raises InvalidSpecifier for "1.0.0"


def test_a_bad_specifier(tmp_path):
    text = PRODUCT.replace('version: "~=1.1"', 'version: "1.1"')
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, '"1.1"') and "PEP 440" in d.message


@pytest.mark.parametrize(
    "old,new,needle,words",
    [
        ("    params: {accept_legacy_15: true}", "    params: [accept_legacy_15]", "[accept", "a mapping"),
        ("steps:\n", "steps: 3\nx:\n", "3\n", "a list"),
        ("    when: has(inputs.card_number)", "    when: [a]", "[a]", "text"),
        ("  card_number: {type: string, optional: true}", "  card_number: {type: string, optional: maybe}",
         "maybe", "true or false"),
        ("decision: steps.kyc.decision", "decision: {a: 1}", "{a: 1}", "a list"),
    ],
)
def test_wrong_types_in_plain_words(tmp_path, old, new, needle, words):
    text = PRODUCT.replace(old, new)
    loaded = load(tmp_path, text)
    d = loaded.diagnostics[0]
    assert d.code == "J103" and words in d.message and at(d) == where(text, needle), d


def test_a_bound_that_is_not_a_number(tmp_path):
    text = COMPOSITE.replace("    minimum: 0", "    minimum: low")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and d.message == "exposes.legacy.minimum: expected a number, got text 'low'"
    assert at(d) == where(text, "low")


def test_steps_must_not_be_empty(tmp_path):
    text = COMPOSITE.replace("steps:\n  - id: kyc\n    uses: customer.kyc.person\n", "steps: []\n")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and d.message == "steps: an assembly has at least one step" and at(d) == where(text, "[]")


def test_a_step_that_is_not_a_mapping(tmp_path):
    text = PRODUCT.replace("  - id: card\n    uses: customer.kyc.card\n    when: has(inputs.card_number)\n"
                           "    on_error: skip\n", "  - card\n")
    loaded = load(tmp_path, text)
    d = only(loaded)
    assert d.code == "J103" and "steps[1]" in d.message and at(d) == where(text, "card\n")
    assert sorted(loaded.steps) == [0] and loaded.broken_steps == set()


def test_every_error_reported_in_one_pass(tmp_path):
    text = (PRODUCT.replace("version: 1.0.0", "version: 1.0").replace("on_error: skip", "on_error: later")
            .replace("  - id: kyc", "  - id: KYC").replace("owner: beijing.haidian.tech\n", "") + "extra: 1\n")
    loaded = load(tmp_path, text)
    assert sorted(d.code for d in loaded.diagnostics) == ["J102", "J103", "J103", "J103", "J104"]
    assert all(d.file == loaded.display for d in loaded.diagnostics)


def test_a_bad_with_name_is_reported_at_the_key(tmp_path):
    text = PRODUCT.replace("    when: has(inputs.card_number)", "    with: {Card_Number: inputs.card_number}")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "Card_Number") and "[key]" not in d.message


# --------------------------------------------------------------------------- YAML errors and odd files


@pytest.mark.parametrize(
    "text,needle,hint",
    [
        ("kind: product\nname: a: b\n", ": b", "a value containing ': ' needs quotes"),
        ("kind: product\nid: x\nid: y\n", "id: y", "remove one of them; YAML would silently keep only the last"),
        ("kind: product\nsteps:\n\t- id: a\n", "\t", "indent with spaces, not tabs"),
        ("kind: product\nsteps: !!python/object:os.system {}\n", "!!python", "remove the !tag"),
    ],
)
def test_yaml_errors_are_j101_with_a_position(tmp_path, text, needle, hint):
    loaded = load(tmp_path, text)
    d = only(loaded)
    assert d.code == "J101" and d.hint == hint
    assert at(d) == where(text, needle)
    assert loaded.model is None and loaded.raw is None and loaded.steps == {}


def test_keys_1_and_true_are_not_duplicates(tmp_path):
    loaded = load(tmp_path, PRODUCT.replace("inputs:\n", "inputs:\n  1: string\n  true: string\n"))
    assert "J101" not in [d.code for d in loaded.diagnostics]


def test_an_unclosed_flow_sequence(tmp_path):
    d = only(load(tmp_path, "kind: product\nid: [a\n"))
    assert d.code == "J101" and d.message.startswith("YAML syntax:") and d.line >= 2


def test_not_utf8_and_nul(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("kind: product\nname: caf\xe9\n".encode("latin-1"))
    d = only(load_file(path))
    assert d.code == "J101" and "UTF-8" in d.message and at(d) == (2, 10)
    path.write_bytes(b"kind: product\n\x00\n")
    d = only(load_file(path))
    assert d.code == "J101" and "NUL" in d.message and at(d) == (2, 1)


def test_a_missing_file_is_a_diagnostic(tmp_path):
    d = only(load_file(tmp_path / "none.yaml"))
    assert d.code == "J101" and "cannot read" in d.message and at(d) == (1, 1)


@pytest.mark.parametrize("text,what", [("- a\n- b\n", "list"), ("just text\n", "text"), ("", "empty"),
                                       ("# only a comment\n", "empty"), ("42\n", "number")])
def test_a_file_that_is_not_a_mapping(tmp_path, text, what):
    loaded = load(tmp_path, text)
    d = only(loaded)
    assert d.code == "J103" and "an assembly is a mapping" in d.message and what in d.message
    assert at(d) == (1, 1) and loaded.model is None and loaded.kind is None


def test_not_a_mapping_message_reads_well(tmp_path):
    d = only(load(tmp_path, "- a\n"))
    assert "a a " not in d.message


def test_missing_kind(tmp_path):
    text = PRODUCT.replace("kind: product\n", "")
    loaded = load(tmp_path, text)
    d = only(loaded)
    assert d.code == "J104" and d.message == "missing key 'kind'" and "kind: product" in d.hint
    assert loaded.model is None and loaded.raw is not None and loaded.kind is None


def test_unknown_kind(tmp_path):
    text = PRODUCT.replace("kind: product", "kind: prodcut")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, "prodcut") and d.hint == "did you mean 'product'?"
    d = only(load(tmp_path, PRODUCT.replace("kind: product", "kind: 7")))
    assert d.code == "J103" and "7" in d.message


@pytest.mark.parametrize("kind", ["[product]", "{a: 1}"])
def test_an_unhashable_kind(tmp_path, kind):
    text = PRODUCT.replace("kind: product", f"kind: {kind}")
    d = only(load(tmp_path, text))
    assert d.code == "J103" and at(d) == where(text, kind)


def test_a_kind_of_the_other_model_checks_against_it(tmp_path):
    loaded = load(tmp_path, PRODUCT.replace("kind: product", "kind: composite"))
    codes = {(d.code, d.message) for d in loaded.diagnostics}
    assert ("J102", "unknown key 'branch'") in codes and ("J104", "missing key 'level'") in codes


# --------------------------------------------------------------------------- salvaging steps


def test_a_broken_step_leaves_the_others(tmp_path):
    text = PRODUCT.replace("    uses: customer.kyc.card", "    uses: Customer KYC").replace(
        "decision: steps.kyc.decision", "decision: steps.kyc.decision\nwhatever: 1")
    loaded = load(tmp_path, text)
    assert loaded.model is None
    assert sorted(loaded.steps) == [0] and loaded.steps[0].id == "kyc" and loaded.steps[0].uses == "customer.kyc.person"
    assert loaded.broken_steps == {"card"}
    assert sorted(d.code for d in loaded.diagnostics) == ["J102", "J103"]


def test_salvage_keeps_step_indexes(tmp_path):
    text = PRODUCT.replace("  - id: kyc\n", "  - id: first\n    uses: a.b\n    whn: 1\n  - id: kyc\n")
    loaded = load(tmp_path, text)
    assert sorted(loaded.steps) == [1, 2] and loaded.broken_steps == {"first"}
    assert loaded.steps[1].id == "kyc" and loaded.steps[2].id == "card"


def test_a_broken_header_keeps_every_step(tmp_path):
    loaded = load(tmp_path, PRODUCT.replace("branch: beijing.haidian", "branch: 12"))
    assert loaded.model is None and sorted(loaded.steps) == [0, 1] and loaded.broken_steps == set()


def test_a_step_without_an_id_is_not_named_broken(tmp_path):
    loaded = load(tmp_path, PRODUCT.replace("  - id: card\n", "  - uses: customer.kyc.card\n").replace(
        "    uses: customer.kyc.card\n    when", "    when"))
    assert sorted(loaded.steps) == [0] and loaded.broken_steps == set()


# --------------------------------------------------------------------------- every diagnostic is well formed


@pytest.mark.parametrize("text", [
    PRODUCT.replace("kind: product", "kind: prodcut"),
    PRODUCT.replace("    uses: customer.kyc.card", "    uses: 3"),
    PRODUCT.replace("steps:", "stepz:"),
    COMPOSITE.replace("level: 3", "level: x").replace("path: kyc.accept_legacy_15", "path: kyc"),
    textwrap.dedent("""\
        kind: composite
        exposes: {a: {path: 1}, B: 2}
        inputs: {x: {type: [1]}}
    """),
])
def test_diagnostics_have_registered_codes_and_positions(tmp_path, text):
    loaded = load(tmp_path, text)
    assert loaded.diagnostics and loaded.model is None
    for d in loaded.diagnostics:
        assert d.code in CODES and d.line >= 1 and d.column >= 1 and d.message
        assert d.render(loaded.doc.line_text(d.line)).startswith(f"{loaded.display}:{d.line}:{d.column}: error ")
