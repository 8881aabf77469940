"""CEL over columns: a parsed expression evaluated for a whole partition at once.

The record compiler (:mod:`jimu.expressions.compiler`) turns an expression into closures run once
per record; here the same tree becomes NumPy operations run once per partition. Only what the
products use is vectorised — field paths, literals, ``has()``, comparisons, ``==``/``!=``,
``&&``/``||``/``!``, ``+ - * /`` on numbers, the ternary — and only for rows whose operands are of
the expected kind and not null. Every other row is marked *unsure*, and the caller evaluates it
with the record closure, so an error or an odd value comes out exactly as the record engine says
it (CEL's semantics stay in one place). An expression with a node not listed falls back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..expressions import EvaluationError, ast, parse
from .columns import BOOL, DATE, DECISION, DOUBLE, INT, OBJECT, STRING, Col, DecisionColumn

NULL = "null"
_NUMBERS = (INT, DOUBLE)
_INT_SAFE = 2.0**62  # int arithmetic past this may overflow 64 bits: the record closure decides


@dataclass
class StepColumns:
    """A step's outputs over a partition: a column per output field, and the rows it ran on."""

    ran: np.ndarray
    fields: dict[str, Col]


@dataclass
class ColumnEnv:
    """The partition as expressions see it: the inputs' columns and the steps' outputs so far."""

    n: int
    inputs: dict[str, Col]
    steps: dict[str, StepColumns]

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as the record engine's environment (for the record closures)."""
        inputs = {name: col.value(i) for name, col in self.inputs.items()}
        steps = {sid: {name: col.value(i) for name, col in s.fields.items()}
                 for sid, s in self.steps.items() if s.ran[i]}
        return {"inputs": inputs, "steps": steps}


@dataclass
class Vec:
    """A vectorised value: ``values`` is trusted where ``unsure`` is false."""

    kind: str
    values: Any  # np.ndarray, or a DecisionColumn
    null: np.ndarray
    unsure: np.ndarray


@dataclass
class Evaluated:
    """An expression's value for the rows asked: a column, and the rows where it failed."""

    col: Col
    errors: dict[int, EvaluationError]


def source_of(getter: Callable[..., Any] | None) -> str | None:
    """The CEL text a plan's compiled getter evaluates (its ``source``), or None when it has none.

    The plan's getters and :func:`jimu.expressions.compile_record` record the text they were
    built from; None makes the caller evaluate row by row with the closure itself.
    """
    source = getattr(getter, "source", None)
    return source if isinstance(source, str) else None


class ColumnExpression:
    """One expression, parsed once, evaluated per partition; ``record`` is its record closure."""

    def __init__(self, text: str | None, record: Callable[[Mapping[str, Any]], Any]):
        self.text, self.record = text, record
        self.root = None
        if text is not None:
            try:
                self.root = parse(text).root
            except Exception:  # noqa: BLE001 - the record closure still evaluates it
                self.root = None

    def evaluate(self, env: ColumnEnv, rows: np.ndarray) -> Evaluated:
        """The value on each row ``rows`` selects; unsure rows through the record closure."""
        n = env.n
        if self.root is None:
            vec = Vec(OBJECT, np.full(n, None, object), np.ones(n, bool), np.ones(n, bool))
        else:
            try:
                vec = _eval(self.root, env)
            except _Unsupported:
                vec = Vec(OBJECT, np.full(n, None, object), np.ones(n, bool), np.ones(n, bool))
        errors: dict[int, EvaluationError] = {}
        redo = np.flatnonzero(rows & vec.unsure)
        if len(redo) == 0:
            return Evaluated(_as_col(vec), errors)
        results: dict[int, Any] = {}
        for i in redo:
            try:
                results[int(i)] = self.record(env.row(int(i)))
            except EvaluationError as exc:
                errors[int(i)] = exc
        return Evaluated(_merge(vec, results), errors)


class _Unsupported(Exception):
    pass


def _as_col(vec: Vec) -> Col:
    if vec.kind == DECISION:
        return Col(DECISION, vec.values)
    values = vec.values
    if vec.kind == NULL:
        return Col(OBJECT, np.full(len(vec.null), None, object))
    if vec.null.any():
        if vec.kind == BOOL:
            values = values.astype(object)
            values[vec.null] = None
        elif vec.kind == INT and values.dtype.kind != "f":
            values = values.astype(float)
            values[vec.null] = np.nan
        elif vec.kind in (STRING, OBJECT):
            values = values.copy()
            values[vec.null] = None
    return Col(vec.kind, values, vec.null)  # the null rows travel with the column: not computed again


