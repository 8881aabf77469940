"""The capability author's test kit: build a catalog in memory, fake resources, run examples.

Also available as pytest fixtures (``jimu.testing.plugin``, loaded automatically through the
``pytest11`` entry point once Jimu is installed)::

    def test_blacklist_hit(make_catalog, run_capability):
        catalog = make_catalog(my_capability)            # bare items become an inline plugin
        out = run_capability(my_capability, {"phone": "13800000000"},
                             resources={"data.blacklist": FakeList(["13800000000"])},
                             catalog=catalog)
        assert out.hit
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ..capability import Capability
from ..catalog import Catalog
from ..hookspecs import hookimpl
from ..invoke import invoke
from ..plugins import load_catalog
from ..resources import Resources


class InlinePlugin:
    """A plugin made of items in a list: ``InlinePlugin(domain, cap_v1, cap_v2)``."""

    def __init__(self, *items: object, name: str = "inline"):
        self.items, self.__name__ = items, name

    @hookimpl
    def jimu_register(self, register):
        for item in self.items:
            register(item)


def build_catalog(*plugins_or_items: object, installed: bool = False, strict: bool = True) -> Catalog:
    """A catalog from plugin objects and/or bare items (gathered into one :class:`InlinePlugin`).

    With ``strict`` (the default) any *error* problem fails loudly, as pytest's
    ``check_pending`` does, so a test never runs against a half-registered catalog by accident.
    """
    plugins = [p for p in plugins_or_items if _is_plugin(p)]
    items = [p for p in plugins_or_items if not _is_plugin(p)]
    if items:
        plugins.append(InlinePlugin(*items, name="test-items"))
    catalog = load_catalog(plugins=plugins, installed=installed)
    if strict and catalog.errors:
        raise AssertionError("catalog problems:\n" + "\n".join(f"  {p}" for p in catalog.errors))
    return catalog


def _is_plugin(obj: object) -> bool:
    return hasattr(obj, "jimu_register")


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


def check_examples(
    cap: Capability,
    *,
    catalog: Catalog | None = None,
    resources: Mapping[str, object] | None = None,
) -> list[str]:
    """Run every declared example of ``cap``; return a description of each mismatch (empty = all pass)."""
    failures = []
    if catalog is not None and not isinstance(resources, Resources):
        resources = catalog.bind_resources(dict(resources or {}))  # the installed providers, fakes first
    for number, example in enumerate(cap.examples, 1):
        out = run(cap, example.input, example.params, resources=resources, catalog=catalog)
        got = out.model_dump(mode="json")
        if not matches(example.output, got):
            wanted = {k: got.get(k, "<missing>") for k in example.output}
            failures.append(f"{cap.key} example {number}: expected {example.output}, got {wanted}")
    return failures


def examples(catalog: Catalog, capabilities: Iterable[Capability] | None = None) -> list[tuple[str, int]]:
    """``(key, number)`` pairs for every example in the catalog, for ``pytest.mark.parametrize``."""
    caps = capabilities if capabilities is not None else catalog.capabilities.values()
    return [(cap.key, n) for cap in caps for n in range(1, len(getattr(cap, "examples", ())) + 1)]


__all__ = ["InlinePlugin", "build_catalog", "check_examples", "examples", "matches", "run"]
