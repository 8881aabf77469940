"""Catalogs for tests: built in memory from plugin objects and bare items, or the installed one."""

from __future__ import annotations

from ..capability import Capability
from ..catalog import Catalog
from ..hookspecs import hookimpl
from ..plugins import load_catalog


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


_INSTALLED: list[Catalog] = []  # loaded once per process: loading imports every plugin


def catalog_for(cap: Capability) -> Catalog:
    """The installed catalog when it has ``cap``'s id and version, else the installed one plus ``cap``.

    What a check runs against when the test gives no catalog: ``ctx.use`` then finds the
    installed dependencies, and ``cap``'s reason codes are registered. A changed copy of an
    installed capability (``cap.with_batch(...)`` in a test) runs against the installed catalog:
    its codes are those the installed version registered.
    """
    if not _INSTALLED:
        _INSTALLED.append(load_catalog())
    installed = _INSTALLED[0]
    if (cap.id, cap.version) in installed.capabilities:
        return installed
    return load_catalog(plugins=[InlinePlugin(cap, name="under-test")], installed=True)


__all__ = ["InlinePlugin", "build_catalog", "catalog_for"]