def _merge(vec: Vec, results: dict[int, Any]) -> Col:
    """The vectorised column with the rows the record closure evaluated written in."""
    from .columns import from_python

    base = _as_col(vec)
    if vec.kind == DECISION:
        from ..decision import Decision

        if all(v is None or isinstance(v, Decision) for v in results.values()):
            col = base.values
            where = np.zeros(len(col), bool)
            where[list(results)] = True
            col.put(where, DecisionColumn.from_objects([results[i] for i in np.flatnonzero(where).tolist()]))
            return base
    fits = {DOUBLE: lambda v: type(v) is float, INT: lambda v: type(v) is int, BOOL: lambda v: type(v) is bool,
            STRING: lambda v: type(v) is str}.get(base.kind)
    if fits is not None and all(v is None or fits(v) for v in results.values()):
        values = base.values
        if any(v is None for v in results.values()) and values.dtype.kind in "ib":
            values = values.astype(float if base.kind == INT else object)
        else:
            values = values.copy()
        for i, v in results.items():
            values[i] = (np.nan if values.dtype.kind == "f" else None) if v is None else v
        return Col(base.kind, values)
    # mixed kinds (or an unsupported expression): Python values, one per row
    merged = [base.value(i) for i in range(len(base))]
    for i, v in results.items():
        merged[i] = v
    decided = [v for v in merged if v is not None]
    from ..decision import Decision

    if decided and all(isinstance(v, Decision) for v in decided):
        return from_python(DECISION, merged)
    kinds = {type(v) for v in decided}
    kind = {float: DOUBLE, int: INT, bool: BOOL, str: STRING}.get(kinds.pop(), OBJECT) if len(kinds) == 1 else OBJECT
    return from_python(kind, merged)


# -- the tree over columns -----------------------------------------------------------------------


def _const(value: Any, n: int) -> Vec:
    none = np.zeros(n, bool)
    if value is None:
        return Vec(NULL, np.full(n, None, object), np.ones(n, bool), none)
    if type(value) is bool:
        return Vec(BOOL, np.full(n, value), none, none)
    if type(value) is int:
        return Vec(INT, np.full(n, value, np.int64), none, none.copy() if abs(value) < _INT_SAFE else ~none)
    if type(value) is float:
        return Vec(DOUBLE, np.full(n, value), none, none)
    if type(value) is str:
        return Vec(STRING, np.full(n, value, object), none, none)
    raise _Unsupported


def _col_vec(col: Col, n: int, ran: np.ndarray | None = None) -> Vec:
    unsure = np.zeros(n, bool) if ran is None else ~ran
    if col.kind == DECISION:
        return Vec(DECISION, col.values, col.isnull(), unsure)
    # an object column (lists, models) passes through a plain read; every operator refuses it
    return Vec(col.kind, col.values, col.isnull(), unsure)


def _path(names: tuple[str, ...], env: ColumnEnv) -> Vec:
    n = env.n
    if names[0] == "inputs" and len(names) == 2 and names[1] in env.inputs:
        return _col_vec(env.inputs[names[1]], n)
    if names[0] == "steps" and len(names) >= 3:
        step = env.steps.get(names[1])
        if step is None:
            raise _Unsupported  # a step not run here: every row's read fails, as the record closure says
        col = step.fields.get(names[2])
        if col is None:
            raise _Unsupported
        vec = _col_vec(col, n, step.ran)
        if len(names) == 3:
            return vec
        if len(names) == 4 and col.kind == DECISION and names[3] in ("outcome", "reasons"):
            d: DecisionColumn = col.values
            values = d.outcome if names[3] == "outcome" else d.reasons
            kind = STRING if names[3] == "outcome" else OBJECT
            unsure = vec.unsure | vec.null
            if kind == OBJECT:
                unsure = unsure | True
            return Vec(kind, values, np.zeros(n, bool), unsure)
    raise _Unsupported


