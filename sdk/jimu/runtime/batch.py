"""The vectorised batch engine: a plan run over a partition of rows at once.

:func:`run_frame` is the partition-level API (the file runner and the Dask engine call it per
partition). It keeps the record engine's contract row for row — the same outputs, decisions,
errors and rejects as :func:`jimu.runtime.run_record` on each row — while doing the work column
by column:

- the request's fields are checked against the product's inputs as columns
  (:func:`jimu.runtime.columns.validate_columns`; a row found wanting gets pydantic's message);
- ``when`` conditions and computed ``with`` bindings are evaluated over columns
  (:mod:`jimu.runtime.vectorise`), rows it cannot vouch for by the record closures;
- a capability with a **batch form** runs once per partition on a frame of its inputs; one
  without runs its record form row by row (so does any step a plugin wraps with the
  ``jimu_run_step`` hook, so that the hook sees every call);
- ``on_error`` applies per row, exactly as in the record engine: ``refer`` (and any error of a
  deciding step) refers the row, ``reject`` sends it to the rejects, ``skip`` drops the step's
  outputs, ``fail`` stops the run; errors never approve;
- composites run as sub-plans over the same partition.

**The batch form's calling convention.** ``batch(frame, params=..., ctx=...)`` (``params`` and
``ctx`` only if it names them, as the record form), where ``frame`` has a column per input field,
typed as :mod:`jimu.runtime.columns` says (a date is ``datetime64[s]``, a missing optional value
NaN/None), its values already checked field by field against the input contract. It returns a
frame with the same index and a column per output field; a :class:`jimu.Decision` field
``decision`` is given as columns ``decision.outcome``, ``decision.reasons`` and, for an offer,
``decision.offer_limit`` / ``decision.offer_rate`` / ``decision.offer_tenor_months`` (NaN where
there is none). Two optional columns speak per row: ``_record`` (true: run the record form for
this row — for inputs the batch form does not handle, or a cross-field rule it leaves to the
contract) and ``_error`` (a message: this row failed, as if the record form had raised). A batch
form that raises makes the engine run the record form on every row of the partition instead.
The outputs are checked against the output contract like the record form's.

**Aggregates** (``kind: aggregate``) take a whole population in one call; run per row or per
partition they would compute a figure over the wrong population, and the record engine has no
way to run them either, so a plan containing one is refused (:class:`BatchUnsupported`).
"""

from __future__ import annotations

import gc
import inspect
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..assembly.model import OnError
from ..contracts import Kind
from ..decision import Decision, combine
from ..invoke import CapabilityError, check_output
from ..masking import mask, mask_text
from . import reasons
from .columns import (
    DECISION, OBJECT, Col, DecisionColumn, by_identity, field_specs, from_python, kind_of, objects,
    validate_columns,
)
from ..resources import MissingResource
from .execute import RecordRejected, RunFailed, StepError, _plain
from .plan import Plan, PlanStep
from .vectorise import ColumnEnv, ColumnExpression, StepColumns, source_of


#: Tests set this: a batch form that raises fails the run instead of falling back to the record form.
STRICT = False


class BatchUnsupported(Exception):
    """The plan cannot run a partition at a time (it has an aggregate step)."""


# -- the public face ------------------------------------------------------------------------------


