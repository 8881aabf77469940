"""Running a plan on one record: conditions, bindings, calls, contracts, decisions, failing closed.

For each step in data-flow order: a ``when`` that is false skips it (it produces nothing); a
step whose required inputs come from a step that did not run is skipped too; otherwise its
input model is built from the bindings and the capability runs (through the step hooks when a
plugin wraps them). What comes back is checked against the capability's contract: a raise, a
broken contract, a NaN or a missing required value is the step's *error*, and its
``on_error`` decides: ``refer`` (the record is referred with a ``SYS_*`` reason and goes on),
``reject`` (the record goes to the rejects), ``skip`` (as if its ``when`` were false) or
``fail`` (the run stops). Nothing in this path can turn an error into an approval: the decision
is the strictest of what the steps decided and what their errors imply, and no decision at all
is a referral.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..assembly.model import OnError
from ..decision import Decision, Outcome, combine
from ..expressions import EvaluationError
from ..invoke import CapabilityError
from ..resources import MissingResource
from . import reasons
from .plan import Plan, PlanStep


class RecordRejected(Exception):
    """A step with ``on_error: reject`` failed: the record goes to the rejects file with this reason."""

    def __init__(self, reason: str, step: str | None = None, field: str | None = None):
        super().__init__(reason)
        self.reason, self.step, self.field = reason, step, field


class RunFailed(Exception):
    """A step with ``on_error: fail`` failed: the run stops."""


@dataclass
class StepError:
    step: str  # path, e.g. intake.kyc
    capability: str
    code: str  # the SYS_* reason code
    message: str

    def __str__(self) -> str:
        return f"step {self.step} ({self.capability}): {self.message}"


@dataclass
class StepTrace:
    step: str
    capability: str
    status: str  # ok | skipped | error
    duration_us: float = 0.0
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    note: str = ""


@dataclass
class RecordResult:
    """What one record came to: outputs, the decision, errors that referred it, and the trace."""

    outputs: dict[str, Any]
    decision: Decision | None
    errors: list[StepError] = field(default_factory=list)
    trace: list[StepTrace] = field(default_factory=list)


def validate_record(plan: Plan, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the product's inputs; :class:`RecordRejected` naming the field otherwise."""
    try:
        # inputs are scalars (jimu.types), so the validated model's __dict__ is its dump, without the copy
        return plan.validate_inputs(record).__dict__
    except ValidationError as exc:
        if any(_is_nan(e.get("input")) for e in exc.errors(include_url=False) if e["type"] == "finite_number"):
            # Frames (pandas, Arrow-to-pandas) spell a missing number NaN: read it as absent, as the
            # batch engine must, so both engines accept, default or reject the row alike.
            return validate_record(plan, {k: v for k, v in record.items() if not _is_nan(v)})
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "record"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = err["msg"].removeprefix("Value error, ")
        raise RecordRejected(f"input {where}: {message}{more}", field=where) from None


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def run_record(plan: Plan, record: Mapping[str, Any], *, trace: bool = False) -> RecordResult:
    """Run ``plan`` on one record. Raises RecordRejected (bad input, or a ``reject`` step) and RunFailed."""
    inputs = validate_record(plan, record)
    if plan.inlined is not None and not trace:  # its composites inlined into one function (jimu.runtime.inline)
        return RecordResult(*plan.inlined.run(inputs))
    return RecordResult(*_run(plan, inputs, trace))


