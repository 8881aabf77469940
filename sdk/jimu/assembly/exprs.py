"""What the validator asks of an expression: its type and findings, what it reads, what it guards.

A thin layer over :mod:`jimu.expressions`, so that the validator speaks of references and
guards (``has(steps.card.last4)`` as a conjunct of a ``when``) rather than of syntax trees.
Parsing is cached per text: one file repeats the same expressions, and composites are read
by every product that uses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..expressions.checker import check
from ..expressions.parser import ExpressionError, parse
from ..expressions import ast as tree
from ..types import VType


@dataclass(frozen=True)
class Read:
    """A field chain an expression reads (``steps.kyc.age``), and where it stands in the text."""

    path: tuple[str, ...]
    line: int
    column: int
    presence_test: bool = False  # inside has(): a test, not a read


@dataclass
class Result:
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
    checked = check(expr, scope)
    return Result(checked.type, list(checked.findings), reads(text), tree.path(expr.root) is not None, checked)


def reads(text: str) -> list[Read]:
    """Every maximal field chain in the expression (none when it does not parse)."""
    expr, _ = _parsed(text)
    if expr is None:
        return []
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
    return found


def guards(text: str) -> set[str]:
    """What holds whenever the expression is true, as keys the validator compares.

    Each top-level conjunct in normalised text, and for each ``has(steps.s.f…)`` conjunct the
    keys ``has:s`` (step ``s`` ran) and ``has:steps.s.f`` (that field is not null).
    """
    expr, _ = _parsed(text)
    if expr is None:
        return set()
    keys = {normalise(text)}
    for node in tree.conjuncts(expr.root):
        keys.add(normalise(expr.source(node)))
        if isinstance(node, tree.Has):
            chain = tree.path(node.select) or ()
            keys.add("has:" + ".".join(chain))
            if len(chain) >= 2 and chain[0] == "steps":
                keys.add(f"has:{chain[1]}")
    return keys


def normalise(text: str) -> str:
    return "".join(text.split())
