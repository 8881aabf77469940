"""The hooks a Jimu plugin may implement: the whole contract between Jimu and its plugins.

A plugin is a module (named by an entry point in the ``jimu.plugins`` group) holding functions
marked with :data:`jimu.hookimpl` whose names and arguments match the specifications below.
Implement only the hooks you need; argument names must match, but you may take fewer of them.

The reference documentation is generated from these docstrings, and a test fails when a hook
is missing from it.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

PROJECT = "jimu"
#: The entry-point group Jimu loads plugins from.
ENTRY_POINT_GROUP = "jimu.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Mark a plugin's hook implementation: ``@jimu.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def jimu_register(register: Callable[[object], None]) -> None:
    """Register this plugin's catalog items: call ``register(item)`` once per item.

    Items are :class:`jimu.Domain` (L1 declarations), :class:`jimu.Capability` (usually made with
    the :func:`jimu.capability` decorator), :class:`jimu.ReasonCode` (codes not declared on a
    capability), :class:`jimu.Composite` (a YAML composite shipped as package data),
    :class:`jimu.Resource` (a resource's declaration), :class:`jimu.ResourceProvider` (the
    object behind one) and :class:`jimu.Policy` (a mandatory control validation applies to
    every product).

    Each item is checked as it arrives. An invalid item is reported with this plugin's
    distribution and version and left out; the plugin's other items still load. Registering the
    same ``id@version`` as another plugin is refused for the second one.

    The hook is called once per plugin, so every complaint names the plugin that caused it.

    :param register: the callback; it returns nothing and never raises for a bad item.
    """
