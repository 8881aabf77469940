"""Rounding over arrays exactly as the record forms round one number, for batch forms.

A batch form must give the record form's answers to the last bit, and the obvious NumPy
spellings do not: ``np.round(x, 6)`` scales, rounds half to even and scales back, while Python's
``round(x, 6)`` rounds the double's exact decimal value; ``np.floor(x * 100) / 100`` is not
``Decimal(repr(x)).quantize(Decimal("0.01"), ROUND_DOWN)``. They differ only where the scaled
value lies within a hair of a rounding boundary, so these helpers use NumPy everywhere else and
the record form's own Python expression on those few values.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

import numpy as np

_NEAR = 1e-6  # scaled values this close to a boundary are rounded the record form's way


def py_round(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(v, digits)`` for every element (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        out = np.rint(scaled) / scale
        fraction = np.abs(scaled - np.floor(scaled) - 0.5)
        tricky = (fraction < _NEAR) | ~(np.abs(scaled) < 2.0**52)
    tricky &= ~np.isnan(values)
    for i in np.flatnonzero(tricky):
        out[i] = round(float(values[i]), digits)
    out[np.isnan(values)] = np.nan
    return out


def quantize(values: np.ndarray, *, up: bool, places: int = 2) -> np.ndarray:
    """``float(Decimal(repr(v)).quantize(10**-places, ROUND_UP or ROUND_DOWN))`` for every element:
    toward zero (``up`` false) or away from it, as money is rounded to the fen."""
    values = np.asarray(values, dtype=float)
    scale = 10.0**places
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        whole = np.trunc(scaled)
        away = whole + np.sign(scaled) * (scaled != whole)
        out = (away if up else whole) / scale
        nearest = np.rint(scaled)
        # a value already on the grid (the double nearest k/100, whose repr is k/100) stays as it is
        on_grid = (nearest / scale == values) & (np.abs(scaled) < 1e15)
        out = np.where(on_grid, values, out)
        tricky = ((np.abs(scaled - nearest) < _NEAR * np.maximum(1.0, np.abs(scaled) * 1e-9)) & ~on_grid) \
            | ~(np.abs(scaled) < 2.0**52)
    tricky &= np.isfinite(values)
    step = Decimal(1).scaleb(-places)
    mode = ROUND_UP if up else ROUND_DOWN
    for i in np.flatnonzero(tricky):
        out[i] = float(Decimal(repr(float(values[i]))).quantize(step, rounding=mode))
    return out
