"""The expression tree: what Jimu keeps of a CEL expression after parsing.

Lark's parse tree mirrors CEL's grammar (ten nested rules for a lone ``x``); this tree mirrors
what the expression *means*, which is what the checker, the record compiler and later the
column compiler all walk. Every node knows where it stands in the expression text — ``start``
and ``end`` are character offsets (``text[start:end]`` is the node's source), ``line`` and
``column`` are 1-based — so that a finding points at the operand at fault and an evaluation
error can quote the sub-expression that failed. Nodes are frozen: a parsed expression is shared
by the validator, the compilers and the runtime, and none of them may change it under another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True, kw_only=True)
class Node:
    """Position fields shared by every node (keyword-only, so each node's own fields come first)."""

    start: int = 0
    end: int = 0
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Literal(Node):
    """``1``, ``2.5``, ``'text'``, ``true``, ``null``: the decoded Python value."""

    value: Any


@dataclass(frozen=True)
class Ident(Node):
    """A root name: ``inputs``, ``steps``."""

    name: str


@dataclass(frozen=True)
class Select(Node):
    """``operand.field``."""

    operand: Expr
    field: str


@dataclass(frozen=True)
class Index(Node):
    """``operand[index]``: a list element or a map value."""

    operand: Expr
    index: Expr


@dataclass(frozen=True)
class Call(Node):
    """``function(args…)`` or, with a target, the method call ``target.function(args…)``."""

    function: str
    target: Expr | None
    args: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Has(Node):
    """The ``has(a.b)`` macro: whether field ``b`` of ``a`` is present (and not null)."""

    select: Select


@dataclass(frozen=True)
class Unary(Node):
    """``!operand`` or ``-operand``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    """``left op right``; ``op_start`` is where the operator stands, for messages about it."""

    op: str  # * / % + - < <= > >= == != in && ||
    left: Expr
    right: Expr
    op_start: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Conditional(Node):
    """``cond ? then : otherwise``."""

    cond: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True)
class ListLit(Node):
    """``[a, b, c]``."""

    items: tuple[Expr, ...] = ()


Expr = Union[Literal, Ident, Select, Index, Call, Has, Unary, Binary, Conditional, ListLit]


def path(node: Node) -> tuple[str, ...] | None:
    """``("steps", "kyc", "age")`` for ``steps.kyc.age``; None unless an Ident/Select chain."""
    names: list[str] = []
    while isinstance(node, Select):
        names.append(node.field)
        node = node.operand
    if not isinstance(node, Ident):
        return None
    names.append(node.name)
    return tuple(reversed(names))


def conjuncts(node: Node) -> list[Node]:
    """The operands of a top-level ``a && b && c`` (``[node]`` itself when it is no ``&&``).

    The validator uses this to see which conditions a ``when`` requires (``has(steps.card.x)
    && …`` guards the rest), and the column compiler to filter in stages.
    """
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Binary) and n.op == "&&":
            stack += [n.right, n.left]
        else:
            out.append(n)
    return out


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, (Select,)):
        return (node.operand,)
    if isinstance(node, Index):
        return (node.operand, node.index)
    if isinstance(node, Call):
        return ((node.target,) if node.target is not None else ()) + node.args
    if isinstance(node, Has):
        return (node.select,)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Conditional):
        return (node.cond, node.then, node.otherwise)
    if isinstance(node, ListLit):
        return node.items
    return ()
