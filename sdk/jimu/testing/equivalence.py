"""Record/batch equivalence: a capability's batch form must give its record form's answers.

:func:`jimu.runtime.batch.compare_forms` runs both forms through the batch engine's own paths
(input columns checked, outputs checked against the contract) and lists every disagreement;
here it runs on the worked examples and on hypothesis-generated rows and params, with the
engine's ``STRICT`` switch on, so a batch form that raises is reported rather than silently
replaced by the record form. Floats agree to a tolerance (a vectorised sum may round
differently), and NaN and None both mean "missing".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ..capability import Capability

#: floats agree when within this relative (or, near zero, absolute) tolerance
REL_TOL = 1e-9
ABS_TOL = 1e-9
MAX_ROWS = 20  # rows per generated frame


def check_batch_equivalence(
    cap: Capability,
    records: Sequence[Mapping[str, Any]] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    catalog: Any = None,
    resources: Mapping[str, object] | None = None,
    max_examples: int = 50,
) -> list[str]:
    """Every disagreement between ``cap``'s batch and record forms (empty: they agree).

    Given ``records``, the two forms run on those rows (with ``params``); without, on the worked
    examples' inputs (each example with its own params) and then on ``max_examples`` generated
    frames of up to 20 rows, with generated params. A capability without a batch form has nothing
    to compare: that is a ``ValueError``, as in ``compare_forms``.
    """
    if cap.batch is None:
        raise ValueError(f"{cap.key} has no batch form")
    if records is not None:
        return _compare(cap, list(records), dict(params or {}), catalog, resources)
    problems: list[str] = []
    for number, example in enumerate(cap.examples, 1):
        found = _compare(cap, [example.input], example.params, catalog, resources)
        problems += [f"example {number}: {p}" for p in found]
    if max_examples > 0:
        problems += _generated(cap, catalog, resources, max_examples)
    return [f"{cap.key} batch form: {p}" for p in problems]


def _generated(cap: Capability, catalog: Any, resources: Any, max_examples: int) -> list[str]:
    from hypothesis import strategies as st

    from .generated import Found, drive
    from .strategies import inputs_strategy, params_strategy

    def test(rows: list[dict[str, Any]], params: dict[str, Any]) -> None:
        found = _compare(cap, rows, params, catalog, resources)
        if found:
            raise Found(f"on generated rows {rows!r} with params {params!r}: {found[0]}")

    strategies = {"rows": st.lists(inputs_strategy(cap), min_size=1, max_size=MAX_ROWS),
                  "params": params_strategy(cap)}
    return drive(test, strategies, max_examples, f"{cap.key} batch form")


def _compare(cap: Capability, rows: list[Mapping[str, Any]], params: Mapping[str, Any], catalog: Any,
             resources: Any) -> list[str]:
    from ..runtime import batch as engine

    with _strict(engine):
        try:
            mismatches = engine.compare_forms(cap, [dict(r) for r in rows], dict(params), catalog, resources)
        except Exception as exc:  # noqa: BLE001 - the batch form raised (STRICT): that is the finding
            return [f"raised {type(exc).__name__}: {exc}"]
    return [
        f"row {m.row} {m.field}: record form {m.record!r}, batch form {m.batch!r}"
        for m in mismatches if not same(m.record, m.batch)
    ]


@contextmanager
def _strict(engine: Any):
    """The engine's STRICT switch on for the comparison (a module global: restored after)."""
    before, engine.STRICT = engine.STRICT, True
    try:
        yield
    finally:
        engine.STRICT = before


def same(a: Any, b: Any) -> bool:
    """Whether two output values agree: floats to a tolerance, NaN and None alike, containers deeply."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return all(same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


def _missing(value: Any) -> bool:
    return value is None or value == "NaN" or (isinstance(value, float) and value != value)


__all__ = ["check_batch_equivalence", "same"]
