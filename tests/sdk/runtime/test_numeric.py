"""Rounding over arrays is the record forms' rounding, to the last bit (ties and huge values included)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jimu.runtime.numeric import py_round, quantize

FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                   st.integers(-10**9, 10**9).map(lambda k: k / 200),  # exact ties of 2 places
                   st.integers(-10**12, 10**12).map(lambda k: k / 2e6),  # ties of 6 places
                   st.sampled_from([0.0, -0.0, 0.005, 1.005, 2.675, 49999.995, 1e300, 5e-324]))


def same(a: float, b: float) -> bool:
    return (a == b and np.signbit(a) == np.signbit(b)) or (a != a and b != b)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(FLOATS, min_size=1, max_size=50), digits=st.sampled_from([2, 6]))
def test_py_round_is_pythons_round(values, digits):
    got = py_round(np.array(values), digits)
    for v, g in zip(values, got, strict=True):
        assert same(float(g), round(v, digits)), (v, g, round(v, digits))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(FLOATS.filter(lambda v: abs(v) < 1e15), min_size=1, max_size=50), up=st.booleans())
def test_quantize_is_decimal_quantize(values, up):
    got = quantize(np.array(values), up=up)
    mode = ROUND_UP if up else ROUND_DOWN
    for v, g in zip(values, got, strict=True):
        want = float(Decimal(repr(v)).quantize(Decimal("0.01"), rounding=mode))
        assert same(float(g), want), (v, g, want)


def test_nan_stays_nan():
    assert np.isnan(py_round(np.array([np.nan]), 2)[0])
