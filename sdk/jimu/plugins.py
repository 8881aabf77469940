"""Plugin loading: Jimu's own short loop over its entry-point group.

Why not pluggy's ``load_setuptools_entrypoints``: one failing import stops it, and it silently
skips a second distribution that reuses an entry-point name. Here each entry point is keyed by
(distribution, entry-point name), loaded on its own, and any failure becomes a
:class:`jimu.catalog.Problem` naming the distribution and its version; the rest still load.

Which distributions load: all, or only those in ``allow`` (or ``$JIMU_PLUGINS_ALLOW``, comma
separated), never those in ``block`` (or ``$JIMU_PLUGINS_BLOCK``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import entry_points

import pluggy
from packaging.utils import canonicalize_name

from . import hookspecs
from .catalog import Catalog, Source


def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _names(explicit: Iterable[str] | None, env: str) -> set[str] | None:
    if explicit is None:
        raw = os.environ.get(env, "").strip()
        explicit = raw.split(",") if raw else None
    return None if explicit is None else {canonicalize_name(n.strip()) for n in explicit if n.strip()}


def load_catalog(
    *,
    plugins: Iterable[object] = (),
    installed: bool = True,
    allow: Iterable[str] | None = None,
    block: Iterable[str] | None = None,
    group: str = hookspecs.ENTRY_POINT_GROUP,
) -> Catalog:
    """Build the catalog from installed plugins (``installed``) and in-memory ``plugins``.

    In-memory plugins are modules or objects with ``@hookimpl`` methods; the test kit uses them.
    Problems are collected in ``catalog.problems``; this function never raises for a bad plugin.
    """
    pm = plugin_manager()
    catalog = Catalog(hooks=pm)
    sources: dict[str, Source] = {}
    from . import builtin, __version__

    _register(pm, catalog, sources, builtin, builtin.NAME, Source(builtin.NAME, "jimu", __version__))
    if installed:
        _load_entry_points(pm, catalog, sources, group, _names(allow, "JIMU_PLUGINS_ALLOW"), _names(block, "JIMU_PLUGINS_BLOCK"))
    for number, plugin in enumerate(plugins, 1):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}#{number}"
        _register(pm, catalog, sources, plugin, name, Source(name))
    for impl in pm.hook.jimu_register.get_hookimpls():
        source = sources[impl.plugin_name]
        # Called one plugin at a time (not through pm.hook) so each item is attributed to its
        # plugin and an exception in one plugin's hook leaves the others' items in place.
        kwargs = {"register": catalog.registrar(source)}
        try:
            impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
        except Exception as exc:
            catalog.report(source, f"jimu_register raised {type(exc).__name__}: {exc}")
    catalog.check()
    return catalog


def _load_entry_points(pm, catalog, sources, group, allow, block) -> None:
    seen: set[tuple[str, str]] = set()
    for ep in entry_points(group=group):
        dist_name = ep.dist.name if ep.dist else "?"
        key = (canonicalize_name(dist_name), ep.name)
        if key in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(key)
        if (allow is not None and key[0] not in allow) or (block and key[0] in block):
            continue
        source = Source(ep.name, dist_name, ep.dist.version if ep.dist else None)
        try:
            module = ep.load()
        except Exception as exc:
            catalog.registrar(source)  # listed among the plugins, with its problem
            catalog.report(source, f"failed to import {ep.value}: {type(exc).__name__}: {exc}")
            continue
        _register(pm, catalog, sources, module, f"{dist_name}:{ep.name}", source)


def _register(pm, catalog, sources, plugin, name: str, source: Source) -> None:
    catalog.registrar(source)
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # pluggy's PluginValidationError, or the same module twice
        catalog.report(source, f"cannot register plugin: {exc}")
        return
    sources[name] = source
    for caller in pm.get_hookcallers(plugin) or ():
        if not caller.has_spec():
            known = ", ".join(sorted(n for n in dir(hookspecs) if n.startswith("jimu_")))
            catalog.report(source, f"implements unknown hook {caller.name!r} (Jimu's hooks: {known})")
