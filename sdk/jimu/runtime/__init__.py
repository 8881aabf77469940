"""The runtime: plans compiled once from validated assemblies, run on records and files."""

from __future__ import annotations

from .execute import RecordRejected, RecordResult, RunFailed, StepError, StepTrace, run_record
from .plan import Plan, PlanError, compile_plan

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
    return compile_plan(analysis, catalog, resources=resources, validator=validator)
