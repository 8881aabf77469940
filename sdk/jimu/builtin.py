"""Jimu's own plugin: what the SDK itself contributes, registered through the same hook as HQ's.

Like datasette's core features, the runtime's reason codes and the innermost step runner are a
plugin, so the catalog and the hooks see them exactly as they see anyone else's.
"""

from __future__ import annotations

from .hookspecs import hookimpl
from .runtime.reasons import RUNTIME_REASONS

NAME = "jimu"


@hookimpl
def jimu_register(register):
    for code in RUNTIME_REASONS:
        register(code)


@hookimpl
def jimu_run_step(step, inputs):
    """The innermost implementation: call the capability. Wrappers (tracing, metrics) go around it."""
    return step.call(inputs)
