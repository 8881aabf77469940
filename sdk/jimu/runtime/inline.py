"""A product's composites inlined into one straight-line function, for untraced runs.

Run nested (:func:`jimu.runtime.execute._run`), a composite is a plan of its own: a call into the
runner, with its own environment, error list, outputs and decision, then a return into the
parent's loop; and every step, in every plan, goes through the loop's generic dispatch (is there
a ``when``? required steps? which ``on_error``?) and looks its parts up on the step. Here, once
at plan-compile time, the whole plan tree becomes the source of one Python function:

- each capability step is a block with only what it needs (its ``when`` check if it has one, the
  required-steps check if it requires any, its inputs bound by name as a dict literal, its other
  bindings unrolled, its ``on_error`` branch) and the nested runner's checks, in its order;
- each composite step is a block that, unless skipped, binds and validates its inputs as the
  nested runner does (:func:`execute._composite_inputs`) into local variables of its own
  (``inputs3``, ``done3``, ``env3``, ``errors3``: inner expressions read only their own
  environment), runs its inner steps' blocks nested inside it — so a skipped composite skips
  them all — then takes its outputs (those its parent reads), its decision (when the parent
  reads it) and applies its own ``on_error`` to its inner errors, as the nested runner does.

What a record comes to — outputs, decision, errors and their order, rejects and failures — is
the nested runner's (``tests/sdk/runtime/test_inline.py`` runs every product both ways, on
samples, generated records and failing steps). Traces are not built here:
``run_record(..., trace=True)`` runs nested, so traces are the nested runner's by construction.

A step's ``run``, ``validate_input`` and ``check`` are read from the step at each call (a test or a
tool may swap them after compiling); what shapes the code (bindings, ``when``, ``on_error``,
composites) is read once: change those and call :func:`inline` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..assembly.model import OnError
from ..decision import Decision
from ..expressions import EvaluationError
from ..invoke import CapabilityError
from . import execute as ex
from . import reasons
from .plan import Plan, PlanStep

_MAX_DEPTH = 6  # composites within composites: deeper, Python's limit on nested blocks is near


@dataclass
class Inlined:
    """A product plan as one function: validated inputs -> (outputs, decision, errors)."""

    run: Callable[[dict[str, Any]], tuple[dict[str, Any], Decision | None, list]]
    source: str  # the generated code, for reading (``print(plan.inlined.source)``)
    calls: int  # capability steps inlined
    composites: int


def inline(plan: Plan) -> Inlined | None:
    """``plan`` as one function; None when it has no composite (the nested loop is already flat)
    or composites nest too deep to inline."""
    if all(step.sub is None for step in plan.steps) or _depth(plan) > _MAX_DEPTH:
        return None
    gen = _Generator()
    gen.line(1, "done0 = {}")
    gen.line(1, "env0 = {'inputs': inputs0, 'steps': done0}")
    gen.line(1, "errors0 = []")
    gen.line(1, "complete0 = True")
    gen.plan(plan, 0, 1)
    gen.outputs(plan, plan.outputs, 0, 1)
    if plan.has_decision:
        gen.decide(plan, 0, 1)
    else:
        gen.line(1, "decision = None")
    gen.line(1, "return out, decision, errors0")
    source = "def run(inputs0):\n" + "\n".join(gen.lines) + "\n"
    names = dict(gen.constants, PLAN=plan, _outputs=ex._outputs, _decide=ex._decide, _bind=ex._bind,
                 _condition=ex._condition, _composite_inputs=ex._composite_inputs, _StepFailure=ex._StepFailure,
                 _contract_broken=ex._contract_broken, _failure_of=ex._failure_of, StepError=ex.StepError,
                 RecordRejected=ex.RecordRejected, RunFailed=ex.RunFailed, EvaluationError=EvaluationError,
                 ValidationError=ValidationError, CapabilityError=CapabilityError,
                 CONTRACT=reasons.STEP_CONTRACT.code, _ATOMS=ex._ATOMS, _plain=ex._plain,
                 _MISSED=_MISSED, Decision=Decision, _as_decision=ex._as_decision, _settle=ex._settle)
    exec(compile(source, f"<jimu inlined {plan.key}>", "exec"), names)  # noqa: S102 - our own generated code
    return Inlined(names["run"], source, gen.calls, gen.composites)


# What a path read in place raises where its getter raises EvaluationError (plan._path_getter)
_MISSED = (EvaluationError, KeyError, AttributeError, TypeError)


def _depth(plan: Plan) -> int:
    return 1 + max((_depth(step.sub) for step in plan.steps if step.sub is not None), default=0)


class _Generator:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.frames = 0
        self.calls = 0
        self.composites = 0

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def constant(self, value: Any) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def read(self, get: Any, f: int) -> str:
        """The code of a getter's read in frame ``f``: a plain path (``steps.prescreen.score``) read
        in place as :func:`plan._path_getter` reads it — its failures (``_MISSED``) send the caller
        back to the getters, which name what is missing — anything else, the getter's call."""
        path = getattr(get, "path", None)
        if path is None or path[0] not in ("steps", "inputs") or len(path) < 2:
            return f"{self.constant(get)}(env{f})"
        code = f"{'done' if path[0] == 'steps' else 'inputs'}{f}[{path[1]!r}]"  # both dicts
        for name in path[2:]:  # the getter's walk, unrolled: a dict's key, a model's field
            code = f"(_v[{name!r}] if isinstance(_v := {code}, dict) else _v.__dict__[{name!r}])"
        return code

    def outputs(self, plan: Plan, wanted: list, f: int, at: int) -> None:
        """``out``: the ``wanted`` outputs of ``plan`` run in frame ``f``, as ``execute._outputs`` gives them."""
        self.line(at, "try:")
        self.line(at + 1, "out = {}")
        for name, get, _optional in wanted:
            self.line(at + 1, f"v = {self.read(get, f)}")
            self.line(at + 1, f"out[{name!r}] = v if type(v) in _ATOMS else _plain(v)")
        self.line(at, "except _MISSED:  # read from a step that did not run: the runner's way (None)")
        self.line(at + 1, f"out = _outputs({self.constant(plan)}, env{f}, {self.constant(wanted)})")

    def decide(self, plan: Plan, f: int, at: int) -> None:
        """``decision``: ``plan``'s decision in frame ``f``, as ``execute._decide`` makes it."""
        self.line(at, "try:")
        self.line(at + 1, "decided = []")
        for get in plan.decisions:
            self.line(at + 1, f"v = {self.read(get, f)}")
            self.line(at + 1, "if v is not None:")
            self.line(at + 2, "decided.append(v if isinstance(v, Decision) else _as_decision(v))")
        self.line(at, "except _MISSED:  # a deciding step did not run: the runner's way (it does not decide)")
        self.line(at + 1, f"decision = _decide({self.constant(plan)}, env{f}, errors{f})")
        self.line(at, "else:")
        self.line(at + 1, f"decision = _settle(decided, errors{f})")

    def plan(self, plan: Plan, f: int, at: int) -> None:
        for step in plan.steps:
            self.step(step, f, at)

    def step(self, step: PlanStep, f: int, at: int) -> None:
        s = self.constant(step)
        self.line(at, f"# {step.path}")
        self.line(at, "try:")
        skip = []
        if step.when is not None:
            skip.append(f"not _condition({s}, env{f}, done{f})")
        if step.requires:
            skip.append(f"(not complete{f} and not {self.constant(step.requires)}.issubset(done{f}))")
        body = at + 1
        if skip:
            self.line(at + 1, f"if {' or '.join(skip)}:")
            self.line(at + 2, f"complete{f} = False  # skipped")
            self.line(at + 1, "else:")
            body = at + 2
        if step.sub is None:
            self.capability(step, s, f, body)
        else:
            self.composite(step, s, f, body)
        self.line(at, "except _StepFailure as failure:")
        self.line(at + 1, f"complete{f} = False")
        error = f"StepError({step.path!r}, {step.capability!r}, failure.code, failure.message)"
        if step.on_error is OnError.REJECT:
            self.line(at + 1, f"raise RecordRejected(str({error}), step={step.path!r}) from None")
        elif step.on_error is OnError.FAIL:
            self.line(at + 1, f"raise RunFailed(str({error})) from None")
        elif step.on_error is OnError.REFER or step.decides:
            self.line(at + 1, f"errors{f}.append({error})  # a decider's error refers even under skip")

    def capability(self, step: PlanStep, s: str, f: int, at: int) -> None:
        self.calls += 1
        given = ", ".join(f"{name!r}: inputs{f}.get({name!r})" for name in step.implicit)
        self.line(at, f"values = {{{given}}}")
        if step.explicit:
            self.line(at, "try:")
            for name, get, _optional in step.explicit:
                self.line(at + 1, f"values[{name!r}] = {self.read(get, f)}")
            self.line(at, "except _MISSED:  # a step it reads did not run: read again, optional reads become None")
            self.line(at + 1, f"values = _bind({s}, env{f})")
        self.line(at, "try:")
        self.line(at + 1, f"model = {s}.validate_input(values)")
        self.line(at, "except ValidationError as exc:")
        self.line(at + 1, f"raise _contract_broken({s}, exc) from None")
        self.line(at, "try:")
        self.line(at + 1, f"raw = {s}.run(model)  # the capability, or the hooks wrapping it")
        self.line(at, "except (RecordRejected, RunFailed):")
        self.line(at + 1, "raise")
        self.line(at, "except Exception as exc:")
        self.line(at + 1, "raise _failure_of(exc) from None")
        self.line(at, "if raw is None:")
        self.line(at + 1, "raise _StepFailure(CONTRACT, 'returned nothing (None)')")
        self.line(at, "try:")
        self.line(at + 1, f"done{f}[{step.id!r}] = {s}.check(raw)")
        self.line(at, "except CapabilityError as exc:")
        self.line(at + 1, "raise _StepFailure(CONTRACT, exc.detail) from None")

    def composite(self, step: PlanStep, s: str, f: int, at: int) -> None:
        self.composites += 1
        self.frames += 1
        c = self.frames
        if step.shares_inputs:  # the parent's validated inputs dict, as it is (plan.PlanStep.shares_inputs)
            self.line(at, f"inputs{c} = inputs{f}")
        elif step.forward is not None:  # the parent's validated inputs, passed on (plan.PlanStep.forward)
            given = ", ".join(f"{name!r}: " + ("None" if source is None else f"inputs{f}[{source!r}]")
                              for name, source in step.forward)
            self.line(at, f"inputs{c} = {{{given}}}")
        else:
            self.line(at, f"inputs{c} = _composite_inputs({s}, env{f}, False)")
        self.line(at, f"done{c} = {{}}")
        self.line(at, f"env{c} = {{'inputs': inputs{c}, 'steps': done{c}}}")
        self.line(at, f"errors{c} = []")
        self.line(at, f"complete{c} = True")
        self.plan(step.sub, c, at)
        self.outputs(step.sub, step.sub.outputs if step.reads_outputs is None else step.reads_outputs, c, at)
        if step.reads_decision and step.sub.has_decision:
            self.decide(step.sub, c, at)
            self.line(at, "out['decision'] = decision")
        if step.on_error in (OnError.REJECT, OnError.FAIL):  # any failure of this composite rejects (or stops)
            self.line(at, f"if errors{c}:")
            if step.on_error is OnError.REJECT:
                self.line(at + 1, f"raise RecordRejected(str(errors{c}[0]), step=errors{c}[0].step)")
            else:
                self.line(at + 1, f"raise RunFailed(str(errors{c}[0]))")
        self.line(at, f"done{f}[{step.id!r}] = out")
        self.line(at, f"if errors{c}:")
        self.line(at + 1, f"errors{f}.extend(errors{c})")
