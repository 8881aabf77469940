"""CEL over columns gives, row for row, what the record closures give: values, nulls and errors.

Rows the column operations cannot vouch for (a null operand, a value of another kind) are
evaluated by the record closure itself, so the two must agree everywhere; hypothesis draws the
columns, nulls and odd kinds included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jimu.expressions import EvaluationError, compile_record, parse
from jimu.runtime.columns import BOOL, DOUBLE, INT, OBJECT, STRING, from_python
from jimu.runtime.vectorise import ColumnEnv, ColumnExpression, StepColumns, source_of

EXPRESSIONS = [
    "inputs.a > 3",
    "inputs.a + 1",
    "inputs.a * inputs.a - 2",
    "inputs.b / 2.0",
    "inputs.b <= 200000.0 && inputs.flag",
    "inputs.flag || inputs.a == 0",
    "!inputs.flag",
    "-inputs.b",
    "has(inputs.a) ? inputs.a : 12",
    "has(inputs.b) && inputs.b > 0.5",
    "inputs.s == 'credit_card' || inputs.s == 'consumer_loan'",
    "inputs.s != 'x'",
    "inputs.s < 'm'",
    "inputs.a == inputs.b",
    "inputs.a != null",
    "steps.x.score >= 600.0 && steps.x.ok",
    "has(steps.x.score) ? steps.x.score : 0.0",
    "steps.x.band == 'A'",
    "inputs.flag ? inputs.s : 'none'",
    "inputs.s + 'x'",
    "size(inputs.s) > 2",
    "inputs.a in [1, 2, 3]",
    "inputs.a - inputs.a / 2",
    "1.0",
    "null",
]

INTS = st.one_of(st.none(), st.integers(-5, 5), st.integers(-(2**63), 2**63 - 1))
DOUBLES = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=True), st.just(0.0), st.just(-0.0))
STRINGS = st.one_of(st.none(), st.sampled_from(["credit_card", "consumer_loan", "x", "A", "zz", ""]))
BOOLS = st.one_of(st.none(), st.booleans())


@st.composite
def environment(draw, n: int):
    inputs = {
        "a": from_python(INT, draw(st.lists(INTS, min_size=n, max_size=n))),
        "b": from_python(DOUBLE, draw(st.lists(DOUBLES, min_size=n, max_size=n))),
        "s": from_python(STRING, draw(st.lists(STRINGS, min_size=n, max_size=n))),
        "flag": from_python(BOOL, draw(st.lists(BOOLS, min_size=n, max_size=n))),
    }
    ran = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    x = StepColumns(ran, {
        "score": from_python(DOUBLE, draw(st.lists(DOUBLES, min_size=n, max_size=n))),
        "ok": from_python(BOOL, draw(st.lists(BOOLS, min_size=n, max_size=n))),
        "band": from_python(STRING, draw(st.lists(STRINGS, min_size=n, max_size=n))),
    })
    return ColumnEnv(n, inputs, {"x": x})


def outcome(fn, env):
    try:
        return ("value", fn(env))
    except EvaluationError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("text", EXPRESSIONS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_columns_agree_with_the_record_closure(text, data):
    n = data.draw(st.integers(1, 12))
    env = data.draw(environment(n))
    record = compile_record(parse(text))
    evaluated = ColumnExpression(text, record).evaluate(env, np.ones(n, bool))
    for i in range(n):
        want = outcome(record, env.row(i))
        got = ("error", str(evaluated.errors[i])) if i in evaluated.errors else ("value", evaluated.col.value(i))
        assert got == want and type(got[1]) is type(want[1]), (text, i, env.row(i), got, want)


def test_plain_paths_and_constants_are_vectorised():
    """No row goes through the record closure for the products' shapes of expression."""
    n = 5
    env = ColumnEnv(n, {"product": from_python(STRING, ["credit_card", None, "mortgage", "x", "consumer_loan"]),
                        "tenor": from_python(INT, [12, None, 36, 1, 2])}, {})

    def refuse(env):
        raise AssertionError("the record closure was called")

    for text in ("inputs.product == 'credit_card' || inputs.product == 'consumer_loan'",
                 "has(inputs.tenor) ? inputs.tenor : 12", "0.0", "inputs.product"):
        evaluated = ColumnExpression(text, refuse).evaluate(env, np.ones(n, bool))
        assert not evaluated.errors
    evaluated = ColumnExpression("has(inputs.tenor) ? inputs.tenor : 12", refuse).evaluate(env, np.ones(n, bool))
    assert [evaluated.col.value(i) for i in range(n)] == [12, 12, 36, 1, 2]


def test_source_of_reads_a_compiled_expression():
    record = compile_record(parse("inputs.a > 1"))
    assert source_of(record) == "inputs.a > 1"
    assert source_of(lambda env: 1) is None


def test_an_object_column_passes_through_a_plain_read():
    env = ColumnEnv(2, {"codes": from_python(OBJECT, [["A"], []])}, {})
    evaluated = ColumnExpression("inputs.codes", compile_record(parse("inputs.codes"))).evaluate(env, np.ones(2, bool))
    assert evaluated.col.value(0) == ["A"] and evaluated.col.value(1) == []
