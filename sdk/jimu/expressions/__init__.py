"""CEL expressions in assemblies: parsed with CEL's grammar, checked against declared types,
compiled into Jimu's own closures (see docs/reference/expressions.md for the subset)."""

from __future__ import annotations

from jimu.expressions.ast import conjuncts, path
from jimu.expressions.checker import Checked, Reference, check
from jimu.expressions.compiler import EvaluationError, compile_record
from jimu.expressions.parser import Expression, ExpressionError, Finding, parse

__all__ = [
    "Checked",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "Finding",
    "Reference",
    "check",
    "compile_record",
    "conjuncts",
    "parse",
    "path",
]
