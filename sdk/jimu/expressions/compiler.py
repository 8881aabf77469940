"""Record mode: a checked expression compiled into nested Python closures.

A CEL interpreter walks its tree and dispatches on value types at every node of every
evaluation: tens of microseconds per evaluation with a nested ``steps`` dictionary in the Python
packages (cel-python: about 125 µs for ``steps.kyc.valid && inputs.amount <= 200000.0``), too
much for a condition evaluated per applicant per step. Here the tree is walked once, at compile
time, into one closure per node: ``steps.kyc.valid`` becomes a single getter with the keys bound
in, ``x <= 200000.0`` a comparison against a bound constant, and each operator tries the common
case (two ints, two doubles, two strings) before anything else. An evaluation is then a few
Python calls (about 0.3 µs for that condition).

The semantics are CEL's, not Python's: int division truncates toward zero and ``%`` takes the
sign of the dividend (as in Go), ints are 64-bit and overflow is an error, ``int`` and ``double``
do not mix in arithmetic but compare numerically, ``&&`` and ``||`` absorb an error on either
side when the other side decides (``false && <error>`` and ``<error> && false`` are both
false), ``null`` equals only ``null``. Every run-time failure — a missing field, a null operand,
a division by zero, a bad conversion — raises :class:`EvaluationError` naming the sub-expression
that failed; nothing else escapes.

Where Jimu differs from CEL, on purpose: ``has(a.b.c)`` is false (not an error) when ``a.b`` is
absent or null, so that ``has(steps.card.last4)`` tests a step that may have been skipped; a
value read from a field declared ``double`` that arrives as a Python int is taken as a double.

The tree stays typed and positioned because a second compiler will walk it: the column
(vectorised) compiler for batches, which turns the same nodes into operations over whole
columns (pandas/NumPy, later Dask). It needs the checker's types to choose a column operation
without looking at values (an ``int`` column divides with truncation, a ``double`` one does not)
and the positions to report a failing row against the sub-expression at fault, as here.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jimu.expressions import ast
from jimu.expressions.checker import Checked
from jimu.expressions.parser import Expression
from jimu.types import TypeKind

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Evaluator = Callable[[Mapping[str, Any]], Any]


class EvaluationError(Exception):
    """An expression failed on this record; the message names the sub-expression at fault."""

    def __init__(self, message: str, source: str | None = None):
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


def compile_record(expr: Checked | Expression) -> Evaluator:
    """A function evaluating ``expr`` against ``{"inputs": {...}, "steps": {...}}``.

    Give the :class:`Checked` result of a clean check: its types let fields declared ``double``
    accept ints. An :class:`Expression` compiles too, untyped.
    """
    if isinstance(expr, Checked):
        if expr.findings or expr.expression is None:
            raise ValueError("cannot compile an expression with findings; check it first")
        expression, types = expr.expression, expr.types
    else:
        expression, types = expr, {}
    root = _Compiler(expression.text, types).compile(expression.root)
    text = expression.text

    def evaluate(env: Mapping[str, Any]) -> Any:
        try:
            return root(env)
        except EvaluationError:
            raise
        except Exception as exc:  # a safety net: a property raising, naive vs aware datetimes…
            raise EvaluationError(f"{type(exc).__name__}: {exc}", text) from exc

    evaluate.__doc__ = f"Evaluate the CEL expression {text!r} on one record."
    evaluate.source = text  # what it evaluates, for engines that compile it again (the batch engine)
    return evaluate


# -- values -----------------------------------------------------------------------------------

_KINDS: dict[type, str] = {bool: "bool", int: "int", float: "double", str: "string", type(None): "null",
                           list: "list", tuple: "list", dict: "map", dt.datetime: "timestamp", dt.date: "date"}
_NUMBERS = frozenset({"int", "double"})


def kind(value: Any) -> str:
    """The CEL kind of a Python value: ``int``, ``double``, ``string``, ``map``, ``object``…"""
    found = _KINDS.get(type(value))
    if found is not None:
        return found
    if isinstance(value, bool):  # pragma: no cover - bool cannot be subclassed
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return "object"


def _plain(value: Any, k: str) -> Any:
    """An int/float/str subclass (an IntEnum, a str Enum) as the plain value it stands for."""
    if k == "int":
        return int(value)
    if k == "double":
        return float(value)
    if k == "string":
        return str.__str__(value)
    return value


def _a(k: str) -> str:
    return "null" if k == "null" else ("an " if k[0] in "aeiou" else "a ") + k


def equal(a: Any, b: Any) -> bool:
    """CEL's ``==``: across int and double numerically, otherwise only between values of one kind."""
    if a is None or b is None:
        return a is None and b is None
    ka, kb = kind(a), kind(b)
    if ka in _NUMBERS and kb in _NUMBERS:
        return _plain(a, ka) == _plain(b, kb)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ka == "map":
        return len(a) == len(b) and all(k in b and equal(v, b[k]) for k, v in a.items())
    if ka == "string":
        return str.__str__(a) == str.__str__(b)
    return bool(a == b)