def run_frame(plan: Plan, frame: pd.DataFrame, first_row: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``plan`` on every row of ``frame``; return ``(outputs, rejects)``.

    Rows are numbered from ``first_row`` in frame order. ``outputs`` has the columns of
    :func:`jimu.runtime.files.output_columns` (``row``, the product's outputs, ``decision``,
    ``reasons``, ``offer_limit``, ``offer_rate``, ``errors``), one row per row that was not
    rejected; ``rejects`` has ``row``, ``reason`` (identity numbers masked), ``group`` (what the
    summary counts it under: ``input <field>`` or ``step <path>``) and ``record`` (the row as a
    dict, masked). ``len(outputs) + len(rejects) == len(frame)``, always. Raises
    :class:`RunFailed` when a ``fail`` step fails and :class:`BatchUnsupported` for a plan with
    an aggregate step.
    """
    frame = frame.reset_index(drop=True)
    numbers = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    return run_numbered(plan, frame, numbers)


def run_numbered(plan: Plan, frame: pd.DataFrame, numbers: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`run_frame` with each row's number given (a file's bad rows leave gaps)."""
    # A partition allocates millions of small lists (reason codes) that all live to its end:
    # the cyclic collector would rescan them again and again (measured: a third of the time).
    # Nothing here makes reference cycles, so it is paused for the partition.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_numbered(plan, frame, numbers)
    finally:
        if enabled:
            gc.enable()


def _run_numbered(plan: Plan, frame: pd.DataFrame, numbers: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    _refuse_aggregates(plan)
    n = len(frame)
    source = {name: frame[name] for name in frame.columns}
    checked = validate_columns(plan.input_model, source, n)
    rejected: dict[int, RecordRejected] = {i: _input_rejection(exc) for i, exc in checked.errors.items()}
    active = np.ones(n, bool)
    active[list(rejected)] = False
    result = _run_plan(plan, checked.columns, active, n)
    rejected.update(result.rejected)
    keep = np.ones(n, bool)
    keep[list(rejected)] = False
    outputs = _output_frame(plan, result, keep, numbers)
    rejects = _rejects_frame(frame, rejected, numbers)
    return outputs, rejects


def output_columns(plan: Plan) -> list[str]:
    decision = ["decision", "reasons", "offer_limit", "offer_rate"] if plan.has_decision else []
    return ["row", *(name for name, _, _ in plan.outputs), *decision, "errors"]


# -- a plan over columns ----------------------------------------------------------------------------


@dataclass
class _PlanResult:
    outputs: dict[str, Col]
    decision: DecisionColumn | None
    errors: dict[int, list[StepError]]
    rejected: dict[int, RecordRejected]


@dataclass
class _Prepared:
    """What a step needs per partition, worked out once per step."""

    when: ColumnExpression | None
    bindings: list[tuple[str, ColumnExpression, bool]]
    batch: Callable[..., Any] | None
    output_kinds: dict[str, str] = field(default_factory=dict)


_PREPARED: dict[int, tuple[PlanStep, _Prepared]] = {}
_PLAN_EXPRESSIONS: dict[int, tuple[Plan, list, list]] = {}


def _prepared(step: PlanStep) -> _Prepared:
    cached = _PREPARED.get(id(step))
    if cached is not None and cached[0] is step:
        return cached[1]
    when = ColumnExpression(step.when_text or source_of(step.when), step.when) if step.when is not None else None
    bindings = [(name, ColumnExpression(source_of(get), get), optional) for name, get, optional in step.getters]
    batch = None
    kinds: dict[str, str] = {}
    if step.cap is not None:
        if step.cap.batch is not None and step.hook_caller is None:
            batch = _bind_batch(step)
        kinds = {name: kind_of(info.annotation) for name, info in step.cap.output.model_fields.items()}
    prepared = _Prepared(when, bindings, batch, kinds)
    _PREPARED[id(step)] = (step, prepared)
    return prepared


def _plan_expressions(plan: Plan) -> tuple[list, list]:
    cached = _PLAN_EXPRESSIONS.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1], cached[2]
    outputs = [(name, ColumnExpression(source_of(get), get)) for name, get, _ in plan.outputs]
    decisions = [ColumnExpression(source_of(get), get) for get in plan.decisions]
    _PLAN_EXPRESSIONS[id(plan)] = (plan, outputs, decisions)
    return outputs, decisions


_READS: dict[int, tuple[Plan, dict[str, frozenset[str] | None]]] = {}


def _reads(plan: Plan) -> dict[str, frozenset[str] | None]:
    """Per step of ``plan``, the output fields the plan reads from it (None: all, or cannot tell).

    A batch form may leave the others out (``frame.attrs["outputs"]``): post-loan monitoring
    reads a handful of each step's fields, and building the rest (a list of signal objects per
    loan) would cost more than the step itself.
    """
    cached = _READS.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    outputs, decisions = _plan_expressions(plan)
    expressions = [e for _, e in outputs] + decisions
    for step in plan.steps:
        prep = _prepared(step)
        expressions += [e for _, e, _ in prep.bindings] + ([prep.when] if prep.when is not None else [])
    reads: dict[str, set[str] | None] = {step.id: set() for step in plan.steps}
    for expression in expressions:
        if expression.root is None:
            reads = dict.fromkeys(reads)  # an expression we cannot read: every field may be needed
            break
        for node in _walk(expression.root):
            names = ast_path(node.select if type(node).__name__ == "Has" else node)
            if not names or names[0] != "steps" or len(names) < 2 or names[1] not in reads:
                continue
            if len(names) == 2 or reads[names[1]] is None:
                reads[names[1]] = None
            else:
                reads[names[1]].add(names[2])
    result = {sid: None if fields is None else frozenset(fields) for sid, fields in reads.items()}
    _READS[id(plan)] = (plan, result)
    return result


def _walk(node: Any):
    from ..expressions import ast as tree

    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, tree.Select) and tree.path(node) is not None:
            continue  # a whole path: yielded as one
        stack.extend(tree.children(node))