def _eval(node: ast.Node, env: ColumnEnv) -> Vec:
    n = env.n
    if isinstance(node, ast.Literal):
        return _const(node.value, n)
    names = ast.path(node) if isinstance(node, (ast.Select, ast.Ident)) else None
    if names is not None:
        return _path(names, env)
    if isinstance(node, ast.Has):
        return _has(node, env)
    if isinstance(node, ast.Unary):
        return _unary(node, env)
    if isinstance(node, ast.Binary):
        if node.op in ("&&", "||"):
            return _logical(node, env)
        left, right = _eval(node.left, env), _eval(node.right, env)
        if node.op in ("<", "<=", ">", ">="):
            return _order(node.op, left, right, n)
        if node.op in ("==", "!="):
            return _equal(node.op == "!=", left, right, n)
        if node.op in ("+", "-", "*", "/"):
            return _arith(node.op, left, right, n)
        raise _Unsupported
    if isinstance(node, ast.Conditional):
        return _choose(node, env)
    raise _Unsupported


def _has(node: ast.Has, env: ColumnEnv) -> Vec:
    names = ast.path(node.select)
    n = env.n
    none = np.zeros(n, bool)
    if names is None:
        raise _Unsupported
    if names[0] == "inputs" and len(names) == 2:
        col = env.inputs.get(names[1])
        present = np.zeros(n, bool) if col is None else ~col.isnull()
        return Vec(BOOL, present, none, none)
    if names[0] == "steps" and len(names) == 3:
        step = env.steps.get(names[1])
        if step is None:
            return Vec(BOOL, np.zeros(n, bool), none, none)
        col = step.fields.get(names[2])
        present = np.zeros(n, bool) if col is None else step.ran & ~col.isnull()
        return Vec(BOOL, present, none, none)
    raise _Unsupported


def _bools(v: Vec) -> tuple[np.ndarray, np.ndarray]:
    """Rows certainly true and certainly false."""
    if v.kind != BOOL:
        none = np.zeros(len(v.null), bool)
        return none, none
    sure = ~v.unsure & ~v.null
    values = v.values.astype(bool) if v.values.dtype == object else v.values
    if v.values.dtype == object:
        values = np.where(sure, v.values, False).astype(bool)
    return sure & values, sure & ~values


def _logical(node: ast.Binary, env: ColumnEnv) -> Vec:
    a, b = _eval(node.left, env), _eval(node.right, env)
    at, af = _bools(a)
    bt, bf = _bools(b)
    n = env.n
    if node.op == "&&":
        false = af | bf
        true = at & bt
    else:
        true = at | bt
        false = af & bf
    return Vec(BOOL, true, np.zeros(n, bool), ~(true | false))


def _unary(node: ast.Unary, env: ColumnEnv) -> Vec:
    v = _eval(node.operand, env)
    if node.op == "!":
        t, f = _bools(v)
        return Vec(BOOL, f, np.zeros(env.n, bool), ~(t | f))
    if v.kind == DOUBLE:
        return Vec(DOUBLE, -v.values, v.null, v.unsure | v.null)
    if v.kind == INT:
        with np.errstate(invalid="ignore"):
            big = ~(np.abs(_floats(v)) < _INT_SAFE)
        skip = v.unsure | v.null | big
        return Vec(INT, -_ints(v, skip), v.null, skip)
    raise _Unsupported


_ORDER = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _order(op: str, a: Vec, b: Vec, n: int) -> Vec:
    unsure = a.unsure | b.unsure | a.null | b.null  # null operands are an error: the closure says which
    if a.kind in _NUMBERS and b.kind in _NUMBERS:
        with np.errstate(invalid="ignore"):
            result = _ORDER[op](_floats(a), _floats(b))
        big = _big(a) | _big(b)
        return Vec(BOOL, result, np.zeros(n, bool), unsure | big)
    if a.kind == b.kind and a.kind in (STRING, DATE):
        if a.kind == STRING:
            sure = ~unsure
            result = np.zeros(n, bool)
            idx = np.flatnonzero(sure)
            if len(idx):
                result[idx] = _ORDER[op](a.values[idx].astype(str), b.values[idx].astype(str))
            return Vec(BOOL, result, np.zeros(n, bool), unsure)
        with np.errstate(invalid="ignore"):
            result = _ORDER[op](a.values, b.values)
        return Vec(BOOL, result, np.zeros(n, bool), unsure)
    raise _Unsupported


def _floats(v: Vec) -> np.ndarray:
    """The values as doubles (an int column may be object when it holds nulls and huge ints)."""
    if v.values.dtype == object:
        return np.array([np.nan if x is None else float(x) for x in v.values], dtype=float)
    return v.values.astype(float)


