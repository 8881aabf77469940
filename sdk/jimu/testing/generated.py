"""Running a capability on generated inputs: it must not raise, must keep its output contract, and
every refer or decline it gives must carry registered, declared reason codes.

Hypothesis drives it (derandomised and without its example database, so a run does not depend on
what an earlier run found) and shrinks each distinct problem to the smallest record and params
showing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from ..capability import Capability
from ..invoke import CapabilityError, invoke
from ..resources import MissingResource
from .reasoncodes import check_reason_codes
from .strategies import inputs_strategy, params_strategy


class Found(AssertionError):
    """A problem on one generated case; hypothesis shrinks it, then the check reports it."""


def kit_settings(max_examples: int) -> settings:
    """The settings every generated check runs under: reproducible, and quiet about slow data."""
    return settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink), print_blob=False,
                    suppress_health_check=list(HealthCheck))


def drive(test: Callable[..., None], strategies: dict[str, Any], max_examples: int, what: str) -> list[str]:
    """Run ``test`` under hypothesis; the shrunk :class:`Found` message, if any, as a problem."""
    runner = kit_settings(max_examples)(given(**strategies)(test))
    try:
        runner()
    except Found as found:
        return [str(found)]
    except BaseExceptionGroup as group:  # hypothesis found several distinct problems: each, shrunk
        found, rest = group.split(Found)
        if rest is not None:
            raise
        return [str(exc) for exc in _leaves(found)]
    except Unsatisfiable:
        return [f"{what}: hypothesis could not generate a valid input in {max_examples} tries; "
                "declare worked examples (their values seed the generator) or pass records"]
    return []


def _leaves(group: BaseException) -> list[BaseException]:
    if isinstance(group, BaseExceptionGroup):
        return [leaf for exc in group.exceptions for leaf in _leaves(exc)]
    return [group]


def check_generated(
    cap: Capability,
    *,
    catalog: Any = None,
    resources: Mapping[str, object] | None = None,
    max_examples: int = 50,
    raises: tuple[type[BaseException], ...] = (ValueError,),
) -> list[str]:
    """Run ``cap`` on generated valid records and params; the first problem found, shrunk.

    A capability may refuse an input it cannot decide by raising one of ``raises`` (the runtime
    then applies the step's ``on_error``): by default ``ValueError`` and its subclasses, pydantic's
    ``ValidationError`` among them. Anything else it raises on a valid input is a problem (a
    ``KeyError`` from a table lookup, a ``ZeroDivisionError``), and so is output that breaks the
    contract (NaN, an undeclared reason code) whatever the exception.
    """

    def test(record: dict[str, Any], params: dict[str, Any]) -> None:
        try:
            out = invoke(cap, record, params, resources=resources, catalog=catalog)
        except (CapabilityError, MissingResource) as exc:
            if deliberate(exc, raises):
                return
            raise Found(f"{cap.key} on generated input {record!r} with params {params!r}: {exc}") from None
        problems = check_reason_codes(cap, [out], catalog)
        if problems:
            raise Found(f"{cap.key} on generated input {record!r} with params {params!r}: "
                        + problems[0].split(": ", 1)[1])

    return drive(test, {"record": inputs_strategy(cap), "params": params_strategy(cap)}, max_examples, cap.key)


def deliberate(exc: BaseException, raises: tuple[type[BaseException], ...]) -> bool:
    """Whether a capability's failure is a refusal it may make: the exception it raised (under
    any ``CapabilityError`` wrapping, ``ctx.use`` included) is one of ``raises``. A broken output
    contract has no such cause and is never deliberate."""
    root = exc
    while isinstance(root, CapabilityError):
        if root.__cause__ is None:
            return False
        root = root.__cause__
    return isinstance(root, raises) and not isinstance(root, MissingResource)


__all__ = ["check_generated", "deliberate", "drive", "kit_settings"]
