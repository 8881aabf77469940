"""Running a capability the way a product would (its contract enforced), and its worked examples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ..capability import Capability, Example
from ..catalog import Catalog
from ..invoke import invoke
from ..resources import Resources


def run(
    cap: Capability,
    record: Mapping[str, Any] | BaseModel,
    params: Mapping[str, Any] | None = None,
    *,
    resources: Mapping[str, object] | None = None,
    catalog: Catalog | None = None,
) -> BaseModel:
    """Run one capability on one record with its contract enforced (``jimu.invoke``)."""
    return invoke(cap, record, params, resources=resources, catalog=catalog)


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` has every key of ``expected`` with an equal value.

    A float matches to the precision it is written with: ``230097.11`` matches 230097.1148.
    """
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        decimals = len(repr(expected).partition(".")[2]) if "e" not in repr(expected) else 12
        return abs(actual - expected) <= 0.5 * 10 ** -decimals + 1e-12
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
    return expected == actual


def bound_resources(catalog: Catalog | None, resources: Mapping[str, object] | None) -> Mapping[str, object] | None:
    """``resources`` (fakes) over the catalog's installed providers, as a run would bind them."""
    if catalog is not None and not isinstance(resources, Resources):
        return catalog.bind_resources(dict(resources or {}))
    return resources


def run_examples(
    cap: Capability,
    *,
    catalog: Catalog | None = None,
    resources: Mapping[str, object] | None = None,
) -> list[tuple[int, Example, BaseModel | Exception]]:
    """``(number, example, output or the exception it raised)`` for each declared example."""
    resources = bound_resources(catalog, resources)
    ran: list[tuple[int, Example, BaseModel | Exception]] = []
    for number, example in enumerate(cap.examples, 1):
        try:
            ran.append((number, example, run(cap, example.input, example.params, resources=resources,
                                             catalog=catalog)))
        except Exception as exc:  # noqa: BLE001 - reported as the example's failure, with the others
            ran.append((number, example, exc))
    return ran


def example_failures(cap: Capability, ran: Iterable[tuple[int, Example, BaseModel | Exception]]) -> list[str]:
    """A description of each example whose output does not match (or that raised)."""
    failures = []
    for number, example, out in ran:
        if isinstance(out, Exception):
            failures.append(f"{cap.key} example {number}: raised {type(out).__name__}: {out}")
            continue
        got = out.model_dump(mode="json")
        if not matches(example.output, got):
            wanted = {k: got.get(k, "<missing>") for k in example.output}
            failures.append(f"{cap.key} example {number}: expected {example.output}, got {wanted}")
    return failures


def check_examples(
    cap: Capability,
    *,
    catalog: Catalog | None = None,
    resources: Mapping[str, object] | None = None,
) -> list[str]:
    """Run every declared example of ``cap``; return a description of each mismatch (empty = all pass)."""
    return example_failures(cap, run_examples(cap, catalog=catalog, resources=resources))


def examples(catalog: Catalog, capabilities: Iterable[Capability] | None = None) -> list[tuple[str, int]]:
    """``(key, number)`` pairs for every example in the catalog, for ``pytest.mark.parametrize``."""
    caps = capabilities if capabilities is not None else catalog.capabilities.values()
    return [(cap.key, n) for cap in caps for n in range(1, len(getattr(cap, "examples", ())) + 1)]


__all__ = ["bound_resources", "check_examples", "example_failures", "examples", "matches", "run", "run_examples"]