def ast_path(node: Any) -> tuple[str, ...] | None:
    from ..expressions import ast as tree

    return tree.path(node) if isinstance(node, (tree.Select, tree.Ident)) else None


def _bind_batch(step: PlanStep) -> Callable[[pd.DataFrame], pd.DataFrame]:
    func = step.cap.batch
    names = inspect.signature(func).parameters
    kwargs = {}
    if "params" in names:
        kwargs["params"] = step.params
    if "ctx" in names:
        kwargs["ctx"] = step.context
    return lambda frame: func(frame, **kwargs)


def _refuse_aggregates(plan: Plan) -> None:
    for step in plan.steps:
        if step.cap is not None and step.cap.kind is Kind.AGGREGATE:
            raise BatchUnsupported(
                f"step {step.path} uses {step.capability}, an aggregate (a whole population in, a table out): "
                "it cannot run per row or per partition; run it on the whole population (jimu call) instead")
        if step.sub is not None:
            _refuse_aggregates(step.sub)


def _run_plan(plan: Plan, inputs: dict[str, Col], active: np.ndarray, n: int) -> _PlanResult:
    env = ColumnEnv(n, inputs, {})
    live = active.copy()
    errors: dict[int, list[StepError]] = {}
    rejected: dict[int, RecordRejected] = {}
    for step in plan.steps:
        prep = _prepared(step)
        rows = live.copy()
        failures: dict[int, tuple[str, str]] = {}
        if prep.when is not None:
            rows &= _condition(step, prep.when, env, rows, failures)
        for required in step.requires:
            ran = env.steps.get(required)
            rows &= ran.ran if ran is not None else False
        if step.sub is None:
            outcome = _run_capability(step, prep, env, rows, failures, _reads(plan).get(step.id))
            inner_errors: dict[int, list[StepError]] = {}
        else:
            outcome, inner_errors, inner_rejected = _run_composite(step, prep, env, rows, failures)
            for i, rejection in inner_rejected.items():
                rejected[i] = rejection
                live[i] = False
                outcome.ran[i] = False
        for i, (code, message) in sorted(failures.items()):
            error = StepError(step.path, step.capability, code, message)
            if step.on_error is OnError.REJECT:
                rejected[i] = RecordRejected(str(error), step=step.path)
                live[i] = False
            elif step.on_error is OnError.FAIL:
                raise RunFailed(str(error))
            elif step.on_error is OnError.REFER or step.decides:
                errors.setdefault(i, []).append(error)
        for i, inner in sorted(inner_errors.items()):
            if not live[i] or not inner:
                continue
            if step.on_error in (OnError.REJECT, OnError.FAIL):
                first = inner[0]
                if step.on_error is OnError.FAIL:
                    raise RunFailed(str(first))
                rejected[i] = RecordRejected(str(first), step=first.step)
                live[i] = False
                outcome.ran[i] = False
            else:
                errors.setdefault(i, []).extend(inner)
        env.steps[step.id] = outcome
    outputs_x, decisions_x = _plan_expressions(plan)
    outputs: dict[str, Col] = {}
    for name, expression in outputs_x:
        evaluated = expression.evaluate(env, live)
        col = evaluated.col
        if evaluated.errors:
            col = _nulled(col, list(evaluated.errors))
        outputs[name] = col
    decision = _decide(plan, decisions_x, env, live, errors) if plan.has_decision else None
    return _PlanResult(outputs, decision, errors, rejected)


def _condition(step: PlanStep, when: ColumnExpression, env: ColumnEnv, rows: np.ndarray,
               failures: dict[int, tuple[str, str]]) -> np.ndarray:
    """Rows where the step's ``when`` holds; a failing condition is the step's error (as in the record engine)."""
    evaluated = when.evaluate(env, rows)
    col = evaluated.col
    holds = np.zeros(env.n, bool)
    if col.kind == "bool" and col.values.dtype == bool:
        holds = rows & col.values
        odd = np.zeros(env.n, bool)
    else:
        holds = rows & np.fromiter((v is True for v in col.values), bool, env.n)
        odd = rows & ~np.fromiter((type(v) is bool or type(v) is np.bool_ for v in col.values), bool, env.n)
    for i, exc in evaluated.errors.items():
        holds[i] = False
        odd[i] = False
        if all(env.steps[r].ran[i] if r in env.steps else False for r in step.when_reads):
            failures[i] = (reasons.CONDITION_FAILED.code, f"its condition failed: {exc}")
    for i in np.flatnonzero(odd):
        value = col.value(int(i))
        failures[int(i)] = (reasons.CONDITION_FAILED.code,
                            f"its condition gave {type(value).__name__}, not true/false")
    return holds


