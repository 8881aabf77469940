"""The runtime: plans compiled once from validated assemblies, run on records and files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .execute import RecordRejected, RecordResult, RunFailed, StepError, StepTrace, run_record
    from .plan import Plan, PlanError, compile_plan

# Imported on first use (PEP 562): the SDK's built-in plugin registers the runtime's reason codes
# (`jimu.runtime.reasons`) on every command, and importing the runner with them cost `jimu
# validate` 70 ms of a cold start it never uses.
_LAZY = {
    "RecordRejected": "execute", "RecordResult": "execute", "RunFailed": "execute", "StepError": "execute",
    "StepTrace": "execute", "run_record": "execute", "Plan": "plan", "PlanError": "plan", "compile_plan": "plan",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Plan",
    "PlanError",
    "RecordRejected",
    "RecordResult",
    "RunFailed",
    "StepError",
    "StepTrace",
    "compile_plan",
    "load_plan",
    "run_record",
]


def load_plan(path, catalog=None, *, resources=None) -> Plan:
    """Validate the assembly at ``path`` and compile it; :class:`PlanError` lists what is wrong."""
    from ..assembly import load_file
    from ..assembly.validate import Validator

    if catalog is None:
        from ..plugins import load_catalog

        catalog = load_catalog()
    loaded = load_file(path)
    validator = Validator(catalog, [loaded])
    analysis = validator.validate_all([loaded])[0]
    from .plan import compile_plan

    return compile_plan(analysis, catalog, resources=resources, validator=validator)