def to_int(value: Any) -> int:
    """CEL's ``int()``: from an int, a double (truncated, in range) or a decimal string."""
    k = kind(value)
    if k == "int":
        return int(value)
    if k == "double":
        if math.isnan(value) or value <= -9.223372036854775808e18 or value >= 9.223372036854775808e18:
            raise EvaluationError(f"int() of {value!r} is outside the 64-bit range")
        return int(value)
    if k == "string":
        text = str.__str__(value)
        if re.fullmatch(r"[+-]?[0-9]+", text):
            number = int(text)
            if INT64_MIN <= number <= INT64_MAX:
                return number
            raise EvaluationError(f"int() of '{text}' is outside the 64-bit range")
        raise EvaluationError(f"cannot convert '{text}' to int")
    raise EvaluationError(f"int() cannot convert {_a(k)}")


_DOUBLE_TEXT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.I)


def to_double(value: Any) -> float:
    """CEL's ``double()``: from an int, a double or a decimal string (``1e3``, ``inf`` too)."""
    k = kind(value)
    if k in _NUMBERS:
        return float(value)
    if k == "string":
        text = str.__str__(value)
        if _DOUBLE_TEXT.fullmatch(text):
            number = float(text)
            if not math.isinf(number) or "inf" in text.lower():
                return number
            raise EvaluationError(f"double() of '{text}' is outside the range of a double")
        raise EvaluationError(f"cannot convert '{text}' to double")
    raise EvaluationError(f"double() cannot convert {_a(k)}")


def to_string(value: Any) -> str:
    """CEL's ``string()``; doubles as Go's ``%g`` writes them (``1e+06``, ``0.5``, ``3``)."""
    k = kind(value)
    if k == "string":
        return str.__str__(value)
    if k == "bool":
        return "true" if value else "false"
    if k == "int":
        return str(int(value))
    if k == "double":
        return format_double(float(value))
    if k == "timestamp":
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if k == "date":
        return value.isoformat()
    raise EvaluationError(f"string() cannot convert {_a(k)}")