def _ints(v: Vec, skip: np.ndarray) -> np.ndarray:
    """The values as int64, exactly, with the rows ``skip`` selects as 0."""
    if v.values.dtype == object:
        return np.array([0 if s or x is None else int(x) for x, s in zip(v.values, skip, strict=True)], np.int64)
    return np.where(skip, 0, v.values).astype(np.int64)


def _big(v: Vec) -> np.ndarray:
    """Ints beyond 2**53 compare inexactly as floats: left to the record closure."""
    if v.kind != INT:
        return np.zeros(len(v.null), bool)
    with np.errstate(invalid="ignore"):
        return ~(np.abs(_floats(v)) < 2.0**53) & ~v.null


def _equal(negated: bool, a: Vec, b: Vec, n: int) -> Vec:
    unsure = a.unsure | b.unsure
    both_null = a.null & b.null
    one_null = a.null ^ b.null
    if a.kind == NULL or b.kind == NULL:
        other = b if a.kind == NULL else a
        if other.kind in (OBJECT, DECISION):
            raise _Unsupported
        result = other.null.copy()
    elif a.kind in _NUMBERS and b.kind in _NUMBERS:
        with np.errstate(invalid="ignore"):
            result = _floats(a) == _floats(b)
        unsure = unsure | _big(a) | _big(b)
        result = np.where(both_null, True, np.where(one_null, False, result))
    elif a.kind == b.kind and a.kind in (STRING, BOOL, DATE):
        result = np.asarray(a.values == b.values, dtype=bool)
        result = np.where(both_null, True, np.where(one_null, False, result))
    elif {a.kind, b.kind} <= {STRING, BOOL, DATE, INT, DOUBLE}:
        result = both_null.copy()  # values of different kinds are never equal in CEL
    else:
        raise _Unsupported
    if negated:
        result = ~result
    return Vec(BOOL, result, np.zeros(n, bool), unsure)


def _arith(op: str, a: Vec, b: Vec, n: int) -> Vec:
    unsure = a.unsure | b.unsure | a.null | b.null
    if a.kind == b.kind == DOUBLE:
        with np.errstate(all="ignore"):
            result = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[op](a.values, b.values)
        return Vec(DOUBLE, result, np.zeros(n, bool), unsure)
    if a.kind == b.kind == INT and op != "/":
        with np.errstate(all="ignore"):
            x, y = _floats(a), _floats(b)
            approx = {"+": np.add, "-": np.subtract, "*": np.multiply}[op](x, y)
            big = ~(np.abs(approx) < _INT_SAFE) | _big(a) | _big(b)
            skip = unsure | big
            result = {"+": np.add, "-": np.subtract, "*": np.multiply}[op](_ints(a, skip), _ints(b, skip))
        return Vec(INT, result, np.zeros(n, bool), unsure | big)
    raise _Unsupported


def _choose(node: ast.Conditional, env: ColumnEnv) -> Vec:
    cond = _eval(node.cond, env)
    then, other = _eval(node.then, env), _eval(node.otherwise, env)
    t, f = _bools(cond)
    n = env.n
    if then.kind != other.kind:
        if then.kind == NULL or other.kind == NULL:
            kind = other.kind if then.kind == NULL else then.kind
            if kind in (DECISION,):
                raise _Unsupported
            then, other = _like(then, kind, n), _like(other, kind, n)
        else:
            raise _Unsupported
    if then.kind == DECISION:
        raise _Unsupported
    values = np.where(t, then.values, other.values)
    if then.kind == INT and values.dtype.kind == "f":
        pass
    null = np.where(t, then.null, other.null)
    unsure = ~(t | f) | (t & then.unsure) | (f & other.unsure)
    return Vec(then.kind, values, null, unsure)


def _like(v: Vec, kind: str, n: int) -> Vec:
    """A null constant as a column of ``kind``."""
    if v.kind != NULL:
        return v
    if kind in (DOUBLE, INT):
        return Vec(kind, np.full(n, np.nan), np.ones(n, bool), v.unsure)
    if kind == DATE:
        return Vec(kind, np.full(n, np.datetime64("NaT"), "datetime64[s]"), np.ones(n, bool), v.unsure)
    return Vec(kind, np.full(n, None, object), np.ones(n, bool), v.unsure)
