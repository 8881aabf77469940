"""check_batch_equivalence: a batch form that disagrees with the record form on some input is caught."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import Field

from jimu import ContractModel, Decision, Domain, ReasonCode, capability
from jimu.runtime import batch as engine
from jimu.testing import build_catalog, check_batch_equivalence
from jimu.testing.equivalence import same

HIGH = ReasonCode(code="TOY_X_HIGH", text="x above the ceiling", text_zh="x 高于上限")
WIDE = ReasonCode(code="TOY_X_WIDE", text="x too wide", text_zh="x 过宽")


class X(ContractModel):
    x: float = Field(ge=0, le=1000)
    note: str | None = None


class Factor(ContractModel):
    factor: float = Field(2.0, ge=1, le=3)
    ceiling: float = Field(900, ge=500, le=1000)


class Y(ContractModel):
    y: float
    band: str
    decision: Decision


@capability(id="risk.step.toy_double", version="1.0.0", level=5, name="Double", name_zh="加倍", owner="t",
            reasons=[HIGH, WIDE], examples=[{"input": {"x": 1.5}, "output": {"y": 3.0, "band": "low"}}])
def double(r: X, params: Factor) -> Y:
    high = r.x > params.ceiling
    return Y(y=r.x * params.factor, band="high" if r.x >= 500 else "low",
             decision=Decision.decline("TOY_X_HIGH") if high else Decision.approve())


def _batch(frame: pd.DataFrame, params: Factor, *, cap_y=None, code="TOY_X_HIGH", noise=0.0) -> pd.DataFrame:
    x = frame["x"].to_numpy(float)
    y = x * params.factor * (1 + noise)
    if cap_y is not None:
        y = np.minimum(y, cap_y)  # the planted bug: a ceiling the record form does not have
    high = x > params.ceiling
    reasons = [[code] if h and code else [] for h in high]
    return pd.DataFrame({"y": y, "band": np.where(x >= 500, "high", "low"),
                         "decision.outcome": np.where(high, "decline", "approve"),
                         "decision.reasons": pd.Series(reasons, dtype=object)}, index=frame.index)


CATALOG = build_catalog(Domain(id="risk", name="Risk", name_zh="风险", owner="t"), double)


def with_batch(**bug):
    def batch(frame, params):
        return _batch(frame, params, **bug)

    return double.with_batch(batch)


def test_a_faithful_batch_form_agrees_on_examples_and_generated_frames():
    assert check_batch_equivalence(with_batch(), catalog=CATALOG, max_examples=30) == []


def test_floats_agree_to_a_tolerance():
    cap = with_batch(noise=1e-13)  # a vectorised sum may round in the last places
    assert check_batch_equivalence(cap, [{"x": 3.3}, {"x": 999.1}], catalog=CATALOG) == []
    off = with_batch(noise=1e-6)
    [problem] = check_batch_equivalence(off, [{"x": 3.3}], catalog=CATALOG)
    assert problem.startswith("row 0 y: record form 6.6, batch form 6.600006")


def test_a_batch_form_that_disagrees_on_generated_input_only_is_caught():
    cap = with_batch(cap_y=1400.0)  # right on the example (x=1.5); wrong once x * factor > 1400
    assert check_batch_equivalence(cap, [{"x": 1.5}], catalog=CATALOG) == []
    problems = check_batch_equivalence(cap, catalog=CATALOG, max_examples=50)
    assert len(problems) == 1
    assert problems[0].startswith("risk.step.toy_double@1.0.0 batch form: on generated rows [")
    assert " y: record form " in problems[0] and "batch form 1400.0" in problems[0]


def test_a_decline_for_another_reason_in_the_batch_form_is_caught():
    cap = with_batch(code="TOY_X_WIDE")  # declared and registered, but not why the record form declines
    problems = check_batch_equivalence(cap, [{"x": 950.0}, {"x": 10.0}], catalog=CATALOG)
    assert len(problems) == 1 and problems[0].startswith("row 0 decision: record form ")
    assert "TOY_X_HIGH" in problems[0] and "TOY_X_WIDE" in problems[0]


def test_a_decline_without_a_reason_in_the_batch_form_is_left_to_the_record_form():
    """The engine itself sends such rows to the record form (its column check cannot vouch for
    them), so the batch form's omission never reaches an output: nothing to report."""
    cap = with_batch(code=None)
    assert check_batch_equivalence(cap, [{"x": 950.0}, {"x": 10.0}], catalog=CATALOG) == []


def test_a_batch_form_that_raises_is_reported_not_replaced_by_the_record_form():
    def raising(frame, params):
        raise RuntimeError("vectorised path broken")

    before = engine.STRICT
    problems = check_batch_equivalence(double.with_batch(raising), [{"x": 1.0}], catalog=CATALOG)
    assert problems == ["raised RuntimeError: vectorised path broken"]
    assert engine.STRICT is before  # the switch is put back


def test_a_capability_without_a_batch_form_has_nothing_to_compare():
    with pytest.raises(ValueError, match="no batch form"):
        check_batch_equivalence(double, [{"x": 1.0}], catalog=CATALOG)


@pytest.mark.parametrize(("a", "b", "ok"), [
    (1.0, 1.0 + 1e-12, True), (1.0, 1.001, False), (None, float("nan"), True), ("NaN", None, True),
    (None, 0.0, False), (True, 1, False), ([1.0, "a"], [1.0 + 1e-12, "a"], True), ({"a": 1.0}, {"a": 2.0}, False),
    ("x", "x", True), (1, 1.0, True),
])
def test_same_compares_floats_to_a_tolerance_and_nulls_alike(a, b, ok):
    assert same(a, b) is ok
