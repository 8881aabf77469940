"""Static checking against declared inputs and step outputs: J402, J403, J404, and references."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from jimu.diagnostics import CODES
from jimu.expressions import Reference, check, parse
from jimu.types import BOOL, DATE, DOUBLE, INT, STRING, TypeKind, VType, from_model


class KycResult(BaseModel):
    valid: bool
    age: int
    reasons: list[str]
    name: str


class CardResult(BaseModel):
    last4: str | None = None
    issuer: str


class Score(BaseModel):
    band: Literal["A", "B", "C"]
    points: float
    details: dict


class Steps(BaseModel):
    kyc: KycResult
    card: CardResult | None = None  # a step that may be skipped
    score: Score


class Inputs(BaseModel):
    amount: float
    term: int
    name: str
    applied_on: dt.date
    vip: bool
    referrer: str | None = None


SCOPE = VType(TypeKind.OBJECT, fields=(("inputs", from_model(Inputs)), ("steps", from_model(Steps))))


def ok(text: str) -> VType:
    checked = check(text, SCOPE)
    assert checked.findings == [], checked.findings
    return checked.type


def findings(text: str):
    checked = check(text, SCOPE)
    assert checked.type is None
    return checked.findings


def only(text: str):
    (finding,) = findings(text)
    return finding


# -- well-typed expressions -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("steps.kyc.valid && inputs.amount <= 200000.0", "bool"),
    ("has(steps.card.last4)", "bool"),
    ("'KYC_RIC_CHECKSUM' in steps.kyc.reasons", "bool"),
    ("steps.score.band == 'A' ? 1 : 2", "int"),
    ("inputs.amount * 0.3", "double"),
    ("inputs.term * 12 / 2 % 5 - 1", "int"),
    ("inputs.amount > inputs.term", "bool"),  # int and double compare, as in CEL
    ("inputs.term == 12.0", "bool"),
    ("inputs.name + ' ' + steps.kyc.name", "string"),
    ("steps.kyc.reasons + ['X']", "list<string>"),
    ("size(steps.kyc.reasons) + inputs.name.size()", "int"),
    ("inputs.name.startsWith('Zh') || inputs.name.endsWith('ang') || inputs.name.contains('a')", "bool"),
    ("inputs.name.matches('^[A-Z][a-z]+$')", "bool"),
    ("int(inputs.amount) + int('12') + int(3)", "int"),
    ("double(inputs.term) + double('1.5') + inputs.amount", "double"),
    ("string(inputs.term) + string(inputs.amount) + string(inputs.vip) + string(inputs.applied_on)", "string"),
    ("inputs.applied_on < inputs.applied_on", "bool"),
    ("!inputs.vip && -inputs.term < 0 && -inputs.amount < 0.0", "bool"),
    ("inputs.referrer == null || inputs.referrer != ''", "bool"),
    ("steps.card.last4", "string?"),
    ("steps.card", "CardResult?"),
    ("steps.kyc.reasons[0]", "string"),
    ("steps.score.details.anything", "dyn?"),
    ("steps.score.details['key']", "dyn?"),
    ("inputs.vip ? 'A' : steps.score.band", "string"),
    ("inputs.vip ? null : 1", "int?"),
    ("[1, 2, inputs.term]", "list<int>"),
    ("[]", "list<dyn?>"),
    ("inputs.term in [6, 12, 24]", "bool"),
    ("steps.score.band in ['A', 'B']", "bool"),
    ("'x' in steps.score.details", "bool"),
    ("null", "null"),
    ("'text'", "string"),
])
def test_types_of_well_typed_expressions(text, expected):
    assert ok(text).describe() == expected


def test_literal_strings_carry_their_value_for_enum_targets():
    assert ok("inputs.vip ? 'A' : 'B'").values == ("A", "B")
    target = VType(TypeKind.STRING, values=("A", "B", "C"))
    assert ok("inputs.vip ? 'A' : 'B'").assignable_to(target)
    assert not ok("inputs.vip ? 'A' : 'Z'").assignable_to(target)


def test_every_node_gets_a_type():
    checked = check("inputs.term + 1 > 2 && has(steps.card.last4)", SCOPE)
    expr = checked.expression
    assert checked.type_of(expr.root) == BOOL
    assert checked.type_of(expr.root.left.left) == INT
    assert checked.type_of(expr.root.left.left.left) == INT  # inputs.term
    assert checked.type_of(expr.root.left.left.left.operand).kind is TypeKind.OBJECT  # inputs


# -- references -------------------------------------------------------------------------------

def test_references_are_full_paths_with_positions():
    checked = check("has(steps.card.last4) && steps.card.last4 == '1234'\n  || inputs.amount > 0.0", SCOPE)
    assert checked.references == [
        Reference(("steps", "card", "last4"), 4, 20, 1, 5, presence_test=True),
        Reference(("steps", "card", "last4"), 25, 41, 1, 26),
        Reference(("inputs", "amount"), 57, 70, 2, 6),
    ]


def test_references_stop_where_the_chain_does():
    checked = check("steps.kyc.reasons[0].size() > 0 && steps.kyc.reasons.size() > 1", SCOPE)
    assert [r.path for r in checked.references] == [("steps", "kyc", "reasons")] * 2


def test_unknown_paths_are_referenced_too():
    checked = check("steps.kyc.agee > 1", SCOPE)
    assert [r.path for r in checked.references] == [("steps", "kyc", "agee")]


# -- J402: unknown names ----------------------------------------------------------------------

@pytest.mark.parametrize("text, column, message, hint", [
    ("step.kyc.valid", 1, "unknown name 'step'", "did you mean 'steps'?"),
    ("foo", 1, "unknown name 'foo'", "names available: inputs, steps"),
    ("steps.kycc.valid", 7, "'steps.kycc' does not exist: steps has no field 'kycc'", "did you mean 'kyc'?"),
    ("steps.kyc.agee > 1", 11, "'steps.kyc.agee' does not exist: steps.kyc has no field 'agee'",
     "did you mean 'age'?"),
    ("steps.kyc.zzz", 11, "steps.kyc has no field 'zzz'", "steps.kyc has: valid, age, reasons, name"),
    ("inputs.term.value", 13, "inputs.term is an int and has no field 'value'", None),
    ("has(steps.card.lst4)", 16, "steps.card has no field 'lst4'", "did you mean 'last4'?"),
    ("x == None", 6, "unknown name 'None'", "write null"),
    ("inputs.vip == True", 15, "unknown name 'True'", "write true"),
    ("steps.kyc.reasons[0].code", 22, "a string and has no field 'code'", None),
])
def test_unknown_names(text, column, message, hint):
    finding = [f for f in findings(text) if message in f.message][0]
    assert finding.code == "J402" and finding.line == 1 and finding.column == column
    assert finding.hint == hint


def test_an_unknown_name_does_not_cascade():
    # the unknown field is dyn: no type error from `+ 1`, `> 2.0` or `&&`; one J402 per mention
    found = findings("steps.kyc.agee + 1.5 > 2 && steps.kyc.agee.whatever")
    assert [(f.code, f.column) for f in found] == [("J402", 11), ("J402", 39)]


# -- J403: types ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, column, message, hint", [
    ("1 + 2.0", 3, "'+' mixes int and double", "write 1.0"),
    ("inputs.term + inputs.amount", 13, "'+' mixes int and double", "use double(inputs.term)"),
    ("inputs.amount * 2", 15, "'*' mixes int and double", "write 2.0"),
    ("inputs.term % 2.0", 13, "'%' applies to ints only", None),
    ("inputs.amount % 2.0", 15, "'%' applies to ints only", None),
    ("inputs.name + 1", 13, "'+' does not apply to a string and an int", "use string(x)"),
    ("inputs.name - 'a'", 13, "'-' does not apply to a string and a string", None),
    ("inputs.vip + 1", 12, "'+' does not apply to a bool and an int", None),
    ("null + 1", 6, "'+' does not apply to null and an int", None),
    ("inputs.name == 1", 13, "'==' compares a string with an int", "int(inputs.name)"),
    ("inputs.term != '12'", 13, "'!=' compares an int with a string", "without quotes: 12"),
    ("inputs.vip == 'true'", 12, "compares a bool with a string", "true or false without quotes"),
    ("inputs.name < 5", 13, "'<' cannot order a string and an int", None),
    ("inputs.vip > false", 12, "'>' cannot order a bool and a bool", None),
    ("inputs.applied_on < '2024-01-01'", 19, "cannot order a date and a string", None),
    ("steps.score.band == 'Z'", 21, "'Z' is not a value steps.score.band can take ('A', 'B', 'C')", None),
    ("steps.score.band != 'a'", 21, "'a' is not a value", "did you mean 'A'?"),
    ("1 in steps.kyc.reasons", 3, "an int is never in a list<string>", None),
    ("'a' in inputs.name", 5, "'in' needs a list on its right; inputs.name is a string", "s.contains(x)"),
    ("1 in steps.score.details", 3, "'in' on a map tests its string keys", None),
    ("inputs.term && true", 1, "'&&' needs bool operands; inputs.term is an int", "inputs.term > 0"),
    ("true || inputs.name", 9, "'||' needs bool operands; inputs.name is a string", "!= ''"),
    ("steps.card && true", 1, "steps.card is a CardResult?", "has(steps.card)"),
    ("!inputs.term", 1, "'!' needs a bool", None),
    ("-inputs.name", 1, "'-' needs a number", None),
    ("inputs.term ? 1 : 2", 1, "the condition of '?:' must be a bool", None),
    ("inputs.vip ? 1 : 2.0", 18, "the branches of '?:' have different types: int and double", "write 1.0"),
    ("inputs.vip ? inputs.term : 'x'", 28, "different types: int and string", None),
    ("steps.kyc.reasons['a']", 19, "a list index must be an int", None),
    ("steps.score.details[1]", 21, "a map key must be a string", None),
    ("inputs.name[0]", 1, "inputs.name is a string and cannot be indexed", None),
    ("size(inputs.term)", 6, "size() applies to a string or a list", None),
    ("size(1, 2)", 1, "size() takes 1 argument, got 2", None),
    ("inputs.name.size(1)", 13, ".size() takes 0 arguments, got 1", None),
    ("inputs.name.startsWith()", 13, ".startsWith() takes 1 argument, got 0", None),
    ("inputs.term.startsWith('1')", 1, ".startsWith() applies to a string; inputs.term is an int", None),
    ("steps.kyc.reasons.contains('X')", 1, ".contains() applies to a string", "'x in list'"),
    ("inputs.name.endsWith(1)", 22, ".endsWith() takes a string", None),
    ("inputs.name.matches('[a-')", 21, "invalid regular expression", None),
    ("int(inputs.vip)", 5, "int() cannot convert a bool", None),
    ("double(steps.kyc.reasons)", 8, "double() cannot convert a list<string>", None),
    ("string(steps.kyc)", 8, "string() cannot convert a KycResult", None),
    ("int('12a')", 5, "cannot convert '12a' to int", None),
    ("double('x')", 8, "cannot convert 'x' to double", None),
])
def test_type_errors(text, column, message, hint):
    finding = only(text)
    assert finding.code == "J403", finding
    assert message in finding.message, finding.message
    assert (finding.line, finding.column) == (1, column), finding
    if hint:
        assert finding.hint and hint in finding.hint, finding.hint


def test_nullable_operands_are_accepted_statically():
    assert ok("steps.card.last4 + 'x'").describe() == "string"
    assert ok("steps.card.last4.startsWith('6')") == BOOL
    assert ok("inputs.referrer == inputs.name") == BOOL


# -- J404: functions --------------------------------------------------------------------------

@pytest.mark.parametrize("text, column, message, hint", [
    ("steps.kyc.reasons.exists(r, r == 'X')", 19, "'exists' is a comprehension macro", "'X' in list"),
    ("steps.kyc.reasons.all(r, r != '')", 19, "'all' is a comprehension macro", None),
    ("steps.kyc.reasons.exists_one(r, r == 'X')", 19, "'exists_one'", None),
    ("steps.kyc.reasons.map(r, r + 'x').size() > 0", 19, "'map'", None),
    ("steps.kyc.reasons.filter(r, r == 'X').size() > 0", 19, "'filter'", None),
    ("timestamp('2024-01-01T00:00:00Z')", 1, "function 'timestamp' is not allowed", "allowed: has(a.b), size(x)"),
    ("type(inputs.term) == 'int'", 1, "function 'type' is not allowed", None),
    ("inputs.name.lowerAscii()", 13, "method 'lowerAscii' is not allowed", "allowed:"),
    ("inputs.name.startswith('Z')", 13, "method 'startswith' is not allowed", "did you mean startsWith?"),
    ("sise(inputs.name)", 1, "function 'sise' is not allowed", "did you mean size?"),
    ("startsWith(inputs.name, 'Z')", 1, "startsWith is a method: write x.startsWith(…)", None),
    ("inputs.amount.int()", 15, "int is a function: write int(x)", None),
])
def test_functions_outside_the_subset(text, column, message, hint):
    finding = only(text)
    assert finding.code == "J404", finding
    assert message in finding.message and (finding.line, finding.column) == (1, column), finding
    if hint:
        assert hint in finding.hint


def test_the_arguments_of_a_refused_function_are_still_checked():
    codes = [f.code for f in findings("lower(steps.kyc.nam)")]
    assert codes == ["J404", "J402"]


# -- the whole pass ---------------------------------------------------------------------------

def test_all_findings_in_one_pass_in_source_order():
    found = findings("steps.kyc.agee > 1 && inputs.name + 1 == 'x'\n  || foo(inputs.term) && inputs.amount + 1 > 0.0")
    assert [(f.code, f.line) for f in found] == [("J402", 1), ("J403", 1), ("J404", 2), ("J403", 2)]


def test_every_expression_code_is_registered():
    assert {f.code for f in findings("a + b.exists(x, x) + (1 + 2.0)")} | {check("a =", SCOPE).findings[0].code} \
        == {"J401", "J402", "J403", "J404"}
    assert {"J401", "J402", "J403", "J404"} <= set(CODES)


def test_text_with_a_syntax_error_comes_back_as_a_finding():
    checked = check("inputs.amount = 5", SCOPE)
    assert checked.expression is None and checked.type is None and checked.references == []
    assert [(f.code, f.line, f.column) for f in checked.findings] == [("J401", 1, 15)]


def test_a_parsed_expression_may_be_checked_against_several_scopes():
    expr = parse("inputs.term > 0")
    assert check(expr, SCOPE).ok
    narrow = VType(TypeKind.OBJECT, fields=(("inputs", VType(TypeKind.OBJECT, fields=(("amount", DOUBLE),))),))
    assert check(expr, narrow).findings[0].code == "J402"


def test_the_scope_must_be_an_object():
    with pytest.raises(TypeError):
        check("1", STRING)


def test_dates_and_strings_are_their_own_types():
    assert ok("inputs.applied_on == inputs.applied_on") == BOOL
    assert only("inputs.applied_on == 'x'").code == "J403"
    assert DATE.kind is TypeKind.DATE


_TOKENS = ["inputs", "steps", ".", "kyc", "age", "term", "amount", "name", "reasons", "card", "last4", "(", ")",
           "[", "]", ",", "?", ":", "!", "-", "+", "*", "/", "%", "<", "==", "&&", "||", " in ", "has(", "size(",
           ".size()", ".startsWith(", "int(", "1", "2.5", "'A'", "null", "true", " ", "exists(", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25))
def test_checking_token_soup_never_raises(tokens):
    checked = check("".join(tokens), SCOPE)
    assert all(f.code in ("J401", "J402", "J403", "J404") for f in checked.findings)
    assert (checked.type is None) == bool(checked.findings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_checking_arbitrary_text_never_raises(text):
    checked = check(text, SCOPE)
    assert all(f.line >= 1 and f.column >= 1 for f in checked.findings)


def test_checking_deep_and_long_input_never_raises():
    for text in ["(" * 500, "-(" * 500 + "1" + ")" * 500, "!" * 99 + "inputs.vip", "inputs.term" + " + 1" * 98,
                 " && ".join(["inputs.vip"] * 100)]:
        checked = check(text, SCOPE)
        assert checked.findings == [] or checked.findings[0].code == "J401"


# -- the reference page -----------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[3] / "docs" / "reference" / "expressions.md"


def _doc_table(page: str, heading: str) -> list[list[str]]:
    section = page.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| J")]
    return [[cell.strip().replace("\\|", "|") for cell in row] for row in rows]


def test_the_documented_findings_are_what_the_checker_reports():
    rows = _doc_table(DOCS.read_text(encoding="utf-8"), "Problems validation reports")
    assert {row[0] for row in rows} == {"J401", "J402", "J403", "J404"}
    for code, example, message in rows:
        finding = check(example.strip("`"), SCOPE).findings[0]
        said, _, hint = message.partition("; hint: ")
        assert finding.code == code and said in finding.message, (example, finding)
        assert not hint or hint in (finding.hint or ""), (example, finding)


def test_the_documented_examples_parse():
    import yaml

    page = DOCS.read_text(encoding="utf-8")
    texts = []
    for block in (b.split("```", 1)[0] for b in page.split("```yaml\n")[1:]):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#") and not line.endswith(":"):
                value = yaml.safe_load(line.partition(":")[2])
                texts += list(value.values()) if isinstance(value, dict) else [value]
    assert len(texts) == 12
    for text in texts:
        parse(text)


def test_has_guarded_conditional_is_not_nullable():
    from jimu.expressions import check
    from jimu.types import INT, TypeKind, VType

    scope = VType(TypeKind.OBJECT, fields=(("inputs", VType(TypeKind.OBJECT, fields=(("n", INT.with_nullable()),))),))
    assert check("has(inputs.n) ? inputs.n : 12", scope).type == INT
    assert check("true ? inputs.n : 12", scope).type.nullable