def _run(plan: Plan, inputs: dict[str, Any], trace: bool, wanted: list | None = None
         ) -> tuple[dict[str, Any], Decision | None, list[StepError], list[StepTrace]]:
    """The plan's outputs, decision, errors and trace: a tuple, since composites run here too (six
    times a pre-loan record) and only the product's answer becomes a :class:`RecordResult`.

    ``wanted``: the outputs to evaluate, when not all (a composite's that its parent reads).
    """
    done: dict[str, Any] = {}
    env = {"inputs": inputs, "steps": done}
    given = inputs.get
    errors: list[StepError] = []
    traces: list[StepTrace] = []
    started = 0.0
    # Until a step is skipped or fails, every earlier step is in ``done``: what a step requires
    # (earlier steps, in data-flow order) is then there without checking.
    complete = True
    for step in plan.steps:
        if trace:
            started = time.perf_counter()
        note = ""
        try:
            if step.when is not None and not _condition(step, env, done):
                absent = sorted(step.when_reads.difference(done))
                note = f"skipped: {', '.join(absent)} did not run" if absent else f"when {step.when_text} is false"
            elif not complete and step.requires and not step.requires.issubset(done):
                missing = ", ".join(sorted(step.requires.difference(done)))
                note = f"skipped: {missing} did not run"
            elif step.sub is None:  # a capability: the hot path, inlined (a call per step is measurable)
                values = {}
                if step.implicit:
                    for name in step.implicit:  # inputs bound by name: as their getter reads them, without the call
                        values[name] = given(name)
                try:
                    for name, get, _optional in step.explicit:  # a loop: cheaper than a comprehension in 3.11
                        values[name] = get(env)
                except EvaluationError:  # a read of a step that did not run: optional reads become None
                    values = _bind(step, env)
                try:
                    model = step.validate_input(values)
                except ValidationError as exc:
                    raise _contract_broken(step, exc) from None
                try:
                    raw = step.run(model)  # the capability, or the hooks wrapping it
                except (RecordRejected, RunFailed):
                    raise
                except Exception as exc:
                    raise _failure_of(exc) from None
                if raw is None:
                    raise _StepFailure(reasons.STEP_CONTRACT.code, "returned nothing (None)")
                try:
                    out = step.check(raw)
                except CapabilityError as exc:
                    raise _StepFailure(reasons.STEP_CONTRACT.code, exc.detail) from None
                done[step.id] = out
                if trace:
                    traces.append(StepTrace(step.path, step.capability, "ok", _us(started), model.model_dump(),
                                            _plain(out)))
                continue
            else:
                out, inner_errors, inner_trace, shown_inputs = _composite(step, env, trace)
                if inner_errors and step.on_error in (OnError.REJECT, OnError.FAIL):
                    # the product asked that any failure of this composite reject (or stop): honour it
                    first = inner_errors[0]
                    if step.on_error is OnError.REJECT:
                        raise RecordRejected(str(first), step=first.step)
                    raise RunFailed(str(first))
                done[step.id] = out
                errors.extend(inner_errors)
                if trace:
                    traces.append(StepTrace(step.path, step.capability, "ok", _us(started), shown_inputs,
                                            _plain(out)))
                    traces.extend(inner_trace)
                continue
        except _StepFailure as failure:
            complete = False
            error = StepError(step.path, step.capability, failure.code, failure.message)
            if step.on_error is OnError.REJECT:
                raise RecordRejected(str(error), step=step.path) from None
            if step.on_error is OnError.FAIL:
                raise RunFailed(str(error)) from None
            if step.on_error is OnError.REFER or step.decides:
                errors.append(error)  # a decider's error refers even under skip: errors never approve
            note = f"error: {failure.message}" + ("" if step.on_error is OnError.REFER else " (skipped)")
            if trace:
                traces.append(StepTrace(step.path, step.capability, "error", _us(started), note=note))
            continue
        complete = False  # skipped
        if trace:
            traces.append(StepTrace(step.path, step.capability, "skipped", _us(started), note=note))
    return _outputs(plan, env, wanted), _decide(plan, env, errors) if plan.has_decision else None, errors, traces


def _outputs(plan: Plan, env: dict, wanted: list | None) -> dict[str, Any]:
    """The plan's outputs (only ``wanted``, when given), as plain values."""
    outputs = {}
    for name, get, _optional in plan.outputs if wanted is None else wanted:
        try:
            value = get(env)
        except EvaluationError:
            value = None  # read from a step that did not run (validation allowed it: optional or errored)
        outputs[name] = value if type(value) in _ATOMS else _plain(value)
    return outputs


class _StepFailure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _condition(step: PlanStep, env: dict, done: dict) -> bool:
    try:
        value = step.when(env)
    except EvaluationError as exc:
        if not step.when_reads.issubset(done):
            return False  # it reads a step that was skipped or failed: skipped with it
        raise _StepFailure(reasons.CONDITION_FAILED.code, f"its condition failed: {exc}") from None
    if not isinstance(value, bool):
        raise _StepFailure(reasons.CONDITION_FAILED.code, f"its condition gave {type(value).__name__}, not true/false")
    return value


def _bind(step: PlanStep, env: dict) -> dict[str, Any]:
    values = {}
    for name, get, optional in step.getters:
        try:
            values[name] = get(env)
        except EvaluationError as exc:
            if not optional:
                raise _StepFailure(reasons.CONDITION_FAILED.code, f"input {name}: {exc}") from None
            values[name] = None
    return values