def _bind(step: PlanStep, prep: _Prepared, env: ColumnEnv, rows: np.ndarray,
          failures: dict[int, tuple[str, str]]) -> dict[str, Col]:
    """The step's input columns; a row whose required binding fails is the step's error."""
    values: dict[str, Col] = {}
    for name, expression, optional in prep.bindings:
        evaluated = expression.evaluate(env, rows)
        col = evaluated.col
        if evaluated.errors:
            failed = []
            for i, exc in evaluated.errors.items():
                if not optional and i not in failures:
                    failures[i] = (reasons.CONDITION_FAILED.code, f"input {name}: {exc}")
                failed.append(i)
            col = _nulled(col, failed)
        values[name] = col
    return values


def _run_capability(step: PlanStep, prep: _Prepared, env: ColumnEnv, rows: np.ndarray,
                    failures: dict[int, tuple[str, str]], needed: frozenset[str] | None = None) -> StepColumns:
    n = env.n
    ran = np.zeros(n, bool)
    if not rows.any():
        return StepColumns(ran, _empty_outputs(step, n))
    bound = _bind(step, prep, env, rows, failures)
    rows = rows.copy()
    rows[list(failures)] = False
    if prep.batch is None:
        return _record_form(step, bound, rows, failures, n)
    checked = validate_columns(step.cap.input, bound, n, rows, model_rules=False, explicit_nulls=True)
    for i, exc in checked.errors.items():
        failures[i] = (reasons.STEP_CONTRACT.code,
                       f"its inputs break {step.capability}'s contract: {_first_error(exc)}")
        rows[i] = False
    return _batch_form(step, prep, checked.columns, bound, rows, failures, n, needed)


def _record_form(step: PlanStep, bound: dict[str, Col], rows: np.ndarray, failures: dict[int, tuple[str, str]],
                 n: int) -> StepColumns:
    """The record form, row by row, with the record engine's checks and messages."""
    ran = np.zeros(n, bool)
    outs: list[Any] = [None] * n
    names = list(bound)
    for i in np.flatnonzero(rows):
        i = int(i)
        try:
            outs[i] = _call_row(step, {name: bound[name].value(i) for name in names})
        except _RowFailure as failure:
            failures[i] = (failure.code, failure.message)
            continue
        ran[i] = True
    return StepColumns(ran, _columns_of(step, outs, ran, n))


