"""Parsing: the tree and its positions, literals, and J401 findings for everything else."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jimu.expressions import ExpressionError, conjuncts, parse, path
from jimu.expressions import ast
from jimu.expressions.parser import MAX_DEPTH, MAX_LENGTH


def nodes(node):
    yield node
    for child in ast.children(node):
        yield from nodes(child)


def error(text: str):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    return info.value.finding


# -- the tree ---------------------------------------------------------------------------------

def test_a_typical_when_becomes_a_small_tree():
    root = parse("steps.kyc.valid && inputs.amount <= 200000.0").root
    assert isinstance(root, ast.Binary) and root.op == "&&"
    assert path(root.left) == ("steps", "kyc", "valid")
    assert root.right.op == "<=" and root.right.right.value == 200000.0
    assert path(root.right.left) == ("inputs", "amount")


@pytest.mark.parametrize("op", ["*", "/", "%", "+", "-", "<", "<=", ">", ">=", "==", "!=", "in", "&&", "||"])
def test_every_binary_operator(op):
    root = parse(f"a {op} b").root
    assert isinstance(root, ast.Binary) and root.op == op
    assert (root.left.name, root.right.name) == ("a", "b")
    assert root.op_start == 2


def test_precedence_is_cels():
    root = parse("a || b && c == d + e * f").root
    assert root.op == "||" and root.right.op == "&&"
    assert root.right.right.op == "==" and root.right.right.right.op == "+"
    assert root.right.right.right.right.op == "*"
    left_assoc = parse("1 - 2 - 3").root
    assert left_assoc.left.op == "-" and left_assoc.right.value == 3


def test_unary_conditional_call_index_list_has():
    root = parse("!x ? -y : [f(1), z.size(), w[0], has(a.b)]").root
    assert isinstance(root, ast.Conditional)
    x = ast.Ident("x", start=1, end=2, line=1, column=2)
    assert root.cond == ast.Unary("!", x, start=0, end=2, line=1, column=1)
    assert root.then.op == "-" and root.then.operand.name == "y"
    call, method, index, has = root.otherwise.items
    assert (call.function, call.target, [a.value for a in call.args]) == ("f", None, [1])
    assert (method.function, method.target.name, method.args) == ("size", "z", ())
    assert isinstance(index, ast.Index) and index.index.value == 0
    assert isinstance(has, ast.Has) and path(has.select) == ("a", "b")


def test_every_node_knows_its_source_text_and_position():
    text = "steps.kyc.valid\n  && (inputs.amount <= 2e5 || 'VIP' in steps.kyc.reasons)\n  && size(inputs.name) > 0"
    expr = parse(text)
    seen = {expr.source(n) for n in nodes(expr.root)}
    assert {"steps.kyc.valid", "inputs.amount <= 2e5", "'VIP'", "steps.kyc.reasons", "size(inputs.name)",
            "size(inputs.name) > 0", "inputs.amount"} <= seen
    for node in nodes(expr.root):
        before = text[: node.start]
        assert node.line == before.count("\n") + 1
        assert node.column == len(before) - (before.rfind("\n") + 1) + 1
    vip = next(n for n in nodes(expr.root) if isinstance(n, ast.Literal) and n.value == "VIP")
    assert (vip.line, vip.column) == (2, 31)


def test_a_parenthesised_operand_is_its_inside():
    assert parse("(a)").root == ast.Ident("a", start=1, end=2, line=1, column=2)


def test_path_and_conjuncts():
    assert path(parse("steps.kyc.age").root) == ("steps", "kyc", "age")
    assert path(parse("inputs").root) == ("inputs",)
    assert path(parse("steps.kyc.reasons[0]").root) is None
    assert path(parse("f(x).y").root) is None
    parts = conjuncts(parse("a && (b || c) && d.e && has(f.g)").root)
    assert [type(p).__name__ for p in parts] == ["Ident", "Binary", "Select", "Has"]
    assert conjuncts(parse("a || b").root)[0].op == "||"


def test_comments_and_line_breaks():
    root = parse("a // the first\n  && b").root
    assert root.op == "&&" and root.right.line == 2 and root.op_start == 17


# -- literals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0", 0), ("42", 42), ("-7", -7), ("0x1F", 31), ("-0x10", -16),
    ("9223372036854775807", 2**63 - 1), ("-9223372036854775808", -(2**63)),
    ("2.5", 2.5), ("1e3", 1000.0), ("-1.5e-3", -0.0015), (".5", 0.5), ("1.", 1.0),
    ("true", True), ("false", False), ("null", None),
])
def test_number_and_constant_literals(text, value):
    literal = parse(text).root
    assert literal.value == value and type(literal.value) is type(value)


@pytest.mark.parametrize("text, value", [
    ("'plain'", "plain"), ('"double"', "double"), ("''", ""),
    (r"'tab\there'", "tab\there"), (r'"q\"q"', 'q"q'), (r"'q\'q'", "q'q"), (r"'back\\slash'", "back\\slash"),
    (r"'\a\b\f\n\r\t\v'", "\a\b\f\n\r\t\v"), (r"'\?\`'", "?`"),
    (r"'\x41\X42'", "AB"), (r"'\101'", "A"), (r"'\u00e9'", "é"), (r"'\U0001F600'", "😀"),
    (r'"\u4E2D\u6587"', "中文"), ("'中文'", "中文"),
    (r"r'\n\x41'", r"\n\x41"), (r'R"\d+"', r"\d+"),
    ("'''multi\nline'''", "multi\nline"), ('"""say "hi" now"""', 'say "hi" now'),
])
def test_string_literals_in_every_quoting_form(text, value):
    assert parse(text).root.value == value


@pytest.mark.parametrize("text, column, message", [
    (r"'bad \q escape'", 6, r"invalid escape \q"),
    ("'ends with \\'", 12, "invalid escape"),
    (r"'\uD800'", 2, "not a Unicode code point"),
    (r"'\U00110000'", 2, "not a Unicode code point"),
])
def test_bad_escapes(text, column, message):
    finding = error(text)
    assert finding.code == "J401" and finding.column == column and message in finding.message


@pytest.mark.parametrize("text, message, hint", [
    ("9223372036854775808", "outside the 64-bit range", "double"),
    ("1e400", "too large for a double", None),
    ("1u", "unsigned integers (1u) are not in Jimu's CEL subset", "write 1"),
    ("b'abc'", "bytes literals", None),
    ("{'a': 1}", "map literals ({key: value}) are not in Jimu's CEL subset", None),
    ("Decision{band: 'A'}", "message construction", None),
    (".inputs.amount", "a leading dot ('.name') is not in Jimu's CEL subset", None),
    (".size(x)", "leading dot", None),
])
def test_constructs_outside_the_subset(text, message, hint):
    finding = error(text)
    assert finding.code == "J401" and message in finding.message
    assert hint is None or hint in finding.hint


def test_comprehension_macros_parse_as_calls_for_the_checker_to_refuse():
    root = parse("steps.kyc.reasons.exists(r, r == 'X')").root
    assert isinstance(root, ast.Call) and root.function == "exists" and len(root.args) == 2


# -- syntax errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, column, message, hint", [
    ("inputs.amount = 5", 1, 15, "unexpected '='", "write =="),
    ("a and b", 1, 3, "unexpected name 'and'; expected an operator", "write && instead of 'and'"),
    ("a or b", 1, 3, "unexpected name 'or'", "write || instead of 'or'"),
    ("not a", 1, 5, "unexpected name 'a'", "write ! instead of 'not'"),
    ("a & b", 1, 3, "unexpected '&'", "write &&"),
    ("a | b", 1, 3, "unexpected '|'", "write ||"),
    ("a && ", 1, 5, "the expression ends too early; expected an operand", None),
    ("a && && b", 1, 6, "unexpected '&&'; expected an operand", None),
    ("(a || b", 1, 8, "ends too early; expected ')'", None),
    ("size(a", 1, 7, "expected ')' or ','", None),
    ("[1, 2", 1, 6, "expected ',' or ']'", None),
    ("a ? b", 1, 6, "expected ':'", None),
    ("1 2", 1, 3, "unexpected number '2'; expected an operator", None),
    ("'open", 1, 1, "this string is not closed", "end it with '"),
    ("a == 1 #", 1, 8, "unexpected character '#'", None),
    ("a\n  && == b", 2, 6, "unexpected '=='", None),
    ("（inputs.amount > 0）", 1, 1, "full-width character '（'", "'('"),
    ("inputs.amount\u3000> 0", 1, 14, "full-width character", "' '"),
    ("if", 1, 1, "'if' is a reserved word", None),
    ("inputs.package", 1, 8, "'package' is a reserved word", None),
    ("has(inputs)", 1, 1, "has() takes a field selection such as has(steps.card.last4)", None),
    ("has(a.b, c)", 1, 1, "has() takes a field selection", None),
    ("has()", 1, 1, "has() takes a field selection", None),
])
def test_syntax_errors_say_where_and_how_to_fix(text, line, column, message, hint):
    finding = error(text)
    assert finding.code == "J401"
    assert (finding.line, finding.column) == (line, column), finding
    assert message in finding.message, finding.message
    if hint:
        assert finding.hint and hint in finding.hint, finding.hint


def test_python_habits_get_hints():
    # these parse (None, True are names in CEL): the checker reports them, see test_checker
    assert error("a == None and b").hint == "write && instead of 'and'"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "// only a comment"])
def test_empty_text(text):
    finding = error(text)
    assert finding.code == "J401"


def test_length_and_depth_are_capped():
    long = error("a" * (MAX_LENGTH + 1))
    assert long.code == "J401" and "characters long" in long.message
    assert parse("(" * 500 + "1" + ")" * 500).root.value == 1  # parentheses add no level
    deep = error("-(" * 500 + "1" + ")" * 500)
    assert deep.code == "J401" and "nested more than" in deep.message
    ok = "-(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert parse(ok).root.op == "-"
    assert "nested" in error("-(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH).message
    assert "nested" in error(" || ".join(["true"] * (MAX_DEPTH + 2))).message


@pytest.mark.parametrize("text", [
    "(" * 500, ")" * 500, "[" * 900, "!" * 1900 + "x", "-" * 1900 + "1", "a." * 900 + "b",
    "1+" * 900 + "1", "f(" * 600, "{" * 700, "'" * 1999, "a[" * 700 + "0" + "]" * 700,
])
def test_pathological_input_yields_a_finding_not_a_crash(text):
    assert error(text).code == "J401"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_gives_one_j401(text):
    try:
        expr = parse(text)
    except ExpressionError as exc:
        finding = exc.finding
        assert finding.code == "J401" and finding.message
        assert finding.line >= 1 and finding.column >= 1
    else:
        assert expr.text == text


_TOKENS = ["a", "b.c", "1", "2.5", "'s'", "null", "true", "(", ")", "[", "]", ",", "?", ":", "!", "-", "+", "*",
           "/", "%", "<", "<=", "==", "!=", "&&", "||", "in", "has(", "size(", ".size()", " ", "{", "}", "="]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30))
def test_token_soup_parses_or_gives_one_j401(tokens):
    try:
        parse("".join(tokens))
    except ExpressionError as exc:
        assert exc.finding.code == "J401"


def test_the_grammar_is_read_without_importing_celpy():
    code = ("import sys, jimu.expressions as e; e.parse('a && b'); "
            "assert 'celpy' not in sys.modules, 'celpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
