"""The hooks a Jimu plugin may implement: the whole contract between Jimu and its plugins.

A plugin is a module (named by an entry point in the ``jimu.plugins`` group) holding functions
marked with :data:`jimu.hookimpl` whose names and arguments match the specifications below.
Implement only the hooks you need; argument names must match, but you may take fewer of them.

The reference documentation is generated from these docstrings, and a test fails when a hook
is missing from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    object behind one), :class:`jimu.Policy` (a mandatory control validation applies to
    every product), :class:`jimu.Sample` (a demo data set for ``jimu sample``), :class:`jimu.Demo` (a job
    ``jimu demo`` runs end to end) and
    :class:`jimu.AuthorityTable` (what each branch may set, with effective dates).

    Each item is checked as it arrives. An invalid item is reported with this plugin's
    distribution and version and left out; the plugin's other items still load. Registering the
    same ``id@version`` as another plugin is refused for the second one.

    The hook is called once per plugin, so every complaint names the plugin that caused it.

    :param register: the callback; it returns nothing and never raises for a bad item.
    """


@hookspec(firstresult=True)
def jimu_run_step(step: Any, inputs: Any) -> Any:
    """Run one step of a product on one record; wrap it to trace, count or time steps.

    Jimu's own implementation calls the capability. A plugin adds behaviour around it with a
    wrapper, the way pytest's hook wrappers work::

        @jimu.hookimpl(wrapper=True)
        def jimu_run_step(step, inputs):
            started = time.perf_counter()
            try:
                return (yield)
            finally:
                metrics.observe(step.capability, time.perf_counter() - started)

    The runtime checks what comes back against the capability's output contract after the
    wrappers, so a wrapper cannot slip an invalid output through; an exception raised here
    counts as the step's error and follows its ``on_error``. Plans call this hook only when
    some plugin wraps it, so an unwrapped run pays nothing for it.

    Stops at first non-None result.

    :param step: the step (``step.path`` such as ``intake.kyc``, ``step.capability`` as
        ``id@version``, ``step.id``).
    :param inputs: the input model instance the capability receives.
    :returns: the capability's output.
    """
