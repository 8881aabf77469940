"""Reason-code checks on a capability's outputs: every decline and referral says why, in codes
a risk officer can read (registered, with English and Chinese text) and the capability owns.

The runtime already refuses an undeclared code at run time; this finds it in the author's test
run instead, together with what the runtime cannot see: a code declared but registered without
text, or a refer/decline that a batch form or ``model_construct`` let through without a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from ..capability import Capability
from ..decision import Decision, Outcome
from ..invoke import allowed_reasons

_DECIDING = (Outcome.REFER, Outcome.DECLINE)


def check_reason_codes(cap: Capability, outputs: Iterable[BaseModel | dict[str, Any]], catalog: Any) -> list[str]:
    """Every reason-code problem in ``outputs`` (``cap``'s output models or their dicts).

    - a :class:`jimu.Decision` (anywhere in the output) or a top-level ``outcome`` that refers or
      declines must carry at least one code (the decision's own, or the output's ``reasons``);
    - every code in a ``reasons`` list or a decision must be registered in ``catalog`` with
      English and Chinese text, and be one ``cap`` may return: its own or those of what it uses.
    """
    allowed = allowed_reasons(cap, catalog)
    registered = getattr(catalog, "reasons", {}) if catalog is not None else {}
    problems: list[str] = []
    seen: set[str] = set()
    for number, out in enumerate(outputs, 1):
        fields = out.__dict__ if isinstance(out, BaseModel) else dict(out)
        where = f"{cap.key} output {number}"
        top_reasons = _codes(fields.get("reasons"))
        for path, decision in _decisions(fields):
            outcome = Outcome(decision.outcome)
            if outcome in _DECIDING and not decision.reasons:
                problems.append(f"{where}: {path} is a {outcome.value} with no reason code")
        outcome = fields.get("outcome")
        if outcome is not None and _outcome(outcome) in _DECIDING and not top_reasons:
            problems.append(f"{where}: outcome {_outcome(outcome).value} with no reason code in reasons")
        codes = top_reasons + [c for _, d in _decisions(fields) for c in d.reasons]
        for code in codes:
            if code in seen:
                continue
            seen.add(code)
            problem = _code_problem(code, allowed, registered, catalog)
            if problem:
                problems.append(f"{where}: reason code {code!r} {problem}")
    return problems


def _code_problem(code: Any, allowed: frozenset[str], registered: dict[str, Any], catalog: Any) -> str | None:
    if not isinstance(code, str):
        return "is not a string"
    if code not in allowed:
        return "is not declared by the capability (nor by any it uses): add it to reasons=[...]"
    if catalog is None:
        return None
    entry = registered.get(code)
    if entry is None:
        return "is not registered in the catalog"
    if not (entry.text or "").strip() or not (entry.text_zh or "").strip():
        return "is registered without English and Chinese text"
    return None


def _outcome(value: Any) -> Outcome | None:
    try:
        return Outcome(value)
    except ValueError:
        return None


def _codes(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else []


def _decisions(fields: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Decision]]:
    """Every decision in an output, at any depth (a field, a nested model, a list of them)."""
    for name, value in fields.items():
        yield from _walk(value, f"{prefix}{name}")


def _walk(value: Any, path: str) -> Iterator[tuple[str, Decision]]:
    if isinstance(value, Decision):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from _decisions(value.__dict__, f"{path}.")
    elif isinstance(value, dict) and "outcome" in value and "reasons" in value:
        decision = Decision.model_construct(**value)  # a dumped decision: checked without re-validating
        yield path, decision
    elif isinstance(value, dict):
        yield from _decisions(value, f"{path}.")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


__all__ = ["check_reason_codes"]