def _composite_inputs(step: PlanStep, env: dict, trace: bool) -> dict[str, Any]:
    """A composite step's inputs, bound and validated into its contract (or a :class:`_StepFailure`)."""
    if step.shares_inputs and not trace:  # the parent's validated inputs dict, as it is (plan.PlanStep)
        return env["inputs"]
    if step.forward is not None:  # the parent's validated inputs, passed on as they are (plan.PlanStep.forward)
        given = env["inputs"]
        return {name: None if source is None else given[source] for name, source in step.forward}
    values = {}
    try:
        for name, get, _optional in step.getters:
            values[name] = get(env)
    except EvaluationError:
        values = _bind(step, env)
    try:
        return step.sub.validate_inputs(values).__dict__  # scalars: the __dict__ is the dump
    except ValidationError as exc:
        raise _StepFailure(reasons.STEP_CONTRACT.code, f"its inputs break {step.capability}'s contract: "
                           f"{_first_error(exc)}") from None


def _composite(step: PlanStep, env: dict, trace: bool) -> tuple[Any, list[StepError], list[StepTrace], dict | None]:
    inner_inputs = _composite_inputs(step, env, trace)
    # ``out``: built for this call alone; without a trace, only the outputs the parent reads
    out, decision, errors, traces = _run(step.sub, inner_inputs, trace, None if trace else step.reads_outputs)
    if decision is not None:
        out["decision"] = decision
    return out, errors, traces, (inner_inputs if trace else None)


def _contract_broken(step: PlanStep, exc: ValidationError) -> _StepFailure:
    return _StepFailure(reasons.STEP_CONTRACT.code, f"its inputs break {step.capability}'s contract: {_first_error(exc)}")


def _failure_of(exc: Exception) -> _StepFailure:
    """What a capability (or a hook wrapping it) raised, as the step's failure with its ``SYS_*`` code."""
    if isinstance(exc, MissingResource):
        return _StepFailure(reasons.RESOURCE_UNAVAILABLE.code, f"resource unavailable: {exc}")
    if isinstance(exc, CapabilityError):  # raised by a capability it uses (ctx.use)
        contract = "contract" in exc.detail or "NaN" in exc.detail
        return _StepFailure(reasons.STEP_CONTRACT.code if contract else reasons.STEP_RAISED.code, str(exc))
    code = reasons.RESOURCE_UNAVAILABLE.code if _is_resource_error(exc) else reasons.STEP_RAISED.code
    return _StepFailure(code, f"raised {type(exc).__name__}: {exc}")


def _decide(plan: Plan, env: dict, errors: list[StepError]) -> Decision:
    decided: list[Decision] = []
    for get in plan.decisions:
        try:
            value = get(env)
        except EvaluationError:
            continue  # the deciding step did not run: it does not decide
        if value is None:
            continue
        decided.append(value if isinstance(value, Decision) else _as_decision(value))
    return _settle(decided, errors)


def _as_decision(value: Any) -> Decision:
    """A deciding expression's value that is not a Decision (a dict, say) validated into one."""
    return Decision.model_validate(_plain(value))


def _settle(decided: list[Decision], errors: list[StepError]) -> Decision:
    """The plan's decision from what its deciding expressions gave and its errors: the strictest."""
    if len(decided) == 1 and not errors:  # one step decided: combining would only copy its decision
        only = decided[0]
        if (only.offer is None or only.outcome is Outcome.APPROVE) and len(set(only.reasons)) == len(only.reasons):
            return only
    for error in errors:
        decided.append(Decision.refer(error.code))
    result = combine(decided)
    if result is None:
        return Decision.refer(reasons.NO_DECISION.code)
    if result.outcome is Outcome.APPROVE and errors:  # defensive: combine already makes this impossible
        return Decision.refer(*[e.code for e in errors])
    return result


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def _is_resource_error(exc: Exception) -> bool:
    """A data source that did not answer (the bureau timing out, a list service refusing)."""
    return isinstance(exc, (MissingResource, ConnectionError, TimeoutError))


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _ATOMS:  # most outputs: nothing to convert
        return value
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):  # reason codes, checklists: atoms mostly, copied without a call each
        return [v if type(v) in _ATOMS else _plain(v) for v in value]
    return value


def _us(started: float) -> float:
    return round((time.perf_counter() - started) * 1e6, 1)