class _RowFailure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _call_row(step: PlanStep, values: dict[str, Any]) -> BaseModel:
    """One record through the capability: validate, call (through the hooks), check — as
    :mod:`jimu.runtime.execute` does, with the same ``SYS_*`` codes and messages."""
    cap = step.cap
    try:
        model = cap.input.model_validate(values)
    except ValidationError as exc:
        raise _RowFailure(reasons.STEP_CONTRACT.code,
                          f"its inputs break {step.capability}'s contract: {_first_error(exc)}") from None
    try:
        raw = step.bound(model) if step.hook_caller is None else step.hook_caller(step=step, inputs=model)
    except (RecordRejected, RunFailed):
        raise
    except MissingResource as exc:
        raise _RowFailure(reasons.RESOURCE_UNAVAILABLE.code, f"resource unavailable: {exc}") from None
    except CapabilityError as exc:  # raised by a capability it uses (ctx.use)
        contract = "contract" in exc.detail or "NaN" in exc.detail
        raise _RowFailure(reasons.STEP_CONTRACT.code if contract else reasons.STEP_RAISED.code, str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a capability's failure is the row's, never the run's
        resource = isinstance(exc, (ConnectionError, TimeoutError))
        raise _RowFailure(reasons.RESOURCE_UNAVAILABLE.code if resource else reasons.STEP_RAISED.code,
                          f"raised {type(exc).__name__}: {exc}") from None
    if raw is None:
        raise _RowFailure(reasons.STEP_CONTRACT.code, "returned nothing (None)")
    try:
        return check_output(cap, raw, step.allowed)
    except CapabilityError as exc:
        raise _RowFailure(reasons.STEP_CONTRACT.code, exc.detail) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def _columns_of(step: PlanStep, outs: list[Any], ran: np.ndarray, n: int) -> dict[str, Col]:
    fields = {}
    for name, info in step.cap.output.model_fields.items():
        kind = kind_of(info.annotation)
        values = [getattr(o, name) if o is not None else None for o in outs]
        fields[name] = from_python(kind, values) if kind != OBJECT else _object_col(values)
    return fields


def _object_col(values: list[Any]) -> Col:
    out = np.fromiter(values, dtype=object, count=len(values))
    return Col(OBJECT, out)


def _empty_outputs(step: PlanStep, n: int) -> dict[str, Col]:
    if step.cap is None:
        names = [name for name, _, _ in step.sub.outputs] + (["decision"] if step.sub.has_decision else [])
        return {name: (Col(DECISION, DecisionColumn.empty(n)) if name == "decision" and step.sub.has_decision
                       else _object_col([None] * n)) for name in names}
    return _columns_of(step, [None] * n, np.zeros(n, bool), n)


def _batch_form(step: PlanStep, prep: _Prepared, columns: dict[str, Col], bound: dict[str, Col],
                rows: np.ndarray, failures: dict[int, tuple[str, str]], n: int,
                needed: frozenset[str] | None = None) -> StepColumns:
    index = np.flatnonzero(rows)
    if len(index) == 0:
        return StepColumns(np.zeros(n, bool), _empty_outputs(step, n))
    # every row runs (the usual case): the columns as they are, not copies (a batch form reads its
    # frame; pandas hands it read-only arrays)
    every = len(index) == n
    frame = object_frame({name: _frame_values(col if every else col.take(index)) for name, col in columns.items()})
    if needed is not None:
        # the fields the plan reads (with the reason codes, always checked): the batch form may skip the rest
        needed = needed | {name for name in ("reasons",) if name in step.cap.output.model_fields} | {
            name for name, kind in prep.output_kinds.items() if kind == DECISION}
        frame.attrs["outputs"] = needed
    try:
        out = prep.batch(frame)
        if isinstance(out, pd.DataFrame):
            out = out.reset_index(drop=True)
        elif isinstance(out, Mapping):
            out = dict(out)
        else:
            raise TypeError("a batch form returns a DataFrame (or a dict of columns)")
        if any(len(v) != len(frame) for v in (out.values() if isinstance(out, dict) else [out.index])):
            raise TypeError("a batch form returns one row per input row")
    except Exception:  # noqa: BLE001 - the record form then decides each row, with its own errors
        if STRICT:
            raise
        return _record_form(step, bound, rows, failures, n)
    local_record = _flag(out, "_record")
    local_error = np.asarray(out["_error"], dtype=object) if "_error" in out else None
    result = _output_columns(step, out, index, n, needed)
    ran = np.zeros(n, bool)
    ran[index] = True
    if local_error is not None:
        for j in np.flatnonzero(pd.notna(local_error)):
            i = int(index[j])
            failures[i] = (reasons.STEP_RAISED.code, f"raised {local_error[j]}")
            ran[i] = False
    # rows the column checks cannot vouch for go to the record form, whose check says exactly why
    checked = validate_columns(step.cap.output, result, n, ran, model_rules=False,
                               only=needed if needed is not None else frozenset(step.cap.output.model_fields))
    local_record = local_record | checked.suspect[index]
    codes_checked = _undeclared(step, checked.columns, ran & ~checked.suspect)
    for i, message in codes_checked.items():
        ran[i] = False
        failures[i] = (reasons.STEP_CONTRACT.code, message)
    fields = checked.columns
    if local_record.any():
        redo = np.zeros(n, bool)
        redo[index[local_record]] = True
        ran[redo] = False
        for i in np.flatnonzero(redo):
            failures.pop(int(i), None)
        again = _record_form(step, bound, redo, failures, n)
        for name, col in again.fields.items():
            fields[name] = _overlay(fields[name], col, again.ran)
        ran |= again.ran
    return StepColumns(ran, fields)


def object_frame(data: dict[str, Any], columns: list[str] | None = None) -> pd.DataFrame:
    """A frame whose object arrays stay object columns (pandas 3 would turn text into Arrow
    strings, a conversion per column each way)."""
    series = {name: pd.Series(values, dtype=object) if _is_objects(values) else values
              for name, values in data.items()}
    # copy=False: every caller passes arrays of its own (taken for the frame), and copying them
    # into one object block cost more than the step that reads them
    return pd.DataFrame(series, columns=columns, copy=False)


def _is_objects(values: Any) -> bool:
    return (isinstance(values, np.ndarray) and values.dtype == object) or isinstance(values, list)


def _flag(out: Any, name: str) -> np.ndarray:
    if name not in out:
        return np.zeros(len(next(iter(out.values()))) if isinstance(out, dict) else len(out), bool)
    values = out[name]
    if isinstance(values, pd.Series):
        return values.fillna(False).to_numpy(dtype=bool)
    return np.asarray([bool(v) and v == v for v in values] if np.asarray(values).dtype == object else values, bool)


def _frame_values(col: Col) -> Any:
    if col.kind == DECISION:
        return [col.value(i) for i in range(len(col))]
    return col.values


def _output_columns(step: PlanStep, out: Any, index: np.ndarray, n: int,
                    needed: frozenset[str] | None = None) -> dict[str, Any]:
    """The batch form's output frame scattered back to the partition's rows."""
    result: dict[str, Any] = {}
    for spec in field_specs(step.cap.output):
        name = spec.name
        if needed is not None and name not in needed:
            continue
        if spec.kind == DECISION:
            full = DecisionColumn.empty(n)
            where = np.zeros(n, bool)
            where[index] = True
            if f"{name}.outcome" in out:
                full.put(where, DecisionColumn.from_frame(out, name))
            result[name] = Col(DECISION, full)
            continue
        if name not in out:
            continue
        values = out[name]
        values = values.to_numpy(dtype=object if isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
                                 else None) if isinstance(values, pd.Series) else np.asarray(values)
        if values.dtype.kind in "fiub":
            full = np.full(n, np.nan) if values.dtype.kind in "fiu" else np.zeros(n, bool)
            if values.dtype.kind in "iu":
                full = np.zeros(n, values.dtype)
            full[index] = values
        elif values.dtype.kind == "M":
            full = np.full(n, np.datetime64("NaT"), "datetime64[s]")
            full[index] = values
        else:
            full = np.full(n, None, object)
            full[index] = values
        result[name] = full
    return result


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _undeclared(step: PlanStep, fields: dict[str, Col], ran: np.ndarray) -> dict[int, str]:
    """Rows returning reason codes the capability did not declare (the record engine's check)."""
    lists = []
    if "reasons" in fields and fields["reasons"].kind == OBJECT:
        lists.append(fields["reasons"].values)
    lists += [col.values.reasons for col in fields.values() if col.kind == DECISION]
    if not lists:
        return {}
    allowed = step.allowed or step.cap.reason_codes
    seen = set(itertools.chain.from_iterable(r for values in lists for r in _distinct(values[ran]) if r))
    if seen <= allowed:
        return {}
    found = {}
    for i in np.flatnonzero(ran):
        codes = set(itertools.chain.from_iterable(values[i] or () for values in lists))
        bad = codes - allowed
        if bad:
            found[int(i)] = f"returned undeclared reason code(s) {', '.join(sorted(bad))}"
    return found


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct objects of a column of lists (by identity): the same list shared by many rows is read once."""
    return by_identity(values)[0] if len(values) else values


def _overlay(base: Col, top: Col, where: np.ndarray) -> Col:
    if base.kind == DECISION and top.kind == DECISION:
        base.values.put(where, top.values.take(np.flatnonzero(where)))
        return base
    if base.kind == top.kind and base.values.dtype == top.values.dtype:
        values = base.values.copy()
        values[where] = top.values[where]
        return Col(base.kind, values)
    merged = [top.value(i) if where[i] else base.value(i) for i in range(len(base))]
    return from_python(base.kind, merged) if base.kind != OBJECT else _object_col(merged)


def _nulled(col: Col, rows: list[int]) -> Col:
    """The column with the given rows set to null (a value that could not be computed)."""
    if not rows:
        return col
    gone = set(rows)
    merged = [None if i in gone else col.value(i) for i in range(len(col))]
    return from_python(col.kind, merged) if col.kind != OBJECT else _object_col(merged)


def _run_composite(step: PlanStep, prep: _Prepared, env: ColumnEnv, rows: np.ndarray,
                   failures: dict[int, tuple[str, str]]):
    n = env.n
    sub = step.sub
    if not rows.any():
        return StepColumns(np.zeros(n, bool), _empty_outputs(step, n)), {}, {}
    bound = _bind(step, prep, env, rows, failures)
    rows = rows.copy()
    rows[list(failures)] = False
    checked = validate_columns(sub.input_model, bound, n, rows, explicit_nulls=True)
    for i, exc in checked.errors.items():
        failures[i] = (reasons.STEP_CONTRACT.code,
                       f"its inputs break {step.capability}'s contract: {_first_error(exc)}")
        rows[i] = False
    result = _run_plan(sub, checked.columns, rows, n)
    ran = rows.copy()
    for i in result.rejected:
        ran[i] = False
    fields = dict(result.outputs)
    if result.decision is not None:
        fields["decision"] = Col(DECISION, result.decision)
    return StepColumns(ran, fields), result.errors, result.rejected


def _decide(plan: Plan, expressions: list[ColumnExpression], env: ColumnEnv, live: np.ndarray,
            errors: dict[int, list[StepError]]) -> DecisionColumn:
    """Per row: the strictest of what the deciding steps decided and what the errors imply."""
    n = env.n
    columns: list[DecisionColumn] = []
    for expression in expressions:
        evaluated = expression.evaluate(env, live)
        col = evaluated.col
        if col.kind != DECISION:
            col = from_python(DECISION, [_as_decision(col.value(i)) for i in range(n)])
        d = col.values
        if evaluated.errors:
            d = d.take(np.arange(n))
            for i in evaluated.errors:
                d.outcome[i] = None
        columns.append(d)
    result = DecisionColumn.empty(n)
    simple = live.copy()
    if errors:
        simple[list(errors)] = False
    if len(columns) == 1:
        only = columns[0]
        decided = simple & ~only.isnull()
        index = np.flatnonzero(decided)
        result.put(decided, only.take(index))
        if not only.combined and len(index):  # a step's decision may repeat a code; combining keeps each once
            distinct, codes = by_identity(only.reasons[index])
            merged = objects([list(dict.fromkeys(r)) if len(r) > 1 else r for r in distinct])
            result.reasons[index] = merged[codes]
        undecided = simple & only.isnull()
        simple = decided
        _no_decision(result, undecided)
    else:
        simple[:] = False
    slow = live & ~simple
    made = []
    for i in np.flatnonzero(slow).tolist():
        chosen = [c.value(i) for c in columns if c.outcome[i] is not None]
        chosen += [Decision.refer(e.code) for e in errors.get(i, ())]
        combined = combine(chosen)
        made.append(combined if combined is not None else Decision.refer(reasons.NO_DECISION.code))
    if made:
        result.put(slow, DecisionColumn.from_objects(made))
    result.combined = True
    return result


def _as_decision(value: Any) -> Decision | None:
    if value is None or isinstance(value, Decision):
        return value
    return Decision.model_validate(_plain(value))


def _no_decision(result: DecisionColumn, rows: np.ndarray) -> None:
    index = np.flatnonzero(rows)
    result.outcome[index] = "refer"
    result.reasons[index] = [[reasons.NO_DECISION.code] for _ in index]


# -- frames out -------------------------------------------------------------------------------------


def _input_rejection(exc: ValidationError) -> RecordRejected:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "record"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    message = err["msg"].removeprefix("Value error, ")
    return RecordRejected(f"input {where}: {message}{more}", field=where)


def _output_frame(plan: Plan, result: _PlanResult, keep: np.ndarray, numbers: np.ndarray) -> pd.DataFrame:
    index = np.flatnonzero(keep)
    data: dict[str, Any] = {"row": numbers[index]}
    for name, col in result.outputs.items():
        data[name] = _output_values(col, index)
    if plan.has_decision:
        d = result.decision.take(index)
        data["decision"] = d.outcome
        data["reasons"] = d.reasons  # lists shared between rows: read, never changed, as the steps' outputs
        data["offer_limit"] = d.limit
        data["offer_rate"] = d.rate
    errors = result.errors
    column = np.empty(len(index), object)
    column.fill([])  # one empty list for the rows without errors (the writer encodes each distinct list once)
    for i, found in errors.items():
        at = int(np.searchsorted(index, i))
        if at < len(index) and index[at] == i:  # a kept row (a rejected one has no output)
            column[at] = [mask_text(str(e)) for e in found]
    data["errors"] = column
    return object_frame(data, columns=output_columns(plan))


def _output_values(col: Col, index: np.ndarray) -> Any:
    """A product output as the record engine gives it (plain values: models as dicts)."""
    taken = col if len(index) == len(col) else col.take(index)  # no row rejected: the column as it is
    if col.kind == DECISION:
        return [None if v is None else v.model_dump() for v in (taken.value(i) for i in range(len(index)))]
    if col.kind == OBJECT:
        from .columns import _ListOf, isna_objects

        values = taken.values
        if _ListOf(str).column(values, isna_objects(values)).all():
            return values  # lists of codes: already plain (outputs are read, never changed)
        return [_plain(v) for v in values]
    if col.kind == "int" and taken.values.dtype.kind == "f":
        return pd.array([None if v != v else int(v) for v in taken.values], dtype="Int64")
    if col.kind == "date":
        return [taken.value(i) for i in range(len(index))]
    if col.kind == "bool" and taken.values.dtype == object:
        return pd.array(list(taken.values), dtype="boolean")
    return taken.values


def _rejects_frame(frame: pd.DataFrame, rejected: dict[int, RecordRejected], numbers: np.ndarray) -> pd.DataFrame:
    rows = sorted(rejected)
    records = []
    for i in rows:
        raw = {k: v for k, v in ((c, _scalar_raw(frame[c].iloc[i])) for c in frame.columns) if v is not None}
        records.append(mask(raw))
    groups = [f"input {rejected[i].field}" if rejected[i].field else f"step {rejected[i].step}" for i in rows]
    return object_frame({"row": numbers[rows] if rows else np.array([], np.int64),
                         "reason": [mask_text(rejected[i].reason) for i in rows],
                         "group": groups, "record": records}, columns=["row", "reason", "group", "record"])


def _scalar_raw(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


# -- for capability authors: the two forms side by side ------------------------------------------------


@dataclass
class FormMismatch:
    """One record on which a capability's batch form and record form disagree."""

    row: int  # 0-based, in the records given
    field: str  # an output field, or "error"
    record: Any  # the record form's value (or its error)
    batch: Any  # the batch form's


def compare_forms(cap: Any, records: list[dict[str, Any]], params: dict[str, Any] | BaseModel | None = None,
                  catalog: Any = None, resources: Any = None) -> list[FormMismatch]:
    """Run ``cap``'s batch form and its record form on ``records``; every disagreement.

    Both go through the engine's own paths (the input contract checked as columns, the output
    contract checked after), so what passes here runs the same in a product. An empty list is
    the batch form's proof for these records: use it with hypothesis-generated records.
    """
    from ..invoke import Context, allowed_reasons
    from .plan import Binding

    if cap.batch is None:
        raise ValueError(f"{cap.key} has no batch form")
    params = params if isinstance(params, cap.params) else cap.params.model_validate(params or {})
    # a field no record gives is left unbound (its default), as a plan leaves it: bound to None, a
    # list field with a default broke the contract in both forms alike, and nothing was compared
    names = [name for name in cap.input.model_fields if any(name in r for r in records)]
    bindings = [Binding(name, _field_getter(name), False) for name in names]
    step = PlanStep(cap.id, cap.id, cap.key, int(cap.level), OnError.REFER, bindings, frozenset())
    context = Context(cap, resources, catalog)
    step.cap, step.params, step.context = cap, params, context
    step.allowed = allowed_reasons(cap, catalog)
    step.bound = cap.bind(params, context)
    step.hook_caller = None
    n = len(records)
    inputs = {name: Col(OBJECT, _objects_of([r.get(name) for r in records])) for name in names}
    env = ColumnEnv(n, inputs, {})
    everyone = np.ones(n, bool)
    prep = _prepared(step)
    batch_failures: dict[int, tuple[str, str]] = {}
    batched = _run_capability(step, prep, env, everyone, batch_failures)
    record_failures: dict[int, tuple[str, str]] = {}
    bound = {name: inputs[name] for name in names}
    present = {name: col for name, col in bound.items()}
    by_record = _record_form(step, present, everyone, record_failures, n)
    mismatches = []
    for i in range(n):
        if batch_failures.get(i) != record_failures.get(i) or batched.ran[i] != by_record.ran[i]:
            mismatches.append(FormMismatch(i, "error", record_failures.get(i), batch_failures.get(i)))
            continue
        if not by_record.ran[i]:
            continue
        for name in cap.output.model_fields:
            mine, theirs = _comparable(batched.fields[name].value(i)), _comparable(by_record.fields[name].value(i))
            if mine != theirs or type(mine) is not type(theirs):
                mismatches.append(FormMismatch(i, name, theirs, mine))
    return mismatches


def _field_getter(name: str) -> Callable[[Any], Any]:
    def get(env: Any) -> Any:
        return env["inputs"].get(name)

    return get


def _objects_of(values: list[Any]) -> np.ndarray:
    from .columns import objects

    return objects(values)


def _comparable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {"__model__": type(value).__name__, **{k: _comparable(v) for k, v in value.__dict__.items()}}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, float) and value != value:
        return "NaN"
    return value


__all__ = ["BatchUnsupported", "FormMismatch", "compare_forms", "run_frame", "run_numbered"]