def format_double(x: float) -> str:
    """A double the way cel-go's ``string()`` writes it: Go's ``%g`` with the shortest digits."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0"
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    exp = point - 1
    if exp < -4 or exp >= 6:  # Go: %e when the exponent is < -4 or >= the precision (6 when shortest)
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise EvaluationError(f"invalid regular expression {pattern!r}: {exc}") from None


_OBJECT_TYPES: set[type] = set()  # classes seen to be read by attribute (pydantic models…)


def _field(obj: Any, name: str) -> Any:
    """``obj.name`` on the fast path: raise KeyError/AttributeError/TypeError, the slow path explains.

    Names starting with ``_`` never get here (see :func:`_getter`): nothing private is readable.
    """
    cls = type(obj)
    if cls in _OBJECT_TYPES:
        return getattr(obj, name)
    if isinstance(obj, Mapping):
        return obj[name]
    if obj is None or kind(obj) != "object":
        raise AttributeError(name)
    if len(_OBJECT_TYPES) < 1024:
        _OBJECT_TYPES.add(cls)
    return getattr(obj, name)


def _walk(env: Mapping[str, Any], names: tuple[str, ...], lenient: bool = False) -> Any:
    """Follow ``names`` from the environment, explaining the first link that fails.

    ``lenient`` (for ``has()``) returns None where a link is missing instead of failing.
    """
    value: Any = env
    for depth, name in enumerate(names):
        where = ".".join(names[:depth])
        if value is None:
            if lenient:
                return None
            raise EvaluationError(f"{where} is null, so it has no field '{name}'", ".".join(names))
        if isinstance(value, Mapping):
            if name not in value:
                if lenient:
                    return None
                if depth == 0:
                    raise EvaluationError(f"'{name}' is not in the environment", ".".join(names))
                raise EvaluationError(f"{where} has no field '{name}'", ".".join(names))
            value = value[name]
        elif kind(value) != "object" or name.startswith("_") or not hasattr(value, name):
            if lenient:
                return None
            what = kind(value)
            detail = f"is {_a(what)} and " if what != "object" else ""
            raise EvaluationError(f"{where} {detail}has no field '{name}'", ".".join(names))
        else:
            value = getattr(value, name)
    return value


def _select(value: Any, name: str, source: str) -> Any:
    """``value.name`` for a value computed by an expression (not a path from the environment)."""
    if value is None:
        raise EvaluationError(f"null has no field '{name}'", source)
    if isinstance(value, Mapping):
        if name in value:
            return value[name]
        raise EvaluationError(f"no field '{name}'", source)
    if kind(value) == "object" and not name.startswith("_") and hasattr(value, name):
        return getattr(value, name)
    raise EvaluationError(f"{_a(kind(value))} has no field '{name}'", source)


# -- arithmetic and comparison, slow paths ----------------------------------------------------

def _overflow(source: str) -> EvaluationError:
    return EvaluationError("integer overflow (CEL ints are 64-bit)", source)


def _check_int(value: int, source: str) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise _overflow(source)


def _int_div(a: int, b: int, source: str) -> int:
    if b == 0:
        raise EvaluationError("division by zero", source)
    if a == INT64_MIN and b == -1:
        raise _overflow(source)
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _int_mod(a: int, b: int, source: str) -> int:
    if b == 0:
        raise EvaluationError("modulus by zero", source)
    if a == INT64_MIN and b == -1:
        raise _overflow(source)
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def _double_div(a: float, b: float) -> float:
    if b == 0.0:  # IEEE 754, as CEL: ±Inf, or NaN for 0/0
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _arith_slow(op: str, a: Any, b: Any, source: str) -> Any:
    ka, kb = kind(a), kind(b)
    if ka == kb == "int":
        a, b = int(a), int(b)
        if op == "/":
            return _int_div(a, b, source)
        if op == "%":
            return _int_mod(a, b, source)
        return _check_int(_ARITH[op](a, b), source)
    if ka == kb == "double" and op != "%":
        a, b = float(a), float(b)
        return _double_div(a, b) if op == "/" else _ARITH[op](a, b)
    if op == "+" and ka == kb == "string":
        return str.__str__(a) + str.__str__(b)
    if op == "+" and ka == kb == "list":
        return [*a, *b]
    if "null" in (ka, kb):
        raise EvaluationError(f"'{op}' on null", source)
    raise EvaluationError(f"'{op}' does not apply to {_a(ka)} and {_a(kb)}", source)


def _order_slow(op: str, a: Any, b: Any, source: str) -> bool:
    ka, kb = kind(a), kind(b)
    if ka in _NUMBERS and kb in _NUMBERS:
        return _ORDER[op](_plain(a, ka), _plain(b, kb))
    if ka == kb and ka in ("string", "bool", "date", "timestamp"):
        return _ORDER[op](_plain(a, ka), _plain(b, kb))
    if "null" in (ka, kb):
        raise EvaluationError(f"'{op}' on null", source)
    raise EvaluationError(f"'{op}' cannot order {_a(ka)} and {_a(kb)}", source)


def _not_bool(value: Any, source: str) -> EvaluationError:
    if value is None:
        return EvaluationError("is null, not a bool", source)
    return EvaluationError(f"is {_a(kind(value))}, not a bool", source)


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_SAME_TYPE_ORDER = frozenset({int, float, str, bool, dt.date, dt.datetime})
_SIMPLE = frozenset({int, float, str, bool})


# -- the compiler -----------------------------------------------------------------------------

class _Compiler:
    def __init__(self, text: str, types: Mapping[tuple[int, int], Any]):
        self.text, self.types = text, types

    def src(self, node: ast.Node) -> str:
        return " ".join(self.text[node.start : node.end].split())

    def compile(self, node: ast.Node) -> Evaluator:
        return getattr(self, "c_" + type(node).__name__)(node)

    # -- leaves -------------------------------------------------------------------------------

    def c_Literal(self, node: ast.Literal) -> Evaluator:
        value = node.value
        return lambda env: value

    def c_ListLit(self, node: ast.ListLit) -> Evaluator:
        if all(isinstance(i, ast.Literal) for i in node.items):
            constant = [i.value for i in node.items]
            return lambda env: list(constant)
        items = [self.compile(i) for i in node.items]
        return lambda env: [item(env) for item in items]

    def c_Ident(self, node: ast.Ident) -> Evaluator:
        return self.path(node, (node.name,))

    def c_Select(self, node: ast.Select) -> Evaluator:
        names = ast.path(node)
        if names is not None:
            return self.path(node, names)
        operand, name, source = self.compile(node.operand), node.field, self.src(node)

        def select(env):
            return _select(operand(env), name, source)

        return select

    def path(self, node: ast.Node, names: tuple[str, ...]) -> Evaluator:
        getter = _getter(names)
        declared = self.types.get((node.start, node.end))
        if declared is not None and declared.kind is TypeKind.DOUBLE:
            def as_double(env):
                value = getter(env)
                return float(value) if type(value) is int else value

            return as_double
        return getter

    def c_Has(self, node: ast.Has) -> Evaluator:
        select = node.select
        name = select.field
        names = ast.path(select)
        if names is not None:
            parent = names[:-1]
            failures = (KeyError, AttributeError, TypeError, IndexError)
            private, private_name = any(n.startswith("_") for n in parent[1:]), name.startswith("_")

            def has_path(env):
                # the path's common case read as _getter reads it (no per-link bookkeeping); a
                # missing link, or a private name, walks slowly to find it absent (None)
                if private:
                    value = _walk(env, parent, lenient=True)
                else:
                    try:
                        value = env
                        for link in parent:
                            value = value[link] if type(value) is dict else _field(value, link)
                    except failures:
                        value = _walk(env, parent, lenient=True)
                if value is None:
                    return False
                if type(value) is dict or isinstance(value, Mapping):
                    return value.get(name) is not None
                if type(value) in _OBJECT_TYPES and not private_name:  # known to be an object: skip kind()
                    return getattr(value, name, None) is not None
                if kind(value) != "object" or name.startswith("_"):
                    return False
                return getattr(value, name, None) is not None

            return has_path
        operand, source = self.compile(select.operand), self.src(select.operand)

        def has(env):
            value = operand(env)
            if value is None:
                return False
            if isinstance(value, Mapping):
                return value.get(name) is not None
            if kind(value) != "object":
                raise EvaluationError(f"has() needs an object or a map, not {_a(kind(value))}", source)
            return not name.startswith("_") and getattr(value, name, None) is not None

        return has

    def c_Index(self, node: ast.Index) -> Evaluator:
        operand, index, source = self.compile(node.operand), self.compile(node.index), self.src(node)

        def item(env):
            value, key = operand(env), index(env)
            if type(value) is list or type(value) is tuple:
                if type(key) is int:
                    if 0 <= key < len(value):
                        return value[key]
                    raise EvaluationError(f"index {key} out of range (size {len(value)})", source)
                raise EvaluationError(f"a list index must be an int, not {_a(kind(key))}", source)
            if isinstance(value, Mapping):
                try:
                    return value[key]
                except (KeyError, TypeError):
                    raise EvaluationError(f"no key {key!r}", source) from None
            raise EvaluationError(f"{_a(kind(value))} cannot be indexed", source)

        return item

    # -- operators ----------------------------------------------------------------------------

    def c_Unary(self, node: ast.Unary) -> Evaluator:
        operand, source = self.compile(node.operand), self.src(node)
        inner = self.src(node.operand)
        if node.op == "!":
            def negate(env):
                value = operand(env)
                if value is True:
                    return False
                if value is False:
                    return True
                raise _not_bool(value, inner)

            return negate

        def minus(env):
            value = operand(env)
            if type(value) is float:
                return -value
            k = kind(value)
            if k == "int":
                return _check_int(-int(value), source)
            if k == "double":
                return -float(value)
            raise EvaluationError(f"'-' needs a number, not {_a(k)}", source)

        return minus

    def c_Conditional(self, node: ast.Conditional) -> Evaluator:
        cond, then, otherwise = (self.compile(n) for n in (node.cond, node.then, node.otherwise))
        source = self.src(node.cond)

        def choose(env):
            value = cond(env)
            if value is True:
                return then(env)
            if value is False:
                return otherwise(env)
            raise _not_bool(value, source)

        return choose

    def c_Binary(self, node: ast.Binary) -> Evaluator:
        op = node.op
        if op in ("&&", "||"):
            return self.logical(node)
        left, source = self.compile(node.left), self.src(node)
        constant = node.right.value if isinstance(node.right, ast.Literal) else None
        right = self.compile(node.right)
        if op in _ORDER:
            compare = _ORDER[op]
            if type(constant) in (int, float):  # x <= 200000.0: the common `when`
                def order_constant(env):
                    a = left(env)
                    if type(a) is int or type(a) is float:
                        return compare(a, constant)
                    return _order_slow(op, a, constant, source)

                return order_constant

            def order(env):
                a, b = left(env), right(env)
                ta, tb = type(a), type(b)
                if (ta is tb and ta in _SAME_TYPE_ORDER) or ((ta is int or ta is float) and (tb is int or tb is float)):
                    return compare(a, b)
                return _order_slow(op, a, b, source)

            return order
        if op in ("==", "!="):
            negated = op == "!="

            def eq(env):
                a, b = left(env), right(env)
                ta = type(a)
                if ta is type(b) and ta in _SIMPLE:
                    return (a != b) if negated else (a == b)
                return equal(a, b) is not negated

            return eq
        if op == "in":
            return self.membership(node, left, right, source)
        return self.arithmetic(op, left, right, source)

    def arithmetic(self, op: str, left: Evaluator, right: Evaluator, source: str) -> Evaluator:
        if op in _ARITH:
            fn = _ARITH[op]

            def arith(env):
                a, b = left(env), right(env)
                ta, tb = type(a), type(b)
                if ta is int and tb is int:
                    value = fn(a, b)
                    if INT64_MIN <= value <= INT64_MAX:
                        return value
                    raise _overflow(source)
                if ta is float and tb is float:
                    return fn(a, b)
                return _arith_slow(op, a, b, source)

            return arith
        if op == "/":
            def divide(env):
                a, b = left(env), right(env)
                ta, tb = type(a), type(b)
                if ta is int and tb is int:
                    return _int_div(a, b, source)
                if ta is float and tb is float:
                    return _double_div(a, b)
                return _arith_slow(op, a, b, source)

            return divide

        def modulo(env):
            a, b = left(env), right(env)
            if type(a) is int and type(b) is int:
                return _int_mod(a, b, source)
            return _arith_slow(op, a, b, source)

        return modulo

    def membership(self, node: ast.Binary, left: Evaluator, right: Evaluator, source: str) -> Evaluator:
        items = node.right.items if isinstance(node.right, ast.ListLit) else None
        if items and all(isinstance(i, ast.Literal) and type(i.value) is str for i in items):
            strings = frozenset(i.value for i in items)  # 'A' in ['A', 'B']: a set lookup

            def in_strings(env):
                a = left(env)
                if type(a) is str:
                    return a in strings
                return any(equal(a, s) for s in strings)

            return in_strings

        def contains(env):
            a, b = left(env), right(env)
            if type(b) is list or type(b) is tuple:
                if type(a) is str:
                    return a in b  # a string equals only strings, as in CEL
                return any(equal(a, x) for x in b)
            if isinstance(b, Mapping):
                try:
                    return a in b
                except TypeError:
                    raise EvaluationError(f"{_a(kind(a))} cannot be a map key", source) from None
            if b is None:
                raise EvaluationError("'in' on null", source)
            raise EvaluationError(f"'in' needs a list or a map, not {_a(kind(b))}", source)

        return contains

    def logical(self, node: ast.Binary) -> Evaluator:
        """``&&`` and ``||`` with CEL's error absorption: the deciding side wins wherever it is."""
        left, right = self.compile(node.left), self.compile(node.right)
        left_src, right_src = self.src(node.left), self.src(node.right)
        decisive = node.op == "||"  # the value that decides: true for ||, false for &&

        def logical(env):
            try:
                a = left(env)
            except EvaluationError as exc:
                a = exc
            if a is decisive:
                return decisive
            try:
                b = right(env)
            except EvaluationError as exc:
                b = exc
            if b is decisive:
                return decisive
            if a is (not decisive) and b is (not decisive):
                return not decisive
            for value, source in ((a, left_src), (b, right_src)):
                if isinstance(value, EvaluationError):
                    raise value
                if value is not (not decisive):
                    raise _not_bool(value, source)
            raise AssertionError("unreachable")  # pragma: no cover

        return logical

    # -- functions ----------------------------------------------------------------------------

    def c_Call(self, node: ast.Call) -> Evaluator:
        name, source = node.function, self.src(node)
        args = [self.compile(a) for a in node.args]
        if node.target is None:
            (arg,) = args if len(args) == 1 else (None,)
            if name == "size" and arg is not None:
                return self._size(arg, source)
            convert = {"int": to_int, "double": to_double, "string": to_string}.get(name)
            if convert is not None and arg is not None:
                def conversion(env):
                    try:
                        return convert(arg(env))
                    except EvaluationError as exc:
                        raise EvaluationError(str(exc), source) from None

                return conversion
            raise ValueError(f"function {name}() is not allowed; check the expression first")
        target = self.compile(node.target)
        if name == "size" and not args:
            return self._size(target, source)
        if name in ("startsWith", "endsWith", "contains", "matches") and len(args) == 1:
            (arg,) = args
            if name == "matches" and isinstance(node.args[0], ast.Literal) and isinstance(node.args[0].value, str):
                pattern = _regex(node.args[0].value)
                find: Callable[[str, str], bool] = lambda s, _p: pattern.search(s) is not None  # noqa: E731
            elif name == "matches":
                find = lambda s, p: _regex(p).search(s) is not None  # noqa: E731
            else:
                find = {"startsWith": str.startswith, "endsWith": str.endswith,
                        "contains": str.__contains__}[name]

            def method(env):
                s, p = target(env), arg(env)
                if isinstance(s, str) and isinstance(p, str):
                    return find(s, p)
                bad = s if not isinstance(s, str) else p
                raise EvaluationError(f".{name}() needs strings, got {_a(kind(bad))}", source)

            return method
        raise ValueError(f"method .{name}() is not allowed; check the expression first")

    @staticmethod
    def _size(operand: Evaluator, source: str) -> Evaluator:
        def size(env):
            value = operand(env)
            if isinstance(value, (str, list, tuple, Mapping)):
                return len(value)
            raise EvaluationError(f"size() needs a string, a list or a map, not {_a(kind(value))}", source)

        return size


def _getter(names: tuple[str, ...]) -> Evaluator:
    """One closure reading a whole path; dict levels are subscripted directly, the rest via
    :func:`_field`; any failure is explained by re-walking the path slowly."""
    failures = (KeyError, AttributeError, TypeError, IndexError)
    if any(name.startswith("_") for name in names[1:]):
        return lambda env: _walk(env, names)
    if len(names) == 1:
        (a,) = names

        def get1(env):
            try:
                return env[a]
            except failures:
                return _walk(env, names)

        return get1
    if len(names) == 2:
        a, b = names

        def get2(env):
            try:
                o = env[a]
                return o[b] if type(o) is dict else _field(o, b)
            except failures:
                return _walk(env, names)

        return get2
    if len(names) == 3:
        a, b, c = names

        def get3(env):
            try:
                o = env[a]
                o = o[b] if type(o) is dict else _field(o, b)
                return o[c] if type(o) is dict else _field(o, c)
            except failures:
                return _walk(env, names)

        return get3
    first, rest = names[0], names[1:]

    def get(env):
        try:
            o = env[first]
            for name in rest:
                o = o[name] if type(o) is dict else _field(o, name)
            return o
        except failures:
            return _walk(env, names)

    return get

