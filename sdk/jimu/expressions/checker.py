"""Static checking: every name an expression reads exists, every operator fits its operands.

Neither Python CEL package type-checks, and a typo in a `when` would otherwise surface as a
failed loan application at run time. The checker walks the tree once against a scope — an
object type whose fields are the roots an expression may read (``inputs``, ``steps``) — and
reports every problem it finds (J402 unknown name, J403 types, J404 function), not just the
first. An operand already at fault becomes ``dyn``, which fits everything, so one mistake is
reported once rather than again by every operator above it.

The rules are CEL's: ``int`` and ``double`` do not mix in arithmetic (``1 + 2.0`` is an error
in CEL, so it is one here, with the fix in the hint), but may be compared. Nullable values are
accepted as operands — a ``null`` at run time is an evaluation error, and ``has()`` is how an
expression guards against it. What type a ``when`` must have is its caller's business.

The checker also returns every field path the expression reads (``references``) so that the
validator can order steps and check that outputs of a step that may be skipped are guarded, and
the type of every node (``types``) for the compilers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from jimu import diagnostics
from jimu.expressions import ast
from jimu.expressions.parser import Expression, ExpressionError, Finding, parse, position
from jimu.types import BOOL, DOUBLE, DYN, INT, NULL, STRING, TypeKind, VType, list_of

K = TypeKind
UNKNOWN, TYPE, FUNCTION = (diagnostics.EXPR_UNKNOWN_NAME.code, diagnostics.EXPR_TYPE.code,
                           diagnostics.EXPR_FUNCTION.code)

#: Global functions and their argument counts; methods and theirs (the target not counted).
FUNCTIONS = {"size": 1, "int": 1, "double": 1, "string": 1}
METHODS = {"size": 0, "startsWith": 1, "endsWith": 1, "contains": 1, "matches": 1}
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
ALLOWED = ("has(a.b), size(x), int(x), double(x), string(x), and the methods x.size(), "
           "x.startsWith(s), x.endsWith(s), x.contains(s), x.matches(re)")
_ORDERED = (K.INT, K.DOUBLE, K.STRING, K.DATE, K.TIMESTAMP)
_SCALAR = (K.STRING, K.INT, K.DOUBLE, K.BOOL, K.DATE, K.TIMESTAMP)


@dataclass(frozen=True)
class Reference:
    """A field path the expression reads, e.g. ``("steps", "kyc", "age")``, and where.

    ``presence_test`` is true for the argument of ``has()``: the path is tested, not read.
    """

    path: tuple[str, ...]
    start: int
    end: int
    line: int
    column: int
    presence_test: bool = False


@dataclass
class Checked:
    """The outcome of :func:`check`.

    ``type`` is the expression's type, or None when it has findings. ``types`` holds the type of
    every node, by its ``(start, end)`` span (unique within one tree).
    """

    expression: Expression | None
    type: VType | None
    findings: list[Finding] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    types: dict[tuple[int, int], VType] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.findings

    def type_of(self, node: ast.Node) -> VType | None:
        return self.types.get((node.start, node.end))


def check(expr: Expression | str, scope: VType) -> Checked:
    """Check ``expr`` against the roots in ``scope`` (an object type); never raises for text.

    Text is parsed first; a parse error comes back as the one finding of the result.
    """
    if scope.kind is not K.OBJECT:
        raise TypeError(f"the scope of an expression is an object type, not {scope.describe()}")
    if isinstance(expr, str):
        try:
            expr = parse(expr)
        except ExpressionError as exc:
            return Checked(None, None, [exc.finding])
    checker = _Checker(expr, scope)
    result = checker.visit(expr.root)
    findings = sorted(checker.findings, key=lambda f: (f.line, f.column))
    return Checked(expr, None if findings else result, findings, checker.references, checker.types)


class _Checker:
    def __init__(self, expr: Expression, scope: VType):
        self.expr, self.text, self.scope = expr, expr.text, scope
        self.findings: list[Finding] = []
        self.references: list[Reference] = []
        self.types: dict[tuple[int, int], VType] = {}

    # -- helpers ------------------------------------------------------------------------------

    def report(self, code: str, where: ast.Node | int, message: str, hint: str | None = None) -> None:
        if isinstance(where, int):
            line, column = position(self.text, where)
        else:
            line, column = where.line, where.column
        self.findings.append(Finding(code, message, line, column, hint))

    def src(self, node: ast.Node) -> str:
        return " ".join(self.text[node.start : node.end].split())

    def visit(self, node: ast.Node) -> VType:
        method = getattr(self, "visit_" + type(node).__name__)
        result = method(node)
        self.types[(node.start, node.end)] = result
        return result

    # -- leaves and paths ---------------------------------------------------------------------

    def visit_Literal(self, node: ast.Literal) -> VType:
        value = node.value
        if value is None:
            return NULL
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int):
            return INT
        if isinstance(value, float):
            return DOUBLE
        return VType(K.STRING, values=(value,))

    def visit_Ident(self, node: ast.Ident) -> VType:
        return self.chain(node, (node.name,))

    def visit_Select(self, node: ast.Select) -> VType:
        names = ast.path(node)
        if names is not None:
            return self.chain(node, names)
        return self.select(node, self.visit(node.operand), self.src(node.operand))

    def chain(self, node: ast.Node, names: tuple[str, ...], presence_test: bool = False) -> VType:
        """Resolve ``steps.kyc.age`` level by level; record the path as one reference."""
        self.references.append(Reference(names, node.start, node.end, node.line, node.column, presence_test))
        links: list[ast.Node] = []  # the chain's nodes, root first
        walk: ast.Node = node
        while isinstance(walk, ast.Select):
            links.append(walk)
            walk = walk.operand
        links.append(walk)
        links.reverse()
        current = self.scope
        for depth, (name, link) in enumerate(zip(names, links)):
            if depth == 0:
                found = self.scope.field(name)
                if found is None:
                    self.unknown_root(link, name)
                    current = DYN
                else:
                    current = found
            else:
                current = self.select(link, current, ".".join(names[:depth]), names[: depth + 1])
            self.types[(link.start, link.end)] = current
        return current

    def unknown_root(self, node: ast.Node, name: str) -> None:
        fixes = {"None": "null", "True": "true", "False": "false", "nil": "null", "NULL": "null"}
        if name in fixes:
            hint = f"write {fixes[name]}"
        else:
            hint = _suggest(name, self.scope.field_names, "names available")
        self.report(UNKNOWN, node, f"unknown name '{name}'", hint)

    def select(self, node: ast.Node, operand: VType, shown: str, full: tuple[str, ...] | None = None) -> VType:
        """The type of field ``node.field`` of a value of type ``operand`` (``shown`` in messages)."""
        name = node.field
        if operand.kind in (K.DYN, K.MAP):
            return DYN
        if operand.kind is K.OBJECT:
            found = operand.field(name)
            if found is not None:
                return found.with_nullable(found.nullable or operand.nullable)
            where = f"'{'.'.join(full)}' does not exist: " if full else ""
            self.report(UNKNOWN, node.end - len(name), f"{where}{shown} has no field '{name}'",
                        _suggest(name, operand.field_names, f"{shown} has"))
            return DYN
        self.report(UNKNOWN, node.end - len(name), f"{shown} is {_a(operand)} and has no field '{name}'")
        return DYN

    def visit_Has(self, node: ast.Has) -> VType:
        select = node.select
        names = ast.path(select)
        if names is not None:
            self.chain(select, names, presence_test=True)
        else:
            operand = self.visit(select.operand)
            self.types[(select.start, select.end)] = self.select(select, operand, self.src(select.operand))
        return BOOL

    def visit_Index(self, node: ast.Index) -> VType:
        operand, index = self.visit(node.operand), self.visit(node.index)
        if operand.kind is K.LIST:
            if index.kind not in (K.INT, K.DYN):
                self.report(TYPE, node.index, f"a list index must be an int, not {index}")
            element = operand.element or DYN
            return element.with_nullable(element.nullable or operand.nullable) if element.kind is not K.DYN else DYN
        if operand.kind is K.MAP:
            if index.kind not in (K.STRING, K.DYN):
                self.report(TYPE, node.index, f"a map key must be a string here, not {index}")
            return DYN
        if operand.kind is K.DYN:
            return DYN
        self.report(TYPE, node, f"{self.src(node.operand)} is {_a(operand)} and cannot be indexed",
                    "only lists and maps can be indexed")
        return DYN

    def visit_ListLit(self, node: ast.ListLit) -> VType:
        types = [self.visit(item) for item in node.items]
        element: VType | None = types[0] if types else DYN
        for other in types[1:]:
            element = _common(element, other) if element is not None else None
        return list_of(element or DYN)

    # -- operators ----------------------------------------------------------------------------

    def visit_Unary(self, node: ast.Unary) -> VType:
        operand = self.visit(node.operand)
        if node.op == "!":
            if operand.kind not in (K.BOOL, K.DYN):
                self.report(TYPE, node, f"'!' needs a bool; {self.src(node.operand)} is {_a(operand)}",
                            _truth_hint(operand, self.src(node.operand)))
            return BOOL
        if operand.kind in (K.INT, K.DOUBLE):
            return operand.with_nullable(False)
        if operand.kind is not K.DYN:
            self.report(TYPE, node, f"'-' needs a number; {self.src(node.operand)} is {_a(operand)}")
        return DYN

    def visit_Binary(self, node: ast.Binary) -> VType:
        left, right = self.visit(node.left), self.visit(node.right)
        op = node.op
        if op in ("&&", "||"):
            for side, t in ((node.left, left), (node.right, right)):
                if t.kind not in (K.BOOL, K.DYN):
                    self.report(TYPE, side, f"'{op}' needs bool operands; {self.src(side)} is {_a(t)}",
                                _truth_hint(t, self.src(side)))
            return BOOL
        if op in ("==", "!="):
            if not _comparable(left, right):
                self.report(TYPE, node.op_start,
                            f"'{op}' compares {_a(left)} with {_a(right)}: CEL never finds them equal",
                            _convert_hint(node, left, right, self.src))
            else:
                self.enum_values(node, left, right)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if not _orderable(left, right):
                self.report(TYPE, node.op_start, f"'{op}' cannot order {_a(left)} and {_a(right)}",
                            _convert_hint(node, left, right, self.src))
            return BOOL
        if op == "in":
            return self.membership(node, left, right)
        return self.arithmetic(node, left, right)

    def arithmetic(self, node: ast.Binary, left: VType, right: VType) -> VType:
        op, lk, rk = node.op, left.kind, right.kind
        allowed = {K.INT, K.DOUBLE} if op != "%" else {K.INT}
        if op == "+":
            allowed |= {K.STRING, K.LIST}
        if lk is K.DYN or rk is K.DYN:
            other = right if lk is K.DYN else left
            if other.kind is K.DYN:
                return DYN
            if other.kind in allowed:
                return other.with_nullable(False) if other.kind is not K.STRING else STRING
        elif lk is rk and lk in allowed:
            if lk is K.LIST:
                return list_of(_common(left.element or DYN, right.element or DYN) or DYN)
            return STRING if lk is K.STRING else left.with_nullable(False)
        if op == "%" and K.DOUBLE in (lk, rk) and {lk, rk} <= {K.INT, K.DOUBLE}:
            self.report(TYPE, node.op_start, "'%' applies to ints only, not double",
                        "use int(x) on both sides if you need a remainder")
        elif {lk, rk} == {K.INT, K.DOUBLE}:
            int_side = node.left if lk is K.INT else node.right
            if isinstance(int_side, ast.Literal):
                fix = f"write {int_side.value}.0"
            else:
                fix = f"use double({self.src(int_side)})"
            self.report(TYPE, node.op_start, f"'{op}' mixes int and double: CEL does not convert between them",
                        f"{fix} to make both sides double")
        else:
            hint = None
            if op == "+" and K.STRING in (lk, rk):
                hint = "use string(x) to turn a value into text"
            self.report(TYPE, node.op_start, f"'{op}' does not apply to {_a(left)} and {_a(right)}", hint)
        return DYN

    def membership(self, node: ast.Binary, left: VType, right: VType) -> VType:
        if right.kind is K.LIST:
            element = right.element or DYN
            if not _comparable(left, element):
                self.report(TYPE, node.op_start,
                            f"{_a(left)} is never in {_a(right)}: the element types differ")
        elif right.kind is K.MAP:
            if left.kind not in (K.STRING, K.DYN, K.NULL):
                self.report(TYPE, node.op_start, f"'in' on a map tests its string keys, not {_a(left)}")
        elif right.kind is not K.DYN:
            self.report(TYPE, node.op_start,
                        f"'in' needs a list on its right; {self.src(node.right)} is {_a(right)}",
                        "for text, use s.contains(x)" if right.kind is K.STRING else None)
        return BOOL

    def enum_values(self, node: ast.Binary, left: VType, right: VType) -> None:
        """``steps.score.band == 'Z'`` when band is one of 'A', 'B', 'C': always false, surely a typo.

        Only for declared fields (a path): the values of a computed string are no declaration.
        """
        for lit, other, other_node in ((node.right, left, node.left), (node.left, right, node.right)):
            if isinstance(lit, ast.Literal) and isinstance(lit.value, str) and other.values \
                    and lit.value not in other.values and ast.path(other_node) is not None:
                allowed = ", ".join(repr(v) for v in other.values)
                self.report(TYPE, lit, f"{lit.value!r} is not a value {self.src(other_node)} can take ({allowed})",
                            _suggest(lit.value, list(other.values), "its values are"))

    def visit_Conditional(self, node: ast.Conditional) -> VType:
        cond = self.visit(node.cond)
        then, otherwise = self.visit(node.then), self.visit(node.otherwise)
        if cond.kind not in (K.BOOL, K.DYN):
            self.report(TYPE, node.cond, f"the condition of '?:' must be a bool; {self.src(node.cond)} is {_a(cond)}",
                        _truth_hint(cond, self.src(node.cond)))
        guarded = ast.path(node.cond.select) if isinstance(node.cond, ast.Has) else None
        if guarded is not None and ast.path(node.then) == guarded and then.nullable:
            then = then.with_nullable(False)  # has(x) ? x : default — x is not null where it is taken
        common = _common(then, otherwise)
        if common is None:
            hint = "CEL does not convert between them"
            if {then.kind, otherwise.kind} == {K.INT, K.DOUBLE}:
                int_side = node.then if then.kind is K.INT else node.otherwise
                hint = (f"write {int_side.value}.0" if isinstance(int_side, ast.Literal)
                        else f"use double({self.src(int_side)})") + " so both branches are double"
            self.report(TYPE, node.otherwise,
                        f"the branches of '?:' have different types: {then} and {otherwise}", hint)
            return DYN
        return common

    # -- functions ----------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> VType:
        name, target, args = node.function, node.target, node.args
        where: ast.Node | int = node if target is None else max(self.text.find(name, target.end), node.start)
        if name in MACROS:
            if target is not None:
                self.visit(target)
            self.report(FUNCTION, where, f"'{name}' is a comprehension macro, which is not in Jimu's CEL subset",
                        "test the values you need (e.g. 'X' in list), or compute it in a step")
            return BOOL if name in ("all", "exists", "exists_one") else DYN
        target_type = self.visit(target) if target is not None else None
        arg_types = [self.visit(a) for a in args]
        table = FUNCTIONS if target is None else METHODS
        if name not in table:
            if target is None and name in METHODS:
                self.report(FUNCTION, where, f"{name} is a method: write x.{name}(…)", f"allowed: {ALLOWED}")
            elif target is not None and name in FUNCTIONS:
                self.report(FUNCTION, where, f"{name} is a function: write {name}(x)", f"allowed: {ALLOWED}")
            else:
                kind = "function" if target is None else "method"
                close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}?" if close else f"allowed: {ALLOWED}"
                self.report(FUNCTION, where, f"{kind} '{name}' is not allowed in Jimu expressions", hint)
            return DYN
        result = {"size": INT, "int": INT, "double": DOUBLE, "string": STRING}.get(name, BOOL)
        if len(args) != table[name]:
            shown = f"{name}()" if target is None else f".{name}()"
            count = table[name]
            self.report(TYPE, where, f"{shown} takes {count} argument{'s' if count != 1 else ''}, got {len(args)}")
            return result
        if name == "size":
            operand, shown = (arg_types[0], args[0]) if target is None else (target_type, target)
            if operand.kind not in (K.STRING, K.LIST, K.MAP, K.DYN):
                self.report(TYPE, shown, f"size() applies to a string or a list; {self.src(shown)} is {_a(operand)}")
        elif target is not None:  # startsWith, endsWith, contains, matches: string methods
            if target_type.kind not in (K.STRING, K.DYN):
                for_list = name == "contains" and target_type.kind is K.LIST
                self.report(TYPE, target, f".{name}() applies to a string; {self.src(target)} is {_a(target_type)}",
                            "for a list, use 'x in list'" if for_list else None)
            if arg_types[0].kind not in (K.STRING, K.DYN):
                self.report(TYPE, args[0], f".{name}() takes a string; {self.src(args[0])} is {_a(arg_types[0])}")
            elif name == "matches" and isinstance(args[0], ast.Literal):
                try:
                    re.compile(args[0].value)
                except re.error as exc:
                    self.report(TYPE, args[0], f"invalid regular expression: {exc}")
        else:
            self.conversion(node, name, args[0], arg_types[0])
        return result

    def conversion(self, node: ast.Call, name: str, arg: ast.Node, t: VType) -> None:
        accepted = {"int": (K.INT, K.DOUBLE, K.STRING), "double": (K.INT, K.DOUBLE, K.STRING)}.get(name, _SCALAR)
        if t.kind not in accepted and t.kind is not K.DYN:
            self.report(TYPE, arg, f"{name}() cannot convert {_a(t)}")
        elif isinstance(arg, ast.Literal) and isinstance(arg.value, str) and name in ("int", "double"):
            from jimu.expressions.compiler import EvaluationError, to_double, to_int

            try:
                (to_int if name == "int" else to_double)(arg.value)
            except EvaluationError as exc:
                self.report(TYPE, arg, str(exc))


# -- type relations ---------------------------------------------------------------------------

def _a(t: VType) -> str:
    """``an int``, ``a list<string>``, ``null``: a type in running text."""
    text = t.describe()
    if t.kind is K.NULL:
        return "null"
    return ("an " if text[0] in "aeiou" else "a ") + text


def _comparable(a: VType, b: VType) -> bool:
    """Whether ``a == b`` can ever be true (CEL compares across int and double)."""
    if K.DYN in (a.kind, b.kind) or K.NULL in (a.kind, b.kind):
        return True
    if a.is_numeric and b.is_numeric:
        return True
    if a.kind is not b.kind:
        return False
    if a.kind is K.LIST and a.element is not None and b.element is not None:
        return _comparable(a.element, b.element)
    return True


def _orderable(a: VType, b: VType) -> bool:
    if a.kind is K.DYN or b.kind is K.DYN:
        return (a.kind in _ORDERED or a.kind is K.DYN) and (b.kind in _ORDERED or b.kind is K.DYN)
    if a.is_numeric and b.is_numeric:
        return True
    return a.kind is b.kind and a.kind in (K.STRING, K.DATE, K.TIMESTAMP)


def _common(a: VType, b: VType) -> VType | None:
    """The type of a value that is either ``a`` or ``b`` (ternary branches, list elements)."""
    if a.kind is K.DYN or b.kind is K.DYN:
        return DYN
    if a.kind is K.NULL:
        return b.with_nullable(True)
    if b.kind is K.NULL:
        return a.with_nullable(True)
    if a.kind is not b.kind:
        return None
    nullable = a.nullable or b.nullable
    if a.kind is K.LIST:
        element = _common(a.element or DYN, b.element or DYN)
        return list_of(element or DYN, nullable)
    if a.kind is K.STRING:
        if a.values and b.values:
            return VType(K.STRING, nullable, values=tuple(dict.fromkeys(a.values + b.values)))
        return STRING.with_nullable(nullable)
    if a.kind is K.OBJECT and a != b.with_nullable(a.nullable):
        return DYN
    return a.with_nullable(nullable)


def _suggest(name: str, choices: list[str], listing: str) -> str | None:
    by_lower = {c.lower(): c for c in choices}  # 'a' for 'A', 'lastfour'… as well as typos
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{by_lower[close[0]]}'?"
    if choices and len(choices) <= 12:
        return f"{listing}: {', '.join(choices)}"
    return None


def _truth_hint(t: VType, shown: str) -> str | None:
    if t.is_numeric:
        return f"compare it, e.g. {shown} > 0"
    if t.kind is K.STRING:
        return f"compare it, e.g. {shown} != ''"
    if t.kind is K.OBJECT or t.nullable:
        return f"to test that it is present, use has({shown})" if "." in shown else None
    return None


def _convert_hint(node: ast.Binary, left: VType, right: VType, src) -> str | None:
    kinds = {left.kind, right.kind}
    if K.STRING in kinds and (K.INT in kinds or K.DOUBLE in kinds):
        number = node.left if left.kind is not K.STRING else node.right
        text = node.left if left.kind is K.STRING else node.right
        if isinstance(text, ast.Literal):
            return f"write the number without quotes: {text.value}"
        return f"convert one side: int({src(text)}) or string({src(number)})"
    if K.BOOL in kinds and K.STRING in kinds:
        return "write true or false without quotes"
    return None
