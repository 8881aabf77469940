"""What the validator asks of an expression: its type and findings, what it reads, what it guards.

A thin layer over :mod:`jimu.expressions`, so that the validator speaks of references and
guards (``has(steps.card.last4)`` as a conjunct of a ``when``) rather than of syntax trees.
Parsing is cached per text: one file repeats the same expressions, and composites are read
by every product that uses them. Checking is cached too, per text and per the types of the
fields the expression reads (not per scope: two products share ``steps.score.band >= 'B'``
when their ``score`` steps output ``band`` in the same type, whatever their other steps). Both caches are
keyed by values only, so a changed file or catalog makes new keys and never meets a stale result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..expressions.checker import check
from ..expressions.parser import ExpressionError, parse
from ..expressions import ast as tree
from ..types import TypeKind, VType


@dataclass(frozen=True)
class Read:
    """A field chain an expression reads (``steps.kyc.age``), and where it stands in the text."""

    path: tuple[str, ...]
    line: int
    column: int
    presence_test: bool = False  # inside has(): a test, not a read


@dataclass
class Result:
    """One expression analysed. Shared between the files that analyse the same expression in the
    same types (see :func:`analyse`): read it, never change it."""

    type: VType | None
    findings: list = field(default_factory=list)
    references: list[Read] = field(default_factory=list)
    is_path: bool = False  # a plain reference such as steps.kyc.age (not a computed expression)
    checked: Any = None  # jimu.expressions.Checked, which the plan compiler compiles


@lru_cache(maxsize=4096)
def _parsed(text: str):
    try:
        return parse(text), None
    except ExpressionError as exc:
        return None, exc


def analyse(text: str, scope: VType) -> Result:
    expr, error = _parsed(text)
    if expr is None:
        return Result(None, list(error.findings))
    key = _signature(text, scope)
    result = _ANALYSED.get(key) if key is not None else None
    if result is None:
        checked = check(expr, scope)
        result = Result(checked.type, list(checked.findings), list(reads(text)), tree.path(expr.root) is not None,
                        checked)
        if key is not None:
            if len(_ANALYSED) >= _ANALYSED_MAX:  # bounded: drop the oldest half (dicts keep insertion order)
                for old in list(_ANALYSED)[: _ANALYSED_MAX // 2]:
                    del _ANALYSED[old]
            _ANALYSED[key] = result
    return result


#: (text, signature) → Result; see :func:`_signature`
_ANALYSED: dict[tuple, Result] = {}
_ANALYSED_MAX = 65_536


def _signature(text: str, scope: VType) -> tuple | None:
    """What checking ``text`` against ``scope`` depends on, as a hashable key; None: do not cache.

    The checker consults the scope only along the field chains an expression reads
    (``steps.kyc.age``): the root's type (``scope.field``), then at each link the field named
    next and whether the object holding it may be null. So the key holds, per chain, those
    null flags and the type the chain ends in, not the objects passed through: a product and a
    composite reading ``steps.s1.y`` share the result whenever ``y`` has one type in both, though
    their ``s1`` steps differ. (The one thing not exact in a shared result: ``Checked.types``
    for the links inside a chain is the first file's; compilers read only whole chains' types.)
    A name it does not find makes a hint listing the others: such expressions (mistakes, rare)
    are not cached, so the key never needs them.
    """
    parts: list[tuple] = []
    for ref in reads(text):
        path = ref.path
        current = scope.field(path[0])
        if current is None:
            return None
        nulls = []
        for name in path[1:]:
            if current.kind is not TypeKind.OBJECT:
                break  # the checker stops here (dyn, or a finding about this type): the key keeps it whole
            found = current.field(name)
            if found is None:
                return None
            nulls.append(current.nullable)
            current = found
        parts.append((tuple(nulls), current))
    return (text, *parts)


@lru_cache(maxsize=4096)
def reads(text: str) -> tuple[Read, ...]:
    """Every maximal field chain in the expression (none when it does not parse)."""
    expr, _ = _parsed(text)
    if expr is None:
        return ()
    found: list[Read] = []

    def walk(node: tree.Node, in_has: bool = False) -> None:
        chain = tree.path(node)
        if chain is not None:
            found.append(Read(chain, node.line, node.column, in_has))
            return
        if isinstance(node, tree.Has):
            walk(node.select, True)
            return
        for child in tree.children(node):
            walk(child)

    walk(expr.root)
    return tuple(found)


@lru_cache(maxsize=4096)
def guards(text: str) -> frozenset[str]:
    """What holds whenever the expression is true, as keys the validator compares.

    Each top-level conjunct in normalised text, and for each ``has(steps.s.f…)`` conjunct the
    keys ``has:s`` (step ``s`` ran) and ``has:steps.s.f`` (that field is not null).
    """
    expr, _ = _parsed(text)
    if expr is None:
        return frozenset()
    keys = {normalise(text)}
    for node in tree.conjuncts(expr.root):
        keys.add(normalise(expr.source(node)))
        if isinstance(node, tree.Has):
            chain = tree.path(node.select) or ()
            keys.add("has:" + ".".join(chain))
            if len(chain) >= 2 and chain[0] == "steps":
                keys.add(f"has:{chain[1]}")
    return frozenset(keys)


def normalise(text: str) -> str:
    return "".join(text.split())
